"""M1 — KPI foundations: the five indicators and gross-to-net (SPEC §4 M1, items of §5.4).

=======  ==============  ===================================================================
item     kind            the trainee defines
=======  ==============  ===================================================================
M1-T1    FUNCTION (4)    ``g2n_waterfall(sell_in, trade_spend, products, account, fy)`` →
                         dict of the eight waterfall steps :data:`G2N_STEPS`, in that order
M1-T2    NUMERIC (2)     ``answer_m1_t2(world)`` → TTS % of GS (a fraction) of the key
                         account with the highest gross sales in FY2023 (atol 0.0005)
M1-T3    CHOICE (2)      ``answer_m1_t3(world)`` → the account id that, of the three accounts
                         with the highest GS in FY2024, has the lowest CC % in FY2024
M1-T4    FUNCTION (4)    ``five_indicator_scorecard(actual, target, weights=None)`` → dict
                         ``achievement``, ``capped`` (at 1.2), ``composite``, ``rag``
=======  ==============  ===================================================================

Points and levels come from the capability framework (SPEC §5.4). Every reference answer is
kamlab's own code: :func:`kamlab.metrics.account_pnl`, :func:`kamlab.metrics.five_indicator_score`
and :func:`kamlab.analysis.scorecard.account_scorecard` (the curriculum's scorecard, whose
docstring states every rule a trainee needs for CC %).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kamlab.assess import compare as cmp
from kamlab.assess.spec import Assessment, Case, CaseContext, Item, Kind

__all__ = ["ASSESSMENT", "FY_START", "G2N_STEPS"]

#: the fiscal year of week ``w`` is ``FY_START + w // 52`` (52-week years, SPEC §0.2)
FY_START = 2023

G2N_STEPS = (
    "gross_sales",
    "on_invoice",
    "invoice_sales",
    "off_invoice",
    "trade_spend",
    "net_revenue",
    "cogs",
    "gross_profit",
)
FIVE = ("profit", "revenue", "share", "execution", "fill_rate")


# ------------------------------------------------------------------------------------------
# M1-T1 gross-to-net waterfall
def ref_g2n_waterfall(
    sell_in: pd.DataFrame, trade_spend: pd.DataFrame, products: pd.DataFrame, account: str, fy: int
) -> dict[str, float]:
    """The reference waterfall of one account × fiscal year (SPEC §2.1 steps 1–7)."""
    from kamlab import metrics as km

    si = sell_in[
        (sell_in["account_id"].astype(str) == account)
        & (FY_START + sell_in["week_id"].astype(int) // 52 == fy)
    ]
    ts = trade_spend[
        (trade_spend["account_id"].astype(str) == account)
        & (trade_spend["fiscal_year"].astype(int) == fy)
    ]
    cogs_case = dict(
        zip(products["sku_id"].astype(str), products["cogs_case"].astype(float), strict=True)
    )
    cogs = float(
        (si["cases_shipped"].astype(float) * si["sku_id"].astype(str).map(cogs_case)).sum()
    )
    on_inv = ts["on_invoice"].astype(bool).to_numpy()
    amount = ts["amount_rmb"].astype(float).to_numpy()
    p = km.account_pnl(
        float(si["gross_sales"].sum()),
        on_invoice=float(amount[on_inv].sum()),
        off_invoice=float(amount[~on_inv].sum()),
        cogs=cogs,
        cost_to_serve=0.0,
    )
    return {
        "gross_sales": p.gs,
        "on_invoice": p.on_invoice,
        "invoice_sales": p.invoice_sales,
        "off_invoice": p.off_invoice,
        "trade_spend": p.tts,
        "net_revenue": p.nr,
        "cogs": p.cogs,
        "gross_profit": p.gp,
    }


_steps = cmp.mapping(rtol=1e-6, atol=1.0, keys=G2N_STEPS, ordered=True)


def compare_waterfall(answer: Any, expected: Any) -> cmp.Check:
    """The eight steps in order, each within ±1 RMB or 1e-6, and the cascade's identities."""
    check = _steps(answer, expected)
    if not check.passed:
        return check
    a = {k: float(answer[k]) for k in G2N_STEPS}
    tol = 1.0 + 1e-6 * abs(a["gross_sales"])
    identities = (
        a["invoice_sales"] - (a["gross_sales"] - a["on_invoice"]),
        a["trade_spend"] - (a["on_invoice"] + a["off_invoice"]),
        a["net_revenue"] - (a["gross_sales"] - a["trade_spend"]),
        a["gross_profit"] - (a["net_revenue"] - a["cogs"]),
    )
    if any(abs(d) > tol for d in identities):
        return cmp.Check(0.0, "wrong_value", "the steps do not add up (GS − TTS must equal NR)")
    return check


