"""The one table of neuron kinds: class, parameters (defaults and ranges) and fused backends.

Every place that needs to know "which neurons exist" or "which backend runs this neuron fused"
reads :data:`NEURONS`: the neuron modules (which fused path to take), the backends (which
charge kinds they accept), the widgets (one control per parameter) and the tests. Adding a
neuron means writing its class in its own file under ``snnlab/neuron/`` and adding one
:class:`NeuronSpec` here.

``NeuronKind`` names a neuron model; ``ChargeKind`` names the dynamics a fused backend runs
(``NeuronConfig.charge``): PLIF runs the ``'lif'`` dynamics with a learnable leak.

Example:
    >>> from snnlab.registry import neurons
    >>> spec = neurons.neuron_spec('cuba_lif')
    >>> spec.cls.__name__, [p.name for p in spec.params]
    ('CubaLIFNode', ['tau_syn', 'tau_mem', 'decay_input', 'v_threshold', 'v_reset'])
    >>> neurons.fused_backends('lif')
    ('torch', 'triton')
"""

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, get_args

from ..checks import check_choice

if TYPE_CHECKING:
    import torch

__all__ = [
    "CHARGE_KINDS",
    "NEURONS",
    "NEURON_KINDS",
    "ChargeKind",
    "NeuronKind",
    "NeuronParam",
    "NeuronSpec",
    "fused_backends",
    "fused_function",
    "neuron_spec",
]

ChargeKind = Literal["if", "lif", "cuba_lif", "adaptive_lif"]
NeuronKind = Literal["if", "lif", "plif", "qif", "eif", "izhikevich", "liaf", "klif", "cuba_lif", "adaptive_lif"]
CHARGE_KINDS: tuple = get_args(ChargeKind)
NEURON_KINDS: tuple = get_args(NeuronKind)

_LIF_MULTI_STEP = {
    "torch": "snnlab.backends.torch_backend:multi_step",
    "triton": "snnlab.backends.triton_backend:multi_step",
}
# charge kind -> backend -> "module:function" running a whole sequence fused
_FUSED_LOADED: dict = {}  # (charge, backend) -> the imported function, filled by fused_function

_FUSED: dict = {
    "if": _LIF_MULTI_STEP,
    "lif": _LIF_MULTI_STEP,
    "cuba_lif": {"torch": "snnlab.backends.torch_cuba:multi_step", "triton": "snnlab.backends.triton_cuba:multi_step"},
    "adaptive_lif": {
        "torch": "snnlab.backends.torch_alif:multi_step",
        "triton": "snnlab.backends.triton_alif:multi_step",
    },
}


@dataclass(frozen=True)
class NeuronParam:
    """One constructor argument of a neuron: its default and the range a control offers.

    ``low``/``high``/``step`` are None for a bool; ``nullable`` means ``None`` is accepted too
    (``v_reset=None`` is a soft reset).
    """

    name: str
    default: float | bool | None
    low: float | None = None
    high: float | None = None
    step: float | None = None
    nullable: bool = False
    doc: str = ""


@dataclass(frozen=True)
class NeuronSpec:
    """A neuron model: its class (in :mod:`snnlab.neuron`), its tunable parameters, and the
    charge kind its fused backends run (None: the generic multi-step path only)."""

    kind: str
    class_name: str
    params: tuple
    charge: str | None = None
    summary: str = ""
    extra_kwargs: dict = field(default_factory=dict)

    @property
    def cls(self) -> type:
        """The neuron class (imported on first use, so the registry imports no neuron code)."""
        return getattr(importlib.import_module("snnlab.neuron"), self.class_name)

    @property
    def backends(self) -> tuple:
        """The backends that run this neuron's multi-step sequence fused (empty: generic loop)."""
        return fused_backends(self.charge) if self.charge is not None else ()

    def defaults(self) -> dict:
        """``{name: default}`` of every parameter, plus the fixed extra constructor arguments."""
        return {**{p.name: p.default for p in self.params}, **self.extra_kwargs}

    def build(self, **kwargs: Any) -> "torch.nn.Module":
        """A new neuron of this kind with the defaults overridden by ``kwargs``."""
        extra = self.extra_kwargs
        if "act" in extra:  # LIAF: an activation module object per instance
            extra = dict(extra, act=_make_act(extra["act"]))
        return self.cls(**{**{p.name: p.default for p in self.params}, **extra, **kwargs})


def _make_act(name: str) -> "torch.nn.Module":
    import torch.nn as nn

    return getattr(nn, name)()


def _p(name, default, low=None, high=None, step=None, nullable=False, doc=""):
    return NeuronParam(name, default, low, high, step, nullable, doc)


_THRESHOLD = _p("v_threshold", 1.0, 0.1, 3.0, 0.05, doc="firing threshold")
_RESET = _p("v_reset", 0.0, -1.0, 0.5, 0.05, nullable=True, doc="hard-reset value (None: soft reset)")
_TAU = _p("tau", 2.0, 1.1, 20.0, 0.1, doc="membrane time constant (steps)")
_DECAY = _p("decay_input", True, doc="leak the input too")

