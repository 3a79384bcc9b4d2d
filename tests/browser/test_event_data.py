"""The event-data tutorial in a real browser: JupyterLab + Chromium (Playwright), at 1280x800.

Runs ``11_event_data.ipynb`` from a cleared state, checks that no cell shows an error, that both
EventViewers drew their canvases (events, and the network's first spiking layer beside them) with
colour in them, that the TrainingDashboard trained the convolutional SNN to at least 90 % test
accuracy (its status line, table and two curves in the page), then moves the first viewer's time slider from the browser and waits for the kernel's
answer: a new window title and a different picture. Screenshots go to ``screenshots/events_*.png``.
Run with ``pytest -m browser tests/browser/test_event_data.py``.
"""

import re

import pytest
from test_jupyterlab import SCREENSHOTS, open_and_run_all

pytestmark = pytest.mark.browser

CANVAS = "canvas.snnlab-event-canvas"
# per canvas: its size and how many of its pixels are not white (the events or spikes drawn)
PICTURES = f"""() => [...document.querySelectorAll('{CANVAS}')].map(c => {{
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let coloured = 0, hash = 0;
    for (let i = 0; i < d.length; i += 4) {{
        if (d[i] < 250 || d[i + 1] < 250 || d[i + 2] < 250) coloured++;
        hash = (hash * 31 + d[i] + 7 * d[i + 1] + 13 * d[i + 2]) % 1000000007;
    }}
    return [c.width, c.height, coloured, hash];
}})"""
TITLES = "() => [...document.querySelectorAll('.snnlab-event-canvas-title')].map(t => t.textContent)"
# per canvas: its axis labels (ticks, then titles), how many of them overlap the image, and its count scale's text
AXES = """() => [...document.querySelectorAll('.snnlab-event-canvas-box')].map(box => {
    const image = box.querySelector('canvas').getBoundingClientRect();
    const labels = [...box.querySelectorAll('.snnlab-event-axis')].filter(n => n.textContent);
    const inside = labels.filter(n => {
        const r = n.getBoundingClientRect();
        return r.left < image.right - 1 && r.right > image.left + 1 && r.top < image.bottom - 1 && r.bottom > image.top + 1;
    }).length;
    return {labels: labels.map(n => n.textContent), inside,
            scale: box.querySelector('.snnlab-event-canvas-scale').textContent};
})"""


def test_event_tutorial_draws_and_answers_the_time_slider(lab, page):
    page.set_viewport_size({"width": 1280, "height": 800})
    open_and_run_all(page, lab, "11_event_data.ipynb")
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']")
    assert errors.count() == 0, errors.first.inner_text()[:500]
    page.get_by_text("test accuracy at least 90 %: True").wait_for()
    # the dashboard: finished, its table's test accuracy >= 0.9, a loss and an accuracy curve drawn
    dashboard = page.locator(".jp-OutputArea-output", has=page.locator("th", has_text="test acc")).first
    dashboard.get_by_text(re.compile(r"finished \d+ updates per method \(BPTT \d+ optimizer steps\) on cpu")).wait_for()
    cells = dashboard.locator("table tr").nth(1).locator("td").all_inner_texts()
    assert cells[0] == "BPTT" and float(cells[6]) >= 0.9, cells
    dashboard.scroll_into_view_if_needed()  # plotly draws when the figure is on screen
    traces = dashboard.locator(".js-plotly-plot .scatterlayer .trace")
    traces.nth(1).wait_for(timeout=30_000)
    assert traces.count() == 2  # one loss and one accuracy curve
    for label in ("T", "batch", "lr", "x axis"):  # the controls that still matter for your network are shown
        assert dashboard.locator(".widget-label", has_text=re.compile(f"^{label}$")).first.is_visible(), label
    page.wait_for_timeout(1000)
    page.screenshot(path=str(SCREENSHOTS / "events_dashboard_1280x800.png"))
    # viewer 1: events; viewer 2: events + first spiking layer (N-MNIST's viewer only with its files)
    page.wait_for_function(f"() => document.querySelectorAll('{CANVAS}').length === 3", timeout=60_000)
    page.wait_for_function(f"() => ({PICTURES})().every(p => p[2] > 0)", timeout=30_000)
    pictures = page.evaluate(PICTURES)
    assert [p[:2] for p in pictures] == [[12, 12], [12, 12], [51, 51]], pictures  # 16 channels of 12x12 tiled 4x4
    assert "Error displaying widget" not in page.locator(".jp-Notebook").inner_text()

    first_title = page.evaluate(TITLES)[0]
    assert first_title.endswith(" events in t = [20000, 40000)"), first_title
    # the events picture explains itself: pixel axes outside the image, and a count scale under it
    axes = page.evaluate(AXES)
    assert axes[0]["labels"][:6] == ["0", "2", "4", "6", "8", "10"] and "x (pixel)" in axes[0]["labels"], axes[0]
    assert "y (pixel, 0 at the top)" in axes[0]["labels"] and axes[0]["inside"] == 0, axes[0]
    assert re.fullmatch(r"ON 1\d+OFF 1\d+events per pixel: 1 \(faint\) to \d+ \(bright\); colour: .*", axes[0]["scale"])
    assert axes[1]["labels"] == axes[0]["labels"] and axes[1]["inside"] == 0, axes[1]  # the second viewer's events
    assert axes[2]["labels"] == [] and axes[2]["scale"].startswith("spikes 1"), axes[2]  # tiled channels: no axes
    viewer = page.locator(".jp-OutputArea-output", has=page.locator(CANVAS)).first
    viewer.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    page.screenshot(path=str(SCREENSHOTS / "events_viewer_1280x800.png"))
    time_slider = viewer.locator(".widget-slider", has=page.locator(".widget-label", has_text=re.compile("^time$")))
    handle = time_slider.locator(".noUi-handle").first
    handle.focus()
    for _ in range(3):
        handle.press("ArrowRight")
    page.wait_for_function(f"() => ({TITLES})()[0].endsWith(' events in t = [80000, 100000)')", timeout=30_000)
    page.wait_for_function(f"(before) => ({PICTURES})()[0][3] !== before", arg=pictures[0][3], timeout=30_000)
    page.wait_for_timeout(500)
    page.screenshot(path=str(SCREENSHOTS / "events_viewer_moved_1280x800.png"))
    # the trained network's viewer, and the SpikeDebugger below it
    second = page.locator(".jp-OutputArea-output", has=page.locator(CANVAS)).nth(1)
    second.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    page.screenshot(path=str(SCREENSHOTS / "events_network_1280x800.png"))
    debugger = page.locator(".jp-OutputArea-output").last
    debugger.scroll_into_view_if_needed()
    # a visible figure: a large raster is the canvas, and the raster view's plotly figure stays hidden (it may
    # have drawn already, and it comes first)
    debugger.locator(".js-plotly-plot .main-svg:visible").first.wait_for()
    page.wait_for_timeout(2000)
    page.screenshot(path=str(SCREENSHOTS / "events_debugger_1280x800.png"))
    page.set_viewport_size({"width": 1280, "height": 2400})
    debugger.scroll_into_view_if_needed()
    page.wait_for_timeout(1000)
    debugger.screenshot(path=str(SCREENSHOTS / "events_debugger_panel.png"))
