"""How fast the formula library answers on a default-sized world (widget budget: < 100 ms).

Run: ``python benchmarks/bench_metrics.py`` — builds synthetic inputs of the default preset's
size (18 accounts × 40 SKUs × 104 weeks = 74,880 panel rows; 60,000 order lines) with a fixed
seed and prints the median and p95 wall time of each call over 15 runs after one warm-up.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, median, p95, timeit

from kamlab import metrics as km

A, S, T = 18, 40, 104
RUNS = 15


def _inputs() -> dict[str, object]:
    rng = np.random.default_rng(20240601)
    n = A * S
    sell_out = rng.gamma(4.0, 25.0, size=(n, T))
    sell_in = sell_out * rng.lognormal(0, 0.2, size=(n, T))
    closing = sell_out * rng.uniform(1.5, 4.0, size=(n, T))
    fifo_sell, stock = np.empty_like(sell_out), np.zeros(n)
    for t in range(T):  # sell-out never exceeds the stock on hand
        stock += sell_in[:, t]
        fifo_sell[:, t] = np.minimum(sell_out[:, t], stock)
        stock -= fifo_sell[:, t]
    panel = pd.DataFrame(
        {
            "account_id": np.repeat([f"ACC{i:03d}" for i in range(A)], S * T),
            "sku_id": np.tile(np.repeat([f"SKU{j:03d}" for j in range(S)], T), A),
            "week_id": np.tile(np.arange(T), n),
            "cases_shipped": sell_in.ravel(),
        }
    )
    panel["period_key"] = (
        panel["week_id"] // 13 * 3 + (panel["week_id"] % 13 >= 4) + (panel["week_id"] % 13 >= 8)
    ).astype(str)
    lines = 60_000
    ordered = rng.integers(1, 200, size=lines)
    order_lines = pd.DataFrame(
        {
            "order_id": [f"O{i:06d}" for i in rng.integers(0, lines // 35, size=lines)],
            "cases_ordered": ordered,
            "cases_shipped": np.where(rng.random(lines) < 0.95, ordered, ordered // 2),
            "days_late": np.where(rng.random(lines) < 0.9, 0, rng.integers(1, 4, size=lines)),
        }
    )
    return {
        "sell_in": sell_in,
        "sell_out": sell_out,
        "closing": closing,
        "fifo_receipts": sell_in,
        "fifo_sell": fifo_sell,
        "panel": panel,
        "order_lines": order_lines,
    }


def main() -> None:
    d = _inputs()
    si, so, closing = d["sell_in"], d["sell_out"], d["closing"]
    woc2d = km.weeks_of_cover(closing, so)
    ratio2d = km.sell_in_sell_out_ratio(si, so)
    weekly_acc = (
        d["panel"]
        .groupby(["account_id", "period_key", "week_id"], as_index=False)["cases_shipped"]
        .sum()
    )
    tiers = km.DEFAULT_GROWTH_TIERS
    curve = np.linspace(4e6, 7e6, 301)
    cases: dict[str, object] = {
        "fill_rates (60k order lines)": lambda: km.fill_rates(d["order_lines"]),
        "fill_rates tolerance 2 (60k lines)": lambda: km.fill_rates(d["order_lines"], 2),
        "weeks_of_cover 1-D (104 wks)": lambda: km.weeks_of_cover(closing[0], so[0]),
        "weeks_of_cover 2-D (720 x 104)": lambda: km.weeks_of_cover(closing, so),
        "sell_in_sell_out_ratio 2-D (720 x 104)": lambda: km.sell_in_sell_out_ratio(si, so),
        "stuffing_flags 2-D + ratio (720 x 104)": lambda: km.stuffing_flags(
            woc2d, 2.5, ratio=ratio2d
        ),
        "sell_in_spike 2-D (720 x 104)": lambda: km.sell_in_spike(si, so),
        "fifo_age_buckets 1-D (104 wks)": lambda: km.fifo_age_buckets(
            d["fifo_receipts"][0], d["fifo_sell"][0]
        ),
        "fifo_age_profile 2-D (720 x 104, max_age 27)": lambda: km.fifo_age_profile(
            d["fifo_receipts"], d["fifo_sell"], max_age=27
        ),
        "fifo_age_profile 2-D (720 x 104, exact ages)": lambda: km.fifo_age_profile(
            d["fifo_receipts"], d["fifo_sell"]
        ),
        "evenness_frame (account x period, 1.9k rows)": lambda: km.evenness_frame(
            weekly_acc, ["account_id", "period_key"]
        ),
        "evenness_frame (acct x SKU x period, 75k rows)": lambda: km.evenness_frame(
            d["panel"], ["account_id", "sku_id", "period_key"]
        ),
        "wmape + bias (75k values)": lambda: (
            km.wmape(so.ravel(), si.ravel()),
            km.forecast_bias(so.ravel(), si.ravel()),
        ),
        "tracking_signal 2-D (720 x 104)": lambda: km.tracking_signal(so, si),
        "value_share (75k values)": lambda: km.value_share(so.ravel(), so.ravel() * 5),
        "tiered_rebate curve (301 points, retro+marginal)": lambda: (
            km.tiered_rebate(curve, 5.5e6, tiers),
            km.tiered_rebate(curve, 5.5e6, tiers, mode="marginal"),
        ),
        "pvm_bridge (40 SKUs)": lambda: km.pvm_bridge(
            si[:40, 0], so[:40, 0], si[:40, 1], so[:40, 1]
        ),
        "account_pnl + cost_to_serve": lambda: km.account_pnl(
            6e6, 3e5, 6.4e5, 3.6e6, km.cost_to_serve(3e5, 250, 200, 1.5e5, 5.06e6, 60).total
        ),
        "promo_evaluation (5 wks)": lambda: km.promo_evaluation(
            [980, 2400, 2200, 850, 900], 1000, [0, 1, 1, 0, 0], 12, 8000, 18
        ),
        "month_end_push_flag 2-D (18 x 24 periods)": lambda: km.month_end_push_flag(
            np.full((18, 24), 0.3), np.full((18, 24), 0.2), 4
        ),
        "five_indicator_score (18 accounts)": lambda: km.five_indicator_score(
            {k: np.linspace(0.8, 1.3, 18) for k in km.FIVE_INDICATORS},
            dict.fromkeys(km.FIVE_INDICATORS, 1.0),
        ),
    }
    print(f"# kamlab.metrics — {machine()}")
    print(f"# median / p95 of {RUNS} runs after 1 warm-up")
    for label, fn in cases.items():
        times = timeit(fn, runs=RUNS)  # type: ignore[arg-type]
        print(f"{label:50s} median {1e3 * median(times):8.3f} ms   p95 {1e3 * p95(times):8.3f} ms")


if __name__ == "__main__":
    main()
