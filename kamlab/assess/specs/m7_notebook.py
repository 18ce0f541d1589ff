"""The M7 source notebook, written with :mod:`kamlab.assess.authoring`.

``python -m kamlab.assess.specs.m7_notebook assessments/source/M7/M7_assessment.ipynb``
rewrites the source notebook; a test checks that the committed notebook matches.
"""

from __future__ import annotations

import sys
from pathlib import Path

from nbformat.notebooknode import NotebookNode

from kamlab.assess import authoring as au
from kamlab.assess.specs.m7 import QUIZ, quiz_options

INTRO = """# M7 assessment — Organisation development and KA capability（组织发展与重点客户能力）

**What is assessed**: items M7-T0 … M7-T4 (17 points). Each task says what to write; the cell
below it runs **practice checks** on the shipped world so you can see whether you are right.

**How it is scored**: after you submit, a grader calls your functions *outside this notebook*
on **worlds simulated only for you** — another sales organisation (`kam`), other accounts and
other assessment scores of its simulated team — and on **edge cases**. Your score comes from
those hidden checks; the practice checks do not count. So write general code — an answer typed
in for the shipped world scores 0.

**Rules** (open book: you may read kamlab's code and the curriculum):

- From kamlab you may use only `kamlab.load_world` and `kamlab.assess.student.check`. Write every
  calculation yourself with pandas/numpy — an answer that calls kamlab's own code
  (`kamlab.capability`, `kamlab.metrics`, `kamlab.analysis`, …) scores 0 on that item. Your own
  functions may call each other (M7-T2 and M7-T3 may use your M7-T1 function).
- Keep the function names and arguments exactly as given; return values (DataFrames, dicts,
  strings), not printed text.
- Do not edit the locked cells. Restart the kernel and run all cells before you submit.

**Data conventions**: the capability framework（能力框架） is in the world's tables
`assessment_items` (`item_id, assignment, max_points, level, item_type`), `item_competency_map`
(`item_id, competency_id, weight`) and `role_targets` (`role_level, competency_id,
target_level`); the simulated team's per-item scores（分项得分） are `assessment_scores`
(`person_id` = `kam.kam_id`, `item_id, attempt, score, max_score`). The role ladder（职级）:
KAE 1 < KAM 2 = RSM 2 < SKAM 3 < KAD 4. Net revenue NR = gross sales − trade spend; the fiscal
year of week `w` is `2023 + w // 52`. Comparisons with a threshold use the guard of SPEC §0.2:
`x >= threshold - 1e-9`.
"""

SETUP = """import numpy as np
import pandas as pd

import kamlab
from kamlab.assess.student import check

world = kamlab.load_world()  # the shipped world: for practice"""


def _quiz_markdown() -> str:
    lines = []
    for qid, question, *_ in QUIZ:
        lines.append(f"**{qid}.** {question}\n")
        for letter, text in quiz_options(qid).items():
            lines.append(f"- ({letter}) {text}")
        lines.append("")
    return "\n".join(lines)


T0_PROMPT = """## M7-T0 Org-design concepts（组织设计概念） — 2 points

Write `answer_m7_t0(question, options)`: `question` is a question id below (`"Q1"` … `"Q6"`),
`options` a dict letter → option text (`{"a": "...", "b": "...", "c": "...", "d": "..."}`);
return the **letter** (a string) of the right option.

**The grader shuffles the options**: your function gets the same texts under other letters, so
decide by the text, not by the letter shown here. It asks all six questions: 2 points for six
right answers, 1.5 for five, 1 for four.

""" + _quiz_markdown()

T0_SOLUTION = """RIGHT = {
    "Q1": "1.2 × the team mean",
    "Q2": "5–8",
    "Q3": "national KA team",
    "Q4": "no ACTIVE successor",
    "Q5": "at most 1",
    "Q6": "same role rank or one rank lower",
}


def answer_m7_t0(question, options):
    for letter, text in options.items():
        if RIGHT[question] in text:
            return letter
    return None"""

T0_TESTS = """# Practice checks: the six questions with the options as listed above
check("M7-T0", answer_m7_t0)"""

