"""M2-T4, the rolling 13-week plan: task instances, the reference solver and the judge.

Private helper of :mod:`kamlab.assess.specs.m2`. Everything here runs outside the sandbox.

**The task.** A key account's next 13 weeks (plan weeks ``T … T+12``, ``T`` = the world's number
of weeks) already hold the world's PLANNED promotions. The trainee gets

* ``planned`` — those promotions in :func:`kamlab.sim.simulate_plan`'s plan format
  (:data:`PLAN_COLUMNS`);
* ``options`` — a menu of candidate promotion slots (two per SKU, overlapping in time, so at
  most one per SKU), each with the planner's forecast of what adding *that one slot* to the
  planned calendar changes: ``nr_gain`` (RMB net revenue), ``spend_gain`` (RMB trade spend) and
  ``short_gain`` (cases the account's share of our capacity cannot supply) — each the
  difference between two :func:`kamlab.sim.simulate_plan` replays;
* ``brief`` — the planned calendar's own forecast (``nr_base``, ``spend_base``,
  ``short_base``) and the quarter's ``nr_target``, trade ``budget`` and ``max_short_cases``;

and returns the quarter's whole promotion table. The judge (:func:`compare_plan`) replays that
table with ``simulate_plan(world, account, {"promotions": table}, seed=PLAN_SEED)`` and checks
the three constraints of SPEC §4 M2-T4: NR within ±2 % of the target, trade spend ≤ budget, no
capacity breach (supply shortfall ≤ ``max_short_cases``).

**Instances are solvable by construction.** The target is the replayed NR of a hidden
*witness* combination of options; the budget and the shortfall limit leave a little room above
the witness's. Slot effects add up only approximately (cannibalisation, capacity allocation,
rebate tiers), so :func:`make_brief` also replays what the reference solver
(:data:`SOLVER_SOURCE` — the source notebook's solution, the very same text) picks and keeps
the instance only if that plan passes with a margin; the planned calendar alone must miss the
target band (so "change nothing" is not an answer).

**Order of rows.** ``simulate_plan`` draws each promotion row's forward-buy and dip parameters
in the order of the rows it is given, so the same plan in another row order replays slightly
differently (≈ 0.5 % of NR). Every replay here therefore sorts the rows canonically first
(:func:`canonical`): a plan is judged the same whatever order the trainee writes it in.

**The world in the comparator.** A comparator only gets ``(answer, expected)``; the expected
answer names the world by :func:`world_token` (a hash of its simulator configuration — never
the seed) and the case builders :func:`register` the world object under that token in this
process before the judge runs (the judge always prepares a submission's cases first).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from kamlab.assess import compare as cmp

__all__ = [
    "BAND",
    "OPTION_COLUMNS",
    "PLAN_COLUMNS",
    "SOLVER_SOURCE",
    "canonical",
    "compare_plan",
    "make_brief",
    "make_menu",
    "register",
    "replay",
    "solve",
    "world_token",
]

log = logging.getLogger(__name__)

PLAN_COLUMNS = (
    "sku_id",
    "start_week",
    "end_week",
    "depth_pct",
    "mechanic",
    "display_type",
    "feature",
    "event_group_id",
)
OPTION_COLUMNS = ("option_id", *PLAN_COLUMNS, "nr_gain", "spend_gain", "short_gain")
BRIEF_KEYS = ("nr_base", "spend_base", "short_base", "nr_target", "budget", "max_short_cases")
#: NR must land within ±BAND of the target
BAND = 0.02
#: the reference solver must land within BAND − SAFETY (so small model changes keep it passing)
SAFETY = 0.005
#: SKUs with options per instance (two options each)
N_SKUS = 3
HORIZON = 13

SOLVER_SOURCE = """import itertools

import pandas as pd

PLAN_COLUMNS = ["sku_id", "start_week", "end_week", "depth_pct", "mechanic", "display_type",
                "feature", "event_group_id"]


