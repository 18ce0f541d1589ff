"""M7 — Organisation development and KA capability (SPEC §4 M7, items of §5.4, §5.5, §2.19).

=======  ==================  ================================================================
item     kind                the trainee defines
=======  ==================  ================================================================
M7-T0    CHOICE (2)          ``answer_m7_t0(question, options)`` → the letter of the right
                             option of an org-design question (:data:`QUIZ`); options are
                             shuffled for every trainee
M7-T1    FUNCTION (4)        ``competency_levels(scores, items, item_map, theta=0.7)`` →
                             DataFrame ``person_id, competency_id, level`` (SPEC §5.5)
M7-T2    NUMERIC (3)         ``answer_m7_t2(world)`` → the gap table of the longest-serving
                             ACTIVE KA-team member: ``competency_id, target, level, gap,
                             failed_items``
M7-T3    CLASSIFICATION (3)  ``answer_m7_t3(world, positions)`` → ``{position: [READY_NOW
                             candidates]}`` (exact sets)
M7-T4    OPTIMIZATION (5)    ``answer_m7_t4(world)`` → ``{account_id: person_id}`` for every key
                             account: balanced (max W ≤ 1.2 × mean W) and region-consistent
=======  ==================  ================================================================

Hidden worlds: default-preset worlds whose KA team can be balanced
(:mod:`kamlab.assess.specs._m7_world`); the simulated team's scores are
``world.public["assessment_scores"]``, the roster :func:`kamlab.capability.roster_from_world`.
References are kamlab's own: :func:`kamlab.capability.competency_levels`,
:func:`~kamlab.capability.gap_report`, :func:`~kamlab.capability.succession_bench`,
:func:`kamlab.analysis.m7_org.org_context` and :func:`kamlab.metrics.workload_index`.
The curriculum's self-checks (:mod:`kamlab.learn.exercises.m7`: a practice trainee's C6 level,
KAM08's workload, KAM10's gap sum for KAM07's position, bench strength, vacancy exposure; the
notebook's gap-report example KAM04) ask other questions about other people.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pandas as pd

from kamlab.assess import compare as cmp
from kamlab.assess.plain import is_number
from kamlab.assess.spec import Assessment, Case, CaseContext, Item, Kind
from kamlab.assess.specs._m7_world import make_world

__all__ = ["ASSESSMENT", "GAP_COLUMNS", "LETTERS", "QUIZ", "person_for_t2"]

LETTERS = ("a", "b", "c", "d")
GAP_COLUMNS = ("competency_id", "target", "level", "gap", "failed_items")
KA_OWNER_ROLES = ("KAE", "KAM", "SKAM")
#: relabelled M7 worlds rename people everywhere their ids appear (scores included)
PERSON_COLUMNS = ("kam_id", "auditor_kam_id", "manager_id", "successor_of", "person_id")

# ------------------------------------------------------------------------------------------
# M7-T0 org-design quiz: (question id, question, right answer, three distractors, notebook
# letter of the right answer). The notebook lists the options in the order a–d given by the
# letter; a hidden case shuffles them.
QUIZ: tuple[tuple[str, str, str, tuple[str, str, str], str], ...] = (
    (
        "Q1",
        "A KA team's workload is **balanced** (SPEC §2.19) when …",
        "the largest workload index is at most 1.2 × the team mean",
        (
            "every person owns the same number of accounts",
            "the largest workload index is at most 1.2 × the smallest",
            "each person's net revenue is within ±20 % of the team mean",
        ),
        "b",
    ),
    (
        "Q2",
        "The **span of control** convention of this workbook is …",
        "5–8 direct reports per manager",
        ("2–4 direct reports per manager", "10–15 direct reports per manager", "one per region"),
        "a",
    ),
    (
        "Q3",
        "A **national** hypermarket chain (central buying office in R1, stores in every region) "
        "should be owned by …",
        "a member of the national KA team",
        (
            "the regional KAM of every region where it has stores",
            "the regional sales manager of R1, who runs the distributors",
            "whoever has the lowest workload, wherever they sit",
        ),
        "c",
    ),
    (
        "Q4",
        "**Vacancy exposure** adds up the net revenue of the accounts whose owner …",
        "resigned or was promoted and has no ACTIVE successor",
        (
            "has a capability index below 0.7",
            "owns more than two accounts",
            "has a workload index above 1.2 × the team mean",
        ),
        "d",
    ),
    (
        "Q5",
        "A candidate is **READY_NOW** for a critical position when …",
        "the sum of their gaps to the position's role targets is at most 1",
        (
            "they already have the incumbent's role",
            "no single competency is 2 or more levels below target",
            "their capability index is at least 0.7",
        ),
        "a",
    ),
    (
        "Q6",
        "**Candidates** for a critical position are …",
        "ACTIVE people of the same role rank or one rank lower",
        (
            "everyone who works in the incumbent's region",
            "only people exactly one rank lower",
            "only people who already own a tier-A account",
        ),
        "c",
    ),
)


def quiz_options(qid: str) -> dict[str, str]:
    """The options of question ``qid`` in the notebook's order (letter → text)."""
    for q, _, right, wrong, letter in QUIZ:
        if q == qid:
            rest = list(wrong)
            out = {}
            for x in LETTERS:
                out[x] = right if x == letter else rest.pop(0)
            return out
    raise KeyError(qid)


