"""Spiking neurons: IF, LIF, parametric LIF and the online-training LIF of OTTT.

Each neuron holds its configuration and its state (the membrane potential ``v``, a registered
memory); the formulas live in :mod:`snnlab.dynamics`. One step charges, fires and resets::

    h = charge(v, x);  spike = surrogate_function(h - v_threshold);  v = reset(h, spike)

Multi-step mode (``step_mode='m'``) runs the whole sequence in one fused call of the chosen
backend (``'torch'``, or ``'triton'`` on CUDA) when the neuron uses the built-in dynamics and a
surrogate with a ``kind``; otherwise it loops over time steps in Python. Both give the same
spikes. Under ``torch.compile`` the step loop is always the one traced (no graph breaks; the
compiler fuses the steps), so ``torch.compile(net, fullgraph=True, dynamic=True)`` works. Evaluation mode runs the same computation as training (so a subclass' own
``neuronal_charge`` is respected and tensor thresholds work); wrap it in ``torch.no_grad()``
to save memory.

``store_v_seq=True`` keeps the post-reset potential of every step in ``v_seq``: in multi-step
mode the ``[T, *]`` sequence of the last call; in single-step mode one row per step since the
last ``reset()`` (SpikingJelly 0.14 left it ``None`` there).

Shape:
    single step: ``x`` ``[N, *]`` gives spikes ``[N, *]``; multi step: ``[T, N, *]`` gives
    ``[T, N, *]``.

Example:
    >>> import torch
    >>> from snnlab import neuron
    >>> node = neuron.IFNode()
    >>> [node(torch.tensor([x])).item() for x in (0.5, 0.5, 0.5, 1.0, 2.0)]
    [0.0, 1.0, 0.0, 1.0, 1.0]
    >>> node.reset(); node.v
    0.0
"""

import math
from collections.abc import Callable

import torch
import torch.nn as nn

from . import backends, dynamics, surrogate
from ._checks import check_bool, check_real, describe
from .base import MemoryModule
from .errors import InvalidParameterError, InvalidParameterTypeError

__all__ = ["BaseNode", "IFNode", "LIFNode", "OTTTLIFNode", "ParametricLIFNode"]

# surrogate classes whose derivative the fused backends implement, by ``kind``
_FUSABLE_SURROGATES = {"sigmoid": surrogate.Sigmoid, "atan": surrogate.ATan}
_STEP_METHODS = ("neuronal_charge", "neuronal_fire", "neuronal_reset", "single_step_forward", "_step")


