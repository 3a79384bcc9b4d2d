"""Benchmarks of snnlab.viz and the canvas raster widget against the figure targets.

Targets (1000 x 1000 raster = 10^6 cells, 5 % spikes unless said):
  - canvas raster update (``CanvasRaster.set_spikes``): <= 50 ms of kernel time, <= 150 KB sent;
  - matplotlib raster drawn and saved to PNG: <= 200 ms;
  - 10^4 x 1000 with 10^6 spikes still renders (binned image) in <= 1 s.
Also reported: the plotly raster (figure build and in-place refill of a FigureWidget, with the
bytes it would send) and one update of every other figure at widget-panel sizes.

Kernel time is wall time in this process (``time.perf_counter``), median of repeats. "Sent" is
what the widget hands to its comm for one update: the JSON of the message plus its binary
buffers (a recording comm replaces the kernel's; nothing is sent anywhere). With CUDA, the canvas
case is also run from a GPU tensor (bits packed on the device before the copy to the host).

Run: ``python benchmarks/viz.py`` (about half a minute on 2 idle cores).
"""

import argparse
import io
import json
import os
import platform
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import matplotlib

matplotlib.use("Agg")
import plotly.graph_objects as go
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from snnlab.surrogate import Sigmoid
from snnlab.viz import mpl as vm
from snnlab.viz import plotly as vp
from widgets.canvas_raster import CanvasRaster


class Timing(float):
    """Median milliseconds (the value) that also prints its minimum: ``median (min)``."""

    def __new__(cls, times):
        obj = super().__new__(cls, statistics.median(times))
        obj.best = min(times)
        return obj

    def __format__(self, spec):
        return f"{format(float(self), spec)} ms (min {format(self.best, spec)})"


def median_ms(fn, repeats):
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return Timing(times)


def record_comm(widget):
    """Replace the widget's comm send by a recorder; returns the list of (json bytes, buffer bytes)."""
    sent = []

    def send(data=None, metadata=None, buffers=None):
        sent.append((len(json.dumps(data, default=str)), sum(len(memoryview(b).cast("B")) for b in buffers or [])))

    widget.comm.send = send
    return sent


def spikes(t, n, p, seed, device="cpu"):
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(t, n, generator=g) < p).to(device)


def canvas_case(t, n, p, device, repeats):
    frames = [spikes(t, n, p, seed, device) for seed in range(4)]
    w = CanvasRaster()
    sent = record_comm(w)
    state = {"i": 0}

    def update():
        state["i"] += 1
        w.set_spikes(frames[state["i"] % len(frames)])
        if device != "cpu":
            torch.cuda.synchronize()

    ms = median_ms(update, repeats)
    json_b, buf_b = sent[-1]
    return ms, (json_b + buf_b) / 1e3, len(sent) / (repeats + 1), w


def mpl_png_ms(s, repeats, **kwargs):
    def run():
        fig = Figure(figsize=(8, 5), dpi=100)
        vm.raster(fig.subplots(), s, **kwargs)
        fig.savefig(io.BytesIO(), format="png")

    return median_ms(run, repeats)


def plotly_refill(s, repeats):
    widget = go.FigureWidget(vp.raster(s))
    sent = record_comm(widget)
    frames = [s, s.roll(1, dims=0)]
    state = {"i": 0}

    def update():
        state["i"] += 1
        vp.raster(frames[state["i"] % 2], fig=widget)

    ms = median_ms(update, repeats)
    before = len(sent)
    update()
    one = sent[before:]
    return ms, sum(j + b for j, b in one) / 1e3, len(one)