def _t1_visible(world: Any) -> list[Case]:
    return [
        Case.visible(
            world.sell_in, world.trade_spend, world.products, "ACC001", 2024, label="ACC001, FY2024"
        ),
        Case.visible(
            world.sell_in, world.trade_spend, world.products, "ACC003", 2023, label="ACC003, FY2023"
        ),
    ]


def _t1_hidden(ctx: CaseContext) -> list[Case]:
    w = ctx.world
    acc = w.accounts
    ka = sorted(acc.loc[acc["account_type"].astype(str) == "KA", "account_id"].astype(str))
    dist = sorted(acc.loc[acc["account_type"].astype(str) != "KA", "account_id"].astype(str)) or ka
    a_ka = ka[int(ctx.rng.integers(len(ka)))]
    a_dist = dist[int(ctx.rng.integers(len(dist)))]
    # an account-year without any trade spend: drop its ledger rows
    a_none = ka[int(ctx.rng.integers(len(ka)))]
    no_spend = w.trade_spend[
        ~(
            (w.trade_spend["account_id"].astype(str) == a_none)
            & (w.trade_spend["fiscal_year"].astype(int) == 2023)
        )
    ]
    shuffled = w.products.sample(frac=1.0, random_state=int(ctx.rng.integers(2**31))).reset_index(
        drop=True
    )
    return [
        Case.fresh_world(w.sell_in, w.trade_spend, w.products, a_ka, 2024, what="a key account"),
        Case.fresh_world(w.sell_in, w.trade_spend, w.products, a_dist, 2023, what="a distributor"),
        Case.edge(
            w.sell_in,
            no_spend,
            w.products,
            a_none,
            2023,
            what="an account-year with no trade spend at all",
        ),
        Case.edge(
            w.sell_in,
            w.trade_spend,
            shuffled,
            a_ka,
            2023,
            what="the products table in another row order",
        ),
    ]


# ------------------------------------------------------------------------------------------
# M1-T2 / M1-T3 answers that depend on the world
def _scorecard(world: Any, fy: int) -> pd.DataFrame:
    from kamlab.analysis.scorecard import account_scorecard

    return account_scorecard(world, fiscal_year=fy)


def ref_t2(world: Any) -> float:
    """TTS / GS in FY2023 of the key account (``account_type == 'KA'``) with the highest GS."""
    sc = _scorecard(world, 2023)
    ka = sc[sc["account_type"].astype(str) == "KA"]
    top = ka.sort_values(["gs", "account_id"], ascending=[False, True]).iloc[0]
    return float(top["tts_rate"])


def ref_t3(world: Any) -> list[str]:
    """Accepted answers: of the 3 accounts with the highest FY2024 GS, the lowest FY2024 CC %.

    Accounts whose CC % is within 0.0005 of the lowest are accepted too (a near-tie).
    """
    sc = _scorecard(world, 2024)
    top3 = sc.sort_values(["gs", "account_id"], ascending=[False, True]).head(3)
    low = float(top3["cc_rate"].min())
    return sorted(top3.loc[top3["cc_rate"] <= low + 0.0005, "account_id"].astype(str))