class BaseNode(MemoryModule):
    """Base class of spiking neurons: validation, state, fire/reset and the step loops.

    Subclasses define ``neuronal_charge(x)``, which updates ``self.v``. ``v_reset=None``
    selects a soft reset (subtract ``v_threshold``); a float selects a hard reset to it.
    ``v_threshold`` may also be a tensor broadcastable to ``v``. ``surrogate_function=None``
    gives each neuron its own ``surrogate.Sigmoid()``.

    Shape:
        ``[N, *]`` per step in 's' mode, ``[T, N, *]`` in 'm' mode; output has the input shape.

    Example:
        >>> import torch
        >>> node = IFNode(v_reset=None, step_mode='m', store_v_seq=True)
        >>> node(torch.tensor([[0.5], [0.5], [0.5], [1.0], [2.0]])).flatten().tolist()
        [0.0, 1.0, 0.0, 1.0, 1.0]
        >>> node.v_seq.flatten().tolist()
        [0.5, 0.0, 0.5, 0.5, 1.5]
    """

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
    def store_v_seq(self, value: bool):
        check_bool(type(self).__name__, "store_v_seq", value)
        self._store_v_seq = value
        if value and "v_seq" not in self._memories:
            self.register_memory("v_seq", None)

    @property
    def supported_backends(self) -> tuple:
        """``('torch',)`` in single-step mode; every available fused backend in multi-step mode."""
        return backends.available_backends() if self.step_mode == "m" else ("torch",)

    def extra_repr(self):
        return (
            f"v_threshold={self.v_threshold}, v_reset={self.v_reset}, detach_reset={self.detach_reset}, "
            f"step_mode={self.step_mode}, backend={self.backend}"
        )

    # ------------------------------------------------------------------ one time step
    def v_float_to_tensor(self, x: torch.Tensor):
        """Turn a float ``v`` (after ``reset()``) into a tensor shaped, typed and placed like ``x``."""
        if not isinstance(self.v, torch.Tensor):
            self.v = torch.full_like(x.data, self.v)
        elif self.v.shape != x.shape:
            raise ValueError(
                f"{type(self).__name__}: the input has shape {list(x.shape)} but the membrane potential v kept "
                f"from earlier calls has shape {list(self.v.shape)}; call functional.reset_net(net) before a "
                f"batch of another size"
            )

    def neuronal_charge(self, x: torch.Tensor):
        raise NotImplementedError(f"{type(self).__name__} does not define neuronal_charge")

    def neuronal_fire(self) -> torch.Tensor:
        """The spike ``surrogate_function(v - v_threshold)``."""
        return dynamics.fire(self.v, self.v_threshold, self.surrogate_function)

    def neuronal_reset(self, spike: torch.Tensor):
        """Reset ``self.v`` where ``spike`` fired (hard or soft, see the class docstring)."""
        self.v = dynamics.reset(self.v, spike, self.v_threshold, self.v_reset, self.detach_reset)

    def _step(self, x: torch.Tensor) -> torch.Tensor:
        self.v_float_to_tensor(x)
        self.neuronal_charge(x)
        spike = self.neuronal_fire()
        self.neuronal_reset(spike)
        return spike

    def _record_v_step(self):
        if self.store_v_seq:
            row = self.v.unsqueeze(0)
            self.v_seq = row if self.v_seq is None else torch.cat((self.v_seq, row))

    def single_step_forward(self, x: torch.Tensor) -> torch.Tensor:
        """Advance one time step; returns the spikes ``[N, *]``."""
        spike = self._step(x)
        self._record_v_step()
        return spike

    # ------------------------------------------------------------------ a whole sequence
    def _fused_charge(self):
        """``(charge kind, decay_input, k, class defining the formulas)`` or None if not fusable."""
        return None

    def _fused_config(self, x_seq: torch.Tensor):
        spec = self._fused_charge()
        if spec is None or not x_seq.is_floating_point():
            return None
        kind, decay_input, k, owner = spec
        cls = type(self)
        if any(getattr(cls, name) is not getattr(owner, name) for name in _STEP_METHODS):
            return None
        sg = self.surrogate_function
        sg_cls = _FUSABLE_SURROGATES.get(getattr(sg, "kind", None))
        if (
            sg_cls is None
            or not isinstance(sg, sg_cls)
            or not sg.spiking
            or isinstance(sg.alpha, torch.Tensor)
            or type(sg).derivative_function is not sg_cls.derivative_function
            or type(sg).forward is not surrogate.SurrogateFunctionBase.forward
        ):
            return None
        theta = self.v_threshold
        if isinstance(theta, torch.Tensor):
            if theta.requires_grad or torch.broadcast_shapes(theta.shape, x_seq.shape[1:]) != x_seq.shape[1:]:
                return None
        elif not isinstance(theta, float):
            return None
        if self.v_reset is not None and not isinstance(self.v_reset, float):
            return None
        v = self.v
        if isinstance(v, torch.Tensor) and (
            v.shape != x_seq.shape[1:] or v.dtype != x_seq.dtype or v.device != x_seq.device
        ):
            return None
        cfg = backends.NeuronConfig(
            charge=kind,
            decay_input=decay_input,
            v_threshold=theta,
            v_reset=self.v_reset,
            detach_reset=self.detach_reset,
            surrogate=sg.kind,
            alpha=float(sg.alpha),
            store_v_seq=self.store_v_seq,
        )
        return cfg, k

    def multi_step_forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        """Run ``x_seq`` ``[T, N, *]``; returns spikes ``[T, N, *]``. Leaves the last ``v`` in ``self.v``."""
        if x_seq.dim() == 0 or x_seq.shape[0] == 0:
            raise ValueError(
                f"{type(self).__name__}: x_seq must have at least one time step, got shape {list(x_seq.shape)}"
            )
        # under torch.compile the step loop below is traced instead: the compiler fuses it (forward and
        # backward) itself, while the fused backends' hand-written loops are eager code it cannot trace
        fused = None if torch.compiler.is_compiling() else self._fused_config(x_seq)
        if fused is not None:
            cfg, k = fused
            v_init = self.v if isinstance(self.v, torch.Tensor) else torch.full_like(x_seq[0], self.v)
            spike_seq, v_out = backends.get_backend(self.backend).multi_step(cfg, x_seq, v_init, k)
            if self.store_v_seq:
                self.v_seq = v_out
                self.v = v_out[-1]
            else:
                self.v = v_out
            return spike_seq
        # a subclass' own single_step_forward is honoured, as in SpikingJelly's step loop
        step = (
            self._step if type(self).single_step_forward is BaseNode.single_step_forward else self.single_step_forward
        )
        spikes, vs = [], []
        for t in range(x_seq.shape[0]):
            spikes.append(step(x_seq[t]))
            if self.store_v_seq:
                vs.append(self.v)
        if self.store_v_seq:
            self.v_seq = torch.stack(vs)
        return torch.stack(spikes)