T1_PROMPT = """## M7-T1 Achieved competency levels（能力等级） — 4 points

Write `competency_levels(scores, items, item_map, theta=0.7)` (SPEC §5.5). `scores` is shaped
like `assessment_scores`, `items` like `assessment_items`, `item_map` like
`item_competency_map`. Return a DataFrame with the columns `person_id, competency_id, level`:
**one row per person in `scores` × competency in `item_map`**, `level` an integer 0–4, or
missing (`None`/`NaN`) when nothing is evidenced.

Which item scores count（计分规则）:

1. Items belong to an assessment (`items.assignment`). For each person × assessment only the
   rows of the **latest grading run** count (the highest `attempt`).
2. An assessment with any row for the person is *submitted*: **every** item of it counts, and an
   item without a row in that run scores 0 (left blank) — except a `MANUAL` item
   (`item_type == "MANUAL"`), which counts only when it has a row (a written answer not graded
   yet is not assessed). An assessment without rows is not assessed at all (no evidence, not 0).
3. Score fraction `f_i = score / max_score` of the row (0 for a blank item).

Then, for person p, competency c and level ℓ, with item points `m_i = items.max_points`, item
level `ℓ_i = items.level` and weights `w_ic` from `item_map`:

- evidence 证据分 `E_ℓc = Σ_{counted items i with ℓ_i = ℓ} w_ic × m_i`; mastery 掌握度
  `M_ℓc = Σ w_ic × m_i × f_i / E_ℓc`;
- level ℓ is **evidenced** when `E_ℓc ≥ 2`;
- achieved level `L_c` = the highest evidenced ℓ with `M_ℓc ≥ theta` **such that every
  evidenced level below it has `M ≥ 0.5`** (the lower-level gate); 0 when no evidenced level
  qualifies; **missing** when no level of c is evidenced.
"""

T1_SOLUTION = """def item_fractions(scores, items):
    \"\"\"The item fractions that count: person_id, item_id, f (blank items 0).\"\"\"
    items = items.assign(item_id=items["item_id"].astype(str), assignment=items["assignment"].astype(str))
    s = scores.assign(person_id=scores["person_id"].astype(str), item_id=scores["item_id"].astype(str))
    if "attempt" not in s.columns:
        s["attempt"] = 1
    s = s[s["item_id"].isin(set(items["item_id"]))].merge(items[["item_id", "assignment"]], on="item_id")
    s = s[s["attempt"] == s.groupby(["person_id", "assignment"])["attempt"].transform("max")]
    submitted = s[["person_id", "assignment"]].drop_duplicates()
    full = submitted.merge(items[["item_id", "assignment", "item_type"]], on="assignment")
    full = full.merge(s[["person_id", "item_id", "score", "max_score"]], on=["person_id", "item_id"], how="left")
    full = full[~(full["score"].isna() & (full["item_type"].astype(str) == "MANUAL"))].copy()
    full["f"] = (full["score"] / full["max_score"]).fillna(0.0).clip(0.0, 1.0)
    return full[["person_id", "item_id", "f"]]


def competency_levels(scores, items, item_map, theta=0.7):
    fr = item_fractions(scores, items)
    bank = item_map.assign(item_id=item_map["item_id"].astype(str), competency_id=item_map["competency_id"].astype(str))
    bank = bank.merge(items.assign(item_id=items["item_id"].astype(str))[["item_id", "level", "max_points"]], on="item_id")
    x = fr.merge(bank, on="item_id")
    x["E"] = x["weight"] * x["max_points"]
    x["EF"] = x["E"] * x["f"]
    agg = x.groupby(["person_id", "competency_id", "level"])[["E", "EF"]].sum()
    evidence = {k: (e, ef) for k, e, ef in zip(agg.index, agg["E"], agg["EF"])}
    comps = sorted(bank["competency_id"].unique(), key=lambda c: int(c[1:]))
    rows = []
    for p in sorted(fr["person_id"].unique()):
        for c in comps:
            level, blocked, evidenced = 0, False, False
            for lvl in (1, 2, 3, 4):
                e, ef = evidence.get((p, c, lvl), (0.0, 0.0))
                if e < 2 - 1e-9:
                    continue
                evidenced = True
                m = ef / e
                if m >= theta - 1e-9 and not blocked:
                    level = lvl
                if m < 0.5 - 1e-9:
                    blocked = True
            rows.append({"person_id": p, "competency_id": c, "level": level if evidenced else None})
    return pd.DataFrame(rows, columns=["person_id", "competency_id", "level"])"""

