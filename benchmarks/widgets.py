"""Kernel-side responsiveness of the widget panels: time and bytes per redraw after a control change.

For each panel at its default sizes, on the CPU (and on CUDA when present), this script moves one
control through a series of values, the way a slider drag does, and measures for each change the
wall-clock time from setting the value to the end of the redraw (``compute()`` + ``render()`` +
serialising every widget message), plus the number and size of the messages sent. Throttling is
off (``throttle_ms=0``) so that every change redraws: the numbers are the cost of one redraw.

Messages are measured by a recording comm that replaces the kernel's: it JSON-encodes each message
as a kernel would and adds the binary buffers' sizes. No kernel and no browser are needed.

It also measures:
- throttling: 50 changes arriving 10 ms apart with the default 50 ms throttle -> how many redraws;
- background work: SimilarityExplorer's 10 gradient steps, and the delay between ``stop()`` and the
  end of a long run.

Target: a slider change redraws in <= 100 ms end to end in the kernel for the default sizes on CPU.

Run: ``python benchmarks/widgets.py`` (about a minute on 2 cores).
"""

import argparse
import json
import pathlib
import statistics
import sys
import threading
import time

# This file is named like the package it measures: import the package, not this script.
_HERE = pathlib.Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if pathlib.Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import comm  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402


class RecordingComm(comm.base_comm.BaseComm):
    """A comm that serialises what it is asked to send, as a kernel would, and counts it."""

    messages = 0
    bytes_sent = 0

    def publish_msg(self, msg_type, data=None, metadata=None, buffers=None, **keys):
        size = len(json.dumps(data, default=str, separators=(",", ":")))
        size += sum(memoryview(b).nbytes for b in (buffers or ()))
        RecordingComm.messages += 1
        RecordingComm.bytes_sent += size


def _install_recording_comm():
    comm.create_comm = lambda *args, **kwargs: RecordingComm(*args, **kwargs)


def measure_changes(panel, control, values):
    """Set ``control.value`` to each of ``values``; per change: ms, messages, bytes."""
    rows = []
    for value in values:
        RecordingComm.messages = RecordingComm.bytes_sent = 0
        start = time.perf_counter()
        control.value = value
        elapsed = (time.perf_counter() - start) * 1e3
        if panel.error is not None:
            raise RuntimeError(f"{type(panel).__name__}: {panel.status_text}")
        rows.append((elapsed, RecordingComm.messages, RecordingComm.bytes_sent, panel.compute_ms, panel.render_ms))
    return rows


def summarize(name, rows):
    ms = [r[0] for r in rows]
    msgs = [r[1] for r in rows]
    kb = [r[2] / 1024 for r in rows]
    compute = [r[3] for r in rows]
    render = [r[4] for r in rows]
    print(
        f"{name:<48} median {statistics.median(ms):7.1f} ms  p90 {np.percentile(ms, 90):7.1f}  "
        f"max {max(ms):7.1f}  (compute {statistics.median(compute):5.1f}, render {statistics.median(render):5.1f})  "
        f"msgs {statistics.median(msgs):4.0f}  {statistics.median(kb):7.1f} KB"
    )


def cases(device):
    from widgets import DelayExplorer, NeuronPlayground, RasterExplorer, SimilarityExplorer

    kw = dict(device=device, throttle_ms=0)
    playground = NeuronPlayground(**kw)
    yield "NeuronPlayground tau (LIF, T=100)", playground, playground.params["tau"], np.linspace(1.5, 10.0, 20)
    yield "NeuronPlayground threshold", playground, playground.params["v_threshold"], np.linspace(0.5, 2.0, 20)
    playground.input.value = "poisson"
    yield "NeuronPlayground rate (poisson input)", playground, playground.rate, np.linspace(0.1, 0.9, 20)
    raster = RasterExplorer(**kw)
    yield "RasterExplorer tau (N=100, T=100, LIF re-run)", raster, raster.tau, np.linspace(1.5, 10.0, 20)
    yield "RasterExplorer window (selection only)", raster, raster.window, [(i, 60 + i) for i in range(20)]
    yield "RasterExplorer neuron (selection only)", raster, raster.neuron, list(range(0, 100, 5))
    yield "RasterExplorer t (scrubber)", raster, raster.t, list(range(0, 100, 5))
    big = RasterExplorer(N=1000, T=1000, **kw)
    yield "RasterExplorer window, N=1000 T=1000 (canvas)", big, big.window, [(i, 900 + i) for i in range(0, 100, 10)]
    similarity = SimilarityExplorer(**kw)
    similarity.kernel.value = "gaussian"
    yield "SimilarityExplorer sigma (gaussian, N=12)", similarity, similarity.sigma, np.linspace(1.0, 10.0, 19)
    yield (
        "SimilarityExplorer kernel",
        similarity,
        similarity.kernel,
        ["linear", "sigmoid", "gaussian", "polynomial"] * 3,
    )
    delay_panel = DelayExplorer(**kw)
    yield "DelayExplorer delay steps (T=40)", delay_panel, delay_panel.delay_steps, list(range(0, 40, 2))


def throttling(device):
    from widgets import NeuronPlayground

    panel = NeuronPlayground(device=device)  # default throttle
    redraws = []
    panel.status.observe(lambda change: redraws.append(1), names="value")
    for value in np.linspace(1.5, 10.0, 50):
        panel.tau.set_state({"value": float(value)})  # as a browser drag delivers it
        time.sleep(0.01)
    time.sleep(0.2)
    panel.flush()
    print(
        f"throttling: 50 changes 10 ms apart -> {len(redraws)} redraws (default throttle {panel.throttle_s * 1e3:.0f} ms)"
    )


def background(device):
    from widgets import SimilarityExplorer

    panel = SimilarityExplorer(device=device, throttle_ms=0, blocking=True)
    start = time.perf_counter()
    panel.train()
    print(
        f"SimilarityExplorer: {panel.steps.value} gradient steps with a redraw each: "
        f"{(time.perf_counter() - start) * 1e3:.1f} ms (loss {panel.result.losses[0]:.4f} -> {panel.result.loss:.4f})"
    )
    panel = SimilarityExplorer(device=device, throttle_ms=0)
    panel.steps.value = 100
    run = panel.train()
    while run.steps_done < 3:
        time.sleep(0.001)
    start = time.perf_counter()
    panel.stop()
    run.wait(10)
    print(
        f"stop -> run ended in {(time.perf_counter() - start) * 1e3:.1f} ms after {run.steps_done} steps "
        f"(state {run.state!r})"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    _install_recording_comm()
    torch.set_num_threads(max(1, torch.get_num_threads()))
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, devices: {', '.join(devices)}")
    for device in devices:
        print(f"--- {device}")
        for name, panel, control, values in cases(device):
            values = [v.item() if isinstance(v, np.generic) else v for v in values]
            measure_changes(panel, control, values[:2])  # warm-up
            summarize(name, measure_changes(panel, control, values))
        throttling(device)
        background(device)
    print(f"threads alive at the end: {threading.active_count()}")


if __name__ == "__main__":
    main()
