"""snnlab.learning.learners: the STDP learners against SpikingJelly 0.14's, watching the same network."""

import pytest
import torch
import torch.nn as nn

from snnlab import layer, learning, neuron
from tests.sj014 import sj


def f_pre(w):
    return 0.5 - w


def f_post(w):
    return w.abs()


def _drive(net, step_mode, x):
    if step_mode == "s":
        for x_t in x:
            net(x_t)
    else:
        net(x)


def _spikes(*shape, seed=0):
    return (torch.rand(shape, generator=torch.Generator().manual_seed(seed)) < 0.5).float()


@pytest.mark.parametrize("step_mode", ["s", "m"])
@pytest.mark.parametrize("synapse", ["linear", "conv1d", "conv2d"])
def test_stdp_learner_matches_spikingjelly_on_the_same_network(step_mode, synapse):
    torch.manual_seed(0)
    fc, shape = {
        "linear": (layer.Linear(6, 3, step_mode=step_mode), (5, 2, 6)),
        "conv1d": (layer.Conv1d(2, 2, 3, padding=1, step_mode=step_mode), (5, 2, 2, 7)),
        "conv2d": (layer.Conv2d(2, 2, 3, stride=2, step_mode=step_mode), (5, 2, 2, 5, 5)),
    }[synapse]
    sn = neuron.IFNode(v_threshold=0.3, step_mode=step_mode)
    net = nn.Sequential(fc, sn)
    ours = learning.STDPLearner(step_mode, fc, sn, 2.0, 3.0, f_pre, f_post)
    theirs = sj("learning").STDPLearner(step_mode, fc, sn, 2.0, 3.0, f_pre, f_post)
    for episode in range(2):  # traces carry over between step() calls, so learn twice
        _drive(net, step_mode, _spikes(*shape, seed=episode))
        torch.testing.assert_close(ours.step(on_grad=False, scale=0.5), theirs.step(on_grad=False, scale=0.5))
        torch.testing.assert_close(ours.trace_pre, theirs.trace_pre)
        torch.testing.assert_close(ours.trace_post, theirs.trace_post)
    ours.reset()
    theirs.reset()
    assert ours.trace_pre is None and theirs.trace_pre is None


def test_stdp_learner_hands_minus_dw_to_the_gradient_like_spikingjelly():
    torch.manual_seed(0)
    fc, sn = nn.Linear(4, 2), neuron.IFNode(v_threshold=0.2)
    net = nn.Sequential(fc, sn)
    ours = learning.STDPLearner("s", fc, sn, 2.0, 2.0)
    x = _spikes(3, 1, 4)
    _drive(net, "s", x)
    dw = ours.step(on_grad=False)
    ours.reset()
    _drive(net, "s", x)
    fc.weight.grad = torch.ones_like(fc.weight)
    assert ours.step() is None
    torch.testing.assert_close(fc.weight.grad, 1 - dw)


def test_stdp_learner_with_nothing_recorded_gives_zero():
    fc, sn = nn.Linear(3, 2), neuron.IFNode()
    torch.testing.assert_close(learning.STDPLearner("s", fc, sn, 2.0, 2.0).step(on_grad=False), torch.zeros(2, 3))


def test_disabled_learner_records_nothing():
    fc, sn = nn.Linear(3, 2), neuron.IFNode()
    learner = learning.STDPLearner("s", fc, sn, 2.0, 2.0)
    learner.disable()
    sn(fc(torch.ones(1, 3)))
    assert learner.in_spike_monitor.records == [] and learner.out_spike_monitor.records == []
    learner.enable()
    sn(fc(torch.ones(1, 3)))
    assert len(learner.in_spike_monitor.records) == 1


def test_mstdp_learner_matches_spikingjelly():
    torch.manual_seed(0)
    fc, sn = nn.Linear(5, 3), neuron.LIFNode(tau=2.0, v_threshold=0.2)
    net = nn.Sequential(fc, sn)
    ours = learning.MSTDPLearner("s", 2, fc, sn, 2.0, 3.0, f_pre, f_post)
    theirs = sj("learning").MSTDPLearner("s", 2, fc, sn, 2.0, 3.0, f_pre, f_post)
    for episode in range(2):
        _drive(net, "s", _spikes(4, 2, 5, seed=episode))
        reward = torch.tensor([1.0, -0.5])
        torch.testing.assert_close(ours.step(reward, on_grad=False), theirs.step(reward, on_grad=False))
        torch.testing.assert_close(ours.eligibility, theirs.eligibility)


def test_mstdpet_learner_matches_spikingjelly():
    torch.manual_seed(0)
    fc, sn = nn.Linear(5, 3), neuron.IFNode(v_threshold=0.2)
    net = nn.Sequential(fc, sn)
    ours = learning.MSTDPETLearner("s", fc, sn, 2.0, 3.0, 4.0, f_pre, f_post)
    theirs = sj("learning").MSTDPETLearner("s", fc, sn, 2.0, 3.0, 4.0, f_pre, f_post)
    for episode in range(2):
        _drive(net, "s", _spikes(4, 5, seed=episode))  # 0.14's MSTDP-ET takes unbatched spikes
        torch.testing.assert_close(ours.step(0.7, on_grad=False), theirs.step(0.7, on_grad=False))
        torch.testing.assert_close(ours.trace_e, theirs.trace_e)


@pytest.mark.parametrize("kind", ["MSTDPLearner", "MSTDPETLearner"])
def test_reward_learners_in_multi_step_equal_their_single_step_form(kind):
    """0.14 raised NotImplementedError in 'm'; snnlab learns step by step from the [T, N, *] records."""
    results = []
    for step_mode in ("s", "m"):
        torch.manual_seed(0)
        fc = layer.Linear(5, 3, step_mode=step_mode)
        sn = neuron.IFNode(v_threshold=0.2, step_mode=step_mode)
        args = (step_mode, 2, fc, sn, 2.0, 3.0) if kind == "MSTDPLearner" else (step_mode, fc, sn, 2.0, 3.0, 4.0)
        learner = getattr(learning, kind)(*args)
        _drive(nn.Sequential(fc, sn), step_mode, _spikes(6, 2, 5))
        results.append(learner.step(torch.tensor([1.0, 0.5]) if kind == "MSTDPLearner" else 0.5, on_grad=False))
    torch.testing.assert_close(results[0], results[1])


def test_eligibility_is_state_cleared_by_reset():
    fc, sn = nn.Linear(2, 1), neuron.IFNode(v_threshold=0.1)
    learner = learning.MSTDPLearner("s", 1, fc, sn, 2.0, 2.0)
    sn(fc(torch.ones(1, 2)))
    learner.step(torch.ones(1), on_grad=False)
    assert learner.eligibility is not None
    learner.reset()
    assert learner.eligibility is None


def test_learners_check_their_arguments():
    with pytest.raises(
        TypeError, match=r"MSTDPLearner: synapse must be one of nn.Linear, got an object of type Conv2d"
    ):
        learning.MSTDPLearner("s", 1, nn.Conv2d(1, 1, 1), neuron.IFNode(), 2.0, 2.0)
    with pytest.raises(ValueError, match="STDPLearner: tau_pre must be a number > 0.0, got 0.0"):
        learning.STDPLearner("s", nn.Linear(1, 1), neuron.IFNode(), 0.0, 2.0)
    with pytest.raises(ValueError, match="step_mode can only be"):
        learning.STDPLearner("x", nn.Linear(1, 1), neuron.IFNode(), 2.0, 2.0)
