"""SpikeProbe memory over 10^4 forward steps: does the store stay within ``max_bytes``?

Three runs on a 3-layer spiking MLP (100 -> 256 -> 256 -> 10, batch 32):

- single-step: 10^4 calls of one time step each, spikes only;
- single-step with ``record_v=True`` (float16 potentials);
- multi-step: 100 calls of T=100 steps (10^4 steps), spikes and float32 potentials.

After every forward the probe's own counter ``probe.nbytes`` is read; at the end the bytes held by
the stored tensors are also counted independently, from their storages (a view that kept a bigger
buffer alive would show here), and the process RSS growth is reported, in total (after a warm-up)
and over the last 90% of the run (a leak would grow there; a bounded store does not). The time per step with and
without the probe is printed for reference only (no claim is made on it).

Run: ``python benchmarks/probe.py [--steps 10000] [--budget-mib 1] [--device cpu|cuda]``.
"""

import argparse
import time

import torch
import torch.nn as nn

from snnlab import neuron
from snnlab.probe import SpikeProbe


def _rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _storage_bytes(probe) -> int:
    """Bytes of every distinct storage the probe keeps alive, merged chunks and pending steps
    (counted independently of probe.nbytes)."""
    seen = {}
    for layer in probe._layers.values():
        parts = [(c.spikes, c.v) for c in layer.chunks] + list(layer.pending)
        for pair in parts:
            for t in pair:
                if t is not None:
                    storage = t.untyped_storage()
                    seen[storage.data_ptr()] = storage.nbytes()
    return sum(seen.values())


def _net(step_mode, device):
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Linear(100, 256),
        neuron.IFNode(step_mode=step_mode),
        nn.Linear(256, 256),
        neuron.LIFNode(step_mode=step_mode),
        nn.Linear(256, 10),
        neuron.LIFNode(step_mode=step_mode),
    ).to(device)


def run(label, step_mode, steps, T, budget, device, **probe_kwargs):
    net = _net(step_mode, device)
    g = torch.Generator(device=device).manual_seed(1)
    x = torch.rand(T, 32, 100, generator=g, device=device) * 0.6
    calls = steps // T
    with torch.no_grad():  # warm-up: the first calls allocate caches that are not the probe's
        for _ in range(3):
            net(x) if step_mode == "m" else net(x[0])
    rss0 = _rss_mib()
    peak = 0
    with torch.no_grad(), SpikeProbe(net, max_bytes=budget, **probe_kwargs) as probe:
        start = time.perf_counter()
        for call in range(calls):
            net(x) if step_mode == "m" else net(x[0])
            peak = max(peak, probe.nbytes)
            if call == calls // 10:
                rss_tenth = _rss_mib()
        if device == "cuda":
            torch.cuda.synchronize()
        with_probe = (time.perf_counter() - start) / steps
    held = _storage_bytes(probe)
    rss1 = _rss_mib()
    start = time.perf_counter()
    with torch.no_grad():
        for _ in range(calls):
            net(x) if step_mode == "m" else net(x[0])
    if device == "cuda":
        torch.cuda.synchronize()
    without = (time.perf_counter() - start) / steps
    steps_held = probe.num_steps
    window = probe.window
    dropped = probe.dropped_steps
    ok = peak <= budget and held <= budget
    print(
        f"{label:<28} steps={steps:>6} budget={budget:>8} B  peak nbytes={peak:>8} B  "
        f"stored storages={held:>8} B  window={window} held={min(steps_held.values())}-{max(steps_held.values())}  "
        f"dropped={max(dropped.values())}  RSS +{rss1 - rss0:5.1f} MiB (last 90%: {rss1 - rss_tenth:+5.1f})  "
        f"{with_probe * 1e6:7.1f} us/step (no probe {without * 1e6:6.1f})  {'OK' if ok else 'OVER BUDGET'}",
        flush=True,
    )
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--budget-mib", type=float, default=1.0)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (1 = steady on a busy box)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    budget = int(args.budget_mib * 2**20)
    print(f"torch {torch.__version__}, device {args.device}, {torch.get_num_threads()} threads")
    results = [
        run("single-step, spikes", "s", args.steps, 1, budget, args.device),
        run("single-step, spikes + v16", "s", args.steps, 1, budget, args.device, record_v=True, v_dtype=torch.float16),
        run("multi-step T=100, spikes + v", "m", args.steps, 100, budget, args.device, record_v=True),
    ]
    print("all within budget" if all(results) else "BUDGET EXCEEDED")


if __name__ == "__main__":
    main()
