"""Individual gap report (SPEC §5.5 outputs).

Per competency: target (and the capped target used for the gap), achieved level, gap, mastery
per level, the failed items, the recommended curriculum modules and the development action.

Definitions:

* **Failed item**: an item of the person's latest grading run of a submitted assessment with
  score fraction ``f < 0.5`` (``fail_below``; the same line as the lower-level gate) — blank
  items (scored 0) included. A competency lists the failed items that carry weight for it.
* **Recommended modules**: the curriculum modules of the items with weight ``w ≥ 0.5`` for the
  competency (SPEC §5.5), from the framework, in module order.
* **Development action**: the descriptor of the next level — the lowest level above ``L_c`` that
  the item bank evidences (so nobody is sent towards a level no assessment can show; usually
  ``L_c + 1``); for a competency not assessed yet, its lowest evidenced level. Where the person is
  at or above target the action is a stretch goal; at level 4, coaching others; where the
  competency is not assessed the action is to complete the recommended modules' assessments.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from kamlab.capability.scoring import LEVELS, _fw, assessed_items
from kamlab.data.framework import Framework, evidenced_levels
from kamlab.i18n import t

__all__ = ["GapReport", "gap_report", "recommended_modules"]

STATUS_BELOW = "BELOW_TARGET"
STATUS_AT = "AT_TARGET"
STATUS_NOT_ASSESSED = "NOT_ASSESSED"
STATUS_NO_TARGET = "NO_TARGET"


@dataclass(frozen=True, eq=False)
class GapReport:
    """A person's gap report: ``summary`` (one row per competency) and ``failed_items``."""

    person_id: str
    role_level: str | None
    capability_index: float | None
    summary: pd.DataFrame
    failed_items: pd.DataFrame
    framework: Framework | None = field(default=None, repr=False)

    def display(self, lang: str | None = None) -> pd.DataFrame:
        """The summary for a table view in ``lang``: translated headers, status, competency
        names and development actions."""
        cols = [
            "competency",
            "target",
            "level",
            "gap",
            "M_L1",
            "M_L2",
            "M_L3",
            "M_L4",
            "failed_items",
            "recommended_modules",
            "development_action",
            "status",
        ]
        out = self.summary[cols].copy()
        fw = self.framework if self.framework is not None else _fw(None)
        sm = self.summary
        out["competency"] = [fw.competency_name(c, lang) for c in sm["competency_id"]]
        out["development_action"] = [
            _action(fw, c, st, nx, mods, lang)
            for c, st, nx, mods in zip(
                sm["competency_id"],
                sm["status"],
                sm["next_level"],
                sm["recommended_modules"],
                strict=True,
            )
        ]
        out["status"] = [t(f"capability.status_{s.lower()}", lang=lang) for s in out["status"]]
        out.columns = [t(f"capability.col_{c.lower()}", lang=lang) for c in cols]
        return out


def _action(fw: Framework, c: str, status: str, nxt: object, modules: str, lang: str | None) -> str:
    """The development action text of one competency row."""
    if status == STATUS_NOT_ASSESSED:
        return t(
            "capability.action_not_assessed",
            lang=lang,
            modules=modules,
            descriptor=fw.descriptor(c, int(nxt), lang),  # type: ignore[call-overload]
        )
    if nxt is None or pd.isna(nxt):
        return t("capability.action_top", lang=lang)
    key = "capability.action_next" if status == STATUS_BELOW else "capability.action_stretch"
    n = int(nxt)  # type: ignore[call-overload]
    return t(
        key,
        lang=lang,
        level=n,
        level_name=fw.level_name(n, lang),
        descriptor=fw.descriptor(c, n, lang),
    )


def _next_level(level: object, evidenced: list[int]) -> object:
    """The next level to work towards: the lowest level above ``level`` that the item bank can
    evidence (so nobody is sent towards a level no assessment can show), else ``level + 1``;
    ``<NA>`` at level 4. A competency not assessed yet starts at its lowest evidenced level."""
    cur = 0 if level is None or pd.isna(level) else int(level)  # type: ignore[call-overload]
    if cur >= 4:
        return pd.NA
    above = [ell for ell in evidenced if ell > cur]
    return min(above) if above else cur + 1


def recommended_modules(framework: Framework | None = None, min_weight: float = 0.5) -> pd.Series:
    """Competency → ``"M2|M5|M7|M8"``: modules of the items with weight ≥ ``min_weight``.

    >>> recommended_modules()["C8"]
    'M3|M6'
    """
    fw = _fw(framework)
    m = fw.item_competency_map.merge(fw.assessment_items[["item_id", "module"]], on="item_id")
    m = m.loc[m["weight"] >= min_weight - 1e-9]
    mods = m.groupby("competency_id")["module"].agg(lambda s: "|".join(sorted(set(map(str, s)))))
    return mods.reindex(list(fw.competency_ids)).fillna("")


