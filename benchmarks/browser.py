"""Panels in a real browser: JupyterLab in Chromium (Playwright), time from a key press to a visible change.

Three measurements, each in fresh pages of one JupyterLab server:

``controls`` (default): for each case (a panel at a size) a two-cell notebook is opened and run; once the
panel's figures have drawn, each listed slider gets ``--presses`` ArrowRight presses (a button case gets
``--presses`` clicks, each once the button is enabled again: a dashboard's Start after its run ended). For
every press it measures, in the page:

- the time from the key press (the time stamp of its keydown or pointerdown event in the page) to the
  first change of the panel's figures (a MutationObserver on the figures area: plotly redraws SVG, the
  canvases count their paints in ``data-paints``); for a control whose answer is text only (a case's
  ``text_controls``, such as the SpikeDebugger's thresholds, which change the figures only when a neuron
  changes class), to the change of the panel's status line; for a case with ``changed_when`` (the
  TrainingDashboard's Start), to the first change after which the figures' state that it reads is set and
  differs from that state at the press (the new run's first curve point);
- the longest main-thread task (PerformanceObserver 'longtask', registered before the page loads)
  between the press and one second after the change;
- the bytes the kernel sent to the page over the websocket in that time (every frame received; for a
  button, until its change was seen: a run goes on sending after it);

and, once per case, the longest task while the panel first displayed.

``first-pages``: each case's panel alone in ``--pages`` fresh pages (the cases taken in turn, each page's
kernel shut down after it); per case the median and the largest of the pages' longest tasks while the
panel first displayed. One page's reading varies a lot on a small machine; this gives the spread.
``--builds auto,full`` takes each page once per build of plotly's code, in turn: ``auto`` as shipped (the
panels' figures on plotly.js's cartesian build), ``full`` with the cartesian build made unavailable in the
kernel, so that every figure loads the whole of plotly.js (a comparison in one run).

``first-display``: one page, several panels run one after another (by default a RasterExplorer, a
NeuronPlayground and a SpikeDebugger: 2, 2 and 3 figures); for each panel, the longest task, the
sum of tasks over 50 ms, the websocket bytes and the time from running its cell until its figures
drew. The first panel pays for plotly's code; the later ones show what a panel costs once it is loaded.

Budgets: p90 <= 150 ms at default sizes, <= 300 ms at large ones; no task over 200 ms; <= 150 KB per
update. Timings on a shared machine are noisy: repeat, and compare runs taken together.

Run: ``python benchmarks/browser.py`` (needs ``/usr/bin/chromium`` and the ``test`` extra; several
minutes). ``--cases raster_default,raster_big`` picks cases; ``--json out.json`` saves the rows;
``python benchmarks/browser.py first-display`` and ``first-pages [--pages 5]`` run the other two.
"""

import argparse
import json
import os
import pathlib
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip

NET = (
    "import torch\nfrom snnlab import functional, layer, neuron\n"
    "torch.manual_seed(0)\n"
    "net = torch.nn.Sequential(layer.Flatten(), layer.Linear({n_in}, {hidden}), neuron.LIFNode(),"
    " layer.Linear({hidden}, 10), neuron.IFNode())\n"
    'functional.set_step_mode(net, "m")\n'
    "x = torch.rand({T}, {batch}, 1, {side}, {side}, generator=torch.Generator().manual_seed(1)) * 6\n"
)
EVENTS = (
    "import torch\nfrom snnlab.events import Events\n"
    "g = torch.Generator().manual_seed(0)\n"
    "n = {n}\n"
    "ev = Events(torch.sort(torch.randint(0, {span}, (n,), generator=g)).values,"
    " torch.randint(0, {side}, (n,), generator=g), torch.randint(0, {side}, (n,), generator=g),"
    " torch.randint(0, 2, (n,), generator=g))\n"
)


