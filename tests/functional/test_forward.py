"""Tests for snnlab/functional/forward.py: multi-step, chunked and time-folded forwards."""

import pytest
import torch
import torch.nn as nn
from torch.testing import assert_close

from snnlab.base import MemoryModule
from snnlab.functional.forward import chunk_multi_step_forward, multi_step_forward, seq_to_ann_forward


class SoftIF(MemoryModule):
    """A minimal integrate-and-fire neuron (soft reset, threshold 1) for tests."""

    def __init__(self, step_mode="s"):
        super().__init__()
        self.register_memory("v", 0.0)
        self.step_mode = step_mode

    def single_step_forward(self, x):
        self.v = self.v + x
        spike = (self.v >= 1.0).to(x)
        self.v = self.v - spike
        return spike


def reference_if(x_seq):
    """Hand-written soft-reset IF over the time axis."""
    v = torch.zeros_like(x_seq[0])
    out = []
    for t in range(x_seq.shape[0]):
        v = v + x_seq[t]
        s = (v >= 1.0).to(x_seq)
        v = v - s
        out.append(s)
    return torch.stack(out)


def test_multi_step_forward_stateful_neuron_accumulates(device):
    x = torch.full((3, 2), 0.5, device=device)
    out = multi_step_forward(x, SoftIF())
    assert_close(out, torch.tensor([[0.0, 0.0], [1.0, 1.0], [0.0, 0.0]], device=device))


def test_multi_step_forward_matches_loop_for_list_tuple_and_sequential(device):
    torch.manual_seed(0)
    lin = nn.Linear(4, 3).to(device)
    x = torch.rand(5, 2, 4, device=device)
    expected = reference_if(lin(x))
    for modules in ([lin, SoftIF()], (lin, SoftIF()), nn.Sequential(lin, SoftIF())):
        assert_close(multi_step_forward(x, modules), expected)


def test_multi_step_forward_calls_sequential_as_module_so_hooks_fire():
    seq = nn.Sequential(nn.Identity(), nn.Identity())
    calls = []
    seq.register_forward_hook(lambda m, i, o: calls.append(o.shape))
    multi_step_forward(torch.rand(3, 2), seq)
    assert len(calls) == 3


def test_multi_step_forward_empty_list_copies_input():
    x = torch.rand(3, 2)
    y = multi_step_forward(x, [])
    assert_close(y, x)
    assert y.data_ptr() != x.data_ptr()


def test_multi_step_forward_errors():
    with pytest.raises(
        ValueError, match=r"multi_step_forward: x_seq must have at least one time step, got shape \[0, 2\]"
    ):
        multi_step_forward(torch.rand(0, 2), nn.Identity())
    with pytest.raises(TypeError, match=r"x_seq must be a torch.Tensor, got an object of type list"):
        multi_step_forward([1, 2], nn.Identity())
    with pytest.raises(
        TypeError, match=r"single_step_module must be a module, a callable or a list/tuple of them, got 3"
    ):
        multi_step_forward(torch.rand(2, 2), 3)
    with pytest.raises(TypeError, match=r"single_step_module\[1\] must be callable"):
        multi_step_forward(torch.rand(2, 2), [nn.Identity(), "relu"])


def test_chunk_multi_step_forward_equals_unchunked_call(device):
    torch.manual_seed(1)
    lin = nn.Linear(4, 3).to(device)
    net = lambda x_seq: multi_step_forward(x_seq, [lin, neuron])  # noqa: E731
    neuron = SoftIF()
    x = torch.rand(10, 2, 4, device=device)
    whole = net(x)
    neuron.reset()
    for split in (3, 1, 10, 11, [4, 6], (2, 3, 5)):
        assert_close(chunk_multi_step_forward(split, x, net), whole)
        neuron.reset()


def test_chunk_multi_step_forward_with_multi_step_memory_module():
    x = torch.rand(7, 3) * 0.9
    n = SoftIF(step_mode="m")
    y = chunk_multi_step_forward(3, x, n)
    assert y.shape == (7, 3)
    assert_close(y, reference_if(x))


