"""Stage 3 — plans and agreements: trade terms, rebate tiers, targets, mix plan (SPEC §1.2, §3.8).

Terms follow the defaults of SPEC §1.2 by segment (tier A / B / C, EC, DIST); their generosity
scales with the owner's negotiation level: rates and fees × ``(base − 0.05 × (C3 − 1))``.
The mix plan comes from the *expected* clean demand (λ with planned promotions), so a clean
world sits on plan; the targets are the annual plan of :mod:`kamlab.sim.annual_plan`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamlab.sim.config import SimConfig, stage_rng
from kamlab.sim.master import CHANNELS, Master
from kamlab.sim.people import People

__all__ = ["TERMS_DEFAULT", "Terms", "build_mix_plan", "build_terms"]

#: segment → term values (SPEC §1.2 trade_terms defaults)
TERMS_DEFAULT: dict[str, dict[str, float]] = {
    "A": dict(on_inv=0.06, uncond=0.03, listing=300, endcap=2000, floor=4000, dm=15000,
              festival=150_000, anniv=100_000, ec_fee=0.0, logistics=0.01, pay=60),
    "B": dict(on_inv=0.04, uncond=0.02, listing=200, endcap=1200, floor=2500, dm=8000,
              festival=80_000, anniv=50_000, ec_fee=0.0, logistics=0.0, pay=45),
    "C": dict(on_inv=0.03, uncond=0.01, listing=100, endcap=800, floor=1500, dm=4000,
              festival=40_000, anniv=20_000, ec_fee=0.0, logistics=0.0, pay=30),
    "EC": dict(on_inv=0.05, uncond=0.02, listing=0, endcap=0, floor=0, dm=20000,
               festival=0, anniv=0, ec_fee=0.03, logistics=0.0, pay=30),
    "DIST": dict(on_inv=0.02, uncond=0.0, listing=0, endcap=0, floor=0, dm=0,
                 festival=0, anniv=0, ec_fee=0.0, logistics=0.0, pay=7),
}  # fmt: skip
GROWTH_TIERS = [(0.0, 0.05, 0.01), (0.05, 0.10, 0.02), (0.10, None, 0.03)]
TARGET_TIERS = [(0.9, 1.0, 0.01), (1.0, 1.1, 0.02), (1.1, None, 0.03)]


@dataclass
class Terms:
    """Per account × fiscal year terms as arrays (A, Y) plus the per-account fee rates."""

    years: list[int]
    segment: list[str]
    gen: np.ndarray  # (A,) generosity multiplier
    on_inv: np.ndarray  # (A,)
    uncond: np.ndarray
    ec_fee: np.ndarray
    logistics: np.ndarray
    listing: np.ndarray
    endcap: np.ndarray
    floor: np.ndarray
    dm: np.ndarray
    festival: np.ndarray
    anniv: np.ndarray
    pay_days: np.ndarray
    tier_rates: np.ndarray  # (A, 3) growth (KA) or attainment (DIST) tier rates
    anniversary_period: np.ndarray  # (A,) fiscal period (1–12) of the store anniversary
    otif_kpi: float = 0.90
    case_fill_kpi: float = 0.95
    otif_penalty_pct: float = 0.03
    clearance_pct: float = 0.40

    def fees(self) -> dict[str, np.ndarray]:
        return {"endcap": self.endcap, "floorstack": self.floor, "dm": self.dm}


def segment_of(channel: str, tier: str) -> str:
    if channel == "DIST":
        return "DIST"
    if channel == "EC":
        return "EC"
    return tier


def build_terms(cfg: SimConfig, master: Master, people: People, years: list[int]) -> Terms:
    """Stage 3a: trade terms and tier rates (stream PLANS, sub-key 1)."""
    rng = stage_rng(cfg.seed, "PLANS", 1)
    acc = master.accounts
    seg = [segment_of(c, t) for c, t in zip(acc.channel, acc.tier, strict=True)]
    c3 = people.levels[people.owner, 2]
    gen = cfg.params.generosity_base - 0.05 * (c3 - 1)

    table = {k: dict(v) for k, v in TERMS_DEFAULT.items()}
    table["DIST"]["on_inv"] = cfg.params.dist_on_invoice
    table["DIST"]["uncond"] = cfg.params.dist_uncond
    table["EC"]["ec_fee"] = cfg.params.ec_platform_fee

    # [conv] fees keep their weight in the account's sales across presets: lump sums scale with
    # the chain's size (the small preset's chains are a tenth as big) and with our range (40
    # SKUs in the default preset), per-store display fees with our range
    rng_scale = master.n_sku / 40.0
    size = np.array([master.store_scale if s in ("A", "B", "C") else 1.0 for s in seg]) * rng_scale

    def col(key: str, money: bool = False) -> np.ndarray:
        v = np.array([table[s][key] for s in seg], dtype=float) * gen
        if key in ("festival", "anniv", "dm"):
            v = v * size
        elif key in ("endcap", "floor"):
            v = v * rng_scale
        return np.round(v, 0) if money else np.round(v, 4)

    base_rates = np.array([[r for _, _, r in (TARGET_TIERS if s == "DIST" else GROWTH_TIERS)]
                           for s in seg])  # fmt: skip
    return Terms(
        years=years,
        segment=seg,
        gen=gen,
        on_inv=col("on_inv"),
        uncond=col("uncond"),
        ec_fee=col("ec_fee"),
        logistics=col("logistics"),
        listing=col("listing", True),
        endcap=col("endcap", True),
        floor=col("floor", True),
        dm=col("dm", True),
        festival=col("festival", True),
        anniv=col("anniv", True),
        pay_days=np.array([TERMS_DEFAULT[s]["pay"] for s in seg], dtype=np.int64),
        tier_rates=np.round(base_rates * gen[:, None], 4),
        anniversary_period=rng.integers(3, 12, size=len(acc)),
    )


def terms_table(master: Master, terms: Terms, growth_base: np.ndarray) -> pd.DataFrame:
    """trade_terms rows (account × fiscal year); ``growth_base`` is (A, Y) LY eligible GS."""
    rows = []
    for a, acc_id in enumerate(master.acc_ids):
        for y, fy in enumerate(terms.years):
            rows.append(
                {
                    "account_id": acc_id,
                    "fiscal_year": fy,
                    "on_invoice_discount_pct": terms.on_inv[a],
                    "unconditional_rebate_pct": terms.uncond[a],
                    "growth_rebate_mode": "RETRO",
                    "growth_base_gs": round(float(growth_base[a, y]), 2),
                    "listing_fee_per_sku_store": terms.listing[a],
                    "endcap_fee_per_store_period": terms.endcap[a],
                    "floorstack_fee_per_store_period": terms.floor[a],
                    "dm_fee_per_issue": terms.dm[a],
                    "festival_fee_annual": terms.festival[a],
                    "anniversary_fee_annual": terms.anniv[a],
                    "ec_platform_fee_pct": terms.ec_fee[a],
                    "logistics_allowance_pct": terms.logistics[a],
                    "payment_terms_days": int(terms.pay_days[a]),
                    "case_fill_kpi": terms.case_fill_kpi,
                    "otif_kpi": terms.otif_kpi,
                    "otif_penalty_pct": terms.otif_penalty_pct,
                    "aged_stock_clearance_pct": terms.clearance_pct,
                }
            )
    return pd.DataFrame(rows)


def tiers_table(master: Master, terms: Terms) -> pd.DataFrame:
    rows = []
    for a, acc_id in enumerate(master.acc_ids):
        dist = terms.segment[a] == "DIST"
        bands = TARGET_TIERS if dist else GROWTH_TIERS
        for fy in terms.years:
            for k, (lo, hi, _) in enumerate(bands):
                rows.append(
                    {
                        "account_id": acc_id,
                        "fiscal_year": fy,
                        "rebate_type": "TARGET_ATTAINMENT" if dist else "GROWTH",
                        "tier_no": k + 1,
                        "lower_bound": lo,
                        "upper_bound": np.nan if hi is None else hi,
                        "rate": terms.tier_rates[a, k],
                    }
                )
    df = pd.DataFrame(rows)
    df["upper_bound"] = df["upper_bound"].astype("float64")
    return df


def tier_rate(
    x: np.ndarray, bands: list[tuple[float, float | None, float]], rates: np.ndarray
) -> np.ndarray:
    """Rate of the tier that ``x`` (growth or attainment) reaches; 0 below the first tier.

    ``rates`` is (n, k) per entity. Lower bounds are inclusive (``x >= lo − 1e-9``).
    """
    x = np.asarray(x, dtype=float)
    out = np.zeros_like(x)
    for k, (lo, _hi, _r) in enumerate(bands):
        out = np.where(x >= lo - 1e-9, rates[..., k], out)
    return out


def _shares(vol: dict[str, float]) -> dict[str, float]:
    tot = sum(vol.values())
    if tot <= 0:
        return {}
    r = {k: round(v / tot, 2) for k, v in vol.items() if v > 0}
    s = sum(r.values())
    if s <= 0:
        return {k: 1.0 / len(r) for k in r}
    return {k: v / s for k, v in r.items()}


def build_mix_plan(
    master: Master,
    cal: pd.DataFrame,
    n_weeks: int,
    exp_cases: np.ndarray,
    pair_a: np.ndarray,
    pair_s: np.ndarray,
) -> pd.DataFrame:
    """mix_plan: planned CHANNEL / BRAND / PACK_TYPE shares of volume, per year and scope.

    Volume is ``volume_eq`` (litres for beverages, kg for snacks), so a 4-pack case and a
    24-bottle case weigh what they hold. Shares are the expected clean mix (λ with the clean
    promotion calendar, summed over the plan year), rounded to 0.01 and renormalised. REGION
    scope groups accounts by headquarters region.
    """
    fy = cal.fiscal_year.to_numpy()[:n_weeks]
    ch = np.array([CHANNELS[c] for c in master.acc_channel])[pair_a]
    brand = master.products.brand.astype(str).to_numpy()[pair_s]
    pack = master.sku_pack[pair_s]
    region = master.region_ids[master.acc_region][pair_a]
    acc = master.acc_ids[pair_a]
    rows = []
    veq = master.sku_vol_eq[pair_s]
    for year in list(dict.fromkeys(fy.tolist())):
        v = exp_cases[:, fy == year].sum(axis=1) * veq
        frame = pd.DataFrame({"CHANNEL": ch, "BRAND": brand, "PACK_TYPE": pack, "region": region,
                              "account": acc, "v": v})  # fmt: skip
        scopes = [("COMPANY", "ALL", frame)]
        scopes += [("REGION", r, g) for r, g in frame.groupby("region", sort=False)]
        scopes += [("ACCOUNT", a, g) for a, g in frame.groupby("account", sort=False)]
        for scope_type, scope_id, g in scopes:
            dims = (
                ["BRAND", "PACK_TYPE"]
                if scope_type == "ACCOUNT"
                else ["CHANNEL", "BRAND", "PACK_TYPE"]
            )
            for dim in dims:
                vol = g.groupby(dim, sort=True)["v"].sum().to_dict()
                for member, share in _shares(vol).items():
                    rows.append((year, scope_type, scope_id, dim, member, share))
    df = pd.DataFrame(rows, columns=["fiscal_year", "scope_type", "scope_id", "dimension", "member",
                                     "planned_share"])  # fmt: skip
    return df
