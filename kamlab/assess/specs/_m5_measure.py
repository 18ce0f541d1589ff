"""How often M5's reference solutions pass on fresh worlds (a report, not a test).

``python -m kamlab.assess.specs._m5_measure N [START]`` simulates ``N`` clean small worlds
(seeds ``START`` … ``START + N − 1``, as the judge does for trainees) and runs the source
notebook's solutions of M5-T1 and M5-T3 on each:

- M5-T1: the pooled WMAPE on the graded promo weeks (full marks ≤ 0.15, half ≤ 0.25), for one
  world and for two worlds pooled;
- M5-T3: the macro-F1 against ``truth_promo`` on the scored promotions (full ≥ 0.8, half ≥ 0.6).

It prints mean, percentiles, worst case and the share of worlds at full / half marks.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["measure"]


def _solutions() -> dict[str, Any]:
    from kamlab.assess.specs import m5_notebook as nb

    ns: dict[str, Any] = {"np": np, "pd": pd}
    for src in (nb.T1_SOLUTION, nb.T2_SOLUTION, nb.T3_SOLUTION):
        exec(src, ns)
    return ns


def measure(n_seeds: int, start: int = 0) -> dict[str, np.ndarray]:
    """Per world: T1 pooled error and truth sums, T3 macro-F1 (arrays over the seeds)."""
    from kamlab.assess.specs import _m5_baseline as bl
    from kamlab.assess.specs import m5

    ns = _solutions()
    err, tot, f1 = [], [], []
    for seed in range(start, start + n_seeds):
        w = m5.make_world("small", seed)
        ser = bl.baseline_series(w)
        answers = [ns["estimate_baseline"](s.units, s.flags) for s in ser]
        err.append(
            sum(
                float(np.abs(np.asarray(a, float)[s.graded] - s.truth[s.graded]).sum())
                for a, s in zip(answers, ser, strict=True)
            )
        )
        tot.append(sum(float(s.truth[s.graded].sum()) for s in ser))
        exp = m5.ref_value_creating(w)
        said = set(ns["value_creating_promos"](w))
        f1.append(m5.macro_f1(said, set(exp["scored"]), set(exp["positives"])))
    return {"err": np.array(err), "tot": np.array(tot), "f1": np.array(f1)}


def _report(name: str, v: np.ndarray, good: float, half: float, lower_is_better: bool) -> None:
    full = np.mean(v <= good) if lower_is_better else np.mean(v >= good)
    halfp = np.mean(v <= half) if lower_is_better else np.mean(v >= half)
    worst = v.max() if lower_is_better else v.min()
    print(
        f"{name:28s} n={v.size:4d} mean {v.mean():.4f} p1 {np.percentile(v, 1):.4f} "
        f"p99 {np.percentile(v, 99):.4f} worst {worst:.4f} full {full:.4f} half+ {halfp:.4f}"
    )


def main(n_seeds: int, start: int = 0) -> None:  # pragma: no cover - a report
    t0 = time.perf_counter()
    r = measure(n_seeds, start)
    print(f"{n_seeds} clean small worlds (seeds {start}…) in {time.perf_counter() - t0:.0f} s")
    one = r["err"] / r["tot"]
    k = n_seeds // 2 * 2
    two = (r["err"][0:k:2] + r["err"][1:k:2]) / (r["tot"][0:k:2] + r["tot"][1:k:2])
    _report("M5-T1 pooled WMAPE, 1 world", one, 0.15, 0.25, True)
    _report("M5-T1 pooled WMAPE, 2 worlds", two, 0.15, 0.25, True)
    _report("M5-T3 macro-F1", r["f1"], 0.8, 0.6, False)


if __name__ == "__main__":  # pragma: no cover
    import sys

    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 100, int(sys.argv[2]) if len(sys.argv) > 2 else 0
    )