def _right_letter(qid: str, options: dict[str, str]) -> str:
    right = next(r for q, _, r, _, _ in QUIZ if q == qid)
    return next(k for k, v in options.items() if v == right)


def ref_quiz(question: str, options: dict[str, str]) -> str:
    """The letter under which ``options`` list the right answer."""
    return _right_letter(question, options)


def _t0_visible(world: Any) -> list[Case]:
    del world
    return [Case.visible(q, quiz_options(q), label=f"question {q}") for q, *_ in QUIZ]


def _t0_hidden(ctx: CaseContext) -> list[Case]:
    """All six questions with shuffled options. The right answers sit under a, b, c and d at
    least once and no letter more than twice, so answering one letter everywhere is right at
    most twice (2 of 6 → no points); the distractors are shuffled too."""
    letters = [LETTERS[int(i)] for i in ctx.rng.permutation(4)]
    letters += [LETTERS[int(i)] for i in ctx.rng.choice(4, size=2, replace=False)]
    letters = [letters[int(i)] for i in ctx.rng.permutation(6)]
    cases = []
    for (qid, _, right, wrong, _), letter in zip(QUIZ, letters, strict=True):
        rest = [wrong[int(j)] for j in ctx.rng.permutation(3)]
        opts = {x: (right if x == letter else rest.pop(0)) for x in LETTERS}
        cases.append(Case.edge(qid, opts, what="a quiz question with its options shuffled"))
    return cases


# ------------------------------------------------------------------------------------------
# M7-T1 competency levels
def _framework(items: pd.DataFrame | None = None, item_map: pd.DataFrame | None = None) -> Any:
    from kamlab.data.framework import load_framework
    from kamlab.data.schemas import conform

    fw = load_framework()
    changes = {}
    if items is not None:
        changes["assessment_items"] = conform(items.copy(), "assessment_items")
    if item_map is not None:
        changes["item_competency_map"] = conform(item_map.copy(), "item_competency_map")
    return dataclasses.replace(fw, **changes) if changes else fw


def ref_levels(
    scores: pd.DataFrame, items: pd.DataFrame, item_map: pd.DataFrame, theta: float = 0.7
) -> pd.DataFrame:
    """:func:`kamlab.capability.competency_levels` on the given item bank: one row per person
    × competency, ``level`` 0–4 or NA."""
    from kamlab import capability as cap

    lv = cap.competency_levels(scores, _framework(items, item_map), theta=float(theta))
    out = lv[["person_id", "competency_id", "level"]].copy()
    out["person_id"] = out["person_id"].astype(str)
    out["competency_id"] = out["competency_id"].astype(str)
    out["level"] = pd.Series(
        [None if pd.isna(v) else int(v) for v in out["level"]], index=out.index, dtype=object
    )
    return out.reset_index(drop=True)


def _level_value(v: Any) -> Any:
    """``None`` for NA (None or NaN), an int for a whole number, else the value itself."""
    if v is None or (type(v) is float and math.isnan(v)):
        return None
    if is_number(v) and float(v).is_integer():
        return int(v)
    return v


