"""The base class of every spiking neuron: validation, state, fire / reset, and the step loops.

Multi-step mode runs a whole sequence in one fused call of the chosen backend when the neuron's
kind has a fused implementation there (:mod:`snnlab.registry.neurons`) and the configuration
allows it; otherwise it runs the generic path: a loop over the single step, where fire and reset
are one autograd node (:mod:`snnlab.neuron._fire_reset`) whenever the neuron keeps the base
class' fire and reset and its surrogate has a closed-form derivative. A backend other than
``'torch'`` that cannot run a configuration says why, once per reason, with a ``RuntimeWarning``.
Under ``torch.compile`` the step loop is always the path traced (no graph breaks; the compiler
fuses the steps), so ``torch.compile(net, fullgraph=True, dynamic=True)`` works.
"""

import warnings
from collections.abc import Callable
from typing import Any, ClassVar, cast

import torch

from .. import backends, dynamics, surrogate
from ..base import MemoryModule
from ..checks import check_bool, check_real, describe
from ..errors import InvalidParameterTypeError
from ..registry import neurons as registry
from ..registry.surrogates import fused_surrogate
from ._fire_reset import fire_reset, fusable_surrogate

__all__ = ["BaseNode", "callable_check", "flag_check", "real_check"]

#: a check of one configuration attribute: ``check(owner, value)`` returns the value to store or raises
ConfigCheck = Callable[[str, Any], Any]


def real_check(name: str, greater_than: float | None = None, *, allow_none: bool = False) -> ConfigCheck:
    """The check of a real-valued (finite) configuration attribute ``name`` (strictly above ``greater_than``)."""
    return lambda owner, value: check_real(owner, name, value, greater_than=greater_than, allow_none=allow_none)


def flag_check(name: str) -> ConfigCheck:
    """The check of a ``bool`` configuration attribute ``name``."""
    return lambda owner, value: check_bool(owner, name, value)


def callable_check(name: str) -> ConfigCheck:
    """The check of a callable configuration attribute ``name`` (a surrogate, an activation)."""

    def check(owner: str, value: Any) -> Any:
        if not callable(value):
            raise InvalidParameterTypeError(f"{owner}: {name} must be callable, got {describe(value)}")
        return value

    return check


def _threshold(owner: str, value: Any) -> float | torch.Tensor:
    return check_real(owner, "v_threshold", value, allow_tensor=True)


_STEP_METHODS = ("neuronal_charge", "neuronal_fire", "neuronal_reset", "single_step_forward", "_step")
_warned: set = set()


def warn_once(key: tuple, message: str) -> None:
    """Issue ``message`` as a ``RuntimeWarning`` the first time ``key`` is seen in this process."""
    if key not in _warned:
        _warned.add(key)
        warnings.warn(message, RuntimeWarning, stacklevel=4)


