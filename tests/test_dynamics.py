"""Neuron formulas: closed forms, graph-free forms and local derivatives against autograd (float64)."""

import itertools

import pytest
import torch
from torch.testing import assert_close

from snnlab import dynamics, surrogate

F64 = dict(dtype=torch.float64)


def rand(*shape, seed=0, scale=2.0):
    return torch.rand(*shape, generator=torch.Generator().manual_seed(seed), **F64) * scale - scale / 4


@pytest.mark.parametrize(
    "decay_input, v_reset, expected",
    [
        (True, 0.0, 0.4 + (0.8 - 0.4) * 0.25),
        (True, None, 0.4 + (0.8 - 0.4) * 0.25),
        (True, -0.5, 0.4 + (0.8 - (0.4 + 0.5)) * 0.25),
        (False, 0.0, 0.4 * 0.75 + 0.8),
        (False, None, 0.4 * 0.75 + 0.8),
        (False, -0.5, 0.4 - (0.4 + 0.5) * 0.25 + 0.8),
    ],
)
def test_charge_lif_closed_forms(decay_input, v_reset, expected):
    v, x = torch.tensor([0.4], **F64), torch.tensor([0.8], **F64)
    assert_close(dynamics.charge_lif(v, x, 0.25, decay_input, v_reset), torch.tensor([expected], **F64))
    assert_close(dynamics.charge("lif", v, x, 0.25, decay_input, v_reset), torch.tensor([expected], **F64))
    out = torch.empty(1, **F64)
    assert dynamics.charge_lif(v, x, 0.25, decay_input, v_reset, out=out) is out
    assert_close(out, torch.tensor([expected], **F64))


def test_charge_if_and_tensor_k():
    v, x = rand(5, seed=1), rand(5, seed=2)
    assert torch.equal(dynamics.charge("if", v, x), v + x)
    k = torch.tensor(0.3, **F64)
    assert torch.equal(dynamics.charge_lif(v, x, k, True, 0.0), v + (x - v) * 0.3)


def test_fire_and_fired_agree_on_edges():
    theta = 1.0
    h = torch.tensor(
        [
            1.0,
            torch.nextafter(torch.tensor(1.0), torch.tensor(0.0)).item(),
            torch.nextafter(torch.tensor(1.0), torch.tensor(2.0)).item(),
            -3.0,
            1e30,
        ]
    )
    assert dynamics.fire(h, theta).tolist() == [1.0, 0.0, 1.0, 0.0, 1.0]
    assert torch.equal(dynamics.fired(h, theta), dynamics.fire(h, theta))
    gen = torch.Generator().manual_seed(3)
    h = torch.randn(10000, generator=gen) * 1e-6 + 0.7
    th = torch.randn(10000, generator=gen) * 1e-6 + 0.7
    out = torch.empty_like(h)
    assert dynamics.fired(h, th, out=out) is out
    assert torch.equal(out, dynamics.fire(h, th)) and out.dtype == h.dtype


@pytest.mark.parametrize("v_reset, tensor_theta", list(itertools.product([0.0, -0.5, 0.3, None], [False, True])))
def test_reset_values_equal_reset(v_reset, tensor_theta):
    h = torch.randn(1000, generator=torch.Generator().manual_seed(4)) + 1.0
    theta = torch.rand(1000, generator=torch.Generator().manual_seed(5)) + 0.5 if tensor_theta else 1.0
    spike = dynamics.fired(h, theta)
    assert 0 < spike.sum() < 1000
    assert torch.equal(dynamics.reset_values(h, spike, theta, v_reset), dynamics.reset(h, spike, theta, v_reset))


def test_reset_formulas():
    h, s = torch.tensor([0.5, 1.5]), torch.tensor([0.0, 1.0])
    assert dynamics.reset_hard(h, s, -0.5).tolist() == [0.5, -0.5]
    assert dynamics.reset_soft(h, s, torch.tensor([1.0, 0.25])).tolist() == [0.5, 1.25]
    hs = h.clone().requires_grad_()
    ss = s.clone().requires_grad_()
    dynamics.reset(hs, ss, 1.0, 0.0, detach_reset=True).sum().backward()
    assert ss.grad is None and hs.grad.tolist() == [1.0, 0.0]


