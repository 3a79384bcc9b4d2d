"""What the GPU compiler makes of snnlab's Triton kernels, on any machine (no GPU needed).

Triton compiles a kernel to PTX and ptxas assembles it to a cubin without touching a device, so
this script checks, ahead of any GPU run, every kernel variant the backends launch on a CUDA
device (default: sm_90, the H100 / H200):

  * the variants are captured from the real call path: ``triton_backend.multi_step`` and its
    autograd backward run with the launcher replaced by a recorder, so the argument list, dtypes
    and compile-time switches are exactly those a GPU run would pass, for every launch
    configuration the backend may pick (the fixed small-``N`` one and every autotuner candidate);
  * each variant is compiled to a cubin for the target with the backend's options
    (``enable_fp_fusion=False``), and ``cuobjdump`` reports its registers and local memory
    (spills);
  * the PTX's global loads and stores are classified by width, so a variant that would move its
    per-element data in narrow transactions shows up.

``--check`` exits non-zero when a variant fails to compile, spills, or moves per-element data in
accesses narrower than the data allows: 16 bytes, or less when the rows start less aligned (N a
multiple of 4 in fp32, of 8 in 16-bit types gives 16) or a thread holds fewer bytes of a row.
The only scalar accesses allowed are the PLIF leak ``k``, loaded once per program, and the lookups
of libdevice's sin / cos argument-reduction table (the square-wave surrogate's cosine), which run
only for arguments beyond about 1e5 and read no per-element data.

Run: ``python benchmarks/gpu_static.py [--arch 90] [--check]``. It must run without
``TRITON_INTERPRET`` (the interpreter replaces the kernels by Python functions); it clears the
variable for itself when it is set to run this file directly.
"""

import argparse
import contextlib
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __name__ == "__main__":
    os.environ.pop("TRITON_INTERPRET", None)  # before anything imports triton

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

# neurons per step: at the autotuner's threshold (a multiple of 16), multiples of 8 and of 4 only (rows
# aligned by the kernels' ROW_ALIGN hint, not by Triton's specialisation), and an odd size
NEURON_COUNTS = (1 << 16, 1000, 1004, 37)
T_STEPS = 3
_ACCESS = re.compile(r"\b(ld|st)\.global((?:\.[A-Za-z0-9_:]+)*)")
_TRIG_TABLE = "__cudart_i2opi_f"  # libdevice's Payne-Hanek table for sin / cos of huge arguments


@contextlib.contextmanager
def patched(owner, name, value):
    old = getattr(owner, name)
    setattr(owner, name, value)
    try:
        yield
    finally:
        setattr(owner, name, old)


def neuron_launches(cfg, dtype, n, kind):
    """The kernel launches of one forward + backward of ``multi_step``: (name, n, args, constexprs)."""
    from snnlab.backends import triton_backend, triton_kernels

    calls = []

    def record(name, n_, *args, **constexprs):
        calls.append((name, n_, args, constexprs))

    x = torch.zeros(T_STEPS, n, dtype=dtype, requires_grad=True)
    v0 = torch.zeros(n, dtype=dtype, requires_grad=True)
    k = torch.tensor(0.5, requires_grad=True) if kind == "plif" else 0.5
    # CPU tensors stand in for CUDA ones: the recorder replaces the launch, so nothing runs
    with patched(triton_backend, "_launch", record), patched(triton_kernels, "interpreting", lambda: True):
        spikes, v_out = triton_backend.multi_step(cfg, x, v0, k)
        (spikes.sum() + v_out.sum()).backward()
    return calls


def launch_configs(n):
    """(BLOCK, num_warps) the neuron backend may launch with for ``n`` neurons per step."""
    from snnlab.backends import triton_backend as tb

    return [(tb._SMALL_BLOCK, 4)] if n < tb._SMALL_N else list(tb._GPU_CONFIGS)


