"""The apps for real: `kamlab dashboard …` starts Voila, Chromium opens the page.

Every request that does not go to localhost is aborted and recorded; each test asserts the
record is empty. Screenshots go to ./test-output/.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from tests._servers import browser, voila

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROWS = "table.kamlab-heatmap tr[data-person]"


def _rows(page) -> list[str]:
    return page.eval_on_selector_all(ROWS, "els => els.map(e => e.dataset.person)")


def _select(page, label: str, option: str) -> None:
    """Choose ``option`` in the ipywidgets Dropdown whose description is ``label``."""
    box = page.locator(".widget-dropdown", has=page.locator(f"label:text-is('{label}')"))
    box.locator("select").select_option(label=option)


def _tab(page, title: str) -> None:
    page.locator(".lm-TabBar-tab", has_text=title).first.click()


def test_team_gaps_in_chromium(demo, output_dir: Path, tmp_path: Path) -> None:
    from kamlab.apps.team_gaps import TeamGaps

    model = TeamGaps(demo)
    expected = model.view().rows
    national = model.view(team="NATIONAL_KA").rows["person_id"].tolist()
    with (
        voila(["team-gaps", "--demo"], output_dir / "voila-team-gaps.log") as server,
        browser() as br,
    ):
        page = br.page
        page.goto(server.url + "/")
        page.wait_for_selector(ROWS, timeout=90_000)
        # the heatmap renders with the demo team's rows, in the model's order, names shown
        assert _rows(page) == expected["person_id"].tolist()
        text = page.inner_text("table.kamlab-heatmap")
        for name in expected["name"]:
            assert name in text
        assert "% at or above target" in text
        page.screenshot(path=str(output_dir / "team-gaps-heatmap.png"), full_page=True)

        # a filter changes the rows
        _select(page, "Team", "NATIONAL_KA")
        page.wait_for_function(
            f"document.querySelectorAll('{ROWS}').length === {len(national)}", timeout=30_000
        )
        assert _rows(page) == national
        page.screenshot(path=str(output_dir / "team-gaps-filtered.png"), full_page=True)

        # selecting a person shows that person's report
        _select(page, "Person", "Luo Yu (KAM01)")
        page.wait_for_selector("[data-person-report='KAM01']", timeout=30_000)
        report = page.inner_text(".kamlab-team-gaps")
        assert "Luo Yu (KAM01)" in report and "Development action" in report
        assert "Capability over time" in report
        page.screenshot(path=str(output_dir / "team-gaps-person.png"), full_page=True)

        # the one-page report downloads and is that person's
        page.get_by_role("button", name="One-page report").click()
        link = page.locator("#kamlab-report-link")
        link.wait_for(timeout=30_000)
        with page.expect_download() as dl:
            link.click()
        doc_path = tmp_path / dl.value.suggested_filename
        dl.value.save_as(doc_path)
        doc = doc_path.read_text(encoding="utf-8")
        assert "Luo Yu" in doc and "KAM01" in doc and "KAM02" not in doc

        # the Excel export of the current view downloads and opens with pandas
        _tab(page, "Team heatmap")
        page.get_by_role("button", name="Export view to Excel").click()
        link = page.locator("#kamlab-excel-link")
        link.wait_for(timeout=30_000)
        with page.expect_download() as dl:
            link.click()
        xlsx = output_dir / "team-gaps-export.xlsx"
        dl.value.save_as(xlsx)
        sheets = pd.read_excel(io.BytesIO(xlsx.read_bytes()), sheet_name=None)
        assert sheets["Levels"]["ID"].tolist() == national
        assert "Gap report KAM01" in sheets
        assert br.blocked == [], f"requests left localhost: {br.blocked[:5]}"


def test_team_gaps_manager_scope_and_chinese(demo, output_dir: Path) -> None:
    mine = sorted(demo.scoped("KAM18").roster["person_id"])
    with (
        voila(
            ["team-gaps", "--demo", "--manager", "KAM18", "--lang", "zh", "--token", "s3cret"],
            output_dir / "voila-team-gaps-manager.log",
        ) as server,
        browser() as br,
    ):
        page = br.page
        page.goto(server.url + "/")  # without the token: Voila's login page, no data
        assert "/login" in page.url and page.locator(ROWS).count() == 0
        page.goto(f"{server.url}/?token={server.token}")
        page.wait_for_selector(ROWS, timeout=90_000)
        assert sorted(_rows(page)) == mine
        assert "团队能力差距" in page.inner_text(".kamlab-team-gaps")
        page.screenshot(path=str(output_dir / "team-gaps-manager-zh.png"), full_page=True)
        assert br.blocked == [], f"requests left localhost: {br.blocked[:5]}"


def test_cohort_on_a_graded_gradebook(
    gradebook_file: Path, cohort_roster: Path, output_dir: Path
) -> None:
    with (
        voila(
            ["cohort", "--db", str(gradebook_file), "--roster", str(cohort_roster)],
            output_dir / "voila-cohort.log",
        ) as server,
        browser() as br,
    ):
        page = br.page
        page.goto(server.url + "/")
        page.wait_for_selector("table.kamlab-progress", timeout=90_000)
        rows = page.eval_on_selector_all(
            "table.kamlab-progress tbody tr",
            "els => els.map(e => Array.from(e.cells).map(c => c.innerText))",
        )
        assert rows[-1] == ["M8", "7", "7", "6", "1", "0"]
        assert rows[0] == ["M1", "7", "7", "7", "0", "0"]
        matrix = page.inner_text("table.kamlab-matrix")
        assert "submitted, not graded" in matrix and "needs manual grading" in matrix
        page.screenshot(path=str(output_dir / "cohort-progress.png"), full_page=True)
        _tab(page, "Item analysis")
        page.wait_for_selector("table.kamlab-items", state="visible", timeout=30_000)
        assert "M8-T2" in page.inner_text("table.kamlab-items")
        page.screenshot(path=str(output_dir / "cohort-items.png"), full_page=True)
        _tab(page, "Score distributions")
        page.wait_for_selector("[data-assessment='M1'] svg", state="visible", timeout=30_000)
        page.screenshot(path=str(output_dir / "cohort-distributions.png"), full_page=True)
        assert br.blocked == [], f"requests left localhost: {br.blocked[:5]}"
