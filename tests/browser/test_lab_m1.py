"""JupyterLab for real: M1 opened in Chromium, run, its first panel rendered and responding."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests._servers import browser, jupyterlab

REPO = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _m1() -> Path:
    found = sorted((REPO / "curriculum").glob("M1_*.ipynb"))
    if not found:
        pytest.fail("curriculum/M1_*.ipynb does not exist")
    return found[0]


def test_m1_first_panel_renders_and_responds_to_a_slider(tmp_path: Path, output_dir: Path) -> None:
    m1 = _m1()
    shutil.copy(m1, tmp_path / m1.name)
    with jupyterlab(tmp_path, output_dir / "lab-m1.log") as server, browser() as br:
        page = br.page
        page.goto(f"{server.url}/lab?token={server.token}")
        page.goto(f"{server.url}/lab/tree/{m1.name}")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
        page.wait_for_selector(
            ".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000
        )
        # the indicator is idle before the kernel is connected; "Run All Cells" in that window
        # opens Lab's "Select Kernel" dialog and nothing runs: wait for the status bar's kernel
        page.wait_for_function(
            "() => [...document.querySelectorAll('.jp-StatusBar-TextItem')]"
            ".some(e => /\\| Idle/.test(e.textContent))",
            timeout=60_000,
        )
        page.click("text=Run", timeout=10_000)  # the Run menu
        page.click("text=Run All Cells", timeout=10_000)
        panel = page.locator(".kamlab-panel").first
        panel.wait_for(timeout=180_000)
        page.wait_for_selector(".kamlab-panel .js-plotly-plot", timeout=60_000)
        panel.scroll_into_view_if_needed()
        page.screenshot(path=str(output_dir / "lab-m1-before.png"))
        before = panel.inner_text()
        handle = panel.locator(".widget-slider .noUi-handle").first
        handle.focus()
        for _ in range(5):
            page.keyboard.press("ArrowRight")
        page.wait_for_function(
            "([sel, old]) => document.querySelector(sel).innerText !== old",
            arg=[".kamlab-panel", before],
            timeout=30_000,
        )
        page.screenshot(path=str(output_dir / "lab-m1-after.png"))
        assert panel.inner_text() != before
        assert not br.blocked, f"requests left localhost: {br.blocked[:5]}"
