"""Constants and helpers shared by the app tests (importable from test modules)."""

from __future__ import annotations

import pandas as pd

#: The small cohort of the gradebook tests: people of the demo team (three teams, four roles).
COHORT = ["KAM01", "KAM02", "KAM03", "KAM12", "KAM13", "KAM14", "KAM18"]


def cohort_scores(demo) -> pd.DataFrame:
    """The demo scores of :data:`COHORT`."""
    s = demo.scores
    return s.loc[s["person_id"].isin(COHORT)].copy()
