"""Surrogate gradients: a Heaviside step forward, a smooth derivative backward.

The whole public surface of SpikingJelly 0.14's ``activation_based.surrogate`` (its CuPy code
generation aside): the surrogate classes, their function forms (``sigmoid.apply(x, alpha)``, ...),
the ``*_backward`` helpers, ``heaviside`` and the two gradient checkers.

A surrogate object is a small ``nn.Module``. With ``spiking=True`` (the default) it returns
``heaviside(x)`` (a spike where ``x >= 0``, in ``x``'s dtype) and back-propagates the derivative
of a smooth ``primitive`` curve; with ``spiking=False`` it returns the primitive itself. Each class
holds its formulas once, as static methods of ``(x, *params)``: ``primitive_function`` and
``derivative_function`` (the closed form the fused neuron backends call), plus ``kind``, its key
in :mod:`snnlab.registry.surrogates`. Where snnlab deliberately differs from 0.14 (defects
fixed), COMPATIBILITY.md says so.

Shape:
    ``x``: any shape; the output has the same shape and dtype.

Example:
    >>> import torch
    >>> from snnlab import surrogate
    >>> sg = surrogate.Sigmoid(alpha=4.)
    >>> x = torch.tensor([-1., 0., 1.], requires_grad=True)
    >>> sg(x)
    tensor([0., 1., 1.], grad_fn=<sigmoidBackward>)
    >>> sg(x).sum().backward(); x.grad
    tensor([0.0707, 1.0000, 0.0707])
"""

from .base import (
    MultiArgsSurrogateFunctionBase,
    SurrogateFunctionBase,
    SurrogateSpike,
    heaviside,
)
from .checks import check_cuda_grad, check_manual_grad
from .multi import (
    S2NN,
    LeakyKReLU,
    PiecewiseLeakyReLU,
    SquarewaveFourierSeries,
    leaky_k_relu,
    leaky_k_relu_backward,
    piecewise_leaky_relu,
    piecewise_leaky_relu_backward,
    s2nn,
    squarewave_fourier_series,
)
from .piecewise import (
    FakeNumericalGradient,
    LogTailedReLU,
    PiecewiseQuadratic,
    fake_numerical_gradient,
    fake_numerical_gradient_backward,
    log_tailed_relu,
    log_tailed_relu_backward,
    piecewise_quadratic,
    piecewise_quadratic_backward,
)
from .smooth import (
    ATan,
    Erf,
    NonzeroSignLogAbs,
    PiecewiseExp,
    QPseudoSpike,
    Sigmoid,
    SoftSign,
    atan,
    atan_backward,
    erf,
    erf_backward,
    nonzero_sign_log_abs,
    nonzero_sign_log_abs_backward,
    piecewise_exp,
    piecewise_exp_backward,
    q_pseudo_spike,
    sigmoid,
    sigmoid_backward,
    soft_sign,
    soft_sign_backward,
)

__all__ = [
    "S2NN",
    "ATan",
    "Erf",
    "FakeNumericalGradient",
    "LeakyKReLU",
    "LogTailedReLU",
    "MultiArgsSurrogateFunctionBase",
    "NonzeroSignLogAbs",
    "PiecewiseExp",
    "PiecewiseLeakyReLU",
    "PiecewiseQuadratic",
    "QPseudoSpike",
    "Sigmoid",
    "SoftSign",
    "SquarewaveFourierSeries",
    "SurrogateFunctionBase",
    "SurrogateSpike",
    "atan",
    "atan_backward",
    "check_cuda_grad",
    "check_manual_grad",
    "erf",
    "erf_backward",
    "fake_numerical_gradient",
    "fake_numerical_gradient_backward",
    "heaviside",
    "leaky_k_relu",
    "leaky_k_relu_backward",
    "log_tailed_relu",
    "log_tailed_relu_backward",
    "nonzero_sign_log_abs",
    "nonzero_sign_log_abs_backward",
    "piecewise_exp",
    "piecewise_exp_backward",
    "piecewise_leaky_relu",
    "piecewise_leaky_relu_backward",
    "piecewise_quadratic",
    "piecewise_quadratic_backward",
    "q_pseudo_spike",
    "s2nn",
    "sigmoid",
    "sigmoid_backward",
    "soft_sign",
    "soft_sign_backward",
    "squarewave_fourier_series",
]
