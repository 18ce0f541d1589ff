"""M3's own submissions with exact partial credit (added to the generic cohort).

``VARIANTS[name] = (code of the answer cells that differ from the solution, {item: score})``;
items not named score full marks. Each mistake fails a fixed set of hidden cases whatever the
trainee's world is.
"""

from _specs import mutate

from kamlab.assess.specs.m3_notebook import T1_SOLUTION, T2_SOLUTION, T3_SOLUTION

# no floating-point guard on the retro tier bounds
T1_NO_GUARD = mutate(
    T1_SOLUTION, ("g >= lower - 1e-9", "g >= lower"), ("g < upper - 1e-9", "g < upper")
)

# the growth rebate is always priced retro, whatever the proposal's mode
T2_ALWAYS_RETRO = mutate(
    T2_SOLUTION, ('if proposal["growth_rebate_mode"].lower() == "retro":', "if True:")
)

# leaves 15 % of the budget unused (0.85 of the cap instead of 0.98): half credit
T3_UNDER_BUDGET = mutate(T3_SOLUTION, ("r1 = 0.98 * cap", "r1 = 0.85 * cap"))

T4_STEPPED = """def loading_clause(agreement):
    for letter, clause in agreement.items():
        if clause["structure"] == "marginal_tiers":  # the stepped rebate has no cliff
            return letter
"""

VARIANTS = {
    "partial": (
        {
            "M3-T1": T1_NO_GUARD,
            "M3-T2": T2_ALWAYS_RETRO,
            "M3-T3": T3_UNDER_BUDGET,
            "M3-T4": T4_STEPPED,
        },
        {"M3-T1": 3.0, "M3-T2": 1.5, "M3-T3": 3.0, "M3-T4": 0.0},
    ),
}
