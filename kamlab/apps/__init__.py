"""Voila app builders (functions returning a widget tree) used by ../apps/*.ipynb.

* :mod:`kamlab.apps.team_gaps` — the team capability-gaps app for KA managers and directors
  (heatmap, gap reports, bench/succession, 9-box, Excel export, one-page report);
* :mod:`kamlab.apps.cohort` — the cohort-progress app for trainers (progress, score
  distributions, item analysis, trainees below a threshold), over
  :mod:`kamlab.apps.cohort_stats`;
* :mod:`kamlab.apps.config` — what an app serves (score source, roster, manager, language),
  written by ``kamlab dashboard`` and read by the pre-heated kernels.

Scores come from :mod:`kamlab.capability.sources`. Usage and privacy: ``docs/APPS.md``.
"""