def neuron_variants():
    """(label, kernel name, args, constexprs, configs, row bytes, element bytes) for every neuron
    kernel variant; row bytes: the alignment of every step's row start (N's largest power-of-2
    divisor times the element size)."""
    from snnlab.backends import NeuronConfig

    def cfg(
        charge="lif",
        decay_input=True,
        v_reset=0.0,
        detach_reset=False,
        surrogate="sigmoid",
        store_v_seq=False,
        theta=1.0,
        params=4.0,
    ):
        return NeuronConfig(charge, decay_input, theta, v_reset, detach_reset, surrogate, params, store_v_seq)

    cases = [("LIF", cfg(), "lif")]  # the benchmark's neuron, in every dtype and launch config
    cases_fp32 = [
        ("IF soft", cfg("if", v_reset=None), "lif"),
        ("LIF -0.5 atan", cfg(v_reset=-0.5, surrogate="atan"), "lif"),
        ("LIF no-decay detach", cfg(decay_input=False, detach_reset=True), "lif"),
        ("LIF v_seq theta[N]", cfg(store_v_seq=True, theta=torch.full((1,), 1.0)), "lif"),
        ("PLIF", cfg(), "plif"),
        ("PLIF soft v_seq", cfg(v_reset=None, store_v_seq=True), "plif"),
    ]
    # a few surrogate gradients of distinct shapes (exp / log, two parameters, a loop with an int
    # bound, a guarded reciprocal): only the backward kernel has a surrogate, so only it is compiled
    cases_surrogate = [
        ("LIF q_pseudo_spike", cfg(surrogate="q_pseudo_spike", params=2.0), "lif"),
        ("LIF s2nn", cfg(surrogate="s2nn", params=(4.0, 1.0)), "lif"),
        ("LIF squarewave n=3", cfg(surrogate="squarewave_fourier_series", params=(3, 8.0)), "lif"),
        ("LIF fake_numerical_gradient", cfg(surrogate="fake_numerical_gradient", params=0.3), "lif"),
    ]
    out = []
    for dtype in (torch.float32, torch.float16, torch.bfloat16):
        extra = cases_fp32 + cases_surrogate if dtype == torch.float32 else []
        for label, c, kind in cases + extra:
            for n in NEURON_COUNTS if label == "LIF" else NEURON_COUNTS[::3]:
                for name, n_, args, constexprs in neuron_launches(c, dtype, n, kind):
                    if (label, c, kind) in cases_surrogate and name != "backward":
                        continue
                    dt = str(dtype).replace("torch.", "")
                    out.append(
                        (
                            f"{name} {label} {dt} N={n}",
                            name,
                            args,
                            constexprs,
                            launch_configs(n_),
                            (n & -n) * dtype.itemsize,
                            dtype.itemsize,
                        )
                    )
    return out


def zoo_launches(which, cfg, dtype, n):
    """The kernel launches of one forward + backward of the CubaLIF (``which='cuba'``) or adaptive-LIF
    (``'alif'``) Triton backend: (kernel name, n, args, constexprs)."""
    from snnlab.backends import triton_alif, triton_cuba, triton_kernels

    calls = []

    def record(kernel, n_, *args, **constexprs):
        calls.append((kernel.fn.__name__, n_, args, constexprs))

    module = triton_cuba if which == "cuba" else triton_alif
    x = torch.zeros(T_STEPS, n, dtype=dtype, requires_grad=True)
    s0, v0 = (torch.zeros(n, dtype=dtype, requires_grad=True) for _ in range(2))
    with patched(module, "launch", record), patched(triton_kernels, "interpreting", lambda: True):
        outs = module.multi_step(cfg, x, s0, v0)
        sum(o.sum() for o in outs).backward()
    return calls


