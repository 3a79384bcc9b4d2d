"""chunked_bptt_forward: the output, gradients and final state of plain BPTT, in less saved memory."""

import copy

import pytest
import torch
import torch.nn as nn
from torch.testing import assert_close

from snnlab import functional, layer, neuron
from snnlab.training import SavedTensorMeter, chunked_bptt_forward


def _network():
    torch.manual_seed(0)
    return nn.Sequential(
        layer.Linear(3, 6, step_mode="m"),
        neuron.ParametricLIFNode(init_tau=3.0, step_mode="m"),  # learnable tau
        layer.Linear(6, 4, step_mode="m"),
        neuron.LIFNode(tau=2.0, v_reset=None, step_mode="m"),
        layer.Linear(4, 2, step_mode="m"),
        neuron.IFNode(step_mode="m"),
    ).double()


@pytest.mark.parametrize("chunk_size", [1, 3, 4, 11, 50])
def test_gradients_and_state_equal_plain_bptt(chunk_size):
    plain = _network()
    chunked = copy.deepcopy(plain)
    g = torch.Generator().manual_seed(1)
    warm = torch.rand(2, 5, 3, generator=g, dtype=torch.float64) * 3
    for net in (plain, chunked):  # state carried in from an earlier call
        net(warm)
        functional.detach_net(net)
    x_seq = (torch.rand(11, 5, 3, generator=g, dtype=torch.float64) * 3).requires_grad_()
    weight = torch.rand(11, 5, 2, generator=g, dtype=torch.float64)

    y_plain = plain(x_seq)
    (y_plain * weight).sum().backward()
    grad_x, x_seq.grad = x_seq.grad, None
    y_chunked = chunked_bptt_forward(chunked, x_seq, chunk_size)
    (y_chunked * weight).sum().backward()

    assert_close(y_chunked, y_plain, rtol=0, atol=0)
    assert_close(x_seq.grad, grad_x)
    for (name, a), b in zip(plain.named_parameters(), chunked.parameters()):
        assert_close(b.grad, a.grad, msg=name)
    assert chunked[1].w.grad.abs() > 0  # the PLIF tau gradient crosses every chunk boundary
    for a, b in zip(plain, chunked):
        if isinstance(a, neuron.BaseNode):
            assert_close(b.v, a.v.detach())
            assert not b.v.requires_grad  # the state after the call is cut from the graph


def test_saves_less_than_plain_bptt():
    x_seq = torch.rand(256, 8, 3) * 3
    saved = {}
    for chunk_size in (None, 16):
        net = _network().float()
        with SavedTensorMeter() as meter:
            y = net(x_seq) if chunk_size is None else chunked_bptt_forward(net, x_seq, chunk_size)
            y.sum().backward()
        saved[chunk_size] = meter.peak
    assert saved[16] * 5 < saved[None]


def test_without_gradients_runs_the_chunks_directly():
    net = _network()
    x_seq = torch.rand(7, 2, 3, dtype=torch.float64)
    with torch.no_grad():
        y = chunked_bptt_forward(net, x_seq, 2)
        functional.reset_net(net)
        assert_close(y, net(x_seq), rtol=0, atol=0)
    assert y.grad_fn is None


def test_bad_arguments():
    net = _network()
    with pytest.raises(TypeError, match=r"chunked_bptt_forward: net must be a torch.nn.Module, got .*list"):
        chunked_bptt_forward([net], torch.zeros(2, 1, 3), 1)
    with pytest.raises(TypeError, match=r"chunked_bptt_forward: x_seq must be a torch.Tensor"):
        chunked_bptt_forward(net, [[0.0]], 1)
    with pytest.raises(ValueError, match=r"chunked_bptt_forward: x_seq must have at least one time step"):
        chunked_bptt_forward(net, torch.zeros(0, 1, 3), 1)
    with pytest.raises(ValueError, match=r"chunked_bptt_forward: chunk_size"):
        chunked_bptt_forward(net, torch.zeros(2, 1, 3), 0)
    with pytest.raises(TypeError, match=r"chunked_bptt_forward: chunk_size"):
        chunked_bptt_forward(net, torch.zeros(2, 1, 3), 1.5)