class IFNode(BaseNode):
    """Integrate-and-fire neuron: ``v <- v + x``, then fire and reset.

    Shape:
        ``[N, *]`` ('s') or ``[T, N, *]`` ('m'); the output has the input shape.

    Example:
        >>> import torch
        >>> IFNode(step_mode='m')(torch.tensor([[0.5], [0.5], [0.5], [1.0], [2.0]])).flatten().tolist()
        [0.0, 1.0, 0.0, 1.0, 1.0]
    """

    def neuronal_charge(self, x: torch.Tensor):
        self.v = dynamics.charge_if(self.v, x)

    def _fused_charge(self):
        return "if", True, 0.0, IFNode


class LIFNode(BaseNode):
    """Leaky integrate-and-fire neuron with time constant ``tau > 1`` (formulas in :mod:`snnlab.dynamics`).

    ``decay_input=True`` leaks the input too (``v + (x - v) / tau``); ``False`` adds it whole.

    Shape:
        ``[N, *]`` ('s') or ``[T, N, *]`` ('m'); the output has the input shape.

    Example:
        >>> import torch
        >>> node = LIFNode(tau=2.0, step_mode='m', store_v_seq=True)
        >>> _ = node(torch.full((4, 1), 0.8))
        >>> [round(v, 4) for v in node.v_seq.flatten().tolist()]
        [0.4, 0.6, 0.7, 0.75]
    """

    def __init__(
        self,
        tau: float = 2.0,
        decay_input: bool = True,
        v_threshold: float = 1.0,
        v_reset: float | None = 0.0,
        surrogate_function: Callable | None = None,
        detach_reset: bool = False,
        step_mode: str = "s",
        backend: str = "torch",
        store_v_seq: bool = False,
    ):
        tau = check_real(type(self).__name__, "tau", tau, greater_than=1.0)
        check_bool(type(self).__name__, "decay_input", decay_input)
        super().__init__(v_threshold, v_reset, surrogate_function, detach_reset, step_mode, backend, store_v_seq)
        self.tau = tau
        self.decay_input = decay_input

    @property
    def _k(self):
        return 1.0 / self.tau

    def extra_repr(self):
        return super().extra_repr() + f", tau={self.tau}"

    def neuronal_charge(self, x: torch.Tensor):
        self.v = dynamics.charge_lif(self.v, x, self._k, self.decay_input, self.v_reset)

    def _fused_charge(self):
        return "lif", self.decay_input, self._k, LIFNode


class ParametricLIFNode(BaseNode):
    """LIF neuron with a learnable time constant: ``1 / tau = sigmoid(w)``, ``w`` a parameter.

    ``w`` starts at ``-log(init_tau - 1)`` so that ``tau = init_tau``.

    Shape:
        ``[N, *]`` ('s') or ``[T, N, *]`` ('m'); the output has the input shape.

    Example:
        >>> import torch
        >>> node = ParametricLIFNode(init_tau=2.0, step_mode='m')
        >>> node(torch.full((5, 1), 0.8)).sum().backward()
        >>> node.w.grad is not None
        True
    """

    def __init__(
        self,
        init_tau: float = 2.0,
        decay_input: bool = True,
        v_threshold: float = 1.0,
        v_reset: float | None = 0.0,
        surrogate_function: Callable | None = None,
        detach_reset: bool = False,
        step_mode: str = "s",
        backend: str = "torch",
        store_v_seq: bool = False,
    ):
        init_tau = check_real(type(self).__name__, "init_tau", init_tau, greater_than=1.0)
        check_bool(type(self).__name__, "decay_input", decay_input)
        super().__init__(v_threshold, v_reset, surrogate_function, detach_reset, step_mode, backend, store_v_seq)
        self.decay_input = decay_input
        self.w = nn.Parameter(torch.as_tensor(-math.log(init_tau - 1.0)))

    def extra_repr(self):
        with torch.no_grad():
            tau = 1.0 / self.w.sigmoid()
        return super().extra_repr() + f", tau={tau}"

    def neuronal_charge(self, x: torch.Tensor):
        self.v = dynamics.charge_lif(self.v, x, self.w.sigmoid(), self.decay_input, self.v_reset)

    def _fused_charge(self):
        return "lif", self.decay_input, self.w.sigmoid(), ParametricLIFNode