def zoo_variants():
    """A few variants of the CubaLIF and adaptive-LIF kernels (fixed BLOCK / warps, see triton_cuba.launch)."""
    from snnlab.backends import AdaptiveLIFConfig, CubaLIFConfig
    from snnlab.backends import triton_cuba as tc

    cases = [
        ("CubaLIF", "cuba", CubaLIFConfig(2.0, 4.0, True, 1.0, 0.0, False, "sigmoid", 4.0, False), torch.float32),
        ("CubaLIF soft no-decay v_seq", "cuba", CubaLIFConfig(2.0, 4.0, False, 1.0, None, True, "atan", 2.0, True),
         torch.float16),
        ("AdaptiveLIF", "alif", AdaptiveLIFConfig(0.5, 20.0, 0.2, True, 1.0, 0.0, False, "sigmoid", 4.0, False),
         torch.float32),
        ("AdaptiveLIF shifted detach v_seq", "alif",
         AdaptiveLIFConfig(0.5, 20.0, 0.2, False, 1.0, -0.5, True, "atan", 2.0, True), torch.bfloat16),
    ]  # fmt: skip
    out = []
    for label, which, cfg, dtype in cases:
        n = 1000
        for name, _n, args, constexprs in zoo_launches(which, cfg, dtype, n):
            dt = str(dtype).replace("torch.", "")
            configs = [(tc._GPU_BLOCK, tc._GPU_WARPS)]
            out.append(
                (
                    f"{name} {label} {dt} N={n}",
                    name,
                    args,
                    constexprs,
                    configs,
                    (n & -n) * dtype.itemsize,
                    dtype.itemsize,
                )
            )
    return out


def first_spike_variants():
    """(label, 'first_spike', args, constexprs, configs, row bytes, None) for a few row lengths and
    dtypes; row bytes: the alignment of the rows of the one-byte output (T's largest power-of-2
    divisor), which bounds the stores' width (the loads may be wider)."""
    from snnlab.backends import triton_spikes as ts

    out = []
    for dtype, T in (
        (torch.float32, 256),
        (torch.float32, 1000),
        (torch.float32, 100),
        (torch.float16, 32),
        (torch.uint8, 128),
        (torch.float32, 37),
    ):
        R = 64
        x = torch.zeros(R, T, dtype=dtype)
        y = torch.empty(R, T, dtype=torch.uint8)
        configs = [(None, w) for w in ts._GPU_WARPS]
        out.append(
            (
                f"first_spike {str(dtype).replace('torch.', '')} T={T}",
                "first_spike",
                (x, y, R, T),
                ts._meta(T, compiled=True),
                configs,
                T & -T,
                None,
            )
        )
    return out


def compile_variant(fn, args, kwargs, arch):
    """Compile ``fn`` as the JIT would for these arguments, for ``sm_<arch>``; returns the kernel."""
    import triton
    from triton.backends.compiler import GPUTarget
    from triton.compiler import ASTSource, make_backend
    from triton.runtime.jit import create_function_from_signature

    target = GPUTarget("cuda", arch, 32)
    backend = make_backend(target)
    binder = create_function_from_signature(fn.signature, fn.params, backend)
    bound, specialization, options = binder(*args, **kwargs)
    options, signature, constexprs, attrs = fn._pack_args(backend, kwargs, bound, specialization, options)
    return triton.compile(ASTSource(fn, signature, constexprs, attrs), target=target, options=options.__dict__)


def resource_usage(cubin: bytes) -> dict:
    """``{'REG': ..., 'LOCAL': ..., 'SHARED': ...}`` of the cubin's kernel, read by cuobjdump."""
    import triton.backends.nvidia as nv

    tool = Path(nv.__file__).parent / "bin" / "cuobjdump"
    with tempfile.NamedTemporaryFile(suffix=".cubin") as f:
        f.write(cubin)
        f.flush()
        text = subprocess.run(
            [str(tool), "--dump-resource-usage", f.name], capture_output=True, text=True, check=True
        ).stdout
    return {key: int(val) for key, val in re.findall(r"\b(REG|LOCAL|SHARED):(\d+)", text)}


def access_widths(ptx: str) -> dict:
    """Global loads / stores of the PTX by width in bits: ``{('ld', 128): count, ...}``."""
    widths = {}
    for op, mods in _ACCESS.findall(ptx):
        parts = mods.split(".")
        lanes = next((int(p[1:]) for p in parts if re.fullmatch(r"v\d", p)), 1)
        bits = next(int(p[1:]) for p in reversed(parts) if re.fullmatch(r"[bfsu]\d+", p))
        widths[(op, lanes * bits)] = widths.get((op, lanes * bits), 0) + 1
    return widths


