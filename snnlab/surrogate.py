"""Surrogate gradients: a Heaviside step forward, a smooth derivative backward.

A surrogate object is a small ``nn.Module``. With ``spiking=True`` (the default) it returns
``heaviside(x)`` (a spike where ``x >= 0``, in ``x``'s dtype) and back-propagates the
derivative of a smooth ``primitive`` curve; with ``spiking=False`` it returns the primitive
itself. Each class holds its formulas once: ``primitive_function`` and ``derivative`` (a plain
tensor function the fused neuron backends call), plus ``kind``, the name GPU kernels dispatch on.

Shape:
    ``x``: any shape; the output has the same shape and dtype.

Example:
    >>> import torch
    >>> from snnlab import surrogate
    >>> sg = surrogate.Sigmoid(alpha=4.)
    >>> x = torch.tensor([-1., 0., 1.], requires_grad=True)
    >>> sg(x)
    tensor([0., 1., 1.], grad_fn=<SurrogateSpikeBackward>)
    >>> sg(x).sum().backward(); x.grad
    tensor([0.0707, 1.0000, 0.0707])
"""

import math

import torch
import torch.nn as nn

from ._checks import check_bool, check_real

__all__ = ["ATan", "Sigmoid", "SurrogateFunctionBase", "SurrogateSpike", "heaviside"]


def heaviside(x: torch.Tensor) -> torch.Tensor:
    """The spike function: 1 where ``x >= 0`` (a spike at exactly 0), else 0, in ``x``'s dtype."""
    return (x >= 0).to(x)


class SurrogateSpike(torch.autograd.Function):
    """Heaviside forward, ``surrogate.derivative(x)`` backward (no gradient for alpha)."""

    @staticmethod
    def forward(ctx, x, surrogate):
        if x.requires_grad:
            ctx.save_for_backward(x)
            ctx.surrogate = surrogate
        return heaviside(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * ctx.surrogate.derivative(x), None


class SurrogateFunctionBase(nn.Module):
    """Base class: ``alpha`` sets the sharpness, ``spiking`` selects spike or primitive output."""

    kind = None

    def __init__(self, alpha: float, spiking: bool = True):
        super().__init__()
        self.alpha = check_real(type(self).__name__, "alpha", alpha, greater_than=0.0, allow_tensor=True)
        self.spiking = check_bool(type(self).__name__, "spiking", spiking)

    def set_spiking_mode(self, spiking: bool):
        """Switch between spike output (True) and primitive output (False)."""
        self.spiking = check_bool(type(self).__name__, "spiking", spiking)

    def extra_repr(self):
        return f"alpha={self.alpha}, spiking={self.spiking}"

    def primitive(self, x: torch.Tensor) -> torch.Tensor:
        """The smooth curve whose derivative is the surrogate gradient (for plots)."""
        return self.primitive_function(x, self.alpha)

    def derivative(self, x: torch.Tensor) -> torch.Tensor:
        """The surrogate gradient d primitive / dx at ``x`` (a plain tensor, no autograd)."""
        return self.derivative_function(x, self.alpha)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.spiking:
            return self.primitive_function(x, self.alpha)
        if torch.compiler.is_compiling() and x.requires_grad:
            return _traceable_spike(x, self.derivative)
        return SurrogateSpike.apply(x, self)


def _traceable_spike(x: torch.Tensor, derivative) -> torch.Tensor:
    """``SurrogateSpike`` as plain operations, for ``torch.compile``: the same value and gradient.

    Value ``heaviside(x) + (x - x) * d`` is ``heaviside(x)`` exactly for finite ``x`` (``d`` is the
    finite surrogate derivative at ``x``); its gradient is ``d``. Dynamo cannot yet trace several
    calls of one autograd Function whose backward reads a float that ``dynamic=True`` made symbolic
    (``alpha``), which a multi-step neuron does once per time step.
    """
    constant = x.detach()
    return heaviside(constant) + (x - constant) * derivative(constant)

    @staticmethod
    def primitive_function(x, alpha):
        """The smooth primitive curve; each surrogate class defines it."""
        raise NotImplementedError("a surrogate class must define primitive_function(x, alpha)")

    @staticmethod
    def derivative_function(x, alpha):
        """d primitive / dx; each surrogate class defines it."""
        raise NotImplementedError("a surrogate class must define derivative_function(x, alpha)")


class Sigmoid(SurrogateFunctionBase):
    """Sigmoid surrogate: primitive ``sigmoid(alpha * x)``, gradient ``alpha * s * (1 - s)``.

    Example:
        >>> import torch
        >>> Sigmoid().derivative(torch.tensor([0.0, 1.0]))
        tensor([1.0000, 0.0707])
    """

    kind = "sigmoid"

    def __init__(self, alpha: float = 4.0, spiking: bool = True):
        super().__init__(alpha, spiking)

    @staticmethod
    def primitive_function(x, alpha):
        return torch.sigmoid(x * alpha)

    @staticmethod
    def derivative_function(x, alpha):
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

    def __init__(self, alpha: float = 2.0, spiking: bool = True):
        super().__init__(alpha, spiking)

    @staticmethod
    def primitive_function(x, alpha):
        return torch.atan(x * (math.pi / 2 * alpha)) / math.pi + 0.5

    @staticmethod
    def derivative_function(x, alpha):
        # (alpha / 2) / (1 + u^2) with u = pi/2 * alpha * x, as 1 / ((1 + u^2) * (2 / alpha)): in place
        # on one fresh buffer, and the reciprocal (saved for a double backward) is the last operation
        return torch.reciprocal((x * (math.pi / 2 * alpha)).square_().add_(1.0).mul_(2.0 / alpha))
