"""Every panel fits a laptop screen and follows the output width: JupyterLab + Chromium, from bounding boxes.

One notebook shows all seven panels. At 1280 x 800 with JupyterLab's file browser open (about 850 px
of output width) and again at 1920 x 1080, for each panel:

- every figure lies inside the output area, below the controls (controls above the figures they change),
  and no two figures overlap (side by side only when they fit, else one below the other);
- the whole panel, from the top of its controls to the bottom of its last figure, fits the notebook's
  visible height, so no figure is pushed below the controls that change it;
- its plotly and raster figures fill the output area's width (the right edge of the widest row of
  figures is within 6 % of the area's right edge), so figures follow the output width, and each canvas
  raster is as wide as its box, also after the window grows;
- every text of its plotly figures (titles, axis titles, tick and colour-bar labels) lies inside its
  figure, and no two titles or notes (figure, axis, colour bar, annotation) overlap;
- plotly drew each of its figures once: no axis's labels outgrew the figure's margins, which makes
  plotly widen them and draw the whole figure again (``snnlab.viz.style.MARGIN``).

It also checks that plotly's code was evaluated once for the page (one module, however many figures).
Screenshots at both sizes go to ``screenshots/layout_*.png``. Run with ``pytest -m browser tests/browser``.
"""

import contextlib
import json
from typing import Any

import nbformat
import pytest
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from test_jupyterlab import KERNEL_IDLE, SCREENSHOTS

pytestmark = pytest.mark.browser

NOTEBOOK = "layout_all_panels.ipynb"
CELLS = [
    "import torch\nfrom snnlab import functional, layer, neuron\nfrom snnlab.events import Events\n"
    "from widgets import DelayExplorer, EventViewer, NeuronPlayground, RasterExplorer, SimilarityExplorer\n"
    "from widgets import SpikeDebugger, TrainingDashboard",
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
    "g = torch.Generator().manual_seed(0)\n"
    "ev = Events(torch.sort(torch.randint(0, 100_000, (20_000,), generator=g)).values,"
    " torch.randint(0, 32, (20_000,), generator=g), torch.randint(0, 32, (20_000,), generator=g),"
    " torch.randint(0, 2, (20_000,), generator=g))\n"
    'EventViewer(ev, (32, 32, 2), device="cpu")',
]
PANELS = 7
FIGURES = ".js-plotly-plot, canvas.snnlab-canvas-raster, canvas.snnlab-event-canvas"

# For each panel: the output area's box, the controls' box, the visible figures' boxes (and which of them
# are meant to fill the width: plotly and raster figures); the notebook's visible height.
BOXES = f"""() => {{
    const box = (el) => {{ const r = el.getBoundingClientRect(); return {{x: r.x, y: r.y, r: r.right, b: r.bottom}}; }};
    const panels = [...document.querySelectorAll('.snnlab-figures')].map(figures => {{
        const panel = figures.parentElement;
        const output = panel.closest('.jp-OutputArea-output');
        const shown = [...figures.querySelectorAll('{FIGURES}')].filter(el => el.offsetParent !== null);
        return {{
            output: box(output),
            area: box(figures),
            controls: box(panel.querySelector('.snnlab-controls')),
            figures: shown.map(el => ({{...box(el), fills: !el.classList.contains('snnlab-event-canvas')}})),
            texts: shown.filter(el => el.classList.contains('js-plotly-plot')).map(gd => ({{
                figure: box(gd),
                labels: [...gd.querySelectorAll('.infolayer text, .xtick text, .ytick text, .x2tick text, .y2tick text')]
                    .filter(t => t.getBoundingClientRect().width > 0 && t.textContent.trim())
                    .map(t => ({{...box(t), text: t.textContent}})),
                titles: [...gd.querySelectorAll('.g-gtitle text, [class^="g-x"][class$="title"] text, '
                    + '[class^="g-y"][class$="title"] text, .cbtitle text, .annotation-text')]
                    .filter(t => t.getBoundingClientRect().width > 0 && t.textContent.trim())
                    .map(t => ({{...box(t), text: t.textContent}})),
            }})),
        }};
    }});
    const notebook = document.querySelector('.jp-NotebookPanel-notebook');
    return {{panels, notebook_height: notebook.getBoundingClientRect().height}};
}}"""

