"""The GPU benchmark script stays runnable: its dry run drives every code path at tiny sizes
(CPU tensors; Triton kernels in the interpreter) and checks correctness against the torch backend."""

import importlib.util
import os
import pathlib
import subprocess
import sys

import pytest
import torch

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="triton wheels are Linux-only")
def test_gpu_benchmark_dry_run_checks_correctness():
    pytest.importorskip("triton")
    env = dict(os.environ, TRITON_INTERPRET="1")
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "gpu.py"), "--dry-run"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "correctness: OK" in out.stdout
    for case in ("LIF triton", "LIF torch", "first_spike triton", "kernel_dot gaussian", "copy bandwidth"):
        assert case in out.stdout


def load_gpu_script():
    spec = importlib.util.spec_from_file_location("gpu_benchmark", ROOT / "benchmarks" / "gpu.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gpu_targets_are_read_off_the_table():
    gpu = load_gpu_script()
    # (case, dtype, T, N, ms, GB/s, % copy, peak B/elem), as bench_neurons / bench_first_spike make them
    rows = [
        ("LIF triton", "float32", 32, 2**20, 0.30, None, 60.0, 12.1),
        ("LIF spikingjelly 2.0.0", "float32", 32, 2**20, 1.16, None, 17.0, None),
        ("LIF triton", "float32", 32, 2**24, 3.2, None, 91.0, 12.0),
        ("LIF triton", "float32", 128, 2**24, 12.9, None, 89.5, 12.0),
        ("LIF spikingjelly 2.0.0", "float32", 128, 2**24, 12.5, None, 92.0, None),
        ("LIF triton", "float16", 128, 2**24, 7.0, None, 85.0, 6.0),
        ("LIF spikingjelly 2.0.0", "float16", 128, 2**24, 30.0, None, 20.0, None),
        ("LIF spikingjelly 2.0.0 storage fp16", "float16", 128, 2**24, 6.5, None, 92.0, None),
        ("LIF spikingjelly 2.0.0 storage fp32", "float16", 128, 2**24, None, None, None, None),  # failed
        ("first_spike triton", "float32", 256, 2**20, 0.41, None, 78.0, None),
    ]
    lines = gpu.target_lines(rows)
    assert lines == [
        "MISS  float32 LIF at T*N >= 2^29: worst 89.5 % of copy bandwidth (target >= 90 %)",
        "PASS  float16 LIF at T*N >= 2^29: worst 85.0 % of copy bandwidth (target >= 80 %)",
        "PASS  float32 LIF T=32 N=2^20: 0.300 ms (target <= 0.35 ms)",
        "PASS  float32 LIF peak extra memory: 12.10 B/element (target <= 12.5)",
        "PASS  float32 LIF T=32 N=1048576: snnlab / fastest SpikingJelly set-up = 0.26 (target <= 1; "
        "LIF spikingjelly 2.0.0)",
        "MISS  float32 LIF T=128 N=16777216: snnlab / fastest SpikingJelly set-up = 1.03 (target <= 1; "
        "LIF spikingjelly 2.0.0)",
        "MISS  float16 LIF T=128 N=16777216: snnlab / fastest SpikingJelly set-up = 1.08 (target <= 1; "
        "LIF spikingjelly 2.0.0 storage fp16)",
        "PASS  first_spike_index [1048576, 256]: 0.410 ms (target <= 0.5 ms on an H200)",
    ]


def test_spikingjelly_rows_time_each_setup_and_compare_spikes(capsys):
    # snnlab's LIFNode has SpikingJelly's API (reset(), step_mode='m'), so it stands in for it on a CPU
    from snnlab import neuron
    from snnlab.backends import torch_backend

    gpu = load_gpu_script()
    cfg = gpu.lif_cfg()
    x = (torch.rand(6, 50, generator=torch.Generator().manual_seed(0)) * 1.5).requires_grad_()
    ours, _ = torch_backend.multi_step(cfg, x.detach(), torch.zeros(50), 0.5)
    ours[2, :5] = 1 - ours[2, :5]  # 5 of 300 spikes differ

    def broken():
        raise RuntimeError("no such set-up here")

    sj = {
        "setups": lambda dtype: [("", lambda: neuron.LIFNode(tau=2.0, step_mode="m")), ("odd", broken)],
        "version": "stand-in",
        "implementation": "torch",
    }
    rows = gpu.spikingjelly_rows(
        sj, x, torch.ones(6, 50), gpu.Timer("cpu"), 2, gpu.neuron_bytes(6, 50, x.dtype), 1.0, torch.float32, 6, 50, ours
    )
    assert [r[:4] for r in rows] == [
        ("LIF spikingjelly stand-in", "float32", 6, 50),
        ("LIF spikingjelly stand-in odd", "float32", 6, 50),
    ]
    assert rows[0][4] > 0 and rows[1][4:] == (None,) * 4
    out = capsys.readouterr().out
    assert "LIF spikingjelly stand-in (torch) vs snnlab triton, float32 T=6 N=50: 1.67e-02 of the spikes differ" in out
    assert "LIF spikingjelly stand-in odd skipped for float32 T=6 N=50: RuntimeError: no such set-up here" in out
    assert x.grad is None  # the timed steps' gradients are dropped


def test_chunked_compare_matches_whole_tensor_formulas():
    gpu = load_gpu_script()
    gen = torch.Generator().manual_seed(3)
    a = torch.rand(11, 7, 3, generator=gen)  # 11 rows in chunks of 4: the last chunk has 3
    b = a.clone()
    b[0, 0, 0] += 0.25
    b[10, 6, 2] -= 0.5
    b[5, 3, 1] += 0.125
    fraction, largest = gpu.chunked_compare(a, b, rows=4)
    assert fraction == 3 / a.numel()
    torch.testing.assert_close(largest, (a - b).abs().max().item())
    half, ref = a.half(), a.half().float()  # 16-bit against fp32 compares in fp32
    assert gpu.chunked_compare(half, ref) == (0.0, 0.0)
    assert gpu.chunked_compare(half, ref + 1.0, rows=5) == (1.0, 1.0)
    skip = torch.zeros(7, 3, dtype=torch.bool)
    skip[6, 2] = True  # the column of the largest difference is left out
    fraction, largest = gpu.chunked_compare(a, b, rows=4, skip=skip)
    assert fraction == 2 / a.numel() and largest == 0.25
