"""The raster view in a real browser: switching between plotly and the canvas never leaves stale data.

A RasterExplorer at N=64, T=60 is driven from the browser through the sequence that once left the
plotly raster showing an old recording: T=1000, N=250 (drawn on the canvas), N=64, T=60, encoder
'latency'. After each step the test reads what the page actually draws (plotly's drawn spike markers
or its image and x range; the canvas's decoded cell count and time range) and checks it against the
summary line the kernel wrote, and that the hidden form holds no data. Run with
``pytest -m browser tests/browser``.
"""

import contextlib
import json
import re

import nbformat
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from test_jupyterlab import KERNEL_IDLE, SCREENSHOTS, open_and_run_all
from test_panels import PANEL, control, wait_until_settled

pytestmark = pytest.mark.browser

NOTEBOOK = "raster_round_trip.ipynb"
# canvas_cells=200_000 (the default is 2000): the sequence then crosses between plotly and the canvas
SOURCE = (
    'from widgets import RasterExplorer\npanel = RasterExplorer(N=64, T=60, device="cpu", canvas_cells=200_000)\npanel'
)

# What the page draws for the raster: the visible form, its spikes and its time range.
# Either form may not be drawn yet (each figure draws in a task of its own, one after another): then it
# reads as not visible and empty.
DRAWN = """() => {
    const gd = document.querySelector('.snnlab-raster-plotly .js-plotly-plot');
    const canvas = document.querySelector('canvas.snnlab-canvas-raster');
    const layout = (gd && gd.layout) || {};
    const image = layout.images && layout.images[0];
    const data = (canvas && canvas.dataset) || {};
    return {
        plotly_visible: Boolean(gd) && gd.offsetParent !== null,
        plotly_markers: gd ? gd.querySelectorAll('.scatterlayer .trace:first-child .point').length : 0,
        plotly_image: Boolean(image && image.visible),
        plotly_range: layout.xaxis ? layout.xaxis.range : null,
        canvas_visible: Boolean(canvas) && canvas.offsetParent !== null,
        canvas_spikes: Number(data.spikes || 0),
        canvas_rows: Number(data.rows || 0),
        canvas_cols: Number(data.cols || 0),
        canvas_last: Number(data.tLast ?? -1),
    };
}"""
SUMMARY = re.compile(r"steps (\d+)-(\d+): (\d+) spikes")


def set_slider(page, label, value):
    """Type ``value`` into the readout of the panel's slider ``label`` (as a user does) and press Enter."""
    readout = control(page, "slider", label).locator(".widget-readout")
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(str(value))
    page.keyboard.press("Enter")


def summary(page):
    text = page.locator(f"{PANEL} code", has_text=SUMMARY).first.inner_text()
    first, last, count = (int(v) for v in SUMMARY.search(text).groups())
    return first, last, count


def check_raster(page, steps, mode):
    """The drawn raster shows ``steps`` time steps in ``mode`` with exactly the summary's spikes."""
    page.wait_for_function(
        "(steps) => [...document.querySelectorAll('code')].some(c => c.textContent.startsWith(`steps 0-${steps - 1}:`))",
        arg=steps,
        timeout=60_000,
    )
    page.wait_for_function(KERNEL_IDLE, timeout=60_000)
    wait_until_settled(page, quiet_ms=1500)
    # on a loaded machine the last drawing may still be on its way: wait (bounded) for the drawn time
    # range to reach the summary's, then check everything (stale data never gets there)
    reached = f"""() => {{
        const d = ({DRAWN})();
        return {json.dumps(mode)} === 'canvas' ? d.canvas_visible && d.canvas_last === {steps - 1}
            : d.plotly_visible && d.plotly_range && d.plotly_range[1] === {steps - 0.5};
    }}"""
    with contextlib.suppress(PlaywrightTimeout):  # the assertions below say what is drawn instead
        page.wait_for_function(reached, timeout=30_000)
    first, last, count = summary(page)
    drawn = page.evaluate(DRAWN)
    assert (first, last) == (0, steps - 1), (first, last)
    if mode == "canvas":
        assert drawn["canvas_visible"] and not drawn["plotly_visible"], drawn
        assert drawn["canvas_spikes"] == count and drawn["canvas_last"] == last, (count, drawn)
        assert drawn["plotly_markers"] == 0 and not drawn["plotly_image"], drawn  # the hidden plotly form is empty
    else:
        assert drawn["plotly_visible"] and not drawn["canvas_visible"], drawn
        assert drawn["plotly_range"] == [-0.5, last + 0.5], drawn
        assert drawn["plotly_image"] or drawn["plotly_markers"] == count, (count, drawn)
        assert drawn["canvas_rows"] * drawn["canvas_cols"] == 0, drawn  # the hidden canvas is empty
    return count, drawn


def test_plotly_canvas_round_trip_never_shows_stale_data(lab, page):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(SOURCE)]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    (lab.root / NOTEBOOK).write_text(json.dumps(notebook))
    console = []
    page.on("console", lambda message: console.append(message.text))
    open_and_run_all(page, lab, NOTEBOOK)
    page.locator(f"{PANEL} .js-plotly-plot .main-svg").first.wait_for()
    check_raster(page, 60, "plotly")
    set_slider(page, "T", 1000)
    check_raster(page, 1000, "plotly")
    set_slider(page, "N", 250)  # 250 x 1000 cells: the canvas draws it
    check_raster(page, 1000, "canvas")
    canvas = page.locator("canvas.snnlab-canvas-raster")
    canvas.scroll_into_view_if_needed()
    canvas.screenshot(path=str(SCREENSHOTS / "raster_canvas_250x1000.png"))
    set_slider(page, "N", 64)
    check_raster(page, 1000, "plotly")
    set_slider(page, "T", 60)
    check_raster(page, 60, "plotly")
    control(page, "dropdown", "encoder").locator("select").select_option("latency")
    page.get_by_text(re.compile(r"steps 0-59: 64 spikes")).first.wait_for(timeout=60_000)
    count, drawn = check_raster(page, 60, "plotly")
    assert count == 64 and drawn["plotly_markers"] == 64  # latency coding: one spike per neuron
    assert not [m for m in console if "Error setting state" in m], console
