"""Every panel tutorial in a real browser, as a new user meets it: JupyterLab + Chromium (Playwright).

For notebooks 02 (NeuronPlayground), 04 (SimilarityExplorer), 05 (DelayExplorer) and 08 (SpikeDebugger)
(the RasterExplorer of 01 and the TrainingDashboard of 06 are in ``test_jupyterlab.py``): open, clear the stored outputs, Run All, check that no cell shows an error,
that every widget view rendered (no "Error displaying widget", no view left loading), that the
panel's sliders, plotly figures and status line are there, then use one control from the browser
and see the kernel's answer come back (a figure, a title or the status line changes). One JupyterLab
server and one page serve the whole module; each notebook's kernel is shut down when its test ends.
Screenshots of each panel go to ``screenshots/panel_*.png``. Run with ``pytest -m browser tests/browser``.
"""

import json
import re
import urllib.request

import pytest
from playwright.sync_api import expect
from test_jupyterlab import SCREENSHOTS, open_and_run_all

pytestmark = pytest.mark.browser

PANEL = ".jp-OutputArea-output:has(> .jupyter-widgets.widget-vbox)"  # a panel view (a VBox) in an output
# the drawn content of every plotly figure on the page (traces, heatmap images, shapes, titles)
FIGURES = "() => [...document.querySelectorAll('.js-plotly-plot .main-svg')].map(s => s.innerHTML).join('|')"
# the titles of the plotly figures and of the visible canvas rasters
TITLES = """() => [...document.querySelectorAll('.js-plotly-plot .gtitle')].map(t => t.textContent).concat(
    [...document.querySelectorAll('canvas.snnlab-canvas-raster')].filter(c => c.offsetParent !== null)
        .map(c => c.dataset.title))"""


@pytest.fixture
def notebook_page(lab, module_page):
    """The module's page; every kernel the test started is shut down afterwards."""
    yield module_page
    with urllib.request.urlopen(lab.url("/api/sessions"), timeout=10) as reply:
        sessions = json.load(reply)
    for session in sessions:
        request = urllib.request.Request(lab.url(f"/api/sessions/{session['id']}"), method="DELETE")
        urllib.request.urlopen(request, timeout=30).close()


def run_panel_notebook(page, lab, name, *, panels, figures, sliders):
    """Run ``name`` and check that ``panels`` widget outputs with ``figures`` plotly figures rendered."""
    open_and_run_all(page, lab, name)
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']")
    assert errors.count() == 0, f"{name}: error output: {errors.first.inner_text()[:500]}"
    # widget views render in the browser after their output arrives: wait for them, never count at once
    views = page.locator(PANEL)
    expect(views, f"{name}: widget outputs").to_have_count(panels, timeout=60_000)
    page.locator(f"{PANEL} .js-plotly-plot .main-svg").nth(figures - 1).wait_for()
    expect(page.locator(f"{PANEL} .js-plotly-plot"), f"{name}: plotly figures").to_have_count(figures, timeout=60_000)
    page.locator(f"{PANEL} .widget-slider").nth(sliders - 1).wait_for()
    expect(views.filter(has_text="Loading widget"), f"{name}: views still loading").to_have_count(0, timeout=60_000)
    text = " ".join(views.all_inner_texts())
    assert "Error displaying widget" not in text and "Loading widget" not in text, text[:500]
    # every panel drew without an error: its status line is the grey one, never the red one
    assert page.locator(f"{PANEL} span[style*='#b00020']").count() == 0, text[:500]
    return views


def control(page, kind, label, index=0):
    """The ``index``-th ipywidgets control of CSS class ``widget-<kind>`` whose description is ``label``."""
    has_label = page.locator(".widget-label", has_text=re.compile(f"^{re.escape(label)}$"))
    return page.locator(f"{PANEL} .widget-{kind}", has=has_label).nth(index)


