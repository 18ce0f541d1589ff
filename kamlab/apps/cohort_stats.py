"""Cohort statistics for trainers: progress, score distributions, item analysis, who needs help.

Pure pandas functions over a source's current grades (:meth:`ScoreSource.latest`: one row per
trainee × item of the latest grading run of each assessment) and its submission status.

**Item analysis** (classical test theory), per item ``i`` of assessment ``A``, over the ``n``
trainees with a graded submission of ``A``; ``f_ij = score/max_score``:

* **difficulty** ``p_i = mean_j f_ij`` (the mean score fraction: 1 = everyone full marks);
* **discrimination** ``r_i`` = the corrected item–rest correlation: Pearson's correlation between
  ``f_ij`` and the trainee's fraction on the *rest* of ``A`` (``Σ_{k≠i} s_kj / Σ_{k≠i} m_k``);
  for a right/wrong item this is the point-biserial correlation. Not defined (``<NA>``) with
  fewer than 3 trainees or when either side does not vary;
* **upper–lower index** ``D_i = mean f_i (top 27 %) − mean f_i (bottom 27 %)``, trainees ranked
  by their total fraction on ``A`` (group size ``g = max(1, round(0.27 n))``, ties broken by
  person id);
* **flags**: ``TOO_HARD`` (``p < 0.2``), ``TOO_EASY`` (``p > 0.9``), ``NEGATIVE``
  (``r < 0``: stronger trainees do worse — check the key), ``LOW_DISCRIMINATION``
  (``0 ≤ r < 0.2``; when ``r`` is undefined, ``D < 0.2``), and ``SMALL_SAMPLE`` when
  ``n < 5`` (the discrimination flags are then not raised: too few answers to judge).

>>> latest = pd.DataFrame({
...     "person_id": ["A", "A", "B", "B", "C", "C", "D", "D"],
...     "assignment": "X", "item_id": ["i1", "i2"] * 4,
...     "score": [1, 2, 1, 1, 0, 1, 0, 0], "max_score": [1, 2] * 4})
>>> ia = item_analysis(latest, min_n=3)
>>> ia[["item_id", "n", "difficulty", "upper_lower"]].values.tolist()
[['i1', 4, 0.5, 1.0], ['i2', 4, 0.5, 1.0]]
>>> round(float(ia.loc[0, "discrimination"]), 3)   # corr([1,1,0,0], rest [1,.5,.5,0])
0.707
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "FLAGS",
    "assessment_totals",
    "below_threshold",
    "histogram",
    "item_analysis",
    "progress_matrix",
    "progress_summary",
]

#: Item flags, in display order.
FLAGS = ("TOO_HARD", "TOO_EASY", "NEGATIVE", "LOW_DISCRIMINATION", "SMALL_SAMPLE")


def assessment_totals(latest: pd.DataFrame) -> pd.DataFrame:
    """Per trainee × assessment: ``score, max_score, fraction`` (Σ score / Σ max)."""
    if latest.empty:
        return pd.DataFrame(columns=["person_id", "assignment", "score", "max_score", "fraction"])
    g = latest.groupby(["person_id", "assignment"], observed=True, sort=True)
    out = g[["score", "max_score"]].sum().reset_index()
    out["fraction"] = out["score"] / out["max_score"].where(out["max_score"] > 0)
    return out


def progress_summary(
    status: pd.DataFrame, people: list[str], assignments: list[str]
) -> pd.DataFrame:
    """Per assessment: ``n_people, submitted, graded, needs_manual_grade, not_submitted``.

    ``status`` has one row per submission (``person_id, assignment, submitted, graded,
    needs_manual_grade``); ``people`` is everyone expected (the roster, else every trainee seen).

    >>> st = pd.DataFrame({"person_id": ["A", "B"], "assignment": "M1", "submitted": True,
    ...                    "graded": [True, False], "needs_manual_grade": [True, False]})
    >>> progress_summary(st, ["A", "B", "C"], ["M1"]).iloc[0, 1:].astype(int).tolist()
    [3, 2, 1, 1, 1]
    """
    st = status.loc[status["person_id"].isin(people)]
    rows = []
    for a in assignments:
        s = st.loc[st["assignment"] == a]
        rows.append(
            {
                "assignment": a,
                "n_people": len(people),
                "submitted": int(s["submitted"].sum()),
                "graded": int(s["graded"].sum()),
                "needs_manual_grade": int((s["graded"] & s["needs_manual_grade"]).sum()),
                "not_submitted": len(people) - int(s["submitted"].sum()),
            }
        )
    return pd.DataFrame(rows)


def progress_matrix(
    status: pd.DataFrame, totals: pd.DataFrame, people: list[str], assignments: list[str]
) -> pd.DataFrame:
    """Trainees × assessments: the state of each (``GRADED``, ``NEEDS_MANUAL``, ``SUBMITTED``,
    ``NOT_SUBMITTED``) and, when graded, the score fraction. Two frames side by side: columns
    ``<A>`` (state) and ``<A>_fraction``."""
    st = status.set_index(["person_id", "assignment"])
    tot = totals.set_index(["person_id", "assignment"])["fraction"] if len(totals) else {}
    data: dict[str, list] = {"person_id": list(people)}
    for a in assignments:
        states, fracs = [], []
        for p in people:
            key = (p, a)
            if key not in st.index:
                states.append("NOT_SUBMITTED")
                fracs.append(np.nan)
                continue
            r = st.loc[key]
            if isinstance(r, pd.DataFrame):
                r = r.iloc[-1]
            if not bool(r["graded"]):
                states.append("SUBMITTED")
            elif bool(r["needs_manual_grade"]):
                states.append("NEEDS_MANUAL")
            else:
                states.append("GRADED")
            fracs.append(float(tot.get(key, np.nan)) if len(totals) else np.nan)
        data[a] = states
        data[f"{a}_fraction"] = fracs
    return pd.DataFrame(data)


def histogram(fractions: pd.Series, bins: int = 10) -> tuple[list[str], list[int]]:
    """Counts of score fractions in ``bins`` equal bins from 0 to 100 % (the last bin holds 100 %).

    >>> histogram(pd.Series([0.05, 0.5, 1.0, 0.95]), bins=4)
    (['0–25%', '25–50%', '50–75%', '75–100%'], [1, 0, 1, 2])
    """
    if bins < 1:
        raise ValueError(f"bins must be at least 1; got {bins}.")
    f = pd.to_numeric(fractions, errors="coerce").dropna().clip(0, 1).to_numpy()
    idx = np.minimum((f * bins).astype(int), bins - 1)
    counts = np.bincount(idx, minlength=bins).tolist()
    step = 100 / bins
    labels = [f"{k * step:g}–{(k + 1) * step:g}%" for k in range(bins)]
    return labels, [int(c) for c in counts]


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    if len(x) < 3:
        return float("nan")
    sx, sy = x.std(), y.std()
    if sx < 1e-12 or sy < 1e-12:
        return float("nan")
    return float(((x - x.mean()) * (y - y.mean())).mean() / (sx * sy))


def item_analysis(
    latest: pd.DataFrame,
    *,
    hard: float = 0.2,
    easy: float = 0.9,
    low_discrimination: float = 0.2,
    min_n: int = 5,
    group_share: float = 0.27,
) -> pd.DataFrame:
    """Difficulty, discrimination and flags per item (definitions in the module docstring).

    Columns ``assignment, item_id, n, max_score, difficulty, discrimination, upper_lower,
    flags`` (pipe-separated, empty when the item looks fine), one row per item.
    """
    cols = ["assignment", "item_id", "n", "max_score", "difficulty", "discrimination",
            "upper_lower", "flags"]  # fmt: skip
    if latest.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for a, g in latest.groupby("assignment", observed=True, sort=True):
        sc = g.pivot_table(index="person_id", columns="item_id", values="score", aggfunc="max")
        mx = g.pivot_table(index="person_id", columns="item_id", values="max_score", aggfunc="max")
        sc = sc.sort_index()
        mx = mx.reindex_like(sc)
        item_max = mx.max(axis=0)
        mx = mx.fillna(item_max)
        sc_f = sc.fillna(0.0)
        tot_s = sc_f.sum(axis=1)
        tot_m = mx.sum(axis=1)
        total_frac = (tot_s / tot_m).to_numpy()
        n = len(sc)
        gsize = max(1, round(group_share * n))
        order = np.lexsort((sc.index.to_numpy().astype(str), total_frac))
        low, high = order[:gsize], order[-gsize:]
        for item in sc.columns:
            f = (sc_f[item] / mx[item]).to_numpy()
            rest_m = (tot_m - mx[item]).to_numpy()
            rest = np.divide(
                (tot_s - sc_f[item]).to_numpy(),
                rest_m,
                out=np.full(n, np.nan),
                where=rest_m > 0,
            )
            ok = ~np.isnan(rest)
            r = _pearson(f[ok], rest[ok]) if ok.sum() >= 3 else float("nan")
            p = float(f.mean())
            d = float(f[high].mean() - f[low].mean()) if n >= 2 else float("nan")
            flags = []
            if p < hard:
                flags.append("TOO_HARD")
            if p > easy:
                flags.append("TOO_EASY")
            if n < min_n:
                flags.append("SMALL_SAMPLE")
            else:
                if not np.isnan(r) and r < 0:
                    flags.append("NEGATIVE")
                elif (not np.isnan(r) and r < low_discrimination) or (
                    np.isnan(r) and not np.isnan(d) and d < low_discrimination
                ):
                    flags.append("LOW_DISCRIMINATION")
            rows.append(
                {
                    "assignment": str(a),
                    "item_id": str(item),
                    "n": n,
                    "max_score": float(item_max[item]),
                    "difficulty": p,
                    "discrimination": r,
                    "upper_lower": d,
                    "flags": "|".join(x for x in FLAGS if x in flags),
                }
            )
    out = pd.DataFrame(rows, columns=cols)
    out["discrimination"] = out["discrimination"].astype("Float64")
    out.loc[out["discrimination"].isna(), "discrimination"] = pd.NA
    out["upper_lower"] = out["upper_lower"].astype("Float64")
    return out


def below_threshold(
    totals: pd.DataFrame, threshold: float, people: list[str] | None = None
) -> pd.DataFrame:
    """Trainees whose overall fraction (Σ score / Σ max over their graded assessments) is below
    ``threshold``, lowest first, with their weakest assessment.

    >>> tot = pd.DataFrame({"person_id": ["A", "A", "B"], "assignment": ["M1", "M2", "M1"],
    ...                     "score": [2.0, 9.0, 8.0], "max_score": [10.0, 10.0, 10.0]})
    >>> tot["fraction"] = tot["score"] / tot["max_score"]
    >>> below_threshold(tot, 0.6)[["person_id", "overall", "weakest"]].values.tolist()
    [['A', 0.55, 'M1']]
    """
    if not 0 <= threshold <= 1:
        raise ValueError(f"threshold must be a score fraction between 0 and 1; got {threshold!r}.")
    cols = ["person_id", "overall", "n_graded", "weakest", "weakest_fraction"]
    if totals.empty:
        return pd.DataFrame(columns=cols)
    tot = totals if people is None else totals.loc[totals["person_id"].isin(people)]
    g = tot.groupby("person_id", sort=True)
    out = g[["score", "max_score"]].sum()
    out["overall"] = out["score"] / out["max_score"]
    out["n_graded"] = g.size()
    weakest = tot.sort_values(["person_id", "fraction", "assignment"]).groupby("person_id").first()
    out["weakest"] = weakest["assignment"]
    out["weakest_fraction"] = weakest["fraction"]
    out = out.loc[out["overall"] < threshold - 1e-12].reset_index()
    return out.sort_values(["overall", "person_id"])[cols].reset_index(drop=True)
