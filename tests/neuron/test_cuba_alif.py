"""CubaLIFNode and AdaptiveLIFNode against float64 reference loops written here from their equations,
in both step modes, through the fused torch backend and through the generic step loop."""

import itertools

import pytest
import torch
from torch.testing import assert_close

from snnlab import neuron, surrogate
from snnlab.errors import InvalidParameterError

T, N = 9, 10
F64 = torch.float64


def cuba_reference(x, i0, v0, tau_syn, tau_mem, decay_input, v_reset, detach, sg, theta=1.0):
    """NIR CubaLIF, Euler steps of one unit: the equations of the CubaLIFNode docstring, term by term."""
    r0 = 0.0 if v_reset is None else v_reset
    i, v, spikes, vs = i0, v0, [], []
    for t in range(x.shape[0]):
        if decay_input:  # r = w_in = 1: tau_syn di = (-i + x), tau_mem dv = (v_leak - v) + i
            i = i + (-i + x[t]) / tau_syn
            h = v + ((r0 - v) + i) / tau_mem
        else:  # r = tau_mem, w_in = tau_syn
            i = i + (-i + tau_syn * x[t]) / tau_syn
            h = v + ((r0 - v) + tau_mem * i) / tau_mem
        s = sg(h - theta)
        sd = s.detach() if detach else s
        v = h - sd * theta if v_reset is None else (1 - sd) * h + sd * v_reset
        spikes.append(s)
        vs.append(v)
    return torch.stack(spikes), i, torch.stack(vs)


def alif_reference(x, v0, a0, tau, tau_adapt, beta, decay_input, v_reset, detach, sg, theta0=1.0):
    r0 = 0.0 if v_reset is None else v_reset
    v, a, spikes, vs = v0, a0, [], []
    for t in range(x.shape[0]):
        h = v + (x[t] - (v - r0)) / tau if decay_input else v - (v - r0) / tau + x[t]
        theta = theta0 + a
        s = sg(h - theta)
        sd = s.detach() if detach else s
        v = h - sd * theta if v_reset is None else (1 - sd) * h + sd * v_reset
        a = a * (1 - 1 / tau_adapt) + beta * sd
        spikes.append(s)
        vs.append(v)
    return torch.stack(spikes), torch.stack(vs), a


CONFIGS = list(itertools.product((True, False), (0.0, -0.3, None), (False, True)))


def _inputs(seed, scale=1.6):
    g = torch.Generator().manual_seed(seed)
    x = (torch.rand(T, N, generator=g, dtype=F64) * scale).requires_grad_()
    s0 = (torch.rand(N, generator=g, dtype=F64) * 0.5).requires_grad_()
    v0 = (torch.rand(N, generator=g, dtype=F64) * 0.5).requires_grad_()
    w = torch.randn(T, N, generator=g, dtype=F64)
    return x, s0, v0, w


def _grads(spikes, vs, last, w, inputs):
    loss = (spikes * w).sum() + (vs**2).sum() + (last**2).sum()
    return torch.autograd.grad(loss, inputs)


@pytest.mark.parametrize("step_mode, fused", [("s", True), ("m", True), ("m", False)])
@pytest.mark.parametrize("decay_input, v_reset, detach", CONFIGS)
def test_cuba_matches_reference(decay_input, v_reset, detach, step_mode, fused):
    x, i0, v0, w = _inputs(3, 3.0 if decay_input else 0.6)
    sg = surrogate.Sigmoid() if fused else surrogate.Sigmoid(spiking=True)
    kw = dict(tau_syn=3.0, tau_mem=2.5, decay_input=decay_input, v_reset=v_reset, detach_reset=detach)
    node = neuron.CubaLIFNode(**kw, surrogate_function=sg, step_mode=step_mode, store_v_seq=True)
    if not fused:
        node._fusion_blocker = lambda x_seq: "generic path under test"
    node.i, node.v = i0, v0
    if step_mode == "m":
        assert (node._fusion_blocker(x) is None) == fused
        spikes = node(x)
        vs = node.v_seq
    else:
        spikes = torch.stack([node(x[t]) for t in range(T)])
        vs = node.v_seq
    ref_s, ref_i, ref_v = cuba_reference(x, i0, v0, 3.0, 2.5, decay_input, v_reset, detach, surrogate.Sigmoid())
    assert torch.equal(spikes, ref_s)
    assert spikes.sum() > 0 and (spikes == 0).sum() > 0
    assert_close(vs, ref_v)
    assert_close(node.i, ref_i)
    assert_close(node.v, ref_v[-1])
    got = _grads(spikes, vs, node.i, w, (x, i0, v0))
    want = _grads(ref_s, ref_v, ref_i, w, (x, i0, v0))
    for a, b in zip(got, want, strict=True):
        assert_close(a, b)