class BaseNode(MemoryModule):
    """Base class of spiking neurons: validation, state, fire/reset and the step loops.

    Subclasses define ``neuronal_charge(x)``, which updates ``self.v``. ``v_reset=None``
    selects a soft reset (subtract ``v_threshold``); a float selects a hard reset to it.
    ``v_threshold`` may also be a floating-point tensor broadcastable to ``v`` (it follows
    ``.to()``/``.half()`` like a buffer). ``surrogate_function=None`` gives each neuron its own
    ``surrogate.Sigmoid()``. A subclass with a fused multi-step implementation sets
    ``neuron_kind`` (a key of :data:`snnlab.registry.neurons.NEURONS`) and defines ``_fused_run``.

    Every configuration attribute is checked when it is assigned, in the constructor or later
    (``node.v_threshold = float('nan')`` raises the constructor's ``ValueError``): the checks are
    the class' ``_CONFIG_CHECKS`` (``name -> check(owner, value)``), which subclasses extend with
    their own attributes (``tau``, ``tau_syn``, ``tau_adapt``, ...). Every input is checked before
    any state changes: a rejected call leaves the state as it was. Inputs must be floating point
    (an integer input would make ``v`` an integer tensor and truncate it); the state takes the
    input's dtype, so a float64 call followed by a float16 call runs in float16.

    ``v_reset >= v_threshold`` is accepted, as in SpikingJelly: it is a well-defined (if unusual)
    neuron that, once it has fired, stays at or above its threshold and fires at every step. It
    is kept legal because models ported from SpikingJelly may use it, and because thresholds that
    move during training (``set_threshold_margin``, learned thresholds) can cross the reset level
    for a while; refusing it would make such runs fail at an arbitrary step. (``QIFNode`` and
    ``EIFNode`` keep SpikingJelly 0.14's own refusal of it, see :mod:`snnlab.neuron._nonlinear`.)

    Shape:
        ``[N, *]`` per step in 's' mode, ``[T, N, *]`` in 'm' mode; output has the input shape.

    Example:
        >>> import torch
        >>> from snnlab.neuron import IFNode
        >>> node = IFNode(v_reset=None, step_mode='m', store_v_seq=True)
        >>> node(torch.tensor([[0.5], [0.5], [0.5], [1.0], [2.0]])).flatten().tolist()
        [0.0, 1.0, 0.0, 1.0, 1.0]
        >>> node.v_seq.flatten().tolist()
        [0.5, 0.0, 0.5, 0.5, 1.5]
    """

    neuron_kind: str | None = None  # the registry kind whose fused backends run this class

    #: configuration attributes checked on every assignment: name -> check(owner, value)
    _CONFIG_CHECKS: ClassVar[dict[str, ConfigCheck]] = {
        "v_threshold": _threshold,
        "v_reset": real_check("v_reset", allow_none=True),
        "detach_reset": flag_check("detach_reset"),
        "surrogate_function": callable_check("surrogate_function"),
    }

    def __init__(
        self,
        v_threshold: float | torch.Tensor = 1.0,
        v_reset: float | None = 0.0,
        surrogate_function: Callable | None = None,
        detach_reset: bool = False,
        step_mode: str = "s",
        backend: str = "torch",
        store_v_seq: bool = False,
    ):
        owner = type(self).__name__
        v_threshold = _threshold(owner, v_threshold)
        v_reset = check_real(owner, "v_reset", v_reset, allow_none=True)
        if surrogate_function is None:
            surrogate_function = surrogate.Sigmoid()
        elif not callable(surrogate_function):
            raise InvalidParameterTypeError(
                f"{owner}: surrogate_function must be callable, got {describe(surrogate_function)}"
            )
        check_bool(owner, "detach_reset", detach_reset)
        check_bool(owner, "store_v_seq", store_v_seq)
        super().__init__()
        self.register_memory("v", 0.0 if v_reset is None else v_reset)
        self.v_threshold = v_threshold
        self.v_reset = v_reset
        self.detach_reset = detach_reset
        self.surrogate_function = surrogate_function
        self.step_mode = step_mode
        self.backend = backend
        self.store_v_seq = store_v_seq

    # ------------------------------------------------------------------ configuration
    def __setattr__(self, name: str, value: Any) -> None:
        check = self._CONFIG_CHECKS.get(name)
        if check is None:
            super().__setattr__(name, value)
            return
        value = check(type(self).__name__, value)
        self._check_config_change(name, value)
        super().__setattr__(name, value)
        if name == "v_reset" and "v" in self.__dict__.get("_memories_rv", {}):
            self.set_reset_value("v", 0.0 if value is None else float(value))

    def _check_config_change(self, name: str, value: Any) -> None:
        """Raise if assigning the checked ``value`` to ``name`` would break a rule between attributes."""

    def _apply(self, fn: Callable, *args: Any, **kwargs: Any) -> "BaseNode":
        theta = self.__dict__.get("v_threshold")
        if isinstance(theta, torch.Tensor):  # a plain tensor threshold moves and casts like a buffer
            self.__dict__["v_threshold"] = fn(theta)
        return super()._apply(fn, *args, **kwargs)

    @property
    def store_v_seq(self) -> bool:
        return self._store_v_seq

    @store_v_seq.setter
    def store_v_seq(self, value: bool) -> None:
        check_bool(type(self).__name__, "store_v_seq", value)
        self._store_v_seq = value
        if value and "v_seq" not in self._memories:
            self.register_memory("v_seq", None)

    @property
    def supported_backends(self) -> tuple:
        """``('torch',)`` in single-step mode; every available backend in multi-step mode (one
        without a fused implementation for this neuron warns once and runs the generic path)."""
        return backends.available_backends() if self.step_mode == "m" else ("torch",)

    def extra_repr(self) -> str:
        return (
            f"v_threshold={self.v_threshold}, v_reset={self.v_reset}, detach_reset={self.detach_reset}, "
            f"step_mode={self.step_mode}, backend={self.backend}"
        )

    # ------------------------------------------------------------------ input checks
    def check_input(self, x: Any, step_shape: tuple | torch.Size | None = None) -> None:
        """Raise before any state changes if ``x`` cannot be run: not a floating-point tensor, or a
        tensor threshold that does not broadcast to the per-step shape ``step_shape`` (default
        ``x.shape``) without changing it."""
        owner = type(self).__name__
        if not isinstance(x, torch.Tensor) or not x.is_floating_point():
            raise TypeError(
                f"{owner}: x must be a floating-point tensor, got {describe(x)}"
                + ("; convert it with x.float()" if isinstance(x, torch.Tensor) else "")
            )
        theta = self.v_threshold
        if isinstance(theta, torch.Tensor):
            step_shape = tuple(x.shape) if step_shape is None else tuple(step_shape)
            try:
                fits = tuple(torch.broadcast_shapes(theta.shape, step_shape)) == step_shape
            except RuntimeError:
                fits = False
            if not fits:
                raise ValueError(
                    f"{owner}: v_threshold of shape {list(theta.shape)} must broadcast to the input's per-step "
                    f"shape {list(step_shape)} without changing it; give a threshold per neuron or per sample of "
                    f"this batch"
                )

    def _check_state_for(self, x_seq: torch.Tensor) -> None:
        """Before a sequence runs: raise the batch-size error if a kept state has another per-step
        shape, then give every kept state the input's dtype."""
        for name in self._memories:
            value = getattr(self, name)
            if name == "v_seq" or not isinstance(value, torch.Tensor):
                continue
            if value.shape != x_seq.shape[1:]:
                self._memory_to_tensor(name, x_seq[0])  # raises before anything changes
            if value.dtype != x_seq.dtype:
                setattr(self, name, value.to(x_seq.dtype))

    # ------------------------------------------------------------------ one time step
    def v_float_to_tensor(self, x: torch.Tensor) -> None:
        """Turn a float ``v`` (after ``reset()``) into a tensor shaped, typed and placed like ``x``."""
        self._memory_to_tensor("v", x)

    def _memory_to_tensor(self, name: str, x: torch.Tensor) -> None:
        value = getattr(self, name)
        if not isinstance(value, torch.Tensor):
            setattr(self, name, torch.full_like(x.data, value))
        elif value.shape != x.shape:
            what = "the membrane potential v" if name == "v" else f"the state {name}"
            raise ValueError(
                f"{type(self).__name__}: the input has shape {list(x.shape)} but {what} kept "
                f"from earlier calls has shape {list(value.shape)}; call functional.reset_net(net) before a "
                f"batch of another size"
            )
        elif value.dtype != x.dtype:  # the state takes the input's dtype
            setattr(self, name, value.to(x.dtype))

    def neuronal_charge(self, x: torch.Tensor) -> None:
        raise NotImplementedError(f"{type(self).__name__} does not define neuronal_charge")

    def neuronal_fire(self) -> torch.Tensor:
        """The spike ``surrogate_function(v - v_threshold)``."""
        return dynamics.fire(self.v, self.v_threshold, self.surrogate_function)

    def neuronal_reset(self, spike: torch.Tensor) -> None:
        """Reset ``self.v`` where ``spike`` fired (hard or soft, see the class docstring)."""
        self.v = dynamics.reset(self.v, spike, self.v_threshold, self.v_reset, self.detach_reset)

    def _plain_fire_reset(self) -> bool:
        """Whether fire and reset are the base class' (so one fused autograd node may run them)."""
        cls = type(self)
        return cls.neuronal_fire is BaseNode.neuronal_fire and cls.neuronal_reset is BaseNode.neuronal_reset

    def _can_fuse_fire_reset(self) -> bool:
        """Whether one :func:`fire_reset` node gives this neuron's fire and reset of ``v``."""
        theta = self.v_threshold
        return (
            self._plain_fire_reset()
            and fusable_surrogate(self.surrogate_function)
            and self.v.is_floating_point()
            and not (isinstance(theta, torch.Tensor) and theta.requires_grad)
        )

    def fire_and_reset(self) -> torch.Tensor:
        """``neuronal_fire`` then ``neuronal_reset``, as one autograd node where that is exact."""
        if self._can_fuse_fire_reset():  # so fusable_surrogate holds: a SurrogateFunctionBase
            sg = cast(surrogate.SurrogateFunctionBase, self.surrogate_function)
            spike, self.v = fire_reset(self.v, self.v_threshold, self.v_reset, self.detach_reset, sg)
            return spike
        spike = self.neuronal_fire()
        self.neuronal_reset(spike)
        return spike

    def _step(self, x: torch.Tensor) -> torch.Tensor:
        self.v_float_to_tensor(x)
        self.neuronal_charge(x)
        return self.fire_and_reset()

    def _record_v_step(self) -> None:
        if self.store_v_seq:
            row = self.v.unsqueeze(0)
            self.v_seq = row if self.v_seq is None else torch.cat((self.v_seq, row))

    def single_step_forward(self, x: torch.Tensor) -> torch.Tensor:
        """Advance one time step; returns the spikes ``[N, *]``."""
        self.check_input(x)
        spike = self._step(x)
        self._record_v_step()
        return spike

    # ------------------------------------------------------------------ a whole sequence
    def _fusion_blocker(self, x_seq: torch.Tensor) -> str | None:
        """Why the fused sequence cannot run here (None when it can), checked before anything runs."""
        kind = self.neuron_kind
        if kind is None or registry.NEURONS[kind].charge is None:
            return f"{type(self).__name__} has no fused multi-step implementation"
        if self.backend not in registry.NEURONS[kind].backends:
            return f"{type(self).__name__} has no fused implementation on the {self.backend!r} backend"
        owner = self._fused_owner()
        cls = type(self)
        overridden = [name for name in _STEP_METHODS if getattr(cls, name) is not getattr(owner, name)]
        if overridden:
            return f"{cls.__name__} overrides {', '.join(overridden)}, which the fused kernels do not run"
        if not x_seq.is_floating_point():
            return f"the input has dtype {x_seq.dtype}, the fused kernels need a floating-point input"
        fused_sg = fused_surrogate(self.surrogate_function)
        if isinstance(fused_sg, str):
            return fused_sg
        theta = self.v_threshold
        if isinstance(theta, torch.Tensor):
            if theta.requires_grad:
                return "v_threshold is a tensor that requires grad"
            if not self._fused_tensor_threshold() or (
                torch.broadcast_shapes(theta.shape, x_seq.shape[1:]) != x_seq.shape[1:]
            ):
                return f"v_threshold is a tensor of shape {list(theta.shape)}, the fused kernels take a float here"
        if self.v_reset is not None and not isinstance(self.v_reset, float):
            return "v_reset is not a float"
        for name in self._memories:
            value = getattr(self, name)
            if (
                name != "v_seq"
                and isinstance(value, torch.Tensor)
                and (value.shape != x_seq.shape[1:] or value.dtype != x_seq.dtype or value.device != x_seq.device)
            ):
                return f"the state {name} does not match the input's shape, dtype and device"
        return None

    def _fused_surrogate(self) -> tuple[str, float | tuple]:
        """The surrogate as the fused backends take it: ``(kind, alpha)``, or ``(kind, params)`` when
        it has several parameters (call only where :meth:`_fusion_blocker` found nothing)."""
        fused_sg = fused_surrogate(self.surrogate_function)
        if isinstance(fused_sg, str):
            raise ValueError(f"{type(self).__name__}: the surrogate cannot be fused: {fused_sg}")
        kind, params = fused_sg
        return kind, params[0] if len(params) == 1 else params

    def _fused_owner(self) -> type:
        """The class whose step methods the fused kernels implement."""
        return type(self)

    def _fused_tensor_threshold(self) -> bool:
        """Whether the fused kernels of this neuron accept a tensor ``v_threshold``."""
        return False

    def _fused_run(self, x_seq: torch.Tensor, multi_step: Callable) -> torch.Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no fused multi-step implementation")

    def _initial(self, name: str, x_seq: torch.Tensor) -> torch.Tensor:
        value = getattr(self, name)
        return value if isinstance(value, torch.Tensor) else torch.full_like(x_seq[0], value)

    def multi_step_forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        """Run ``x_seq`` ``[T, N, *]``; returns spikes ``[T, N, *]``. Leaves the last state in the memories."""
        if isinstance(x_seq, torch.Tensor) and x_seq.dim() == 0:
            raise ValueError(f"{type(self).__name__}: x_seq must have at least one time step, got shape []")
        self.check_input(x_seq, None if not isinstance(x_seq, torch.Tensor) else x_seq.shape[1:])
        if x_seq.shape[0] == 0:
            raise ValueError(
                f"{type(self).__name__}: x_seq must have at least one time step, got shape {list(x_seq.shape)}"
            )
        self._check_state_for(x_seq)
        if torch.compiler.is_compiling():
            # traced: the step loop, which the compiler fuses (forward and backward) itself; the fused
            # backends' hand-written loops are eager code it cannot trace
            return self._generic_multi_step(x_seq)
        blocker = self._fusion_blocker(x_seq)
        if blocker is None:
            charge = registry.NEURONS[self.neuron_kind].charge
            return self._fused_run(x_seq, registry.fused_function(charge, self.backend))
        if self.backend != "torch":
            warn_once(
                (type(self).__name__, self.backend, blocker),
                f"{type(self).__name__}: backend {self.backend!r} cannot run this configuration ({blocker}); "
                f"running the generic step loop instead",
            )
        return self._generic_multi_step(x_seq)

    def _generic_multi_step(self, x_seq: torch.Tensor) -> torch.Tensor:
        """The generic path: the single step in a loop, under autograd (no hand-written derivative)."""
        # a subclass' own single_step_forward is honoured, as in SpikingJelly's step loop
        step = (
            self._step if type(self).single_step_forward is BaseNode.single_step_forward else self.single_step_forward
        )
        spikes, vs = [], []
        # unbind: one backward node gathers every step's input gradient (indexing x_seq[t] would
        # make each step's backward fill and add a whole [T, *] gradient: quadratic in T)
        for x in x_seq.unbind(0):
            spikes.append(step(x))
            if self.store_v_seq:
                vs.append(self.v)
        if self.store_v_seq:
            self.v_seq = torch.stack(vs)
        return torch.stack(spikes)
