"""snnlab.layer.containers: MultiStep / SeqToANN / StepMode containers."""

import pytest
import torch
import torch.nn as nn

from snnlab import layer, neuron
from snnlab.errors import InvalidParameterError


class CallCounter(nn.Module):
    """Identity that counts its calls and the shapes it saw."""

    def __init__(self):
        super().__init__()
        self.shapes = []

    def forward(self, x):
        self.shapes.append(tuple(x.shape))
        return x


def test_multi_step_container_runs_each_step_through_the_whole_sequential(device):
    counter = CallCounter()
    c = layer.MultiStepContainer(counter, neuron.IFNode()).to(device)
    x_seq = torch.tensor([0.5, 0.5, 0.5, 1.0, 2.0], device=device).view(5, 1, 1)
    y = c(x_seq)
    assert y.flatten().tolist() == [0.0, 1.0, 0.0, 1.0, 1.0]  # IF hard-reset trace verified against SpikingJelly
    assert counter.shapes == [(1, 1)] * 5  # one call per step, per-step slices


def test_seq_to_ann_container_folds_time_into_batch(device):
    counter = CallCounter()
    torch.manual_seed(0)
    conv = nn.Conv2d(2, 3, 3).to(device)
    c = layer.SeqToANNContainer(counter, conv).to(device)
    x_seq = torch.randn(4, 2, 2, 5, 5, device=device)
    torch.testing.assert_close(c(x_seq), torch.stack([conv(x_seq[t]) for t in range(4)]))
    assert counter.shapes == [(8, 2, 5, 5)]


def test_multi_and_seq_containers_have_no_step_mode_attribute_like_spikingjelly():
    for c in (layer.MultiStepContainer(nn.ReLU()), layer.SeqToANNContainer(nn.ReLU())):
        assert not hasattr(c, "step_mode")
        assert c.supported_step_mode() == ("m",)


@pytest.mark.parametrize("cls", [layer.MultiStepContainer, layer.SeqToANNContainer])
def test_containers_refuse_a_multi_step_child(cls):
    with pytest.raises(
        InvalidParameterError,
        match=rf"{cls.__name__}: every contained module must be in "
        r"step_mode='s', got IFNode \(at index 1\) with step_mode='m'",
    ):
        cls(nn.Identity(), neuron.IFNode(step_mode="m"))
    with pytest.raises(AssertionError):  # SpikingJelly asserted here
        cls(layer.Linear(2, 2, step_mode="m"))


def test_a_child_switched_to_multi_step_later_is_refused_instead_of_silently_wrong():
    c = layer.MultiStepContainer(neuron.IFNode())
    c[0].step_mode = "m"
    with pytest.raises(InvalidParameterError, match="MultiStepContainer: every contained module"):
        c(torch.ones(3, 2, 2))
    s = layer.SeqToANNContainer(layer.Conv2d(1, 1, 1))
    s[0].step_mode = "m"
    with pytest.raises(InvalidParameterError, match="SeqToANNContainer: every contained module"):
        s(torch.ones(3, 2, 1, 2, 2))


def test_step_mode_container_stateful_runs_step_by_step(device):
    c = layer.StepModeContainer(True, nn.Identity(), neuron.IFNode()).to(device)
    x_seq = torch.tensor([0.5, 0.5, 0.5, 1.0, 2.0], device=device).view(5, 1)
    c.step_mode = "m"
    assert c(x_seq).flatten().tolist() == [0.0, 1.0, 0.0, 1.0, 1.0]
    assert c[1].step_mode == "s"
    c[1].reset()
    c.step_mode = "s"
    assert [c(x_seq[t]).item() for t in range(5)] == [0.0, 1.0, 0.0, 1.0, 1.0]