@pytest.mark.parametrize("step_mode, fused", [("s", True), ("m", True), ("m", False)])
@pytest.mark.parametrize("decay_input, v_reset, detach", CONFIGS)
def test_adaptive_lif_matches_reference(decay_input, v_reset, detach, step_mode, fused):
    x, a0, v0, w = _inputs(4, 2.4 if decay_input else 1.0)
    kw = dict(tau=2.0, tau_adapt=3.0, beta=0.4, decay_input=decay_input, v_reset=v_reset, detach_reset=detach)
    node = neuron.AdaptiveLIFNode(**kw, surrogate_function=surrogate.ATan(), step_mode=step_mode, store_v_seq=True)
    if not fused:
        node._fusion_blocker = lambda x_seq: "generic path under test"
    node.a, node.v = a0, v0
    if step_mode == "m":
        assert (node._fusion_blocker(x) is None) == fused
        spikes = node(x)
    else:
        spikes = torch.stack([node(x[t]) for t in range(T)])
    vs = node.v_seq
    ref_s, ref_v, ref_a = alif_reference(x, v0, a0, 2.0, 3.0, 0.4, decay_input, v_reset, detach, surrogate.ATan())
    assert torch.equal(spikes, ref_s)
    assert spikes.sum() > 0 and (spikes == 0).sum() > 0
    assert_close(vs, ref_v)
    assert_close(node.a, ref_a)
    got = _grads(spikes, vs, node.a, w, (x, a0, v0))
    want = _grads(ref_s, ref_v, ref_a, w, (x, a0, v0))
    for a, b in zip(got, want, strict=True):
        assert_close(a, b)


def test_adaptive_lif_with_beta_zero_is_lif():
    x = torch.rand(T, N) * 2
    ours = neuron.AdaptiveLIFNode(tau=3.0, beta=0.0, step_mode="m", store_v_seq=True)
    lif = neuron.LIFNode(tau=3.0, step_mode="m", store_v_seq=True)
    assert torch.equal(ours(x), lif(x))
    assert torch.equal(ours.v_seq, lif.v_seq)


def test_adaptive_threshold_rises_with_each_spike_and_decays_back():
    node = neuron.AdaptiveLIFNode(tau=2.0, tau_adapt=4.0, beta=0.5, step_mode="s")
    node(torch.tensor([5.0]))  # fires
    assert node.a.item() == 0.5
    node(torch.tensor([0.0]))
    assert node.a.item() == 0.5 * (1 - 1 / 4.0)


def test_cuba_state_after_reset_and_repr():
    node = neuron.CubaLIFNode(v_reset=-0.5, step_mode="m")
    node(torch.rand(3, 2))
    node.reset()
    assert node.i == 0.0 and node.v == -0.5
    assert "tau_syn=2.0" in repr(node)
    soft = neuron.CubaLIFNode(v_reset=None)
    assert soft.v == 0.0


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: neuron.CubaLIFNode(tau_syn=0.0), "CubaLIFNode: tau_syn must be a number > 0.0, got 0.0"),
        (lambda: neuron.CubaLIFNode(tau_mem=-1.0), "CubaLIFNode: tau_mem must be a number > 0.0, got -1.0"),
        (lambda: neuron.AdaptiveLIFNode(tau=1.0), "AdaptiveLIFNode: tau must be a number > 1.0, got 1.0"),
        (lambda: neuron.AdaptiveLIFNode(tau_adapt=0), "AdaptiveLIFNode: tau_adapt must be a number > 0.0, got 0"),
    ],
)
def test_constructor_errors(make, match):
    with pytest.raises(InvalidParameterError, match=match):
        make()


def test_fused_runs_keep_state_between_calls_like_single_steps():
    x = torch.rand(6, 4) * 2
    for cls in (neuron.CubaLIFNode, neuron.AdaptiveLIFNode):
        multi = cls(step_mode="m")
        a, b = multi(x[:3]), multi(x[3:])
        single = cls()
        ref = torch.stack([single(x[t]) for t in range(6)])
        assert torch.equal(torch.cat([a, b]), ref)
        for name in multi._memories:
            if name != "v_seq":
                assert_close(getattr(multi, name), getattr(single, name))
