"""``kamlab course solutions``: the answer keys for graders.

For each assessment, into the folder the trainer chooses (keep it away from trainees):

- ``<A>/<notebook>.ipynb`` — the source notebook, with the reference solutions;
- ``<A>/answer_key.md`` and ``answer_key.json`` — per item: kind, points, level, what the
  trainee must define, and the reference answer of every visible case (the shipped world);
- ``<A>/rubrics/`` — the written rubrics of manually graded items (``assessments/rubrics/``).

Hidden cases are not written: they differ per trainee and come from the course secret.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from kamlab.assess.course import Course

__all__ = ["write_solutions"]


def _show(v: Any) -> Any:
    import pandas as pd

    if isinstance(v, pd.DataFrame):
        return v.to_dict(orient="records")
    if isinstance(v, pd.Series):
        return {str(k): x for k, x in v.items()}
    if isinstance(v, dict):
        return {str(k): _show(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, set, frozenset)):
        return [_show(x) for x in v]
    if isinstance(v, float) and v != v:
        return "NaN"
    return v


def write_solutions(
    course: Course, out_dir: str | Path, assignments: list[str] | None = None
) -> Path:
    """Write the answer keys of ``assignments`` (default: all) into ``out_dir``; return it."""
    from kamlab.assess.bundle import prepare
    from kamlab.assess.engine import GradingEngine
    from kamlab.assess.registry import get_assessment
    from kamlab.assess.spec import Kind

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rubrics = course.root / "rubrics"
    for aid in assignments or course.source_assignments():
        dest = out / aid
        dest.mkdir(parents=True, exist_ok=True)
        for nb in sorted((course.root / "source" / aid).glob("*.ipynb")):
            shutil.copyfile(nb, dest / nb.name)
        if rubrics.is_dir():
            for f in sorted(rubrics.glob(f"{aid}*")):
                (dest / "rubrics").mkdir(exist_ok=True)
                shutil.copyfile(f, dest / "rubrics" / f.name)
        try:
            assessment = get_assessment(aid)
        except KeyError:
            continue
        from kamlab.assess.nbgrader_ext import SandboxedJudge

        judge = SandboxedJudge(config=course.config())
        shipped_path = judge.shipped_world or None
        engine = GradingEngine(course.root, shipped_world=shipped_path)
        bundle = prepare(assessment, "__answer_key__", None, shipped=engine.shipped, hidden=False)
        key: dict[str, Any] = {"assignment": aid, "notebook": assessment.notebook, "items": []}
        lines = [
            f"# Answer key — {aid}",
            "",
            "Reference answers of the visible cases (the shipped world).",
            "",
        ]
        for item in assessment.items:
            entry: dict[str, Any] = {
                "item_id": item.id,
                "kind": str(item.kind),
                "points": assessment.points(item),
                "target": item.target,
                "title": item.title,
                "cases": [],
            }
            lines.append(f"## {item.id} — {item.kind} — {assessment.points(item):g} points")
            if item.title:
                lines.append(item.title)
            if item.kind is Kind.MANUAL:
                lines.append("Manually graded: see the rubric.")
            elif item.target:
                lines.append(f"The trainee defines `{item.target}`.")
            prepared = bundle.items.get(item.id)
            for c in prepared.cases if prepared else []:
                value = _show(c.expected)
                entry["cases"].append({"case": c.label, "expected": value})
                lines.append(
                    f"- {c.label}: `{json.dumps(value, ensure_ascii=False, default=str)[:2000]}`"
                )
            lines.append("")
            key["items"].append(entry)
        (dest / "answer_key.json").write_text(
            json.dumps(key, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
        )
        (dest / "answer_key.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out
