"""Surrogate cases shared by the surrogate, registry and backend tests: every registered kind with
non-default parameters (so every parameter is exercised), and float64 closed forms written here
from the published formulas, independently of snnlab's code."""

import math

import torch

from snnlab.registry.surrogates import SURROGATES

# kind -> parameters in the class' param_names order (not the defaults)
PARAMS = {
    "sigmoid": (3.0,),
    "atan": (2.5,),
    "erf": (1.5,),
    "soft_sign": (3.0,),
    "piecewise_exp": (2.0,),
    "nonzero_sign_log_abs": (2.0,),
    "q_pseudo_spike": (3.0,),
    "piecewise_quadratic": (1.5,),
    "log_tailed_relu": (0.1,),
    "fake_numerical_gradient": (0.5,),
    "piecewise_leaky_relu": (0.6, 0.05),
    "leaky_k_relu": (0.1, 0.8),
    "s2nn": (3.0, 0.7),
    "squarewave_fourier_series": (3, 6.0),
}


def build(kind, spiking=True):
    """The surrogate object of ``kind`` with ``PARAMS[kind]``."""
    spec = SURROGATES[kind]
    obj = spec.build(**dict(zip((p.name for p in spec.params), PARAMS[kind])))
    obj.set_spiking_mode(spiking)
    return obj


def _sigmoid(u):
    return 1.0 / (1.0 + math.exp(-u))


def gradient(kind, x, *p):
    """The surrogate gradient at one Python float ``x``, from the formula (float64)."""
    a = p[0]
    if kind == "sigmoid":
        return a * _sigmoid(a * x) * (1.0 - _sigmoid(a * x))
    if kind == "atan":
        return (a / 2.0) / (1.0 + (math.pi / 2.0 * a * x) ** 2)
    if kind == "erf":
        return a / math.sqrt(math.pi) * math.exp(-((a * x) ** 2))
    if kind == "soft_sign":
        return 1.0 / (2.0 * a * (1.0 / a + abs(x)) ** 2)
    if kind == "piecewise_exp":
        return a / 2.0 * math.exp(-a * abs(x))
    if kind == "nonzero_sign_log_abs":
        return 1.0 / (1.0 / a + abs(x))
    if kind == "q_pseudo_spike":
        return (1.0 + 2.0 / (a - 1.0) * abs(x)) ** (-a)
    if kind == "piecewise_quadratic":
        return 0.0 if abs(x) > 1.0 / a else a - a * a * abs(x)
    if kind == "log_tailed_relu":
        return a if x <= 0 else (1.0 if x <= 1 else 1.0 / x)
    if kind == "fake_numerical_gradient":
        return a if x == 0 else min(1.0 / abs(x), a)
    if kind == "piecewise_leaky_relu":
        w, c = p
        return 1.0 / w if abs(x) < w else c
    if kind == "leaky_k_relu":
        leak, k = p
        return k if x >= 0 else leak
    if kind == "s2nn":
        beta = p[1]
        return a * _sigmoid(a * x) * (1.0 - _sigmoid(a * x)) if x < 0 else beta / (x + 1.0)
    if kind == "squarewave_fourier_series":
        n, period = p
        w = 2.0 * math.pi / period
        return 4.0 / period * sum(math.cos((2 * i - 1) * w * x) for i in range(1, n))
    raise KeyError(kind)


def gradient_tensor(kind, x):
    """:func:`gradient` over a float64 tensor, element by element."""
    return torch.tensor([gradient(kind, float(v), *PARAMS[kind]) for v in x], dtype=torch.float64)


# points that hit every branch and boundary: 0, +-1, the 1/alpha and w edges, and a dense grid
X = torch.cat(
    [
        torch.linspace(-3.0, 3.0, 241, dtype=torch.float64),
        torch.tensor([0.0, 1.0, -1.0, 2.0 / 3.0, -2.0 / 3.0, 0.6, -0.6, 1e-3, -1e-3], dtype=torch.float64),
    ]
)
