"""Every panel fits a laptop screen: at 1280 x 800 with JupyterLab's file browser open (about 850 px of
output width), each panel's figures sit beside each other within the output area, and the whole panel,
from its controls to the bottom of its last figure, fits the notebook's visible height, so no figure is
pushed below the controls that change it. Screenshots at 1280 x 800 (file browser open) and 1920 x 1080
go to ``screenshots/layout_*.png``. Run with ``pytest -m browser tests/browser``.
"""

import contextlib
import json

import nbformat
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from test_jupyterlab import KERNEL_IDLE, SCREENSHOTS

pytestmark = pytest.mark.browser

NOTEBOOK = "layout_all_panels.ipynb"
CELLS = [
    "import torch\nfrom snnlab import functional, layer, neuron\n"
    "from widgets import DelayExplorer, NeuronPlayground, RasterExplorer, SimilarityExplorer, SpikeDebugger\n"
    "from widgets import TrainingDashboard",
    'RasterExplorer(device="cpu")',
    'NeuronPlayground(device="cpu")',
    'DelayExplorer(device="cpu")',
    'SimilarityExplorer(device="cpu")',
    "torch.manual_seed(0)\n"
    "net = torch.nn.Sequential(layer.Flatten(), layer.Linear(16, 12), neuron.LIFNode(), layer.Linear(12, 6),"
    " neuron.IFNode())\n"
    'functional.set_step_mode(net, "m")\n'
    'SpikeDebugger(net, torch.rand(10, 3, 1, 4, 4, generator=torch.Generator().manual_seed(1)) * 6, device="cpu")',
    'TrainingDashboard(device="cpu")',
]
PANELS = 6

# For each panel: the output area's box, the controls' box, the visible figures' boxes; the notebook's height.
BOXES = """() => {
    const box = (el) => { const r = el.getBoundingClientRect(); return {x: r.x, y: r.y, r: r.right, b: r.bottom}; };
    const panels = [...document.querySelectorAll('.snnlab-figures')].map(figures => {
        const panel = figures.parentElement;
        const output = panel.closest('.jp-OutputArea-output');
        const shown = [...figures.querySelectorAll('.js-plotly-plot, canvas.snnlab-canvas-raster')]
            .filter(el => el.offsetParent !== null);
        return {
            output: box(output),
            controls: box(panel.querySelector('.snnlab-controls')),
            figures: shown.map(box),
        };
    });
    const notebook = document.querySelector('.jp-NotebookPanel-notebook');
    return {panels, notebook_height: notebook.getBoundingClientRect().height};
}"""


# The number of panels whose every plotly figure has drawn its own state.
DRAWN = """() => [...document.querySelectorAll('.snnlab-figures')].filter(figures =>
    [...figures.querySelectorAll('.js-plotly-plot')].every(gd => gd.layout && gd.layout.meta && gd.layout.meta.snnlab)
    && figures.querySelectorAll('.js-plotly-plot').length > 0).length"""

# The plotly figures that show plotly's empty default instead of their own state: panel index, title.
UNDRAWN = """() => [...document.querySelectorAll('.snnlab-figures')].flatMap((figures, k) =>
    [...figures.querySelectorAll('.js-plotly-plot')]
        .filter(gd => !(gd.layout && gd.layout.meta && gd.layout.meta.snnlab))
        .map(gd => `panel ${k}: ${JSON.stringify(gd.layout && gd.layout.width)} ${(gd.data || []).length} traces`))"""


def open_file_browser(page):
    """Show JupyterLab's file browser in the left sidebar (it is open after a reset; open it if not)."""
    if not page.locator(".jp-FileBrowser").first.is_visible():
        page.locator(".jp-SideBar .lm-TabBar-tab[data-id='filebrowser']").click()
    page.locator(".jp-FileBrowser").first.wait_for(state="visible")


def show_panel(page, k):
    """Scroll the notebook so that panel ``k``'s controls are at the top of the visible area."""
    page.locator(".snnlab-controls").nth(k).evaluate("el => el.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)


def test_every_panel_fits_1280x800_with_the_file_browser_open(lab, page):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    (lab.root / NOTEBOOK).write_text(json.dumps(notebook))
    page.set_viewport_size({"width": 1280, "height": 800})
    console = []
    page.on("console", lambda message: console.append(message.text[:300]))
    page.goto(lab.url(f"/lab/tree/{NOTEBOOK}?reset"))
    page.locator(".jp-Notebook").first.wait_for()
    page.wait_for_function(KERNEL_IDLE, timeout=120_000)
    open_file_browser(page)
    # one cell at a time, each panel's figures drawn before the next starts: every FigureWidget still
    # parses plotly's whole bundle, and a dozen starting together on a loaded machine stay empty
    page.locator(".jp-Cell .jp-InputPrompt").first.click()
    for k in range(len(CELLS)):
        page.keyboard.press("Shift+Enter")
        page.wait_for_function(KERNEL_IDLE, timeout=120_000)
        if k == 0:
            continue
        page.wait_for_function(f"() => document.querySelectorAll('.snnlab-figures').length >= {k}", timeout=120_000)
        with contextlib.suppress(PlaywrightTimeout):
            page.wait_for_function(f"() => ({DRAWN})() >= {k}", timeout=120_000)
    undrawn = page.evaluate(UNDRAWN)
    page.wait_for_timeout(2000)  # the last figures settle
    measured = page.evaluate(BOXES)
    assert len(measured["panels"]) == PANELS, measured
    problems = []
    for k, panel in enumerate(measured["panels"]):
        output, controls = panel["output"], panel["controls"]
        width = output["r"] - output["x"]
        assert 780 <= width <= 900, f"output area {width:.0f} px wide: the file browser is not open"
        for figure in panel["figures"]:
            if figure["r"] > output["r"] + 1:
                problems.append(
                    f"panel {k}: a figure ends at x={figure['r']:.0f}, past the output area {output['r']:.0f}"
                )
            if figure["b"] - controls["y"] > measured["notebook_height"]:
                problems.append(
                    f"panel {k}: a figure ends {figure['b'] - controls['y']:.0f} px below the top of its controls, "
                    f"more than the visible {measured['notebook_height']:.0f} px"
                )
    for k in range(PANELS):
        show_panel(page, k)
        page.screenshot(path=str(SCREENSHOTS / f"layout_1280x800_panel{k}.png"))
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.wait_for_timeout(1000)
    for k in range(PANELS):
        show_panel(page, k)
        page.screenshot(path=str(SCREENSHOTS / f"layout_1920x1080_panel{k}.png"))
    assert not undrawn, f"figures that never drew their state: {undrawn}; console: {console[-20:]}"
    assert not problems, "\n".join(problems)
