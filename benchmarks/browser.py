"""Panels in a real browser: JupyterLab in Chromium (Playwright), time from a key press to a visible change.

For each case (a panel at a size) this script writes a one-cell notebook, opens it in JupyterLab,
runs it, waits for the panel's figures to draw, then presses ArrowRight on each slider ``--presses``
times. For every press it measures, in the page:

- the time from the key press to the first change of the panel's figures (a MutationObserver on the
  figures area: plotly redraws SVG, the canvas raster counts its paints in ``data-paints``);
- the longest main-thread task (PerformanceObserver 'longtask', registered before the page loads)
  between the press and one second after the change;
- the bytes the kernel sent to the page over the websocket in that time (every frame received).

It also records the longest task while the panel first displays. Budgets (issue text): p90 <= 150 ms
at default sizes, <= 300 ms at large ones; no task over 200 ms; <= 150 KB per update.

Run: ``python benchmarks/browser.py`` (needs ``/usr/bin/chromium`` and the ``test`` extra; several
minutes). ``--cases raster_default,raster_big`` picks cases; ``--json out.json`` saves the table.
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

ROOT = pathlib.Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip

CASES = {
    "raster_default": ('RasterExplorer(device="cpu")', ["t", "neuron", "tau", "gain", "T"]),
    "raster_2000x2000": ('RasterExplorer(N=2000, T=2000, device="cpu")', ["t", "neuron", "tau"]),
    "raster_1e4x1000": ('RasterExplorer(N=10000, T=1000, device="cpu")', ["t", "neuron", "tau"]),
    "playground_default": ('NeuronPlayground(device="cpu")', ["tau", "threshold", "amplitude"]),
    "playground_T2000": ('NeuronPlayground(T=2000, device="cpu")', ["tau", "amplitude"]),
    "delay_default": ('DelayExplorer(device="cpu")', ["delay steps", "T"]),
}

INIT = """
window.__longtasks = [];
new PerformanceObserver(list => { for (const e of list.getEntries()) window.__longtasks.push([e.startTime, e.duration]); })
    .observe({type: 'longtask', buffered: true});
"""
KERNEL_IDLE = "() => / Idle/.test((document.querySelector('#jp-main-statusbar') || {}).textContent || '')"
DRAWN = """() => { const p = [...document.querySelectorAll('.snnlab-figures .js-plotly-plot')];
    return p.length > 0 && p.every(gd => gd.layout && gd.layout.meta && gd.layout.meta.snnlab); }"""
ARM = """() => new Promise(resolve => {
    const area = document.querySelector('.snnlab-figures');
    window.__changed = null;
    const observer = new MutationObserver(() => {
        if (window.__changed === null) window.__changed = performance.now();
    });
    observer.observe(area, {subtree: true, childList: true, attributes: true, characterData: true});
    window.__observer = observer;
    resolve(performance.now());
})"""


def start_lab(root):
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


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_notebook(root, name, source):
    cells = [
        {
            "cell_type": "code",
            "metadata": {},
            "outputs": [],
            "execution_count": None,
            "source": "from widgets import *",
        },
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": source},
    ]
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook = {"cells": cells, "metadata": {"kernelspec": kernel}, "nbformat": 4, "nbformat_minor": 5}
    (root / name).write_text(json.dumps(notebook))


def measure_case(browser, base, token, root, name, source, controls, presses):
    write_notebook(root, f"{name}.ipynb", source)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.route("**/*", lambda route: route.continue_() if "127.0.0.1" in route.request.url
                  or route.request.url.startswith(("data:", "blob:")) else route.abort())  # fmt: skip
    context.add_init_script(INIT)
    page = context.new_page()
    page.set_default_timeout(180_000)
    received = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: received.append(
        (time.monotonic(), len(payload)))))  # fmt: skip
    page.goto(f"{base}/lab/tree/{name}.ipynb?reset&token={token}")
    page.locator(".jp-Notebook").first.wait_for()
    page.wait_for_function(KERNEL_IDLE)
    shown_at = page.evaluate("performance.now()")
    page.locator(".jp-Cell .jp-InputPrompt").first.click()
    page.keyboard.press("Shift+Enter")
    page.keyboard.press("Shift+Enter")
    page.wait_for_function(DRAWN, timeout=300_000)
    page.wait_for_function(KERNEL_IDLE)
    page.wait_for_timeout(2000)
    first_display = max([d for s, d in page.evaluate("window.__longtasks") if s >= shown_at] or [0.0])
    rows = []
    for label in controls:
        exact = page.locator(".widget-label", has_text=re.compile(f"^{re.escape(label)}$"))  # "t" is not "T"
        handle = page.locator(".widget-slider", has=exact).first.locator(".noUi-handle")
        handle.scroll_into_view_if_needed()
        handle.focus()
        latencies, tasks, sizes = [], [], []
        for _ in range(presses):
            page.wait_for_timeout(300)
            before = page.evaluate(ARM)
            sent_from = time.monotonic()
            handle.press("ArrowRight")
            try:
                page.wait_for_function("() => window.__changed !== null", timeout=60_000)
            except Exception:  # no visible change within a minute: recorded as a miss
                latencies.append(float("inf"))
                continue
            changed = page.evaluate("window.__changed")
            page.wait_for_function(KERNEL_IDLE)
            page.wait_for_timeout(1000)
            latencies.append(changed - before)
            tasks.append(max([d for s, d in page.evaluate("window.__longtasks") if s >= before] or [0.0]))
            sizes.append(sum(n for t, n in received if t >= sent_from))
        rows.append(dict(case=name, control=label, p50_ms=_pct(latencies, 50), p90_ms=_pct(latencies, 90),
                         longest_task_ms=max(tasks or [0.0]), kb_per_update=statistics.mean(sizes or [0]) / 1e3,
                         first_display_task_ms=first_display))  # fmt: skip
        print(_line(rows[-1]), flush=True)
    context.close()
    return rows


def _pct(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))] if ordered else float("nan")


def _line(row):
    return (f"| {row['case']} | {row['control']} | {row['p50_ms']:.0f} | {row['p90_ms']:.0f} | "
            f"{row['longest_task_ms']:.0f} | {row['kb_per_update']:.1f} | {row['first_display_task_ms']:.0f} |")  # fmt: skip


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default=",".join(CASES), help="comma-separated case names")
    parser.add_argument("--presses", type=int, default=6, help="key presses per control")
    parser.add_argument("--json", default=None, help="write the rows to this file")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    print("| case | control | p50 ms | p90 ms | longest task ms | KB/update | first display: longest task ms |")
    print("|---|---|---|---|---|---|---|")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = pathlib.Path(tmp)
        server, base, token = start_lab(root)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
                for name in args.cases.split(","):
                    source, controls = CASES[name]
                    rows += measure_case(browser, base, token, root, name, source, controls, args.presses)
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(rows, indent=1))
    return rows


if __name__ == "__main__":
    main()
