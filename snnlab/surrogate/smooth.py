"""One-parameter surrogates with smooth, bell-shaped gradients: Sigmoid, ATan, Erf, SoftSign,
PiecewiseExp, NonzeroSignLogAbs and QPseudoSpike, each with its function form and ``*_backward``.

Every gradient peaks at ``x = 0`` and decays with ``|x|``; ``alpha`` sets how sharply.

Shape:
    ``x``: any shape; outputs have ``x``'s shape and dtype.

Example:
    >>> import torch
    >>> x = torch.tensor([-1.0, 0.0, 1.0], requires_grad=True)
    >>> Erf()(x).sum().backward(); x.grad
    tensor([0.0207, 1.1284, 0.0207])
"""

import math
from typing import ClassVar

import torch
import torch.nn.functional as F

from .base import SurrogateFunctionBase, backward_function, heaviside, nonzero_sign, spike_function

__all__ = [
    "ATan",
    "Erf",
    "NonzeroSignLogAbs",
    "PiecewiseExp",
    "QPseudoSpike",
    "Sigmoid",
    "SoftSign",
    "atan",
    "atan_backward",
    "erf",
    "erf_backward",
    "nonzero_sign_log_abs",
    "nonzero_sign_log_abs_backward",
    "piecewise_exp",
    "piecewise_exp_backward",
    "q_pseudo_spike",
    "sigmoid",
    "sigmoid_backward",
    "soft_sign",
    "soft_sign_backward",
]


