"""Events -> frames: snnlab.events.to_frames (one bincount) against tonic's ToFrame, same input, same output.

Input: 10^6 random events in time order as a NumPy structured array (tonic's sample type, fields x, y,
t, p), on an N-MNIST (34x34x2) and a DVS Gesture (128x128x2) sensor. Both sides start from that array
(snnlab's time includes reading it into tensors) and must give the same frames (checked, as int64).
Modes: a fixed number of frames with equal event counts (tonic ``n_event_bins`` = snnlab
``frames_number, split_by='number'``; 10^6 is a multiple of the frame count, where both cut alike) and a
time window (tonic ``time_window, include_incomplete=True`` = snnlab ``time_window``; the recording's
duration is not a multiple of the window, where both cut alike).

Timing: both in one process, interleaved, ``--repeats`` rounds, median per side; the ratio
snnlab / tonic is what to compare across machines (the CPU is shared; absolute times are noisy).
torch runs on ``--threads`` threads (default 1, like NumPy's ``add.at`` that tonic uses: on a loaded
2-core machine, 2 OpenMP threads made small reductions 100x slower than 1).
Target: ratio <= 0.5 at 10^6 events on CPU.

``--viewer`` measures the EventViewer instead: per move of its time slider over a 10^6-event stream, the
kernel-side time (``compute()`` + ``render()`` + serialising every widget message, as in
``benchmarks/widgets.py``) and the bytes sent, for an N-MNIST, a DVS Gesture and a DAVIS346 (346x260)
sensor, without and with a small convolutional network beside the events. Target: <= 100 ms and
<= 150 KB per update.

Run: ``python benchmarks/events.py`` (needs tonic: ``pip install 'snnlab[events]'``; under a minute).
"""

import argparse
import platform
import statistics
import time

import numpy as np
import torch

from snnlab.events import to_frames


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def make_events(n, sensor, duration, seed=0):
    rng = np.random.default_rng(seed)
    events = np.zeros(n, dtype=[("x", np.int16), ("y", np.int16), ("t", np.int64), ("p", np.int8)])
    events["t"] = np.sort(rng.integers(0, duration, n))
    events["x"] = rng.integers(0, sensor[0], n)
    events["y"] = rng.integers(0, sensor[1], n)
    events["p"] = rng.integers(0, sensor[2], n)
    return events


def viewer(repeats):
    import importlib.util
    import pathlib

    spec = importlib.util.spec_from_file_location("widget_bench", pathlib.Path(__file__).with_name("widgets.py"))
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench._install_recording_comm()
    import torch.nn as nn

    from snnlab import functional, layer, neuron
    from snnlab.events import as_events
    from widgets import EventViewer

    print(f"CPU: {cpu_model()}, torch {torch.__version__} ({torch.get_num_threads()} threads)")
    for sensor in ((34, 34, 2), (128, 128, 2), (346, 260, 2)):
        events = as_events(make_events(10**6, sensor, duration=1_000_000))
        for with_net in (False, True):
            net = None
            if with_net:
                net = nn.Sequential(layer.Conv2d(2, 8, 5, stride=2), neuron.LIFNode(), layer.Flatten())
                functional.set_step_mode(net, "m")
            panel = EventViewer(events, sensor, net=net, window=20_000, device="cpu", throttle_ms=0)
            rows = bench.measure_changes(panel, panel.position, [3 + 7 * i % 40 for i in range(repeats)])
            bench.summarize(f"EventViewer {'x'.join(map(str, sensor))}{' + conv net' if with_net else ''}", rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=10**6)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--viewer", action="store_true", help="measure the EventViewer's updates instead")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.viewer:
        viewer(max(args.repeats, 10))
        return
    import tonic.transforms

    print(
        f"CPU: {cpu_model()}, torch {torch.__version__} ({torch.get_num_threads()} threads), tonic {tonic.__version__}"
    )
    print(f"{'sensor':>12} {'mode':>22} {'frames':>6} {'tonic ms':>9} {'snnlab ms':>9} {'ratio':>6}  equal")
    for sensor in ((34, 34, 2), (128, 128, 2)):
        events = make_events(args.events, sensor, duration=300_017)
        for mode, theirs, ours in (
            ("10 frames by number", dict(n_event_bins=10), dict(frames_number=10, split_by="number")),
            ("window 10 ms", dict(time_window=10_000, include_incomplete=True), dict(time_window=10_000)),
        ):
            transform = tonic.transforms.ToFrame(sensor_size=sensor, **theirs)
            times = {"tonic": [], "snnlab": []}
            for _ in range(args.repeats):
                start = time.perf_counter()
                expected = transform(events.copy())
                times["tonic"].append(time.perf_counter() - start)
                start = time.perf_counter()
                got = to_frames(events, sensor, dtype=torch.int64, **ours)
                times["snnlab"].append(time.perf_counter() - start)
            equal = torch.equal(got, torch.from_numpy(expected.astype(np.int64)))
            t_tonic, t_ours = statistics.median(times["tonic"]), statistics.median(times["snnlab"])
            print(
                f"{'x'.join(map(str, sensor)):>12} {mode:>22} {got.shape[0]:>6} {t_tonic * 1e3:>9.1f} "
                f"{t_ours * 1e3:>9.1f} {t_ours / t_tonic:>6.3f}  {equal}"
            )
            if not equal:
                raise SystemExit(f"frames differ for {sensor} {mode}")


if __name__ == "__main__":
    main()
