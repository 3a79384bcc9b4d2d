"""Surrogates with two parameters: PiecewiseLeakyReLU, LeakyKReLU, S2NN and SquarewaveFourierSeries,
each with its function form (and, where SpikingJelly 0.14 has one, its ``*_backward``).

Argument order and defaults are 0.14's (``LeakyKReLU`` takes ``spiking`` first).

Shape:
    ``x``: any shape; outputs have ``x``'s shape and dtype.

Example:
    >>> import torch
    >>> LeakyKReLU(leak=0.1, k=0.5).derivative(torch.tensor([-1.0, 0.0, 1.0]))
    tensor([0.1000, 0.5000, 0.5000])
"""

import math
from collections.abc import Callable
from typing import Any, ClassVar

import torch

from ..checks import check_int, check_real
from .base import MultiArgsSurrogateFunctionBase, backward_function, scalar_like, spike_function

__all__ = [
    "S2NN",
    "LeakyKReLU",
    "PiecewiseLeakyReLU",
    "SquarewaveFourierSeries",
    "leaky_k_relu",
    "leaky_k_relu_backward",
    "piecewise_leaky_relu",
    "piecewise_leaky_relu_backward",
    "s2nn",
    "squarewave_fourier_series",
]


class PiecewiseLeakyReLU(MultiArgsSurrogateFunctionBase):
    """Rectangular window with leaky tails: gradient ``1 / w`` for ``|x| < w``, else ``c``.

    The primitive is ``x / (2w) + 1/2`` on ``[-w, w]`` with slope-``c`` lines outside. As in
    SpikingJelly 0.14 the window's gradient ``1 / w`` is twice the primitive's slope there
    (COMPATIBILITY.md): the gradient is what training uses, and it is kept.

    Example:
        >>> import torch
        >>> PiecewiseLeakyReLU(w=0.5, c=0.01).derivative(torch.tensor([0.0, 0.4, 1.0]))
        tensor([2.0000, 2.0000, 0.0100])
    """

    kind = "piecewise_leaky_relu"
    param_names: ClassVar[tuple[str, ...]] = ("w", "c")
    _PARAM_CHECKS: ClassVar[dict[str, Callable[[Any, Any], Any]]] = MultiArgsSurrogateFunctionBase._PARAM_CHECKS | {
        "w": lambda sg, value: check_real(type(sg).__name__, "w", value, greater_than=0.0),
        "c": lambda sg, value: check_real(type(sg).__name__, "c", value),
    }

    def __init__(self, w: float = 1.0, c: float = 0.01, spiking: bool = True):
        owner = type(self).__name__
        w = check_real(owner, "w", w, greater_than=0.0)
        c = check_real(owner, "c", c)
        super().__init__(spiking)
        self.w, self.c = w, c

    @staticmethod
    def spiking_function(x: torch.Tensor, w: float | torch.Tensor, c: float | torch.Tensor) -> torch.Tensor:
        return piecewise_leaky_relu.apply(x, w, c)

    @staticmethod
    def primitive_function(x: torch.Tensor, w: float | torch.Tensor, c: float | torch.Tensor) -> torch.Tensor:
        inside = x / (2.0 * w) + 0.5
        return torch.where(x < -w, c * x + c * w, torch.where(x > w, c * x + (1.0 - c * w), inside))

    @staticmethod
    def derivative_function(x: torch.Tensor, w: float | torch.Tensor, c: float | torch.Tensor) -> torch.Tensor:
        return torch.where(x.abs() < w, scalar_like(x, 1.0 / w), scalar_like(x, c))


class LeakyKReLU(MultiArgsSurrogateFunctionBase):
    """Two constant gradients: ``k`` for ``x >= 0``, ``leak`` below; primitive ``k * x`` / ``leak * x``.

    Example:
        >>> import torch
        >>> LeakyKReLU(spiking=False, leak=0.1, k=2.0)(torch.tensor([-1.0, 1.0]))
        tensor([-0.1000,  2.0000])
    """

    kind = "leaky_k_relu"
    param_names: ClassVar[tuple[str, ...]] = ("leak", "k")
    _PARAM_CHECKS: ClassVar[dict[str, Callable[[Any, Any], Any]]] = MultiArgsSurrogateFunctionBase._PARAM_CHECKS | {
        "leak": lambda sg, value: check_real(type(sg).__name__, "leak", value),
        "k": lambda sg, value: check_real(type(sg).__name__, "k", value),
    }

    def __init__(self, spiking: bool = True, leak: float = 0.0, k: float = 1.0):
        owner = type(self).__name__
        leak = check_real(owner, "leak", leak)
        k = check_real(owner, "k", k)
        super().__init__(spiking, leak, k)
        self.leak, self.k = leak, k

    @staticmethod
    def spiking_function(x: torch.Tensor, leak: float | torch.Tensor, k: float | torch.Tensor) -> torch.Tensor:
        return leaky_k_relu.apply(x, leak, k)

    @staticmethod
    def primitive_function(x: torch.Tensor, leak: float | torch.Tensor, k: float | torch.Tensor) -> torch.Tensor:
        return LeakyKReLU.derivative_function(x, leak, k) * x

    @staticmethod
    def derivative_function(x: torch.Tensor, leak: float | torch.Tensor, k: float | torch.Tensor) -> torch.Tensor:
        return torch.where(x >= 0, scalar_like(x, k), scalar_like(x, leak))


