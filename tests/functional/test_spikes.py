"""Tests for snnlab/functional/spikes.py: first_spike_index, delay, redundant_one_hot."""

import pytest
import torch
from torch.testing import assert_close

from snnlab.functional.spikes import delay, first_spike_index, redundant_one_hot


def double_cumsum_reference(spikes):
    """SpikingJelly 0.0.0.0.14's formulation, valid on binary input."""
    return spikes.cumsum(-1).cumsum(-1) == 1


# ------------------------------------------------------------------ first_spike_index
def test_first_spike_index_documented_example():
    spikes = torch.tensor(
        [
            [
                [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
                [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0],
                [0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 1.0],
            ],
            [
                [0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 1.0],
                [1.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0],
                [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0],
            ],
        ]
    )
    expected = torch.zeros(2, 3, 8, dtype=torch.bool)
    expected[0, 1, 0] = expected[0, 2, 1] = expected[1, 0, 2] = expected[1, 1, 0] = expected[1, 2, 3] = True
    assert torch.equal(first_spike_index(spikes), expected)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16, torch.int64, torch.int8, torch.bool])
def test_first_spike_index_equals_double_cumsum_on_binary_input(device, dtype):
    g = torch.Generator().manual_seed(3)
    for shape in [(7,), (4, 9), (2, 3, 16), (5, 1), (3, 2, 1, 64)]:
        spikes = (torch.rand(shape, generator=g) > 0.7).to(device=device, dtype=dtype)
        got = first_spike_index(spikes)
        assert got.dtype == torch.bool and got.shape == spikes.shape and got.device == spikes.device
        assert torch.equal(got, double_cumsum_reference(spikes))


def test_first_spike_index_non_contiguous_and_zero_dim():
    spikes = (torch.rand(6, 5, generator=torch.Generator().manual_seed(4)) > 0.6).float()
    t = spikes.t()  # time last on a transposed view
    assert torch.equal(first_spike_index(t), double_cumsum_reference(t))
    assert first_spike_index(torch.tensor(1.0)).item() is True
    assert first_spike_index(torch.tensor(0.0)).item() is False
    assert first_spike_index(torch.zeros(3, 0)).shape == (3, 0)


def test_first_spike_index_graded_input_marks_first_nonzero():
    # Divergence from 0.14 (whose double cumsum gave no mark, a mark on a zero, or two marks per row).
    rows = torch.tensor(
        [
            [0.5, 0.5, 0.0, 0.0],
            [0.25] * 4,
            [2.0, 0.0, 0.0, 1.0],
            [-1.0, 1.0, 1.0, 0.0],
            [1.0, -1.0, 1.0, 0.0],
            [0.0, 0.3, 0.7, 0.0],
        ]
    )
    expected = torch.tensor([0, 0, 0, 0, 0, 1])
    got = first_spike_index(rows)
    assert torch.equal(got.sum(-1), torch.ones(6, dtype=torch.long))
    assert torch.equal(got.int().argmax(-1), expected)
    assert torch.equal(first_spike_index(torch.full((10,), 0.1)), torch.arange(10) == 0)


def test_first_spike_index_has_no_grad():
    spikes = (torch.rand(3, 5) > 0.5).float().requires_grad_()
    got = first_spike_index(spikes)
    assert not got.requires_grad and got.grad_fn is None


def test_first_spike_index_rejects_non_tensor():
    with pytest.raises(
        TypeError, match=r"first_spike_index: spikes must be a torch.Tensor, got an object of type list"
    ):
        first_spike_index([[0, 1]])


# ------------------------------------------------------------------ delay
def test_delay_table(device):
    x = torch.arange(1.0, 6.0, device=device)
    table = {
        0: [1, 2, 3, 4, 5],
        1: [0, 1, 2, 3, 4],
        2: [0, 0, 1, 2, 3],
        4: [0, 0, 0, 0, 1],
        5: [0] * 5,
        6: [0] * 5,
        7: [0] * 5,
        10: [0] * 5,
    }
    for d, expected in table.items():
        y = delay(x, d)
        assert y.shape == x.shape and y.device == x.device
        assert_close(y, torch.tensor(expected, dtype=x.dtype, device=device))


def test_delay_zero_returns_new_tensor_and_grad_flows():
    x = torch.rand(5, 2, requires_grad=True)
    y = delay(x, 0)
    assert y is not x and y.data_ptr() != x.data_ptr()
    assert_close(y, x)
    z = delay(x, 1)
    z.sum().backward()
    assert_close(x.grad, torch.tensor([[1.0, 1.0]] * 4 + [[0.0, 0.0]]))
    # beyond T the output still belongs to the graph (as 0.14 at d == T), with zero gradient
    x.grad = None
    delay(x, 9).sum().backward()
    assert_close(x.grad, torch.zeros(5, 2))


