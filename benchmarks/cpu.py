"""CPU benchmarks of the core against SpikingJelly 0.0.0.0.14's formulations, in one process.

Each case times snnlab and the reference formulation alternately (interleaved repeats, median),
so machine noise hits both alike, and reports the ratio snnlab / reference. The reference
formulations are written out here from their documented algorithms:

- multi-step LIF forward+backward: SpikingJelly's torch backend, a per-step eager loop (charge,
  a surrogate autograd function for the spike, hard reset) with autograd recording every step;
- ``first_spike_index``: the double cumulative sum ``x.cumsum(-1).cumsum(-1) == 1``;
- TET cross entropy: ``cross_entropy`` on the double-transposed ``[N, C, T]`` logits against the
  target repeated over T.

Peak extra memory of the LIF forward+backward is the peak resident memory a fresh process adds
beyond its input while it runs the pass, per element T*N (see ``peak_extra_bytes_per_element``).

The neuron zoo (``--zoo``, needs ``spikingjelly==0.0.0.0.14``): each 0.14 neuron's multi-step
forward+backward against 0.14's own class on the same input (``step_mode='m'``,
``backend='torch'``), and the fused CubaLIF and adaptive LIF against the fused LIF at the same size.

Run: ``python benchmarks/cpu.py`` (about a minute on 2 cores; ``--zoo`` adds a few minutes, ``--only-zoo``
runs that part alone). Results: benchmarks/RESULTS.md.
"""

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

import snnlab
from snnlab import functional, neuron