@dataclass(frozen=True)
class Case:
    """A panel at a size: setup code, the panel's expression, the slider labels to press, or a button."""

    setup: str
    panel: str
    controls: list[str] = field(default_factory=list)
    large: bool = False
    button: str | None = None
    text_controls: tuple[str, ...] = ()  # their answer is the status line, not a figure
    # a JS function of the figures area giving its state (null: any change counts); with one, a change counts
    # once that state is truthy and differs from the state when the press was armed
    changed_when: str = "null"


CASES: dict[str, Case] = {
    # gain=1.5: at the default 2.5 every input spike fires its LIF neuron whatever tau (and gain above 2), so
    # pressing tau or gain would redraw an unchanged recording; at 1.5 each press changes the spikes
    "raster_default": Case("", 'RasterExplorer(gain=1.5, device="cpu")', ["t", "neuron", "tau", "gain", "T"]),
    "raster_2000x2000": Case(
        "", 'RasterExplorer(N=2000, T=2000, gain=1.5, device="cpu")', ["t", "neuron", "tau"], True
    ),
    "raster_1e4x1000": Case(
        "", 'RasterExplorer(N=10000, T=1000, gain=1.5, device="cpu")', ["t", "neuron", "tau"], True
    ),
    "playground_default": Case("", 'NeuronPlayground(device="cpu")', ["alpha", "amplitude", "T"]),
    "playground_T2000": Case("", 'NeuronPlayground(T=2000, device="cpu")', ["alpha", "amplitude"], True),
    "delay_default": Case("", 'DelayExplorer(device="cpu")', ["delay steps", "T", "rate"]),
    "delay_T1000": Case("", 'DelayExplorer(T=1000, device="cpu")', ["delay steps", "rate"], True),
    "similarity_default": Case("", 'SimilarityExplorer(kernel="gaussian", device="cpu")', ["sigma"]),
    "debugger_default": Case(
        NET.format(n_in=16, hidden=12, T=10, batch=12, side=4),  # 12 samples: every press moves the slider
        'SpikeDebugger(net, x, device="cpu")',
        ["sample", "dead rate <="],
        text_controls=("dead rate <=",),
    ),
    "debugger_large": Case(
        NET.format(n_in=1024, hidden=2000, T=200, batch=11, side=32),  # 11 samples: every press moves the slider
        'SpikeDebugger(net, x, device="cpu")',
        ["sample", "dead rate <="],
        True,
        text_controls=("dead rate <=",),
    ),
    "dashboard_default": Case(
        "",
        'TrainingDashboard(task="burst", T=6, hidden=16, batch_size=16, steps=20, device="cpu")',
        button="Start",
        # the points on its curves: a Start counts once the new run's first point is drawn (its curves are
        # there, empty, before the first Start; a later Start begins them again), not the results table
        changed_when="area => [...area.querySelectorAll('.js-plotly-plot')].map(gd => (gd.data || [])"
        ".map(t => (t.y || []).length).join(',')).join(';').replace(/^[0,;]*$/, '')",
    ),
    # windows of 9 % of the stream: 12 windows, so that each of 10 presses moves the slider (the default tenth
    # made 10 or 11, and a press at the last window changes nothing)
    "events_default": Case(
        EVENTS.format(n=20_000, span=100_000, side=32),
        'EventViewer(ev, (32, 32, 2), window=9_000, device="cpu")',
        ["time"],
    ),
    "events_large": Case(
        EVENTS.format(n=1_000_000, span=1_000_000, side=256),
        'EventViewer(ev, (256, 256, 2), window=90_000, device="cpu")',
        ["time"],
        True,
    ),
}
FIRST_DISPLAY = [
    'RasterExplorer(device="cpu")',
    'NeuronPlayground(device="cpu")',
    NET.format(n_in=16, hidden=12, T=10, batch=3, side=4) + 'SpikeDebugger(net, x, device="cpu")',
]

