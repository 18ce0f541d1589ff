"""Words of the judge: grade-cell text for graders and feedback text for trainees (en / zh).

Everything a trainee reads about a hidden case is built here from the case's *kind* and
data-free label and the comparator's data-free *reason*. Details that quote values, and the
trainee's exception messages, are shown for visible cases (the shipped world) only.

>>> from kamlab.assess.judge import CaseResult
>>> case_line(CaseResult("h1", "edge", "boundary at a tier threshold", 0.0, "wrong_value"), lang="en")
'✗ hidden check failed — an edge case: boundary at a tier threshold: the value is wrong'
"""

from __future__ import annotations

from kamlab.assess.judge import CaseResult, ItemResult, Judgement
from kamlab.i18n import t

__all__ = ["case_line", "feedback_summary_markdown", "item_feedback_text", "item_grader_text"]


def _num(x: float) -> str:
    return f"{x:g}"


def case_label(c: CaseResult, lang: str | None = None) -> str:
    if c.kind == "visible":
        return c.label
    if c.kind == "edge":
        return t("assess.case_edge", lang=lang, what=c.label)
    if c.label:
        return t("assess.case_fresh_world_what", lang=lang, what=c.label)
    return t("assess.case_fresh_world", lang=lang)


def reason_text(c: CaseResult, lang: str | None = None) -> str:
    if c.reason == "raised":
        return t("assess.reason_raised", lang=lang, error=c.error or "Error")
    key = f"assess.reason_{c.reason}"
    try:
        return t(key, lang=lang)
    except KeyError:
        return t("assess.reason_wrong_value", lang=lang)


def case_line(c: CaseResult, lang: str | None = None) -> str:
    """One line about one case (hidden: kind + reason only)."""
    label = case_label(c, lang)
    if c.kind == "visible":
        if c.credit >= 1:
            return t("assess.visible_pass", lang=lang, label=label)
        line = t("assess.visible_fail", lang=lang, label=label, reason=reason_text(c, lang))
        extra = c.detail or (
            f"{c.error}: {c.message}" if c.reason == "raised" and c.message else ""
        )
        return line + (f"\n      {extra}" if extra else "")
    if c.credit >= 1:
        return t("assess.hidden_pass", lang=lang, label=label)
    if c.credit > 0:
        return t("assess.hidden_partial", lang=lang, label=label, reason=reason_text(c, lang))
    return t("assess.hidden_fail", lang=lang, label=label, reason=reason_text(c, lang))


def _notes(res: ItemResult, j: Judgement | None, lang: str | None) -> list[str]:
    out = []
    for note in res.notes:
        key = note.split(":", 1)[0]
        if key == "delegated":
            names = sorted(
                {
                    d["name"]
                    for d in (j.delegation if j else [])
                    if d.get("item") in (None, res.item_id)
                }
            )
            out.append(
                t("assess.note_delegated", lang=lang, names=", ".join(names[:5]) or "kamlab")
            )
        else:
            try:
                out.append(t(f"assess.note_{key}", lang=lang))
            except KeyError:
                out.append(t("assess.note_grader_error", lang=lang))
    return out


def _body(res: ItemResult, j: Judgement | None, lang: str | None) -> list[str]:
    lines = [
        t(
            "assess.item_header",
            lang=lang,
            item=res.item_id,
            score=_num(res.score),
            points=_num(res.points),
        )
    ]
    lines += [f"  {n}" for n in _notes(res, j, lang)]
    for c in res.visible:
        if c.reason != "void":
            lines.append("  " + case_line(c, lang))
    hidden = [c for c in res.hidden if c.reason != "void"]
    if hidden and "pooled" in res.notes:  # one pooled measure: say which parts failed outright
        hidden = [c for c in hidden if c.credit <= 0]
        for line in dict.fromkeys(case_line(c, lang) for c in hidden):
            lines.append("    " + line)
    elif hidden:
        passed = sum(1 for c in hidden if c.credit >= 1)
        lines.append("  " + t("assess.hidden_summary", lang=lang, passed=passed, n=len(hidden)))
        seen: set[str] = set()
        for c in hidden:
            if c.credit >= 1:
                continue
            line = case_line(c, lang)
            if line not in seen:  # one line per kind of failure
                seen.add(line)
                lines.append("    " + line)
    return lines


def item_grader_text(res: ItemResult, j: Judgement | None) -> str:
    """Text of a test cell in the autograded notebook (what graders see in formgrader)."""
    return "\n".join(_body(res, j, None)) + "\n"


def item_feedback_text(res: ItemResult, j: Judgement | None, lang: str | None = None) -> str:
    """Text of a test cell in the trainee's feedback."""
    return "\n".join(_body(res, j, lang)) + "\n"


def feedback_summary_markdown(
    j: Judgement, lang: str | None = None, scores: dict[str, tuple[float, float]] | None = None
) -> str:
    """The summary cell at the top of the feedback: points per item, tampering, run notes.

    ``scores`` (grade_id → (score, max score)) comes from the gradebook, so manual grades
    and a grader's overrides show; without it the judgement's own scores are used.
    """
    rows = scores or {k: (r.score, r.points) for k, r in j.items.items()}
    total = sum(s for s, _ in rows.values())
    total_max = sum(m for _, m in rows.values())
    lines = [
        t(
            "assess.summary_title",
            lang=lang,
            assignment=j.assignment,
            score=_num(total),
            max=_num(total_max),
        ),
        "",
        "| "
        + t("assess.col_item", lang=lang)
        + " | "
        + t("assess.col_score", lang=lang)
        + " | "
        + t("assess.col_points", lang=lang)
        + " |",
        "|---|---:|---:|",
    ]
    for gid, (sc, mx) in rows.items():
        lines.append(f"| {gid} | {_num(sc)} | {_num(mx)} |")
    if j.tampering:
        lines += ["", t("assess.tamper_intro", lang=lang)]
        for tp in j.tampering:
            what = t(f"assess.tamper_{tp.get('what', 'edited')}", lang=lang)
            lines.append(f"- {tp.get('cell', '?')}: {what}")
    cells = j.run.get("cells", {}) if isinstance(j.run, dict) else {}
    if any(v in ("timeout", "killed") for v in cells.values()):
        lines += ["", t("assess.record_timeout", lang=lang)]
    if any(v == "died" for v in cells.values()):
        lines += ["", t("assess.record_died", lang=lang)]
    if j.error:
        lines += ["", t("assess.grading_problem", lang=lang)]
    lines += ["", t("assess.summary_footer", lang=lang)]
    return "\n".join(lines)
