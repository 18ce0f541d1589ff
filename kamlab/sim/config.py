"""Simulation configuration: presets, model parameters, scenario specs, random streams.

:class:`SimConfig` says *what* world to build (preset sizes, seed, scenario knobs, model
parameters) and is JSON-serialisable (:meth:`SimConfig.to_dict` / :meth:`SimConfig.from_dict`),
so a saved world's ``meta.json`` rebuilds it exactly. :class:`ModelParams` holds the model's
free parameters; those marked [conv] in SPEC §3 are the ones calibration may tune (§3.14).

Determinism (SPEC §3.1): every stage draws from its own stream
``np.random.SeedSequence([seed, STAGE_ID, *sub])`` with the fixed ids of :data:`STAGE_IDS`.
Adding a stage adds an id and shifts no other stream. Sub-keys (an account index, a week …)
give independent sub-streams where the number of draws would otherwise depend on data.

>>> cfg = SimConfig.preset("small", seed=11)
>>> cfg.n_ka, cfg.n_dist, cfg.n_skus, cfg.n_weeks
(4, 3, 8, 104)
>>> SimConfig.from_dict(cfg.to_dict()) == cfg
True
>>> float(stage_rng(11, "DEMAND").random()) == float(stage_rng(11, "DEMAND").random())
True
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from kamlab.data.schemas import SCENARIOS

__all__ = [
    "PRESETS",
    "STAGE_IDS",
    "ModelParams",
    "ScenarioSpec",
    "SimConfig",
    "stage_rng",
    "stage_seed",
]

#: Fixed stream ids, one per stage (SPEC §3.1). Never renumber; only append.
STAGE_IDS: dict[str, int] = {
    "CALENDAR": 1,
    "MASTER": 2,
    "DEMAND": 3,
    "PROMO": 4,
    "ORDERS": 5,
    "SUPPLY": 6,
    "FORECAST": 7,
    "MARKET": 8,
    "AUDIT": 9,
    "PEOPLE": 10,
    "SCENARIO": 11,
    "PLANS": 12,
    "DISTRIBUTORS": 13,
    "SPEND": 14,
    "DELIVERY": 15,
    "SCORES": 16,
    "COMPETITION": 17,
    "CONTACTS": 18,
    "PLAN_REPLAY": 19,
    "PRICES": 20,
    "STORES": 21,
}


def stage_seed(seed: int, stage: str, *sub: int) -> np.random.SeedSequence:
    """The seed sequence of ``stage`` (and optional integer sub-keys) for world ``seed``."""
    if stage not in STAGE_IDS:
        raise ValueError(f"unknown stage {stage!r}; stages are {', '.join(STAGE_IDS)}.")
    return np.random.SeedSequence([int(seed), STAGE_IDS[stage], *(int(s) for s in sub)])


def stage_rng(seed: int, stage: str, *sub: int) -> np.random.Generator:
    """A fresh generator on the stream of ``stage`` (see :func:`stage_seed`)."""
    return np.random.default_rng(stage_seed(seed, stage, *sub))


# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ScenarioSpec:
    """One scenario knob (SPEC §3.11): its ``kind`` and parameters overriding the defaults.

    >>> ScenarioSpec("STUFFING", {"extra_woc": [12]}).kind
    'STUFFING'
    """

    kind: str
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in SCENARIOS:
            raise ValueError(
                f"ScenarioSpec kind {self.kind!r} is not a scenario; use one of "
                f"{', '.join(SCENARIOS)}."
            )
        if not isinstance(self.params, dict):
            raise ValueError(
                f"ScenarioSpec params must be a dict of parameter → value; got "
                f"{type(self.params).__name__}."
            )

    def __hash__(self) -> int:  # params is a dict: hash the canonical JSON
        return hash((self.kind, json.dumps(self.params, sort_keys=True, default=str)))

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "params": dict(self.params)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ScenarioSpec:
        return cls(kind=d["kind"], params=dict(d.get("params", {})))


# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ModelParams:
    """Free parameters of the world's models; [conv] = convention, tuned by calibration.

    Sourced figures (SPEC §2–§3 with [src]) are not here: they are constants of the stages.
    """

    # demand (§3.3)
    ros_hyper: float = 60.0  # [conv] units/store/week of a typical SKU
    ros_super: float = 20.0
    ros_cvs: float = 4.0
    ros_ec_hub: float = 400.0
    ros_tt: float = 1.5
    vel_sigma: float = 1.1
    demand_sigma: float = 0.15
    oos_mean: float = 0.07
    oos_kappa: float = 50.0
    list_prob_a: float = 0.95
    list_prob_b: float = 0.85
    list_prob_c: float = 0.75
    growth_sd: float = 0.03
    comp_promo_prob: float = 0.15
    comp_promo_effect: float = 0.90
    # promotions (§3.4)
    mt_promo_weeks: int = 2  # [conv] duration of an MT promotion (SPEC §3.4: 2 weeks)
    event_skus_lo: int = 2  # [conv] SKUs per promotion event (SPEC §3.4: 2–6)
    event_skus_hi: int = 6
    depth_lo: float = 0.10
    depth_hi: float = 0.30
    display_prob: float = 0.5
    feature_prob: float = 0.4
    display_share_hyper: float = 0.6  # [conv] share of an account's stores taking a display
    display_share_super: float = 0.5
    display_share_cvs: float = 0.2
    scanback_share: float = 0.35  # [conv] manufacturer's share of the price cut (SPEC §3.4: 0.8)
    deal_weeks: int = 4  # [conv] length of a distributor trade deal's buy window
    cannibalisation: float = 0.20
    comp_switch_share: float = 0.5
    plan_optimism_mu: float = 0.15
    plan_optimism_sd: float = 0.20
    # ordering (§3.6)
    order_alpha: float = 0.5
    order_noise_sd: float = 0.10
    moq_ka: int = 5
    moq_dist: int = 20
    # forecasts (§3.6.2)
    fc_sigma_l1: float = 0.20
    fc_sigma_l2: float = 0.28
    fc_sigma_l4: float = 0.38
    fc_promo_sigma_mult: float = 1.5
    fc_b_promo: float = 0.15
    fc_b_kam_sd: float = 0.03
    fc_eta_sd: float = 0.10
    # supply (§3.6.3–4)
    prod_forecast_mult: float = 1.05
    dc_target_weeks: float = 1.5  # [conv] DC stock target in weeks of demand (SPEC §3.6: 2)
    dc_gain: float = 0.5
    capacity_mult: float = 1.15  # [conv] capacity / mean weekly demand (SPEC §3.6: 1.25)
    shock_prob: float = 0.02
    shock_lo: float = 0.3
    shock_hi: float = 0.7
    credit_hold_prob: float = 0.01
    # delivery (§3.6.5)
    late_poisson: float = 0.8
    # trade terms (§3.8)
    display_endcap_share: float = 0.6  # of displays, share that are end-caps (rest floor stacks)
    dist_on_invoice: float = 0.04  # [conv] distributor on-invoice discount (SPEC §1.2: 0.02)
    dist_uncond: float = 0.03  # [conv] distributor unconditional rebate (SPEC §1.2: 0)
    ec_platform_fee: float = 0.05  # [conv] EC marketing-resource fee on GS (SPEC §1.2: 0.03)
    generosity_base: float = 1.40  # [conv] terms × (base − 0.05 × (C3 − 1)) (SPEC §3.8: 1.15)
    # audits (§3.9)
    audit_stores_per_account: int = 20
    audit_tt_per_region: int = 40
    # annual plan and targets (§1.2): volume stretch U(0, max) per account-year; share gain
    plan_stretch_max: float = 0.03  # [conv] (was U(0.02, 0.08))
    plan_share_gain: float = 0.003  # [conv] planned value-share gain (0.3 points)
    plan_error_sd: float = 0.02  # [conv] the planner's account-level volume forecast error
    # simulated assessment scores (§3.10)
    score_offset: float = 1.0  # [conv] logistic offset (SPEC §3.10: 0.5); see kamlab.sim.scores

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ModelParams:
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - names)
        if unknown:
            raise ValueError(f"unknown model parameter(s): {', '.join(unknown)}.")
        return cls(**d)


# ---------------------------------------------------------------------------------------------
#: Preset sizes (SPEC §3.13). ``ka_slots`` lists (channel, tier, scope) of the KA accounts;
#: ``dist_regions`` the region of each distributor; people = ka_staff + rsm + kad.
PRESETS: dict[str, dict[str, Any]] = {
    "small": {
        "n_regions": 3,
        "ka_slots": [("HYPER", "A", "NATIONAL"), ("CVS", "A", "REGIONAL"),
                     ("SUPER", "B", "REGIONAL"), ("EC", "A", "NATIONAL")],
        "dist_regions": ["R1", "R2", "R3"],
        "n_skus": 8,
        "n_weeks": 104,
        "mt_stores": 120,
        "n_ka_staff": 2,
        "n_rsm": 3,
        "n_kad": 1,
        "n_new_skus": 1,
    },
    "default": {
        "n_regions": 5,
        "ka_slots": [("HYPER", "A", "NATIONAL")] * 3 + [("SUPER", "B", "REGIONAL")] * 3
        + [("CVS", "A", "NATIONAL"), ("CVS", "B", "REGIONAL")] + [("EC", "A", "NATIONAL")] * 2
        + [("HYPER", "C", "REGIONAL"), ("SUPER", "C", "REGIONAL")],
        "dist_regions": ["R1", "R2", "R2", "R3", "R4", "R5"],
        "n_skus": 40,
        "n_weeks": 104,
        "mt_stores": 3000,
        "n_ka_staff": 12,
        "n_rsm": 5,
        "n_kad": 2,
        "n_new_skus": 4,
    },
    "large": {
        "n_regions": 10,
        "ka_slots": ([("HYPER", "A", "NATIONAL")] * 3 + [("SUPER", "B", "REGIONAL")] * 3
                     + [("CVS", "A", "NATIONAL"), ("CVS", "B", "REGIONAL")]
                     + [("EC", "A", "NATIONAL")] * 2
                     + [("HYPER", "C", "REGIONAL"), ("SUPER", "C", "REGIONAL")]) * 5,
        "dist_regions": [f"R{1 + i // 3}" for i in range(30)],
        "n_skus": 200,
        "n_weeks": 156,
        "mt_stores": 20000,
        "n_ka_staff": 58,
        "n_rsm": 30,
        "n_kad": 7,
        "n_new_skus": 20,
    },
}  # fmt: skip


def _scenario_list(value: Any) -> tuple[str, tuple[ScenarioSpec, ...] | None]:
    """Normalise a ``scenarios`` argument to (set name, explicit specs or None for default)."""
    if isinstance(value, str):
        if value == "default":
            return "default", None
        if value == "none":
            return "none", ()
        raise ValueError(
            f"scenarios must be 'default', 'none' or a list of ScenarioSpec; got {value!r}."
        )
    try:
        specs = tuple(
            s if isinstance(s, ScenarioSpec) else ScenarioSpec.from_dict(s) for s in value
        )
    except (TypeError, KeyError, AttributeError):
        raise ValueError(
            "scenarios must be 'default', 'none' or a list of ScenarioSpec(kind, params)."
        ) from None
    return "custom", specs


@dataclass(frozen=True)
class SimConfig:
    """Everything that determines a world: preset sizes, seed, scenario knobs, parameters.

    Build one with :meth:`preset`; ``scenarios`` is ``"default"`` (the set of SPEC §3.12 plus
    the CAPSTONE account), ``"none"`` (a clean world) or a list of :class:`ScenarioSpec`.
    """

    preset_name: str
    seed: int
    scenario_set: str
    scenarios: tuple[ScenarioSpec, ...] | None
    n_regions: int
    ka_slots: tuple[tuple[str, str, str], ...]
    dist_regions: tuple[str, ...]
    n_skus: int
    n_weeks: int
    mt_stores: int
    n_ka_staff: int
    n_rsm: int
    n_kad: int
    n_new_skus: int
    params: ModelParams = field(default_factory=ModelParams)
    horizon_weeks: int = 13  # weeks beyond the world that simulate_plan can replay

    @property
    def n_ka(self) -> int:
        return len(self.ka_slots)

    @property
    def n_dist(self) -> int:
        return len(self.dist_regions)

    @property
    def n_accounts(self) -> int:
        return self.n_ka + self.n_dist

    @classmethod
    def preset(
        cls,
        name: str = "default",
        seed: int = 20240601,
        scenarios: str | list[ScenarioSpec] | tuple[ScenarioSpec, ...] = "default",
        params: ModelParams | dict[str, Any] | None = None,
    ) -> SimConfig:
        """The configuration of preset ``name`` (``small``, ``default`` or ``large``)."""
        if name not in PRESETS:
            raise ValueError(f"preset must be one of {', '.join(PRESETS)}; got {name!r}.")
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
            raise ValueError(f"seed must be a non-negative whole number; got {seed!r}.")
        set_name, specs = _scenario_list(scenarios)
        if isinstance(params, dict):
            params = ModelParams.from_dict(params)
        p = PRESETS[name]
        return cls(
            preset_name=name,
            seed=int(seed),
            scenario_set=set_name,
            scenarios=specs,
            n_regions=p["n_regions"],
            ka_slots=tuple(tuple(s) for s in p["ka_slots"]),
            dist_regions=tuple(p["dist_regions"]),
            n_skus=p["n_skus"],
            n_weeks=p["n_weeks"],
            mt_stores=p["mt_stores"],
            n_ka_staff=p["n_ka_staff"],
            n_rsm=p["n_rsm"],
            n_kad=p["n_kad"],
            n_new_skus=p["n_new_skus"],
            params=params or ModelParams(),
        )

    def replace(self, **changes: Any) -> SimConfig:
        """A copy with some fields changed (``scenarios`` accepts the same values as preset)."""
        if "scenarios" in changes:
            changes["scenario_set"], changes["scenarios"] = _scenario_list(changes["scenarios"])
        if isinstance(changes.get("params"), dict):
            changes["params"] = dataclasses.replace(self.params, **changes["params"])
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict (stored in ``world.meta["config"]``)."""
        return {
            "preset": self.preset_name,
            "seed": self.seed,
            "scenario_set": self.scenario_set,
            "scenarios": None if self.scenarios is None else [s.to_dict() for s in self.scenarios],
            "n_regions": self.n_regions,
            "ka_slots": [list(s) for s in self.ka_slots],
            "dist_regions": list(self.dist_regions),
            "n_skus": self.n_skus,
            "n_weeks": self.n_weeks,
            "mt_stores": self.mt_stores,
            "n_ka_staff": self.n_ka_staff,
            "n_rsm": self.n_rsm,
            "n_kad": self.n_kad,
            "n_new_skus": self.n_new_skus,
            "params": self.params.to_dict(),
            "horizon_weeks": self.horizon_weeks,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SimConfig:
        """Rebuild a config from :meth:`to_dict` output (e.g. a saved world's meta)."""
        try:
            scen = d["scenarios"]
            return cls(
                preset_name=d["preset"],
                seed=int(d["seed"]),
                scenario_set=d["scenario_set"],
                scenarios=None if scen is None else tuple(ScenarioSpec.from_dict(s) for s in scen),
                n_regions=int(d["n_regions"]),
                ka_slots=tuple(tuple(s) for s in d["ka_slots"]),
                dist_regions=tuple(d["dist_regions"]),
                n_skus=int(d["n_skus"]),
                n_weeks=int(d["n_weeks"]),
                mt_stores=int(d["mt_stores"]),
                n_ka_staff=int(d["n_ka_staff"]),
                n_rsm=int(d["n_rsm"]),
                n_kad=int(d["n_kad"]),
                n_new_skus=int(d["n_new_skus"]),
                params=ModelParams.from_dict(d.get("params", {})),
                horizon_weeks=int(d.get("horizon_weeks", 13)),
            )
        except KeyError as exc:
            raise ValueError(f"the config dict has no {exc.args[0]!r} entry.") from None

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)