INIT = """
window.__longtasks = [];
new PerformanceObserver(list => { for (const e of list.getEntries()) window.__longtasks.push([e.startTime, e.duration]); })
    .observe({type: 'longtask', buffered: true});
window.__input = null;  // the time stamp of the first key or pointer press since ARM: where a latency starts
for (const type of ['keydown', 'pointerdown'])
    addEventListener(type, e => { if (window.__input === null) window.__input = e.timeStamp; }, {capture: true});
"""
# snnlab's User Timing measures (widgets/figure_widget.js: evaluate plotly, warm-up N, draw <title>) in a task.
PARTS = """([start, end]) => performance.getEntriesByType('measure')
    .filter(m => m.name.startsWith('snnlab: ') && m.startTime < end && m.startTime + m.duration > start)
    .map(m => `${m.name.slice(8)} ${m.duration.toFixed(0)}`)"""
KERNEL_IDLE = "() => / Idle/.test((document.querySelector('#jp-main-statusbar') || {}).textContent || '')"
# The number of panels whose figures have all drawn: every plotly figure its own state, every canvas a paint.
DRAWN = """() => [...document.querySelectorAll('.snnlab-figures')].filter(area => {
    const plots = [...area.querySelectorAll('.js-plotly-plot')];
    const canvases = [...area.querySelectorAll('canvas.snnlab-canvas-raster, canvas.snnlab-event-canvas')];
    if (plots.length + canvases.length === 0) return false;
    return plots.every(gd => gd.layout && gd.layout.meta && gd.layout.meta.snnlab)
        && canvases.every(c => c.offsetParent === null || c.dataset.paints || c.width > 1);
}).length"""
ARM = """([selector, changedWhen]) => new Promise(resolve => {
    const areas = document.querySelectorAll(selector);
    const area = areas[areas.length - 1];
    const state = (0, eval)(changedWhen);
    const armed = state === null ? null : state(area);
    window.__changed = null;
    window.__input = null;
    const observer = new MutationObserver(() => {
        if (window.__changed !== null) return;
        const now = state === null ? null : state(area);
        if (state === null || (now && now !== armed)) window.__changed = performance.now();
    });
    observer.observe(area, {subtree: true, childList: true, attributes: true, characterData: true});
    window.__observer = observer;
    resolve(performance.now());
})"""


def start_lab(root: pathlib.Path) -> tuple[subprocess.Popen[bytes], str, str]:
    """Start JupyterLab over ``root`` on a free port; return the process, its address and token."""
    port = _free_port()
    token = secrets.token_hex(16)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR"):
        env[name] = str(root / name.lower())
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
               f"--ServerApp.token={token}", "--ServerApp.port_retries=0", f"--ServerApp.root_dir={root}",
               "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]  # fmt: skip
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    server = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5):
                return server, base, token
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise RuntimeError("JupyterLab did not start")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_notebook(root: pathlib.Path, name: str, sources: list[str]) -> None:
    """Write a notebook of code cells ``sources`` (after ``from widgets import *``) to ``root / name``."""
    cells = [
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": source}
        for source in ["from widgets import *", *sources]
    ]
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook = {"cells": cells, "metadata": {"kernelspec": kernel}, "nbformat": 4, "nbformat_minor": 5}
    (root / name).write_text(json.dumps(notebook))


