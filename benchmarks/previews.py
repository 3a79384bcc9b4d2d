"""Cost of a panel's static preview: displaying a panel with and without the PNG in its display bundle.

For each panel at a tutorial size on the CPU, this script times ``_repr_mimebundle_()`` (what a notebook
calls to display the panel) with ``static_preview`` on and off, best of ``--repeats``, in one process, and
reports the PNG's size and the ratio. The panels are built once; displaying does not recompute.

Run: ``python benchmarks/previews.py`` (about half a minute on 2 cores).
"""

import argparse
import base64
import pathlib
import sys
import time

# This file sits next to a script named like the widgets package: import the package, not a script.
_HERE = pathlib.Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if pathlib.Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import torch  # noqa: E402

import widgets  # noqa: E402
from snnlab import layer, neuron  # noqa: E402
from snnlab.events import Events  # noqa: E402


def _debugger() -> widgets.SpikeDebugger:
    net = torch.nn.Sequential(
        layer.Flatten(step_mode="m"),
        layer.Linear(64, 32, step_mode="m"),
        neuron.LIFNode(step_mode="m"),
        layer.Linear(32, 10, step_mode="m"),
        neuron.IFNode(step_mode="m"),
    )
    x = torch.rand(20, 4, 1, 8, 8, generator=torch.Generator().manual_seed(0)) * 4.0
    return widgets.SpikeDebugger(net, x, device="cpu", throttle_ms=0)


def _events() -> widgets.EventViewer:
    g = torch.Generator().manual_seed(0)
    n = 20_000
    events = Events(
        x=torch.randint(0, 34, (n,), generator=g),
        y=torch.randint(0, 34, (n,), generator=g),
        t=torch.sort(torch.randint(0, 100_000, (n,), generator=g)).values,
        p=torch.randint(0, 2, (n,), generator=g),
    )
    return widgets.EventViewer(events, (34, 34, 2), window=5000, device="cpu", throttle_ms=0)


def _dashboard() -> widgets.TrainingDashboard:
    panel = widgets.TrainingDashboard(T=8, hidden=32, steps=5, blocking=True, device="cpu")
    panel.start()
    return panel


PANELS = {
    "RasterExplorer (N=T=100)": lambda: widgets.RasterExplorer(device="cpu", throttle_ms=0),
    "NeuronPlayground": lambda: widgets.NeuronPlayground(device="cpu", throttle_ms=0),
    "DelayExplorer": lambda: widgets.DelayExplorer(device="cpu", throttle_ms=0),
    "SimilarityExplorer": lambda: widgets.SimilarityExplorer(device="cpu", throttle_ms=0),
    "SpikeDebugger (2 layers)": _debugger,
    "TrainingDashboard (3 methods)": _dashboard,
    "EventViewer (34x34, 2e4 events)": _events,
}


def best(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    print("| panel | display without preview ms | with preview ms | ratio | PNG KB |")
    print("|---|---|---|---|---|")
    for name, make in PANELS.items():
        panel = make()
        panel.static_preview = False
        without = best(panel._repr_mimebundle_, args.repeats)
        panel.static_preview = True
        with_png = best(panel._repr_mimebundle_, args.repeats)
        png = base64.b64decode(panel._repr_mimebundle_()["image/png"])
        print(
            f"| {name} | {without * 1e3:.1f} | {with_png * 1e3:.0f} | {with_png / without:.0f}x | {len(png) / 1024:.1f} |"
        )
        panel.close()


if __name__ == "__main__":
    main()