def test_chunk_multi_step_forward_errors():
    x = torch.rand(10, 2)
    with pytest.raises(ValueError, match="split_size must be a positive int, got 0"):
        chunk_multi_step_forward(0, x, nn.Identity())
    with pytest.raises(ValueError, match="split_size must be a positive int, got -1"):
        chunk_multi_step_forward(-1, x, nn.Identity())
    with pytest.raises(TypeError, match=r"split_size must be a positive int or a list of positive ints, got 2.5"):
        chunk_multi_step_forward(2.5, x, nn.Identity())
    with pytest.raises(ValueError, match=r"must sum to T=10, got \[3, 3\] \(sum 6\)"):
        chunk_multi_step_forward([3, 3], x, nn.Identity())
    with pytest.raises(ValueError, match=r"got \[10, 0\]"):
        chunk_multi_step_forward([10, 0], x, nn.Identity())
    with pytest.raises(ValueError, match="at least one time step"):
        chunk_multi_step_forward(2, torch.rand(0, 2), nn.Identity())


def test_seq_to_ann_forward_matches_per_step_calls(device):
    torch.manual_seed(2)
    conv = nn.Conv2d(3, 4, 3, padding=1).to(device)
    bn = nn.BatchNorm2d(4).to(device).eval()
    x = torch.rand(4, 2, 3, 6, 6, device=device)
    expected = torch.stack([bn(conv(x[t])) for t in range(4)])
    for modules in ([conv, bn], (conv, bn), nn.Sequential(conv, bn)):
        y = seq_to_ann_forward(x, modules)
        assert y.shape == (4, 2, 4, 6, 6)
        assert_close(y, expected)


def test_seq_to_ann_forward_two_dim_and_non_contiguous_input():
    x = torch.rand(5, 4).t()  # [4, 5], not contiguous
    assert_close(seq_to_ann_forward(x, lambda y: y * 2), x * 2)


def test_seq_to_ann_forward_sequential_hooks_fire():
    seq = nn.Sequential(nn.Identity())
    calls = []
    seq.register_forward_hook(lambda m, i, o: calls.append(1))
    seq_to_ann_forward(torch.rand(3, 2, 4), seq)
    assert calls == [1]


def test_seq_to_ann_forward_errors():
    with pytest.raises(ValueError, match=r"x_seq must have at least 2 dimension\(s\), got shape \[5\]"):
        seq_to_ann_forward(torch.rand(5), nn.Identity())
    with pytest.raises(ValueError, match=r"must keep the leading T\*N=8 dimension .* got an output of shape \[3\]"):
        seq_to_ann_forward(torch.rand(4, 2, 3), lambda y: y.sum(0))
    with pytest.raises(TypeError, match=r"must return a tensor, got an object of type tuple"):
        seq_to_ann_forward(torch.rand(4, 2, 3), lambda y: (y, y))


def test_documented_chunk_example_and_if_trace_with_snnlab_neurons():
    from snnlab import layer, neuron

    torch.manual_seed(0)
    net = nn.Sequential(
        layer.Linear(8, 4), neuron.IFNode(step_mode="m"), layer.Linear(4, 2), neuron.IFNode(step_mode="m")
    )
    x_seq = torch.rand(1024, 8) * 4
    with torch.no_grad():
        net[0].weight.abs_()
        net[2].weight.abs_()
        y_seq = chunk_multi_step_forward(16, x_seq, net)
        assert y_seq.shape == (1024, 2) and y_seq.sum() > 0
        net[1].reset()
        net[3].reset()
        assert torch.equal(y_seq, net(x_seq))  # state carried across chunks: same as one call
    spikes = multi_step_forward(torch.full((3, 1), 0.5), neuron.IFNode())
    assert spikes.flatten().tolist() == [0.0, 1.0, 0.0]


# ----------------------------------------------------------------------------- step-mode mismatches
def test_multi_step_forward_refuses_a_module_in_multi_step_mode():
    from snnlab import neuron
    from snnlab.errors import InvalidParameterError

    with pytest.raises(
        InvalidParameterError, match=r"multi_step_forward: every contained module must be in step_mode='s'"
    ):
        multi_step_forward(torch.ones(3, 2), neuron.IFNode(step_mode="m"))
    with pytest.raises(InvalidParameterError, match=r"got IFNode \(at index 1\)"):
        multi_step_forward(torch.ones(3, 2), [nn.Identity(), neuron.IFNode(step_mode="m")])
