"""The team-gaps app builder without a kernel: filters, person report, scoping, exports."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kamlab.apps._html import APP_CSS
from kamlab.apps.config import AppConfig
from kamlab.apps.team_gaps import ALL, ErrorApp, TeamGapsApp, build
from kamlab.capability import GAP_COLOURS, team_heatmap

ROW = re.compile(r'<tr data-person="([^"]+)">')


def rows_shown(app: TeamGapsApp) -> list[str]:
    return ROW.findall(app.heatmap.value)


@pytest.fixture
def app(demo) -> TeamGapsApp:
    return TeamGapsApp(demo, lang="en")


def test_heatmap_shows_every_active_person_once_with_numbers_in_cells(app, demo) -> None:
    shown = rows_shown(app)
    assert sorted(shown) == sorted(demo.roster["person_id"])
    # every cell of a person carries its level (and the gap when below target) as text
    hm = app.current
    row = re.search(r'<tr data-person="KAM01">(.*?)</tr>', app.heatmap.value).group(1)
    css = dict(re.findall(r"td\.(g0|g1|g2|g3|na) \{ background: (#[0-9A-F]+); \}", APP_CSS))
    assert css == {
        "g0": GAP_COLOURS["at_target"], "g1": GAP_COLOURS["gap_1"], "g2": GAP_COLOURS["gap_2"],
        "g3": GAP_COLOURS["gap_3"], "na": GAP_COLOURS["not_assessed"],
    }  # fmt: skip
    cells = [
        (css[c], txt) for c, txt in re.findall(r'<td class="(g0|g1|g2|g3|na)">([^<]*)</td>', row)
    ]
    assert len(cells) == 10
    lv = hm.level.loc["KAM01"]
    gp = hm.gap.loc["KAM01"]
    for (colour, text), c in zip(cells, hm.level.columns, strict=True):
        if pd.isna(lv[c]):
            assert text == "–" and colour == GAP_COLOURS["not_assessed"]
        elif gp[c] > 0:
            assert text == f"{int(lv[c])} (−{int(gp[c])})"
            assert colour == GAP_COLOURS[f"gap_{min(int(gp[c]), 3)}"]
        else:
            assert text == str(int(lv[c])) and colour == GAP_COLOURS["at_target"]
    # the footer: % at target and critical gaps as text
    assert "% at or above target" in app.heatmap.value
    n_crit = int(hm.footer["critical_gap"].sum())
    assert app.heatmap.value.count("⚠ critical gap") == n_crit


@pytest.mark.parametrize(
    ("control", "column"), [("team", "team"), ("role", "role_level"), ("region", "region_id")]
)
def test_each_filter_changes_the_rows_to_exactly_the_filtered_people(
    app, demo, control, column
) -> None:
    widget = getattr(app, control)
    for value in [v for _, v in widget.options if v != ALL]:
        widget.value = value
        want = set(demo.roster.loc[demo.roster[column] == value, "person_id"])
        assert set(rows_shown(app)) == want, value
        assert len(rows_shown(app)) == len(want)
        # the person chooser offers exactly the people shown
        assert {v for _, v in app.person.options if v} == want
    widget.value = ALL
    assert len(rows_shown(app)) == len(demo.roster)


def test_combined_filters_and_footer_agree_with_the_capability_heatmap(app) -> None:
    app.team.value = "NATIONAL_KA"
    app.role.value = "KAM"
    ref = team_heatmap(app.model.levels, app.model.roster, teams="NATIONAL_KA", roles="KAM")
    assert rows_shown(app) == ref.rows["person_id"].tolist()
    pd.testing.assert_frame_equal(app.current.footer, ref.footer)
    # an empty selection says so
    app.region.value = "R5"
    if not rows_shown(app):
        assert "No people match the filters" in app.alert.value


def test_every_filter_combination_equals_team_heatmap(app) -> None:
    m = app.model
    for team in [ALL, *m.options("team")]:
        for role in [ALL, *m.options("role_level")]:
            a = m.view(team, role, ALL)
            b = team_heatmap(
                m.levels,
                m.roster,
                teams=None if team == ALL else team,
                roles=None if role == ALL else role,
            )
            pd.testing.assert_frame_equal(a.rows, b.rows)
            pd.testing.assert_frame_equal(a.footer, b.footer)
            if len(b.rows):
                pd.testing.assert_frame_equal(a.gap, b.gap)


def test_selecting_a_person_opens_their_report(app, demo) -> None:
    app.person.value = "KAM03"
    assert app.tabs.selected_index == 1
    assert 'data-person-report="KAM03"' in app.report_head.value
    assert "Gao Hui" in app.report_head.value
    rep = app.model.report("KAM03")
    # every competency row with its target, achieved level and development action
    for r in rep.summary.itertuples(index=False):
        assert html.escape(r.competency) in app.report_table.value
    assert "Development action" in app.report_table.value
    assert "Capability over time" in app.history_html.value
    # demo runs: one per grading date of the person's assessments
    h = app.model.history("KAM03")
    n_dates = demo.scores.loc[demo.scores["person_id"] == "KAM03", "attempt"].nunique()
    assert len(h.levels) == n_dates
    # the last run equals today's levels
    lv = app.model.levels.set_index(["person_id", "competency_id"])["level"]
    last = h.levels.iloc[-1]
    for c in last.index:
        a, b = last[c], lv.loc[("KAM03", c)]
        assert (pd.isna(a) and pd.isna(b)) or int(a) == int(b)


def test_person_outside_the_filter_is_deselected(app) -> None:
    app.person.value = "KAM13"  # distributor team
    app.team.value = "NATIONAL_KA"
    assert app.person.value == ""
    assert "Choose a person" in app.report_head.value


def test_manager_scope_shows_only_their_people(demo) -> None:
    scoped = demo.scoped("KAM19")
    app = TeamGapsApp(scoped, lang="en")
    mine = set(scoped.roster["person_id"])
    assert set(rows_shown(app)) == mine
    assert {v for _, v in app.person.options if v} == mine
    others = set(demo.roster["person_id"]) - mine
    assert others
    app.tabs.selected_index = 2
    app.tabs.selected_index = 3
    data = app.export_excel()
    sheets = pd.read_excel(io.BytesIO(data), sheet_name=None)
    everything = " ".join(
        [app.heatmap.value, app.bench_html.value, app.ninebox_html.value, app.alert.value]
        + [df.to_csv() for df in sheets.values()]
    )
    for pid in others:
        assert pid not in everything
        name = demo.name_of(pid)
        assert name not in everything, name
    assert "and the people reporting to them" in app.title.value


def test_excel_export_holds_exactly_the_rows_and_columns_shown(app) -> None:
    app.team.value = "NATIONAL_KA"
    app.person.value = "KAM01"
    data = app.export_excel()
    assert 'download="team_gaps_' in app.export_link.value
    assert "data:application/vnd.openxmlformats" in app.export_link.value
    sheets = pd.read_excel(io.BytesIO(data), sheet_name=None)
    assert list(sheets) == ["Levels", "Gaps", "Team footer", "Gap report KAM01"]
    levels = sheets["Levels"]
    head = re.search(r"<thead><tr>(.*?)</tr></thead>", app.heatmap.value).group(1)
    shown_cols = [re.sub("<[^>]+>", "", h) for h in re.findall(r"<th[^>]*>.*?</th>", head)]
    assert list(levels.columns) == shown_cols
    assert levels["ID"].tolist() == rows_shown(app)
    hm = app.current
    got = levels.set_index("ID")[list(hm.level.columns)]
    want = hm.level.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    np.testing.assert_array_equal(got.to_numpy(dtype=float), want)
    gaps = sheets["Gaps"].set_index("ID")[list(hm.gap.columns)]
    np.testing.assert_array_equal(
        gaps.to_numpy(dtype=float), hm.gap.to_numpy(dtype=float, na_value=np.nan)
    )
    assert sheets["Team footer"]["Competency ID"].tolist() == list(hm.level.columns)
    assert len(sheets["Gap report KAM01"]) == 10
    # nobody outside the view
    everyone = set(app.model.roster["person_id"])
    text = " ".join(df.to_csv() for df in sheets.values())
    for pid in everyone - set(rows_shown(app)):
        assert pid not in text


def test_one_page_report_carries_only_that_persons_data(app, demo) -> None:
    app.person.value = "KAM07"
    doc = app.make_report()
    assert 'download="development_report_KAM07.html"' in app.report_link.value
    assert doc.startswith("<!DOCTYPE html>") and "@media print" in doc and "@page" in doc
    assert "Xu Jing" in doc and "KAM07" in doc
    rep = app.model.report("KAM07")
    below = rep.summary.loc[rep.summary["status"] == "BELOW_TARGET"]
    assert len(below)
    for r in below.itertuples(index=False):
        assert html.escape(r.competency) in doc
    # no external asset, no script
    assert not re.search(r"(src|href)=\"(https?:)?//", doc)
    assert "<script" not in doc.lower()
    for pid in set(demo.roster["person_id"]) - {"KAM07"}:
        assert pid not in doc
        assert demo.name_of(pid) not in doc


def test_language_switch_translates_everything(app) -> None:
    app.person.value = "KAM01"
    app.lang_toggle.value = "zh"
    assert "团队能力差距" in app.title.value
    assert "默认模拟世界" in app.title.value
    assert app.team.description == "团队"
    assert "达到或高于目标" in app.legend.value
    assert "关键差距" in app.heatmap.value and "编号" in app.heatmap.value
    assert "发展行动" in app.report_table.value
    data = app.excel_bytes()
    assert "等级" in pd.read_excel(io.BytesIO(data), sheet_name=None)
    app.lang_toggle.value = "en"
    assert "Team capability gaps" in app.title.value


def test_bench_and_ninebox_tabs(app, demo) -> None:
    app.tabs.selected_index = 2
    assert "Bench strength" in app.bench_html.value
    b = app.model.bench(app.shown_people)
    for pid in b.positions["position_id"]:
        assert f">{pid}<" in app.bench_html.value
    app.tabs.selected_index = 3
    box = app.model.ninebox(app.shown_people)
    assert box is not None and box.source == "accounts"
    placed = box.people.loc[box.people["status"] == "OK"]
    for r in placed.itertuples(index=False):
        assert f"({r.person_id})" in app.ninebox_html.value
    # people without owned accounts are listed as not placed, never given a value
    none = box.people.loc[box.people["performance"].isna(), "person_id"]
    for pid in none:
        assert f"({pid}): no performance data" in app.ninebox_html.value


def test_ninebox_says_so_when_there_is_no_performance(demo_files, tmp_path: Path) -> None:
    r = pd.read_csv(demo_files["roster"], dtype=str).drop(columns=["owned_accounts"])
    f = tmp_path / "roster.csv"
    r.to_csv(f, index=False)
    app = build(AppConfig(scores=str(demo_files["scores"]), roster=str(f)))
    assert isinstance(app, TeamGapsApp)
    app.tabs.selected_index = 3
    assert "not drawn rather than invented" in app.ninebox_html.value
    assert "data-box" not in app.ninebox_html.value
    # with ratings in the roster it is drawn from them
    r["performance_rating"] = np.linspace(1, 5, len(r)).round(2)
    r.to_csv(f, index=False)
    app = build(AppConfig(scores=str(demo_files["scores"]), roster=str(f)))
    app.tabs.selected_index = 3
    assert "performance_rating" in app.ninebox_html.value
    assert app.ninebox_html.value.count("data-box=") == 9


def test_filter_change_is_fast_in_process(app) -> None:
    """Speed is benchmarked (benchmarks/bench_apps.py); this only records it for the report."""
    app.team.value = "NATIONAL_KA"
    assert app.last_render_ms > 0


# ---------------------------------------------------------------------------------------------
# bad input: an alert box in the app, never a traceback


def _error(app) -> str:
    assert isinstance(app, ErrorApp), type(app)
    assert 'role="alert"' in app.alert.value and "kamlab-error" in app.alert.value
    assert "Traceback" not in app.alert.value
    return app.alert.value


def test_app_alert_for_a_gradebook_that_does_not_answer() -> None:
    from tests._servers import free_port

    msg = _error(build(AppConfig(db=f"postgresql+psycopg://g@127.0.0.1:{free_port()}/gb")))
    assert "does not answer" in msg


def test_app_alert_for_an_empty_gradebook(tmp_path: Path, demo_files) -> None:
    from nbgrader.api import Gradebook

    url = f"sqlite:///{tmp_path / 'gb.db'}"
    with Gradebook(url, course_id="kamlab"):
        pass
    msg = _error(build(AppConfig(db=url, roster=str(demo_files["roster"]))))
    assert "no graded submissions yet" in msg


def test_app_alert_for_a_roster_naming_unknown_people(demo_files, tmp_path: Path) -> None:
    r = pd.read_csv(demo_files["roster"], dtype=str)
    r.loc[0, "manager_id"] = "GHOST"
    f = tmp_path / "roster.csv"
    r.to_csv(f, index=False)
    msg = _error(build(AppConfig(scores=str(demo_files["scores"]), roster=str(f))))
    assert "GHOST" in msg and "not in the roster" in msg
    # people in the roster without scores: the app works and says who
    r = pd.read_csv(demo_files["roster"], dtype=str)
    extra = r.iloc[[0]].assign(person_id="NEW01", name="New Hire")
    pd.concat([r, extra]).to_csv(f, index=False)
    app = build(AppConfig(scores=str(demo_files["scores"]), roster=str(f)))
    assert isinstance(app, TeamGapsApp)
    assert "NEW01" in app.alert.value and "no scores" in app.alert.value
    assert "NEW01" in rows_shown(app)  # shown, as not assessed


def test_app_alert_for_weights_not_summing_to_one(demo_files, tmp_path: Path) -> None:
    from kamlab.data.framework import export_framework

    fw = export_framework(tmp_path / "fw")
    f = fw / "item_competency_map.csv"
    f.write_text(f.read_text().replace("M2-T1,C2,0.6", "M2-T1,C2,0.5"))
    msg = _error(build(AppConfig(framework=str(fw))))
    assert "M2-T1" in msg and "not 1" in msg


def test_app_alert_when_the_manager_is_unknown(demo) -> None:
    msg = _error(build(AppConfig(manager="NOBODY")))
    assert "NOBODY" in msg


def test_ninebox_from_an_imported_world_for_real_people(demo_files, demo) -> None:
    """Real people (a roster with owned_accounts) and --world: performance from the world's
    account composites, the same as for the demo team."""
    from kamlab.resources import default_world_dir

    cfg = AppConfig(
        scores=str(demo_files["scores"]),
        roster=str(demo_files["roster"]),
        world=str(default_world_dir()),
    )
    app = build(cfg)
    assert isinstance(app, TeamGapsApp)
    assert app.source.performance_source() == "accounts"
    box = app.model.ninebox(app.shown_people)
    demo_box = TeamGapsApp(demo).model.ninebox(app.shown_people)
    pd.testing.assert_frame_equal(box.people, demo_box.people)