@pytest.mark.parametrize("decay_input, v_reset", list(itertools.product([True, False], [0.0, None, -0.4])))
def test_charge_derivatives_match_autograd(decay_input, v_reset):
    v = rand(6, seed=6).requires_grad_()
    x = rand(6, seed=7).requires_grad_()
    k = torch.tensor(0.3, **F64, requires_grad=True)
    h = dynamics.charge_lif(v, x, k, decay_input, v_reset)
    gv, gx, gk = torch.autograd.grad(h.sum(), (v, x, k))
    assert_close(gv, torch.full_like(v, 1.0) * dynamics.d_charge_d_v("lif", k.detach()))
    assert_close(gx, torch.full_like(x, 1.0) * dynamics.d_charge_d_x("lif", k.detach(), decay_input))
    assert_close(gk, dynamics.d_charge_d_k(v.detach(), x.detach(), decay_input, v_reset).sum())
    assert dynamics.d_charge_d_v("if") == 1.0 and dynamics.d_charge_d_x("if", 0.3, True) == 1.0


@pytest.mark.parametrize(
    "v_reset, detach, sg_cls, tensor_theta",
    list(itertools.product([0.0, -0.4, None], [False, True], [surrogate.Sigmoid, surrogate.ATan], [False, True])),
)
def test_reset_derivative_and_fused_grad_match_autograd(v_reset, detach, sg_cls, tensor_theta):
    sg = sg_cls()
    h = (rand(50, seed=8) + 0.5).requires_grad_()
    theta = rand(50, seed=9, scale=0.5) + 1.0 if tensor_theta else 1.0
    g_spike, g_v = rand(50, seed=10), rand(50, seed=11)
    spike = sg(h - theta)
    v = dynamics.reset(h, spike, theta, v_reset, detach)
    (want,) = torch.autograd.grad((spike * g_spike).sum() + (v * g_v).sum(), h)
    hd = h.detach()
    ds = sg.derivative(hd - theta)
    dv_dh = dynamics.d_reset_d_h(hd, dynamics.fired(hd, theta), ds, theta, v_reset, detach)
    assert_close(g_spike * ds + g_v * dv_dh, want)
    assert_close(dynamics.grad_through_fire_reset(g_spike, g_v, hd, ds, theta, v_reset, detach), want)
    out = torch.empty_like(hd)
    assert dynamics.grad_through_fire_reset(g_spike, g_v, hd, ds, theta, v_reset, detach, out=out) is out
    assert_close(out, want)


def test_d_charge_d_k_needs_x_with_decay_input():
    with pytest.raises(TypeError, match=r"d_charge_d_k: x must be a tensor when decay_input is True, got None"):
        dynamics.d_charge_d_k(torch.zeros(2), None, True, None)


def test_decay_trace():
    trace = torch.tensor([0.0, 1.0])
    assert dynamics.decay_trace(trace, torch.tensor([1.0, 1.0]), 0.5).tolist() == [1.0, 1.5]


# ----------------------------------------------------------------------------- kind names
@pytest.mark.parametrize("kind", ["IF", "banana", "lif ", None])
def test_unknown_charge_kinds_are_refused(kind):
    v, x = torch.zeros(2), torch.ones(2)
    with pytest.raises(ValueError, match=r"charge: kind must be one of 'if', 'lif'"):
        dynamics.charge(kind, v, x, 0.5)
    with pytest.raises(ValueError, match=r"d_charge_d_v: kind must be one of 'if', 'lif'"):
        dynamics.d_charge_d_v(kind, 0.5)
    with pytest.raises(ValueError, match=r"d_charge_d_x: kind must be one of 'if', 'lif'"):
        dynamics.d_charge_d_x(kind, 0.5)