def open_page(browser: Any, base: str, token: str, name: str) -> tuple[Any, Any, list[tuple[float, int]]]:
    """Open notebook ``name`` in a guarded 1280 x 800 page; return the context, page and received frames."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.route("**/*", lambda route: route.continue_() if "127.0.0.1" in route.request.url
                  or route.request.url.startswith(("data:", "blob:")) else route.abort())  # fmt: skip
    context.add_init_script(INIT)
    page = context.new_page()
    page.set_default_timeout(180_000)
    messages = _console[id(page)] = []
    page.on("console", lambda message: messages.append(f"{message.type}: {message.text[:300]}"))
    page.on("pageerror", lambda error: messages.append(f"pageerror: {str(error)[:300]}"))
    received: list[tuple[float, int]] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: received.append(
        (time.monotonic(), len(payload)))))  # fmt: skip
    page.goto(f"{base}/lab/tree/{name}?reset&token={token}")
    page.locator(".jp-Notebook").first.wait_for()
    page.wait_for_function(KERNEL_IDLE)
    page.locator(".jp-Cell .jp-InputPrompt").first.click()
    return context, page, received


# What a page that did not draw shows: its figures, snnlab's measures so far, the kernel, errors in outputs.
STALL = """() => ({
    areas: document.querySelectorAll('.snnlab-figures').length,
    plots: [...document.querySelectorAll('.snnlab-figures .js-plotly-plot')].map(gd =>
        gd.layout && gd.layout.meta && gd.layout.meta.snnlab ? 'drawn' : gd._fullLayout ? 'placeholder' : 'empty'),
    canvases: [...document.querySelectorAll('.snnlab-figures canvas')].map(c => c.dataset.paints || '0'),
    measures: performance.getEntriesByType('measure').filter(m => m.name.startsWith('snnlab')).map(m => m.name),
    kernel: ((document.querySelector('#jp-main-statusbar') || {}).textContent || '').replace(/\\s+/g, ' ').slice(0, 120),
    outputs: [...document.querySelectorAll('.jp-OutputArea-output')].map(o => o.textContent.slice(0, 200)),
})"""
_console: dict[int, list[str]] = {}


def stall_report(page: Any) -> str:
    """A page whose panel did not draw: the state of its figures, its console's last messages."""
    try:
        state = json.dumps(page.evaluate(STALL))
    except Exception as exc:  # the page itself may be gone
        state = f"(page state unreadable: {type(exc).__name__})"
    return f"{state}; console: {_console.get(id(page), [])[-20:]}"


def settle(page: Any) -> None:
    """Wait until the kernel has been idle for a second (the cells sent so far have run)."""
    page.wait_for_timeout(500)
    page.wait_for_function(KERNEL_IDLE)
    page.wait_for_timeout(1000)


def _tasks_since(page: Any, since: float) -> list[float]:
    return [d for s, d in page.evaluate("window.__longtasks") if s >= since]


def _longest_task_parts(page: Any, since: float) -> str:
    """What snnlab timed inside the longest task since ``since`` ("other": JupyterLab's or the widgets' work)."""
    tasks = [(d, s) for s, d in page.evaluate("window.__longtasks") if s >= since]
    if not tasks:
        return ""
    duration, start = max(tasks)
    return "; ".join(page.evaluate(PARTS, [start, start + duration])) or "other"


def run_panel_cell(page: Any, received: list[tuple[float, int]], k: int) -> dict[str, float]:
    """Run the selected cell (the ``k``-th panel); measure until its figures drew and the page is quiet."""
    started, sent_from = page.evaluate("performance.now()"), time.monotonic()
    page.keyboard.press("Shift+Enter")
    page.wait_for_function(f"() => ({DRAWN})() >= {k}", timeout=300_000)
    drawn = page.evaluate("performance.now()") - started
    page.wait_for_function(KERNEL_IDLE)
    page.wait_for_timeout(2000)
    tasks = _tasks_since(page, started)
    return dict(drawn_ms=drawn, longest_task_ms=max(tasks or [0.0]), tasks_over_50_ms=sum(tasks),
                kb=sum(n for t, n in received if t >= sent_from) / 1e3,
                longest_task_parts=_longest_task_parts(page, started))  # fmt: skip


