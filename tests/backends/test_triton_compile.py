"""Every Triton kernel variant the backends launch compiles for an H100 / H200 (sm_90), without a GPU.

``benchmarks/gpu_static.py`` captures the launches from the real call path, compiles each for
sm_90 with triton's own ptxas, and checks that none spills registers and that each moves its
per-element data as wide as the data allows (128 bits when its rows start 16-byte aligned). The interpreter tests check what the kernels compute;
this checks that the compiled form exists and is the one intended, before any GPU runs it.
"""

import importlib.util
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "gpu_static.py"

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="triton wheels are Linux-only")


def load_script():
    spec = importlib.util.spec_from_file_location("gpu_static", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_kernel_variant_compiles_for_sm90_without_spills_or_narrow_accesses():
    triton = pytest.importorskip("triton")
    bin_dir = pathlib.Path(triton.__file__).parent / "backends" / "nvidia" / "bin"
    if not (bin_dir / "ptxas").exists() or not (bin_dir / "cuobjdump").exists():
        pytest.skip(f"this triton ({triton.__version__}) ships no ptxas / cuobjdump")
    env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
    out = subprocess.run(
        [sys.executable, str(SCRIPT), "--check", "--arch", "90"], env=env, capture_output=True, text=True, timeout=600
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    summary = out.stdout.strip().splitlines()[-1]
    assert summary.startswith("142 compiled variants, 0 problems"), summary


def test_access_widths_reads_vector_and_scalar_ptx_accesses():
    ptx = """
    @%p8 ld.global.v4.b32 { %r62, %r63, %r64, %r65 }, [ %rd12 + 0 ];
    @%p1 ld.global.b32 { %r1 }, [ %rd2 + 0 ];
    @%p2 ld.global.L1::evict_last.v2.b16 { %rs1, %rs2 }, [ %rd3 + 0 ];
    @%p9 st.global.v4.b32 [ %rd26 + 0 ], { %r26, %r27, %r28, %r29 };
    @%p9 st.global.v4.b32 [ %rd27 + 0 ], { %r26, %r27, %r28, %r29 };
    @%p3 st.global.b8 [ %rd4 + 0 ], %rs5;
    ld.shared.v4.b32 { %r1, %r2, %r3, %r4 }, [ %r9 ];
    """
    widths = load_script().access_widths(ptx)
    assert widths == {("ld", 128): 1, ("ld", 32): 2, ("st", 128): 2, ("st", 8): 1}


def test_trig_table_loads_counts_only_libdevice_reduction_table_lookups():
    script = load_script()
    table = ".global .align 4 .b8 __cudart_i2opi_f[24] = {65, 144};\n"
    loads = (
        "ld.global.nc.b32 %r1, [%rd1];\nld.global.nc.b32 %r2, [%rd2];\nld.global.v4.b32 {%r3, %r4, %r5, %r6}, [%rd3];\n"
    )
    assert script.trig_table_loads(table + loads) == 2
    assert script.trig_table_loads(loads) == 0  # without the table, a scalar .nc load is per-element data
