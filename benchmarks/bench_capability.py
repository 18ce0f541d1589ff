"""Capability scoring speed (target: 200 people × 10 competencies scoring + heatmap < 200 ms).

Run: ``python benchmarks/bench_capability.py`` — builds a synthetic team of N people (roles in
the default mix, every assessment M1–M8 submitted, two grading runs for a third of them) on the
shipped framework, then times

- ``competency_levels(scores, roster=roster)``  (latest-run selection, blanks, scoring, targets)
- ``team_heatmap(levels, roster)``
- the two together (the figure the target applies to)
- ``gap_report`` for one person, ``succession_bench``, ``nine_box`` and ``levels_over_time``.

Prints medians of 7 runs after one warm-up, for N = 20, 200 and 1,000. With the shipped default
world (``datasets/default``) present it also times, on that world, the demo team pipeline and
``kamlab.analysis.scorecard.account_scorecard``: the first call (builds the per account × period
aggregate), one fiscal year for all accounts, one account over a period range (target < 100 ms)
and every account × period.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from _common import machine, median, timeit  # noqa: E402


def synthetic_team(n: int, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    from kamlab.capability import load_framework, validate_roster

    fw = load_framework()
    rng = np.random.default_rng(seed)
    roles = rng.choice(["KAE", "KAM", "SKAM", "RSM"], size=n, p=[0.3, 0.4, 0.15, 0.15])
    ids = [f"P{i:04d}" for i in range(n)]
    n_kad = max(1, n // 20)
    roles[:n_kad] = "KAD"
    roster = validate_roster(
        pd.DataFrame(
            {
                "person_id": ids,
                "name": ids,
                "role_level": roles,
                "team": [f"T{i % 7}" for i in range(n)],
                "region_id": [f"R{i % 5 + 1}" for i in range(n)],
                "manager_id": [None if i < n_kad else ids[i % n_kad] for i in range(n)],
                "owned_accounts": [f"ACC{i:03d}" if i % 3 == 0 else None for i in range(n)],
            }
        ),
        fw,
    )
    items = fw.assessment_items
    mp = items.max_points.to_numpy()
    rows = []
    theta = rng.normal(2.4, 0.8, size=n)
    for run in (1, 2):
        people = range(n) if run == 1 else range(0, n, 3)
        for p in people:
            frac = 1 / (
                1 + np.exp(-1.7 * (theta[p] + 0.3 * (run - 1) - items.level.to_numpy() + 0.5))
            )
            sc = np.round(np.clip(frac + rng.normal(0, 0.08, len(items)), 0, 1) * mp * 2) / 2
            rows.append(
                pd.DataFrame(
                    {
                        "person_id": ids[p],
                        "item_id": items.item_id.to_numpy(),
                        "attempt": run,
                        "score": sc,
                        "max_score": mp,
                        "graded_at": pd.Timestamp("2024-05-01") + pd.Timedelta(days=30 * run),
                    }
                )
            )
    scores = pd.concat(rows, ignore_index=True)
    accounts = pd.DataFrame(
        {
            "account_id": [f"ACC{i:03d}" for i in range(0, n, 3)],
            "tier": rng.choice(["A", "B", "C"], size=len(range(0, n, 3))),
            "channel": rng.choice(["HYPER", "SUPER", "CVS"], size=len(range(0, n, 3))),
        }
    )
    return scores, roster, accounts


def bench_team(n: int) -> str:
    """One line of figures for a synthetic team of ``n`` people."""
    from kamlab import capability as cap

    fw = cap.load_framework()
    scores, roster, accounts = synthetic_team(n)
    lv = cap.competency_levels(scores, fw, roster=roster)
    comp = pd.DataFrame(
        {"account_id": accounts.account_id, "composite": np.linspace(0.8, 1.2, len(accounts))}
    )
    last = roster.person_id.iloc[-1]
    t_levels = timeit(lambda: cap.competency_levels(scores, fw, roster=roster), runs=7)
    t_heat = timeit(lambda: cap.team_heatmap(lv, roster, framework=fw), runs=7)
    t_both = timeit(
        lambda: cap.team_heatmap(
            cap.competency_levels(scores, fw, roster=roster), roster, framework=fw
        ),
        runs=7,
    )
    t_gap = timeit(lambda: cap.gap_report(last, lv, scores, fw), runs=7)
    t_bench = timeit(lambda: cap.succession_bench(lv, roster, fw, accounts=accounts), runs=7)
    t_box = timeit(lambda: cap.nine_box(lv, roster, account_scores=comp), runs=7)
    t_hist = timeit(lambda: cap.levels_over_time(scores, fw, roster=roster), runs=3)
    return (
        f"N={n:5d} people, {len(scores):6d} score rows: "
        f"levels {median(t_levels) * 1e3:7.1f} ms | heatmap {median(t_heat) * 1e3:6.1f} ms | "
        f"levels+heatmap {median(t_both) * 1e3:7.1f} ms | gap report {median(t_gap) * 1e3:6.1f} ms | "
        f"bench {median(t_bench) * 1e3:7.1f} ms | 9-box {median(t_box) * 1e3:6.1f} ms | "
        f"history {median(t_hist) * 1e3:7.1f} ms"
    )


def main() -> None:
    print(machine())
    for n in (20, 200, 1000):
        print(bench_team(n))


def default_world() -> None:
    from kamlab import capability as cap
    from kamlab.analysis import scorecard as scm
    from kamlab.resources import default_world_dir

    if not (default_world_dir() / "public").is_dir():
        print("default world not generated: skipping the scorecard figures")
        return
    import kamlab

    w = kamlab.load_world()

    def first() -> None:
        scm.clear_cache()
        scm.account_scorecard(w, fiscal_year=2024)

    t_first = timeit(first, runs=5)
    t_fy = timeit(lambda: scm.account_scorecard(w, fiscal_year=2024), runs=7)
    t_one = timeit(
        lambda: scm.account_scorecard(w, periods=("FY2024-P02", "FY2024-P06"), accounts="ACC001"),
        runs=7,
    )
    t_all = timeit(lambda: scm.account_scorecard(w, by_period=True), runs=3)
    print(
        f"default world scorecard: first call {median(t_first) * 1e3:7.1f} ms | FY all accounts "
        f"{median(t_fy) * 1e3:6.1f} ms | one account, 5-period range {median(t_one) * 1e3:6.1f} ms | "
        f"all accounts × periods {median(t_all) * 1e3:7.1f} ms"
    )

    def team() -> None:
        roster = cap.roster_from_world(w)
        lv = cap.competency_levels(cap.demo_scores(w), roster=roster)
        cap.team_heatmap(lv, roster)
        cap.succession_bench(lv, roster, accounts=w.accounts)
        cap.nine_box(lv, roster, account_scores=scm.account_scorecard(w, fiscal_year=2024))

    t_team = timeit(team, runs=7)
    print(
        f"default world demo team: roster+levels+heatmap+bench+9-box {median(t_team) * 1e3:7.1f} ms"
    )


if __name__ == "__main__":
    main()
    default_world()