def measure_case(browser: Any, base: str, token: str, root: pathlib.Path, name: str, case: Case,
                 presses: int) -> list[dict[str, Any]]:  # fmt: skip
    """Display one panel, then press each of its controls; one row per control."""
    sources = ([case.setup] if case.setup else []) + [case.panel]
    write_notebook(root, f"{name}.ipynb", sources)
    context, page, received = open_page(browser, base, token, f"{name}.ipynb")
    for _ in sources:  # from widgets import *, then the setup cell (if any): one press per cell before the panel
        page.keyboard.press("Shift+Enter")
    settle(page)
    first = run_panel_cell(page, received, 1)
    rows = []
    for label in case.controls or [case.button or ""]:
        latencies, tasks, sizes = [], [], []
        if case.button is not None:  # pressed again once enabled (a run that ended re-enables its Start)
            target = page.locator(".snnlab-controls button", has_text=case.button).first
            count = presses
        else:
            exact = page.locator(".widget-label", has_text=re.compile(f"^{re.escape(label)}$"))  # "t" is not "T"
            target = page.locator(".widget-slider", has=exact).last.locator(".noUi-handle").first
            count = presses
        target.scroll_into_view_if_needed()
        if case.button is None:
            target.focus()
        for _ in range(count):
            if case.button is not None:  # the last run's end: its final redraw came with the button's enabling
                page.wait_for_function("button => !button.disabled", arg=target.element_handle(), timeout=120_000)
                page.wait_for_function(KERNEL_IDLE)
            page.wait_for_timeout(300)
            selector = ".snnlab-status" if label in case.text_controls else ".snnlab-figures"
            before = page.evaluate(ARM, [selector, case.changed_when])
            sent_from = time.monotonic()
            if case.button is None:
                target.press("ArrowRight")
            else:
                target.click()
            try:
                page.wait_for_function("() => window.__changed !== null", timeout=60_000)
            except Exception:  # no visible change within a minute: recorded as a miss
                latencies.append(float("inf"))
                continue
            seen = time.monotonic()
            # from the press as the page received it: Playwright's checks before it sends a click (the
            # button visible, stable over two frames) took 38-96 ms here, a wait no person has
            changed, pressed = page.evaluate("[window.__changed, window.__input]")
            page.wait_for_function(KERNEL_IDLE)
            page.wait_for_timeout(1000)
            latencies.append(changed - (before if pressed is None else pressed))
            tasks.append(max(_tasks_since(page, before) or [0.0]))
            # a button's run goes on sending after its first change (a dashboard: every update of the run); its
            # update is what arrived until the change was seen
            until = seen if case.button is not None else float("inf")
            sizes.append(sum(n for t, n in received if sent_from <= t <= until))
        rows.append(dict(case=name, control=label, large=case.large, p50_ms=_pct(latencies, 50),
                         p90_ms=_pct(latencies, 90), missed=sum(v == float("inf") for v in latencies),
                         longest_task_ms=max(tasks or [0.0]),
                         kb_per_update=statistics.mean(sizes or [0]) / 1e3,
                         first_display_task_ms=first["longest_task_ms"], latencies_ms=latencies,
                         tasks_ms=tasks))  # fmt: skip
        print(_line(rows[-1]), flush=True)
    context.close()
    return rows


def measure_first_display(browser: Any, base: str, token: str, root: pathlib.Path,
                          panels: list[str]) -> list[dict[str, Any]]:  # fmt: skip
    """Run ``panels`` one after another in one page; one row per panel."""
    write_notebook(root, "first_display.ipynb", panels)
    context, page, received = open_page(browser, base, token, "first_display.ipynb")
    page.keyboard.press("Shift+Enter")  # from widgets import *
    settle(page)
    rows = []
    for k, source in enumerate(panels, start=1):
        row = dict(panel=source.splitlines()[-1], **run_panel_cell(page, received, k))
        print(f"| {k} | {row['panel']} | {row['drawn_ms']:.0f} | {row['longest_task_ms']:.0f} | "
              f"{row['tasks_over_50_ms']:.0f} | {row['kb']:.1f} |", flush=True)  # fmt: skip
        rows.append(row)
    context.close()
    return rows