def press(slider, key, times=1):
    """Focus the slider's handle and press ``key`` (the browser sends each move to the kernel)."""
    handle = slider.locator(".noUi-handle").first
    handle.scroll_into_view_if_needed()
    handle.focus()
    for _ in range(times):
        handle.press(key)


def wait_for_change(page, script, before, timeout=30_000):
    page.wait_for_function(
        f"(before) => JSON.stringify(({script})()) !== before", arg=json.dumps(before), timeout=timeout
    )
    return page.evaluate(script)


def wait_until_settled(page, quiet_ms=1000, timeout_ms=30_000):
    """Wait until the figures stop changing for ``quiet_ms`` (the throttled last redraw has arrived)."""
    state, waited = page.evaluate(FIGURES), 0
    while waited < timeout_ms:
        page.wait_for_timeout(quiet_ms)
        waited += quiet_ms
        now = page.evaluate(FIGURES)
        if now == state:
            return now
        state = now
    raise AssertionError(f"the figures kept changing for {timeout_ms} ms")


def panel_screenshot(page, name, view):
    """Save a picture of one whole panel (a taller window for the shot, so that nothing is cut off)."""
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": 1800})
    try:
        view.scroll_into_view_if_needed()
        view.screenshot(path=str(SCREENSHOTS / name))
    finally:
        page.set_viewport_size(size)


def test_neuron_playground(lab, notebook_page):
    page = notebook_page
    # the first playground stays as built (LIF, tau=2); the second is in compare mode, B an adaptive LIF
    views = run_panel_notebook(page, lab, "02_neurons_and_step_modes.ipynb", panels=2, figures=4, sliders=10)
    assert page.get_by_text("tau=8.0: 7 spikes in 100 steps").count() == 1  # from a playground not displayed
    assert control(page, "slider", "tau", 0).locator(".widget-readout").inner_text() == "2.00"
    tau = control(page, "slider", "tau", 1)
    assert tau.locator(".widget-readout").inner_text() == "4.00"  # the notebook's last Python change reached it
    page.get_by_text(re.compile(r"ran on cpu in [\d.]+ ms")).first.wait_for()
    before = page.evaluate(FIGURES)
    press(tau, "ArrowLeft", 20)  # B's tau 4.0 -> 2.0: more spikes
    wait_for_change(page, FIGURES, before)
    assert tau.locator(".widget-readout").inner_text() == "2.00"
    wait_until_settled(page)
    panel_screenshot(page, "panel_02_neuron_playground.png", views.last)
    # spike marks are one SVG path per configuration (a shape in the trace's legend group): a click on
    # B's "spike" legend entry hides B's marks, and they stay hidden through the next update
    membrane = views.last.locator(".js-plotly-plot").first
    marks = "(el) => el.querySelectorAll('.shapelayer path').length"
    assert membrane.evaluate(marks) == 2
    entry = membrane.locator("g.traces", has=page.locator(".legendtext", has_text=re.compile("^spike$")))
    entry.locator(".legendtoggle").click()
    page.wait_for_function(f"(el) => ({marks})(el) === 1", arg=membrane.element_handle(), timeout=10_000)
    before = page.evaluate(FIGURES)
    press(tau, "ArrowRight")  # B's tau 2.0 -> 2.1: new marks for B, still hidden
    wait_for_change(page, FIGURES, before)
    wait_until_settled(page)
    assert membrane.evaluate(marks) == 1
    entry.locator(".legendtoggle").click()
    page.wait_for_function(f"(el) => ({marks})(el) === 2", arg=membrane.element_handle(), timeout=10_000)


