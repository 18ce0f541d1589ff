"""Self-study support: the trainee's workspace, exercise self-checks and progress.

``from kamlab.learn import check, hint`` is the notebooks' entry point to the self-checks
(:mod:`kamlab.learn.checks`).
"""

from kamlab.learn.checks import check, hint

__all__ = ["check", "hint"]