# the duration of plotly's evaluation in the page (the loader's User Timing measure), NaN when none was made
EVALUATION = """() => {
  const [entry] = performance.getEntriesByName("snnlab: evaluate plotly");
  return entry ? entry.duration : NaN;
}"""
# a first cell that makes plotly.js's cartesian build unavailable: every figure falls back to the whole plotly.js
WHOLE_PLOTLY = "import widgets.figure_widget as figure_widget\nfigure_widget.cartesian_bundle = lambda bundle: None"


def measure_first_pages(browser: Any, base: str, token: str, root: pathlib.Path, names: list[str],
                        pages: int, builds: tuple[str, ...] = ("auto",)) -> list[dict[str, Any]]:  # fmt: skip
    """Each case's panel first displayed in ``pages`` fresh pages, the cases taken in turn; one row per case.

    One reading of one page varies a lot on a small machine (garbage collection lands in one task or
    another); taking the cases in turn spreads the machine's slow spells over all of them. Each page's
    kernel is shut down before the next page opens. A page whose panel does not draw counts as inf. With
    more than one of ``builds`` ("auto", "full": see :data:`WHOLE_PLOTLY`), each case's row is one per build.
    """
    keys = [(name, build) for name in names for build in builds]
    label = {key: key[0] if len(builds) == 1 else f"{key[0]} [{key[1]}]" for key in keys}
    tasks: dict[tuple[str, str], list[float]] = {key: [] for key in keys}
    parts: dict[tuple[str, str], list[str]] = {key: [] for key in keys}
    drawn: dict[tuple[str, str], list[float]] = {key: [] for key in keys}
    evaluations: dict[tuple[str, str], list[float]] = {key: [] for key in keys}
    for k in range(pages):
        for name, build in keys:
            case = CASES[name]
            whole = [WHOLE_PLOTLY] if build == "full" else []
            sources = whole + ([case.setup] if case.setup else []) + [case.panel]
            write_notebook(root, f"{name}_{build}_{k}.ipynb", sources)
            context, page, received = open_page(browser, base, token, f"{name}_{build}_{k}.ipynb")
            try:
                for _ in sources:  # the import cell, then the setup cell (if any)
                    page.keyboard.press("Shift+Enter")
                settle(page)
                reading = run_panel_cell(page, received, 1)
                evaluation = page.evaluate(EVALUATION)
                tasks[name, build].append(reading["longest_task_ms"])
                parts[name, build].append(reading["longest_task_parts"])
                drawn[name, build].append(reading["drawn_ms"])
                evaluations[name, build].append(evaluation)
                print(f"|   {label[name, build]} page {k + 1}: {reading['longest_task_ms']:.0f} ms "
                      f"({reading['longest_task_parts']}); evaluation {evaluation:.0f} ms, drawn after "
                      f"{reading['drawn_ms']:.0f} ms, {reading['kb']:.0f} KB |", flush=True)  # fmt: skip
            except Exception as exc:  # a page that never draws is a reading too
                print(f"| {label[name, build]} | page {k + 1} failed: {type(exc).__name__}: {str(exc)[:120]} |",
                      flush=True)  # fmt: skip
                print(f"|   state: {stall_report(page)} |", flush=True)
                tasks[name, build].append(float("inf"))
                parts[name, build].append("did not draw")
                drawn[name, build].append(float("inf"))
                evaluations[name, build].append(float("nan"))
            finally:
                context.close()
                _shut_down_kernels(base, token)
    rows = []
    for (name, build), values in tasks.items():
        rows.append(dict(case=name, build=build, large=CASES[name].large, pages=pages,
                         median_ms=statistics.median(values), p90_ms=_pct(values, 90), max_ms=max(values),
                         tasks_ms=values, parts=parts[name, build], drawn_ms=drawn[name, build],
                         evaluation_ms=evaluations[name, build]))  # fmt: skip
        print(f"| {label[name, build]}{' (L)' if CASES[name].large else ''} | {pages} | {rows[-1]['median_ms']:.0f} | "
              f"{rows[-1]['max_ms']:.0f} | {' '.join(f'{v:.0f}' for v in values)} | "
              f"{statistics.median(evaluations[name, build]):.0f} | {statistics.median(drawn[name, build]):.0f} |",
              flush=True)  # fmt: skip
    return rows