def compare_levels(answer: Any, expected: Any) -> cmp.Check:
    """Exactly the expected person × competency rows, each level equal (NA where expected)."""
    if not isinstance(answer, pd.DataFrame):
        return cmp.Check(0.0, "wrong_type", "expected a DataFrame person_id, competency_id, level")
    cols = ["person_id", "competency_id", "level"]
    if any(c not in list(answer.columns) for c in cols):
        return cmp.Check(0.0, "wrong_keys", f"the DataFrame needs the columns {cols}")
    got: dict[tuple[Any, Any], Any] = {}
    for p, c, lv in answer[cols].itertuples(index=False, name=None):
        got[(p, c)] = _level_value(lv)
    want = {
        (p, c): _level_value(lv) for p, c, lv in expected[cols].itertuples(index=False, name=None)
    }
    if set(got) != set(want) or len(got) != len(answer):
        return cmp.Check(0.0, "wrong_shape", "expected one row per person × competency")
    wrong = [(k, want[k], got[k]) for k in sorted(want) if got[k] != want[k]]
    if wrong:
        k, e, a = wrong[0]
        return cmp.Check(
            0.0, "wrong_value", f"{len(wrong)} wrong level(s), e.g. {k}: expected {e}, got {a}"
        )
    return cmp.Check(1.0)