NEURONS: dict = {
    s.kind: s
    for s in (
        NeuronSpec("if", "IFNode", (_THRESHOLD, _RESET), "if", "integrate and fire"),
        NeuronSpec("lif", "LIFNode", (_TAU, _DECAY, _THRESHOLD, _RESET), "lif", "leaky integrate and fire"),
        NeuronSpec(
            "plif",
            "ParametricLIFNode",
            (_p("init_tau", 2.0, 1.1, 20.0, 0.1, doc="initial time constant"), _DECAY, _THRESHOLD, _RESET),
            "lif",
            "LIF with a learnable time constant",
        ),
        NeuronSpec(
            "qif",
            "QIFNode",
            (
                _TAU,
                _p("v_c", 0.8, 0.0, 1.5, 0.05, doc="critical voltage"),
                _p("a0", 1.0, 0.1, 3.0, 0.1, doc="sharpness of the quadratic term"),
                _THRESHOLD,
                _p("v_rest", 0.0, -1.0, 0.5, 0.05, doc="resting potential"),
                _p("v_reset", -0.1, -1.0, 0.5, 0.05, nullable=True, doc="hard-reset value (None: soft reset)"),
            ),
            None,
            "quadratic integrate and fire",
        ),
        NeuronSpec(
            "eif",
            "EIFNode",
            (
                _TAU,
                _p("delta_T", 1.0, 0.1, 3.0, 0.1, doc="sharpness of the exponential term"),
                _p("theta_rh", 0.8, 0.0, 1.5, 0.05, doc="rheobase threshold"),
                _THRESHOLD,
                _p("v_rest", 0.0, -1.0, 0.5, 0.05, doc="resting potential"),
                _p("v_reset", -0.1, -1.0, 0.5, 0.05, nullable=True, doc="hard-reset value (None: soft reset)"),
            ),
            None,
            "exponential integrate and fire",
        ),
        NeuronSpec(
            "izhikevich",
            "IzhikevichNode",
            (
                _TAU,
                _p("v_c", 0.8, 0.0, 1.5, 0.05, doc="critical voltage"),
                _p("a0", 1.0, 0.1, 3.0, 0.1, doc="sharpness of the quadratic term"),
                _THRESHOLD,
                _RESET,
                _p("v_rest", -0.1, -1.0, 0.5, 0.05, doc="resting potential"),
                _p("tau_w", 2.0, 1.1, 50.0, 0.1, doc="adaptation time constant"),
                _p("a", 0.0, -1.0, 1.0, 0.05, doc="subthreshold adaptation coupling"),
                _p("b", 0.0, 0.0, 2.0, 0.05, doc="adaptation jump per spike"),
            ),
            None,
            "Izhikevich (quadratic, with an adaptation current)",
        ),
        NeuronSpec(
            "liaf",
            "LIAFNode",
            (_TAU, _DECAY, _THRESHOLD, _RESET),
            None,
            "LIF that outputs an analog activation of v",
            {"act": "ReLU", "threshold_related": True},
        ),
        NeuronSpec(
            "klif",
            "KLIFNode",
            (_p("scale_reset", False, doc="reset in the unscaled domain"), _TAU, _DECAY, _THRESHOLD, _RESET),
            None,
            "LIF with a learnable scale and a ReLU on the membrane",
        ),
        NeuronSpec(
            "cuba_lif",
            "CubaLIFNode",
            (
                _p("tau_syn", 2.0, 1.1, 20.0, 0.1, doc="synaptic current time constant"),
                _p("tau_mem", 2.0, 1.1, 20.0, 0.1, doc="membrane time constant"),
                _DECAY,
                _THRESHOLD,
                _RESET,
            ),
            "cuba_lif",
            "current-based LIF (NIR CubaLIF)",
        ),
        NeuronSpec(
            "adaptive_lif",
            "AdaptiveLIFNode",
            (
                _TAU,
                _p("tau_adapt", 20.0, 1.0, 200.0, 0.5, doc="threshold recovery time constant"),
                _p("beta", 0.2, 0.0, 2.0, 0.05, doc="threshold jump per spike"),
                _DECAY,
                _THRESHOLD,
                _RESET,
            ),
            "adaptive_lif",
            "LIF whose threshold jumps at each spike and decays back",
        ),
    )
}


def neuron_spec(kind: str) -> NeuronSpec:
    """The :class:`NeuronSpec` of ``kind`` (one of :data:`NEURON_KINDS`)."""
    check_choice("neuron_spec", "kind", kind, NEURON_KINDS)
    return NEURONS[kind]


def fused_backends(charge: str) -> tuple:
    """The backends with a fused multi-step implementation of the charge kind ``charge``."""
    check_choice("fused_backends", "charge", charge, CHARGE_KINDS)
    return tuple(_FUSED[charge])


def fused_function(charge: str, backend: str) -> Callable[..., Any]:
    """The function ``multi_step`` of ``backend`` for the charge kind ``charge`` (imported on first
    use, then cached: no import machinery runs per call)."""
    key = (charge, backend)
    function = _FUSED_LOADED.get(key)
    if function is None:
        check_choice("fused_function", "backend", backend, fused_backends(charge))
        module, name = _FUSED[charge][backend].split(":")
        function = _FUSED_LOADED[key] = getattr(importlib.import_module(module), name)
    return function
