"""The KA competency framework and capability scoring (SPEC §5).

Typical use (a manager's team view)::

    from kamlab import capability as cap
    fw = cap.load_framework()                      # or load_framework("my_company_framework/")
    roster = cap.load_roster("team.csv")           # or cap.roster_from_world(world)
    scores = cap.read_scores("scores.csv")         # or cap.demo_scores(world)
    levels = cap.competency_levels(scores, fw, roster=roster)
    hm = cap.team_heatmap(levels, roster)          # hm.level, hm.gap, hm.footer
    report = cap.gap_report("KAM03", levels, scores, fw)
    bench = cap.succession_bench(levels, roster, fw, accounts=world.accounts)
    box = cap.nine_box(levels, roster, account_scores=account_scorecard(world, fiscal_year=2024))

Scoring rules and the decisions taken where the spec leaves room are documented in
:mod:`kamlab.capability.scoring`, :mod:`~kamlab.capability.heatmap`,
:mod:`~kamlab.capability.gaps`, :mod:`~kamlab.capability.bench` and
:mod:`~kamlab.capability.ninebox`.
"""

from kamlab.capability.bench import (
    NOT_READY,
    READY_1_2Y,
    READY_NOW,
    Succession,
    critical_positions,
    readiness,
    succession_bench,
)
from kamlab.capability.gaps import GapReport, gap_report, recommended_modules
from kamlab.capability.heatmap import GAP_COLOURS, TeamHeatmap, gap_colour, team_heatmap
from kamlab.capability.ninebox import NineBox, nine_box, tertile_band
from kamlab.capability.roster import (
    RosterError,
    check_scores_against_roster,
    load_roster,
    owned_accounts,
    roster_from_world,
    team_of,
    validate_roster,
)
from kamlab.capability.scoring import (
    assessed_items,
    attach_targets,
    capability_summary,
    competency_levels,
    demo_scores,
    levels_over_time,
    read_scores,
    wide,
)
from kamlab.data.framework import (
    Framework,
    FrameworkError,
    capped_role_targets,
    evidenced_levels,
    export_framework,
    load_framework,
    max_evidenced_level,
)

__all__ = [
    "GAP_COLOURS",
    "NOT_READY",
    "READY_1_2Y",
    "READY_NOW",
    "Framework",
    "FrameworkError",
    "GapReport",
    "NineBox",
    "RosterError",
    "Succession",
    "TeamHeatmap",
    "assessed_items",
    "attach_targets",
    "capability_summary",
    "capped_role_targets",
    "check_scores_against_roster",
    "competency_levels",
    "critical_positions",
    "demo_scores",
    "evidenced_levels",
    "export_framework",
    "gap_colour",
    "gap_report",
    "levels_over_time",
    "load_framework",
    "load_roster",
    "max_evidenced_level",
    "nine_box",
    "owned_accounts",
    "read_scores",
    "readiness",
    "recommended_modules",
    "roster_from_world",
    "succession_bench",
    "team_heatmap",
    "team_of",
    "tertile_band",
    "validate_roster",
    "wide",
]
