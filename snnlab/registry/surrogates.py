"""The surrogate kinds: one typed table that neurons, backends, kernels, widgets, figures and tests read.

Per kind (``SurrogateKind``, the class' ``kind``): the class, its parameters with the ranges a
control offers, the closed-form derivative (the class' ``derivative_function``, which the fused
torch backend calls), and the Triton kernel's ``SURROGATE`` id with the two kernel arguments made
from the parameters. Adding a surrogate is its class plus one ``_register`` call here (and, for
Triton, one branch in ``triton_kernels._surrogate_grad``); nothing else switches on kinds.

:func:`fused_surrogate` says whether a surrogate object can run in the fused backends, and if not,
why (a sentence the neurons put in their warning).

Shape:
    not applicable (a lookup table).

Example:
    >>> spec = SURROGATES['s2nn']
    >>> spec.cls.__name__, [p.name for p in spec.params], spec.defaults()
    ('S2NN', ['alpha', 'beta'], {'alpha': 4.0, 'beta': 1.0})
    >>> fused_surrogate(spec.build(beta=0.5))
    ('s2nn', (4.0, 0.5))
"""

import inspect
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, get_args

import torch

from .. import surrogate as sg
from ..checks import check_choice, describe

__all__ = [
    "SURROGATES",
    "SURROGATE_KINDS",
    "ParameterRange",
    "SurrogateKind",
    "SurrogateSpec",
    "check_params",
    "fused_surrogate",
    "spec",
]

SurrogateKind = Literal[
    "sigmoid",
    "atan",
    "erf",
    "soft_sign",
    "piecewise_exp",
    "nonzero_sign_log_abs",
    "q_pseudo_spike",
    "piecewise_quadratic",
    "log_tailed_relu",
    "fake_numerical_gradient",
    "piecewise_leaky_relu",
    "leaky_k_relu",
    "s2nn",
    "squarewave_fourier_series",
]


@dataclass(frozen=True)
class ParameterRange:
    """A parameter and the range a control offers for it (inside the values the class accepts)."""

    name: str
    low: float
    high: float
    step: float
    integer: bool = False


@dataclass(frozen=True)
class SurrogateSpec:
    """One registered surrogate kind (see the module docstring)."""

    kind: SurrogateKind
    cls: type
    params: tuple[ParameterRange, ...]
    derivative: Callable[..., torch.Tensor]  # derivative(x, *params): the class' derivative_function
    kernel_id: int  # the Triton kernels' SURROGATE switch
    kernel_args: Callable[..., tuple[float, float]]  # params -> the kernels' two runtime arguments (typed)

    def defaults(self) -> dict:
        """The class' default parameter values, read from its ``__init__`` signature."""
        signature = inspect.signature(self.cls.__init__).parameters
        return {p.name: signature[p.name].default for p in self.params}

    def build(self, **params: float) -> torch.nn.Module:
        """An instance with ``params`` over the defaults (spiking mode)."""
        return self.cls(**{**self.defaults(), **params})


_TABLE: dict = {}


def _register(cls: type, params: tuple, kernel_id: int, kernel_args: Callable) -> None:
    _TABLE[cls.kind] = SurrogateSpec(cls.kind, cls, params, cls.derivative_function, kernel_id, kernel_args)


def _alpha(low: float, high: float, step: float) -> tuple:
    return (ParameterRange("alpha", low, high, step),)