class OTTTLIFNode(LIFNode):
    """The LIF neuron of online training through time (OTTT): single-step only.

    Each step detaches ``v`` from the past (no backpropagation through time) and keeps a
    presynaptic trace ``trace <- trace * (1 - 1/tau) + spike`` (no gradient). In training it
    returns ``[spike, trace]``; in evaluation only ``spike``. ``v`` and ``trace`` are created by the
    first step and deleted by ``reset()``; ``state_dict`` holds them while they exist, and such a
    ``state_dict`` loads into a fresh node. They are memories, not buffers: each process of a
    ``DistributedDataParallel`` run keeps its own (DDP broadcasts rank 0's buffers at every forward).

    Shape:
        ``x``: ``[N, *]``; ``spike`` and ``trace``: ``[N, *]``.

    Example:
        >>> import torch
        >>> node = OTTTLIFNode()
        >>> x = torch.tensor([0.8, 1.5])
        >>> [t.tolist() for t in node(x)], [t.tolist() for t in node(x)]
        ([[0.0, 1.0], [0.0, 1.0]], [[1.0, 1.0], [1.0, 1.5]])
        >>> sorted(node.state_dict()), [name for name, _ in node.named_buffers()]
        (['trace', 'v'], [])
    """

    _STATE = ("v", "trace")

    def __init__(
        self,
        tau: float = 2.0,
        decay_input: bool = False,
        v_threshold: float = 1.0,
        v_reset: float | None = None,
        surrogate_function: Callable | None = None,
        detach_reset: bool = True,
        step_mode: str = "s",
        backend: str = "torch",
        store_v_seq: bool = False,
    ):
        if step_mode != "s":
            raise InvalidParameterError(
                f"{type(self).__name__}: step_mode must be 's' (OTTT trains online, one step at a time), "
                f"got {describe(step_mode)}"
            )
        super().__init__(
            tau, decay_input, v_threshold, v_reset, surrogate_function, detach_reset, step_mode, backend, store_v_seq
        )
        del self._memories["v"], self._memories_rv["v"]

    def supported_step_mode(self):
        return ("s",)

    @property
    def supported_backends(self) -> tuple:
        return ("torch",)

    def _set_state(self, name: str, value: torch.Tensor):
        """Create (or overwrite) the memory ``name``; ``reset()`` deletes it again."""
        self._memories[name] = value
        self._memories_rv[name] = None

    def reset(self):
        for name in self._STATE:
            self._memories.pop(name, None)
            self._memories_rv.pop(name, None)
        super().reset()

    def _save_to_state_dict(self, destination, prefix, keep_vars):
        super()._save_to_state_dict(destination, prefix, keep_vars)
        for name in self._STATE:
            value = self._memories.get(name)
            if isinstance(value, torch.Tensor):
                destination[prefix + name] = value if keep_vars else value.detach()

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, errors):
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, errors)
        keys = {prefix + name: name for name in self._STATE}
        unexpected_keys[:] = [key for key in unexpected_keys if key not in keys]
        for key, name in keys.items():
            if key in state_dict:
                with torch.no_grad():
                    self._set_state(name, state_dict[key].detach().clone())

    def neuronal_charge(self, x: torch.Tensor):
        self.v = self.v.detach()
        super().neuronal_charge(x)

    def single_step_forward(self, x: torch.Tensor):
        """One step; returns ``[spike, trace]`` in training, ``spike`` in evaluation."""
        if "v" not in self._memories:
            v0 = torch.zeros_like(x.data) if self.v_reset is None else torch.full_like(x.data, self.v_reset)
            self._set_state("v", v0)
        spike = self._step(x)
        self._record_v_step()
        if not self.training:
            return spike
        if "trace" not in self._memories:
            self._set_state("trace", torch.zeros_like(x.data))
        with torch.no_grad():
            self.trace = dynamics.decay_trace(self.trace, spike, self._k)
        return [spike, self.trace]