def _shut_down_kernels(base: str, token: str) -> None:
    with urllib.request.urlopen(f"{base}/api/sessions?token={token}", timeout=30) as reply:
        sessions = json.load(reply)
    for session in sessions:
        request = urllib.request.Request(f"{base}/api/sessions/{session['id']}?token={token}", method="DELETE")
        urllib.request.urlopen(request, timeout=60).close()


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))] if ordered else float("nan")


def _line(row: dict[str, Any]) -> str:
    # a press with no change within a minute is a miss, named beside the p90 (which skips the slowest of 10 presses)
    missed = f" ({row['missed']} missed)" if row["missed"] else ""
    return (f"| {row['case']}{' (L)' if row['large'] else ''} | {row['control']} | {row['p50_ms']:.0f} | "
            f"{row['p90_ms']:.0f}{missed} | {row['longest_task_ms']:.0f} | {row['kb_per_update']:.1f} | "
            f"{row['first_display_task_ms']:.0f} |")  # fmt: skip


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    """Run the measurement chosen on the command line; return its rows."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("what", nargs="?", default="controls", choices=["controls", "first-display", "first-pages"])
    parser.add_argument("--pages", type=int, default=5, help="first-pages: fresh pages per case")
    parser.add_argument("--cases", default=",".join(CASES), help="comma-separated case names")
    parser.add_argument(  # p90 of fewer than 10 presses is their maximum: one slow press decides it
        "--presses", type=int, default=10, help="key presses per control (10 or more for a meaningful p90)"
    )
    parser.add_argument(
        "--builds", default="auto", help="first-pages: comma-separated builds of plotly's code, auto and/or full"
    )
    parser.add_argument("--json", default=None, help="write the rows to this file")
    args = parser.parse_args(argv)
    builds = tuple(args.builds.split(","))
    if not set(builds) <= {"auto", "full"}:
        parser.error(f"--builds: expected auto and/or full, got {args.builds!r}")
    from playwright.sync_api import sync_playwright

    if args.what == "controls":
        print("| case | control | p50 ms | p90 ms | longest task ms | KB/update | first display: longest task ms |")
        print("|---|---|---|---|---|---|---|")
    elif args.what == "first-pages":
        print("| case | pages | first display: median longest task ms | max ms | each page ms | "
              "median evaluation of plotly ms | median drawn after ms |")  # fmt: skip
        print("|---|---|---|---|---|---|---|")
    else:
        print("| # | panel | drawn after ms | longest task ms | sum of long tasks ms | KB received |")
        print("|---|---|---|---|---|---|")
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = pathlib.Path(tmp)
        server, base, token = start_lab(root)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
                if args.what == "first-display":
                    rows = measure_first_display(browser, base, token, root, FIRST_DISPLAY)
                elif args.what == "first-pages":
                    rows = measure_first_pages(browser, base, token, root, args.cases.split(","), args.pages, builds)
                for name in args.cases.split(",") if args.what == "controls" else []:
                    try:
                        rows += measure_case(browser, base, token, root, name, CASES[name], args.presses)
                    except Exception as exc:  # one case failing (a timeout on a loaded machine) ends only that case
                        print(f"| {name} | failed: {type(exc).__name__}: {str(exc)[:200]} |", flush=True)
                        for page in [p for context in browser.contexts for p in context.pages]:
                            print(f"|   state: {stall_report(page)} |", flush=True)
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(rows, indent=1))
    return rows


if __name__ == "__main__":
    main()