def _bank(world: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    return world.assessment_items, world.item_competency_map


def _score_rows(
    person: str,
    items: pd.DataFrame,
    assignments: list[str],
    rng: np.random.Generator,
    fractions: dict[str, float] | None = None,
    attempt: int = 1,
    drop: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """Rows of one person's grading run of ``assignments`` (scores on a 0.5-point grid)."""
    rows = []
    mine = items.loc[items["assignment"].astype(str).isin(assignments)]
    for r in mine.itertuples(index=False):
        if r.item_id in drop:
            continue
        m = float(r.max_points)
        f = (fractions or {}).get(str(r.item_id))
        f = float(rng.choice([0.0, 0.25, 0.5, 0.75, 1.0])) if f is None else f
        rows.append(
            {
                "person_id": person,
                "item_id": str(r.item_id),
                "attempt": attempt,
                "score": math.floor(f * m * 2) / 2,
                "max_score": m,
            }
        )
    return rows


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["person_id", "item_id", "attempt", "score", "max_score"])
    return df.sort_values(["person_id", "item_id", "attempt"]).reset_index(drop=True)


def edge_gate(items: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """M4 with its level-1 items failed (< 0.5) and its level-2/3 items mastered: the lower-level
    gate keeps C1, C6 and C7 from level 2 or 3."""
    lvl = dict(zip(items["item_id"].astype(str), items["level"].astype(int), strict=True))
    m4 = [i for i in lvl if i.startswith("M4-")]
    rows = []
    for k, person in enumerate(("P-GATE-1", "P-GATE-2")):
        low = 0.0 if k == 0 else 0.25
        fr = {i: (low if lvl[i] == 1 else 1.0) for i in m4}
        rows += _score_rows(person, items, ["M4"], rng, fr)
    return _frame(rows)


def edge_thin_evidence(items: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Only M1 submitted, all right: C1, C2 and C7 get weight from M1 but less than 2 evidence
    points at every level (→ NA, not a level), C4 is evidenced (→ a level)."""
    rows = _score_rows("P-THIN", items, ["M1"], rng, {i: 1.0 for i in items["item_id"].astype(str)})
    rows += _score_rows("P-THIN-2", items, ["M1"], rng)
    return _frame(rows)


def edge_not_submitted(items: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """People who submitted one or two assessments: every other competency has no evidence."""
    rows = _score_rows("P-ONE", items, ["M5"], rng)
    rows += _score_rows("P-TWO", items, ["M2", "M6"], rng)
    return _frame(rows)


def edge_blank(items: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Submitted assessments with items left blank (no row): those items score 0."""
    full = {i: 1.0 for i in items["item_id"].astype(str)}
    rows = _score_rows("P-BLANK", items, ["M3"], rng, full, drop=("M3-T3", "M3-T4"))
    rows += _score_rows("P-BLANK-2", items, ["M1", "M4"], rng, full, drop=("M1-T1", "M4-T3"))
    return _frame(rows)


def edge_retake(items: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Two grading runs of M2 (the later one worse, one item blank) and one of M5: the latest
    run of each assessment counts."""
    full = {i: 1.0 for i in items["item_id"].astype(str)}
    weak = {i: 0.25 for i in items["item_id"].astype(str)}
    rows = _score_rows("P-RETAKE", items, ["M2"], rng, full, attempt=1)
    rows += _score_rows("P-RETAKE", items, ["M2"], rng, weak, attempt=2, drop=("M2-T4",))
    rows += _score_rows("P-RETAKE", items, ["M5"], rng, full, attempt=1)
    return _frame(rows)


def edge_manual(items: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """M8 submitted without a grade for its written item (MANUAL): not assessed, not 0."""
    full = {i: 1.0 for i in items["item_id"].astype(str)}
    manual = tuple(items.loc[items["item_type"].astype(str) == "MANUAL", "item_id"].astype(str))
    rows = _score_rows("P-MANUAL", items, ["M8"], rng, full, drop=manual)
    rows += _score_rows("P-MANUAL-2", items, ["M8", "M4"], rng, drop=manual)
    return _frame(rows)


def _t1_visible(world: Any) -> list[Case]:
    items, imap = _bank(world)
    scores = world.assessment_scores
    some = sorted(scores["person_id"].astype(str).unique())[:4]
    sub = scores.loc[scores["person_id"].astype(str).isin(some)].reset_index(drop=True)
    rng = np.random.default_rng(7)
    return [
        Case.visible(sub, items, imap, label=f"the shipped team's scores of {', '.join(some)}"),
        Case.visible(edge_blank(items, rng), items, imap, label="blank items (hand-made scores)"),
    ]


def _t1_hidden(ctx: CaseContext) -> list[Case]:
    w = ctx.world
    items, imap = _bank(w)
    rng = ctx.rng
    theta = float(rng.choice([0.6, 0.8]))
    return [
        Case.fresh_world(w.assessment_scores, items, imap, what="a simulated team's scores"),
        Case.edge(edge_gate(items, rng), items, imap, what="the lower-level gate"),
        Case.edge(edge_thin_evidence(items, rng), items, imap, what="less than 2 evidence points"),
        Case.edge(edge_not_submitted(items, rng), items, imap, what="missing evidence is NA"),
        Case.edge(edge_blank(items, rng), items, imap, what="blank items of a submission"),
        Case.edge(edge_retake(items, rng), items, imap, what="several grading runs"),
        Case.edge(edge_manual(items, rng), items, imap, what="an ungraded written item"),
        Case.fresh_world(
            w.assessment_scores, items, imap, kwargs={"theta": theta}, what="another θ"
        ),
    ]


# ------------------------------------------------------------------------------------------
# shared: the team of a world
def _levels(world: Any) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(roster, scores, levels with targets) of a world's simulated team."""
    from kamlab import capability as cap

    roster = cap.roster_from_world(world)
    scores = world.public["assessment_scores"]
    levels = cap.competency_levels(scores, roster=roster)
    return roster, scores, levels


# ------------------------------------------------------------------------------------------
# M7-T2 gap report
def person_for_t2(world: Any) -> str:
    """The longest-serving ACTIVE member of the KA team (KAE, KAM, SKAM): the smallest
    ``kam.hire_week``, ties → the lower ``kam_id``."""
    k = world.kam
    act = k.loc[
        (k["status"].astype(str) == "ACTIVE") & k["role_level"].astype(str).isin(KA_OWNER_ROLES)
    ]
    return str(act.sort_values(["hire_week", "kam_id"]).iloc[0]["kam_id"])


def ref_gap_table(world: Any) -> pd.DataFrame:
    """:func:`kamlab.capability.gap_report` of :func:`person_for_t2`, as the graded table."""
    from kamlab import capability as cap

    person = person_for_t2(world)
    _, scores, levels = _levels(world)
    rep = cap.gap_report(person, levels, scores)
    s = rep.summary

    def ints(col: str) -> pd.Series:
        return pd.Series([None if pd.isna(v) else int(v) for v in s[col]], dtype=object)

    return pd.DataFrame(
        {
            "competency_id": s["competency_id"].astype(str).to_numpy(),
            "target": ints("target_capped"),
            "level": ints("level"),
            "gap": ints("gap"),
            "failed_items": [sorted(x for x in str(v).split(", ") if x) for v in s["failed_items"]],
        }
    )


def _item_list(v: Any) -> list[str] | None:
    if isinstance(v, str):
        v = [x for x in v.replace(";", ",").replace("|", ",").split(",")]
    if not isinstance(v, (list, frozenset)) or not all(type(x) is str for x in v):
        return None
    return sorted({x.strip() for x in v if x.strip()})


def compare_gap_table(answer: Any, expected: Any) -> cmp.Check:
    """Rows C1…C10; target, level, gap exact (NA where expected); failed items as a set.
    All right → 1; only the failed items wrong → ½."""
    if not isinstance(answer, pd.DataFrame):
        return cmp.Check(0.0, "wrong_type", "expected a DataFrame")
    missing = [c for c in GAP_COLUMNS if c not in list(answer.columns)]
    if missing:
        return cmp.Check(0.0, "wrong_keys", f"missing columns {missing}")
    got = {str(r["competency_id"]): r for r in answer[list(GAP_COLUMNS)].to_dict("records")}
    want = {str(r["competency_id"]): r for r in expected[list(GAP_COLUMNS)].to_dict("records")}
    if set(got) != set(want) or len(got) != len(answer):
        return cmp.Check(0.0, "wrong_shape", "expected one row per competency C1 … C10")
    numbers = items_ok = True
    detail = []
    for c, e in want.items():
        a = got[c]
        for col in ("target", "level", "gap"):
            if _level_value(a[col]) != _level_value(e[col]):
                numbers = False
                detail.append(f"{c} {col}: expected {e[col]}, got {a[col]}")
        if _item_list(a["failed_items"]) != _item_list(e["failed_items"]):
            items_ok = False
            detail.append(
                f"{c} failed_items: expected {e['failed_items']}, got {a['failed_items']}"
            )
    if numbers and items_ok:
        return cmp.Check(1.0)
    text = "; ".join(detail[:4])
    if numbers:
        return cmp.Check(0.5, "partly_right", text)
    return cmp.Check(0.0, "wrong_value", text)


def retake_world(world: Any, rng: np.random.Generator) -> Any:
    """``world`` after everybody retook one assessment (attempt 2) with other scores and one
    item of it left blank. Only ``assessment_scores`` changes.

    Each person's blank item is one they had passed (f ≥ 0.5) in the first run, so a failed-items
    list read from the raw rows instead of the latest run differs; someone who had passed none
    gets full marks on another item instead (a first-run failure that no longer counts).
    """
    from kamlab.assess.worlds import LazyTables
    from kamlab.data.world import World

    scores = world.public["assessment_scores"]
    items = world.public["assessment_items"]
    judged = items.loc[items["item_type"].astype(str) != "MANUAL"]
    assignment = str(rng.choice(sorted(judged["assignment"].astype(str).unique())))
    mine = judged.loc[judged["assignment"].astype(str) == assignment].sort_values("item_id")
    ids = mine["item_id"].astype(str).tolist()
    points = dict(zip(ids, mine["max_points"].astype(float), strict=True))
    first = scores.loc[scores["item_id"].astype(str).isin(ids)]
    frac = {
        (str(p), str(i)): float(sc) / float(mx)
        for p, i, sc, mx in zip(
            first["person_id"], first["item_id"], first["score"], first["max_score"], strict=True
        )
    }
    rows = []
    for person in sorted(scores["person_id"].astype(str).unique()):
        passed = [i for i in ids if frac.get((person, i), 0.0) >= 0.5]
        blank = str(rng.choice(passed)) if passed else str(rng.choice(ids))
        full = None if passed else next(i for i in ids if i != blank)
        for i in ids:
            if i == blank:
                continue
            m = points[i]
            score = m if i == full else float(rng.integers(0, int(2 * m) + 1)) / 2
            rows.append(
                {
                    "person_id": person,
                    "item_id": i,
                    "attempt": 2,
                    "score": score,
                    "max_score": m,
                    "graded_at": pd.Timestamp("2025-03-01 10:00:00"),
                }
            )
    new = pd.concat([scores, pd.DataFrame(rows)], ignore_index=True)
    new = new.astype(scores.dtypes.to_dict()).sort_values(["person_id", "item_id", "attempt"])
    tables = world.public
    if isinstance(tables, LazyTables):
        public: dict[str, Any] = LazyTables(tables.folder)
    else:
        public = dict(tables)
    dict.__setitem__(public, "assessment_scores", new.reset_index(drop=True))
    meta = {k: v for k, v in world.meta.items() if k not in ("seed", "config", "table_hashes")}
    return World(public=public, truth={}, meta=meta)


def _t2_hidden(ctx: CaseContext) -> list[Case]:
    retook = ctx.derive(ctx.world, "m7-retake", retake_world)
    return [
        Case.fresh_world(ctx.world),
        Case.fresh_world(retook, what="after a retake (a later grading run)"),
    ]


# ------------------------------------------------------------------------------------------
# M7-T3 ready-now successors
def ref_ready_now(world: Any, positions: list[str]) -> dict[str, list[str]]:
    """READY_NOW candidates per position from :func:`kamlab.capability.succession_bench`."""
    from kamlab import capability as cap

    roster, _, levels = _levels(world)
    bench = cap.succession_bench(levels, roster, accounts=world.accounts)
    known = set(bench.positions["position_id"].astype(str))
    out = {}
    for p in positions:
        if p not in known:
            raise ValueError(f"{p} is not a critical position of this world")
        out[str(p)] = sorted(bench.ready_now(str(p)))
    return out


def _positions(world: Any) -> pd.DataFrame:
    from kamlab import capability as cap

    roster, _, levels = _levels(world)
    return cap.succession_bench(levels, roster, accounts=world.accounts).positions


def _pick_positions(world: Any, rng: np.random.Generator) -> list[str]:
    """Three critical positions, those with a READY_NOW candidate first (random order)."""
    pos = _positions(world)
    ids = pos["position_id"].astype(str).to_numpy()
    ready = pos["n_ready_now"].to_numpy() > 0
    with_ready = [str(x) for x in rng.permutation(ids[ready])]
    others = [str(x) for x in rng.permutation(ids[~ready])]
    return sorted((with_ready + others)[:3])


def compare_ready_now(answer: Any, expected: Any) -> cmp.Check:
    """The requested positions as keys; credit = share of positions with the exact set."""
    if not isinstance(answer, dict):
        return cmp.Check(0.0, "wrong_type", "expected a dict position → list of person ids")
    if {str(k) for k in answer} != set(expected) or len(answer) != len(expected):
        return cmp.Check(0.0, "wrong_keys", f"expected the positions {sorted(expected)} as keys")
    right = 0
    detail = []
    for p, want in expected.items():
        got = answer.get(p)
        if isinstance(got, str):
            got = [got]
        ok = isinstance(got, (list, frozenset)) and all(type(x) is str for x in got)
        if ok and {x.strip() for x in got} == set(want):
            right += 1
        else:
            detail.append(f"{p}: expected {sorted(want)}, got {got}")
    credit = right / len(expected) if expected else 1.0
    if credit >= 1:
        return cmp.Check(1.0)
    return cmp.Check(credit, "partly_right" if credit > 0 else "wrong_value", "; ".join(detail))


def relabel_people(world: Any, rng: np.random.Generator) -> Any:
    """``world`` with every person id of the ``kam`` table permuted (a derangement) wherever it
    appears: owners, managers, successors, auditors and the scores' ``person_id``.

    (:func:`kamlab.assess.variants.relabel` with ``"kam_id"`` takes the ids from the accounts
    table — the account owners only — so directors and regional managers would keep theirs.)
    ``meta["relabelled"]["mapping"]`` maps old → new ids; truth tables are not carried over.
    """
    from kamlab.assess.worlds import LazyTables
    from kamlab.data.schemas import SCHEMAS
    from kamlab.data.world import World

    ids = sorted(world.public["kam"]["kam_id"].astype(str).unique())
    while True:
        perm = rng.permutation(len(ids))
        if len(ids) < 2 or not (perm == np.arange(len(ids))).any():
            break
    mapping = {ids[i]: ids[int(perm[i])] for i in range(len(ids))}
    lazy = isinstance(world.public, LazyTables)
    public: dict[str, Any] = LazyTables(world.public.folder) if lazy else {}
    for name in list(world.public):
        cols = SCHEMAS[name].column_names if name in SCHEMAS else None
        if lazy and cols is not None and not set(PERSON_COLUMNS) & set(cols):
            continue  # stays unread: linked, not copied
        df = world.public[name]
        hit = [c for c in PERSON_COLUMNS if c in df.columns]
        if not hit:
            dict.__setitem__(public, name, df)
            continue
        out = df.copy()
        for c in hit:
            col = out[c]
            if isinstance(col.dtype, pd.CategoricalDtype):
                out[c] = col.cat.rename_categories(
                    {x: mapping.get(str(x), x) for x in col.cat.categories}
                )
            else:
                mapped = col.astype(object).map(
                    lambda x: mapping.get(x, x) if isinstance(x, str) else x
                )
                out[c] = mapped.astype(col.dtype)
        if hit[0] == out.columns[0]:
            out = out.sort_values(list(out.columns[:1]), kind="mergesort").reset_index(drop=True)
        dict.__setitem__(public, name, out)
    meta = {k: v for k, v in world.meta.items() if k not in ("seed", "config", "table_hashes")}
    meta["relabelled"] = {"column": "kam_id", "mapping": mapping}
    return World(public=public, truth={}, meta=meta)


def _t3_visible(world: Any) -> list[Case]:
    pos = sorted(_positions(world)["position_id"].astype(str))[:3]
    return [Case.visible(world, pos, label=f"positions {', '.join(pos)}")]


def _t3_hidden(ctx: CaseContext) -> list[Case]:
    w = ctx.world
    pos = _pick_positions(w, np.random.default_rng(int(ctx.rng.integers(2**31))))
    renamed = ctx.derive(w, "m7-people", relabel_people)
    mapping = renamed.meta["relabelled"]["mapping"]
    pos2 = sorted(mapping[p] for p in pos)

    def mapped() -> dict[str, list[str]]:
        e = ref_ready_now(w, pos)
        return {mapping[p]: sorted(mapping[c] for c in e[p]) for p in pos}

    return [
        Case.fresh_world(w, pos, what="three critical positions"),
        Case.fresh_world(renamed, pos2, what="people renamed", expected=mapped),
    ]


# ------------------------------------------------------------------------------------------
# M7-T4 balanced, region-consistent assignment
def ref_org(world: Any) -> dict[str, Any]:
    """What the plan check needs (from :func:`kamlab.analysis.m7_org.org_context`): per key
    account its NR, stores, events, scope and region; per possible owner team and region."""
    from kamlab.analysis.m7_org import org_context

    ctx = org_context(world)
    a = ctx.accounts
    return {
        "accounts": {
            str(r.account_id): {
                "nr": float(r.nr),
                "stores": float(r.stores),
                "events": float(r.events),
                "scope": str(r.scope),
                "hq_region_id": str(r.hq_region_id),
            }
            for r in a.itertuples(index=False)
        },
        "owners": {
            str(p.person_id): {
                "team": str(p.team),
                "region_id": None
                if p.region_id is None or pd.isna(p.region_id)
                else str(p.region_id),
            }
            for p in ctx.owners.itertuples(index=False)
        },
    }


def check_org(answer: Any, expected: Any) -> dict[str, Any]:
    """The constraint checks of an assignment (plain data): ``valid`` (every key account once,
    to a possible owner), ``consistent`` (region consistency), ``balanced`` (max W ≤ 1.2 ×
    mean W, :func:`kamlab.metrics.workload_index`) and the workload figures."""
    from kamlab import metrics as km
    from kamlab.assess.specs._m7_org import TOLERANCE, is_consistent

    accounts, owners = expected["accounts"], expected["owners"]
    out: dict[str, Any] = {"valid": False, "consistent": False, "balanced": False}
    if not isinstance(answer, dict) or not all(type(k) is str for k in answer):
        return out
    plan = {k.strip(): v for k, v in answer.items()}
    if set(plan) != set(accounts) or not all(
        type(v) is str and v.strip() in owners for v in plan.values()
    ):
        return out
    plan = {k: v.strip() for k, v in plan.items()}
    out["valid"] = True
    out["consistent"] = all(
        is_consistent(
            accounts[a]["scope"],
            accounts[a]["hq_region_id"],
            owners[p]["team"],
            owners[p]["region_id"],
        )
        for a, p in plan.items()
    )
    ids = sorted(accounts)
    w = km.workload_index(
        [plan[a] for a in ids],
        nr=[accounts[a]["nr"] for a in ids],
        stores=[accounts[a]["stores"] for a in ids],
        promo_events=[accounts[a]["events"] for a in ids],
        tolerance=TOLERANCE,
    )
    out.update(balanced=bool(w.balanced), max=w.max, limit=w.limit, owners=len(w.index))
    return out


def compare_org(answer: Any, expected: Any) -> cmp.Check:
    """1 for a valid, balanced and region-consistent assignment; ½ when balanced but a key
    account sits outside its region / team; 0 otherwise (an unbalanced one included)."""
    r = check_org(answer, expected)
    if not r["valid"]:
        return cmp.Check(
            0.0, "wrong_keys", "assign every key account to an ACTIVE KAE, KAM or SKAM"
        )
    detail = (
        f"max workload {r['max']:.3f}, limit 1.2 × mean {r['limit']:.3f} "
        f"({r['owners']} owners); region-consistent: {r['consistent']}"
    )
    if r["balanced"] and r["consistent"]:
        return cmp.Check(1.0, "ok", detail)
    if r["balanced"]:
        return cmp.Check(0.5, "constraint", detail)
    return cmp.Check(0.0, "constraint", detail)


def _t4_hidden(ctx: CaseContext) -> list[Case]:
    w = ctx.world
    renamed = ctx.derive(w, "m7-people", relabel_people)
    mapping = renamed.meta["relabelled"]["mapping"]

    def mapped() -> dict[str, Any]:
        e = ref_org(w)
        return {
            "accounts": e["accounts"],
            "owners": {mapping.get(p, p): v for p, v in e["owners"].items()},
        }

    return [
        Case.fresh_world(w),
        Case.fresh_world(renamed, what="people renamed", expected=mapped),
    ]


ASSESSMENT = Assessment(
    id="M7",
    notebook="M7_assessment",
    title="Organisation development and KA capability",
    world_preset="default",
    make_world=make_world,
    items=(
        Item(
            "M7-T0",
            Kind.CHOICE,
            target="answer_m7_t0",
            visible=_t0_visible,
            hidden=_t0_hidden,
            reference=ref_quiz,
            compare=cmp.choice(),
            scoring=cmp.thresholds([(1.0, 1.0), (5 / 6, 0.75), (4 / 6, 0.5)]),
            title="Org-design concepts",
        ),
        Item(
            "M7-T1",
            Kind.FUNCTION,
            target="competency_levels",
            visible=_t1_visible,
            hidden=_t1_hidden,
            reference=ref_levels,
            compare=compare_levels,
            scoring=cmp.proportional(step=0.5),
            title="Achieved competency levels from item scores",
        ),
        Item(
            "M7-T2",
            Kind.NUMERIC,
            target="answer_m7_t2",
            visible=lambda world: [Case.visible(world, label="the shipped world")],
            hidden=_t2_hidden,
            reference=ref_gap_table,
            compare=compare_gap_table,
            scoring=cmp.proportional(step=0.5),
            implementation=True,
            title="Gap report of the longest-serving KA-team member",
        ),
        Item(
            "M7-T3",
            Kind.CLASSIFICATION,
            target="answer_m7_t3",
            visible=_t3_visible,
            hidden=_t3_hidden,
            reference=ref_ready_now,
            compare=compare_ready_now,
            scoring=cmp.proportional(step=0.5),
            implementation=True,
            title="Ready-now successors of three critical positions",
        ),
        Item(
            "M7-T4",
            Kind.OPTIMIZATION,
            target="answer_m7_t4",
            visible=lambda world: [Case.visible(world, label="the shipped world")],
            hidden=_t4_hidden,
            reference=ref_org,
            compare=compare_org,
            scoring=cmp.proportional(step=0.5),
            implementation=True,
            timeout=30.0,
            title="A balanced, region-consistent KA organisation",
        ),
    ),
)