class _SigmoidSpike(torch.autograd.Function):
    """The reference's spike function: Heaviside forward, sigmoid-derivative backward (alpha=4)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (x >= 0).to(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        s = torch.sigmoid(4.0 * x)
        return grad * (1.0 - s) * s * 4.0


def reference_lif(x_seq, tau=2.0, v_threshold=1.0, v_reset=0.0):
    """Per-step eager LIF (decay_input, hard reset), the way a Python loop over time records it."""
    v = torch.full_like(x_seq[0], v_reset)
    spikes = []
    for x in x_seq:
        h = v + (x - (v - v_reset)) / tau
        s = _SigmoidSpike.apply(h - v_threshold)
        v = (1.0 - s) * h + s * v_reset
        spikes.append(s)
    return torch.stack(spikes)


def snnlab_lif(x_seq):
    node = neuron.LIFNode(tau=2.0, step_mode="m")
    return node(x_seq)


def reference_first_spike_index(spikes):
    with torch.no_grad():
        return spikes.cumsum(-1).cumsum(-1) == 1


def reference_tet(x_seq, target):
    T = x_seq.shape[0]
    repeated = target.unsqueeze(1).repeat(1, T, *([1] * (target.dim() - 1)))
    return F.cross_entropy(x_seq.transpose(0, 1).transpose(1, 2), repeated)


def _time(fn, repeats):
    fn()  # warm-up
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def ratio(candidate, reference, repeats):
    """Median seconds of both, measured interleaved, and their ratio."""
    c_times, r_times = [], []
    candidate(), reference()
    for _ in range(repeats):
        c_times += _time(candidate, 1)
        r_times += _time(reference, 1)
    c, r = statistics.median(c_times), statistics.median(r_times)
    return c, r, c / r


_MEMORY_PROBE = r"""
import sys, torch
sys.path.insert(0, {here!r})
import cpu
fn = cpu.snnlab_lif if sys.argv[1] == "snnlab" else cpu.reference_lif
T, N = int(sys.argv[2]), int(sys.argv[3])
warm = (torch.rand(T, 4096) * 1.5).requires_grad_()
fn(warm).sum().backward()                      # first-use allocations happen here, not below
x = (torch.rand(T, N) * 1.5).requires_grad_()
rss = lambda: int(open("/proc/self/statm").read().split()[1]) * 4096
before = rss()
spikes = fn(x)                                 # the caller keeps its spikes, as training code does
spikes.sum().backward()
peak = [int(l.split()[1]) * 1024 for l in open("/proc/self/status") if l.startswith("VmHWM:")][0]
print((peak - before) / (T * N))
"""


def peak_extra_bytes_per_element(which, T, N):
    """Peak resident bytes that ``which`` LIF forward+backward adds beyond its input, per element.

    Measured in a fresh process from its resident high-water mark (``VmHWM``, which unlike
    ``ru_maxrss`` does not inherit the parent's peak); glibc's mmap threshold is pinned
    at 64 KiB so every large tensor is mapped and unmapped with its lifetime (resident memory then
    follows the live tensors). Counts the spike output, what autograd keeps, the input's gradient
    and every temporary.
    """
    here = os.path.dirname(os.path.abspath(__file__))
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="65536", OMP_NUM_THREADS="1")
    out = subprocess.run(
        [sys.executable, "-c", _MEMORY_PROBE.format(here=here), which, str(T), str(N)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip())


# (snnlab class, constructor arguments); the 0.14 class has the same name and arguments
ZOO = [
    ("IFNode", {}),
    ("LIFNode", {}),
    ("ParametricLIFNode", {}),
    ("QIFNode", {}),
    ("EIFNode", {}),
    ("IzhikevichNode", {"a": 0.3, "b": 0.2}),
    ("LIAFNode", {"act": "ReLU", "threshold_related": True}),
    ("KLIFNode", {}),
]


def _zoo_node(lib, name, kwargs, sg):
    kwargs = dict(kwargs)
    if "act" in kwargs:
        kwargs["act"] = getattr(torch.nn, kwargs["act"])()
    cls = getattr(lib, name)
    if lib is not neuron and name == "LIAFNode":
        # 0.14's LIAFNode cannot be built or stepped as shipped (COMPATIBILITY.md): the minimal repair
        cls = type("LIAF014", (cls,), {"single_step_cupy_fp32_inference": False, "single_step_forward": _liaf014_step})
    node = cls(step_mode="m", surrogate_function=sg, **kwargs)
    if lib is not neuron:
        node.backend = "torch"
    return node


def _liaf014_step(self, x):
    self.v_float_to_tensor(x)
    return type(self).__mro__[1].single_step_forward(self, x)


def zoo_rows(repeats, T=32, N=8 * 4096):
    """Ratios of the neuron zoo: snnlab / 0.14 per 0.14 neuron, fused CubaLIF and adaptive LIF / fused LIF."""
    from spikingjelly.activation_based import neuron as sj_neuron
    from spikingjelly.activation_based import surrogate as sj_surrogate

    from snnlab import surrogate

    x = (torch.rand(T, N) * 1.5).requires_grad_()

    def fwd_bwd(make):
        def run():
            x.grad = None
            make()(x).sum().backward()

        return run

    rows = []
    for name, kwargs in ZOO:
        ours = fwd_bwd(lambda n=name, k=kwargs: _zoo_node(neuron, n, k, surrogate.Sigmoid()))
        ref = fwd_bwd(lambda n=name, k=kwargs: _zoo_node(sj_neuron, n, k, sj_surrogate.Sigmoid()))
        c, r, q = ratio(ours, ref, repeats)
        rows.append((f"{name} fwd+bwd vs 0.14, T={T}, N={N} fp32", c, r, q, 0.60))
    lif = fwd_bwd(lambda: neuron.LIFNode(step_mode="m"))
    for name in ("CubaLIFNode", "AdaptiveLIFNode"):
        c, r, q = ratio(fwd_bwd(lambda n=name: getattr(neuron, n)(step_mode="m")), lif, repeats)
        rows.append((f"fused {name} fwd+bwd vs fused LIFNode, T={T}, N={N} fp32", c, r, q, 2.0))
    return rows


def print_rows(rows):
    print("\n| case | snnlab ms | reference ms | ratio | target |\n|---|---|---|---|---|")
    for name, c, r, q, target_ratio in rows:
        print(f"| {name} | {c * 1e3:.2f} | {r * 1e3:.2f} | {q:.2f} | <= {target_ratio:.2f} |")


def chunked_bptt_ratios(repeats):
    """Time and saved-bytes ratios of one chunked (chunks of 32) vs one plain BPTT update at T=1024.

    The ms columns of these rows hold the ratio and 1.0: both are measured in this process,
    interleaved (time) or with ``SavedTensorMeter`` (bytes autograd saves, forward + backward).
    """
    from snnlab.datasets import burst_channel_task
    from snnlab.training import SavedTensorMeter, bptt_update, build_model

    x_seq, labels = burst_channel_task(32, 4, T=1024, seed=0, time_first=True)
    plain, chunked = build_model("bptt", 4, 4, 128), build_model("bptt", 4, 4, 128)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # many small ops: on a shared CPU, OpenMP barriers dominate with more threads
    try:
        _, _, q_time = ratio(
            lambda: bptt_update(chunked, x_seq, labels, 32), lambda: bptt_update(plain, x_seq, labels), repeats
        )
    finally:
        torch.set_num_threads(threads)
    saved = []
    for chunk in (32, None):
        meter = SavedTensorMeter()
        bptt_update(build_model("bptt", 4, 4, 128), x_seq, labels, chunk, meter)
        saved.append(meter.peak)
    return q_time, saved[0] / saved[1]


def compiled_vs_eager(repeats):
    """Training forward+backward of a multi-step LIF network: ``torch.compile`` (inductor) vs eager (fused)."""
    import torch.nn as nn

    from snnlab import layer, neuron

    def network():
        torch.manual_seed(0)
        return nn.Sequential(
            layer.Linear(64, 256, step_mode="m"),
            neuron.LIFNode(step_mode="m"),
            layer.Linear(256, 10, step_mode="m"),
            neuron.LIFNode(step_mode="m"),
        )

    eager, twin = network(), network()
    compiled = torch.compile(twin, fullgraph=True, dynamic=True)
    x = torch.rand(8, 256, 64) * 2

    def run(model, net):
        def step():
            functional.reset_net(net)
            net.zero_grad()
            model(x).sum().backward()

        return step

    t0 = time.perf_counter()
    run(compiled, twin)()
    print(f"torch.compile: first call (compiling forward and backward) {time.perf_counter() - t0:.1f} s")
    return ratio(run(compiled, twin), run(eager, eager), repeats)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: torch's)")
    parser.add_argument("--zoo", action="store_true", help="also time the neuron zoo (needs spikingjelly 0.14)")
    parser.add_argument("--only-zoo", action="store_true", help="time the neuron zoo only")
    parser.add_argument("--no-compile", action="store_true", help="skip the torch.compile case (minutes of compiling)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(
        f"snnlab {snnlab.__version__}, torch {torch.__version__}, {platform.processor() or platform.machine()}, "
        f"{torch.get_num_threads()} threads"
    )
    if args.only_zoo:
        print_rows(zoo_rows(args.repeats))
        return
    rows = []

    T, N = 32, 32 * 4096
    x = (torch.rand(T, N) * 1.5).requires_grad_()

    def fwd_bwd(fn):
        def run():
            x.grad = None
            fn(x).sum().backward()

        return run

    c, r, q = ratio(fwd_bwd(snnlab_lif), fwd_bwd(reference_lif), args.repeats)
    rows.append(("multi-step LIF fwd+bwd, T=32, 32x4096 fp32", c, r, q, 0.40))

    spikes = (torch.rand(64, 1024, 128) < 0.05).float()
    c, r, q = ratio(
        lambda: functional.first_spike_index(spikes), lambda: reference_first_spike_index(spikes), args.repeats
    )
    rows.append(("first_spike_index [64,1024,128] fp32", c, r, q, 0.75))

    logits = torch.randn(32, 128, 1000, requires_grad=True)
    target = torch.randint(0, 1000, (128,))

    def tet(fn):
        def run():
            logits.grad = None
            fn(logits, target).backward()

        return run

    c, r, q = ratio(tet(functional.temporal_efficient_training_cross_entropy), tet(reference_tet), args.repeats)
    rows.append(("TET cross entropy fwd+bwd, T=32, N=128, C=1000", c, r, q, 0.60))

    q_time, q_memory = chunked_bptt_ratios(max(3, args.repeats // 5))
    rows.append(("chunked BPTT / plain BPTT time, T=1024, H=128, N=32, 1 thread", q_time, 1.0, q_time, 1.5))
    rows.append(("chunked BPTT / plain BPTT saved bytes (same update)", q_memory, 1.0, q_memory, 0.125))

    if not args.no_compile:
        c, r, q = compiled_vs_eager(args.repeats)
        rows.append(("torch.compile (inductor, dynamic) / eager fused: LIF net fwd+bwd, T=8", c, r, q, 1.0))

    if args.zoo:
        rows += zoo_rows(args.repeats)
    print_rows(rows)

    ours = peak_extra_bytes_per_element("snnlab", T, N)
    ref = peak_extra_bytes_per_element("reference", T, N)
    print(
        f"\npeak extra memory of LIF fwd+bwd (T={T}, N={N}): snnlab {ours:.2f} B/element, "
        f"reference {ref:.2f} B/element (target <= 12.5)"
    )


if __name__ == "__main__":
    main()