# The number of panels whose figures have all drawn: every plotly figure its own state, every canvas a paint.
DRAWN = """() => [...document.querySelectorAll('.snnlab-figures')].filter(area => {
    const plots = [...area.querySelectorAll('.js-plotly-plot')];
    const canvases = [...area.querySelectorAll('canvas.snnlab-canvas-raster, canvas.snnlab-event-canvas')];
    return plots.length + canvases.length > 0
        && plots.every(gd => gd.layout && gd.layout.meta && gd.layout.meta.snnlab);
}).length"""

# The plotly figures that show plotly's empty default instead of their own state: panel index, title.
UNDRAWN = """() => [...document.querySelectorAll('.snnlab-figures')].flatMap((figures, k) =>
    [...figures.querySelectorAll('.js-plotly-plot')]
        .filter(gd => !(gd.layout && gd.layout.meta && gd.layout.meta.snnlab))
        .map(gd => `panel ${k}: ${JSON.stringify(gd.layout && gd.layout.width)} ${(gd.data || []).length} traces`))"""

PLOTLY_MODULES = "() => globalThis.__snnlab_plotly ? globalThis.__snnlab_plotly.modules.size : 0"

# The shown canvas rasters: their width and the width of their box (a canvas repaints at its box's width).
CANVAS_WIDTHS = """() => [...document.querySelectorAll('canvas.snnlab-canvas-raster')].filter(c => c.offsetParent !== null)
    .map(c => [Math.round(c.getBoundingClientRect().width), Math.round(c.parentElement.getBoundingClientRect().width)])"""

# The plotly figures that plotly drew a second time to widen their margins (its automargin redraw leaves the
# count of such redraws on the figure's full layout): panel index, figure title, margins asked and drawn.
REDRAWN = """() => [...document.querySelectorAll('.snnlab-figures')].flatMap((figures, k) =>
    [...figures.querySelectorAll('.js-plotly-plot')]
        .filter(gd => gd._fullLayout && '_redrawFromAutoMarginCount' in gd._fullLayout)
        .map(gd => `panel ${k}: ${JSON.stringify((gd._fullLayout.title || {}).text)} margin `
            + `${JSON.stringify(gd._fullLayout.margin)}, drawn with ${JSON.stringify(gd._fullLayout._size)}`))"""


def open_file_browser(page: Page) -> None:
    """Show JupyterLab's file browser in the left sidebar (it is open after a reset; open it if not)."""
    if not page.locator(".jp-FileBrowser").first.is_visible():
        page.locator(".jp-SideBar .lm-TabBar-tab[data-id='filebrowser']").click()
    page.locator(".jp-FileBrowser").first.wait_for(state="visible")