def test_delay_integer_dtype_and_integral_tensor_index():
    x = torch.tensor([[1, 2], [3, 4], [5, 6]])
    assert torch.equal(delay(x, torch.tensor(2)), torch.tensor([[0, 0], [0, 0], [1, 2]]))


def test_delay_errors():
    x = torch.rand(5)
    with pytest.raises(ValueError, match=r"delay: delay_steps must be an integer >= 0, got -1"):
        delay(x, -1)
    with pytest.raises(TypeError, match=r"delay: delay_steps must be an integer, got 1.0 \(float\)"):
        delay(x, 1.0)
    with pytest.raises(ValueError, match=r"delay: x_seq must have at least 1 dimension\(s\), got shape \[\]"):
        delay(torch.tensor(1.0), 1)


# ------------------------------------------------------------------ redundant_one_hot
def test_redundant_one_hot_documented_example():
    codes = redundant_one_hot(torch.tensor([0, 1, 1, 0]), 3, 2)
    expected = torch.tensor(
        [
            [1.0, 1.0, 0.0, 0.0, 0.0, 0.0],
            [0.0, 0.0, 1.0, 1.0, 0.0, 0.0],
            [0.0, 0.0, 1.0, 1.0, 0.0, 0.0],
            [1.0, 1.0, 0.0, 0.0, 0.0, 0.0],
        ]
    )
    assert codes.dtype == torch.get_default_dtype()
    assert torch.equal(codes, expected)


def test_redundant_one_hot_matches_loop_reference(device):
    labels = torch.randint(0, 5, (9,), generator=torch.Generator().manual_seed(5)).to(device)
    C, n = 5, 3
    expected = torch.zeros(9, C * n, device=device)
    for b in range(9):
        for i in range(n):
            expected[b, int(labels[b]) * n + i] = 1
    got = redundant_one_hot(labels, C, n)
    assert got.device == labels.device
    assert torch.equal(got, expected)
    assert torch.equal(redundant_one_hot(labels.int(), C, n), expected)


def test_redundant_one_hot_any_shape_and_edge_sizes():
    assert torch.equal(redundant_one_hot(torch.tensor(1), 3, 2), torch.tensor([0.0, 0.0, 1.0, 1.0, 0.0, 0.0]))
    two_d = redundant_one_hot(torch.tensor([[0, 2], [1, 0]]), 3, 2)
    assert two_d.shape == (2, 2, 6)
    assert torch.equal(two_d[0, 1], torch.tensor([0.0, 0.0, 0.0, 0.0, 1.0, 1.0]))
    assert redundant_one_hot(torch.tensor([1, 2]), 3, 0).shape == (2, 0)
    assert redundant_one_hot(torch.zeros(0, dtype=torch.long), 3, 2).shape == (0, 6)


def test_redundant_one_hot_errors():
    with pytest.raises(
        TypeError, match=r"labels must be an integer tensor of class indices, got a torch.float32 tensor"
    ):
        redundant_one_hot(torch.tensor([0.0, 1.0]), 3, 2)
    with pytest.raises(TypeError, match=r"labels must be an integer tensor"):
        redundant_one_hot(torch.tensor([True]), 3, 2)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\] \(num_classes=3\), got values in \[0, 3\]"):
        redundant_one_hot(torch.tensor([0, 3]), 3, 2)
    with pytest.raises(ValueError, match=r"got values in \[-1, 1\]"):
        redundant_one_hot(torch.tensor([-1, 1]), 3, 2)
    with pytest.raises(ValueError, match=r"num_classes must be an integer >= 1, got 0"):
        redundant_one_hot(torch.tensor([0]), 0, 2)
    with pytest.raises(TypeError, match=r"n must be an integer, got 2.0 \(float\)"):
        redundant_one_hot(torch.tensor([0]), 3, 2.0)


def test_first_spike_index_gpu_hook_is_not_used_for_cpu_tensors(monkeypatch):
    from snnlab import backends
    from snnlab.backends import triton_spikes

    monkeypatch.setattr(backends, "triton_available", lambda: True)
    monkeypatch.setattr(triton_spikes, "first_spike_index", lambda s: pytest.fail("GPU kernel called on a CPU tensor"))
    spikes = torch.tensor([[0.0, 1.0, 1.0]])
    assert torch.equal(first_spike_index(spikes), torch.tensor([[False, True, False]]))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_first_spike_index_dispatches_cuda_tensors_to_triton_when_available(monkeypatch):
    from snnlab import backends
    from snnlab.backends import triton_spikes

    calls = []
    real = triton_spikes.first_spike_index
    monkeypatch.setattr(backends, "triton_available", lambda: True)
    monkeypatch.setattr(triton_spikes, "first_spike_index", lambda s: calls.append(s.shape) or real(s))
    spikes = (torch.rand(4, 33, device="cuda") > 0.8).float()
    assert torch.equal(first_spike_index(spikes), double_cumsum_reference(spikes))
    assert calls == [spikes.shape]
