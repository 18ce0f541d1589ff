"""Stage 2 — master data: regions, channels, accounts, stores, products, competitors (SPEC §1.1).

:func:`build_master` returns a :class:`Master` with the public tables (accounts still without
their owner ``kam_id``, which the people stage assigns) and the numeric arrays the later
stages use, indexed by account (sorted ``account_id``), SKU (sorted ``sku_id``) and region.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamlab.sim.config import SimConfig, stage_rng

__all__ = [
    "CATEGORY_PARAMS",
    "CHANNEL_PARAMS",
    "FORMAT_OF_CHANNEL",
    "Master",
    "build_master",
]

VAT = 0.13
FRONT_MARGIN = 0.22  # [conv] retailer front margin in list price (SPEC §1.1 products)

#: channel → (group, target_woc, freight/case, drop cost/order, on-time prob) (SPEC §1.1)
CHANNEL_PARAMS: dict[str, tuple[str, float, float, float, float]] = {
    "HYPER": ("MT", 2.5, 2.5, 300.0, 0.95),
    "SUPER": ("MT", 2.0, 2.8, 250.0, 0.94),
    "CVS": ("MT", 1.5, 3.5, 150.0, 0.96),
    "EC": ("EC", 3.0, 3.0, 200.0, 0.97),
    "DIST": ("TT", 4.0, 1.8, 400.0, 0.97),
}
CHANNELS = tuple(CHANNEL_PARAMS)
FORMAT_OF_CHANNEL = {
    "HYPER": "HYPER",
    "SUPER": "SUPER",
    "CVS": "CVS",
    "EC": "EC_HUB",
    "DIST": "TT_OUTLET",
}

#: category → (brand, cogs ratio, shelf life, elasticity, season amplitude, peak week, growth)
CATEGORY_PARAMS: dict[str, tuple[str, float, int, float, float, int, float]] = {
    "WATER": ("AquaPure", 0.58, 52, -3.0, 0.40, 30, 0.04),
    "CSD": ("FizzUp", 0.45, 39, -2.6, 0.35, 29, -0.01),
    "RTD_TEA": ("LeafTea", 0.42, 39, -2.3, 0.30, 28, 0.06),
    "SNACKS": ("CrunchMate", 0.50, 34, -2.0, 0.10, 4, 0.03),
}
CATEGORIES = tuple(CATEGORY_PARAMS)
#: [conv] share of our consumer units by category (velocities are scaled to it)
CATEGORY_WEIGHT = {"WATER": 0.30, "CSD": 0.25, "RTD_TEA": 0.25, "SNACKS": 0.20}

_REGIONS_BASE = [
    ("R1", "North", "华北", 180.0, 1.00),
    ("R2", "East", "华东", 240.0, 1.00),
    ("R3", "South", "华南", 200.0, 1.00),
    ("R4", "Central", "华中", 220.0, 0.93),
    ("R5", "West", "西部", 190.0, 0.96),
    ("R6", "Northeast", "东北", 100.0, None),
    ("R7", "Northwest", "西北", 70.0, None),
    ("R8", "Southwest", "西南", 110.0, None),
    ("R9", "Southeast", "东南", 90.0, None),
    ("R10", "Inland North", "华北内陆", 80.0, None),
]
_ADJ_DEFAULT = [("R1", "R2"), ("R1", "R4"), ("R1", "R5"), ("R2", "R3"), ("R2", "R4"),
                ("R3", "R4"), ("R4", "R5")]  # fmt: skip
_ADJ_SMALL = [("R1", "R2"), ("R2", "R3"), ("R1", "R3")]

# (pack_type, pack_size, pack_unit, units_per_case, rsp incl VAT, segment, litres-or-kg per unit,
#  velocity factor). Order matters: small worlds take the first two of each brand.
_TEMPLATES: dict[str, list[tuple[str, float, str, int, float, str, float, float]]] = {
    "AquaPure": [
        ("PET", 550, "ml", 24, 2.0, "VALUE", 0.55, 1.0),
        ("MULTIPACK", 550, "ml", 4, 11.0, "VALUE", 3.3, 0.6),
        ("PET", 1.5, "L", 12, 4.5, "MAINSTREAM", 1.5, 1.0),
        ("PET", 380, "ml", 24, 1.8, "VALUE", 0.38, 1.0),
        ("PET", 5, "L", 4, 9.5, "VALUE", 5.0, 0.7),
        ("PET", 330, "ml", 24, 4.5, "PREMIUM", 0.33, 1.0),
        ("PET", 750, "ml", 15, 3.5, "MAINSTREAM", 0.75, 1.0),
        ("GIFT_BOX", 500, "ml", 4, 48.0, "PREMIUM", 6.0, 0.25),
    ],
    "FizzUp": [
        ("CAN", 330, "ml", 24, 3.0, "MAINSTREAM", 0.33, 1.0),
        ("MULTIPACK", 330, "ml", 4, 16.0, "VALUE", 1.98, 0.6),
        ("PET", 500, "ml", 24, 3.5, "MAINSTREAM", 0.5, 1.0),
        ("PET", 2, "L", 6, 7.0, "VALUE", 2.0, 0.8),
        ("CAN", 200, "ml", 24, 2.5, "PREMIUM", 0.2, 1.0),
        ("PET", 1.25, "L", 12, 5.5, "MAINSTREAM", 1.25, 1.0),
        ("GIFT_BOX", 330, "ml", 4, 45.0, "PREMIUM", 3.96, 0.25),
    ],
    "LeafTea": [
        ("PET", 500, "ml", 15, 4.0, "MAINSTREAM", 0.5, 1.0),
        ("MULTIPACK", 500, "ml", 4, 22.0, "VALUE", 3.0, 0.6),
        ("PET", 1, "L", 12, 6.5, "MAINSTREAM", 1.0, 1.0),
        ("CAN", 310, "ml", 24, 3.5, "MAINSTREAM", 0.31, 1.0),
        ("PET", 450, "ml", 15, 5.5, "PREMIUM", 0.45, 1.0),
        ("PET", 900, "ml", 12, 6.0, "VALUE", 0.9, 1.0),
        ("GIFT_BOX", 450, "ml", 4, 68.0, "PREMIUM", 5.4, 0.25),
    ],
    "CrunchMate": [
        ("BAG", 70, "g", 20, 6.0, "MAINSTREAM", 0.07, 1.0),
        ("MULTIPACK", 30, "g", 8, 15.0, "VALUE", 0.18, 0.6),
        ("BAG", 150, "g", 12, 11.0, "MAINSTREAM", 0.15, 1.0),
        ("BAG", 30, "g", 24, 3.0, "VALUE", 0.03, 1.0),
        ("BAG", 100, "g", 16, 12.5, "PREMIUM", 0.10, 1.0),
        ("BAG", 45, "g", 24, 4.5, "MAINSTREAM", 0.045, 1.0),
        ("GIFT_BOX", 500, "g", 6, 58.0, "PREMIUM", 0.5, 0.25),
    ],
}
_VARIANTS = {
    "AquaPure": ["Natural", "Lemon", "Sparkling", "Alkaline", "Peach", "Mineral"],
    "FizzUp": ["Cola", "Orange", "Lemon-Lime", "Zero", "Grape", "Ginger"],
    "LeafTea": ["Green Tea", "Oolong", "Jasmine", "Black Tea", "Honey Lemon", "Barley"],
    "CrunchMate": ["Original", "BBQ", "Seaweed", "Spicy", "Cheese", "Tomato"],
}

_KA_NAMES = {
    ("HYPER", "NATIONAL"): ["HyperOne", "MegaMart", "GrandHyper", "BigValue", "UniHyper"],
    ("SUPER", "REGIONAL"): ["FreshMart", "DailyFresh", "CityMart", "GoodNeighbour", "HomeFresh"],
    ("CVS", "NATIONAL"): ["QuickStop", "EasyGo", "DayNight"],
    ("CVS", "REGIONAL"): ["CornerPlus", "NightOwl", "HandyStop"],
    ("EC", "NATIONAL"): ["ShopStream", "CloudCart", "ClickBasket"],
    ("HYPER", "REGIONAL"): ["ValueHyper", "PeopleHyper", "MarketHall"],
    ("SUPER", "REGIONAL_C"): ["NeighbourMart", "LocalBasket", "SunnyMart"],
}
_STORE_RANGE = {"HYPER": (40, 200), "SUPER": (80, 400), "CVS": (300, 1500), "EC": (4, 8),
                "DIST": (800, 3000)}  # fmt: skip
_CITY_TIER_P = {
    "HYPER": [0.25, 0.35, 0.25, 0.15],
    "SUPER": [0.20, 0.30, 0.30, 0.20],
    "CVS": [0.45, 0.35, 0.15, 0.05],
    "EC_HUB": [0.60, 0.40, 0.0, 0.0],
    "TT_OUTLET": [0.05, 0.15, 0.35, 0.45],
}
_ACV_MEDIAN_K = {"HYPER": 80_000.0, "SUPER": 20_000.0, "CVS": 3_000.0, "EC_HUB": 250_000.0,
                 "TT_OUTLET": 600.0}  # fmt: skip
_CAT_WEIGHT = {"HYPER": 0.06, "SUPER": 0.08, "CVS": 0.15, "EC_HUB": 0.05, "TT_OUTLET": 0.20}
_TIER_ACV = np.array([1.3, 1.0, 0.8, 0.65])
_PAYMENT_DAYS = {"A": 60, "B": 45, "C": 30, "EC": 30, "DIST": 7}


@dataclass
class Master:
    """Master tables and per-entity arrays (accounts, SKUs and regions in sorted-id order)."""

    regions: pd.DataFrame
    region_adjacency: pd.DataFrame
    channels: pd.DataFrame
    accounts: pd.DataFrame  # kam_id filled by the people stage
    stores: pd.DataFrame
    products: pd.DataFrame
    competitors: pd.DataFrame
    elasticity: pd.DataFrame  # truth_elasticity
    # account arrays (A,)
    acc_ids: np.ndarray
    acc_channel: np.ndarray  # index into CHANNELS
    acc_is_dist: np.ndarray
    acc_tier: np.ndarray  # "A"/"B"/"C"
    acc_region: np.ndarray  # hq region index
    acc_price_factor: np.ndarray
    acc_target_woc: np.ndarray
    acc_outlets: np.ndarray  # store_count (TT outlets served for distributors)
    acc_region_weight: np.ndarray  # (A, R) share of the account's stores by region
    # sku arrays (S,)
    sku_ids: np.ndarray
    sku_cat: np.ndarray  # index into CATEGORIES
    sku_brand: np.ndarray  # == sku_cat (one brand per category)
    sku_upc: np.ndarray
    sku_rsp: np.ndarray
    sku_list: np.ndarray
    sku_cogs: np.ndarray
    sku_vol_eq: np.ndarray  # per case
    sku_vel: np.ndarray
    sku_pack: np.ndarray  # pack_type strings
    sku_segment: np.ndarray
    sku_shelf_life: np.ndarray
    sku_launch: np.ndarray
    sku_must: np.ndarray
    sku_elasticity: np.ndarray
    sku_endcap: np.ndarray
    sku_floorstack: np.ndarray
    sku_feature: np.ndarray
    region_ids: np.ndarray
    region_price: np.ndarray
    adjacency: dict[str, list[str]]
    store_scale: float = 1.0  # MT store counts were scaled by this to hit the preset's total

    @property
    def region_rank(self) -> np.ndarray:
        """Each region's position in lexical id order (R1 < R10 < R2), the tables' sort order."""
        return np.argsort(
            np.argsort(self.region_ids.astype(str), kind="mergesort"), kind="mergesort"
        )

    def display_share(self, params: object) -> np.ndarray:
        """(A,) share of each account's stores that take a contracted display [conv]."""
        by = {
            "HYPER": params.display_share_hyper,  # type: ignore[attr-defined]
            "SUPER": params.display_share_super,  # type: ignore[attr-defined]
            "CVS": params.display_share_cvs,  # type: ignore[attr-defined]
        }
        return np.array([by.get(CHANNELS[c], 0.0) for c in self.acc_channel])

    @property
    def n_acc(self) -> int:
        return len(self.acc_ids)

    @property
    def n_sku(self) -> int:
        return len(self.sku_ids)


