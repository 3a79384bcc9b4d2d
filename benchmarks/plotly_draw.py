"""How long plotly takes to draw snnlab's figures in a bare Chromium page: snnlab's template against plotly_white.

snnlab's figures use plotly's "plotly_white" look with the axes' automargin turned off (their margins hold
the tick labels, see ``snnlab.viz.style.MARGIN``). This script measures what that saves. Each figure is
drawn with ``Plotly.newPlot`` in a fresh page (plotly's code cold: the first drawing) and then twice more
(warm), once with the figure as snnlab makes it and once with plotly_white's axes (automargin on), the two
variants interleaved in the same browser. It prints, per figure and variant, the median over the repeats
of the first drawing and of the warm drawings (ms) and their ratio.

Run: ``python benchmarks/plotly_draw.py [--repeats 5]`` (needs ``/usr/bin/chromium`` and the ``test``
extra; about a minute).
"""

import argparse
import json
import pathlib
import statistics
import sys

import plotly
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
    """The figures measured, as plotly JSON, at the sizes the panels show them."""
    g = torch.Generator().manual_seed(0)
    spikes = (torch.rand(1000, generator=g) < 0.1).float()
    made = {
        "delay_effect T=1000": vp.delay_effect(spikes, torch.roll(spikes, 3), 3, gradient=torch.randn(1000, generator=g)),
        "membrane_trace T=2000": vp.membrane_trace(torch.rand(2000, generator=g) * 1.2, torch.rand(2000, generator=g) < 0.1),
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


def main(argv: list[str] | None = None) -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="fresh pages per figure and variant")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    code = PLOTLY_JS.read_text(encoding="utf-8")
    made = figures()
    times: dict[tuple[str, str], list[list[float]]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        for _ in range(args.repeats):
            for name, fig in made.items():
                for variant, shown in (("snnlab", fig), ("plotly_white", with_plotly_white(fig))):
                    context = browser.new_context(viewport={"width": 1280, "height": 800})
                    page = context.new_page()
                    page.set_content("<html><body></body></html>")
                    page.add_script_tag(content=code)
                    page.wait_for_timeout(200)
                    times.setdefault((name, variant), []).append(page.evaluate(DRAW, shown))
                    context.close()
        browser.close()
    print("| figure | axes | first drawing ms | warm drawing ms |")
    print("|---|---|---|---|")
    for name in made:
        row = {}
        for variant in ("snnlab", "plotly_white"):
            runs = times[(name, variant)]
            row[variant] = (statistics.median(r[0] for r in runs), statistics.median(t for r in runs for t in r[1:]))
            label = "automargin off (snnlab)" if variant == "snnlab" else "automargin on (plotly_white)"
            print(f"| {name} | {label} | {row[variant][0]:.0f} | {row[variant][1]:.0f} |")
        first, warm = (row["snnlab"][k] / row["plotly_white"][k] for k in (0, 1))
        print(f"| {name} | ratio | {first:.2f} | {warm:.2f} |")


if __name__ == "__main__":
    main()