def show_panel(page: Page, k: int) -> None:
    """Scroll the notebook so that panel ``k``'s controls are at the top of the visible area."""
    page.locator(".snnlab-controls").nth(k).evaluate("el => el.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)


def layout_problems(measured: dict[str, Any], size: str) -> list[str]:
    """What is wrong with the panels' boxes at ``size`` (a list of sentences; empty when all fit)."""
    problems: list[str] = []
    for k, panel in enumerate(measured["panels"]):
        output, controls, figures = panel["output"], panel["controls"], panel["figures"]
        where = f"{size}, panel {k}"
        if not figures:
            problems.append(f"{where}: no figure shown")
            continue
        for figure in figures:
            if figure["r"] > output["r"] + 1 or figure["x"] < output["x"] - 1:
                problems.append(f"{where}: a figure spans x={figure['x']:.0f}..{figure['r']:.0f}, outside the "
                                f"output area {output['x']:.0f}..{output['r']:.0f}")  # fmt: skip
            if figure["y"] < controls["b"] - 1:
                problems.append(f"{where}: a figure starts at y={figure['y']:.0f}, above the end of its controls "
                                f"{controls['b']:.0f}")  # fmt: skip
            if figure["b"] - controls["y"] > measured["notebook_height"]:
                problems.append(f"{where}: a figure ends {figure['b'] - controls['y']:.0f} px below the top of its "
                                f"controls, more than the visible {measured['notebook_height']:.0f} px")  # fmt: skip
        for i, a in enumerate(figures):
            for b in figures[i + 1 :]:
                if min(a["r"], b["r"]) - max(a["x"], b["x"]) > 2 and min(a["b"], b["b"]) - max(a["y"], b["y"]) > 2:
                    problems.append(f"{where}: two figures overlap: {a} and {b}")
        for figure in panel["texts"]:
            outer = figure["figure"]
            for label in figure["labels"]:
                if (label["x"] < outer["x"] - 1 or label["r"] > outer["r"] + 1 or label["y"] < outer["y"] - 1
                        or label["b"] > outer["b"] + 1):  # fmt: skip
                    problems.append(f"{where}: the text {label['text']!r} pokes out of its figure")
            titles = figure["titles"]
            for i, a in enumerate(titles):
                for b in titles[i + 1 :]:
                    if min(a["r"], b["r"]) - max(a["x"], b["x"]) > 2 and min(a["b"], b["b"]) - max(a["y"], b["y"]) > 2:
                        problems.append(f"{where}: the titles {a['text']!r} and {b['text']!r} overlap")
        filling = [f for f in figures if f["fills"]]
        if filling:
            right = max(f["r"] for f in filling)
            width = panel["area"]["r"] - panel["area"]["x"]
            if panel["area"]["r"] - right > 0.06 * width:
                problems.append(f"{where}: the figures end at x={right:.0f}, short of the output area's "
                                f"{panel['area']['r']:.0f}: they do not follow its width")  # fmt: skip
    return problems


def test_every_panel_fits_1280x800_with_the_file_browser_open_and_follows_the_width(lab: Any, page: Page) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    (lab.root / NOTEBOOK).write_text(json.dumps(notebook))
    page.set_viewport_size({"width": 1280, "height": 800})
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text[:300]))
    page.goto(lab.url(f"/lab/tree/{NOTEBOOK}?reset"))
    page.locator(".jp-Notebook").first.wait_for()
    page.wait_for_function(KERNEL_IDLE, timeout=120_000)
    open_file_browser(page)
    # one cell at a time, each panel's figures drawn before the next starts (a loaded machine is slow)
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
    redrawn = page.evaluate(REDRAWN)
    measured = page.evaluate(BOXES)
    assert len(measured["panels"]) == PANELS, measured
    for panel in measured["panels"]:
        width = panel["output"]["r"] - panel["output"]["x"]
        assert 780 <= width <= 900, f"output area {width:.0f} px wide: the file browser is not open"
    problems = layout_problems(measured, "1280x800")
    canvases = {"1280x800": page.evaluate(CANVAS_WIDTHS)}
    for k in range(PANELS):
        show_panel(page, k)
        page.screenshot(path=str(SCREENSHOTS / f"layout_1280x800_panel{k}.png"))
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.wait_for_timeout(3000)  # plotly redraws the figures at their new widths
    wide = page.evaluate(BOXES)
    problems += layout_problems(wide, "1920x1080")
    assert all(p["output"]["r"] - p["output"]["x"] > 1200 for p in wide["panels"]), wide["panels"][0]["output"]
    for k in range(PANELS):
        show_panel(page, k)
        page.screenshot(path=str(SCREENSHOTS / f"layout_1920x1080_panel{k}.png"))
    canvases["1920x1080"] = page.evaluate(CANVAS_WIDTHS)  # after the resize: repainted at the new width
    for size, widths in canvases.items():
        assert widths, f"{size}: no canvas raster shown"
        problems += [f"{size}: a canvas raster {w} px wide in a {box} px box" for w, box in widths if abs(w - box) > 2]
    assert not undrawn, f"figures that never drew their state: {undrawn}; console: {console[-20:]}"
    assert page.evaluate(PLOTLY_MODULES) == 1, "plotly's code was not evaluated exactly once for the page"
    assert not redrawn, "figures drawn twice, their margins widened to fit their axes:\n" + "\n".join(redrawn)
    assert not problems, "\n".join(problems)
