"""Team heatmap data (SPEC §5.5 outputs): people × competencies, levels and gaps, with a footer.

Rows are the roster's people (filtered), grouped by team, then role (highest rank first), then
name; columns are the competencies C1 … C10. A cell carries the achieved level ``L_c`` and the
gap to the person's (capped) role target. People of the roster with no scores appear with empty
cells ("not assessed"): a manager sees the whole team, never a zero for missing evidence.

Footer per competency (over the shown people): ``n_assessed`` (people with a level),
``n_at_target`` (``L_c ≥ target``), ``pct_at_target = n_at_target / n_assessed``,
``pct_below`` and ``critical_gap`` (``pct_below ≥ 0.5``). Percentages are over the assessed
people — the unassessed are counted separately in ``n_not_assessed`` rather than counted as
below target.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kamlab.capability.roster import team_of
from kamlab.capability.scoring import _fw, attach_targets
from kamlab.data.framework import Framework
from kamlab.i18n import t

__all__ = ["CRITICAL_SHARE", "GAP_COLOURS", "TeamHeatmap", "gap_colour", "team_heatmap"]

#: Share of the team below target from which a competency is a "critical gap".
CRITICAL_SHARE = 0.5
_EPS = 1e-9

#: Colour-blind-safe cell colours (Okabe–Ito) by gap; always draw the level/gap as text too.
GAP_COLOURS = {
    "at_target": "#56B4E9",  # sky blue: level ≥ target
    "gap_1": "#F0E442",  # yellow: one level below
    "gap_2": "#E69F00",  # orange: two levels below
    "gap_3": "#D55E00",  # vermillion: three or more below
    "not_assessed": "#BBBBBB",  # grey: no evidence
}


def gap_colour(gap: object) -> str:
    """Cell colour for a gap (``target − level``; ``<NA>`` = not assessed).

    >>> gap_colour(-1), gap_colour(1), gap_colour(5), gap_colour(None)
    ('#56B4E9', '#F0E442', '#D55E00', '#BBBBBB')
    """
    if gap is None or pd.isna(gap):
        return GAP_COLOURS["not_assessed"]
    g = int(gap)  # type: ignore[call-overload]
    if g <= 0:
        return GAP_COLOURS["at_target"]
    return GAP_COLOURS["gap_1" if g == 1 else "gap_2" if g == 2 else "gap_3"]


@dataclass(frozen=True, eq=False)
class TeamHeatmap:
    """What a team heatmap draws.

    ``rows``: one row per person in display order (``person_id, name, team, role_level,
    region_id, capability_index, n_assessed``). ``level``, ``gap``, ``target`` and ``index``
    (the continuous S_c, for colour): people × competencies (``Int8``/``Float64``, ``<NA>`` =
    not assessed), same row order. ``footer``: one row per competency. ``cells``: the long
    table (person × competency) for plotting. ``messages``: notes for the viewer (people left
    out because they are not in the roster …).
    """

    rows: pd.DataFrame
    level: pd.DataFrame
    gap: pd.DataFrame
    target: pd.DataFrame
    index: pd.DataFrame
    footer: pd.DataFrame
    cells: pd.DataFrame
    messages: list[str] = field(default_factory=list)

    def cell_text(self, lang: str | None = None) -> pd.DataFrame:
        """Text for each cell, e.g. ``"2 (−1)"`` (level and gap); ``"–"`` when not assessed."""
        lv, gp = self.level, self.gap
        na = t("capability.not_assessed_short", lang=lang)
        out = pd.DataFrame(index=lv.index, columns=lv.columns, dtype=object)
        for c in lv.columns:
            out[c] = [
                na
                if pd.isna(a)
                else (f"{int(a)}" if pd.isna(g) or g <= 0 else f"{int(a)} (−{int(g)})")
                for a, g in zip(lv[c], gp[c], strict=True)
            ]
        return out


def _as_list(x: str | Iterable[str] | None) -> list[str] | None:
    if x is None:
        return None
    return [x] if isinstance(x, str) else list(x)


def team_heatmap(
    levels: pd.DataFrame,
    roster: pd.DataFrame,
    *,
    teams: str | Iterable[str] | None = None,
    roles: str | Iterable[str] | None = None,
    regions: str | Iterable[str] | None = None,
    person_ids: Iterable[str] | None = None,
    manager_id: str | None = None,
    framework: Framework | None = None,
) -> TeamHeatmap:
    """Team heatmap of ``levels`` (from :func:`~kamlab.capability.competency_levels`).

    ``roster``: the validated roster (:func:`~kamlab.capability.load_roster`); targets are
    (re)attached from its roles. Filters keep people whose team / role / region is in the given
    values, or whose id is in ``person_ids``; ``manager_id`` keeps that manager and everyone
    reporting to them, directly or not (what the manager may see, :func:`team_of`).
    Vectorised: 200 people × 10 competencies in about 30 ms.
    """
    fw = _fw(framework)
    if "person_id" not in roster.columns or "role_level" not in roster.columns:
        raise ValueError("roster needs person_id and role_level columns (see load_roster).")
    r = roster.copy()
    for col, vals in (("team", teams), ("role_level", roles), ("region_id", regions)):
        v = _as_list(vals)
        if v is not None:
            if col not in r.columns:
                raise ValueError(f"roster has no {col} column to filter on.")
            r = r.loc[r[col].isin(v)]
    if person_ids is not None:
        r = r.loc[r["person_id"].isin(list(person_ids))]
    if manager_id is not None:
        r = r.loc[r["person_id"].isin(team_of(roster, manager_id))]
    messages: list[str] = list(levels.attrs.get("messages", []))
    known = set(roster["person_id"].astype(str))
    extra = sorted(set(levels["person_id"].astype(str)) - known)
    if extra:
        msg = t("capability.msg_excluded_persons", n=len(extra), ids=", ".join(extra))
        if msg not in messages:
            messages.append(msg)

    rank = fw.role_rank
    r = r.assign(_rank=r["role_level"].map(rank).fillna(0).astype(int))
    sort_cols = [c for c in ("team",) if c in r.columns] + ["_rank"]
    r = r.sort_values(
        [*sort_cols, "name" if "name" in r.columns else "person_id", "person_id"],
        ascending=[True] * (len(sort_cols) - 1) + [False, True, True],
        kind="mergesort",
    )
    people = r["person_id"].astype(str).tolist()
    comps = list(fw.competency_ids)

    lv = levels.loc[levels["person_id"].astype(str).isin(people)]
    base = lv[["person_id", "competency_id", "level", "S"]]
    # every shown person × competency, NA where no scores
    grid = pd.DataFrame(
        {
            "person_id": pd.array(np.repeat(people, len(comps)), dtype="string"),
            "competency_id": pd.array(np.tile(comps, len(people)), dtype="string"),
        }
    )
    cells = grid.merge(
        base.astype({"person_id": "string", "competency_id": "string"}),
        on=["person_id", "competency_id"],
        how="left",
    )
    cells["level"] = cells["level"].astype("Int8")
    cells["S"] = cells["S"].astype("Float64")
    cells = attach_targets(cells, r, fw)
    cells["at_target"] = (
        cells["level"].astype("Float64") >= cells["target_capped"].astype("Float64")
    ).astype("boolean")

    pidx = pd.Index(people, name="person_id")

    def _wide(col: str) -> pd.DataFrame:
        # cells is person-major × competency (the merge keeps the grid's order): reshape
        arr = cells[col].array
        return (
            pd.DataFrame(
                {c: arr[k :: len(comps)] if len(comps) else arr for k, c in enumerate(comps)},
                index=pidx,
            )
            if len(people)
            else pd.DataFrame(columns=comps, index=pidx)
        )

    level_w, gap_w, tgt_w, s_w = _wide("level"), _wide("gap"), _wide("target_capped"), _wide("S")
    assessed = level_w.notna()
    at = (level_w.astype("Float64") >= tgt_w.astype("Float64")).fillna(False).astype(
        bool
    ) & assessed
    n_people = len(people)
    n_assessed = assessed.sum(axis=0)
    n_at = at.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        pct_at = pd.Series(
            np.where(n_assessed > 0, n_at / n_assessed.where(n_assessed > 0, 1), np.nan),
            index=comps,
        )
    pct_below = 1 - pct_at
    footer = pd.DataFrame(
        {
            "competency_id": comps,
            "competency": [fw.competency_name(c) for c in comps],
            "n_people": n_people,
            "n_assessed": n_assessed.to_numpy(),
            "n_not_assessed": (n_people - n_assessed).to_numpy(),
            "n_at_target": n_at.to_numpy(),
            "n_below_target": (n_assessed - n_at).to_numpy(),
            "pct_at_target": pd.array(pct_at.to_numpy(), dtype="Float64"),
            "pct_below_target": pd.array(pct_below.to_numpy(), dtype="Float64"),
        }
    )
    footer["critical_gap"] = (
        (footer["pct_below_target"] >= CRITICAL_SHARE - _EPS).fillna(False).astype(bool)
    )

    info_cols = [
        c for c in ("person_id", "name", "team", "role_level", "region_id") if c in r.columns
    ]
    rows = r[info_cols].reset_index(drop=True)
    summ = cells.groupby("person_id", sort=False).agg(
        capability_index=("capability_index", "first"), n_assessed=("n_assessed", "first")
    )
    rows = rows.merge(summ, left_on="person_id", right_index=True, how="left")
    if not people:
        messages.append(t("capability.msg_no_people"))
    return TeamHeatmap(
        rows=rows,
        level=level_w.astype("Int8"),
        gap=gap_w.astype("Int8"),
        target=tgt_w.astype("Int8"),
        index=s_w.astype("Float64"),
        footer=footer,
        cells=cells,
        messages=messages,
    )