def _regions(cfg: SimConfig, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    n = cfg.n_regions
    rows = []
    extra_price = rng.uniform(0.92, 1.0, size=len(_REGIONS_BASE))
    for i, (rid, en, cn, pop, price) in enumerate(_REGIONS_BASE[:n]):
        if n == 3 and rid == "R3":
            price = 0.95
        elif n == 3:
            price = 1.0
        if price is None:
            price = round(float(extra_price[i]), 3)
        rows.append((rid, en, cn, pop, float(price)))
    regions = pd.DataFrame(rows, columns=["region_id", "name_en", "name_cn", "population_m",
                                          "list_price_factor"])  # fmt: skip
    if n == 3:
        pairs = _ADJ_SMALL
    elif n == 5:
        pairs = _ADJ_DEFAULT
    else:
        ring = [(f"R{i + 1}", f"R{(i + 1) % n + 1}") for i in range(n)]
        chords = [(f"R{i + 1}", f"R{(i + 3) % n + 1}") for i in range(n)]
        seen: set[frozenset[str]] = set()
        pairs = []
        for a, b in ring + chords:
            key = frozenset((a, b))
            if key not in seen and a != b:
                seen.add(key)
                pairs.append((a, b))
    dist = rng.integers(400, 1600, size=len(pairs))
    freight = np.round(rng.uniform(1.5, 4.0, size=len(pairs)), 1)
    adj = []
    for (a, b), d, f in zip(pairs, dist, freight, strict=True):
        adj.append((a, b, int(d), float(f)))
        adj.append((b, a, int(d), float(f)))
    adjacency = pd.DataFrame(
        adj, columns=["region_a", "region_b", "distance_km", "freight_per_case"]
    )
    adjacency["_ka"] = adjacency.region_a.str[1:].astype(int)
    adjacency["_kb"] = adjacency.region_b.str[1:].astype(int)
    adjacency = adjacency.sort_values(["region_a", "region_b"]).drop(columns=["_ka", "_kb"])
    return regions, adjacency.reset_index(drop=True)


def _products(cfg: SimConfig, rng: np.random.Generator) -> pd.DataFrame:
    brands = [CATEGORY_PARAMS[c][0] for c in CATEGORIES]
    per_brand = [cfg.n_skus // 4 + (1 if b < cfg.n_skus % 4 else 0) for b in range(4)]
    rows = []
    for b, (cat, brand) in enumerate(zip(CATEGORIES, brands, strict=True)):
        tmpl = _TEMPLATES[brand]
        for i in range(per_brand[b]):
            pack, size, unit, upc, rsp, seg, vol_unit, vfac = tmpl[i % len(tmpl)]
            variant = _VARIANTS[brand][(i // len(tmpl)) % len(_VARIANTS[brand])]
            rnd = i // (len(tmpl) * len(_VARIANTS[brand]))
            size_txt = f"{size:g}{unit}"
            prefix = {"MULTIPACK": "6x", "GIFT_BOX": "Gift box "}.get(pack, "")
            name = f"{brand} {variant} {prefix}{size_txt}" + (f" #{rnd + 1}" if rnd else "")
            rows.append(
                {
                    "sku_name": name,
                    "brand": brand,
                    "category": cat,
                    "segment": seg,
                    "pack_type": pack,
                    "pack_size": float(size),
                    "pack_unit": unit,
                    "units_per_case": upc,
                    "volume_eq_per_case": round(vol_unit * upc, 4),
                    "rsp_incl_vat": round(rsp * float(rng.uniform(0.95, 1.06)), 1),
                    "_vfac": vfac,
                }
            )
    df = pd.DataFrame(rows)
    n = len(df)
    df.insert(0, "sku_id", [f"SKU{i + 1:03d}" for i in range(n)])
    cogs_ratio = df.category.map({c: p[1] for c, p in CATEGORY_PARAMS.items()})
    df["list_price_case"] = np.round(
        df.units_per_case * df.rsp_incl_vat / (1 + VAT) * (1 - FRONT_MARGIN), 4
    )
    df["cogs_case"] = np.round(df.list_price_case * cogs_ratio, 4)
    life = df.category.map({c: p[2] for c, p in CATEGORY_PARAMS.items()})
    df["shelf_life_weeks"] = np.where(df.pack_type == "GIFT_BOX", 43, life)
    vel = rng.lognormal(0.0, cfg.params.vel_sigma, size=n) * df._vfac.to_numpy()
    # [conv] the company's category mix is a design fact, not a draw: rescale each brand's
    # velocities to its category weight (units), keeping the lognormal spread within a brand
    cat_w = df.category.map(CATEGORY_WEIGHT).to_numpy()
    gift = (df.pack_type == "GIFT_BOX").to_numpy()
    for c in CATEGORIES:
        m = (df.category == c).to_numpy()
        if m.any():
            # gift boxes are seasonal niche items: at most 15% of the category's mean velocity
            cap = 0.15 * vel[m & ~gift].mean() if (m & ~gift).any() else vel[m].mean()
            vel[m & gift] = np.minimum(vel[m & gift], cap)
            vel[m] = vel[m] / vel[m].sum() * cat_w[m][0] * n
    vel = vel / vel.mean()
    df["_vel"] = vel
    # must-stock: the best sellers among non-gift SKUs
    n_must = max(1, round(0.375 * n))
    cand = df.index[df.pack_type != "GIFT_BOX"]
    must = df.loc[cand, "_vel"].sort_values(ascending=False, kind="mergesort").index[:n_must]
    df["is_must_stock"] = df.index.isin(must)
    # new SKUs: launch in the second fiscal year (later years too on long worlds)
    non_must = [
        i for i in df.index if not df.at[i, "is_must_stock"] and df.at[i, "pack_type"] != "GIFT_BOX"
    ]
    n_new = min(cfg.n_new_skus, len(non_must))
    new_idx = sorted(rng.choice(non_must, size=n_new, replace=False).tolist()) if n_new else []
    last_launch = min(cfg.n_weeks - 16, 52 + 28 if cfg.n_weeks <= 104 else cfg.n_weeks - 40)
    launch = rng.integers(56, max(57, last_launch), size=n_new)
    df["launch_week"] = -1
    df["status"] = "CORE"
    for i, w in zip(new_idx, launch, strict=True):
        df.at[i, "launch_week"] = int(w)
        df.at[i, "status"] = "NEW"
    df["portfolio_role"] = np.select(
        [df.pack_type == "GIFT_BOX", df.segment == "PREMIUM", df.segment == "VALUE"],
        ["SEASONAL", "IMAGE", "TRAFFIC"],
        "PROFIT",
    )
    elast = df.category.map({c: p[3] for c, p in CATEGORY_PARAMS.items()}).to_numpy()
    elast = np.minimum(elast + rng.normal(0, 0.3, size=n), -0.8)
    df["_elasticity"] = np.round(elast, 4)
    df["planning_elasticity"] = np.round(
        np.minimum(elast * rng.uniform(1.05, 1.35, size=n), -0.5), 2
    )
    mult = rng.lognormal(0, 0.05, size=(n, 3))
    df["_endcap"] = np.round(np.maximum(1.0, 1.35 * mult[:, 0]), 4)
    df["_floor"] = np.round(np.maximum(1.0, 1.60 * mult[:, 1]), 4)
    df["_feature"] = np.round(np.maximum(1.0, 1.20 * mult[:, 2]), 4)
    return df


def _accounts(cfg: SimConfig, rng: np.random.Generator, regions: pd.DataFrame) -> pd.DataFrame:
    rids = regions.region_id.tolist()
    price = dict(zip(regions.region_id, regions.list_price_factor, strict=True))
    rows = []
    name_use: dict[tuple[str, str], int] = {}
    nat_i = reg_i = 0
    c_region: str | None = None
    for ch, tier, scope in cfg.ka_slots:
        if scope == "NATIONAL":
            hq = rids[nat_i % min(3, len(rids))]
            nat_i += 1
            auth = "|".join(rids)
        else:
            if tier == "C":
                if c_region is None:
                    c_region = rids[reg_i % len(rids)]
                    reg_i += 1
                hq = c_region
                c_region = None if sum(1 for r in rows if r["_c_region"] == hq) >= 1 else hq
            else:
                hq = rids[reg_i % len(rids)]
                reg_i += 1
            auth = hq
        key = (ch, "REGIONAL_C" if (tier == "C" and ch == "SUPER") else scope)
        pool = _KA_NAMES.get(key) or _KA_NAMES[(ch, "NATIONAL" if ch != "SUPER" else "REGIONAL")]
        k = name_use.get(key, 0)
        name_use[key] = k + 1
        base = pool[k % len(pool)] + (f" {k // len(pool) + 1}" if k >= len(pool) else "")
        region_name = regions.set_index("region_id").at[hq, "name_en"]
        name = base if scope == "NATIONAL" else f"{base} {region_name}"
        lo, hi = _STORE_RANGE[ch]
        rows.append(
            {
                "account_name": name,
                "banner": base,
                "account_type": "KA",
                "channel": ch,
                "scope": scope,
                "hq_region_id": hq,
                "authorized_regions": auth,
                "tier": tier,
                "store_count": int(rng.integers(lo, hi + 1)),
                "payment_terms_days": _PAYMENT_DAYS["EC" if ch == "EC" else tier],
                "price_factor": 1.0,
                "_c_region": hq if tier == "C" else None,
            }
        )
    # scale MT store counts to the preset's total
    mt = [r for r in rows if r["channel"] in ("HYPER", "SUPER", "CVS")]
    k = cfg.mt_stores / max(1, sum(r["store_count"] for r in mt))
    for r in rows:
        r["_scale"] = k
    for r in mt:
        r["store_count"] = max(3, round(r["store_count"] * k))
    dist_count: dict[str, int] = {}
    for reg in cfg.dist_regions:
        dist_count[reg] = dist_count.get(reg, 0) + 1
        region_name = regions.set_index("region_id").at[reg, "name_en"]
        suffix = f" {dist_count[reg]}" if cfg.dist_regions.count(reg) > 1 else ""
        lo, hi = _STORE_RANGE["DIST"]
        rows.append(
            {
                "account_name": f"{region_name} Trading{suffix}",
                "banner": "Distributor",
                "account_type": "DISTRIBUTOR",
                "channel": "DIST",
                "scope": "REGIONAL",
                "hq_region_id": reg,
                "authorized_regions": reg,
                "tier": "B",
                "store_count": int(rng.integers(lo, hi + 1)),
                "payment_terms_days": _PAYMENT_DAYS["DIST"],
                "price_factor": float(price[reg]),
                "_c_region": None,
            }
        )
    df = pd.DataFrame(rows).drop(columns=["_c_region"])
    df["_scale"] = k
    df.insert(0, "account_id", [f"ACC{i + 1:03d}" for i in range(len(df))])
    df["channel_group"] = df.channel.map({c: p[0] for c, p in CHANNEL_PARAMS.items()})
    df["target_woc"] = df.channel.map({c: p[1] for c, p in CHANNEL_PARAMS.items()})
    df["order_weekday"] = rng.integers(0, 5, size=len(df))
    df["start_week"] = 0
    df["kam_id"] = ""
    return df


def _stores(
    cfg: SimConfig, rng: np.random.Generator, accounts: pd.DataFrame, regions: pd.DataFrame
) -> pd.DataFrame:
    rids = regions.region_id.to_numpy()
    pop = regions.population_m.to_numpy()
    parts = []
    for acc in accounts.itertuples(index=False):
        if acc.channel == "DIST":
            continue
        fmt = FORMAT_OF_CHANNEL[acc.channel]
        n = int(acc.store_count)
        auth = acc.authorized_regions.split("|")
        mask = np.isin(rids, auth)
        p = pop * mask
        reg = rng.choice(len(rids), size=n, p=p / p.sum())
        parts.append(pd.DataFrame({"account_id": acc.account_id, "_r": reg, "format": fmt}))
    # TT audit-panel outlets, served by the distributors of their region
    dists = accounts[accounts.channel == "DIST"]
    for r_i, rid in enumerate(rids):
        ds = dists[dists.hq_region_id == rid].account_id.tolist()
        if not ds:
            continue
        n = cfg.params.audit_tt_per_region
        parts.append(
            pd.DataFrame(
                {
                    "account_id": [ds[i % len(ds)] for i in range(n)],
                    "_r": r_i,
                    "format": "TT_OUTLET",
                }
            )
        )
    st = pd.concat(parts, ignore_index=True)
    n = len(st)
    st.insert(0, "store_id", [f"ST{i + 1:05d}" for i in range(n)])
    st["region_id"] = rids[st["_r"].to_numpy()]
    fmt = st["format"].to_numpy()
    u = rng.random(n)
    tier = np.zeros(n, dtype=np.int64)
    for f, probs in _CITY_TIER_P.items():
        m = fmt == f
        tier[m] = np.searchsorted(np.cumsum(probs), u[m] * 0.999999) + 1
    st["city_tier"] = tier
    med = np.array([_ACV_MEDIAN_K[f] for f in fmt])
    st["acv_rmb_k"] = np.round(med * _TIER_ACV[tier - 1] * rng.lognormal(0, 0.45, size=n), 1)
    cw = np.array([_CAT_WEIGHT[f] for f in fmt])
    st["category_weight"] = np.round(rng.beta(cw * 40, (1 - cw) * 40), 4)
    opens = rng.random(n) < 0.04
    is_mt = np.isin(fmt, ["HYPER", "SUPER", "CVS"])
    late = opens & is_mt
    st["open_week"] = np.where(
        late, rng.integers(4, max(5, cfg.n_weeks - 8), size=n), -rng.integers(1, 520, size=n)
    )
    # audit panel: 20 stores per KA account (all if fewer) + every TT panel outlet
    panel = np.zeros(n, dtype=bool)
    panel[fmt == "TT_OUTLET"] = True
    order = rng.random(n)
    for acc_id, idx in st[fmt != "TT_OUTLET"].groupby("account_id").groups.items():
        del acc_id
        idx = np.asarray(idx)
        chosen = idx[
            np.argsort(order[idx], kind="mergesort")[: cfg.params.audit_stores_per_account]
        ]
        panel[chosen] = True
    st["is_audit_panel"] = panel
    return st.drop(columns=["_r"])


def build_master(cfg: SimConfig) -> Master:
    """Stage 2: build the master data of ``cfg``'s world (stream MASTER, stores on STORES)."""
    rng = stage_rng(cfg.seed, "MASTER")
    regions, adjacency = _regions(cfg, rng)
    products = _products(cfg, rng)
    accounts = _accounts(cfg, rng, regions)
    stores = _stores(cfg, stage_rng(cfg.seed, "STORES"), accounts, regions)
    # account ACV from its stores (distributors: outlets × a typical TT outlet)
    acv = stores.groupby("account_id").acv_rmb_k.mean()
    acc_acv = []
    for acc in accounts.itertuples(index=False):
        mean_k = acv.get(acc.account_id, _ACV_MEDIAN_K["TT_OUTLET"] * 1.1)
        if acc.channel == "DIST":
            mean_k = _ACV_MEDIAN_K["TT_OUTLET"] * 1.1
        acc_acv.append(round(float(mean_k) * acc.store_count / 1000.0, 3))
    accounts["acv_rmb_m"] = acc_acv
    channels = pd.DataFrame(
        [(c, *p) for c, p in CHANNEL_PARAMS.items()],
        columns=["channel", "channel_group", "target_woc", "freight_per_case",
                 "drop_cost_per_order", "on_time_prob"],
    )  # fmt: skip
    competitors = pd.DataFrame(
        {
            "brand_owner": ["OURS", "COMP_A", "COMP_B", "PRIVATE_LABEL", "OTHERS"],
            "name": ["Our company", "Competitor A (national leader)", "Competitor B",
                     "Retailer private label", "Other brands"],
            "mt_only": [False, False, False, True, False],
        }
    )  # fmt: skip
    elasticity = pd.DataFrame(
        {
            "sku_id": products.sku_id,
            "elasticity": products._elasticity,
            "display_mult": products._endcap,
            "floorstack_mult": products._floor,
            "feature_mult": products._feature,
        }
    )
    rids = regions.region_id.to_numpy()
    r_index = {r: i for i, r in enumerate(rids)}
    A = len(accounts)
    weight = np.zeros((A, len(rids)))
    counts = stores[stores.format != "TT_OUTLET"].groupby(["account_id", "region_id"]).size()
    acc_pos = {a: i for i, a in enumerate(accounts.account_id)}
    for (a, r), c in counts.items():
        weight[acc_pos[a], r_index[r]] = c
    for i, acc in enumerate(accounts.itertuples(index=False)):
        if weight[i].sum() == 0:
            weight[i, r_index[acc.hq_region_id]] = 1.0
    weight = weight / weight.sum(axis=1, keepdims=True)
    adj: dict[str, list[str]] = {r: [] for r in rids}
    for a, b in zip(adjacency.region_a, adjacency.region_b, strict=True):
        adj[a].append(b)
    store_scale = float(accounts["_scale"].iloc[0])
    accounts = accounts.drop(columns=["_scale"])
    return Master(
        store_scale=store_scale,
        regions=regions,
        region_adjacency=adjacency,
        channels=channels,
        accounts=accounts,
        stores=stores,
        products=products.drop(columns=[c for c in products.columns if c.startswith("_")]),
        competitors=competitors,
        elasticity=elasticity,
        acc_ids=accounts.account_id.to_numpy(),
        acc_channel=accounts.channel.map({c: i for i, c in enumerate(CHANNELS)}).to_numpy(),
        acc_is_dist=(accounts.channel == "DIST").to_numpy(),
        acc_tier=accounts.tier.to_numpy(),
        acc_region=accounts.hq_region_id.map(r_index).to_numpy(),
        acc_price_factor=accounts.price_factor.to_numpy(dtype=float),
        acc_target_woc=accounts.target_woc.to_numpy(dtype=float),
        acc_outlets=accounts.store_count.to_numpy(dtype=float),
        acc_region_weight=weight,
        sku_ids=products.sku_id.to_numpy(),
        sku_cat=products.category.map({c: i for i, c in enumerate(CATEGORIES)}).to_numpy(),
        sku_brand=products.category.map({c: i for i, c in enumerate(CATEGORIES)}).to_numpy(),
        sku_upc=products.units_per_case.to_numpy(dtype=float),
        sku_rsp=products.rsp_incl_vat.to_numpy(dtype=float),
        sku_list=products.list_price_case.to_numpy(dtype=float),
        sku_cogs=products.cogs_case.to_numpy(dtype=float),
        sku_vol_eq=products.volume_eq_per_case.to_numpy(dtype=float),
        sku_vel=products._vel.to_numpy(dtype=float),
        sku_pack=products.pack_type.to_numpy(),
        sku_segment=products.segment.to_numpy(),
        sku_shelf_life=products.shelf_life_weeks.to_numpy(dtype=np.int64),
        sku_launch=products.launch_week.to_numpy(dtype=np.int64),
        sku_must=products.is_must_stock.to_numpy(dtype=bool),
        sku_elasticity=products._elasticity.to_numpy(dtype=float),
        sku_endcap=products._endcap.to_numpy(dtype=float),
        sku_floorstack=products._floor.to_numpy(dtype=float),
        sku_feature=products._feature.to_numpy(dtype=float),
        region_ids=rids,
        region_price=regions.list_price_factor.to_numpy(dtype=float),
        adjacency=adj,
    )