def small_figures(repeats):
    """(name, ms per matplotlib update (the figure called again on its axes), ms per plotly refill) at panel sizes."""
    g = torch.Generator().manual_seed(0)
    v = torch.rand(1000, generator=g) * 1.2
    s = (v > 1.0).float()
    times = torch.randint(-1, 100, (28, 28), generator=g)
    sim = torch.rand(32, 32, generator=g)
    x = (torch.rand(200, generator=g) < 0.1).float()
    runs = {f"run {i}": torch.rand(200, generator=g).cumsum(0).flip(0) for i in range(4)}
    rates = torch.rand(10_000, generator=g) * 0.3
    cases = {
        "membrane_trace (T=1000)": (
            lambda ax: vm.membrane_trace(ax, v, s),
            lambda f: vp.membrane_trace(v, s, fig=f),
        ),
        "first_spike_map (28x28)": (
            lambda ax: vm.first_spike_map(ax, times),
            lambda f: vp.first_spike_map(times, fig=f),
        ),
        "similarity_matrix (32x32)": (
            lambda axes: vm.similarity_matrix(axes, sim, sim),
            lambda f: vp.similarity_matrix(sim, sim, fig=f),
        ),
        "delay_effect (T=200)": (
            lambda ax: vm.delay_effect(ax, x, x.roll(3), 3),
            lambda f: vp.delay_effect(x, x.roll(3), 3, fig=f),
        ),
        "training_curves (4x200)": (
            lambda ax: vm.training_curves(ax, runs),
            lambda f: vp.training_curves(runs, fig=f),
        ),
        "firing_rate_histogram (1e4)": (
            lambda ax: vm.firing_rate_histogram(ax, rates),
            lambda f: vp.firing_rate_histogram(rates, fig=f),
        ),
        "surrogate (401 points)": (
            lambda ax: vm.surrogate(ax, Sigmoid()),
            lambda f: vp.surrogate(Sigmoid(alpha=8.0), fig=f),
        ),
    }
    rows = []
    for name, (draw, refill) in cases.items():
        fig = Figure()
        FigureCanvasAgg(fig)
        target = fig.subplots(1, 2) if "similarity" in name else fig.subplots()
        draw(target)  # build; each later call on the same axes updates the artists in place

        def mpl_update(draw=draw, target=target, fig=fig):
            draw(target)
            fig.canvas.draw()

        plotly_fig = refill(None)
        rows.append((name, median_ms(mpl_update, repeats), median_ms(lambda: refill(plotly_fig), repeats)))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    r = args.repeats
    print(
        f"# snnlab.viz benchmarks  (torch {torch.__version__}, matplotlib {matplotlib.__version__}, "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cpus, "
        f"load {os.getloadavg()[0]:.1f})"
    )

    print("\n## Canvas raster (CanvasRaster.set_spikes), target <= 50 ms and <= 150 KB per update")
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    for device in devices:
        ms, kb, msgs, w = canvas_case(1000, 1000, 0.05, device, 2 * r)
        print(
            f"1000 x 1000, 5 % spikes, {device:4s}: {ms:7.2f}, {kb:7.1f} KB sent, {msgs:.0f} message(s) "
            f"per update, {w!r}"
        )
    ms, kb, _, w = canvas_case(10_000, 1000, 0.1, "cpu", r)
    print(f"10^4 x 1000, 10^6 spikes, cpu : {ms:7.2f}, {kb:7.1f} KB sent ({w!r})")

    print("\n## matplotlib raster to PNG (8 x 5 in at 100 dpi), target <= 200 ms")
    s = spikes(1000, 1000, 0.05, 0)

    def empty_axes():
        fig = Figure(figsize=(8, 5), dpi=100)
        fig.subplots().set_xlim(0, 1000)
        fig.savefig(io.BytesIO(), format="png")

    print(f"baseline: the same figure with an empty axes    : {median_ms(empty_axes, r):7.1f}")
    print(f"1000 x 1000, 5 % spikes (image path)            : {mpl_png_ms(s, r):7.1f}")
    print(f"1000 x 1000, 5 % spikes, rate margin            : {mpl_png_ms(s, r, rate_margin=True):7.1f}")
    big = spikes(10_000, 1000, 0.1, 1)
    print(f"10^4 x 1000, {int(big.sum()):,} spikes (binned x5), target <= 1 s: {mpl_png_ms(big, max(r // 2, 3)):7.1f}")
    small = spikes(200, 100, 0.2, 2)
    print(f"200 x 100, {int(small.sum())} spikes (marker path)         : {mpl_png_ms(small, r):7.1f}")

    print("\n## plotly raster")
    ms_build = median_ms(lambda: vp.raster(s), r)
    fig = vp.raster(s)
    print(
        f"1000 x 1000 build: {ms_build:7.1f}, PNG image {len(fig.layout.images[0].source) / 1e3:.1f} KB "
        f"(base64), figure JSON {len(fig.to_json()) / 1e3:.1f} KB"
    )
    ms, kb, n_msgs = plotly_refill(s, r)
    print(f"1000 x 1000 FigureWidget refill: {ms:7.1f}, {kb:.1f} KB sent in {n_msgs} message(s)")
    ms_big = median_ms(lambda: vp.raster(big), max(r // 2, 3))
    print(
        f"10^4 x 1000 (10^6 spikes) build, target <= 1 s: {ms_big:7.1f}, "
        f"figure JSON {len(vp.raster(big).to_json()) / 1e3:.1f} KB"
    )

    print("\n## Other figures: one update (matplotlib: update + canvas draw; plotly: fig= refill)")
    for name, mpl_ms, plotly_ms in small_figures(r):
        print(f"{name:30s} mpl {mpl_ms:6.1f}   plotly {plotly_ms:6.1f}")


if __name__ == "__main__":
    main()
