"""Every surrogate's gradient against its float64 closed form, and its primitive's derivative."""

import pytest
import torch
from torch.testing import assert_close

from snnlab.registry.surrogates import SURROGATE_KINDS

from .cases import PARAMS, X, build, gradient_tensor

# points where the primitive has a kink, away from which d primitive / dx is compared
KINKS = {
    "piecewise_quadratic": (-2 / 3, 2 / 3),
    "log_tailed_relu": (0.0, 1.0),
    "fake_numerical_gradient": (-2.0, 2.0),
    "piecewise_leaky_relu": (-0.6, 0.6),
    "leaky_k_relu": (0.0,),
    "s2nn": (0.0,),
}


@pytest.mark.parametrize("kind", SURROGATE_KINDS)
def test_spiking_backward_and_derivative_equal_the_closed_form(kind):
    sg = build(kind)
    x = X.clone().requires_grad_(True)
    y = sg(x)
    assert torch.equal(y.detach(), (X >= 0).double())  # Heaviside forward, spike at 0
    (grad,) = torch.autograd.grad(y.sum(), x)
    want = gradient_tensor(kind, X)
    assert_close(grad, want, rtol=1e-12, atol=1e-12)
    assert_close(sg.derivative(X), want, rtol=1e-12, atol=1e-12)
    assert_close(type(sg).backward(torch.full_like(X, 2.0), X, *PARAMS[kind]), 2.0 * want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kind", [k for k in SURROGATE_KINDS if k != "piecewise_leaky_relu"])
def test_gradient_is_the_derivative_of_the_primitive(kind):
    sg = build(kind, spiking=False)
    keep = torch.ones_like(X, dtype=torch.bool)
    for kink in KINKS.get(kind, ()):
        keep &= (X - kink).abs() > 1e-6
    x = X[keep].clone().requires_grad_(True)
    (auto,) = torch.autograd.grad(sg(x).sum(), x)  # non-spiking mode: autograd through the primitive
    assert_close(auto, gradient_tensor(kind, X[keep]), rtol=1e-9, atol=1e-12)


def test_piecewise_leaky_relu_gradient_is_twice_the_primitive_slope_in_its_window():
    # SpikingJelly 0.14's pair, kept (COMPATIBILITY.md): gradient 1/w, primitive slope 1/(2w) for |x| < w
    sg = build("piecewise_leaky_relu", spiking=False)
    w, c = PARAMS["piecewise_leaky_relu"]
    x = torch.tensor([-2.0, -0.3, 0.0, 0.3, 2.0], dtype=torch.float64, requires_grad=True)
    (slope,) = torch.autograd.grad(sg(x).sum(), x)
    assert_close(slope, torch.tensor([c, 0.5 / w, 0.5 / w, 0.5 / w, c], dtype=torch.float64))
    assert_close(sg.derivative(x.detach()), torch.tensor([c, 1 / w, 1 / w, 1 / w, c], dtype=torch.float64))


@pytest.mark.parametrize("kind", SURROGATE_KINDS)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16])
def test_low_precision_keeps_dtype_and_follows_float64(kind, dtype):
    sg = build(kind)
    x = X.to(dtype).requires_grad_(True)
    y = sg(x)
    (grad,) = torch.autograd.grad(y.sum(), x)
    assert y.dtype == dtype and grad.dtype == dtype
    want = gradient_tensor(kind, x.detach().double())
    tol = {torch.float32: 1e-5, torch.float16: 4e-3, torch.bfloat16: 3e-2}[dtype]
    assert_close(grad.double(), want, rtol=tol, atol=tol)
    prim = build(kind, spiking=False)(x.detach())
    assert prim.dtype == dtype and torch.isfinite(prim).all()


@pytest.mark.parametrize("kind", SURROGATE_KINDS)
def test_double_backward_through_the_surrogate_gradient(kind):
    sg = build(kind)
    x = X.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(sg(x).sum(), x, create_graph=True)
    assert_close(grad.detach(), gradient_tensor(kind, X), rtol=1e-12, atol=1e-12)
    if grad.requires_grad:  # a piecewise-constant gradient may not depend on x at all
        (second,) = torch.autograd.grad(grad.sum(), x, allow_unused=True)
        assert second is None or torch.isfinite(second).all()