def gap_report(
    person_id: str,
    levels: pd.DataFrame,
    scores: pd.DataFrame,
    framework: Framework | None = None,
    *,
    fail_below: float = 0.5,
    lang: str | None = None,
) -> GapReport:
    """The gap report of ``person_id`` (definitions in the module docstring).

    ``levels`` from :func:`~kamlab.capability.competency_levels` (with a roster, so that
    targets are known); ``scores`` the same per-item scores (for the failed items).
    ``summary`` columns: ``competency_id, competency, target, target_capped, level, gap,
    M_L1..M_L4, evidence, failed_items, recommended_modules, next_level, development_action,
    status`` (``BELOW_TARGET``, ``AT_TARGET``, ``NOT_ASSESSED``, ``NO_TARGET``).
    """
    fw = _fw(framework)
    if not 0 <= fail_below <= 1:
        raise ValueError(f"fail_below must be a score fraction in [0, 1]; got {fail_below!r}.")
    lv = levels.loc[levels["person_id"].astype(str) == str(person_id)]
    if lv.empty:
        known = sorted(levels["person_id"].astype(str).unique())
        raise ValueError(
            f"person_id {person_id!r} is not in levels; people scored: {', '.join(known[:20])}"
            + (" …" if len(known) > 20 else "")
            + "."
        )
    has_targets = "target_capped" in lv.columns
    lv = lv.set_index("competency_id").reindex(list(fw.competency_ids))

    sc = scores.loc[scores["person_id"].astype(str) == str(person_id)]
    if sc.empty:
        failed = pd.DataFrame(
            columns=[
                "item_id",
                "module",
                "level",
                "score",
                "max_score",
                "fraction",
                "blank",
                "competencies",
            ]
        )
    else:
        assessed, _ = assessed_items(sc, fw)
        failed = assessed.loc[assessed["fraction"] < fail_below - 1e-9].copy()
        items = fw.assessment_items.set_index("item_id")
        failed["module"] = failed["item_id"].map(items["module"]).astype("string")
        failed["level"] = failed["item_id"].map(items["level"]).astype("Int8")
        imap = fw.item_competency_map
        comp_txt = imap.assign(
            txt=imap["competency_id"].astype(str) + " " + imap["weight"].map("{:g}".format)
        )
        comp_txt = comp_txt.groupby("item_id")["txt"].agg(", ".join)
        failed["competencies"] = failed["item_id"].map(comp_txt).astype("string")
        failed = failed[
            [
                "item_id",
                "module",
                "level",
                "score",
                "max_score",
                "fraction",
                "blank",
                "competencies",
            ]
        ].reset_index(drop=True)
    failed_by_comp = (
        fw.item_competency_map.loc[fw.item_competency_map["item_id"].isin(failed["item_id"])]
        .groupby("competency_id")["item_id"]
        .agg(lambda s: ", ".join(sorted(map(str, s))))
    )
    mods = recommended_modules(fw)
    ev = evidenced_levels(fw)
    ev = ev.loc[ev["evidenced"]]
    bank_levels = (
        ev.groupby("competency_id")["level"].apply(lambda x: sorted(map(int, x))).to_dict()
    )

    rows = []
    for c in fw.competency_ids:
        r = lv.loc[c]
        level = r["level"]
        tgt = r["target"] if has_targets else pd.NA
        tcap = r["target_capped"] if has_targets else pd.NA
        gap = r["gap"] if has_targets else pd.NA
        assessed_c = pd.notna(level)
        nxt = _next_level(level, bank_levels.get(c, []))
        if not assessed_c:
            status = STATUS_NOT_ASSESSED
        elif pd.isna(tcap):
            status = STATUS_NO_TARGET
        elif int(level) >= int(tcap):
            status = STATUS_AT
        else:
            status = STATUS_BELOW
        mods_c = mods[c].replace("|", ", ")
        action = _action(fw, c, status, nxt, mods_c, lang)
        rows.append(
            {
                "competency_id": c,
                "competency": fw.competency_name(c, lang),
                "target": tgt,
                "target_capped": tcap,
                "level": level,
                "gap": gap,
                **{f"M_L{ell}": r[f"M_L{ell}"] for ell in LEVELS},
                "evidence": r["evidence"],
                "failed_items": failed_by_comp.get(c, ""),
                "recommended_modules": mods_c,
                "next_level": nxt,
                "development_action": action,
                "status": status,
            }
        )
    summary = pd.DataFrame(rows)
    for col in ("target", "target_capped", "level", "gap", "next_level"):
        summary[col] = summary[col].astype("Int8")
    for ell in LEVELS:
        summary[f"M_L{ell}"] = summary[f"M_L{ell}"].astype("Float64")
    role = lv["role_level"].iloc[0] if "role_level" in lv.columns else None
    ci = lv["capability_index"].iloc[0] if "capability_index" in lv.columns else None
    return GapReport(
        person_id=str(person_id),
        role_level=None if role is None or pd.isna(role) else str(role),
        capability_index=None if ci is None or pd.isna(ci) else float(ci),
        summary=summary,
        failed_items=failed,
        framework=fw,
    )
