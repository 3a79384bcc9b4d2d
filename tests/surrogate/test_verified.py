"""Surrogate gradients: SpikingJelly's verified numbers and derivative-of-primitive checks."""

import math

import pytest
import torch
from torch.testing import assert_close

from snnlab import surrogate
from snnlab.errors import InvalidParameterError, InvalidParameterTypeError

X = [-1.0, -0.1, 0.0, 0.1, 1.0]
VERIFIED = {
    "sigmoid": (surrogate.Sigmoid, [0.07065, 0.96104, 1.0, 0.96104, 0.07065], [0.018, 0.4013, 0.5, 0.5987, 0.982]),
    "atan": (surrogate.ATan, [0.092, 0.91017, 1.0, 0.91017, 0.092], [0.0981, 0.4031, 0.5, 0.5969, 0.9019]),
}


@pytest.mark.parametrize("name", VERIFIED)
def test_verified_gradients_and_primitives(name, device):
    cls, grads, prims = VERIFIED[name]
    sg = cls()
    x = torch.tensor(X, device=device, requires_grad=True)
    y = sg(x)
    assert y.tolist() == [0.0, 0.0, 1.0, 1.0, 1.0]
    y.sum().backward()
    assert_close(x.grad.cpu(), torch.tensor(grads), atol=1e-4, rtol=0)
    assert_close(sg.primitive(x.detach()).cpu(), torch.tensor(prims), atol=1e-3, rtol=0)
    assert_close(sg.derivative(x.detach()).cpu(), torch.tensor(grads), atol=1e-4, rtol=0)


class _PrimitiveWithSurrogateBackward(torch.autograd.Function):
    """Forward: the primitive; backward: the surrogate's own derivative (gradcheck compares them)."""

    @staticmethod
    def forward(ctx, x, sg):
        ctx.save_for_backward(x)
        ctx.sg = sg
        return sg.primitive(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * ctx.sg.derivative(x), None


@pytest.mark.parametrize(
    "sg", [surrogate.Sigmoid(), surrogate.Sigmoid(alpha=1.5), surrogate.ATan(), surrogate.ATan(alpha=0.7)]
)
def test_derivative_is_derivative_of_primitive(sg):
    x = torch.linspace(-2, 2, 41, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: _PrimitiveWithSurrogateBackward.apply(t, sg), (x,))
    # the spiking backward is exactly that derivative
    (g,) = torch.autograd.grad(sg(x).sum(), x)
    assert_close(g, sg.derivative(x.detach()))


def test_heaviside_spikes_at_zero_and_keeps_dtype():
    for dtype in (torch.float16, torch.float32, torch.float64):
        out = surrogate.heaviside(torch.tensor([-1e-3, 0.0, -0.0, 2.0], dtype=dtype))
        assert out.dtype == dtype
        assert out.tolist() == [0.0, 1.0, 1.0, 1.0]


def test_spiking_mode_and_repr():
    sg = surrogate.ATan(alpha=3)
    assert sg.alpha == 3.0 and repr(sg) == "ATan(alpha=3.0, spiking=True)"
    sg.set_spiking_mode(False)
    x = torch.tensor([0.2])
    assert_close(sg(x), torch.atan(math.pi / 2 * 3.0 * x) / math.pi + 0.5)
    with pytest.raises(InvalidParameterTypeError, match="ATan: spiking must be a bool, got 1"):
        sg.set_spiking_mode(1)
    assert surrogate.Sigmoid().kind == "sigmoid" and surrogate.ATan().kind == "atan"


@pytest.mark.parametrize(
    "alpha, error, match",
    [
        (0.0, InvalidParameterError, r"Sigmoid: alpha must be a number > 0.0, got 0.0"),
        (-1, InvalidParameterError, r"Sigmoid: alpha must be a number > 0.0, got -1.0"),
        ("4", InvalidParameterTypeError, r"Sigmoid: alpha must be a real number or a tensor, got '4'"),
    ],
)
def test_alpha_validation(alpha, error, match):
    with pytest.raises(error, match=match):
        surrogate.Sigmoid(alpha=alpha)


def test_no_gradient_saved_without_requires_grad():
    sg = surrogate.Sigmoid()
    y = sg(torch.tensor([0.3]))
    assert y.grad_fn is None and y.tolist() == [1.0]


# ----------------------------------------------------------------------------- non-finite and tensor alpha
@pytest.mark.parametrize("alpha", [float("inf"), -float("inf")])
def test_infinite_alpha_is_refused(alpha):
    with pytest.raises(ValueError, match=r"Sigmoid: alpha must be finite"):
        surrogate.Sigmoid(alpha=alpha)


@pytest.mark.parametrize(
    "alpha, match",
    [
        (torch.tensor(-1.0), r"ATan: alpha must hold values > 0.0"),
        (torch.tensor([2.0, float("nan")]), r"ATan: alpha must hold finite values"),
        (torch.tensor(float("inf")), r"ATan: alpha must hold finite values"),
    ],
)
def test_tensor_alpha_is_validated_like_a_number(alpha, match):
    with pytest.raises(ValueError, match=match):
        surrogate.ATan(alpha=alpha)


def test_a_valid_tensor_alpha_is_kept():
    sg = surrogate.Sigmoid(alpha=torch.tensor(2.0))
    x = torch.tensor([0.5], requires_grad=True)
    sg(x).sum().backward()
    assert x.grad.item() > 0
