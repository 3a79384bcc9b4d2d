"""The adaptive-threshold LIF neuron: the threshold jumps at each spike and decays back."""

from collections.abc import Callable
from typing import ClassVar

import torch

from .. import backends, dynamics
from ..checks import check_bool, check_real
from ._base import BaseNode, ConfigCheck, flag_check, real_check

__all__ = ["AdaptiveLIFNode"]


class AdaptiveLIFNode(BaseNode):
    """LIF neuron with an adaptive threshold ``v_threshold + a``.

    Per step, with the increment ``a`` of the previous step::

        h       = v + (x - (v - r0)) / tau          (the LIFNode charge, decay_input as there)
        theta_t = v_threshold + a
        spike   = surrogate_function(h - theta_t)
        v       = reset(h, spike)                   (hard: v_reset; soft: h - spike * theta_t)
        a       = a * (1 - 1 / tau_adapt) + beta * spike

    so each spike raises the threshold by ``beta``, and the increment decays back to 0 (the
    threshold to ``v_threshold``) with time constant ``tau_adapt``. ``detach_reset`` also cuts
    the spike out of the update of ``a``. With ``beta=0`` it is :class:`LIFNode`. The memories
    are ``v`` and ``a`` (starting at 0). Multi-step mode is fused on the 'torch' and 'triton'
    backends (:mod:`snnlab.backends.torch_alif`).

    Shape:
        ``[N, *]`` ('s') or ``[T, N, *]`` ('m'); the output has the input shape.

    Example:
        >>> import torch
        >>> node = AdaptiveLIFNode(tau=2.0, tau_adapt=2.0, beta=0.5, decay_input=False, step_mode='m')
        >>> node(torch.full((4, 1), 0.8)).flatten().tolist(), node.a.tolist()
        ([0.0, 1.0, 0.0, 0.0], [0.125])
    """

    neuron_kind = "adaptive_lif"
    _CONFIG_CHECKS: ClassVar[dict[str, ConfigCheck]] = BaseNode._CONFIG_CHECKS | {
        "tau": real_check("tau", 1.0),
        "tau_adapt": real_check("tau_adapt", 0.0),
        "beta": real_check("beta"),
        "decay_input": flag_check("decay_input"),
    }

    def __init__(
        self,
        tau: float = 2.0,
        tau_adapt: float = 20.0,
        beta: float = 0.2,
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
        tau = check_real(owner, "tau", tau, greater_than=1.0)
        tau_adapt = check_real(owner, "tau_adapt", tau_adapt, greater_than=0.0)
        beta = check_real(owner, "beta", beta)
        check_bool(owner, "decay_input", decay_input)
        super().__init__(v_threshold, v_reset, surrogate_function, detach_reset, step_mode, backend, store_v_seq)
        self.register_memory("a", 0.0)
        self.tau, self.tau_adapt, self.beta, self.decay_input = tau, tau_adapt, beta, decay_input

    def extra_repr(self) -> str:
        return super().extra_repr() + f", tau={self.tau}, tau_adapt={self.tau_adapt}, beta={self.beta}"

    def neuronal_charge(self, x: torch.Tensor) -> None:
        self.v = dynamics.charge_lif(self.v, x, 1.0 / self.tau, self.decay_input, self.v_reset)

    def neuronal_fire(self) -> torch.Tensor:
        """The spike ``surrogate_function(v - (v_threshold + a))``."""
        return dynamics.fire(self.v, self.v_threshold + self.a, self.surrogate_function)

    def neuronal_reset(self, spike: torch.Tensor) -> None:
        """Reset ``v`` against the current threshold, then decay ``a`` and add ``beta`` per spike."""
        spike_d = spike.detach() if self.detach_reset else spike
        self.v = dynamics.reset(self.v, spike_d, self.v_threshold + self.a, self.v_reset)
        self.a = dynamics.decay_adaptation(self.a, spike_d, self.tau_adapt, self.beta)

    def _step(self, x: torch.Tensor) -> torch.Tensor:
        self.v_float_to_tensor(x)
        self._memory_to_tensor("a", x)
        self.neuronal_charge(x)
        return self.fire_and_reset()

    def _fused_owner(self) -> type:
        return AdaptiveLIFNode

    def _fused_run(self, x_seq: torch.Tensor, multi_step: Callable) -> torch.Tensor:
        sg_kind, sg_alpha = self._fused_surrogate()
        cfg = backends.AdaptiveLIFConfig(
            1.0 / self.tau, self.tau_adapt, self.beta, self.decay_input, float(self.v_threshold), self.v_reset,
            self.detach_reset, sg_kind, sg_alpha, self.store_v_seq,
        )  # fmt: skip
        spike_seq, v_out, self.a = multi_step(cfg, x_seq, self._initial("v", x_seq), self._initial("a", x_seq))
        if self.store_v_seq:
            self.v_seq, self.v = v_out, v_out[-1]
        else:
            self.v = v_out
        return spike_seq
