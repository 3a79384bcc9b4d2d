"""Tests for snnlab/functional/network.py: reset_net, detach_net, set_step_mode, set_backend."""

import logging

import pytest
import torch
import torch.nn as nn
from torch.testing import assert_close

from snnlab import layer, neuron
from snnlab.base import MemoryModule
from snnlab.errors import UnknownOptionError
from snnlab.functional.forward import multi_step_forward
from snnlab.functional.network import detach_net, reset_net, set_backend, set_step_mode


class CountingMemory(MemoryModule):
    def __init__(self):
        super().__init__()
        self.register_memory("h", 0.0)
        self.resets = 0

    def reset(self):
        self.resets += 1
        super().reset()

    def single_step_forward(self, x):
        self.h = self.h + x
        return self.h


class DuckReset(nn.Module):
    def __init__(self):
        super().__init__()
        self.calls = 0

    def reset(self):
        self.calls += 1

    def detach(self):
        self.calls += 10


class DuckStep(nn.Module):
    def __init__(self):
        super().__init__()
        self.step_mode = "s"


# ------------------------------------------------------------------ reset_net / detach_net
def test_reset_net_restores_neuron_state(device):
    net = nn.Sequential(nn.Linear(3, 4), neuron.IFNode(v_reset=-0.5), nn.Linear(4, 2), neuron.LIFNode(v_reset=None)).to(
        device
    )
    net(torch.rand(5, 3, device=device) * 3)
    assert isinstance(net[1].v, torch.Tensor)
    reset_net(net)
    assert net[1].v == -0.5 and type(net[1].v) is float
    assert net[3].v == 0.0 and type(net[3].v) is float


def test_reset_net_resets_shared_module_once_and_sees_late_additions(caplog):
    shared = CountingMemory()
    net = nn.Sequential(shared, nn.Sequential(shared))
    reset_net(net)
    assert shared.resets == 1
    late = CountingMemory()
    net.append(late)  # no cached module list: a module added later is reset too
    reset_net(net)
    assert shared.resets == 2 and late.resets == 1
    assert caplog.records == []


def test_reset_net_warns_for_duck_typed_and_skips_non_callable(caplog):
    duck = DuckReset()
    odd = nn.Module()
    odd.reset = 3
    with caplog.at_level(logging.WARNING):
        reset_net(nn.Sequential(duck, odd))
    assert duck.calls == 1
    text = caplog.text
    assert "Trying to call `reset()` of DuckReset(), which is not snnlab.base.MemoryModule" in text
    assert "has a non-callable `reset` attribute (3 (int)); it is skipped" in text


def test_detach_net_keeps_identity_and_cuts_graph(caplog):
    node = neuron.IFNode()
    duck = DuckReset()
    net = nn.Sequential(node, duck)
    x = torch.rand(2, 3, requires_grad=True)
    node(x * 0.5)
    v = node.v
    assert v.requires_grad
    with caplog.at_level(logging.WARNING):
        detach_net(net)
    assert node.v is v and not v.requires_grad
    assert duck.calls == 10
    assert "Trying to call `detach()` of DuckReset()" in caplog.text


def test_detach_net_view_memory_is_replaced():
    m = CountingMemory()
    base = torch.rand(4, requires_grad=True) * 2
    m.h = base[:2]  # a view: in-place detach is impossible
    detach_net(m)
    assert not m.h.requires_grad
    assert_close(m.h, base[:2].detach())


def test_reset_and_detach_reject_non_module():
    with pytest.raises(TypeError, match=r"reset_net: net must be a torch.nn.Module, got an object of type list"):
        reset_net([neuron.IFNode()])
    with pytest.raises(TypeError, match=r"detach_net: net must be a torch.nn.Module"):
        detach_net(None)


# ------------------------------------------------------------------ set_step_mode
def test_set_step_mode_sets_every_step_module():
    net = nn.Sequential(layer.Linear(4, 3), neuron.IFNode(), nn.Sequential(layer.Flatten(), neuron.LIFNode()))
    set_step_mode(net, "m")
    assert [m.step_mode for m in (net[0], net[1], net[2][0], net[2][1])] == ["m"] * 4
    set_step_mode(net, "s")
    assert net[2][1].step_mode == "s"


def test_set_step_mode_keeps_seq_to_ann_children_so_forward_works():
    net = nn.Sequential(
        layer.SeqToANNContainer(layer.Conv2d(2, 3, 3, padding=1), layer.BatchNorm2d(3)), neuron.IFNode()
    )
    set_step_mode(net, "m")  # SpikingJelly 0.14 switched the inner conv to 'm' and the forward failed
    assert net[0][0].step_mode == "s" and net[0][1].step_mode == "s" and net[1].step_mode == "m"
    assert net(torch.rand(4, 2, 2, 5, 5)).shape == (4, 2, 3, 5, 5)


