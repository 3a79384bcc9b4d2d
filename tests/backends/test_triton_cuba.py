"""The Triton kernels of CubaLIF and the adaptive LIF (interpreter on CPU, compiled on CUDA) against
the step-by-step autograd reference: the single-step modules in a loop, in float32."""

import itertools

import pytest
import torch
from torch.testing import assert_close

pytest.importorskip("triton")

from snnlab import backends, neuron, surrogate
from snnlab.backends import triton_alif, triton_cuba

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
T, N = 5, 37  # two programs of the interpreter's BLOCK = 32, the second one partial


def _step_reference(node, x, states):
    for name, value in states.items():
        setattr(node, name, value)
    spikes = torch.stack([node(x[t]) for t in range(x.shape[0])])
    return spikes, node


CONFIGS = list(itertools.product((True, False), (0.0, -0.3, None), (False, True), ("sigmoid", "atan")))


def _sg(kind):
    return surrogate.Sigmoid() if kind == "sigmoid" else surrogate.ATan()


def _inputs(seed, scale):
    g = torch.Generator().manual_seed(seed)
    x = (torch.rand(T, N, generator=g) * scale).to(DEVICE).requires_grad_()
    s0 = (torch.rand(N, generator=g) * 0.5).to(DEVICE).requires_grad_()
    v0 = (torch.rand(N, generator=g) * 0.5).to(DEVICE).requires_grad_()
    w = torch.randn(T, N, generator=g).to(DEVICE)
    return x, s0, v0, w


@pytest.mark.parametrize("decay_input, v_reset, detach, kind", CONFIGS)
def test_cuba_kernels_match_step_reference(decay_input, v_reset, detach, kind):
    x, i0, v0, w = _inputs(5, 3.0 if decay_input else 0.6)
    kw = dict(tau_syn=3.0, tau_mem=2.5, decay_input=decay_input, v_reset=v_reset, detach_reset=detach)
    cfg = backends.CubaLIFConfig(3.0, 2.5, decay_input, 1.0, v_reset, detach, kind, _sg(kind).alpha, True)
    s, i_last, v_seq = triton_cuba.multi_step(cfg, x, i0, v0)
    ref_s, node = _step_reference(
        neuron.CubaLIFNode(**kw, surrogate_function=_sg(kind), store_v_seq=True), x, {"i": i0, "v": v0}
    )
    assert torch.equal(s, ref_s) and 0 < s.sum() < s.numel()
    assert_close(v_seq, node.v_seq)
    assert_close(i_last, node.i)
    loss = lambda s, v, i: (s * w).sum() + (v**2).sum() + (i**2).sum()  # noqa: E731
    got = torch.autograd.grad(loss(s, v_seq, i_last), (x, i0, v0))
    want = torch.autograd.grad(loss(ref_s, node.v_seq, node.i), (x, i0, v0))
    for a, b in zip(got, want, strict=True):
        assert_close(a, b, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("decay_input, v_reset, detach, kind", CONFIGS)
def test_adaptive_kernels_match_step_reference(decay_input, v_reset, detach, kind):
    x, a0, v0, w = _inputs(6, 2.4 if decay_input else 1.0)
    kw = dict(tau=2.0, tau_adapt=3.0, beta=0.4, decay_input=decay_input, v_reset=v_reset, detach_reset=detach)
    cfg = backends.AdaptiveLIFConfig(0.5, 3.0, 0.4, decay_input, 1.0, v_reset, detach, kind, _sg(kind).alpha, False)
    s, v_last, a_last = triton_alif.multi_step(cfg, x, v0, a0)
    ref_s, node = _step_reference(neuron.AdaptiveLIFNode(**kw, surrogate_function=_sg(kind)), x, {"a": a0, "v": v0})
    assert torch.equal(s, ref_s) and 0 < s.sum() < s.numel()
    assert_close(v_last, node.v)
    assert_close(a_last, node.a)
    loss = lambda s, v, a: (s * w).sum() + (v**2).sum() + (a**2).sum()  # noqa: E731
    got = torch.autograd.grad(loss(s, v_last, a_last), (x, v0, a0))
    want = torch.autograd.grad(loss(ref_s, node.v, node.a), (x, v0, a0))
    for a, b in zip(got, want, strict=True):
        assert_close(a, b, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("cls", [neuron.CubaLIFNode, neuron.AdaptiveLIFNode])
def test_modules_run_the_triton_kernels_over_two_calls(cls, monkeypatch):
    monkeypatch.setattr(backends, "available_backends", lambda: ("torch", "triton"))
    x = (torch.rand(6, 3, N) * 2.5).to(DEVICE)
    fused = cls(step_mode="m", backend="triton")
    assert fused._fusion_blocker(x) is None
    out = torch.cat([fused(x[:3]), fused(x[3:])])
    ref = cls(step_mode="m")
    assert torch.equal(out, ref(x))
    assert_close(fused.v, ref.v)


def test_triton_on_an_unfusable_neuron_warns_once_with_the_reason(monkeypatch):
    from snnlab.neuron import _base

    monkeypatch.setattr(backends, "available_backends", lambda: ("torch", "triton"))
    monkeypatch.setattr(_base, "_warned", set())
    node = neuron.QIFNode(step_mode="m", backend="triton")
    x = torch.rand(3, 4)
    with pytest.warns(
        RuntimeWarning, match="QIFNode: backend 'triton' cannot run this configuration \\(QIFNode has no"
    ):
        node(x)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        node(x)  # the same reason is not repeated


def test_config_errors():
    x = torch.rand(2, 3)
    with pytest.raises(ValueError, match="CubaLIFConfig: surrogate must be one of 'sigmoid', .*, got 'relu'"):
        backends.CubaLIFConfig(2.0, 2.0, True, 1.0, 0.0, False, "relu", 1.0, False)  # refused when described
    with pytest.raises(ValueError, match="AdaptiveLIFConfig: surrogate must be one of 'sigmoid', .*, got 'relu'"):
        backends.AdaptiveLIFConfig(0.5, 20.0, 0.2, True, 1.0, 0.0, False, "relu", 1.0, False)
    good = backends.CubaLIFConfig(2.0, 2.0, True, 1.0, 0.0, False, "atan", 2.0, False)
    with pytest.raises(TypeError, match="triton backend: cfg must be a AdaptiveLIFConfig, got an object"):
        triton_alif.multi_step(good, x, torch.zeros(3), torch.zeros(3))
    with pytest.raises(ValueError, match=r"triton backend: v_init must be a tensor of shape \[3\], got \[2\]"):
        triton_cuba.multi_step(good, x, torch.zeros(3), torch.zeros(2))
