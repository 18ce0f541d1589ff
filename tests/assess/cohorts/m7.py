"""M7's own submissions with exact partial credit (added to the generic cohort).

``VARIANTS[name] = (code of the answer cells that differ from the solution, {item: score})``;
items not named score full marks. Each mistake fails a fixed set of hidden cases by
construction; ``partial`` (the simulated team has one grading run of every item, so rules about absent
items and later runs only bite in the hand-made edge cases and the retake world):

* M7-T1 scores an absent written (MANUAL) item 0 instead of "not assessed": only
  the edge case with an ungraded written item fails → 4 × 7/8 = 3.5; M7-T2 reads the failed
  items from the raw rows (every run, no blanks): right on the fresh world, half on the retake
  world, whose blank item the person had passed in the first run → 3 × ¾ = 2.25 → 2.0;
* M7-T4 keeps today's organisation: one owner per account and the two tier-C chains of one
  region with one person, which puts that person above 1.2 × the mean → 0.
"""

from _specs import mutate

from kamlab.assess.specs.m7_notebook import T1_SOLUTION, T2_SOLUTION

T1_MANUAL_ZERO = mutate(
    T1_SOLUTION,
    (
        '    full = full[~(full["score"].isna() & (full["item_type"].astype(str) == "MANUAL"))].copy()\n',
        "    full = full.copy()\n",
    ),
)

T2_RAW_FAILED = mutate(
    T2_SOLUTION,
    (
        "    fr = item_fractions(mine, items)\n"
        '    failed = set(fr.loc[fr["f"] < 0.5 - 1e-9, "item_id"])\n',
        '    failed = set(mine.loc[mine["score"] / mine["max_score"] < 0.5, "item_id"].astype(str))\n',
    ),
)

T4_TODAY = """def answer_m7_t4(world):
    ka = world.accounts[world.accounts["account_type"].astype(str) == "KA"]
    return dict(zip(ka["account_id"].astype(str), ka["kam_id"].astype(str)))
"""

VARIANTS = {
    "partial": (
        {"M7-T1": T1_MANUAL_ZERO, "M7-T2": T2_RAW_FAILED, "M7-T4": T4_TODAY},
        {"M7-T1": 3.5, "M7-T2": 2.0, "M7-T4": 0.0},
    ),
}
