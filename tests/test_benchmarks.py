"""The GPU benchmark script stays runnable: its dry run drives every code path at tiny sizes
(CPU tensors; Triton kernels in the interpreter) and checks correctness against the torch backend."""
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="triton wheels are Linux-only")
def test_gpu_benchmark_dry_run_checks_correctness():
    pytest.importorskip("triton")
    env = dict(os.environ, TRITON_INTERPRET="1")
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gpu.py"), "--dry-run"], env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "correctness: OK" in out.stdout
    for case in ("LIF triton", "LIF torch", "first_spike triton", "kernel_dot gaussian", "copy bandwidth"):
        assert case in out.stdout
