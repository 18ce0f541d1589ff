"""A toy assessment (T0) for testing kamlab's grading machinery without the simulator.

Its "world" is one table ``sales(region, sku, gross)`` made from a seed. Items:

- T0-T1 FUNCTION ``net_sales(sales, rate)`` = Σ gross × (1 − rate)          2 points
- T0-T2 NUMERIC  ``answer_t2(world)`` = share of the biggest region's gross   2 points
- T0-T3 CHOICE   ``answer_t3(world)`` = the region with the highest gross     1 point
- T0-T4 MANUAL   a short written answer                                       1 point
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kamlab.assess import compare as cmp
from kamlab.assess.spec import Assessment, Case, Item, Kind
from kamlab.data.world import World

REGIONS = ("R1", "R2", "R3", "R4")


def toy_world(preset: str, seed: int) -> World:
    """A small seeded world: 4 regions × 5 SKUs of gross sales."""
    rng = np.random.default_rng(seed)
    size = dict(zip(REGIONS, rng.uniform(0.3, 3.0, len(REGIONS)), strict=True))
    rows = [
        (r, f"SKU{s:03d}", float(np.round(rng.uniform(100, 10_000) * size[r], 2)))
        for r in REGIONS
        for s in range(1, 6)
    ]
    sales = pd.DataFrame(rows, columns=["region", "sku", "gross"])
    sales["region"] = sales["region"].astype("string")
    sales["sku"] = sales["sku"].astype("string")
    return World(public={"sales": sales}, truth={}, meta={"preset": preset, "seed": seed})


def ref_net_sales(sales: pd.DataFrame, rate: float) -> float:
    return float(sales["gross"].sum()) * (1.0 - rate)


def ref_top_share(world: World) -> float:
    by = world.sales.groupby("region", observed=True)["gross"].sum()
    return float(by.max() / by.sum())


def ref_top_region(world: World) -> str:
    by = world.sales.groupby("region", observed=True)["gross"].sum()
    return str(by.idxmax())


def _t1_hidden(ctx):
    w = ctx.world
    rate = float(np.round(ctx.rng.uniform(0.02, 0.2), 3))
    yield Case.fresh_world(w.sales, rate)
    empty = w.sales.iloc[0:0]
    yield Case.edge(empty, 0.1, what="no sales rows at all")
    yield Case.edge(w.sales, 0.0, what="a rate of zero")
    yield Case.fresh_world(w.sales[w.sales["region"] == "R2"], 0.05, what="one region only")


ITEMS = (
    Item(
        "T0-T1",
        Kind.FUNCTION,
        target="net_sales",
        visible=lambda world: [Case.visible(world.sales, 0.1, label="all sales, rate 10%")],
        hidden=_t1_hidden,
        reference=ref_net_sales,
        compare=cmp.number(rtol=1e-6, atol=0.01),
        scoring=cmp.proportional(step=0.5),
        points=2,
        level=1,
        timeout=3.0,
    ),
    Item(
        "T0-T2",
        Kind.NUMERIC,
        target="answer_t2",
        visible=lambda world: [Case.visible(world, label="the shipped toy world")],
        hidden=lambda ctx: [Case.fresh_world(ctx.world)],
        reference=ref_top_share,
        compare=cmp.number(atol=0.001),
        points=2,
        level=1,
        timeout=3.0,
    ),
    Item(
        "T0-T3",
        Kind.CHOICE,
        target="answer_t3",
        visible=lambda world: [Case.visible(world, label="the shipped toy world")],
        hidden=lambda ctx: [Case.fresh_world(ctx.world)],
        reference=ref_top_region,
        compare=cmp.choice(),
        scoring=cmp.all_or_nothing(),
        points=1,
        level=1,
        timeout=3.0,
    ),
    Item("T0-T4", Kind.MANUAL, points=1, level=1),
)

ASSESSMENT = Assessment("T0", notebook="T0_assessment", items=ITEMS, make_world=toy_world)
