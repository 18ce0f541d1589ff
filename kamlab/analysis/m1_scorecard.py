"""M1 model: the five-indicator scorecard of one account over a range of fiscal periods.

A thin layer over :func:`kamlab.analysis.scorecard.account_scorecard` (SPEC §2.18) for the M1
*Five-indicator scorecard* panel: the trainee picks an account, a range of fiscal periods and
the basis (sell-in = what we shipped, sell-out = what consumers bought, valued at our prices)
and sees each indicator's actual, target, achievement ``a_k = actual / target`` and RAG, and
the composite ``Σ w_k min(a_k, 1.2)`` with the default weights 0.25 / 0.25 / 0.2 / 0.15 / 0.15
(profit, revenue, share, execution, order fill). RAG: green ≥ 1.0, amber ≥ 0.95, red below.

Every number comes from the shared scorecard (which calls :mod:`kamlab.metrics`); this module
only turns period positions into period keys and reshapes the row for display.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kamlab.analysis.scorecard import account_scorecard, indicator_view
from kamlab.metrics.scorecard import FIVE_INDICATOR_WEIGHTS, FIVE_INDICATORS

__all__ = ["BASES", "ScorecardView", "period_keys", "scorecard_view"]

BASES: tuple[str, ...] = ("sell_in", "sell_out")
CAP = 1.2


def period_keys(world: Any) -> list[str]:
    """The world's fiscal period keys in calendar order (``FY2023-P01`` …)."""
    cal = world["calendar"]
    order = cal.groupby(cal["period_key"].astype(str))["week_id"].min().sort_values()
    return list(order.index)


@dataclass(frozen=True)
class ScorecardView:
    """One account's scorecard over a period range.

    ``indicators``: one row per indicator (``indicator, actual, target, achievement, capped,
    weight, contribution, rag, alongside_name, alongside``), ``contribution`` = weight ×
    capped achievement (the weights renormalised over the available indicators when one is
    missing); ``composite`` = Σ contribution; ``rag`` its status; ``missing`` indicators
    without data; ``row`` the full scorecard row (P&L and all).
    """

    account_id: str
    period_from: str
    period_to: str
    basis: str
    indicators: pd.DataFrame
    composite: float
    rag: str | None
    missing: tuple[str, ...]
    row: pd.Series


def scorecard_view(
    world: Any,
    account_id: str,
    period_from: int | str,
    period_to: int | str,
    basis: str = "sell_in",
    *,
    keys: list[str] | None = None,
) -> ScorecardView:
    """The five-indicator scorecard of ``account_id`` over ``period_from`` … ``period_to``.

    Periods are keys (``"FY2024-P01"``) or 1-based positions in the world's calendar (1 = the
    first period). ``basis`` is ``"sell_in"`` or ``"sell_out"``. Composite
    ``= Σ_k w_k × min(a_k, 1.2)`` (SPEC §2.18). ``keys``: :func:`period_keys` of the world, if
    the caller has them already.
    """
    keys = keys if keys is not None else period_keys(world)

    def key(p: int | str, name: str) -> str:
        if isinstance(p, (int, np.integer)) and not isinstance(p, bool):
            if not 1 <= int(p) <= len(keys):
                raise ValueError(f"{name} must be between 1 and {len(keys)}; got {p}.")
            return keys[int(p) - 1]
        if str(p) not in keys:
            raise ValueError(
                f"{name} {p!r} is not a period of this world ({keys[0]} … {keys[-1]})."
            )
        return str(p)

    lo, hi = key(period_from, "period_from"), key(period_to, "period_to")
    if basis not in BASES:
        raise ValueError(f"basis must be 'sell_in' or 'sell_out'; got {basis!r}.")
    sc = account_scorecard(world, periods=(lo, hi), basis=basis, accounts=account_id)
    iv = indicator_view(sc, account_id)
    row = sc.iloc[0]
    missing = tuple(m for m in str(row["missing"] or "").split("|") if m)
    ok = iv["achievement"].notna().to_numpy()
    w = iv["weight"].to_numpy(float)
    w_eff = np.where(ok, w, 0.0)
    if w_eff.sum() > 0:
        w_eff = w_eff * w.sum() / w_eff.sum()
    iv = iv.assign(
        weight=w_eff,
        capped=np.where(ok, np.minimum(iv["achievement"].to_numpy(float), CAP), np.nan),
    )
    iv["contribution"] = np.where(ok, iv["weight"] * iv["capped"], 0.0)
    composite = float(row["composite"]) if pd.notna(row["composite"]) else float("nan")
    rag = None if pd.isna(row["rag"]) else str(row["rag"])
    cols = ["indicator", "actual", "target", "achievement", "capped", "weight", "contribution",
            "rag", "alongside_name", "alongside"]  # fmt: skip
    return ScorecardView(
        account_id=account_id,
        period_from=lo,
        period_to=hi,
        basis=basis,
        indicators=iv[cols].reset_index(drop=True),
        composite=composite,
        rag=rag,
        missing=missing,
        row=row,
    )


DEFAULT_WEIGHTS = dict(FIVE_INDICATOR_WEIGHTS)
INDICATORS = FIVE_INDICATORS
