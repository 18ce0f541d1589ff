"""Helpers shared by the simulator tests."""

from __future__ import annotations

from kamlab.data.world import World

#: knobs that leave an account's scorecard essentially untouched (forecasts, a short vacancy,
#: two SKUs' capacity for four weeks)
MINOR = ("FORECAST_BIAS", "TALENT_EVENT", "SUPPLY_SHOCK")


def clean_ka_accounts(world: World) -> list[str]:
    """KA accounts no scenario touches: not named in a label (entity or related id) of a knob
    that moves volume, money or service, and not headquartered in a CHANNEL_MIX_DRIFT region
    (the drift moves the region's MT volume)."""
    lab = world.truth_scenario_labels
    lab = lab[~lab.scenario.isin(MINOR)]
    named = set(lab.entity_id.astype(str)) | set(
        "|".join(lab.related_ids.dropna().astype(str)).split("|")
    )
    drift = set(lab.loc[lab.scenario == "CHANNEL_MIX_DRIFT", "entity_id"].astype(str))
    acc = world.accounts
    ka = acc[(acc.account_type == "KA") & ~acc.hq_region_id.astype(str).isin(drift)]
    return sorted(set(ka.account_id.astype(str)) - named)
