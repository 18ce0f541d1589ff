"""The outside judge: turn parsed answers into item scores, with reasons feedback may show.

Everything here runs in the grader's process, on data rebuilt by :mod:`kamlab.assess.plain`.
A :class:`Judgement` is saved per submission (root-only, under ``<course>/.kamlab/``) and is
what SaveAutoGrades records (through the grade cells' outputs), what feedback explains and
what ``kamlab course status`` reports.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

from kamlab.assess.compare import Check
from kamlab.assess.plain import ItemAnswers
from kamlab.assess.spec import CaseKind

__all__ = ["CaseResult", "ItemResult", "Judgement", "judge_item"]

#: statuses of an item's judgement
JUDGED = "judged"
DELEGATED = "delegated"
MISSING = "missing"
NO_ANSWER = "no_answer"
MANUAL = "manual"


@dataclass
class CaseResult:
    """One case's outcome. ``detail`` and ``message`` are kept only for visible cases."""

    id: str
    kind: str
    label: str
    credit: float
    reason: str
    detail: str = ""
    error: str = ""
    message: str = ""


@dataclass
class ItemResult:
    """One item's outcome: ``score`` of ``points``, a ``status`` and the case results."""

    item_id: str
    kind: str
    points: float
    score: float
    status: str
    visible: list[CaseResult] = field(default_factory=list)
    hidden: list[CaseResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Judgement:
    """Everything decided about one submission (no seeds, no hidden data)."""

    assignment: str
    trainee: str
    items: dict[str, ItemResult] = field(default_factory=dict)
    delegation: list[dict[str, Any]] = field(default_factory=list)
    tampering: list[dict[str, Any]] = field(default_factory=list)
    run: dict[str, Any] = field(default_factory=dict)
    attempt: int = 1
    graded_at: str = ""
    error: str = ""

    @property
    def score(self) -> float:
        return sum(r.score for r in self.items.values())

    @property
    def max_score(self) -> float:
        return sum(r.points for r in self.items.values())

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, ensure_ascii=False, default=str)

    @classmethod
    def from_json(cls, text: str) -> Judgement:
        raw = json.loads(text)
        items = {}
        for k, v in raw.pop("items", {}).items():
            v["visible"] = [CaseResult(**c) for c in v.get("visible", [])]
            v["hidden"] = [CaseResult(**c) for c in v.get("hidden", [])]
            items[k] = ItemResult(**v)
        return cls(items=items, **raw)


def judge_item(
    prepared: Any,
    answers: ItemAnswers | None,
    *,
    delegated: bool = False,
    no_answer_reason: str = "",
) -> ItemResult:
    """Score one item from its prepared cases and the trainee's parsed answers.

    ``prepared`` is a :class:`~kamlab.assess.bundle.PreparedItem`. With no answers (the
    kernel died, timed out or printed nothing usable) the item scores 0.
    """
    item = prepared.item
    res = ItemResult(item.id, str(item.kind), prepared.points, 0.0, JUDGED)
    if item.pooled:
        res.notes.append("pooled")
    visible = [c for c in prepared.cases if c.kind == CaseKind.VISIBLE]
    hidden = [c for c in prepared.cases if c.kind != CaseKind.VISIBLE]
    if answers is None:
        res.status = NO_ANSWER
        res.notes.append(no_answer_reason or "no_answer")
    elif answers.status in ("missing", "not_callable"):
        res.status = MISSING
        res.notes.append(answers.status)
    for group, out in ((visible, res.visible), (hidden, res.hidden)):
        for case in group:
            out.append(_judge_case(item, case, answers, show=case.kind == CaseKind.VISIBLE))
    if res.status == JUDGED and delegated and item.needs_implementation:
        res.status = DELEGATED
        res.notes.append("delegated")
    if res.status == JUDGED:
        credits = [r.credit for r in res.hidden if not math.isnan(r.credit)]
        score = item.scoring(prepared.points, credits) if credits else 0.0
        res.score = float(max(0.0, min(prepared.points, score)))
    if answers is not None and answers.status == "interrupted":
        res.notes.append("interrupted")
    return res


def _judge_case(item: Any, case: Any, answers: ItemAnswers | None, *, show: bool) -> CaseResult:
    base = CaseResult(case.id, str(case.kind), case.label, 0.0, "not_run")
    if case.void:
        base.credit, base.reason = float("nan"), "void"
        return base
    if answers is None or answers.status != "ok":
        return base
    ans = answers.cases.get(case.id)
    if ans is None:
        return base
    if not ans.ok:
        base.reason = "timeout" if ans.error == "Timeout" else "raised"
        base.error = ans.error
        if show:
            base.message = ans.message
        return base
    try:
        check = item.compare(ans.value, case.expected)
    except Exception as exc:
        check = Check(0.0, "wrong_type", f"could not compare the answer: {type(exc).__name__}")
    base.credit = float(max(0.0, min(1.0, check.credit)))
    base.reason = check.reason if not check.passed else "ok"
    if show:
        base.detail = check.detail
    return base
