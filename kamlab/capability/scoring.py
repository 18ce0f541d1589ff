"""Capability scoring from per-item scores (SPEC §5.5, steps 1–4).

Input: per-item scores shaped like the ``assessment_scores`` table — ``person_id, item_id,
attempt, score, max_score, graded_at`` — the long table the nbgrader export writes (attempt =
grading run) and the simulator writes for the demo team.

Which rows count (SPEC §5.5.1 and the decisions documented here):

* **Submitted assessment.** An assessment (``assignment`` of the item bank, M1 … M8) counts as
  submitted by a person when *any* of its items has a row for that person.
* **Latest run wins.** nbgrader keeps one submission per assessment, so per person × assessment
  only the rows of the latest grading run (highest ``attempt``) are used; earlier runs are history
  (:func:`levels_over_time`).
* **Blank items score 0.** An item of a submitted assessment with no row in that latest run is
  scored 0 (the trainee left it blank) — except a ``MANUAL`` item, which counts only once graded
  (SPEC §5.6), so an absent manual item is "not assessed".
* **Not submitted → not assessed.** Items of an assessment with no rows at all are absent: no
  evidence, not zero.
* Rows for items not in the framework are ignored and reported (``levels.attrs``).

Scoring, for person p, competency c, level ℓ, item fraction ``f_i = score/max_score`` and item
points ``m_i`` (the framework's ``max_points``):

* evidence ``E_{ℓ,c} = Σ_{i assessed, ℓ_i = ℓ} w_ic m_i``; mastery ``M_{ℓ,c} = Σ w_ic m_i f_i / E_{ℓ,c}``
* evidenced ``E_{ℓ,c} ≥ 2``; achieved ``L_c = max{ℓ evidenced : M_{ℓ,c} ≥ θ and every evidenced
  ℓ' < ℓ has M_{ℓ',c} ≥ gate}``; ``L_c = 0`` "not yet demonstrated"; ``L_c = <NA>`` when no
  level of c is evidenced for the person (no evidence, or too little to judge) — never 0
* index ``S_c = Σ_ℓ E_{ℓ,c} M_{ℓ,c} ℓ / Σ_ℓ E_{ℓ,c}`` (0–4)
* with a role: ``target_capped = min(target(role, c), highest level the item bank evidences for
  c)``, ``gap = target_capped − L_c``, capability index ``= mean_c min(1, L_c / target_capped)``
  over the competencies with a level (``n_assessed`` says how many).

Threshold comparisons use a 1e-9 guard (SPEC §0.2).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from kamlab.data.framework import MIN_EVIDENCE, Framework, _shipped, capped_role_targets
from kamlab.data.schemas import conform
from kamlab.i18n import t

__all__ = [
    "LEVELS",
    "assessed_items",
    "attach_targets",
    "capability_summary",
    "competency_levels",
    "demo_scores",
    "levels_over_time",
    "read_scores",
    "wide",
]

LEVELS = (1, 2, 3, 4)
_EPS = 1e-9
_SCORE_COLUMNS = ("person_id", "item_id", "score", "max_score")

#: Evidence status of a person × competency.
EVIDENCE_NONE = "NONE"  # no assessed item touches the competency
EVIDENCE_INSUFFICIENT = "INSUFFICIENT"  # some evidence, but no level reaches E ≥ 2
EVIDENCE_OK = "ASSESSED"  # at least one level evidenced: L_c is 0–4


def _fw(framework: Framework | None) -> Framework:
    # internal use is read-only: the cached shipped framework, not a copy
    return framework if framework is not None else _shipped()


# ---------------------------------------------------------------------------------------------
# Input


def _check_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """Columns, dtypes and values of a scores table; a clear ValueError otherwise."""
    if not isinstance(scores, pd.DataFrame):
        raise ValueError(
            f"scores must be a DataFrame shaped like the assessment_scores table; got "
            f"{type(scores).__name__}."
        )
    missing = [c for c in _SCORE_COLUMNS if c not in scores.columns]
    if missing:
        raise ValueError(
            f"scores is missing column(s) {', '.join(missing)}; it needs person_id, item_id, "
            "score, max_score (and attempt, graded_at) like the assessment_scores table."
        )
    df = pd.DataFrame(
        {
            "person_id": scores["person_id"].astype("string"),
            "item_id": scores["item_id"].astype("string"),
            "attempt": (
                pd.to_numeric(scores["attempt"], errors="coerce")
                if "attempt" in scores.columns
                else pd.Series(1, index=scores.index)
            ),
            "score": pd.to_numeric(scores["score"], errors="coerce"),
            "max_score": pd.to_numeric(scores["max_score"], errors="coerce"),
            "graded_at": (
                pd.to_datetime(scores["graded_at"], errors="coerce")
                if "graded_at" in scores.columns
                else pd.Series(pd.NaT, index=scores.index, dtype="datetime64[ns]")
            ),
        }
    ).reset_index(drop=True)

    def _rows(mask: pd.Series) -> str:
        bad = df.loc[mask].head(5)
        more = int(mask.sum()) - len(bad)
        txt = "; ".join(
            f"{r.person_id} {r.item_id} attempt {r.attempt}" for r in bad.itertuples(index=False)
        )
        return txt + (f"; and {more} more" if more > 0 else "")

    if df["person_id"].isna().any() or df["item_id"].isna().any():
        raise ValueError("scores has rows without a person_id or item_id; remove or fill them.")
    for col in ("attempt", "score", "max_score"):
        bad = df[col].isna()
        if bad.any():
            raise ValueError(
                f"scores column {col} must be a number in every row; not in: {_rows(bad)}."
            )
    if (df["score"] < 0).any():
        raise ValueError(f"scores has negative scores: {_rows(df['score'] < 0)}.")
    if (df["max_score"] <= 0).any():
        raise ValueError(
            f"scores has max_score ≤ 0 (no fraction possible): {_rows(df['max_score'] <= 0)}."
        )
    over = df["score"] > df["max_score"] + _EPS
    if over.any():
        raise ValueError(f"scores has a score above its max_score: {_rows(over)}.")
    dup = df.duplicated(["person_id", "item_id", "attempt"], keep=False)
    if dup.any():
        raise ValueError(
            "scores has more than one row per person × item × attempt (the table's key): "
            f"{_rows(dup)}. Keep one row per grading run."
        )
    df["attempt"] = df["attempt"].astype("int64")
    return df


def read_scores(path: str | Path) -> pd.DataFrame:
    """Read an ``assessment_scores`` file (CSV, Excel or parquet) and conform it to the schema.

    A missing ``attempt`` column means one grading run (1); a missing ``graded_at`` is ``NaT``.
    """
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"path {p} does not exist; give the scores file exported from nbgrader.")
    suffix = p.suffix.lower()
    if suffix in {".xlsx", ".xlsm", ".xls"}:
        df = pd.read_excel(p, dtype={"person_id": str, "item_id": str})
    elif suffix == ".parquet":
        df = pd.read_parquet(p)
    else:
        df = pd.read_csv(p, dtype={"person_id": str, "item_id": str}, encoding="utf-8-sig")
    df = _check_scores(df)
    return conform(df, "assessment_scores")


def demo_scores(world: object) -> pd.DataFrame:
    """The simulated KA team's per-item scores (SPEC §3.10) from a world, for demo views.

    Looks for the ``assessment_scores`` table among the world's public tables, then its truth
    tables.
    """
    for layer in ("public", "truth"):
        tables = getattr(world, layer, None)
        if isinstance(tables, dict) and "assessment_scores" in tables:
            return tables["assessment_scores"].copy()
    raise ValueError(
        "world has no assessment_scores table; generate a world with the simulator "
        "(`kamlab data generate`) — it writes the simulated team's scores (SPEC §3.10)."
    )


def assessed_items(
    scores: pd.DataFrame, framework: Framework | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """The item fractions that count, per person (rules in the module docstring).

    Returns ``(assessed, unknown_items)``: ``assessed`` has one row per person × assessed item
    with ``person_id, item_id, assignment, attempt, score, max_score, fraction, blank`` (``blank``
    = filled in as 0 because the item had no row in the latest run of a submitted assessment);
    ``unknown_items`` lists item ids of ``scores`` that are not in the framework (ignored).

    >>> s = pd.DataFrame({"person_id": ["P1", "P1"], "item_id": ["M1-T1", "M1-T1"],
    ...                   "attempt": [1, 2], "score": [1.0, 3.0], "max_score": [4.0, 4.0]})
    >>> a, _ = assessed_items(s)
    >>> a[["item_id", "attempt", "fraction", "blank"]].values.tolist()   # latest run, 3 blanks
    [['M1-T1', 2, 0.75, False], ['M1-T2', 2, 0.0, True], ['M1-T3', 2, 0.0, True], ['M1-T4', 2, 0.0, True]]
    """
    fw = _fw(framework)
    df = _check_scores(scores)
    items = fw.assessment_items[["item_id", "assignment", "item_type"]].astype(
        {"item_id": "string", "assignment": "string"}
    )
    known = df["item_id"].isin(items["item_id"])
    unknown = sorted(df.loc[~known, "item_id"].unique().tolist())
    df = df.loc[known].merge(items[["item_id", "assignment"]], on="item_id", how="left")
    # latest grading run per person × assessment
    latest = df.groupby(["person_id", "assignment"], sort=False)["attempt"].transform("max")
    df = df.loc[df["attempt"] == latest]
    runs = df.groupby(["person_id", "assignment"], sort=False, as_index=False).agg(
        attempt=("attempt", "max"), graded_at=("graded_at", "max")
    )
    # every item of each submitted assessment; blanks → 0, absent MANUAL items not assessed
    full = runs.merge(items, on="assignment", how="inner")
    full = full.merge(
        df[["person_id", "item_id", "score", "max_score"]], on=["person_id", "item_id"], how="left"
    )
    absent = full["score"].isna()
    keep = ~(absent & (full["item_type"] == "MANUAL"))
    full = full.loc[keep].copy()
    absent = full["score"].isna()
    full["blank"] = absent
    mp = full["item_id"].map(fw.assessment_items.set_index("item_id")["max_points"])
    full["score"] = full["score"].fillna(0.0)
    full["max_score"] = full["max_score"].where(~absent, mp)
    full["fraction"] = (full["score"] / full["max_score"]).clip(0.0, 1.0)
    out = full[
        [
            "person_id",
            "item_id",
            "assignment",
            "attempt",
            "graded_at",
            "score",
            "max_score",
            "fraction",
            "blank",
        ]
    ].sort_values(["person_id", "item_id"], kind="mergesort")
    return out.reset_index(drop=True), unknown


# ---------------------------------------------------------------------------------------------
# Core (vectorised over people × competencies × levels)


def _score_core(
    assessed: pd.DataFrame,
    fw: Framework,
    persons: list[str],
    theta: float,
    gate: float,
    min_evidence: float,
) -> pd.DataFrame:
    comps = list(fw.competency_ids)
    C, P = len(comps), len(persons)
    items = fw.assessment_items
    item_idx = pd.Index(items["item_id"].astype(str))
    wmat = np.zeros((len(items), C))
    imap = fw.item_competency_map
    wmat[
        item_idx.get_indexer(imap["item_id"].astype(str)),
        pd.Index(comps).get_indexer(imap["competency_id"].astype(str)),
    ] = imap["weight"].to_numpy(float)
    pts = items["max_points"].to_numpy(float)
    lvl = items["level"].to_numpy(int)

    p = pd.Index(persons).get_indexer(assessed["person_id"].astype(str))
    i = item_idx.get_indexer(assessed["item_id"].astype(str))
    ok = (p >= 0) & (i >= 0)
    p, i = p[ok], i[ok]
    f = assessed["fraction"].to_numpy(float)[ok]
    wm = wmat[i] * pts[i, None]  # rows × C evidence points
    flat = ((p[:, None] * C + np.arange(C)[None, :]) * 4 + (lvl[i, None] - 1)).ravel()
    n = P * C * 4
    ev = np.bincount(flat, weights=wm.ravel(), minlength=n).reshape(P, C, 4)
    num = np.bincount(flat, weights=(wm * f[:, None]).ravel(), minlength=n).reshape(P, C, 4)

    has = ev > _EPS
    mas = np.divide(num, ev, out=np.zeros_like(num), where=has)
    evid = ev >= min_evidence - _EPS
    achieved_lvl = evid & (mas >= theta - _EPS)
    gate_fail = evid & (mas < gate - _EPS)
    blocked = np.zeros_like(gate_fail)
    blocked[..., 1:] = np.logical_or.accumulate(gate_fail, axis=-1)[..., :-1]
    ok_lvl = achieved_lvl & ~blocked
    levels = np.array(LEVELS)
    lev = np.where(ok_lvl, levels, 0).max(axis=-1)
    any_evid = evid.any(axis=-1)
    Etot = ev.sum(axis=-1)
    s_idx = np.divide((num * levels).sum(axis=-1), Etot, out=np.zeros_like(Etot), where=Etot > _EPS)

    out = pd.DataFrame(
        {
            "person_id": pd.array(np.repeat(persons, C), dtype="string"),
            "competency_id": pd.array(np.tile(comps, P), dtype="string"),
        }
    )
    for k, ell in enumerate(LEVELS):
        out[f"E_L{ell}"] = ev[..., k].ravel()
    for k, ell in enumerate(LEVELS):
        out[f"M_L{ell}"] = pd.array(
            np.where(has[..., k], mas[..., k], np.nan).ravel(), dtype="Float64"
        )
    for k, ell in enumerate(LEVELS):
        out[f"evidenced_L{ell}"] = evid[..., k].ravel()
    out["level"] = pd.array(np.where(any_evid, lev, -1).ravel(), dtype="Int8")
    out.loc[~any_evid.ravel(), "level"] = pd.NA
    out["S"] = pd.array(np.where(Etot > _EPS, s_idx, np.nan).ravel(), dtype="Float64")
    status = np.where(
        any_evid, EVIDENCE_OK, np.where(Etot > _EPS, EVIDENCE_INSUFFICIENT, EVIDENCE_NONE)
    )
    out["evidence"] = pd.Categorical(
        status.ravel(), categories=[EVIDENCE_OK, EVIDENCE_INSUFFICIENT, EVIDENCE_NONE]
    )
    return out


# ---------------------------------------------------------------------------------------------
# Targets


def _role_map(roster: pd.DataFrame | pd.Series | dict | None) -> pd.Series | None:
    if roster is None:
        return None
    if isinstance(roster, pd.DataFrame):
        if "person_id" not in roster.columns or "role_level" not in roster.columns:
            raise ValueError("roster needs columns person_id and role_level (see load_roster).")
        return pd.Series(
            roster["role_level"].astype("string").to_numpy(), index=roster["person_id"].astype(str)
        )
    if isinstance(roster, pd.Series):
        return roster.astype("string")
    return pd.Series(roster, dtype="string")


def _target_arrays(
    fw: Framework, min_evidence: float
) -> tuple[pd.Index, pd.Index, np.ndarray, np.ndarray]:
    """(roles, competencies, target[R, C], capped[R, C]) with -1 for "no target"; cached."""
    key = (id(fw), float(min_evidence))
    hit = _TARGET_CACHE.get(key)
    if hit is not None and hit[0] is fw:
        return hit[1]
    ct = capped_role_targets(fw, min_evidence)
    roles = pd.Index(list(dict.fromkeys(ct["role_level"].astype(str))))
    comps = pd.Index(list(fw.competency_ids))
    tgt = np.full((len(roles), len(comps)), -1, dtype=np.int16)
    cap = tgt.copy()
    r = roles.get_indexer(ct["role_level"].astype(str))
    c = comps.get_indexer(ct["competency_id"].astype(str))
    ok = c >= 0
    tgt[r[ok], c[ok]] = ct["target_level"].to_numpy()[ok]
    cap[r[ok], c[ok]] = ct["target_capped"].fillna(-1).to_numpy(dtype=np.int16)[ok]
    value = (roles, comps, tgt, cap)
    if len(_TARGET_CACHE) > 32:
        _TARGET_CACHE.clear()
    _TARGET_CACHE[key] = (fw, value)
    return value


_TARGET_CACHE: dict[tuple[int, float], tuple[Framework, tuple]] = {}


def attach_targets(
    levels: pd.DataFrame,
    roster: pd.DataFrame | pd.Series | dict,
    framework: Framework | None = None,
    *,
    min_evidence: float = MIN_EVIDENCE,
) -> pd.DataFrame:
    """Add ``role_level, target, target_capped, gap, capability_index, n_assessed`` to ``levels``.

    ``roster`` is a roster DataFrame (``person_id, role_level``) or a mapping person → role.
    ``gap = target_capped − level`` (``<NA>`` where the level is NA); the capability index is
    ``mean_c min(1, L_c / target_capped_c)`` over the person's competencies with a level.
    """
    fw = _fw(framework)
    roles = _role_map(roster)
    out = levels.drop(
        columns=["role_level", "target", "target_capped", "gap", "capability_index", "n_assessed"],
        errors="ignore",
    ).copy()
    role = out["person_id"].astype(str).map(roles)
    out["role_level"] = role.astype("string")
    role_idx, comp_idx, tgt_m, cap_m = _target_arrays(fw, min_evidence)
    r = role_idx.get_indexer(role.fillna("").astype(str))
    c = comp_idx.get_indexer(out["competency_id"].astype(str))
    ok = (r >= 0) & (c >= 0)
    tgt = np.where(ok, tgt_m[np.maximum(r, 0), np.maximum(c, 0)], -1)
    cap = np.where(ok, cap_m[np.maximum(r, 0), np.maximum(c, 0)], -1)
    out["target"] = pd.array(np.where(tgt >= 0, tgt, 0), dtype="Int8")
    out.loc[tgt < 0, "target"] = pd.NA
    capped = pd.array(np.where(cap >= 0, cap, 0), dtype="Int8")
    capped[cap < 0] = pd.NA
    out["target_capped"] = capped
    lvl = out["level"].astype("Int16")
    out["gap"] = (pd.array(np.where(cap >= 0, cap, 0), dtype="Int16") - lvl.array).astype("Int8")
    out.loc[cap < 0, "gap"] = pd.NA
    lv_f = lvl.to_numpy(dtype=float, na_value=np.nan)
    cap_f = np.where(cap > 0, cap, np.nan).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.minimum(lv_f / cap_f, 1.0)
    rs = pd.Series(ratio, index=out.index)
    grp = rs.groupby(out["person_id"].to_numpy(), sort=False)
    out["capability_index"] = pd.array(grp.transform("mean").to_numpy(), dtype="Float64")
    out["n_assessed"] = grp.transform("count").astype("int16").to_numpy()
    return out


# ---------------------------------------------------------------------------------------------
# Public entry points


def _validate_params(theta: float, gate: float) -> None:
    if not 0 < theta <= 1:
        raise ValueError(f"theta must be a mastery fraction in (0, 1]; got {theta!r}.")
    if not 0 <= gate <= 1:
        raise ValueError(f"gate must be a mastery fraction in [0, 1]; got {gate!r}.")


def _restrict_to_roster(
    df: pd.DataFrame, roster: pd.DataFrame | None
) -> tuple[pd.DataFrame, list[str]]:
    if roster is None or not isinstance(roster, pd.DataFrame):
        return df, []
    known = set(roster["person_id"].astype(str))
    ids = df["person_id"].astype(str)
    extra = sorted(set(ids) - known)
    return df.loc[ids.isin(known)], extra


def competency_levels(
    scores: pd.DataFrame,
    framework: Framework | None = None,
    theta: float = 0.7,
    gate: float = 0.5,
    *,
    roster: pd.DataFrame | None = None,
    min_evidence: float = MIN_EVIDENCE,
) -> pd.DataFrame:
    """Achieved level per person × competency from per-item scores (SPEC §5.5).

    One row per person × competency (competencies in display order, C1 … C10) with
    ``E_L1..E_L4`` (evidence points), ``M_L1..M_L4`` (mastery, ``<NA>`` where E = 0),
    ``evidenced_L1..evidenced_L4`` (E ≥ 2), ``level`` (L_c: 0 = not yet demonstrated,
    ``<NA>`` = no level evidenced), ``S`` (continuous index 0–4), ``evidence`` (``ASSESSED`` /
    ``INSUFFICIENT`` / ``NONE``). With a ``roster`` (DataFrame with ``person_id, role_level``;
    see :func:`~kamlab.capability.roster.load_roster`) also ``role_level, target,
    target_capped, gap, capability_index, n_assessed``; people of the roster without scores get
    rows with NA levels, and people with scores who are not in the roster are left out and
    reported in ``attrs["excluded_persons"]`` and ``attrs["messages"]``. Items unknown to the
    framework are ignored and listed in ``attrs["unknown_items"]``.

    Worked example: a KAM answers M3 (items M3-T1..T4): full marks on M3-T1 and M3-T2 (level 2),
    half marks on M3-T3 and nothing on M3-T4 (level 3). For C3, ``E_L2 = 0.6·4 + 0.5·3 = 3.9``
    with ``M = 1``, ``E_L3 = 0.7·6 + 0.4·2 = 5.0`` with ``M = 4.2·0.5/5 = 0.42`` → ``L = 2``;
    target 3 → gap 1.

    >>> s = pd.DataFrame({"person_id": "P1", "item_id": ["M3-T1", "M3-T2", "M3-T3", "M3-T4"],
    ...                   "attempt": 1, "score": [4, 3, 3, 0], "max_score": [4, 3, 6, 2]})
    >>> lv = competency_levels(s, roster=pd.DataFrame({"person_id": ["P1"], "role_level": ["KAM"]}))
    >>> r = lv.set_index("competency_id").loc["C3"]
    >>> float(r.E_L2), float(r.E_L3), round(float(r.M_L3), 2), int(r.level), int(r.gap)
    (3.9, 5.0, 0.42, 2, 1)
    >>> lv.set_index("competency_id").loc["C5", "level"] is pd.NA    # M5 not submitted
    True
    """
    _validate_params(theta, gate)
    fw = _fw(framework)
    assessed, unknown = assessed_items(scores, fw)
    assessed, excluded = _restrict_to_roster(assessed, roster)
    persons = list(dict.fromkeys(assessed["person_id"].astype(str)))
    if roster is not None and isinstance(roster, pd.DataFrame):
        persons = list(dict.fromkeys([*roster["person_id"].astype(str), *persons]))
    persons = sorted(persons)
    out = _score_core(assessed, fw, persons, theta, gate, min_evidence)
    if roster is not None:
        out = attach_targets(out, roster, fw, min_evidence=min_evidence)
    messages = []
    if excluded:
        messages.append(
            t("capability.msg_excluded_persons", n=len(excluded), ids=", ".join(excluded))
        )
    if unknown:
        messages.append(t("capability.msg_unknown_items", n=len(unknown), ids=", ".join(unknown)))
    out.attrs = {"excluded_persons": excluded, "unknown_items": unknown, "messages": messages}
    return out


def capability_summary(levels: pd.DataFrame) -> pd.DataFrame:
    """One row per person: ``capability_index, n_assessed, gap_sum, n_below_target``.

    ``gap_sum = Σ_c max(0, gap_c)`` over assessed competencies; needs ``levels`` with targets
    (``competency_levels(..., roster=...)`` or :func:`attach_targets`).
    """
    if "capability_index" not in levels.columns:
        raise ValueError(
            "levels has no targets; compute it with competency_levels(scores, roster=roster) or "
            "attach_targets(levels, roster) first."
        )
    gap = levels["gap"].astype("Float64")
    g = levels.assign(_gap=gap.clip(lower=0), _below=(gap > 0).fillna(False))
    out = g.groupby("person_id", sort=True).agg(
        role_level=("role_level", "first"),
        capability_index=("capability_index", "first"),
        n_assessed=("n_assessed", "first"),
        gap_sum=("_gap", "sum"),
        n_below_target=("_below", "sum"),
    )
    return out.reset_index()


def wide(
    levels: pd.DataFrame, value: str = "level", framework: Framework | None = None
) -> pd.DataFrame:
    """People × competencies table of one column of ``levels`` (``level``, ``gap``, ``S`` …)."""
    if value not in levels.columns:
        raise ValueError(
            f"value {value!r} is not a column of levels; choose one of {list(levels.columns)}."
        )
    fw = _fw(framework)
    w = levels.pivot(index="person_id", columns="competency_id", values=value)
    w = w.reindex(columns=[c for c in fw.competency_ids if c in w.columns])
    w.columns.name = None
    return w


def levels_over_time(
    scores: pd.DataFrame,
    framework: Framework | None = None,
    theta: float = 0.7,
    gate: float = 0.5,
    *,
    roster: pd.DataFrame | None = None,
    person_ids: Iterable[str] | None = None,
    min_evidence: float = MIN_EVIDENCE,
) -> pd.DataFrame:
    """Levels after each grading run, so a view can show how capability moved.

    For each person and each grading run ``k`` (an ``attempt`` value in the person's rows),
    the snapshot uses, per assessment, the latest run ``≤ k`` (earlier assessments keep their
    score; later ones do not exist yet), then scores as :func:`competency_levels`. Returns the
    :func:`competency_levels` columns plus ``run`` (the attempt) and ``as_of`` (latest
    ``graded_at`` used), one row per person × run × competency.
    """
    _validate_params(theta, gate)
    fw = _fw(framework)
    df = _check_scores(scores)
    if person_ids is not None:
        df = df.loc[df["person_id"].isin(list(person_ids))]
    df, _ = _restrict_to_roster(df, roster)
    if df.empty:
        raise ValueError("scores has no rows for the requested people; nothing to show over time.")
    snaps = df[["person_id", "attempt"]].drop_duplicates().rename(columns={"attempt": "run"})
    x = df.merge(snaps, on="person_id")
    x = x.loc[x["attempt"] <= x["run"]]
    key = x["person_id"].astype(str) + "\x1f" + x["run"].astype(str)
    x = x.assign(person_id=key)
    assessed, _ = assessed_items(x, fw)
    persons = sorted(assessed["person_id"].astype(str).unique())
    out = _score_core(assessed, fw, persons, theta, gate, min_evidence)
    as_of = x.assign(_k=key).groupby("_k")["graded_at"].max()
    snap_key = out["person_id"].astype(str)
    parts = snap_key.str.split("\x1f", n=1, expand=True)
    out["person_id"] = parts[0].astype("string")
    out.insert(1, "run", parts[1].astype("int64").to_numpy())
    out.insert(2, "as_of", snap_key.map(as_of).to_numpy())
    if roster is not None:
        out = attach_targets(out, roster, fw, min_evidence=min_evidence)
        # the capability index is per snapshot, not per person across snapshots
        ratio = (out["level"].astype("Float64") / out["target_capped"].astype("Float64")).clip(
            upper=1.0
        )
        grp = ratio.groupby([out["person_id"], out["run"]], sort=False)
        out["capability_index"] = grp.transform("mean").astype("Float64")
        out["n_assessed"] = grp.transform("count").astype("int16")
    return out.sort_values(["person_id", "run"], kind="mergesort").reset_index(drop=True)
