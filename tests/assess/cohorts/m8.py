"""M8's own submissions with exact partial credit (added to the generic cohort).

``VARIANTS[name] = (code of the answer cells that differ from the solution, {item: score})``;
items not named score full marks (M8-T4 is manual and never auto-scored). Each variant breaks
the solution in a way whose score does not depend on the trainee's secret world:

- ``partial``: the diagnosis leaves out SERVICE_DEPRIORITISED (3 of 4 flags: macro-F1 ≤ 0.75,
  half credit on both hidden checks → 3 of 6); the complete submission has no ``actions``
  table (M8-T3: 0); the plan is the solution's (M8-T2: 10).
- ``overreach``: the diagnosis adds three flags that are not part of the case (macro-F1 ≤ 4/7:
  0); the plan adds a promotion after the 13 plan weeks (an invalid plan: M8-T2 0, and M8-T3 0
  because the complete submission carries the same plan).
"""

from __future__ import annotations

import inspect

from kamlab.assess.specs import _m8_solution


def _renamed(name: str, new: str) -> str:
    src = inspect.getsource(getattr(_m8_solution, name))
    return src.replace(f"def {name}(", f"def {new}(", 1)


T1_NO_SERVICE = (
    _renamed("diagnose", "_diagnose_all")
    + """

def diagnose(world, account_id):
    d = _diagnose_all(world, account_id)
    return d[d["flag"] != "SERVICE_DEPRIORITISED"].reset_index(drop=True)
"""
)

T1_OVERFLAG = (
    _renamed("diagnose", "_diagnose_all")
    + """

def diagnose(world, account_id):
    d = _diagnose_all(world, account_id)
    extra = pd.DataFrame({"flag": ["DIVERSION", "CHANNEL_MIX_DRIFT", "PACK_MIX_DRIFT"],
                          "evidence_id": [account_id] * 3, "note": [""] * 3})
    return pd.concat([d, extra], ignore_index=True)
"""
)

T2_AFTER_HORIZON = (
    _renamed("turnaround_plan", "_plan_ok")
    + """

def turnaround_plan(world, account_id):
    plan = _plan_ok(world, account_id)
    T = len(world.calendar)
    si = world.sell_in
    sku = str(si.loc[si["account_id"].astype(str) == account_id, "sku_id"].iloc[0])
    late = pd.DataFrame({"sku_id": [sku], "start_week": [T + 13], "end_week": [T + 14],
                         "depth_pct": [0.2], "mechanic": ["TPR"], "display_type": ["NONE"],
                         "feature": ["NONE"]})
    plan["promotions"] = pd.concat([plan["promotions"], late], ignore_index=True)
    return plan
"""
)

T3_NO_ACTIONS = """def capstone_submission(world, account_id):
    tables = {"diagnosis": diagnose(world, account_id), **turnaround_plan(world, account_id)}
    tables.pop("actions")
    return tables
"""

VARIANTS = {
    "partial": (
        {"M8-T1": T1_NO_SERVICE, "M8-T3": T3_NO_ACTIONS},
        {"M8-T1": 3.0, "M8-T2": 10.0, "M8-T3": 0.0},
    ),
    "overreach": (
        {"M8-T1": T1_OVERFLAG, "M8-T2": T2_AFTER_HORIZON},
        {"M8-T1": 0.0, "M8-T2": 0.0, "M8-T3": 0.0},
    ),
}