def test_similarity_explorer(lab, notebook_page):
    page = notebook_page
    views = run_panel_notebook(page, lab, "04_similarity.ipynb", panels=1, figures=1, sliders=4)
    assert page.locator(".jp-RenderedImage img").count() >= 1, "the matplotlib similarity figure did not render"
    page.get_by_text(re.compile(r"^done: 20 steps, loss 0\.1562 -> ")).wait_for()
    # the last cell (a second explorer trained to silence, not displayed) has run: the kernel is free
    page.get_by_text("loss 3.841e+06 -> 0.3333, 12 of 12 patterns silent").wait_for(timeout=60_000)
    # the background run's last word stays on screen (a slider echoing a rounded value used to redraw over it)
    page.get_by_text(re.compile(r"finished 20 steps on cpu")).wait_for()
    page.wait_for_timeout(1000)
    assert page.get_by_text(re.compile(r"finished 20 steps on cpu")).count() == 1
    page.locator(f"{PANEL} button.jupyter-button", has_text=re.compile("^Reset$")).click()
    page.wait_for_function(f"() => ({TITLES})().some(t => t.includes('(loss 0.1562)'))", timeout=30_000)
    control(page, "dropdown", "kernel").locator("select").select_option("gaussian")
    sigma = control(page, "slider", "sigma")
    page.wait_for_function(
        "(el) => !el.classList.contains('mod-disabled') && !el.querySelector('.noUi-target[disabled]')",
        arg=sigma.element_handle(),
    )
    # sigma is enabled before the gaussian matrix is computed: wait for the redraw itself
    page.wait_for_function(
        f"() => {{ const t = ({TITLES})(); return t.some(x => x.includes('(loss ')) && "
        f"!t.some(x => x.includes('(loss 0.1562)')); }}",
        timeout=30_000,
    )
    before = page.evaluate(FIGURES)
    press(sigma, "ArrowRight", 4)  # sigma 2 -> 4
    wait_for_change(page, FIGURES, before)
    page.locator(f"{PANEL} button.jupyter-button", has_text=re.compile("^Train$")).click()
    page.get_by_text(re.compile(r"finished 20 steps on cpu")).wait_for(timeout=60_000)
    panel_screenshot(page, "panel_04_similarity_explorer.png", views.first)


def test_delay_explorer(lab, notebook_page):
    page = notebook_page
    views = run_panel_notebook(page, lab, "05_delays.ipynb", panels=1, figures=1, sliders=5)
    assert page.locator(".jp-RenderedImage img").count() >= 1, "the accuracy-vs-delay figure did not render"
    delay_steps = control(page, "slider", "delay steps")
    assert delay_steps.locator(".widget-readout").inner_text() == "3"  # the delay sweep ran on another explorer
    before = page.evaluate(FIGURES)
    press(delay_steps, "ArrowRight", 4)  # delay 3 -> 7
    wait_for_change(page, FIGURES, before)
    assert delay_steps.locator(".widget-readout").inner_text() == "7"
    page.locator(f"{PANEL} .js-plotly-plot .legendtext", has_text="delayed by 7").wait_for(timeout=30_000)
    panel_screenshot(page, "panel_05_delay_explorer.png", views.first)


def test_spike_debugger(lab, notebook_page):
    page = notebook_page
    views = run_panel_notebook(page, lab, "08_debugging.ipynb", panels=2, figures=6, sliders=6)
    page.get_by_text("completely dead layers: ['3']").wait_for()
    assert page.evaluate(TITLES).count("layer '1', sample 0") == 2  # both nets' rasters, as their cells built them
    wait_until_settled(page)  # both panels' first drawings are all in (a late one is not an answer)
    press(control(page, "slider", "sample", 1), "ArrowRight")
    # wait for this very title: any other change of the titles may be a late redraw, not the answer
    page.wait_for_function(f"() => ({TITLES})().includes(\"layer '1', sample 1\")", timeout=30_000)
    assert page.evaluate(TITLES).count("layer '1', sample 0") == 1  # the dead net's panel did not move
    panel_screenshot(page, "panel_08_spike_debugger_dead.png", views.first)
    panel_screenshot(page, "panel_08_spike_debugger_fixed.png", views.last)
