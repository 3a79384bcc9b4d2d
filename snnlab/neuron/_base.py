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

import torch

from .. import backends, dynamics, surrogate
from .._checks import check_bool, check_real, describe
from ..base import MemoryModule
from ..errors import InvalidParameterTypeError
from ..registry import neurons as registry
from ..registry.surrogates import fused_surrogate
from ._fire_reset import fire_reset, fusable_surrogate

__all__ = ["BaseNode"]

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
    ``v_threshold`` may also be a tensor broadcastable to ``v``. ``surrogate_function=None``
    gives each neuron its own ``surrogate.Sigmoid()``. A subclass with a fused multi-step
    implementation sets ``neuron_kind`` (a key of :data:`snnlab.registry.neurons.NEURONS`) and
    defines ``_fused_run``.

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

    def __init__(
        self,
        v_threshold: float = 1.0,
        v_reset: float | None = 0.0,
        surrogate_function: Callable | None = None,
        detach_reset: bool = False,
        step_mode: str = "s",
        backend: str = "torch",
        store_v_seq: bool = False,
    ):
        owner = type(self).__name__
        v_threshold = check_real(owner, "v_threshold", v_threshold, allow_tensor=True)
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

    def _fire_and_reset(self) -> torch.Tensor:
        """``neuronal_fire`` then ``neuronal_reset``, as one autograd node where that is exact."""
        if self._can_fuse_fire_reset():
            spike, self.v = fire_reset(
                self.v, self.v_threshold, self.v_reset, self.detach_reset, self.surrogate_function
            )
            return spike
        spike = self.neuronal_fire()
        self.neuronal_reset(spike)
        return spike

    def _step(self, x: torch.Tensor) -> torch.Tensor:
        self.v_float_to_tensor(x)
        self.neuronal_charge(x)
        return self._fire_and_reset()

    def _record_v_step(self) -> None:
        if self.store_v_seq:
            row = self.v.unsqueeze(0)
            self.v_seq = row if self.v_seq is None else torch.cat((self.v_seq, row))

    def single_step_forward(self, x: torch.Tensor) -> torch.Tensor:
        """Advance one time step; returns the spikes ``[N, *]``."""
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
        if x_seq.dim() == 0 or x_seq.shape[0] == 0:
            raise ValueError(
                f"{type(self).__name__}: x_seq must have at least one time step, got shape {list(x_seq.shape)}"
            )
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
