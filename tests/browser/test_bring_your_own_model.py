"""Notebook 10 in a real browser: the snnTorch network's NIR file opens in the SpikeDebugger, whose
diagnosis names the silent layer with its numbers and fix; after the fix the notebook prints a clean
diagnosis. A slider sends its change to the kernel and the raster answers. Screenshot:
``screenshots/notebook_10_bring_your_own_model.png`` (the 1280x800 window on the panel). Run with
``pytest -m browser tests/browser``.
"""

import pytest
from test_jupyterlab import screenshot
from test_panels import FIGURES, control, notebook_page, press, run_panel_notebook, wait_for_change, wait_until_settled

pytestmark = pytest.mark.browser
__all__ = ["notebook_page"]  # the fixture, imported for this module's tests


def test_bring_your_own_model(lab, notebook_page):
    page = notebook_page
    views = run_panel_notebook(page, lab, "10_bring_your_own_model.ipynb", panels=1, figures=3, sliders=3)
    panel = views.first
    panel.get_by_text("[silent]").wait_for()
    text = panel.inner_text()
    assert "fires 0 spikes per neuron per step (10 neurons)" in text and "fix:" in text, text[:800]
    page.get_by_text("No problem found.").wait_for()  # the fixed network, printed by the last cell
    page.get_by_text("same spikes: True").wait_for()  # the snnlab -> NIR -> snnlab round trip
    before = wait_until_settled(page)
    press(control(page, "slider", "sample"), "ArrowRight")  # the kernel redraws sample 1's raster and map
    wait_for_change(page, FIGURES, before)
    size = page.viewport_size
    page.set_viewport_size({"width": 1280, "height": 800})
    try:
        screenshot(page, "notebook_10_bring_your_own_model.png", panel.get_by_text("[silent]"))
    finally:
        page.set_viewport_size(size)
