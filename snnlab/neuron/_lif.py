"""IF, LIF, parametric LIF and the online-training LIF of OTTT (the ``'if'`` / ``'lif'`` dynamics)."""

import math
from collections.abc import Callable
from typing import ClassVar, Literal

import torch
import torch.nn as nn

from .. import backends, dynamics
from ..checks import check_bool, check_real, describe
from ..errors import InvalidParameterError
from ._base import BaseNode, ConfigCheck, flag_check, real_check

__all__ = ["IFNode", "LIFNode", "OTTTLIFNode", "ParametricLIFNode"]


def _run_lif_kernels(
    node: BaseNode,
    x_seq: torch.Tensor,
    multi_step: Callable,
    charge: Literal["if", "lif"],
    decay_input: bool,
    k: float | torch.Tensor,
) -> torch.Tensor:
    """Run the fused ``'if'`` / ``'lif'`` sequence ``multi_step(cfg, x_seq, v_init, k)`` of a backend."""
    sg_kind, sg_alpha = node._fused_surrogate()
    theta = node.v_threshold
    if isinstance(theta, torch.Tensor):  # a tensor threshold runs in the input's dtype, as the state does
        theta = theta.to(x_seq.dtype)
    cfg = backends.NeuronConfig(
        charge=charge,
        decay_input=decay_input,
        v_threshold=theta,
        v_reset=node.v_reset,
        detach_reset=node.detach_reset,
        surrogate=sg_kind,
        alpha=sg_alpha,
        store_v_seq=node.store_v_seq,
    )
    spike_seq, v_out = multi_step(cfg, x_seq, node._initial("v", x_seq), k)
    if node.store_v_seq:
        node.v_seq = v_out
        node.v = v_out[-1]
    else:
        node.v = v_out
    return spike_seq


class IFNode(BaseNode):
    """Integrate-and-fire neuron: ``v <- v + x``, then fire and reset.

    Shape:
        ``[N, *]`` ('s') or ``[T, N, *]`` ('m'); the output has the input shape.

    Example:
        >>> import torch
        >>> from snnlab.neuron import IFNode
        >>> IFNode(step_mode='m')(torch.tensor([[0.5], [0.5], [0.5], [1.0], [2.0]])).flatten().tolist()
        [0.0, 1.0, 0.0, 1.0, 1.0]
    """

    def neuronal_charge(self, x: torch.Tensor) -> None:
        self.v = dynamics.charge_if(self.v, x)

    neuron_kind = "if"

    def _fused_owner(self) -> type:
        return IFNode

    def _fused_tensor_threshold(self) -> bool:
        return True

    def _fused_run(self, x_seq: torch.Tensor, multi_step: Callable) -> torch.Tensor:
        return _run_lif_kernels(self, x_seq, multi_step, "if", True, 0.0)


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

    _CONFIG_CHECKS: ClassVar[dict[str, ConfigCheck]] = BaseNode._CONFIG_CHECKS | {
        "tau": real_check("tau", 1.0),
        "decay_input": flag_check("decay_input"),
    }

    def __init__(
        self,
        tau: float = 2.0,
        decay_input: bool = True,
        v_threshold: float | torch.Tensor = 1.0,
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
    def _k(self) -> float:
        return 1.0 / self.tau

    def extra_repr(self) -> str:
        return super().extra_repr() + f", tau={self.tau}"

    def neuronal_charge(self, x: torch.Tensor) -> None:
        self.v = dynamics.charge_lif(self.v, x, self._k, self.decay_input, self.v_reset)

    neuron_kind = "lif"

    def _fused_owner(self) -> type:
        return LIFNode

    def _fused_tensor_threshold(self) -> bool:
        return True

    def _fused_run(self, x_seq: torch.Tensor, multi_step: Callable) -> torch.Tensor:
        return _run_lif_kernels(self, x_seq, multi_step, "lif", self.decay_input, self._k)


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

    _CONFIG_CHECKS: ClassVar[dict[str, ConfigCheck]] = BaseNode._CONFIG_CHECKS | {
        "decay_input": flag_check("decay_input")
    }

    def __init__(
        self,
        init_tau: float = 2.0,
        decay_input: bool = True,
        v_threshold: float | torch.Tensor = 1.0,
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

    def extra_repr(self) -> str:
        with torch.no_grad():
            tau = 1.0 / self.w.sigmoid()
        return super().extra_repr() + f", tau={tau}"

    def neuronal_charge(self, x: torch.Tensor) -> None:
        self.v = dynamics.charge_lif(self.v, x, self.w.sigmoid(), self.decay_input, self.v_reset)

    neuron_kind = "plif"

    def _fused_owner(self) -> type:
        return ParametricLIFNode

    def _fused_tensor_threshold(self) -> bool:
        return True

    def _fused_run(self, x_seq: torch.Tensor, multi_step: Callable) -> torch.Tensor:
        return _run_lif_kernels(self, x_seq, multi_step, "lif", self.decay_input, self.w.sigmoid())


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
        v_threshold: float | torch.Tensor = 1.0,
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

    def supported_step_mode(self) -> tuple[str, ...]:
        return ("s",)

    @property
    def supported_backends(self) -> tuple:
        return ("torch",)

    def _set_state(self, name: str, value: torch.Tensor) -> None:
        """Create (or overwrite) the memory ``name``; ``reset()`` deletes it again."""
        self._memories[name] = value
        self._memories_rv[name] = None

    def reset(self) -> None:
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

    def neuronal_charge(self, x: torch.Tensor) -> None:
        self.v = self.v.detach()
        super().neuronal_charge(x)

    def single_step_forward(self, x: torch.Tensor) -> torch.Tensor | list[torch.Tensor]:
        """One step; returns ``[spike, trace]`` in training, ``spike`` in evaluation."""
        self.check_input(x)
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
