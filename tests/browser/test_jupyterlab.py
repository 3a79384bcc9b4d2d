"""The tutorials in a real browser: JupyterLab on 127.0.0.1, Chromium through Playwright.

For the quickstart and the training-dashboard notebooks: open, clear the stored outputs, Run All,
check that matplotlib images, plotly figures and widgets rendered, then interact: move a slider of
the quickstart's RasterExplorer and see its figure title change (browser -> kernel -> browser), and
press Start then Stop on the TrainingDashboard and see the run stop early. Screenshots are written
to ``screenshots/``. Run with ``pytest -m browser tests/browser``.
"""

import pathlib
import re

import pytest

SCREENSHOTS = pathlib.Path(__file__).resolve().parents[2] / "screenshots"

pytestmark = pytest.mark.browser

CODE_PROMPTS = ".jp-CodeCell .jp-InputArea-prompt"
ALL_EXECUTED = f"""() => {{
    const prompts = [...document.querySelectorAll('{CODE_PROMPTS}')];
    return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
}}"""
NONE_EXECUTED = f"""() => {{
    const prompts = [...document.querySelectorAll('{CODE_PROMPTS}')];
    return prompts.length > 0 && prompts.every(p => !/\\[[\\d*]+\\]/.test(p.textContent));
}}"""
# the selection marks drawn: plotly's shape layers and the canvas rasters' paints
SHAPES = """() => [...document.querySelectorAll('.js-plotly-plot .shapelayer')].map(s => s.innerHTML).concat(
    [...document.querySelectorAll('canvas.snnlab-canvas-raster')].map(c => c.dataset.paints)).join('|')"""
KERNEL_IDLE = """() => {
    const bar = document.querySelector('#jp-main-statusbar');
    return bar !== null && / Idle/.test(bar.textContent);
}"""


def menu(page, top, item):
    """Click ``item`` in the top-level menu ``top`` of JupyterLab's menu bar."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{top}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$")).click()


def open_and_run_all(page, lab, name, timeout_ms=240_000):
    """Open ``name`` with a fresh workspace, wait for the kernel, clear outputs, run every cell."""
    page.goto(lab.url(f"/lab/tree/{name}?reset"))
    page.locator(".jp-Notebook").first.wait_for()
    page.wait_for_function(KERNEL_IDLE, timeout=120_000)  # clicks before the kernel is ready are lost
    menu(page, "Edit", "Clear Outputs of All Cells")
    page.wait_for_function(NONE_EXECUTED)
    menu(page, "Run", "Run All Cells")
    page.wait_for_function(ALL_EXECUTED, timeout=timeout_ms)
    page.wait_for_function(KERNEL_IDLE, timeout=timeout_ms)
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    assert errors.count() == 0, f"{name}: stderr/error output: {errors.first.inner_text()[:500]}"


def screenshot(page, name, target=None):
    if target is not None:
        target.scroll_into_view_if_needed()
    path = SCREENSHOTS / name
    page.screenshot(path=str(path))
    return path


def slider(page, label):
    """The ipywidgets slider whose description is exactly ``label``."""
    return page.locator(".widget-slider", has=page.locator(".widget-label", has_text=re.compile(f"^{label}$"))).first


def test_quickstart_runs_renders_and_answers_a_slider(lab, page):
    open_and_run_all(page, lab, "01_quickstart.ipynb")
    images = page.locator(".jp-RenderedImage img")
    images.nth(1).wait_for()  # the matplotlib raster and first-spike maps rendered
    screenshot(page, "quickstart_figures.png", images.first)

    plots = page.locator(".js-plotly-plot .main-svg")
    plots.nth(1).wait_for()  # the explorer's raster and first-spike map rendered
    summary = page.get_by_text(re.compile(r"t=\d+: \d+ active")).first  # the explorer's selection summary
    assert "t=0:" in summary.text_content(), summary.text_content()
    shapes_before = page.evaluate(SHAPES)

    handle = slider(page, "t").locator(".noUi-handle")
    handle.scroll_into_view_if_needed()
    handle.click()
    for _ in range(5):
        handle.press("ArrowRight")
    # the kernel recomputes and sends the new scrubber line and summary back to the browser
    page.get_by_text(re.compile(r"t=5: \d+ active")).first.wait_for(timeout=30_000)
    page.wait_for_function(f"(before) => ({SHAPES})() !== before", arg=shapes_before, timeout=30_000)
    screenshot(page, "quickstart_explorer_slider.png", page.locator(".js-plotly-plot").first)


def test_training_dashboard_trains_renders_and_stops(lab, page):
    open_and_run_all(page, lab, "06_online_training.ipynb")
    page.locator(".jp-RenderedImage img").first.wait_for()  # the memory-vs-T figure rendered
    curves = page.locator(".js-plotly-plot")
    curves.nth(1).wait_for()  # the loss and accuracy figures rendered
    # 3 curves per figure (plotly may still be drawing when the kernel goes idle)
    page.wait_for_function(
        "() => document.querySelectorAll('.js-plotly-plot .scatterlayer .trace').length >= 6", timeout=30_000
    )
    status = page.get_by_text(re.compile(r"finished \d+ updates per method .* on cpu"))
    status.wait_for()
    screenshot(page, "dashboard_trained.png", curves.first)

    updates = page.locator(".widget-text", has=page.locator(".widget-label", has_text=re.compile("^updates$")))
    box = updates.locator("input").first
    box.fill("5000")
    box.press("Enter")
    page.locator("button.jupyter-button", has_text=re.compile("^Start$")).click()
    page.get_by_text(re.compile(r"^training: update \d+/5000 per method$")).wait_for(timeout=60_000)
    page.locator("button.jupyter-button", has_text=re.compile("^Stop$")).click()
    stopped = page.get_by_text(re.compile(r"stopped after \d+ updates per method .* on cpu"))
    stopped.wait_for(timeout=60_000)
    done = int(re.search(r"stopped after (\d+)", stopped.text_content()).group(1))
    assert 0 <= done < 5000
    screenshot(page, "dashboard_stopped.png", stopped)