class Sigmoid(SurrogateFunctionBase):
    """Sigmoid surrogate: primitive ``sigmoid(alpha * x)``, gradient ``alpha * s * (1 - s)``.

    Example:
        >>> import torch
        >>> Sigmoid().derivative(torch.tensor([0.0, 1.0]))
        tensor([1.0000, 0.0707])
    """

    kind = "sigmoid"
    alpha_above: ClassVar[float | None] = 0.0

    def __init__(self, alpha: float = 4.0, spiking: bool = True):
        super().__init__(alpha, spiking)

    @staticmethod
    def spiking_function(x: torch.Tensor, alpha: float | torch.Tensor) -> torch.Tensor:
        return sigmoid.apply(x, alpha)

    @staticmethod
    def primitive_function(x: torch.Tensor, alpha: float | torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(x * alpha)

    @staticmethod
    def derivative_function(x: torch.Tensor, alpha: float | torch.Tensor) -> torch.Tensor:
        s = (x * alpha).sigmoid_()
        # alpha * s * (1 - s) as (s - s * s) * alpha: four passes; s stays intact for a double backward
        return torch.addcmul(s, s, s, value=-1.0).mul_(alpha)


class ATan(SurrogateFunctionBase):
    """Arc-tangent surrogate: primitive ``atan(pi/2 * alpha * x) / pi + 1/2``.

    The gradient is ``(alpha / 2) / (1 + (pi/2 * alpha * x) ** 2)``.

    Example:
        >>> import torch
        >>> ATan().derivative(torch.tensor([0.0, 1.0]))
        tensor([1.0000, 0.0920])
    """

    kind = "atan"
    alpha_above: ClassVar[float | None] = 0.0

    def __init__(self, alpha: float = 2.0, spiking: bool = True):
        super().__init__(alpha, spiking)

    @staticmethod
    def spiking_function(x: torch.Tensor, alpha: float | torch.Tensor) -> torch.Tensor:
        return atan.apply(x, alpha)

    @staticmethod
    def primitive_function(x: torch.Tensor, alpha: float | torch.Tensor) -> torch.Tensor:
        return torch.atan(x * (math.pi / 2 * alpha)) / math.pi + 0.5

    @staticmethod
    def derivative_function(x: torch.Tensor, alpha: float | torch.Tensor) -> torch.Tensor:
        # (alpha / 2) / (1 + u^2) with u = pi/2 * alpha * x, as 1 / ((1 + u^2) * (2 / alpha)): in place
        # on one fresh buffer, and the reciprocal (saved for a double backward) is the last operation
        return torch.reciprocal((x * (math.pi / 2 * alpha)).square_().add_(1.0).mul_(2.0 / alpha))


class Erf(SurrogateFunctionBase):
    """Gaussian-error surrogate: primitive ``erfc(-alpha * x) / 2``, gradient
    ``alpha / sqrt(pi) * exp(-(alpha * x) ** 2)``.

    Example:
        >>> import torch
        >>> Erf().derivative(torch.tensor([0.0, 0.5]))
        tensor([1.1284, 0.4151])
    """

    kind = "erf"
    alpha_above: ClassVar[float | None] = 0.0

    def __init__(self, alpha: float = 2.0, spiking: bool = True):
        super().__init__(alpha, spiking)

    @staticmethod
    def spiking_function(x: torch.Tensor, alpha: float | torch.Tensor) -> torch.Tensor:
        return erf.apply(x, alpha)

    @staticmethod
    def primitive_function(x: torch.Tensor, alpha: float | torch.Tensor) -> torch.Tensor:
        return torch.special.erfc(x * -alpha) / 2.0

    @staticmethod
    def derivative_function(x: torch.Tensor, alpha: float | torch.Tensor) -> torch.Tensor:
        return torch.exp((x * alpha).square_().neg_()) * (alpha / math.sqrt(math.pi))


class SoftSign(SurrogateFunctionBase):
    """Soft-sign surrogate: primitive ``(softsign(alpha * x) + 1) / 2``, gradient
    ``alpha / (2 * (1 + alpha * |x|) ** 2)``.

    Example:
        >>> import torch
        >>> SoftSign().derivative(torch.tensor([0.0, 0.5]))
        tensor([1.0000, 0.2500])
    """

    kind = "soft_sign"
    alpha_above: ClassVar[float | None] = 0.0

    def __init__(self, alpha: float = 2.0, spiking: bool = True):
        super().__init__(alpha, spiking)

    @staticmethod
    def spiking_function(x: torch.Tensor, alpha: float | torch.Tensor) -> torch.Tensor:
        return soft_sign.apply(x, alpha)

    @staticmethod
    def primitive_function(x: torch.Tensor, alpha: float | torch.Tensor) -> torch.Tensor:
        return (F.softsign(x * alpha) + 1.0) / 2.0

    @staticmethod
    def derivative_function(x: torch.Tensor, alpha: float | torch.Tensor) -> torch.Tensor:
        return torch.reciprocal((x.abs() * alpha).add_(1.0).square_().mul_(2.0 / alpha))


class PiecewiseExp(SurrogateFunctionBase):
    """Two-sided exponential surrogate: gradient ``alpha / 2 * exp(-alpha * |x|)``; primitive
    ``exp(alpha * x) / 2`` for ``x < 0`` and ``1 - exp(-alpha * x) / 2`` for ``x >= 0``.

    Example:
        >>> import torch
        >>> PiecewiseExp().derivative(torch.tensor([0.0, 1.0]))
        tensor([0.5000, 0.1839])
    """

    kind = "piecewise_exp"
    alpha_above: ClassVar[float | None] = 0.0

    def __init__(self, alpha: float = 1.0, spiking: bool = True):
        super().__init__(alpha, spiking)

    @staticmethod
    def spiking_function(x: torch.Tensor, alpha: float | torch.Tensor) -> torch.Tensor:
        return piecewise_exp.apply(x, alpha)

    @staticmethod
    def primitive_function(x: torch.Tensor, alpha: float | torch.Tensor) -> torch.Tensor:
        sign = nonzero_sign(x)  # |x| as sign * x: autograd then gives the right slope at x = 0
        half_tail = torch.exp(sign * x * -alpha) / 2.0
        return torch.where(x >= 0, 1.0 - half_tail, half_tail)

    @staticmethod
    def derivative_function(x: torch.Tensor, alpha: float | torch.Tensor) -> torch.Tensor:
        return torch.exp(x.abs() * -alpha) * (alpha / 2.0)


class NonzeroSignLogAbs(SurrogateFunctionBase):
    """Log-magnitude surrogate: primitive ``sign(x) * log(1 + alpha * |x|)`` (sign(0) = +1), gradient
    ``1 / (1 / alpha + |x|)``. The primitive is unbounded; its derivative is what matters.

    Example:
        >>> import torch
        >>> NonzeroSignLogAbs().derivative(torch.tensor([0.0, 1.0]))
        tensor([1.0000, 0.5000])
    """

    kind = "nonzero_sign_log_abs"
    alpha_above: ClassVar[float | None] = 0.0

    def __init__(self, alpha: float = 1.0, spiking: bool = True):
        super().__init__(alpha, spiking)

    @staticmethod
    def spiking_function(x: torch.Tensor, alpha: float | torch.Tensor) -> torch.Tensor:
        return nonzero_sign_log_abs.apply(x, alpha)

    @staticmethod
    def primitive_function(x: torch.Tensor, alpha: float | torch.Tensor) -> torch.Tensor:
        sign = nonzero_sign(x)
        return sign * torch.log1p(sign * x * alpha)

    @staticmethod
    def derivative_function(x: torch.Tensor, alpha: float | torch.Tensor) -> torch.Tensor:
        return torch.reciprocal(x.abs().add_(1.0 / alpha))


class QPseudoSpike(SurrogateFunctionBase):
    """q-PseudoSpike surrogate (tail fatness ``alpha > 1``): gradient
    ``(1 + 2 / (alpha - 1) * |x|) ** -alpha``; primitive ``H(x) - sign(x) / 2 * (1 + 2|x| / (alpha - 1)) ** (1 - alpha)``.

    Example:
        >>> import torch
        >>> QPseudoSpike().derivative(torch.tensor([0.0, 1.0]))
        tensor([1.0000, 0.1111])
    """

    kind = "q_pseudo_spike"
    alpha_above: ClassVar[float | None] = 1.0

    def __init__(self, alpha: float = 2.0, spiking: bool = True):
        super().__init__(alpha, spiking)

    @staticmethod
    def spiking_function(x: torch.Tensor, alpha: float | torch.Tensor) -> torch.Tensor:
        return q_pseudo_spike.apply(x, alpha)

    @staticmethod
    def primitive_function(x: torch.Tensor, alpha: float | torch.Tensor) -> torch.Tensor:
        sign = nonzero_sign(x)
        tail = torch.pow((sign * x * (2.0 / (alpha - 1.0))).add_(1.0), 1.0 - alpha) * 0.5
        return heaviside(x) - sign * tail

    @staticmethod
    def derivative_function(x: torch.Tensor, alpha: float | torch.Tensor) -> torch.Tensor:
        return torch.pow((x.abs() * (2.0 / (alpha - 1.0))).add_(1.0), -alpha)


sigmoid = spike_function("sigmoid", Sigmoid.derivative_function, ("alpha",))
atan = spike_function("atan", ATan.derivative_function, ("alpha",))
erf = spike_function("erf", Erf.derivative_function, ("alpha",))
soft_sign = spike_function("soft_sign", SoftSign.derivative_function, ("alpha",))
piecewise_exp = spike_function("piecewise_exp", PiecewiseExp.derivative_function, ("alpha",))
nonzero_sign_log_abs = spike_function("nonzero_sign_log_abs", NonzeroSignLogAbs.derivative_function, ("alpha",))
q_pseudo_spike = spike_function("q_pseudo_spike", QPseudoSpike.derivative_function, ("alpha",))

sigmoid_backward = backward_function("sigmoid_backward", Sigmoid.derivative_function, 1)
atan_backward = backward_function("atan_backward", ATan.derivative_function, 1)
erf_backward = backward_function("erf_backward", Erf.derivative_function, 1)
soft_sign_backward = backward_function("soft_sign_backward", SoftSign.derivative_function, 1)
piecewise_exp_backward = backward_function("piecewise_exp_backward", PiecewiseExp.derivative_function, 1)
nonzero_sign_log_abs_backward = backward_function(
    "nonzero_sign_log_abs_backward", NonzeroSignLogAbs.derivative_function, 1
)