def test_step_mode_container_stateless_folds_time_and_differs_from_stateful_for_a_neuron():
    x_seq = torch.tensor([0.5, 0.5, 0.5, 1.0, 2.0]).view(5, 1)
    counter = CallCounter()
    stateless = layer.StepModeContainer(False, counter, neuron.IFNode(), step_mode="m")
    # folded: the IF node sees one [5] input once, so no charge carries over between steps
    assert stateless(x_seq).flatten().tolist() == [0.0, 0.0, 0.0, 1.0, 1.0]
    assert counter.shapes == [(5,)]


def test_step_mode_container_stateless_equals_loop_for_stateless_modules():
    torch.manual_seed(3)
    fc = nn.Linear(3, 2)
    c = layer.StepModeContainer(False, fc, nn.ReLU())
    c.step_mode = "m"
    x_seq = torch.randn(4, 5, 3)
    torch.testing.assert_close(c(x_seq), torch.relu(fc(x_seq)))


def test_step_mode_container_validates_its_arguments():
    with pytest.raises(TypeError, match="StepModeContainer: stateful must be a bool given before the modules"):
        layer.StepModeContainer(nn.ReLU(), nn.ReLU())
    with pytest.raises(TypeError, match=r"StepModeContainer: stateful must be a bool, got 1 \(int\)"):
        layer.StepModeContainer(1, nn.ReLU())
    with pytest.raises(InvalidParameterError, match="StepModeContainer: every contained module"):
        layer.StepModeContainer(True, neuron.IFNode(step_mode="m"))
    with pytest.raises(ValueError, match="step_mode can only be"):
        layer.StepModeContainer(True, nn.ReLU(), step_mode="q")
    c = layer.StepModeContainer(True, nn.ReLU())
    assert c.step_mode == "s" and "stateful=True, step_mode=s" in repr(c)


def test_set_step_mode_leaves_container_children_alone_when_available():
    functional = pytest.importorskip("snnlab.functional")
    if not hasattr(functional, "set_step_mode"):
        pytest.skip("functional.set_step_mode not available")
    net = nn.Sequential(
        layer.SeqToANNContainer(layer.Conv2d(1, 2, 3), layer.BatchNorm2d(2)),
        layer.MultiStepContainer(neuron.IFNode()),
        layer.StepModeContainer(True, neuron.IFNode()),
    )
    functional.set_step_mode(net, "m")
    assert net[0][0].step_mode == net[0][1].step_mode == net[1][0].step_mode == net[2][0].step_mode == "s"
    assert net[2].step_mode == "m"
    assert net(torch.rand(3, 2, 1, 5, 5)).shape == (3, 2, 2, 3, 3)


def test_time_last_containers_equal_the_time_first_ones():
    torch.manual_seed(4)
    x_seq = torch.rand(5, 2, 1, 3) * 2  # [T, N, C, L]
    conv = nn.Conv1d(1, 2, 2)
    t_first = layer.SeqToANNContainer(conv)(x_seq)
    t_last = layer.TLastSeqToANNContainer(conv)(x_seq.movedim(0, -1))
    torch.testing.assert_close(t_last, t_first.movedim(0, -1))
    first = layer.MultiStepContainer(nn.Flatten(), neuron.IFNode())(x_seq)
    last = layer.TLastMultiStepContainer(nn.Flatten(), neuron.IFNode())(x_seq.movedim(0, -1))
    torch.testing.assert_close(last, first.movedim(0, -1))
    assert first.sum() > 0
    with pytest.raises(ValueError, match=r"TLastSeqToANNContainer: x_seq must be a time-last tensor \[N, \*, T\]"):
        layer.TLastSeqToANNContainer(conv)(torch.zeros(3))
    with pytest.raises(InvalidParameterError, match="TLastMultiStepContainer: every contained module"):
        layer.TLastMultiStepContainer(neuron.IFNode(step_mode="m"))


def test_multi_step_container_refuses_a_multi_step_module_nested_in_a_plain_sequential():
    with pytest.raises(InvalidParameterError, match=r"got LIFNode \(at index 0, path '1'\) with step_mode='m'"):
        layer.MultiStepContainer(nn.Sequential(nn.Linear(2, 2), neuron.LIFNode(step_mode="m")))
