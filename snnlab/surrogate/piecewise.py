"""One-parameter surrogates whose gradients are piecewise formulas: PiecewiseQuadratic,
LogTailedReLU and FakeNumericalGradient, each with its function form and ``*_backward``.

Shape:
    ``x``: any shape; outputs have ``x``'s shape and dtype.

Example:
    >>> import torch
    >>> PiecewiseQuadratic(alpha=1.0).derivative(torch.tensor([-2.0, -0.5, 0.0, 0.5]))
    tensor([0.0000, 0.5000, 1.0000, 0.5000])
"""

from typing import ClassVar

import torch

from .base import SurrogateFunctionBase, backward_function, nonzero_sign, scalar_like, spike_function

__all__ = [
    "FakeNumericalGradient",
    "LogTailedReLU",
    "PiecewiseQuadratic",
    "fake_numerical_gradient",
    "fake_numerical_gradient_backward",
    "log_tailed_relu",
    "log_tailed_relu_backward",
    "piecewise_quadratic",
    "piecewise_quadratic_backward",
]


class PiecewiseQuadratic(SurrogateFunctionBase):
    """Triangular surrogate: gradient ``alpha - alpha**2 * |x|`` for ``|x| <= 1/alpha``, else 0; the
    primitive is 0 below ``-1/alpha``, 1 above ``1/alpha`` and a pair of parabolas between.

    Example:
        >>> import torch
        >>> PiecewiseQuadratic(alpha=2.0, spiking=False)(torch.tensor([-1.0, 0.0, 0.25, 1.0]))
        tensor([0.0000, 0.5000, 0.8750, 1.0000])
    """

    kind = "piecewise_quadratic"
    alpha_above: ClassVar[float | None] = 0.0

    def __init__(self, alpha: float = 1.0, spiking: bool = True):
        super().__init__(alpha, spiking)

    @staticmethod
    def spiking_function(x: torch.Tensor, alpha: float | torch.Tensor) -> torch.Tensor:
        return piecewise_quadratic.apply(x, alpha)

    @staticmethod
    def primitive_function(x: torch.Tensor, alpha: float | torch.Tensor) -> torch.Tensor:
        inner = (x * alpha + 0.5) - (alpha * alpha / 2.0) * x * x.abs()
        return torch.where(x > 1.0 / alpha, 1.0, torch.where(x < -1.0 / alpha, 0.0, inner)).to(x.dtype)

    @staticmethod
    def derivative_function(x: torch.Tensor, alpha: float | torch.Tensor) -> torch.Tensor:
        a = x.abs()
        return (alpha - (alpha * alpha) * a).masked_fill_(a > 1.0 / alpha, 0.0)


class LogTailedReLU(SurrogateFunctionBase):
    """Log-tailed ReLU surrogate: gradient ``alpha`` for ``x <= 0``, 1 on ``(0, 1]``, ``1 / x`` above;
    primitive ``leaky_relu(x, alpha)`` up to 1 and ``log(x) + 1`` above. ``alpha`` may be any real.

    Example:
        >>> import torch
        >>> LogTailedReLU(alpha=0.1).derivative(torch.tensor([-1.0, 0.5, 4.0]))
        tensor([0.1000, 1.0000, 0.2500])
    """

    kind = "log_tailed_relu"

    def __init__(self, alpha: float = 0.0, spiking: bool = True):
        super().__init__(alpha, spiking)

    @staticmethod
    def spiking_function(x: torch.Tensor, alpha: float | torch.Tensor) -> torch.Tensor:
        return log_tailed_relu.apply(x, alpha)

    @staticmethod
    def primitive_function(x: torch.Tensor, alpha: float | torch.Tensor) -> torch.Tensor:
        above = x > 1.0
        return torch.where(above, torch.log(torch.where(above, x, 1.0)) + 1.0, torch.where(x > 0, x, x * alpha))

    @staticmethod
    def derivative_function(x: torch.Tensor, alpha: float | torch.Tensor) -> torch.Tensor:
        above = x > 1.0
        middle = torch.where(x <= 0.0, scalar_like(x, alpha), scalar_like(x, 1.0))
        return torch.where(above, torch.reciprocal(torch.where(above, x, 1.0)), middle)


class FakeNumericalGradient(SurrogateFunctionBase):
    """The numerical slope of the step as its gradient: ``min(1 / |x|, alpha)`` (``alpha`` at 0).

    SpikingJelly 0.14 defines no primitive; snnlab's is the curve with that derivative through 0,
    ``sign(x) * (min(alpha * |x|, 1) + log(max(alpha * |x|, 1)))``, for plots and ``spiking=False``.

    Example:
        >>> import torch
        >>> FakeNumericalGradient().derivative(torch.tensor([0.0, 1.0, 10.0]))
        tensor([0.3000, 0.3000, 0.1000])
    """

    kind = "fake_numerical_gradient"
    alpha_above: ClassVar[float | None] = 0.0

    def __init__(self, alpha: float = 0.3):
        super().__init__(alpha, spiking=True)

    @staticmethod
    def spiking_function(x: torch.Tensor, alpha: float | torch.Tensor) -> torch.Tensor:
        return fake_numerical_gradient.apply(x, alpha)

    @staticmethod
    def primitive_function(x: torch.Tensor, alpha: float | torch.Tensor) -> torch.Tensor:
        sign = nonzero_sign(x)
        u = sign * x * alpha  # alpha * |x|, with slope alpha (not 0) at x = 0 under autograd
        outside = u > 1.0
        return sign * torch.where(outside, torch.log(torch.where(outside, u, 1.0)) + 1.0, u)

    @staticmethod
    def derivative_function(x: torch.Tensor, alpha: float | torch.Tensor) -> torch.Tensor:
        a = x.abs()
        outside = a * alpha > 1.0
        return torch.where(outside, torch.reciprocal(torch.where(outside, a, 1.0)), scalar_like(x, alpha))


piecewise_quadratic = spike_function("piecewise_quadratic", PiecewiseQuadratic.derivative_function, ("alpha",))
log_tailed_relu = spike_function("log_tailed_relu", LogTailedReLU.derivative_function, ("alpha",))
fake_numerical_gradient = spike_function(
    "fake_numerical_gradient", FakeNumericalGradient.derivative_function, ("alpha",)
)

piecewise_quadratic_backward = backward_function(
    "piecewise_quadratic_backward", PiecewiseQuadratic.derivative_function, 1
)
log_tailed_relu_backward = backward_function("log_tailed_relu_backward", LogTailedReLU.derivative_function, 1)
fake_numerical_gradient_backward = backward_function(
    "fake_numerical_gradient_backward", FakeNumericalGradient.derivative_function, 1
)
