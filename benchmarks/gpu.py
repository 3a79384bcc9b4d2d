"""GPU benchmarks: snnlab's neuron backends, ``first_spike_index`` and the gaussian kernel, in one run.

On a CUDA device this script
  1. measures the device copy bandwidth (``dst.copy_(src)``, 2 bytes moved per byte copied);
  2. for each case of the grid below, runs a multi-step LIF (tau=2, hard reset to 0, sigmoid
     surrogate, decay_input) forward + backward on the ``'triton'`` and ``'torch'`` backends,
     checks the triton result against the torch backend (spikes and input gradient; a 16-bit case
     against the torch backend in fp32), and reports the median time, the effective bandwidth
     (``6 x element size x T*N`` bytes: forward reads x and writes spikes and h, backward reads the
     spike gradient and h and writes the input gradient), its share of the copy bandwidth, and the
     peak memory allocated beyond the inputs, per element of ``x``;
  3. times ``first_spike_index`` on ``[2**20, 256]`` fp32 (triton kernel, the torch one-pass form,
     SpikingJelly 0.0.0.0.14's double cumsum) and the gaussian ``kernel_dot_product`` on
     8192 x 1024 against a bare ``x @ y.T``;
  4. times SpikingJelly 2.x's LIF on its Triton implementation on the same inputs when
     ``spikingjelly`` is importable (skipped otherwise; ``benchmarks/gpu_session.sh`` carries its
     wheel to a GPU machine), for 16-bit input in each of its precision set-ups, and reports how
     many of its spikes differ from snnlab's;
  5. prints issue 3's targets read off the table, each marked PASS or MISS.

Timing: CUDA events around each call after ``torch.cuda.synchronize``, warm-up first (it also
runs the autotuner), median of the repeats. It is sized to finish well inside the 4 minutes the
issue allows on an H100 / H200 (32-41 s on an H200, benchmarks/RESULTS.md).

``--dry-run`` runs the same code paths on tiny sizes with CPU tensors under the Triton
interpreter (timings then mean nothing; memory columns show ``-``): it checks the script itself.

Run: ``python benchmarks/gpu.py`` (or ``--dry-run`` without a GPU).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

GRID = (  # (dtype, T, N) for the neuron benchmark
    (torch.float32, 32, 2**20),
    (torch.float32, 128, 2**20),
    (torch.float32, 32, 2**24),
    (torch.float32, 128, 2**24),
    (torch.float16, 128, 2**24),
)
DRY_GRID = ((torch.float32, 4, 37), (torch.float16, 4, 37))
COPY_BYTES, DRY_COPY_BYTES = 2**30, 2**20
SPIKES_SHAPE, DRY_SPIKES_SHAPE = (2**20, 256), (64, 16)
KERNEL_SHAPE, DRY_KERNEL_SHAPE = (8192, 1024), (32, 16)


def neuron_bytes(T: int, N: int, dtype: torch.dtype) -> int:
    """Bytes a fused forward + backward must move: 3 tensors forward, 3 backward, each T*N elements."""
    return 6 * torch.empty((), dtype=dtype).element_size() * T * N


def first_spike_bytes(rows: int, T: int, dtype: torch.dtype) -> int:
    """Bytes of ``first_spike_index``: read the input once, write one byte per element."""
    return (torch.empty((), dtype=dtype).element_size() + 1) * rows * T


def gb_per_s(nbytes: int, ms: float) -> float:
    return nbytes / (ms * 1e-3) / 1e9


class Timer:
    """Median milliseconds of ``fn()`` over ``repeats`` after ``warmup`` calls (CUDA events on a GPU)."""

    def __init__(self, device: str):
        self.cuda = device == "cuda"

    def __call__(self, fn, repeats: int, warmup: int = 2) -> float:
        for _ in range(warmup):
            fn()
        times = []
        for _ in range(repeats):
            if self.cuda:
                torch.cuda.synchronize()
                start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                start.record()
                fn()
                end.record()
                torch.cuda.synchronize()
                times.append(start.elapsed_time(end))
            else:
                t0 = time.perf_counter()
                fn()
                times.append((time.perf_counter() - t0) * 1e3)
        return statistics.median(times)


def peak_extra_bytes(fn, device: str):
    """Peak bytes allocated while ``fn()`` runs, beyond what was allocated before (None on CPU)."""
    if device != "cuda":
        fn()
        return None
    torch.cuda.synchronize()
    base = torch.cuda.memory_allocated()
    torch.cuda.reset_peak_memory_stats()
    fn()
    torch.cuda.synchronize()
    return torch.cuda.max_memory_allocated() - base


def format_table(header, rows) -> str:
    """A fixed-width text table; ``None`` cells print as ``-`` and floats with 3 significant digits."""

    def cell(v):
        if v is None:
            return "-"
        if isinstance(v, float):
            return f"{v:.3g}" if abs(v) < 1e4 else f"{v:.0f}"
        return str(v)

    cells = [[cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(header)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(header, widths)), "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in cells]
    return "\n".join(lines)


def copy_bandwidth(device, nbytes, timer, repeats):
    src = torch.empty(nbytes // 4, dtype=torch.float32, device=device).uniform_()
    dst = torch.empty_like(src)
    ms = timer(lambda: dst.copy_(src), repeats)
    return gb_per_s(2 * nbytes, ms)


def lif_cfg():
    from snnlab.backends import NeuronConfig

    return NeuronConfig(
        charge="lif",
        decay_input=True,
        v_threshold=1.0,
        v_reset=0.0,
        detach_reset=False,
        surrogate="sigmoid",
        alpha=4.0,
        store_v_seq=False,
    )


def neuron_case(backend, cfg, x, v0, grad):
    """One forward + backward through the spikes; the input gradient lands in ``x.grad``."""

    def step():
        x.grad = None
        spikes, _ = backend.multi_step(cfg, x, v0, 0.5)
        spikes.backward(grad)

    return step


def chunked_compare(a, b, rows=8, skip=None):
    """Fraction of elements where ``a != b`` and the largest ``|a - b|``, both in fp32, over ``rows``
    leading-axis rows at a time: the temporaries stay small (a whole-tensor difference of the largest
    case would take 16 GiB beside its operands). ``skip`` (bool, ``a.shape[1:]``): columns that count
    as equal."""
    unequal, largest = 0, 0.0
    for i in range(0, a.shape[0], rows):
        d = a[i : i + rows].float() - b[i : i + rows].float()
        if skip is not None:
            d.masked_fill_(skip, 0.0)
        unequal += d.count_nonzero().item()
        largest = max(largest, d.abs_().max().item())
    return unequal / a.numel(), largest


def check_neuron(cfg, x, v0, grad):
    """Triton vs torch backend (in fp32 for 16-bit x): spike mismatch fraction, fraction of neurons whose
    spike trains differ, and the max |grad_x| difference over the neurons whose spike trains agree.

    A 16-bit kernel decides each spike on its 16-bit stored potential, so near the threshold a few spikes
    flip against an fp32 reference; a flipped spike changes that neuron's reset and every gradient along
    its train by O(1), which says nothing about the backward kernel. Its gradients are compared where the
    forward agrees. In fp32 every spike must agree, so every neuron is compared.
    The reference's spikes are dropped once compared and ours before the gradients are, so at most
    six x-sized tensors (x and grad included) are alive at once, not eight."""
    from snnlab.backends import torch_backend, triton_backend

    xr = x.detach().float().requires_grad_()
    s_ref, _ = torch_backend.multi_step(cfg, xr, v0.float(), 0.5)
    s_ref.backward(grad.float())
    xt = x.detach().requires_grad_()
    s, _ = triton_backend.multi_step(cfg, xt, v0, 0.5)
    unequal, differs = 0, torch.zeros(s.shape[1:], dtype=torch.bool, device=s.device)
    for i in range(0, s.shape[0], 8):  # one pass: the spikes that differ, and the neurons they belong to
        ne = s[i : i + 8].float() != s_ref[i : i + 8]
        unequal += ne.count_nonzero().item()
        differs |= ne.any(dim=0)
    del s_ref
    s.backward(grad)
    del s
    _, grad_diff = chunked_compare(xt.grad, xr.grad, skip=differs)
    return unequal / x.numel(), differs.float().mean().item(), grad_diff


def bench_neurons(device, grid, timer, repeats, copy_gbs, spikingjelly_lif):
    from snnlab.backends import torch_backend, triton_backend

    cfg = lif_cfg()
    rows, failures = [], []
    for dtype, T, N in grid:
        gen = torch.Generator(device=device).manual_seed(0)
        x = (torch.rand((T, N), generator=gen, device=device) * 1.5).to(dtype).requires_grad_()
        grad = torch.rand((T, N), generator=gen, device=device).to(dtype)
        v0 = torch.zeros(N, device=device, dtype=dtype)
        mismatch, neurons, grad_diff = check_neuron(cfg, x, v0, grad)
        x.grad = None
        tol_spikes, tol_grad = (0.0, 1e-5) if dtype == torch.float32 else (1e-3, 2e-2)
        summary = (
            f"{dtype} T={T} N={N}: spike mismatch {mismatch:.2e} ({neurons:.2e} of the neurons), "
            f"max |grad_x diff| where the spike trains agree {grad_diff:.2e}"
        )
        print(f"check: {summary}", flush=True)
        if mismatch > tol_spikes or grad_diff > tol_grad:
            failures.append(summary)
        nbytes = neuron_bytes(T, N, dtype)
        backends = [("triton", triton_backend), ("torch", torch_backend)]
        for name, backend in backends:
            step = neuron_case(backend, cfg, x, v0, grad)
            step()  # warm-up (and autotune) before the memory measurement
            x.grad = None
            extra = peak_extra_bytes(step, device)
            x.grad = None
            ms = timer(step, repeats if name == "triton" else max(2, repeats // 4))
            x.grad = None
            gbs = gb_per_s(nbytes, ms)
            rows.append(
                (
                    f"LIF {name}",
                    str(dtype).replace("torch.", ""),
                    T,
                    N,
                    ms,
                    gbs,
                    100 * gbs / copy_gbs,
                    None if extra is None else extra / (T * N),
                )
            )
        if spikingjelly_lif is not None:
            with torch.no_grad():
                ours, _ = triton_backend.multi_step(cfg, x.detach(), v0, 0.5)
            rows += spikingjelly_rows(spikingjelly_lif, x, grad, timer, repeats, nbytes, copy_gbs, dtype, T, N, ours)
            del ours
        del x, grad, v0
        if device == "cuda":
            torch.cuda.empty_cache()
    return rows, failures


def zoo_cases():
    """(label, torch module, triton module, config) of the fused CubaLIF and adaptive LIF."""
    from snnlab.backends import AdaptiveLIFConfig, CubaLIFConfig, torch_alif, torch_cuba, triton_alif, triton_cuba

    return [
        ("CubaLIF", torch_cuba, triton_cuba, CubaLIFConfig(2.0, 4.0, True, 1.0, 0.0, False, "sigmoid", 4.0, False)),
        ("AdaptiveLIF", torch_alif, triton_alif,
         AdaptiveLIFConfig(0.5, 20.0, 0.2, True, 1.0, 0.0, False, "sigmoid", 4.0, False)),
    ]  # fmt: skip


def bench_zoo(device, grid, timer, repeats, copy_gbs):
    """The fused CubaLIF and adaptive LIF on the float32 sizes of ``grid`` with T * N <= 2^27 (two
    states, so bytes are counted as for LIF plus the second state's saved tensor for the adaptive
    LIF): triton vs torch backend spikes and input gradients, then both timed."""
    rows, failures = [], []
    for dtype, T, N in grid:
        if dtype != torch.float32 or T * N > 2**27:
            continue
        gen = torch.Generator(device=device).manual_seed(1)
        x = (torch.rand((T, N), generator=gen, device=device) * 2.5).requires_grad_()
        grad = torch.rand((T, N), generator=gen, device=device)
        s0, v0 = torch.zeros(N, device=device), torch.zeros(N, device=device)
        for label, torch_mod, triton_mod, cfg in zoo_cases():
            results = {}
            for name, mod in (("triton", triton_mod), ("torch", torch_mod)):

                def step(mod=mod, x=x, grad=grad):
                    x.grad = None
                    mod.multi_step(cfg, x, s0, v0)[0].backward(grad)

                step()
                results[name] = (mod.multi_step(cfg, x.detach(), s0, v0)[0], x.grad.clone())
                ms = timer(step, repeats if name == "triton" else max(2, repeats // 4))
                x.grad = None
                nbytes = neuron_bytes(T, N, dtype) * (4 if label == "AdaptiveLIF" else 3) // 3
                gbs = gb_per_s(nbytes, ms)
                rows.append((f"{label} {name}", "float32", T, N, ms, gbs, 100 * gbs / copy_gbs, None))
            mismatch, _ = chunked_compare(results["triton"][0], results["torch"][0])
            _, grad_diff = chunked_compare(results["triton"][1], results["torch"][1])
            if mismatch > 0.0 or grad_diff > 1e-4:
                failures.append(
                    f"{label} T={T} N={N}: spike mismatch {mismatch:.2e}, max |grad_x diff| {grad_diff:.2e}"
                )
            del results
        del x, grad
        if device == "cuda":
            torch.cuda.empty_cache()
    return rows, failures


def spikingjelly_rows(sj, x, grad, timer, repeats, nbytes, copy_gbs, dtype, T, N, ours):
    """Time each of SpikingJelly's LIF set-ups for this dtype on the same input; also report how many
    of its spikes differ from ours. One row per set-up (times ``None`` when it failed)."""
    rows = []
    dt = str(dtype).replace("torch.", "")
    for setup, make in sj["setups"](dtype):
        label = f"LIF spikingjelly {sj['version']}" + (f" {setup}" if setup else "")

        def step():
            x.grad = None
            node.reset()
            node(x).backward(grad)

        try:
            node = make()
            with torch.no_grad():
                node.reset()
                theirs = node(x.detach())
            mismatch = (theirs.float() != ours.float()).float().mean().item()
            print(
                f"{label} ({sj['implementation']}) vs snnlab triton, {dt} T={T} N={N}: "
                f"{mismatch:.2e} of the spikes differ"
            )
            ms = timer(step, repeats)
        except Exception as exc:  # an unsupported dtype or set-up in that version: report, do not abort
            print(f"{label} skipped for {dt} T={T} N={N}: {type(exc).__name__}: {exc}")
            rows.append((label, dt, T, N, None, None, None, None))
            continue
        finally:
            x.grad = None
        gbs = gb_per_s(nbytes, ms)
        rows.append((label, dt, T, N, ms, gbs, 100 * gbs / copy_gbs, None))
    return rows


def find_spikingjelly_lif(device):
    """SpikingJelly 2.x's multi-step LIF (tau=2, hard reset to 0, sigmoid surrogate) on its Triton
    implementation: ``{'setups': dtype -> [(name, factory)], 'version': ..., 'implementation': ...}``,
    or None.

    SpikingJelly 2.x picks its CUDA implementation when first called (native CUDA first, then
    Triton); ``SJ_LIF_CUDA_IMPLEMENTATION=triton``, set before it is imported, asks for Triton. Its
    fused path needs an fp32 membrane state: a plain node given 16-bit input keeps 16-bit state and
    may take its PyTorch path, so for 16-bit input its mixed-precision set-ups (16- and 32-bit neuron
    storage, ``prepare_model_for_precision``) are timed too, and the fastest one is the peer. Its
    0.0.0.0.x releases have no Triton LIF (their ``backend`` argument offers torch and cupy)."""
    if device != "cuda":
        return None
    os.environ.setdefault("SJ_LIF_CUDA_IMPLEMENTATION", "triton")
    try:
        import inspect
        from importlib.metadata import version

        from spikingjelly.activation_based import neuron as sj_neuron

        sj_version = version("spikingjelly")
        if "backend" in inspect.signature(sj_neuron.LIFNode).parameters:
            raise RuntimeError(f"spikingjelly {sj_version} has no Triton LIF (2.0 or newer has)")

        def make():
            return sj_neuron.LIFNode(tau=2.0, step_mode="m").to(device)

        make()(torch.rand(4, 64, device=device))  # makes it select its CUDA implementation
        try:
            from spikingjelly._ops.lif import _selection

            implementation = _selection.diagnostics(torch.device(device))["implementation"]
        except Exception:  # a layout of the package this script does not know
            implementation = "implementation unknown"
    except Exception as exc:
        print(f"SpikingJelly's Triton LIF not timed: {type(exc).__name__}: {exc}")
        return None

    def with_storage(storage):
        def build():
            from spikingjelly.activation_based.precision import PrecisionConfig, prepare_model_for_precision

            return prepare_model_for_precision(make(), device, PrecisionConfig(neuron_storage=storage)).model

        return build

    def setups(dtype):
        if dtype == torch.float32:
            return [("", make)]
        return [("", make), ("storage fp16", with_storage("fp16")), ("storage fp32", with_storage("fp32"))]

    print(f"SpikingJelly {sj_version}: LIF on its {implementation} implementation")
    return {"setups": setups, "version": sj_version, "implementation": implementation}


def bench_first_spike(device, shape, timer, repeats, copy_gbs):
    from snnlab.backends.triton_spikes import first_spike_index

    def torch_one_pass(s):
        nonzero = s != 0
        first = nonzero.view(torch.uint8).argmax(dim=-1, keepdim=True)
        return torch.zeros_like(nonzero).scatter_(-1, first, nonzero.gather(-1, first))

    gen = torch.Generator(device=device).manual_seed(1)
    spikes = (torch.rand(shape, generator=gen, device=device) < 0.02).float()
    reference = spikes.cumsum(-1).cumsum(-1) == 1
    failures = [] if torch.equal(first_spike_index(spikes), reference) else ["first_spike_index != double cumsum"]
    nbytes = first_spike_bytes(shape[0], shape[1], spikes.dtype)
    rows = []
    for name, fn in (
        ("triton", first_spike_index),
        ("torch one-pass", torch_one_pass),
        ("double cumsum", lambda s: s.cumsum(-1).cumsum(-1) == 1),
    ):
        ms = timer(lambda: fn(spikes), repeats)
        gbs = gb_per_s(nbytes, ms)
        rows.append((f"first_spike {name}", "float32", shape[1], shape[0], ms, gbs, 100 * gbs / copy_gbs, None))
    return rows, failures


def bench_kernel_dot(device, shape, timer, repeats):
    from snnlab.functional import kernel_dot_product

    gen = torch.Generator(device=device).manual_seed(2)
    x = torch.rand(shape, generator=gen, device=device)
    y = torch.rand(shape, generator=gen, device=device)
    sigma = float(shape[1]) ** 0.5
    got = kernel_dot_product(x, y, "gaussian", sigma)
    rows64 = slice(0, 64)
    exact = torch.exp(-torch.cdist(x[rows64].double(), y.double()).square() / (2 * sigma**2))
    err = (got[rows64].double() - exact).abs().max().item()
    failures = [] if err < 1e-4 else [f"gaussian kernel_dot_product max error {err:.2e}"]
    ms_k = timer(lambda: kernel_dot_product(x, y, "gaussian", sigma), repeats)
    ms_m = timer(lambda: x @ y.T, repeats)
    return [
        ("kernel_dot gaussian", "float32", shape[0], shape[1], ms_k, None, None, None),
        ("bare x @ y.T", "float32", shape[0], shape[1], ms_m, None, None, None),
    ], failures


def target_lines(rows):
    """Issue 3's targets read off the table: one ``PASS`` / ``MISS`` line each; a target whose cases
    were not measured gets no line."""

    def find(case, dtype, T=None, N=None):
        return [
            r
            for r in rows
            if r[0].startswith(case)
            and dtype in (None, r[1])
            and r[4] is not None
            and (T is None or r[2] == T)
            and (N is None or r[3] == N)
        ]

    def verdict(ok):
        return "PASS" if ok else "MISS"

    lines = []
    for dtype, floor in (("float32", 90.0), ("float16", 80.0), ("bfloat16", 80.0)):
        big = [r for r in find("LIF triton", dtype) if r[2] * r[3] >= 2**29]
        if big:
            worst = min(r[6] for r in big)
            lines.append(
                f"{verdict(worst >= floor)}  {dtype} LIF at T*N >= 2^29: worst {worst:.1f} % of copy "
                f"bandwidth (target >= {floor:.0f} %)"
            )
    small = find("LIF triton", "float32", 32, 2**20)
    if small:
        lines.append(
            f"{verdict(small[0][4] <= 0.35)}  float32 LIF T=32 N=2^20: {small[0][4]:.3f} ms (target <= 0.35 ms)"
        )
    peaks = [r[7] for r in find("LIF triton", "float32") if r[7] is not None]
    if peaks:
        lines.append(
            f"{verdict(max(peaks) <= 12.5)}  float32 LIF peak extra memory: {max(peaks):.2f} B/element (target <= 12.5)"
        )
    for r in find("LIF triton", None):
        peers = find("LIF spikingjelly", r[1], r[2], r[3])
        if peers:
            best = min(peers, key=lambda p: p[4])
            lines.append(
                f"{verdict(r[4] <= best[4])}  {r[1]} LIF T={r[2]} N={r[3]}: snnlab / fastest SpikingJelly "
                f"set-up = {r[4] / best[4]:.2f} (target <= 1; {best[0]})"
            )
    first = find("first_spike triton", "float32")
    if first:
        lines.append(
            f"{verdict(first[0][4] <= 0.5)}  first_spike_index [{first[0][3]}, {first[0][2]}]: "
            f"{first[0][4]:.3f} ms (target <= 0.5 ms on an H200)"
        )
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="tiny sizes, CPU tensors, Triton interpreter")
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args(argv)
    if args.dry_run and not torch.cuda.is_available():
        os.environ["TRITON_INTERPRET"] = "1"  # before anything imports triton
    elif not torch.cuda.is_available():
        print("No CUDA device: run with --dry-run to check the script on the CPU.")
        return 2
    device = "cuda" if torch.cuda.is_available() else "cpu"
    repeats = 2 if args.dry_run else args.repeats
    timer = Timer(device)
    t_start = time.perf_counter()
    name = torch.cuda.get_device_name() if device == "cuda" else "cpu (Triton interpreter)"
    print(f"device: {name}; torch {torch.__version__}")

    copy_gbs = copy_bandwidth(device, DRY_COPY_BYTES if args.dry_run else COPY_BYTES, timer, repeats)
    print(f"copy bandwidth: {copy_gbs:.4g} GB/s")
    grid = DRY_GRID if args.dry_run else GRID
    rows, failures = bench_neurons(device, grid, timer, repeats, copy_gbs, find_spikingjelly_lif(device))
    more, bad = bench_zoo(device, grid, timer, repeats, copy_gbs)
    rows += more
    failures += bad
    more, bad = bench_first_spike(device, DRY_SPIKES_SHAPE if args.dry_run else SPIKES_SHAPE, timer, repeats, copy_gbs)
    rows += more
    failures += bad
    more, bad = bench_kernel_dot(device, DRY_KERNEL_SHAPE if args.dry_run else KERNEL_SHAPE, timer, repeats)
    rows += more
    failures += bad
    header = ("case", "dtype", "T / rows", "N / cols", "ms", "GB/s", "% copy", "peak B/elem")
    print(format_table(header, rows))
    if not args.dry_run:
        print("targets (issue 3):")
        for line in target_lines(rows):
            print("  " + line)
    print(f"correctness: {'OK' if not failures else 'FAILED'}")
    for failure in failures:
        print("  " + failure)
    print(f"total {time.perf_counter() - t_start:.1f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