class S2NN(MultiArgsSurrogateFunctionBase):
    """S2NN surrogate: the sigmoid's gradient ``alpha * s * (1 - s)`` for ``x < 0`` and
    ``beta / (x + 1)`` for ``x >= 0``; primitive ``sigmoid(alpha * x)`` / ``beta * log(x + 1) + 1/2``.

    Example:
        >>> import torch
        >>> S2NN().derivative(torch.tensor([-1.0, 0.0, 1.0]))
        tensor([0.0707, 1.0000, 0.5000])
    """

    kind = "s2nn"
    param_names: ClassVar[tuple[str, ...]] = ("alpha", "beta")
    _PARAM_CHECKS: ClassVar[dict[str, Callable[[Any, Any], Any]]] = MultiArgsSurrogateFunctionBase._PARAM_CHECKS | {
        "alpha": lambda sg, value: check_real(type(sg).__name__, "alpha", value, greater_than=0.0),
        "beta": lambda sg, value: check_real(type(sg).__name__, "beta", value),
    }

    def __init__(self, alpha: float = 4.0, beta: float = 1.0, spiking: bool = True):
        owner = type(self).__name__
        alpha = check_real(owner, "alpha", alpha, greater_than=0.0)
        beta = check_real(owner, "beta", beta)
        super().__init__(spiking)
        self.alpha, self.beta = alpha, beta

    @staticmethod
    def spiking_function(x: torch.Tensor, alpha: float | torch.Tensor, beta: float | torch.Tensor) -> torch.Tensor:
        return s2nn.apply(x, alpha, beta)

    @staticmethod
    def primitive_function(x: torch.Tensor, alpha: float | torch.Tensor, beta: float | torch.Tensor) -> torch.Tensor:
        return torch.where(x < 0, torch.sigmoid(x * alpha), torch.log1p(x.clamp(min=0.0)) * beta + 0.5)

    @staticmethod
    def derivative_function(x: torch.Tensor, alpha: float | torch.Tensor, beta: float | torch.Tensor) -> torch.Tensor:
        s = torch.sigmoid(x * alpha)
        negative = x < 0
        return torch.where(negative, alpha * s * (1.0 - s), beta / torch.where(negative, 1.0, x + 1.0))


class SquarewaveFourierSeries(MultiArgsSurrogateFunctionBase):
    """The square wave's Fourier series cut after ``n - 1`` odd harmonics, period ``T_period``:
    primitive ``1/2 + 2/pi * sum_i sin((2i - 1) w x) / (2i - 1)``, ``w = 2 pi / T_period``, gradient
    ``4 / T_period * sum_i cos((2i - 1) w x)`` (``i = 1 .. n - 1``).

    Example:
        >>> import torch
        >>> SquarewaveFourierSeries(n=2, T_period=8.0).derivative(torch.tensor([0.0, 1.0]))
        tensor([0.5000, 0.3536])
    """

    kind = "squarewave_fourier_series"
    param_names: ClassVar[tuple[str, ...]] = ("n", "T_period")
    _PARAM_CHECKS: ClassVar[dict[str, Callable[[Any, Any], Any]]] = MultiArgsSurrogateFunctionBase._PARAM_CHECKS | {
        "n": lambda sg, value: check_int(type(sg).__name__, "n", value, minimum=1),
        "T_period": lambda sg, value: check_real(type(sg).__name__, "T_period", value, greater_than=0.0),
    }

    def __init__(self, n: int = 2, T_period: float = 8, spiking: bool = True):
        owner = type(self).__name__
        n = check_int(owner, "n", n, minimum=1)
        T_period = check_real(owner, "T_period", T_period, greater_than=0.0)
        super().__init__(spiking)
        self.n, self.T_period = n, T_period

    @staticmethod
    def spiking_function(x: torch.Tensor, n: int, T_period: float | torch.Tensor) -> torch.Tensor:
        return squarewave_fourier_series.apply(x, n, T_period)

    @staticmethod
    def primitive_function(x: torch.Tensor, n: int, T_period: float | torch.Tensor) -> torch.Tensor:
        w = 2.0 * math.pi / T_period
        total = torch.zeros_like(x)
        for i in range(1, n):
            c = 2.0 * i - 1.0
            total = total + torch.sin(x * (c * w)) / c
        return total * (2.0 / math.pi) + 0.5

    @staticmethod
    def derivative_function(x: torch.Tensor, n: int, T_period: float | torch.Tensor) -> torch.Tensor:
        w = 2.0 * math.pi / T_period
        total = torch.zeros_like(x)
        for i in range(1, n):
            total = total + torch.cos(x * ((2.0 * i - 1.0) * w))
        return total * (4.0 / T_period)


piecewise_leaky_relu = spike_function(
    "piecewise_leaky_relu", PiecewiseLeakyReLU.derivative_function, ("w", "c"), defaults=(1.0, 0.01)
)
leaky_k_relu = spike_function("leaky_k_relu", LeakyKReLU.derivative_function, ("leak", "k"))
s2nn = spike_function("s2nn", S2NN.derivative_function, ("alpha", "beta"))
squarewave_fourier_series = spike_function(
    "squarewave_fourier_series", SquarewaveFourierSeries.derivative_function, ("n", "T_period")
)

piecewise_leaky_relu_backward = backward_function(
    "piecewise_leaky_relu_backward", PiecewiseLeakyReLU.derivative_function, 2
)
leaky_k_relu_backward = backward_function("leaky_k_relu_backward", LeakyKReLU.derivative_function, 2)