def plan_quarter(planned, options, brief):
    need = brief["nr_target"] - brief["nr_base"]  # NR the added slots must bring
    spend_room = brief["budget"] - brief["spend_base"]
    short_room = brief["max_short_cases"] - brief["short_base"]
    # at most one option per SKU (a SKU's options overlap in time): None = no slot for it
    per_sku = [[None] + [row for _, row in g.iterrows()]
               for _, g in options.groupby("sku_id", sort=True)]
    best_key, best = None, []
    for combo in itertools.product(*per_sku):
        chosen = [row for row in combo if row is not None]
        nr = sum(row["nr_gain"] for row in chosen)
        spend = sum(row["spend_gain"] for row in chosen)
        short = sum(row["short_gain"] for row in chosen)
        if spend > spend_room or short > short_room:
            continue  # over budget or over capacity (forecast)
        key = (abs(nr - need), spend, len(chosen))  # closest to target, then cheapest
        if best_key is None or key < best_key:
            best_key, best = key, chosen
    added = pd.DataFrame([row[PLAN_COLUMNS] for row in best], columns=PLAN_COLUMNS)
    return pd.concat([planned[PLAN_COLUMNS], added], ignore_index=True)"""

_NS: dict[str, Any] = {}
exec(compile(SOLVER_SOURCE, "<M2-T4 reference solver>", "exec"), _NS)  # our own code
solve = _NS["plan_quarter"]
"""The reference solver (the source notebook's solution): ``solve(planned, options, brief)``."""


# ------------------------------------------------------------------------------------------
# the world behind a case
_WORLDS: dict[str, Any] = {}
_MAX_WORLDS = 16


def world_token(world: Any) -> str:
    """A name for ``world`` that is the same in every process: a hash of its configuration.

    >>> from kamlab.data.world import World
    >>> a = World(public={}, meta={"config": {"preset": "small", "seed": 5}})
    >>> b = World(public={}, meta={"config": {"seed": 5, "preset": "small"}})
    >>> world_token(a) == world_token(b) and len(world_token(a)) == 21
    True
    """
    cfg = world.meta.get("config") if isinstance(world.meta, dict) else None
    if not isinstance(cfg, dict):
        raise ValueError(
            "world has no simulator configuration in its meta; M2-T4 replays plans on simulated "
            "worlds only."
        )
    text = json.dumps(cfg, sort_keys=True, default=str)
    return "w" + hashlib.sha256(text.encode()).hexdigest()[:20]


def register(world: Any) -> str:
    """Keep ``world`` for the comparator of this process; return its token."""
    token = world_token(world)
    _WORLDS.pop(token, None)
    _WORLDS[token] = world
    while len(_WORLDS) > _MAX_WORLDS:
        _WORLDS.pop(next(iter(_WORLDS)))
    return token


def _world(token: str) -> Any:
    world = _WORLDS.get(token)
    if world is None:
        log.error("M2-T4: the world of a case was not prepared in this process; case not judged")
        raise LookupError("M2-T4: the case's world is not registered in this process")
    return world


# ------------------------------------------------------------------------------------------
# plans and replays
def _text(df: pd.DataFrame, col: str, default: str) -> list[str]:
    if col not in df.columns:
        return [default] * len(df)
    out = []
    for v in df[col].tolist():
        missing = v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA
        out.append(default if missing or str(v).strip() == "" else str(v).strip())
    return out


def _whole(df: pd.DataFrame, col: str) -> list[int]:
    out = []
    for i, v in enumerate(df[col].tolist()):
        try:
            x = float(v)
        except (TypeError, ValueError):
            raise ValueError(f"row {i}: {col} = {v!r} is not a week number.") from None
        if not math.isfinite(x) or x != round(x):
            raise ValueError(f"row {i}: {col} = {v!r} is not a whole week number.")
        out.append(round(x))
    return out


def plan_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The promotion rows of a plan with clean types (only :data:`PLAN_COLUMNS`).

    Missing ``mechanic``/``display_type``/``feature`` mean TPR/NONE/NONE (simulate_plan's
    defaults); ``event_group_id`` is kept only when every row has one. Other columns (costs,
    planned uplift) are dropped: every plan is costed by the simulator's own rules.
    """
    missing = [c for c in ("sku_id", "start_week", "end_week", "depth_pct") if c not in df.columns]
    if missing:
        raise ValueError(f"the plan is missing column(s) {', '.join(missing)}.")
    depth = []
    for i, v in enumerate(df["depth_pct"].tolist()):
        try:
            depth.append(float(v))
        except (TypeError, ValueError):
            raise ValueError(f"row {i}: depth_pct = {v!r} is not a number.") from None
    out = pd.DataFrame(
        {
            "sku_id": _text(df, "sku_id", ""),
            "start_week": _whole(df, "start_week"),
            "end_week": _whole(df, "end_week"),
            "depth_pct": depth,
            "mechanic": _text(df, "mechanic", "TPR"),
            "display_type": _text(df, "display_type", "NONE"),
            "feature": _text(df, "feature", "NONE"),
        }
    )
    if "event_group_id" in df.columns:
        ev = _text(df, "event_group_id", "")
        if all(ev):
            out["event_group_id"] = ev
    return out


def canonical(df: pd.DataFrame) -> pd.DataFrame:
    """The rows in one fixed order (see the module docstring: replays depend on row order)."""
    cols = [c for c in PLAN_COLUMNS if c in df.columns]
    if df.empty:
        return df.reset_index(drop=True)
    keys = [
        tuple(
            (float(v) if c in ("start_week", "end_week", "depth_pct") else str(v))
            for c, v in zip(cols, row, strict=True)
        )
        for row in df[cols].itertuples(index=False, name=None)
    ]
    order = sorted(range(len(df)), key=lambda i: keys[i])
    return df.iloc[order].reset_index(drop=True)


_REPLAYS: dict[tuple[str, str, str], dict[str, float]] = {}
_MAX_REPLAYS = 256


def replay(world: Any, account_id: str, promotions: pd.DataFrame) -> dict[str, float]:
    """``simulate_plan`` of the account's next 13 weeks with exactly these promotions.

    Returns ``nr`` (RMB), ``spend`` (total trade spend, RMB), ``short`` (supply-short cases) and
    ``ordered`` (cases). Raises ``ValueError`` for an invalid plan (simulate_plan's message).
    Replays are deterministic, so the last few hundred are kept in this process (a case's
    instance and the judge of a plan the instance already replayed cost nothing).
    """
    from kamlab.analysis.m2_planner import PLAN_SEED
    from kamlab.sim import simulate_plan

    table = canonical(plan_frame(promotions))
    key = (world_token(world), account_id, table.to_csv(index=False))
    hit = _REPLAYS.get(key)
    if hit is not None:
        return dict(hit)
    k = simulate_plan(world, account_id, {"promotions": table}, seed=PLAN_SEED).kpis
    short = k.get("supply_short_cases", k.get("capacity_short_cases", 0.0))
    out = {
        "nr": float(k["nr"]),
        "spend": float(k["tts"]),
        "short": float(short),
        "ordered": float(k["cases_ordered"]),
    }
    _REPLAYS[key] = out
    while len(_REPLAYS) > _MAX_REPLAYS:
        _REPLAYS.pop(next(iter(_REPLAYS)))
    return dict(out)


# ------------------------------------------------------------------------------------------
# instances
def planned_rows(world: Any, account_id: str) -> pd.DataFrame:
    """The world's PLANNED promotions of the account that start in the 13 plan weeks."""
    T = len(world.calendar)
    p = world.promotions
    keep = (
        (p["account_id"].astype(str).to_numpy() == account_id)
        & (p["status"].astype(str).to_numpy() == "PLANNED")
        & (p["start_week"].to_numpy(int) >= T)
        & (p["start_week"].to_numpy(int) <= T + HORIZON - 1)
    )
    p = p.loc[keep]
    out = pd.DataFrame(
        {
            "sku_id": p["sku_id"].astype(str).to_numpy(),
            "start_week": p["start_week"].to_numpy(int),
            "end_week": np.minimum(p["end_week"].to_numpy(int), T + HORIZON - 1),
            "depth_pct": p["depth_pct"].to_numpy(float),
            "mechanic": p["mechanic"].astype(str).to_numpy(),
            "display_type": p["display_type"].astype(str).to_numpy(),
            "feature": p["feature"].astype(str).to_numpy(),
            "event_group_id": p["event_group_id"].astype(str).to_numpy(),
        },
        columns=list(PLAN_COLUMNS),
    )
    return canonical(out)


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in df.to_dict("records"):
        out.append({k: (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()})
    return out


def make_menu(world: Any, account_id: str, rng: np.random.Generator) -> dict[str, Any]:
    """The planned calendar, its replay, and the option menu with each option's replayed gains.

    Plain data (for ``ctx.memo``): ``{"account_id", "planned": records, "options": records,
    "base": {nr, spend, short, ordered}}``. Options: the :data:`N_SKUS` listed SKUs with the
    most gross sales in the last 13 weeks that have no planned promotion; per SKU a light slot
    (2 weeks, 15 % TPR) and a strong one (4 weeks, 25–30 % TPR with an end-cap display, or an
    app banner on e-commerce) from the same plan week, so they overlap.
    """
    T = len(world.calendar)
    planned = planned_rows(world, account_id)
    base = replay(world, account_id, planned)
    acc = world.accounts
    channel = str(acc.loc[acc["account_id"].astype(str) == account_id, "channel"].iloc[0])
    so = world.sell_out
    listed = set(so.loc[so["account_id"].astype(str) == account_id, "sku_id"].astype(str))
    si = world.sell_in
    recent = si.loc[
        (si["account_id"].astype(str) == account_id) & (si["week_id"].to_numpy(int) >= T - 13)
    ]
    gs = recent.groupby(recent["sku_id"].astype(str))["gross_sales"].sum()
    busy = set(planned["sku_id"])
    free = sorted(
        (s for s in listed if s not in busy and float(gs.get(s, 0.0)) > 0),
        key=lambda s: (-float(gs.get(s, 0.0)), s),
    )[:N_SKUS]
    display = "ENDCAP" if channel in ("HYPER", "SUPER", "CVS") else "NONE"
    feature = "APP_BANNER" if channel == "EC" else "NONE"
    options = []
    for s in sorted(free):
        start = T + int(rng.integers(0, HORIZON - 4))  # plan weeks 1–9
        strong = float(rng.choice([0.25, 0.30]))
        options.append((s, start, start + 1, 0.15, "TPR", "NONE", "NONE"))
        options.append((s, start, start + 3, strong, "TPR", display, feature))
    rows = []
    for k, (s, a, b, d, mech, disp, feat) in enumerate(options, 1):
        oid = f"O{k}"
        row = {"sku_id": s, "start_week": a, "end_week": b, "depth_pct": d, "mechanic": mech,
               "display_type": disp, "feature": feat, "event_group_id": oid}  # fmt: skip
        with_it = pd.concat([planned, pd.DataFrame([row])], ignore_index=True)
        got = replay(world, account_id, with_it)
        rows.append(
            {
                "option_id": oid,
                **row,
                "nr_gain": round(got["nr"] - base["nr"], 2),
                "spend_gain": round(got["spend"] - base["spend"], 2),
                "short_gain": round(got["short"] - base["short"], 2),
            }
        )
    return {
        "account_id": account_id,
        "planned": _records(planned),
        "options": rows,
        "base": base,
    }


def frames(menu: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(planned, options)`` DataFrames of a menu."""
    planned = pd.DataFrame(menu["planned"], columns=list(PLAN_COLUMNS))
    options = pd.DataFrame(menu["options"], columns=list(OPTION_COLUMNS))
    for df in (planned, options):
        for c in ("start_week", "end_week"):
            df[c] = df[c].astype("int64")
        df["depth_pct"] = df["depth_pct"].astype(float)
    return planned, options


def _combos(options: pd.DataFrame) -> list[tuple[int, ...]]:
    """Every non-empty set of options with at most one per SKU (row positions)."""
    per_sku = [[None, *list(idx)] for _, idx in options.groupby("sku_id", sort=True).groups.items()]
    out = []
    for combo in itertools.product(*per_sku):
        chosen = tuple(sorted(options.index.get_loc(i) for i in combo if i is not None))
        if chosen:
            out.append(chosen)
    return out


def passes(got: dict[str, float], brief: dict[str, float], margin: float = 0.0) -> list[bool]:
    """``[NR within ±(BAND − margin) of target, spend ≤ budget, shortfall ≤ limit]``."""
    target = float(brief["nr_target"])
    return [
        target > 0 and abs(got["nr"] / target - 1.0) <= BAND - margin + 1e-9,
        got["spend"] <= float(brief["budget"]) * (1 + 1e-9),
        got["short"] <= float(brief["max_short_cases"]) + 1e-9,
    ]


def make_brief(
    world: Any,
    menu: dict[str, Any],
    rng: np.random.Generator,
    *,
    avoid: Sequence[Sequence[str]] = (),
    away_from: float | None = None,
    max_tries: int = 4,
) -> dict[str, Any]:
    """A solvable brief for ``menu`` (see the module docstring), with its ``witness`` and the
    reference solver's ``pick`` (option ids). ``avoid``: witnesses not to use again;
    ``away_from``: prefer targets whose growth over the planned calendar differs from this one
    by at least 1.5 points (a second brief that needs another plan)."""
    account_id = menu["account_id"]
    planned, options = frames(menu)
    base = menu["base"]
    ids = options["option_id"].tolist()
    gains = options[["nr_gain", "spend_gain", "short_gain"]].to_numpy(float)
    skip = [sorted(a) for a in avoid]
    combos = [c for c in _combos(options) if sorted(ids[i] for i in c) not in skip]
    if not combos:
        raise ValueError(f"M2-T4: no options to plan with at {account_id}")
    growth = np.array([gains[list(c), 0].sum() for c in combos]) / max(base["nr"], 1.0)
    far = [away_from is None or abs(g - away_from) >= 0.015 for g in growth]
    good = [c for c, g, f in zip(combos, growth, far, strict=True) if 0.035 <= g <= 0.25 and f]
    fair = [c for c, g in zip(combos, growth, strict=True) if BAND + 0.01 < g < 0.035]
    rest = [c for _, c in sorted(zip(-growth, combos, strict=True))]
    order = [good[i] for i in rng.permutation(len(good))]
    order += [fair[i] for i in rng.permutation(len(fair))]
    order += [c for c in rest if c not in order]
    fallback: dict[str, Any] | None = None
    for witness in order[:max_tries]:
        rows = options.iloc[list(witness)][list(PLAN_COLUMNS)]
        got = replay(world, account_id, pd.concat([planned, rows], ignore_index=True))
        brief = {
            "nr_base": round(base["nr"], 2),
            "spend_base": round(base["spend"], 2),
            "short_base": round(base["short"], 2),
            "nr_target": float(round(got["nr"])),
            "budget": float(math.ceil(got["spend"] * 1.01)),
            "max_short_cases": float(math.ceil(got["short"] + max(10.0, 0.01 * got["ordered"]))),
        }
        for _ in range(4):  # the reference solver must pass (adjust to its own replay if not)
            pick = solve(planned, options, brief)
            chosen = sorted(set(pick["event_group_id"]) & set(ids))
            mine = replay(world, account_id, pick)
            if all(passes(mine, brief, SAFETY)):
                break
            brief = {
                **brief,
                "nr_target": float(round(mine["nr"])),
                "budget": float(max(brief["budget"], math.ceil(mine["spend"] * 1.001))),
                "max_short_cases": float(max(brief["max_short_cases"], math.ceil(mine["short"]))),
            }
        else:
            continue
        out = {**brief, "witness": sorted(ids[i] for i in witness), "pick": chosen}
        base_ok = passes(base, brief)
        if not base_ok[0] and base_ok[1] and base_ok[2]:
            return out  # the planned calendar alone misses the band but fits budget/capacity
        fallback = fallback or out
    if fallback is None:
        raise ValueError(f"M2-T4: no solvable brief at {account_id}")
    return fallback


def brief_of(instance: dict[str, Any]) -> dict[str, float]:
    """The brief the trainee's function gets (no witness, no pick)."""
    return {k: float(instance[k]) for k in BRIEF_KEYS}


def expected_of(token: str, account_id: str, instance: dict[str, Any]) -> dict[str, Any]:
    """What the comparator needs: the world's token, the account and the limits."""
    return {
        "world": token,
        "account_id": account_id,
        "nr_target": float(instance["nr_target"]),
        "budget": float(instance["budget"]),
        "max_short_cases": float(instance["max_short_cases"]),
    }


# ------------------------------------------------------------------------------------------
# the judge
def _promotions_of(answer: Any) -> pd.DataFrame | None:
    if isinstance(answer, dict) and "promotions" in answer:
        answer = answer["promotions"]
    return answer if isinstance(answer, pd.DataFrame) else None


def compare_plan(answer: Any, expected: Any) -> cmp.Check:
    """Replay the trainee's promotion table and check the three constraints.

    Credit 1 when NR is within ±2 % of the target, trade spend ≤ budget and the supply
    shortfall ≤ the limit; otherwise ½ × (constraints met) / 3 (SPEC §4: constraint checks);
    0 for a table that is not a valid plan.
    """
    df = _promotions_of(answer)
    if df is None:
        return cmp.Check(
            0.0,
            "wrong_type",
            f"expected a DataFrame of promotion rows, got {type(answer).__name__}",
        )
    missing = [c for c in ("sku_id", "start_week", "end_week", "depth_pct") if c not in df.columns]
    if missing:
        return cmp.Check(0.0, "wrong_keys", f"missing column(s) {missing}")
    world = _world(str(expected["world"]))
    try:
        got = replay(world, str(expected["account_id"]), df)
    except ValueError as exc:
        return cmp.Check(0.0, "constraint", f"the plan is not valid: {exc}")
    ok = passes(got, expected)
    target = float(expected["nr_target"])
    detail = (
        f"NR {got['nr']:,.0f} vs target {target:,.0f} ({got['nr'] / target - 1:+.2%}; "
        f"±{BAND:.0%} allowed) {'✓' if ok[0] else '✗'}; trade spend {got['spend']:,.0f} of "
        f"budget {float(expected['budget']):,.0f} {'✓' if ok[1] else '✗'}; supply shortfall "
        f"{got['short']:,.0f} of at most {float(expected['max_short_cases']):,.0f} cases "
        f"{'✓' if ok[2] else '✗'}"
    )
    if all(ok):
        return cmp.Check(1.0, "ok", detail)
    return cmp.Check(0.5 * sum(ok) / len(ok), "constraint", detail)