T1_TESTS = """# Practice checks: four people of the shipped team, and hand-made scores with blank items
check("M7-T1", competency_levels)"""

T2_PROMPT = """## M7-T2 Individual gap report（个人差距报告） — 3 points

Write `answer_m7_t2(world)` that returns the gap table of **the longest-serving ACTIVE member of
the KA team**: among the people of `world.kam` with `status == "ACTIVE"` and role KAE, KAM or
SKAM, the one with the smallest `hire_week` (ties: the lower `kam_id`).

Return a DataFrame with one row per competency C1 … C10 and the columns:

| column | meaning（中文） |
|---|---|
| `competency_id` | C1 … C10 |
| `target` | the person's role target 目标等级 (`role_targets`), **capped** at the highest level the item bank can evidence for the competency: the highest ℓ with `Σ_{items at level ℓ} w_ic × max_points ≥ 2` over all items of the bank |
| `level` | achieved level L_c from the person's scores (M7-T1 rules, θ = 0.7); missing if none |
| `gap` | `target − level` (negative when above target); missing where `level` is missing |
| `failed_items` | sorted list of the item ids that count for the person (M7-T1 rule 2) with `f < 0.5` (blank items included) and a weight for the competency in `item_competency_map` |

**Scoring**: per hidden world, everything right → full credit; `target`, `level` and `gap` right
but `failed_items` wrong → half.
"""

T2_SOLUTION = """def capped_targets(world, role):
    items, imap = world.assessment_items, world.item_competency_map
    bank = imap.merge(items[["item_id", "level", "max_points"]], on="item_id")
    bank["E"] = bank["weight"] * bank["max_points"]
    ev = bank.groupby([bank["competency_id"].astype(str), "level"])["E"].sum().reset_index()
    top = ev[ev["E"] >= 2 - 1e-9].groupby("competency_id")["level"].max()
    rt = world.role_targets
    rt = rt[rt["role_level"].astype(str) == role]
    tgt = pd.Series(rt["target_level"].to_numpy(), index=rt["competency_id"].astype(str))
    return {c: int(min(t, top.get(c, t))) for c, t in tgt.items()}


def answer_m7_t2(world):
    kam = world.kam.assign(kam_id=world.kam["kam_id"].astype(str))
    team = kam[(kam["status"].astype(str) == "ACTIVE") & kam["role_level"].astype(str).isin(["KAE", "KAM", "SKAM"])]
    me = team.sort_values(["hire_week", "kam_id"]).iloc[0]
    person, role = me["kam_id"], str(me["role_level"])
    sc = world.assessment_scores
    mine = sc[sc["person_id"].astype(str) == person]
    items, imap = world.assessment_items, world.item_competency_map
    lv = competency_levels(mine, items, imap).set_index("competency_id")["level"]
    fr = item_fractions(mine, items)
    failed = set(fr.loc[fr["f"] < 0.5 - 1e-9, "item_id"])
    target = capped_targets(world, role)
    rows = []
    for c in sorted(target, key=lambda c: int(c[1:])):
        level = lv.get(c)
        level = None if level is None or pd.isna(level) else int(level)
        items_c = set(imap.loc[imap["competency_id"].astype(str) == c, "item_id"].astype(str))
        rows.append({"competency_id": c, "target": target[c], "level": level,
                     "gap": None if level is None else target[c] - level,
                     "failed_items": sorted(failed & items_c)})
    return pd.DataFrame(rows)"""

T2_TESTS = """# Practice check on the shipped world
print(answer_m7_t2(world).to_string())
check("M7-T2", answer_m7_t2)"""

