"""snnlab.interop.adapters: foreign spiking layers found by duck typing, their state reset, sequences run."""

import pytest
import torch

from snnlab import layer, neuron
from snnlab.interop import (
    StatefulModel,
    framework_of,
    needs_step_loop,
    prepare_model,
    reset_state,
    run_sequence,
    spiking_layers,
)


class LeakyLike(torch.nn.Module):
    """The interface of an snnTorch neuron built with init_hidden=True (no snnTorch import)."""

    def __init__(self):
        super().__init__()
        self.threshold, self.reset_mechanism, self.init_hidden = 1.0, "zero", True
        self.mem = torch.zeros(0)

    def reset_mem(self):
        self.mem = torch.zeros_like(self.mem)

    def forward(self, x):
        if self.mem.shape != x.shape:
            self.mem = torch.zeros_like(x)
        self.mem = 0.5 * self.mem + x
        spk = (self.mem >= self.threshold).float()
        self.mem = self.mem * (1 - spk)
        return spk


class CellLike(torch.nn.Module):
    """The interface of a Norse cell: parameters ``p`` with ``v_th``, called as ``(x, state) -> (z, state)``."""

    class P:
        v_th = 1.0

    def __init__(self):
        super().__init__()
        self.p = self.P()

    def forward(self, x, state=None):
        v = x if state is None else state + x
        z = (v >= self.p.v_th).float()
        return z, v * (1 - z)


class NorseLikeNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc, self.cell = torch.nn.Linear(2, 3), CellLike()

    def forward(self, x, state=None):
        return self.cell(self.fc(x), state)


def test_frameworks_are_recognised_by_what_they_have():
    net = torch.nn.Sequential(layer.Linear(2, 3), neuron.LIFNode(), LeakyLike(), CellLike(), torch.nn.ReLU())
    assert [(n, k) for n, _, k in spiking_layers(net)] == [("1", "snnlab"), ("2", "snntorch"), ("3", "norse")]
    assert framework_of(torch.nn.Linear(2, 2)) is None
    with pytest.raises(TypeError, match="spiking_layers: net must be a torch.nn.Module, got 'x'"):
        spiking_layers("x")


def test_reset_state_resets_snntorch_like_state_and_snnlab_memories():
    net = torch.nn.Sequential(LeakyLike(), neuron.IFNode())
    x_seq = torch.full((6, 1, 2), 0.7)
    first = run_sequence(net, x_seq)
    assert needs_step_loop(net) and first.sum() > 0
    reset_state(net)
    assert net[0].mem.abs().sum() == 0 and net[1].v == 0.0
    torch.testing.assert_close(run_sequence(net, x_seq), first)


def test_stateful_models_keep_their_state_between_steps():
    torch.manual_seed(0)
    model = NorseLikeNet()
    wrapped = prepare_model(model)
    assert isinstance(wrapped, StatefulModel) and wrapped.model is model
    x_seq = torch.rand(8, 2, 2) * 2
    state, expected = None, []
    for x in x_seq:
        z, state = model(x, state)
        expected.append(z)
    torch.testing.assert_close(run_sequence(wrapped, x_seq), torch.stack(expected))
    reset_state(wrapped)
    assert wrapped.state is None
    with pytest.raises(TypeError, match="net must be a torch.nn.Module, a NIR file path or a nir.NIRGraph, got 3"):
        prepare_model(3)
    # bytes are not a path from_nir reads: prepare_model refuses them itself, naming its own argument
    with pytest.raises(
        TypeError, match="prepare_model: net must be a torch.nn.Module, a NIR file path or a nir.NIRGraph"
    ):
        prepare_model(b"net.nir")


def test_multi_step_networks_get_the_sequence_in_one_call():
    net = torch.nn.Sequential(neuron.IFNode(step_mode="m"))
    calls = []
    net.register_forward_hook(lambda *a: calls.append(1))
    run_sequence(net, torch.ones(5, 1, 2))
    assert len(calls) == 1 and not needs_step_loop(net)