def analyse(arch: int):
    """One row per (variant, launch config): label, BLOCK, warps, regs, local bytes, shared bytes,
    load / store widths, and the problems ``--check`` reports (empty when fine)."""
    from snnlab.backends import triton_cuba_kernels as tz
    from snnlab.backends import triton_kernels as tk

    kernels = {"forward": tk.neuron_forward, "backward": tk.neuron_backward, "first_spike": tk.first_spike}
    kernels.update({name: getattr(tz, name) for name in tz.__all__})
    rows = []
    variants = neuron_variants() + zoo_variants() + first_spike_variants()
    for label, name, args, constexprs, configs, row_bytes, elem in variants:
        for block, warps in configs:
            kwargs = dict(constexprs, num_warps=warps)
            if block is not None:
                kwargs["BLOCK"] = block
            if name != "first_spike":
                kwargs["enable_fp_fusion"] = False
            problems = []
            try:
                kernel = compile_variant(kernels[name], args, kwargs, arch)
            except Exception as exc:  # report every failing variant, not only the first
                rows.append(
                    (
                        label,
                        block,
                        warps,
                        None,
                        None,
                        None,
                        "-",
                        "-",
                        [f"does not compile: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}"],
                    )
                )
                continue
            usage = resource_usage(kernel.asm["cubin"])
            widths = access_widths(kernel.asm["ptx"])
            if usage.get("LOCAL", 0):
                problems.append(f"{usage['LOCAL']} bytes of local memory (register spills)")
            # the widest access the data allows: 16 bytes, the row alignment, a thread's share of a row
            expect = min(16, row_bytes) if elem is None else min(16, row_bytes, block // (32 * warps) * elem)
            narrow = {key: c for key, c in widths.items() if key[1] < 8 * expect}
            scalar_ok = 1 if constexprs.get("K_FROM_PTR") else 0  # the PLIF leak k, once per program
            scalar_ok += trig_table_loads(kernel.asm["ptx"])
            if sum(narrow.values()) > scalar_ok:
                problems.append(f"global accesses narrower than {8 * expect} bits: {fmt_widths(narrow)}")
            loads = fmt_widths({k: c for k, c in widths.items() if k[0] == "ld"})
            stores = fmt_widths({k: c for k, c in widths.items() if k[0] == "st"})
            rows.append(
                (
                    label,
                    block,
                    warps,
                    usage.get("REG"),
                    usage.get("LOCAL"),
                    usage.get("SHARED"),
                    loads,
                    stores,
                    problems,
                )
            )
    return rows


def trig_table_loads(ptx: str) -> int:
    """The scalar loads of libdevice's sin / cos reduction table: every ``ld.global.nc.b32`` of a PTX
    that declares the table (the kernels' own per-element loads are never ``.nc`` scalars)."""
    if _TRIG_TABLE not in ptx:
        return 0
    return len(re.findall(r"\bld\.global\.nc\.b32\b", ptx))


def fmt_widths(widths: dict) -> str:
    return " ".join(f"{c}x{bits}" for (_, bits), c in sorted(widths.items(), key=lambda kv: -kv[0][1])) or "-"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", type=int, default=90, help="compute capability x 10 (90: H100/H200)")
    parser.add_argument("--check", action="store_true", help="exit 1 on a compile failure, spill or narrow access")
    args = parser.parse_args(argv)
    import triton

    if os.environ.get("TRITON_INTERPRET", "0") not in ("", "0"):
        print("TRITON_INTERPRET is set: the kernels would be Python functions; unset it.")
        return 2
    start = time.perf_counter()
    rows = analyse(args.arch)
    print(f"triton {triton.__version__}, torch {torch.__version__}, target sm_{args.arch}")
    header = (
        "variant",
        "BLOCK",
        "warps",
        "regs",
        "local B",
        "shared B",
        "global loads (n x bits)",
        "global stores",
        "",
    )
    cells = [[str(c) if c is not None else "-" for c in row[:8]] + ["OK" if not row[8] else "PROBLEM"] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(header)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
    for r in cells:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)))
    problems = [(row[0], row[1], row[2], p) for row in rows for p in row[8]]
    for label, block, warps, p in problems:
        print(f"PROBLEM {label} BLOCK={block} warps={warps}: {p}")
    print(f"{len(rows)} compiled variants, {len(problems)} problems, {time.perf_counter() - start:.0f} s")
    return 1 if args.check and problems else 0


if __name__ == "__main__":
    sys.exit(main())
