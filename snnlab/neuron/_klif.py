"""LIF variants of SpikingJelly 0.14 that change what the neuron outputs or how it charges:
the leaky integrate-and-analog-fire neuron (LIAF) and the k-based LIF (KLIF)."""

from collections.abc import Callable
from typing import Any, ClassVar

import torch
import torch.nn as nn

from .. import dynamics
from ..checks import check_bool, check_real, describe
from ..errors import InvalidParameterTypeError
from ._base import BaseNode, ConfigCheck, callable_check, flag_check, real_check
from ._lif import LIFNode

__all__ = ["KLIFNode", "LIAFNode"]


class LIAFNode(LIFNode):
    """LIF neuron that outputs an analog value: ``act(v - v_threshold)`` (``threshold_related``)
    or ``act(v)``, read after the charge and before the reset; it still fires and resets like
    :class:`LIFNode` (whose arguments follow ``act`` and ``threshold_related``). Torch backend only.

    Shape:
        ``[N, *]`` ('s') or ``[T, N, *]`` ('m'); the output has the input shape.

    Example:
        >>> import torch
        >>> node = LIAFNode(torch.nn.ReLU(), False, step_mode='m')
        >>> node(torch.full((3, 1), 1.2)).flatten().tolist()
        [0.6000000238418579, 0.9000000357627869, 1.0500000715255737]
    """

    _CONFIG_CHECKS: ClassVar[dict[str, ConfigCheck]] = LIFNode._CONFIG_CHECKS | {
        "act": callable_check("act"),
        "threshold_related": flag_check("threshold_related"),
    }

    def __init__(self, act: Callable, threshold_related: bool, *args: Any, **kwargs: Any):
        owner = type(self).__name__
        if not callable(act):
            raise InvalidParameterTypeError(f"{owner}: act must be callable, got {describe(act)}")
        check_bool(owner, "threshold_related", threshold_related)
        super().__init__(*args, **kwargs)
        self.act = act
        self.threshold_related = threshold_related

    @property
    def supported_backends(self) -> tuple:
        return ("torch",)

    def _step(self, x: torch.Tensor) -> torch.Tensor:
        self.v_float_to_tensor(x)
        self.neuronal_charge(x)
        theta = self.v_threshold
        if isinstance(theta, torch.Tensor):
            theta = theta.to(self.v.dtype)  # the output keeps the input's dtype
        y = self.act(self.v - theta) if self.threshold_related else self.act(self.v)
        self.fire_and_reset()
        return y


class KLIFNode(BaseNode):
    """K-based LIF neuron: the LIF charge (dividing by ``tau``), then ``v <- relu(k * v)`` with a
    learnable scalar ``k`` (a parameter, starting at 1). ``scale_reset=True`` resets in the
    unscaled domain: soft ``(v - s * v_threshold) / k``, hard ``(1 - s) * v / k + s * v_reset``.

    Shape:
        ``[N, *]`` ('s') or ``[T, N, *]`` ('m'); the output has the input shape.

    Example:
        >>> import torch
        >>> node = KLIFNode(step_mode='m')
        >>> node(torch.full((4, 1), 1.5)).sum().backward()
        >>> node.k.grad is not None
        True
    """

    _CONFIG_CHECKS: ClassVar[dict[str, ConfigCheck]] = BaseNode._CONFIG_CHECKS | {
        "scale_reset": flag_check("scale_reset"),
        "tau": real_check("tau", 1.0),
        "decay_input": flag_check("decay_input"),
    }

    def __init__(
        self,
        scale_reset: bool = False,
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
        owner = type(self).__name__
        check_bool(owner, "scale_reset", scale_reset)
        tau = check_real(owner, "tau", tau, greater_than=1.0)
        check_bool(owner, "decay_input", decay_input)
        super().__init__(v_threshold, v_reset, surrogate_function, detach_reset, step_mode, backend, store_v_seq)
        self.scale_reset, self.tau, self.decay_input = scale_reset, tau, decay_input
        self.k = nn.Parameter(torch.as_tensor(1.0))

    def extra_repr(self) -> str:
        return super().extra_repr() + f", tau={self.tau}, scale_reset={self.scale_reset}"

    def neuronal_charge(self, x: torch.Tensor) -> None:
        v, r0 = self.v, dynamics.reset_zero_point(self.v_reset)
        h = v + (x - (v - r0)) / self.tau if self.decay_input else v - (v - r0) / self.tau + x
        self.v = torch.relu(self.k * h)

    def neuronal_reset(self, spike: torch.Tensor) -> None:
        if not self.scale_reset:
            super().neuronal_reset(spike)
            return
        spike_d = spike.detach() if self.detach_reset else spike
        if self.v_reset is None:
            self.v = dynamics.reset_soft(self.v, spike_d, self.v_threshold) / self.k
        else:
            self.v = dynamics.reset_hard(self.v / self.k, spike_d, self.v_reset)

    def _plain_fire_reset(self) -> bool:
        cls = type(self)
        return (
            not self.scale_reset
            and cls.neuronal_fire is BaseNode.neuronal_fire
            and cls.neuronal_reset is KLIFNode.neuronal_reset
        )
