"""The STDP tutorial in a real browser: Run All, then the live weight figure shows the learnt X.

The notebook refills one plotly FigureWidget (the neuron's weights as an 8 x 8 heatmap) every two
presentations; after the run its title names the last presentation and its heatmap is drawn. The
static matplotlib before/after figure renders too. A screenshot at 1280 x 800 goes to ``screenshots/``.
"""

import re

import pytest
from test_jupyterlab import SCREENSHOTS, open_and_run_all

pytestmark = pytest.mark.browser

LIVE_TITLE = "() => [...document.querySelectorAll('.js-plotly-plot .gtitle')].map(t => t.textContent)"
HEATMAP_IMAGES = "() => document.querySelectorAll('.js-plotly-plot .heatmaplayer image').length"


def test_stdp_notebook_draws_the_learnt_weights(lab, page):
    page.set_viewport_size({"width": 1280, "height": 800})
    open_and_run_all(page, lab, "09_stdp.ipynb")
    plot = page.locator(".js-plotly-plot").first
    plot.wait_for()
    page.wait_for_function(f"() => ({LIVE_TITLE})().includes('presentation 60')")
    assert page.evaluate(HEATMAP_IMAGES) >= 1, "the weight heatmap was not drawn"
    colorbar = page.locator(".js-plotly-plot .colorbar").first
    assert re.search(r"weight", colorbar.text_content()), colorbar.text_content()
    images = page.locator(".jp-RenderedImage img")
    images.first.wait_for()  # the matplotlib before / after figure
    assert images.first.evaluate("img => img.naturalWidth") > 300
    plot.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "stdp_live_weights.png"))
    images.first.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "stdp_before_after.png"))
    assert page.blocked == []
