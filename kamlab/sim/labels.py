"""Stage 12 — ground-truth labels of the scenario knobs (``truth_scenario_labels``).

Conventions (how a grader gets (entity, period) truth; see datasets/DATACARD.md):

- STUFFING: one row per stuffed account (``entity_type`` ACCOUNT or DISTRIBUTOR) **per fiscal
  period affected** (``period_key`` set): the periods from the first load week through the end
  of the stock excess (account weeks of cover > target + 4) that follows it. ``injected_cases``
  = stuffing cases ordered in that period (0 in digest periods); ``severity`` = extra WOC.
- MONTH_END_PUSH: one row per pushed account (ACCOUNT / DISTRIBUTOR) per pushed period, and one
  row per pushing person (KAM) per period; ``severity`` = push share.
- CHANNEL_MIX_DRIFT: one row per region per period of the drift year; ``severity`` = the drift
  (share points) reached at the end of that period.
- DIVERSION: one row per (distributor, target region); ``injected_cases`` = cases diverted
  there (weekly detail in ``truth_diversion``).
- PACK_MIX_DRIFT, COMPETITOR_PUSH, SERVICE_DEPRIORITISED, PRICE_NONCOMPLIANCE: one row per
  account; PROMO_OVERSPEND, FORECAST_BIAS, TALENT_EVENT: one row per person (``related_ids`` =
  the accounts), plus for PROMO_OVERSPEND one PROMO row per affected promotion; SUPPLY_SHOCK: one
  row per SKU.
- CAPSTONE: one summary row for the account; every component row (STUFFING, PROMO_OVERSPEND,
  COMPETITOR_PUSH, SERVICE_DEPRIORITISED) carries ``tag = "CAPSTONE"``.

``start_week``/``end_week`` are inclusive week ids.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kamlab.sim.master import Master
from kamlab.sim.people import People
from kamlab.sim.scenarios import Knobs, params_json

__all__ = ["build_labels"]


def build_labels(
    knobs: Knobs,
    master: Master,
    people: People,
    cal: pd.DataFrame,
    T: int,
    acc_woc: np.ndarray,
    stuff_aw: np.ndarray,
    promos: pd.DataFrame,
    promo_ids: np.ndarray,
    diverted: np.ndarray,
    otif_line: np.ndarray,
    share_aw: np.ndarray,
    truth_roi: np.ndarray,
) -> pd.DataFrame:
    """truth_scenario_labels from the knobs' selections and the realised world.

    ``acc_woc`` (A, T) account weeks of cover; ``stuff_aw`` (A, T) injected stuffing cases;
    ``diverted`` (A, R, T) diverted cases; ``otif_line`` (A, periods); ``share_aw`` (A, T) value
    share at the account; ``truth_roi`` per promotion row.
    """
    rows: list[dict[str, Any]] = []
    pk = cal.period_key.astype(str).to_numpy()[:T]
    per_keys = list(dict.fromkeys(pk.tolist()))
    acc = master.accounts
    ids = master.acc_ids
    kam_of = [people.person_ids[o] for o in people.owner]
    fy = cal.fiscal_year.to_numpy()[:T]

    def etype(a: int) -> str:
        return "DISTRIBUTOR" if master.acc_is_dist[a] else "ACCOUNT"

    def add(**kw: Any) -> None:
        base = {"related_ids": None, "period_key": None, "injected_cases": np.nan, "tag": None}
        base.update(kw)
        rows.append(base)

    def period_span(key: str) -> tuple[int, int]:
        w = np.flatnonzero(pk == key)
        return int(w[0]), int(w[-1])

    for pick in knobs.picks:
        kind = pick["scenario"]
        prm_json = params_json(pick["params"])
        if kind == "CAPSTONE":
            a = pick["account"]
            tag = "CAPSTONE"
            add(scenario="CAPSTONE", entity_type="ACCOUNT", entity_id=ids[a],
                related_ids=kam_of[a], start_week=pick["lo"], end_week=min(pick["hi"], T - 1),
                severity=1.0, params_json=prm_json,
                expected_signal="falling value share, year-end stuffing, line OTIF under KPI, "
                                "loss-making promotions", tag=tag)  # fmt: skip
            st = [s for s in knobs.stuffing if s.get("tag") == tag]
            for s in st:
                _stuffing_rows(add, s, ids, kam_of, etype, pk, per_keys, acc_woc, stuff_aw,
                               master, prm_json, tag)  # fmt: skip
            _overspend_rows(add, pick["person"], [a], pick["lo"], pick["hi"], people, ids, promos,
                            promo_ids, truth_roi, prm_json, tag, T)  # fmt: skip
            _comp_push_row(
                add, a, ids, kam_of, pick["lo"], pick["hi"], share_aw, fy, prm_json, tag, T
            )
            _service_row(add, a, ids, kam_of, pick["lo"], pick["hi"], otif_line, pk, per_keys,
                         prm_json, tag, T)  # fmt: skip
        elif kind == "STUFFING":
            for s in knobs.stuffing:
                if s.get("tag") is None and s["account"] in pick["accounts"]:
                    _stuffing_rows(add, s, ids, kam_of, etype, pk, per_keys, acc_woc, stuff_aw,
                                   master, prm_json, None)  # fmt: skip
        elif kind == "MONTH_END_PUSH":
            person = people.person_ids[pick["person"]]
            share = float(pick["params"]["push_share"])
            for key in pick["periods"]:
                lo, hi = period_span(key)
                for a in pick["accounts"]:
                    add(scenario=kind, entity_type=etype(a), entity_id=ids[a], related_ids=person,
                        start_week=lo, end_week=hi, period_key=key, severity=share,
                        params_json=prm_json,
                        expected_signal=f"last-week share of period sell-in ≈ {share:.2f}; "
                                        "G* 0.5–0.6")  # fmt: skip
                add(scenario=kind, entity_type="KAM", entity_id=person,
                    related_ids="|".join(ids[a] for a in pick["accounts"]), start_week=lo,
                    end_week=hi, period_key=key, severity=share, params_json=prm_json,
                    expected_signal=f"LWS ≈ {share:.2f} on the person's sell-in")  # fmt: skip
        elif kind == "DIVERSION":
            a = pick["account"]
            f = float(pick["params"]["diverted_fraction"])
            for r in pick["targets"]:
                ri = list(master.region_ids).index(r)
                add(scenario=kind, entity_type="DISTRIBUTOR", entity_id=ids[a], related_ids=r,
                    start_week=pick["lo"], end_week=T - 1, severity=f, params_json=prm_json,
                    injected_cases=round(float(diverted[a, ri].sum()), 3),
                    expected_signal=f"absorption gap ≈ {f:.2f}; neighbour TT price erosion 5–12%; "
                                    "code traces outside the region > 0.2")  # fmt: skip
        elif kind == "CHANNEL_MIX_DRIFT":
            lo, hi = pick["lo"], pick["hi"]
            pp = float(pick["params"]["pp"])
            for key in [k for k in per_keys if k.startswith(f"FY{pick['fy']}-")]:
                w0, w1 = period_span(key)
                drift = pp * (w1 - lo + 1) / (hi - lo + 1)
                add(scenario=kind, entity_type="REGION", entity_id=pick["region"],
                    related_ids=pick["params"]["channel"], start_week=w0, end_week=w1,
                    period_key=key, severity=round(drift, 4), params_json=prm_json,
                    expected_signal=f"{pick['params']['channel']} share of the region above plan "
                                    f"by ≈ {drift:.3f}; TVD ≈ {drift:.3f}")  # fmt: skip
        elif kind == "PACK_MIX_DRIFT":
            a = pick["account"]
            add(scenario=kind, entity_type="ACCOUNT", entity_id=ids[a],
                related_ids=pick["params"]["pack_type"], start_week=pick["lo"],
                end_week=min(pick["hi"], T - 1), severity=float(pick["params"]["pp"]),
                params_json=prm_json,
                expected_signal="pack mix shifts to the value pack; negative mix effect in PVM")  # fmt: skip
        elif kind == "PROMO_OVERSPEND":
            _overspend_rows(add, pick["person"], pick["accounts"], pick["lo"], pick["hi"], people,
                            ids, promos, promo_ids, truth_roi, prm_json, None, T)  # fmt: skip
        elif kind == "FORECAST_BIAS":
            b = float(pick["params"]["bias"])
            add(scenario=kind, entity_type="KAM", entity_id=people.person_ids[pick["person"]],
                related_ids="|".join(ids[a] for a in pick["accounts"]), start_week=pick["lo"],
                end_week=min(pick["hi"], T - 1), severity=b, params_json=prm_json,
                expected_signal=f"forecast bias ≈ {b:+.2f}; tracking signal |TS| > 4")  # fmt: skip
        elif kind == "SUPPLY_SHOCK":
            for s in pick["skus"]:
                add(scenario=kind, entity_type="SKU", entity_id=master.sku_ids[s],
                    start_week=pick["lo"], end_week=pick["hi"],
                    severity=float(pick["params"]["capacity_mult"]), params_json=prm_json,
                    expected_signal="fill-rate shortfall across accounts: root cause supply")  # fmt: skip
        elif kind == "PRICE_NONCOMPLIANCE":
            a = pick["account"]
            add(scenario=kind, entity_type="ACCOUNT", entity_id=ids[a], related_ids=kam_of[a],
                start_week=pick["lo"], end_week=pick["hi"],
                severity=float(pick["params"]["price_gap"]), params_json=prm_json,
                expected_signal="audit price compliance drops; shelf price below agreed")  # fmt: skip
        elif kind == "COMPETITOR_PUSH":
            _comp_push_row(add, pick["account"], ids, kam_of, pick["lo"], pick["hi"], share_aw, fy,
                           prm_json, None, T)  # fmt: skip
        elif kind == "SERVICE_DEPRIORITISED":
            _service_row(add, pick["account"], ids, kam_of, pick["lo"], pick["hi"], otif_line, pk,
                         per_keys, prm_json, None, T)  # fmt: skip
        elif kind == "TALENT_EVENT":
            t = people.extra.get("talent", {})
            add(scenario=kind, entity_type="KAM", entity_id=t.get("resigned"),
                related_ids="|".join([t.get("successor", "")] + [ids[a] for a in pick["accounts"]]),
                start_week=pick["lo"], end_week=pick["hi"], severity=1.0, params_json=prm_json,
                expected_signal="vacancy exposure; execution (OOS, planogram) dips in the "
                                "interim weeks")  # fmt: skip
    cols = ["scenario", "entity_type", "entity_id", "related_ids", "start_week", "end_week",
            "period_key", "severity", "params_json", "injected_cases", "expected_signal", "tag"]  # fmt: skip
    df = pd.DataFrame(rows, columns=cols)
    df.insert(0, "label_id", [f"L{i + 1:05d}" for i in range(len(df))])
    del acc
    return df


def _stuffing_rows(
    add, s, ids, kam_of, etype, pk, per_keys, acc_woc, stuff_aw, master, prm_json, tag
):
    a = s["account"]
    T = len(pk)
    load = [w for w in s["weeks"] if w < T]
    if not load:
        return
    thr = master.acc_target_woc[a] + 4.0
    first = load[0]
    last = load[-1]
    w = last
    while w + 1 < T and acc_woc[a, w + 1] > thr - 1e-9:
        w += 1
    end = w
    keys = list(dict.fromkeys(pk[first : end + 1].tolist()))
    for key in keys:
        wk = np.flatnonzero(pk == key)
        lo, hi = max(int(wk[0]), first), min(int(wk[-1]), end)
        add(scenario="STUFFING", entity_type=etype(a), entity_id=ids[a], related_ids=kam_of[a],
            start_week=lo, end_week=hi, period_key=key, severity=float(s["extra_woc"]),
            params_json=prm_json, injected_cases=round(float(stuff_aw[a, wk].sum()), 3),
            expected_signal="WOC > target + 4 for ≥ 4 weeks; rising age_14_26; PERIOD_END_DEAL; "
                            "digest period", tag=tag)  # fmt: skip


def _overspend_rows(
    add, person, accounts, lo, hi, people, ids, promos, promo_ids, truth_roi, prm_json, tag, T
):
    pid = people.person_ids[person]
    add(scenario="PROMO_OVERSPEND", entity_type="KAM", entity_id=pid,
        related_ids="|".join(ids[a] for a in accounts), start_week=lo, end_week=min(hi, T - 1),
        severity=1.0, params_json=prm_json,
        expected_signal="deeper, more frequent promotions; share with true ROI < 1 rises", tag=tag)  # fmt: skip
    if len(promos) == 0:
        return
    m = promos["a"].isin(accounts).to_numpy() & (promos["start"].to_numpy() >= lo)
    m &= (promos["start"].to_numpy() <= min(hi, T - 1)) & ~promos["cancelled"].to_numpy(dtype=bool)
    m &= promos["mechanic"].isin(["TPR", "EC_COUPON"]).to_numpy()
    for r in np.flatnonzero(m):
        add(scenario="PROMO_OVERSPEND", entity_type="PROMO", entity_id=str(promo_ids[r]),
            related_ids=f"{ids[int(promos.at[r, 'a'])]}|{pid}", start_week=int(promos.at[r, "start"]),
            end_week=int(promos.at[r, "end"]), severity=round(float(truth_roi[r]), 4),
            params_json=prm_json, expected_signal="true ROI (severity) below 1 for most", tag=tag)  # fmt: skip


def _comp_push_row(add, a, ids, kam_of, lo, hi, share_aw, fy, prm_json, tag, T):
    hi = min(hi, T - 1)
    q = 13
    before = share_aw[a, max(0, lo - q) : lo].mean() if lo > 0 else np.nan
    after = share_aw[a, max(lo, hi - q + 1) : hi + 1].mean()
    drop = float(before - after) if np.isfinite(before) else np.nan
    add(scenario="COMPETITOR_PUSH", entity_type="ACCOUNT", entity_id=ids[a], related_ids=kam_of[a],
        start_week=lo, end_week=hi, severity=round(drop, 4) if np.isfinite(drop) else np.nan,
        params_json=prm_json,
        expected_signal="value share at the account erodes 2–3 pts over the year (severity = "
                        "last quarter vs the quarter before the push)", tag=tag)  # fmt: skip
    del fy


def _service_row(add, a, ids, kam_of, lo, hi, otif_line, pk, per_keys, prm_json, tag, T):
    hi = min(hi, T - 1)
    keys = list(dict.fromkeys(pk[lo : hi + 1].tolist()))
    idx = [per_keys.index(k) for k in keys]
    otif = float(np.mean(otif_line[a, idx])) if idx else np.nan
    add(scenario="SERVICE_DEPRIORITISED", entity_type="ACCOUNT", entity_id=ids[a],
        related_ids=kam_of[a], start_week=lo, end_week=hi, severity=round(otif, 4),
        params_json=prm_json,
        expected_signal="line-level OTIF 8–12 pts under the 0.90 KPI (severity = realised mean "
                        "line OTIF); OTIF penalties", tag=tag)  # fmt: skip
