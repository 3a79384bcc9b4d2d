"""How long plotly takes to draw snnlab's figures in a bare Chromium page, against the way they were drawn before.

Two choices are measured, each against the figure as it was before:

- **axes**: snnlab's figures use plotly's "plotly_white" look with the axes' automargin turned off (their
  margins hold the tick labels, see ``snnlab.viz.style.MARGIN``); the other variant has automargin on.
- **marks**: spike marks are one SVG path (a layout shape, ``snnlab.viz.plotly.mark_shapes``); the other
  variant draws them as a line trace with NaN gaps, which plotly draws as one ``<path>`` per spike.

Each figure is drawn with ``Plotly.newPlot`` in a fresh page (plotly's code cold: the first drawing) and
then twice more (warm), once as snnlab makes it and once as the other variant, interleaved in the same
browser. It prints, per figure and variant, the median over the repeats of the first drawing and of the
warm drawings (ms) and their ratio.

Run: ``python benchmarks/plotly_draw.py [--repeats 5]`` (needs ``/usr/bin/chromium`` and the ``test``
extra; about two minutes).
"""

import argparse
import json
import pathlib
import statistics
import sys

import numpy as np
import plotly
import plotly.graph_objects as go
import plotly.io as pio
import torch

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from snnlab.surrogate import Sigmoid  # noqa: E402
from snnlab.viz import plotly as vp  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
PLOTLY_JS = pathlib.Path(plotly.__file__).parent / "package_data" / "plotly.min.js"

# One drawing, then two warm ones, of the same figure in the page (each a fresh element); times in ms.
DRAW = """async (fig) => {
    const times = [];
    for (let i = 0; i < 3; i++) {
        const el = document.createElement('div');
        document.body.appendChild(el);
        const start = performance.now();
        await Plotly.newPlot(el, structuredClone(fig));
        times.push(performance.now() - start);
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return times;
}"""


def figures() -> dict[str, dict]:
    """The figures measured, as plotly JSON, at the sizes the panels show them.

    The membrane figure fires at every third step, as the NeuronPlayground's default input makes a LIF
    neuron do (666 spikes in 2000 steps); the delay figure's input at 10 %.
    """
    g = torch.Generator().manual_seed(0)
    spikes = (torch.rand(1000, generator=g) < 0.1).float()
    made = {
        "delay_effect T=1000": vp.delay_effect(spikes, torch.roll(spikes, 3), 3, gradient=torch.randn(1000, generator=g)),
        "membrane_trace T=2000": vp.membrane_trace(torch.rand(2000, generator=g) * 1.2, torch.arange(2000) % 3 == 2),
        "similarity_matrix 16": vp.similarity_matrix(torch.rand(16, 16, generator=g), torch.eye(16), loss=0.1),
        "surrogate": vp.surrogate(Sigmoid(alpha=4.0)),
    }  # fmt: skip
    out = {}
    for name, fig in made.items():
        fig.update_layout(width=800, height=380)
        out[name] = json.loads(pio.to_json(fig))
    return out


def with_plotly_white(fig: dict) -> dict:
    """The same figure with plotly_white's axes: automargin on (as snnlab drew before)."""
    fig = json.loads(json.dumps(fig))
    for axis in ("xaxis", "yaxis"):
        fig["layout"]["template"]["layout"][axis]["automargin"] = True
    return fig


def with_trace_marks(fig: dict) -> dict | None:
    """The same figure with its spike marks drawn by their traces, NaN-separated (as snnlab drew before).

    None for a figure without marks.
    """
    original = go.Figure(fig)
    fig = json.loads(json.dumps(fig))
    shapes = fig["layout"].get("shapes", [])
    marks = {s["name"]: s for s in shapes if s.get("type") == "path" and s.get("visible", True)}
    if not marks:
        return None
    fig["layout"]["shapes"] = [s for s in shapes if s.get("name") not in marks]
    for trace in fig["data"]:
        if trace.get("meta") in marks:
            xs, y0, y1 = vp.mark_positions(original, trace["meta"])
            gap = np.full_like(xs, np.nan)
            trace["x"] = np.stack([xs, xs, gap], 1).ravel().tolist()  # NaN -> null in JSON: a gap
            trace["y"] = np.stack([y0, y1, gap], 1).ravel().tolist()
            trace["connectgaps"] = False
    return json.loads(json.dumps(fig).replace("NaN", "null"))


#: what each comparison changes: (snnlab's label, the other variant's label, the other variant)
COMPARISONS = {
    "axes": ("automargin off (snnlab)", "automargin on (plotly_white)", with_plotly_white),
    "marks": ("marks: one path (snnlab)", "marks: a trace with gaps", with_trace_marks),
}


def main(argv: list[str] | None = None) -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="fresh pages per figure and variant")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    code = PLOTLY_JS.read_text(encoding="utf-8")
    made = figures()
    cases = [(name, what, {"snnlab": fig, "other": other})
             for what, (_, _, change) in COMPARISONS.items() for name, fig in made.items()
             if (other := change(fig)) is not None]  # fmt: skip
    times: dict[tuple[str, str, str], list[list[float]]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        for _ in range(args.repeats):
            for name, what, variants in cases:
                for variant, shown in variants.items():
                    context = browser.new_context(viewport={"width": 1280, "height": 800})
                    page = context.new_page()
                    page.set_content("<html><body></body></html>")
                    page.add_script_tag(content=code)
                    page.wait_for_timeout(200)
                    times.setdefault((name, what, variant), []).append(page.evaluate(DRAW, shown))
                    context.close()
        browser.close()
    print("| figure | variant | first drawing ms | warm drawing ms |")
    print("|---|---|---|---|")
    for name, what, _ in cases:
        row = {}
        for variant, label in zip(("snnlab", "other"), COMPARISONS[what][:2]):
            runs = times[(name, what, variant)]
            row[variant] = (statistics.median(r[0] for r in runs), statistics.median(t for r in runs for t in r[1:]))
            print(f"| {name} | {label} | {row[variant][0]:.0f} | {row[variant][1]:.0f} |")
        first, warm = (row["snnlab"][k] / row["other"][k] for k in (0, 1))
        print(f"| {name} | ratio | {first:.2f} | {warm:.2f} |")


if __name__ == "__main__":
    main()