def _t3_hidden(ctx: CaseContext) -> list[Case]:
    """The fresh world, and the same world with its account ids shuffled (an id typed in fails).

    The renamed world's answer is the fresh world's answer renamed (no second scorecard).
    """
    renamed = ctx.relabel(ctx.world, "account_id")
    mapping = renamed.meta["relabelled"]["mapping"]
    return [
        Case.fresh_world(ctx.world),
        Case.fresh_world(
            renamed,
            what="accounts renamed",
            expected=lambda: sorted(mapping[a] for a in ref_t3(ctx.world)),
        ),
    ]


def compare_choice_among(answer: Any, expected: Any) -> cmp.Check:
    """One account id (str) among the accepted ones (case and spaces ignored)."""
    if type(answer) is not str:
        return cmp.Check(
            0.0, "wrong_type", f"expected an account id string, got {type(answer).__name__}"
        )
    if answer.strip().upper() in {str(e).upper() for e in expected}:
        return cmp.Check(1.0)
    return cmp.Check(
        0.0, "wrong_choice", f"expected {' or '.join(map(str, expected))}, got {answer!r}"
    )


# ------------------------------------------------------------------------------------------
# M1-T4 five-indicator scorecard
def ref_scorecard(
    actual: dict[str, float], target: dict[str, float], weights: dict[str, float] | None = None
) -> dict[str, Any]:
    from kamlab import metrics as km

    s = km.five_indicator_score(actual, target, weights=weights, cap=1.2)
    return {
        "achievement": dict(s.achievement),
        "capped": dict(s.capped),
        "composite": s.composite,
        "rag": s.rag,
    }


_ach = cmp.mapping(rtol=1e-9, atol=1e-9, keys=FIVE)
_num = cmp.number(rtol=1e-9, atol=1e-9)


def compare_scorecard(answer: Any, expected: Any) -> cmp.Check:
    if not isinstance(answer, dict):
        return cmp.Check(0.0, "wrong_type", f"expected a dict, got {type(answer).__name__}")
    missing = [k for k in ("achievement", "capped", "composite", "rag") if k not in answer]
    if missing:
        return cmp.Check(0.0, "wrong_keys", f"missing keys {missing}")
    for key in ("achievement", "capped"):
        c = _ach(answer[key], expected[key])
        if not c.passed:
            return cmp.Check(0.0, c.reason, f"{key}: {c.detail}")
    c = _num(answer["composite"], expected["composite"])
    if not c.passed:
        return cmp.Check(0.0, c.reason, f"composite: {c.detail}")
    rag = answer["rag"]
    if type(rag) is not str or rag.strip().lower() != expected["rag"]:
        return cmp.Check(0.0, "wrong_choice", f"rag: expected {expected['rag']!r}, got {rag!r}")
    return cmp.Check(1.0)


def _actual_target(row: pd.Series) -> tuple[dict[str, float], dict[str, float]]:
    actual = {
        "profit": float(row["cc"]),
        "revenue": float(row["nr"]),
        "share": float(row["value_share"]),
        "execution": float(row["pss"]),
        "fill_rate": float(row["case_fill"]),
    }
    target = {
        "profit": float(row["cc_target"]),
        "revenue": float(row["nr_target"]),
        "share": float(row["value_share_target"]),
        "execution": float(row["perfect_store_target"]),
        "fill_rate": float(row["case_fill_kpi"]),
    }
    return actual, target


def _usable(sc: pd.DataFrame) -> pd.DataFrame:
    cols = ["cc", "nr", "value_share", "pss", "case_fill"]
    tcols = [
        "cc_target",
        "nr_target",
        "value_share_target",
        "perfect_store_target",
        "case_fill_kpi",
    ]
    ok = sc[cols + tcols].notna().all(axis=1) & (sc[tcols] > 0).all(axis=1)
    return sc[ok].sort_values("account_id")


SPEC_EXAMPLE = (
    {"profit": 1.1e6, "revenue": 5.2e6, "share": 0.19, "execution": 0.78, "fill_rate": 0.93},
    {"profit": 1.0e6, "revenue": 5.0e6, "share": 0.20, "execution": 0.80, "fill_rate": 0.95},
)