T3_PROMPT = """## M7-T3 Ready-now successors（即刻可继任人选） — 3 points

Write `answer_m7_t3(world, positions)`: `positions` is a list of three `kam_id`s (incumbents of
critical positions 关键岗位). Return a dict `{position: sorted list of READY_NOW candidate
kam_ids}` with exactly these positions as keys (an empty list where nobody is ready). Rules
(SPEC §5.5, bench/succession):

- **candidates** 候选人: the people of `world.kam` with `status == "ACTIVE"`, other than the
  incumbent, whose role rank is the incumbent role's rank or one lower (ladder in the intro);
- their achieved levels L_c from their scores (M7-T1, θ = 0.7); a competency without a level
  counts as 0;
- targets: the **position's** role targets, capped as in M7-T2;
- `gap_sum = Σ_c max(0, target_c − L_c)`; **READY_NOW** if `gap_sum ≤ 1`.

**Scoring**: per hidden case, the share of the three positions whose set is exactly right.
"""

T3_SOLUTION = """RANK = {"KAE": 1, "KAM": 2, "RSM": 2, "SKAM": 3, "KAD": 4}


def answer_m7_t3(world, positions):
    kam = world.kam.assign(kam_id=world.kam["kam_id"].astype(str), role_level=world.kam["role_level"].astype(str))
    role_of = dict(zip(kam["kam_id"], kam["role_level"]))
    active = kam[kam["status"].astype(str) == "ACTIVE"]
    lv = competency_levels(world.assessment_scores, world.assessment_items, world.item_competency_map)
    level = {(p, c): v for p, c, v in zip(lv["person_id"], lv["competency_id"], lv["level"])}
    out = {}
    for pos in positions:
        role = role_of[pos]
        target = capped_targets(world, role)
        ready = []
        for cand, crole in zip(active["kam_id"], active["role_level"]):
            if cand == pos or RANK[crole] not in (RANK[role], RANK[role] - 1):
                continue
            gaps = 0
            for c, t in target.items():
                got = level.get((cand, c))
                got = 0 if got is None or pd.isna(got) else int(got)
                gaps += max(0, t - got)
            if gaps <= 1:
                ready.append(cand)
        out[pos] = sorted(ready)
    return out"""

T3_TESTS = """# Practice check on the shipped world: three of its critical positions
check("M7-T3", answer_m7_t3)"""

T4_PROMPT = """## M7-T4 Rebalance the KA organisation（重点客户组织调整） — 5 points

Write `answer_m7_t4(world)` that returns an assignment `{account_id: kam_id}` of **every key
account** (`accounts.account_type == "KA"`) to an owner such that

1. every owner is an ACTIVE KAE, KAM or SKAM of `world.kam`;
2. **region consistency** 区域一致: a national account (`scope == "NATIONAL"`) goes to someone
   of the `NATIONAL_KA` team; a regional account to someone whose `region_id` is the account's
   `hq_region_id`;
3. **balance** 工作量均衡 (SPEC §2.19): `max_p W_p ≤ 1.2 × mean_p W_p`, the mean over the people
   who own at least one account, with the workload index
   `W_p = Σ_{accounts a of p} [0.5 × NR_a / mean(NR) + 0.2 × stores_a / mean(stores) + 0.3 × events_a / mean(events)]`,
   means over the key accounts.

Inputs per key account, over the **world's last full fiscal year** (52 weeks; FY2024 here):
`NR_a` = Σ `sell_in.gross_sales` − Σ `trade_spend.amount_rmb` of the year's weeks (`week_id`),
at least 0; `stores_a` = `accounts.store_count`; `events_a` = the number of distinct
`promotions.event_group_id` of the account with `status != "CANCELLED"` that start in the year.
Each account adds a fixed amount to its owner's W, so the team mean is accounts ÷ owners.

A balanced, region-consistent assignment exists in every world you are graded on. **Scoring**
per hidden world: all three rules → full credit; balanced but not region-consistent → half.
"""

