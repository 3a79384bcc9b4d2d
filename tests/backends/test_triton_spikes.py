"""The one-pass Triton first_spike_index against the torch formulations (interpreter on CPU, or CUDA)."""

import pytest
import torch

pytest.importorskip("triton")

from snnlab.backends.triton_kernels import interpreting
from snnlab.backends.triton_spikes import first_spike_index


@pytest.fixture
def device(triton_device):
    """This module's tensors go where Triton kernels run: CPU tensors only under the interpreter."""
    return triton_device


def first_nonzero_reference(x):
    """True at the first nonzero entry of each row, by an explicit loop over the rows."""
    flat = x.detach().cpu().reshape(-1, x.shape[-1] if x.dim() else 1)
    out = torch.zeros(flat.shape, dtype=torch.bool)
    for i, row in enumerate(flat):
        nz = torch.nonzero(row != 0)
        if len(nz):
            out[i, nz[0, 0]] = True
    return out.reshape(x.shape)


def double_cumsum(x):
    """SpikingJelly 0.0.0.0.14's formulation (valid on binary input)."""
    return x.cumsum(-1).cumsum(-1) == 1


@pytest.mark.parametrize("shape", [(37, 13), (3, 4, 20), (5,), (40, 1), (2, 3, 8), (5, 24), (7, 16), (6, 12)])
def test_binary_rows_equal_double_cumsum(device, shape):
    g = torch.Generator().manual_seed(sum(shape))
    x = (torch.rand(shape, generator=g) < 0.15).float()
    x.reshape(-1, shape[-1])[::4] = 0  # every fourth row never fires
    got = first_spike_index(x.to(device))
    assert got.dtype == torch.bool and got.shape == x.shape and got.device.type == device
    assert torch.equal(got.cpu(), double_cumsum(x))
    assert torch.equal(got.cpu(), first_nonzero_reference(x))


@pytest.mark.parametrize("dtype", [torch.bool, torch.int64, torch.uint8, torch.float16, torch.bfloat16])
def test_other_dtypes(device, dtype):
    g = torch.Generator().manual_seed(7)
    x = (torch.rand(9, 11, generator=g) < 0.2).to(dtype)
    assert torch.equal(first_spike_index(x.to(device)).cpu(), first_nonzero_reference(x.float()))


def test_graded_rows_mark_the_first_nonzero(device):
    g = torch.Generator().manual_seed(3)
    x = torch.randn(33, 19, generator=g) * (torch.rand(33, 19, generator=g) < 0.1)
    x[5] = 0.0
    x[6, 3] = -0.0  # a negative zero is zero
    got = first_spike_index(x.to(device)).cpu()
    assert torch.equal(got, first_nonzero_reference(x))
    assert got.sum(-1).max() == 1
    table = torch.tensor([[0.5, 0.5, 0, 0], [-1, 1, 1, 0], [1, -1, 1, 0], [2, 0, 0, 1], [0, 0.3, 0.7, 0]])
    expected = torch.tensor([[1, 0, 0, 0], [1, 0, 0, 0], [1, 0, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0]], dtype=torch.bool)
    assert torch.equal(first_spike_index(table.to(device)).cpu(), expected)


def test_edge_shapes_layout_and_no_grad(device):
    assert first_spike_index(torch.tensor(1.0, device=device)).item() is True
    assert first_spike_index(torch.tensor(0.0, device=device)).item() is False
    assert first_spike_index(torch.zeros(3, 0, device=device)).shape == (3, 0)
    assert first_spike_index(torch.zeros(0, 4, device=device)).dtype == torch.bool
    x = (torch.rand(12, 10, generator=torch.Generator().manual_seed(1)) < 0.2).float()
    got = first_spike_index(x.t().to(device).requires_grad_())  # non-contiguous, requires grad
    assert not got.requires_grad
    assert torch.equal(got.cpu(), double_cumsum(x.t()))


def test_bad_arguments():
    with pytest.raises(TypeError, match="first_spike_index: spikes must be a torch.Tensor, got an object of type list"):
        first_spike_index([1, 0])
    device = "cpu" if interpreting() else "cuda"
    with pytest.raises(TypeError, match="spikes must be a real or bool tensor, got torch.complex64"):
        first_spike_index(torch.zeros(2, dtype=torch.complex64, device=device))


@pytest.mark.skipif(not interpreting(), reason="checks the CPU-tensor guard, needs the interpreter setup")
def test_cpu_tensor_without_interpreter_is_rejected(monkeypatch):
    monkeypatch.setenv("TRITON_INTERPRET", "0")
    with pytest.raises(ValueError, match="first_spike_index: spikes must be a CUDA tensor, got a tensor on cpu"):
        first_spike_index(torch.zeros(2, 3))


@pytest.mark.skipif(not interpreting(), reason="drives the GPU launch logic through the interpreter")
def test_gpu_launch_paths_under_the_interpreter(monkeypatch):
    # The compiled-GPU dispatch (GPU tiles; a fixed config for small inputs, the autotuner once per
    # case above, then the plain kernel with its choice) runs here with the interpreted kernel.
    from snnlab.backends import triton_backend, triton_spikes

    monkeypatch.setattr(triton_spikes, "_autotuned", {})
    monkeypatch.setattr(triton_backend, "_chosen", {})
    monkeypatch.setattr(triton_spikes, "_SMALL", 256)
    monkeypatch.setattr(triton_spikes, "_launcher", lambda: (triton_spikes._autotuned_kernel(), True))
    tuned = triton_spikes._autotuned_kernel()
    order = iter(range(100, 0, -1))
    tuned.do_bench = lambda fn, quantiles=None: (fn(), [float(next(order))] * 3)[1]
    for shape in ((5, 20), (40, 24), (33, 100)):  # below the small-input threshold, then above it
        x = (torch.rand(shape, generator=torch.Generator().manual_seed(shape[1])) < 0.1).float()
        assert torch.equal(first_spike_index(x), first_nonzero_reference(x))
    assert len(tuned.cache) == 2 and len(triton_backend._chosen) == 2  # (5, 20) took the fixed config
    assert all(c["num_warps"] == 8 for c in triton_backend._chosen.values())  # the stand-in's choice
    monkeypatch.setattr(tuned, "run", lambda *a, **k: pytest.fail("autotuner called for a known case"))
    x = (torch.rand(33, 100, generator=torch.Generator().manual_seed(5)) < 0.1).float()
    assert torch.equal(first_spike_index(x), first_nonzero_reference(x))