def _t4_visible(world: Any) -> list[Case]:
    cases = [Case.visible(*SPEC_EXAMPLE, label="the SPEC §2.18 worked example")]
    sc = _usable(_scorecard(world, 2024))
    if len(sc):
        actual, target = _actual_target(sc.iloc[0])
        cases.append(Case.visible(actual, target, label=f"{sc.iloc[0]['account_id']}, FY2024"))
    return cases


def _t4_world_case(world: Any, pick: float) -> list[dict[str, float]]:
    sc = _usable(_scorecard(world, 2024))
    if not len(sc):
        return []
    return list(_actual_target(sc.iloc[int(pick * len(sc))]))


def _t4_hidden(ctx: CaseContext) -> list[Case]:
    pick = float(ctx.rng.random())
    # the scorecard is costly: memoised, so a re-grade does not rebuild it
    found = ctx.memo("t4-actual-target", lambda: _t4_world_case(ctx.world, pick))
    cases = []
    if found:
        actual, target = found
        cases.append(
            Case.fresh_world(actual, target, what="an account's FY2024 actuals and targets")
        )
    ones = {k: 2.0 for k in FIVE}
    over = {"profit": 3.0, "revenue": 2.5, "share": 0.5, "execution": 1.9, "fill_rate": 1.99}
    cases.append(Case.edge(over, ones, what="achievements above the 1.2 cap"))
    # exactly 1.0 in exact arithmetic; 0.9999999999999999 in floats: the §0.2 guard decides
    at_green = {"profit": 1.4, "revenue": 2.4, "share": 2.4, "execution": 1.9, "fill_rate": 1.9}
    cases.append(Case.edge(at_green, ones, what="a composite exactly at the green threshold"))
    weights = {"profit": 0.4, "revenue": 0.3, "share": 0.1, "execution": 0.1, "fill_rate": 0.1}
    scale = float(np.round(ctx.rng.uniform(0.8, 1.1), 3))
    actual = {
        "profit": 0.9e6 * scale,
        "revenue": 5.1e6,
        "share": 0.18,
        "execution": 0.7,
        "fill_rate": 0.97,
    }
    target = {"profit": 1.0e6, "revenue": 5.0e6, "share": 0.2, "execution": 0.8, "fill_rate": 0.95}
    cases.append(Case.edge(actual, target, weights, what="weights other than the defaults"))
    return cases


ASSESSMENT = Assessment(
    id="M1",
    notebook="M1_assessment",
    title="KPI foundations: the five indicators and gross-to-net",
    items=(
        Item(
            "M1-T1",
            Kind.FUNCTION,
            target="g2n_waterfall",
            visible=_t1_visible,
            hidden=_t1_hidden,
            reference=ref_g2n_waterfall,
            compare=compare_waterfall,
            scoring=cmp.proportional(step=1.0),
            title="Gross-to-net waterfall of one account × fiscal year",
        ),
        Item(
            "M1-T2",
            Kind.NUMERIC,
            target="answer_m1_t2",
            visible=lambda world: [Case.visible(world, label="the shipped world")],
            hidden=lambda ctx: [Case.fresh_world(ctx.world)],
            reference=ref_t2,
            compare=cmp.number(atol=0.0005),
            scoring=cmp.all_or_nothing(),
            title="TTS % of GS of the top key account in FY2023",
        ),
        Item(
            "M1-T3",
            Kind.CHOICE,
            target="answer_m1_t3",
            visible=lambda world: [Case.visible(world, label="the shipped world")],
            hidden=_t3_hidden,
            reference=ref_t3,
            compare=compare_choice_among,
            scoring=cmp.all_or_nothing(),
            title="Top-3 GS account with the lowest CC % in FY2024",
        ),
        Item(
            "M1-T4",
            Kind.FUNCTION,
            target="five_indicator_scorecard",
            visible=_t4_visible,
            hidden=_t4_hidden,
            reference=ref_scorecard,
            compare=compare_scorecard,
            scoring=cmp.proportional(step=1.0),
            title="Five-indicator scorecard with the 1.2 cap and RAG",
        ),
    ),
)
