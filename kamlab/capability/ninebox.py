"""9-box: performance tertile × capability tertile (SPEC §5.5 outputs).

* **Performance** (``source="accounts"``) is the mean capped five-indicator composite
  (SPEC §2.18) of the accounts a person owns — pass the per-account composites, e.g.
  ``kamlab.analysis.scorecard.account_scorecard(world, fiscal_year=2024)``; or
  (``source="rating"``) the roster's ``performance_rating``. A person with neither owned,
  scored accounts nor a rating is listed as ``NO_PERFORMANCE_DATA`` — never given a value.
* **Capability** is the capability index (SPEC §5.5.4); a person with no assessed competency is
  listed as ``NOT_ASSESSED``.
* **Tertiles** are rank-based among the people who have a value: sort ascending, ``r`` = the
  0-based rank with ties sharing the lowest rank, band ``= floor(3 r / n) + 1`` (1 low, 2 medium,
  3 high). With 9 people, 3 fall in each band; tied values always share a band.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kamlab.capability.roster import owned_accounts
from kamlab.i18n import t

__all__ = ["BOX_KEYS", "NineBox", "nine_box", "tertile_band"]

#: (performance band, capability band) → message key of the box's name.
BOX_KEYS = {
    (3, 3): "box_star",
    (3, 2): "box_high_performer",
    (3, 1): "box_trusted_professional",
    (2, 3): "box_emerging_talent",
    (2, 2): "box_core_player",
    (2, 1): "box_effective_contributor",
    (1, 3): "box_rough_diamond",
    (1, 2): "box_inconsistent",
    (1, 1): "box_talent_risk",
}

OK = "OK"
NO_PERFORMANCE = "NO_PERFORMANCE_DATA"
NOT_ASSESSED = "NOT_ASSESSED"
NO_DATA = "NO_PERFORMANCE_DATA_NOT_ASSESSED"


def tertile_band(values: pd.Series) -> pd.Series:
    """Rank-based tertile band 1–3 of each non-missing value (``<NA>`` stays ``<NA>``).

    >>> tertile_band(pd.Series([5.0, 1.0, 3.0, 9.0, 7.0, 2.0, 4.0, 8.0, 6.0])).tolist()
    [2, 1, 1, 3, 3, 1, 2, 3, 2]
    >>> tertile_band(pd.Series([1.0, 1.0, 2.0, None])).tolist()
    [1, 1, 3, <NA>]
    """
    v = pd.to_numeric(values, errors="coerce").astype("Float64")
    ok = v.notna()
    n = int(ok.sum())
    out = pd.Series(pd.NA, index=values.index, dtype="Int8")
    if n == 0:
        return out
    r = v[ok].rank(method="min").astype(float) - 1
    out[ok] = (np.floor(3 * r / n) + 1).astype("int8").to_numpy()
    return out


@dataclass(frozen=True, eq=False)
class NineBox:
    """``people``: one row per roster person with ``performance, performance_band,
    capability_index, capability_band, box`` (``"P3-C3"``), ``box_name``, ``status``
    (``OK`` / ``NO_PERFORMANCE_DATA`` / ``NOT_ASSESSED`` / both). ``grid``: 3 × 3 counts
    (index performance band 3→1, columns capability band 1→3). ``source``: where performance came
    from. ``messages``: notes for the viewer."""

    people: pd.DataFrame
    grid: pd.DataFrame
    source: str
    messages: list[str] = field(default_factory=list)


def _person_capability(levels: pd.DataFrame) -> pd.Series:
    if "capability_index" not in levels.columns:
        raise ValueError(
            "levels has no capability index; compute it with competency_levels(scores, "
            "roster=roster) or attach_targets(levels, roster)."
        )
    return (
        levels.groupby(levels["person_id"].astype(str))["capability_index"]
        .first()
        .astype("Float64")
    )


def nine_box(
    levels: pd.DataFrame,
    roster: pd.DataFrame,
    *,
    account_scores: pd.DataFrame | None = None,
    source: str | None = None,
    lang: str | None = None,
) -> NineBox:
    """Place each roster person in the 9-box (definitions in the module docstring).

    ``account_scores``: one row per account (or several, averaged) with ``account_id`` and
    ``composite`` (the capped five-indicator composite). ``source`` is ``"accounts"`` (default
    when ``account_scores`` is given) or ``"rating"`` (the roster's ``performance_rating``).
    """
    if source is None:
        source = "accounts" if account_scores is not None else "rating"
    if source not in ("accounts", "rating"):
        raise ValueError(f"source must be 'accounts' or 'rating'; got {source!r}.")
    people = roster.copy()
    people["person_id"] = people["person_id"].astype(str)
    messages: list[str] = []
    if source == "accounts":
        if account_scores is None:
            raise ValueError(
                "source='accounts' needs account_scores (account_id, composite), e.g. from "
                "kamlab.analysis.scorecard.account_scorecard(world)."
            )
        if not {"account_id", "composite"} <= set(account_scores.columns):
            raise ValueError("account_scores needs columns account_id and composite.")
        comp = account_scores.groupby(account_scores["account_id"].astype(str))["composite"].mean()
        own = (
            owned_accounts(people)
            if "owned_accounts" in people.columns
            else pd.DataFrame(columns=["person_id", "account_id"])
        )
        own = own.assign(composite=own["account_id"].astype(str).map(comp)).dropna(
            subset=["composite"]
        )
        perf = own.groupby(own["person_id"].astype(str))["composite"].mean()
    else:
        if "performance_rating" not in people.columns:
            raise ValueError("source='rating' needs a performance_rating column in the roster.")
        perf = people.set_index("person_id")["performance_rating"]
    people["performance"] = people["person_id"].map(perf).astype("Float64")
    people["capability_index"] = (
        people["person_id"].map(_person_capability(levels)).astype("Float64")
    )
    people["performance_band"] = tertile_band(people["performance"])
    people["capability_band"] = tertile_band(people["capability_index"])
    has_p = people["performance"].notna()
    has_c = people["capability_index"].notna()
    people["status"] = np.select(
        [has_p & has_c, ~has_p & has_c, has_p & ~has_c], [OK, NO_PERFORMANCE, NOT_ASSESSED], NO_DATA
    )
    placed = has_p & has_c
    people["box"] = pd.array(
        [
            f"P{int(p)}-C{int(c)}" if ok else pd.NA
            for p, c, ok in zip(
                people["performance_band"], people["capability_band"], placed, strict=True
            )
        ],
        dtype="string",
    )
    people["box_name"] = pd.array(
        [
            t(f"capability.{BOX_KEYS[(int(p), int(c))]}", lang=lang)
            if ok
            else t(f"capability.status_{s.lower()}", lang=lang)
            for p, c, ok, s in zip(
                people["performance_band"],
                people["capability_band"],
                placed,
                people["status"],
                strict=True,
            )
        ],
        dtype="string",
    )
    people["performance_source"] = source
    grid = pd.DataFrame(0, index=[3, 2, 1], columns=[1, 2, 3])
    grid.index.name, grid.columns.name = "performance_band", "capability_band"
    for p, c in zip(
        people.loc[placed, "performance_band"], people.loc[placed, "capability_band"], strict=True
    ):
        grid.loc[int(p), int(c)] += 1
    n_missing = int((~has_p).sum())
    if n_missing:
        messages.append(t("capability.msg_no_performance", n=n_missing, lang=lang))
    if int((~has_c).sum()):
        messages.append(t("capability.msg_not_assessed_9box", n=int((~has_c).sum()), lang=lang))
    cols = [
        c
        for c in (
            "person_id", "name", "team", "role_level", "performance", "performance_source",
            "performance_band", "capability_index", "capability_band", "box", "box_name", "status",
        )
        if c in people.columns
    ]  # fmt: skip
    return NineBox(
        people=people[cols].reset_index(drop=True), grid=grid, source=source, messages=messages
    )
