"""The trainee's local record of passed self-check exercises.

Stored as JSON in ``$KAMLAB_HOME/progress.json`` (default ``~/.kamlab``): nothing leaves the
machine. ``00_start_here.ipynb`` shows it with :func:`progress_table`.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

__all__ = ["passed", "progress_path", "progress_table", "record_pass", "reset_progress"]


def progress_path() -> Path:
    """Where the progress file lives."""
    home = os.environ.get("KAMLAB_HOME")
    return (Path(home) if home else Path.home() / ".kamlab") / "progress.json"


def _read() -> dict:
    try:
        return json.loads(progress_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def record_pass(exercise_id: str) -> None:
    """Record that the trainee passed ``exercise_id`` (first pass time is kept)."""
    data = _read()
    passes = data.setdefault("passed", {})
    passes.setdefault(exercise_id, datetime.now(UTC).isoformat(timespec="seconds"))
    path = progress_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
    tmp.replace(path)


def passed() -> set[str]:
    """Ids of the exercises the trainee has passed."""
    return set(_read().get("passed", {}))


def reset_progress() -> None:
    """Forget all recorded passes."""
    progress_path().unlink(missing_ok=True)


def progress_table() -> pd.DataFrame:
    """Per module: exercises available, passed, and the fraction done."""
    from kamlab.learn.checks import all_exercises

    done = passed()
    rows: dict[str, list[int]] = {}
    for ex in all_exercises():
        counts = rows.setdefault(ex.module, [0, 0])
        counts[0] += 1
        counts[1] += ex.exercise_id in done
    frame = pd.DataFrame(
        [(m, total, ok) for m, (total, ok) in sorted(rows.items())],
        columns=["module", "exercises", "passed"],
    )
    frame["done"] = (frame["passed"] / frame["exercises"]).where(frame["exercises"] > 0, 0.0)
    return frame