# kernel ids are the branches of triton_kernels._surrogate_grad; kernel_args give its (alpha, c) arguments
_register(sg.Sigmoid, _alpha(0.5, 16.0, 0.5), 0, lambda a: (float(a), 0.0))
_register(sg.ATan, _alpha(0.5, 10.0, 0.5), 1, lambda a: (float(a), math.pi / 2 * a))
_register(sg.Erf, _alpha(0.5, 10.0, 0.5), 2, lambda a: (float(a), a / math.sqrt(math.pi)))
_register(sg.SoftSign, _alpha(0.5, 10.0, 0.5), 3, lambda a: (float(a), 0.0))
_register(sg.PiecewiseExp, _alpha(0.5, 10.0, 0.5), 4, lambda a: (float(a), a / 2.0))
_register(sg.NonzeroSignLogAbs, _alpha(0.5, 10.0, 0.5), 5, lambda a: (float(a), 1.0 / a))
_register(sg.QPseudoSpike, _alpha(1.5, 10.0, 0.5), 6, lambda a: (float(a), 2.0 / (a - 1.0)))
_register(sg.PiecewiseQuadratic, _alpha(0.5, 10.0, 0.5), 7, lambda a: (float(a), 1.0 / a))
_register(sg.LogTailedReLU, _alpha(0.0, 0.5, 0.01), 8, lambda a: (float(a), 0.0))
_register(sg.FakeNumericalGradient, _alpha(0.05, 2.0, 0.05), 9, lambda a: (float(a), 0.0))
_register(
    sg.PiecewiseLeakyReLU,
    (ParameterRange("w", 0.1, 2.0, 0.05), ParameterRange("c", 0.0, 0.5, 0.01)),
    10,
    lambda w, c: (float(w), float(c)),
)
_register(
    sg.LeakyKReLU,
    (ParameterRange("leak", 0.0, 1.0, 0.05), ParameterRange("k", 0.1, 2.0, 0.05)),
    11,
    lambda leak, k: (float(leak), float(k)),
)
_register(
    sg.S2NN,
    (ParameterRange("alpha", 0.5, 16.0, 0.5), ParameterRange("beta", 0.1, 4.0, 0.1)),
    12,
    lambda a, b: (float(a), float(b)),
)
_register(
    sg.SquarewaveFourierSeries,
    (ParameterRange("n", 1, 16, 1, integer=True), ParameterRange("T_period", 1.0, 32.0, 0.5)),
    13,
    lambda n, period: (int(n), float(period)),  # n: an int, the loop's bound
)

SURROGATES: Mapping[str, SurrogateSpec] = MappingProxyType(_TABLE)
SURROGATE_KINDS: tuple[SurrogateKind, ...] = get_args(SurrogateKind)
if tuple(_TABLE) != SURROGATE_KINDS:  # import-time guard: the Literal and the table list the same kinds
    raise RuntimeError(f"SurrogateKind {SURROGATE_KINDS} and the registered kinds {tuple(_TABLE)} differ")


def spec(kind: str) -> SurrogateSpec:
    """The registered entry of ``kind`` (raises ``UnknownOptionError`` naming the valid kinds).

    Example:
        >>> spec('atan').cls.__name__
        'ATan'
    """
    check_choice("surrogate registry", "kind", kind, SURROGATE_KINDS)
    return SURROGATES[kind]


def check_params(owner: str, kind: str, params: tuple) -> tuple:
    """Return ``params`` after checking they are ``kind``'s parameters: one plain number per
    registered parameter, in order (what a backend receives as ``cfg.surrogate_params``).

    Example:
        >>> check_params("torch backend", "s2nn", (4.0, 1.0))
        (4.0, 1.0)
    """
    entry = spec(kind)
    names = tuple(p.name for p in entry.params)
    if len(params) != len(names) or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in params):
        raise ValueError(
            f"{owner}: cfg.alpha must give the {len(names)} number(s) {names} of surrogate {kind!r}, got {params!r}"
        )
    return params


def fused_surrogate(surrogate_function: object) -> tuple[str, tuple] | str:
    """``(kind, params)`` when the fused backends can run ``surrogate_function``; otherwise the reason.

    Fusable: an instance of a registered class in spiking mode that keeps the class' own
    ``forward``, ``spiking_function`` and ``derivative_function`` and has no tensor parameter.

    Example:
        >>> from snnlab import surrogate
        >>> fused_surrogate(surrogate.ATan(alpha=3))
        ('atan', (3.0,))
        >>> fused_surrogate(surrogate.ATan(spiking=False))
        'ATan(alpha=2.0, spiking=False) has spiking=False: it returns its primitive, not spikes'
    """
    bases = (sg.SurrogateFunctionBase, sg.MultiArgsSurrogateFunctionBase)
    if not isinstance(surrogate_function, bases):
        return f"surrogate_function is {describe(surrogate_function)}, not a surrogate class of snnlab.surrogate"
    cls = type(surrogate_function)
    entry = None if cls.kind is None else SURROGATES.get(cls.kind)
    if entry is None or not isinstance(surrogate_function, entry.cls):
        return f"{cls.__name__} is not a registered surrogate kind: no closed-form derivative is known for it"
    for method in ("forward", "spiking_function", "derivative_function"):
        if getattr(cls, method) is not getattr(entry.cls, method):
            return f"{cls.__name__} overrides {method} of {entry.cls.__name__}"
    if not surrogate_function.spiking:
        return f"{surrogate_function!r} has spiking=False: it returns its primitive, not spikes"
    values = surrogate_function.surrogate_args()
    for p, value in zip(entry.params, values):
        if isinstance(value, torch.Tensor):
            return f"{cls.__name__}.{p.name} is a tensor: the fused kernels take plain numbers"
    return entry.kind, tuple(int(v) if p.integer else float(v) for p, v in zip(entry.params, values))