T4_SOLUTION = """def answer_m7_t4(world):
    cal = world.calendar
    size = cal.groupby("fiscal_year")["week_id"].agg(["min", "max", "size"])
    fy = size.index[size["size"] >= 52].max()
    lo, hi = size.loc[fy, "min"], size.loc[fy, "max"]
    acc = world.accounts
    ka = acc[acc["account_type"].astype(str) == "KA"].assign(account_id=lambda d: d["account_id"].astype(str))
    ids = ka["account_id"].tolist()
    si = world.sell_in[world.sell_in["week_id"].between(lo, hi)]
    ts = world.trade_spend[world.trade_spend["week_id"].between(lo, hi)]
    gs = si.groupby(si["account_id"].astype(str))["gross_sales"].sum().reindex(ids, fill_value=0.0)
    tts = ts.groupby(ts["account_id"].astype(str))["amount_rmb"].sum().reindex(ids, fill_value=0.0)
    nr = (gs - tts).clip(lower=0.0)
    stores = ka.set_index("account_id")["store_count"].astype(float)
    pr = world.promotions
    pr = pr[(pr["status"].astype(str) != "CANCELLED") & pr["start_week"].between(lo, hi)]
    events = pr.groupby(pr["account_id"].astype(str))["event_group_id"].nunique().reindex(ids, fill_value=0)
    c = 0.5 * nr / nr.mean() + 0.2 * stores / stores.mean() + 0.3 * events / events.mean()
    kam = world.kam
    ppl = kam[(kam["status"].astype(str) == "ACTIVE") & kam["role_level"].astype(str).isin(["KAE", "KAM", "SKAM"])]
    people = ppl["kam_id"].astype(str).tolist()
    team = dict(zip(people, ppl["team"].astype(str)))
    region = dict(zip(people, ppl["region_id"]))
    info = ka.set_index("account_id")
    current = dict(zip(ids, ka["kam_id"].astype(str)))

    def may_own(a, p):
        if str(info.at[a, "scope"]) == "NATIONAL":
            return team[p] == "NATIONAL_KA"
        return not pd.isna(region[p]) and str(region[p]) == str(info.at[a, "hq_region_id"])

    order = sorted(ids, key=lambda a: (-c[a], a))
    owners = {a: sorted((p for p in people if may_own(a, p)), key=lambda p: (p != current[a], p)) for a in ids}
    n = len(ids)
    # mean = n / (number of owners): try the most owners first, then fewer (a higher limit)
    for k in range(len(people), 0, -1):
        limit = 1.2 * n / k - 1e-9
        load = dict.fromkeys(people, 0.0)
        count = dict.fromkeys(people, 0)
        plan = {}

        def place(i, used):
            if i == n:
                return True
            a = order[i]
            for p in owners[a]:
                new = count[p] == 0
                if load[p] + c[a] > limit or (new and used >= k):
                    continue
                load[p] += c[a]
                count[p] += 1
                plan[a] = p
                if place(i + 1, used + new):
                    return True
                load[p] -= c[a]
                count[p] -= 1
            return False

        if place(0, 0):
            return plan
    return current"""

T4_TESTS = """# Practice check on the shipped world
plan = answer_m7_t4(world)
print(plan)
check("M7-T4", answer_m7_t4)"""

RECAP = """## Recap（小结）

You scored capability from evidence (levels with the lower-level gate, missing evidence kept
apart from zero), wrote a person's gap report against capped role targets, found who is ready
now for critical positions, and redesigned the KA organisation so that workload is balanced and
every account sits with the right team — the org-development side of key account management.
"""


def build_notebook() -> NotebookNode:
    """The M7 source notebook (with the reference solutions)."""
    cells = [
        au.header(INTRO),
        au.setup(SETUP),
        *au.item("M7-T0", T0_PROMPT, T0_SOLUTION, 2, T0_TESTS),
        *au.item("M7-T1", T1_PROMPT, T1_SOLUTION, 4, T1_TESTS),
        *au.item("M7-T2", T2_PROMPT, T2_SOLUTION, 3, T2_TESTS),
        *au.item("M7-T3", T3_PROMPT, T3_SOLUTION, 3, T3_TESTS),
        *au.item("M7-T4", T4_PROMPT, T4_SOLUTION, 5, T4_TESTS),
        au.header(RECAP, grade_id="recap"),
    ]
    return au.notebook(cells)


if __name__ == "__main__":  # pragma: no cover
    au.write(build_notebook(), Path(sys.argv[1]))
