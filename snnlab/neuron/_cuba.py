"""The current-based LIF neuron (NIR's ``CubaLIF``): a synaptic current drives a LIF membrane."""

from collections.abc import Callable
from typing import ClassVar

import torch

from .. import backends, dynamics
from ..checks import check_bool, check_real
from ._base import BaseNode, ConfigCheck, flag_check, real_check

__all__ = ["CubaLIFNode"]


class CubaLIFNode(BaseNode):
    """Current-based LIF: the input charges a synaptic current ``i``, the current charges ``v``.

    Per step, with ``r0 = v_reset`` (hard reset) or 0 (soft reset)::

        decay_input=True:   i = i + (x - i) / tau_syn     h = v + (i - (v - r0)) / tau_mem
        decay_input=False:  i = i - i / tau_syn + x       h = v - (v - r0) / tau_mem + i

    then ``spike = surrogate_function(h - v_threshold)`` and ``v`` resets as in :class:`LIFNode`.
    This is NIR's ``CubaLIF`` discretised with Euler steps of one time unit (the taus in steps),
    ``v_leak = r0``, and ``r = w_in = 1`` (``decay_input=True``) or ``r = tau_mem``, ``w_in =
    tau_syn`` (``decay_input=False``). The memories are ``i`` (starting at 0) and ``v``.
    Multi-step mode is fused on the 'torch' and 'triton' backends (:mod:`snnlab.backends.torch_cuba`).

    Shape:
        ``[N, *]`` ('s') or ``[T, N, *]`` ('m'); the output has the input shape.

    Example:
        >>> import torch
        >>> node = CubaLIFNode(tau_syn=2.0, tau_mem=2.0, step_mode='m', store_v_seq=True)
        >>> node(torch.full((4, 1), 2.0)).flatten().tolist()
        [0.0, 1.0, 0.0, 1.0]
        >>> node.i.tolist(), node.v_seq.flatten().tolist()
        ([1.875], [0.5, 0.0, 0.875, 0.0])
    """

    neuron_kind = "cuba_lif"
    _CONFIG_CHECKS: ClassVar[dict[str, ConfigCheck]] = BaseNode._CONFIG_CHECKS | {
        "tau_syn": real_check("tau_syn", 0.0),
        "tau_mem": real_check("tau_mem", 0.0),
        "decay_input": flag_check("decay_input"),
    }

    def __init__(
        self,
        tau_syn: float = 2.0,
        tau_mem: float = 2.0,
        decay_input: bool = True,
        v_threshold: float | torch.Tensor = 1.0,
        v_reset: float | None = 0.0,
        surrogate_function: Callable | None = None,
        detach_reset: bool = False,
        step_mode: str = "s",
        backend: str = "torch",
        store_v_seq: bool = False,
    ):
        owner = type(self).__name__
        tau_syn = check_real(owner, "tau_syn", tau_syn, greater_than=0.0)
        tau_mem = check_real(owner, "tau_mem", tau_mem, greater_than=0.0)
        check_bool(owner, "decay_input", decay_input)
        super().__init__(v_threshold, v_reset, surrogate_function, detach_reset, step_mode, backend, store_v_seq)
        self.register_memory("i", 0.0)
        self.tau_syn, self.tau_mem, self.decay_input = tau_syn, tau_mem, decay_input

    def extra_repr(self) -> str:
        return super().extra_repr() + f", tau_syn={self.tau_syn}, tau_mem={self.tau_mem}"

    def neuronal_charge(self, x: torch.Tensor) -> None:
        self.i = dynamics.cuba_current(self.i, x, self.tau_syn, self.decay_input)
        self.v = dynamics.cuba_membrane(self.v, self.i, self.tau_mem, self.decay_input, self.v_reset)

    def _step(self, x: torch.Tensor) -> torch.Tensor:
        self.v_float_to_tensor(x)
        self._memory_to_tensor("i", x)
        self.neuronal_charge(x)
        return self.fire_and_reset()

    def _fused_owner(self) -> type:
        return CubaLIFNode

    def _fused_run(self, x_seq: torch.Tensor, multi_step: Callable) -> torch.Tensor:
        sg_kind, sg_alpha = self._fused_surrogate()
        cfg = backends.CubaLIFConfig(
            self.tau_syn, self.tau_mem, self.decay_input, float(self.v_threshold), self.v_reset,
            self.detach_reset, sg_kind, sg_alpha, self.store_v_seq,
        )  # fmt: skip
        spike_seq, self.i, v_out = multi_step(cfg, x_seq, self._initial("i", x_seq), self._initial("v", x_seq))
        if self.store_v_seq:
            self.v_seq, self.v = v_out, v_out[-1]
        else:
            self.v = v_out
        return spike_seq