def test_set_step_mode_keeps_multi_step_container_children_so_values_are_right():
    torch.manual_seed(0)
    x = torch.rand(5, 2, 3) * 1.5
    net = nn.Sequential(layer.MultiStepContainer(neuron.IFNode()))
    set_step_mode(net, "m")
    assert net[0][0].step_mode == "s"
    expected = multi_step_forward(x, neuron.IFNode())
    assert_close(net(x), expected)
    assert net[0][0].v.shape == (2, 3)  # per-step state, not a [T]-shaped mix-up


def test_set_step_mode_sets_keep_containers_but_not_their_contents():
    inner = neuron.IFNode()
    rec = layer.ElementWiseRecurrentContainer(inner, lambda y, x: y + x)
    lin_rec = layer.LinearRecurrentContainer(neuron.IFNode(), 3, 3)
    smc = layer.StepModeContainer(
        True, neuron.IFNode(), layer.ElementWiseRecurrentContainer(neuron.IFNode(), lambda y, x: y + x)
    )
    net = nn.Sequential(rec, lin_rec, smc)
    set_step_mode(net, "m")
    assert rec.step_mode == "m" and inner.step_mode == "s"
    assert lin_rec.step_mode == "m" and lin_rec.sub_module.step_mode == "s"
    assert smc.step_mode == "m" and smc[0].step_mode == "s"
    assert smc[1].step_mode == "s"  # a nested container is not entered either (0.14 would set it)
    assert net(torch.rand(4, 2, 3)).shape == (4, 2, 3)


def test_set_step_mode_on_a_keep_container_root_sets_only_the_root():
    smc = layer.StepModeContainer(False, layer.Linear(3, 2))
    set_step_mode(smc, "m")
    assert smc.step_mode == "m" and smc[0].step_mode == "s"


def test_set_step_mode_invalid_changes_nothing(caplog):
    duck = DuckStep()
    net = nn.Sequential(duck, layer.Linear(2, 2), neuron.IFNode())
    with pytest.raises(UnknownOptionError, match=r"set_step_mode: step_mode must be one of 's', 'm', got 'x'"):
        set_step_mode(net, "x")
    assert duck.step_mode == "s" and net[1].step_mode == "s" and net[2].step_mode == "s"
    # a module that cannot take the mode stops the call before anything changes
    ottt = nn.Sequential(layer.Linear(2, 2), neuron.OTTTLIFNode())
    with pytest.raises(
        ValueError, match=r"OTTTLIFNode supports step_mode in \('s',\) only, got 'm'; nothing was changed"
    ):
        set_step_mode(ottt, "m")
    assert ottt[0].step_mode == "s"
    with pytest.raises(TypeError, match="net must be a torch.nn.Module"):
        set_step_mode("net", "m")


def test_set_step_mode_warns_for_duck_typed_modules(caplog):
    duck = DuckStep()
    with caplog.at_level(logging.WARNING):
        set_step_mode(nn.Sequential(duck, duck), "m")
    assert duck.step_mode == "m"
    assert caplog.text.count("Trying to set the step mode for DuckStep(), which is not snnlab.base.StepModule") == 1


# ------------------------------------------------------------------ set_backend
def test_set_backend_sets_supported_and_warns_with_step_mode(caplog):
    a, b = neuron.IFNode(), neuron.LIFNode(step_mode="m")
    net = nn.Sequential(a, nn.Linear(2, 2), b)
    set_backend(net, "torch")
    assert a.backend == "torch" and b.backend == "torch"
    with caplog.at_level(logging.WARNING):
        set_backend(net, "banana")
    assert a.backend == "torch"
    assert "does not support backend='banana' in step_mode='s' (supported: ('torch',))" in caplog.text
    assert "in step_mode='m'" in caplog.text
    assert caplog.text.count("It will still use backend='torch'.") == 2


def test_set_backend_instance_filter_and_duck_typed(caplog):
    a, b = neuron.IFNode(), neuron.LIFNode()
    a._backend = b._backend = "old"  # mark, to see which modules are visited
    set_backend(nn.Sequential(a, b), "torch", instance=neuron.LIFNode)
    assert a.backend == "old" and b.backend == "torch"
    set_backend(nn.Sequential(a, b), "torch", instance=(neuron.IFNode,))
    assert a.backend == "torch"
    duck = nn.Module()
    duck.backend = "x"
    with caplog.at_level(logging.WARNING):
        set_backend(duck, "torch")
    assert duck.backend == "x"
    assert "which is not snnlab.base.MemoryModule" in caplog.text and "(supported: ())" in caplog.text


def test_set_backend_errors():
    net = neuron.IFNode()
    with pytest.raises(TypeError, match=r"instance must be a class or a tuple of classes, got an object of type list"):
        set_backend(net, "torch", instance=[nn.Module])
    with pytest.raises(TypeError, match=r"backend must be a str, got None"):
        set_backend(net, None)
