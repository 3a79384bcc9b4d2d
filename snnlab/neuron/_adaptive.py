"""Neurons with an adaptation current ``w`` (SpikingJelly 0.14's ``AdaptBaseNode``) and the
Izhikevich neuron built on it.

One step: charge ``v`` (the charge may read ``w``), update ``w`` towards ``a (v - v_rest)``
with time constant ``tau_w``, fire, reset ``v`` and add ``b`` to ``w`` where a spike fired::

    w = w + (a (v - v_rest) - w) / tau_w        # after the charge, before the spike
    w = w + b * spike                           # with the reset (the spike keeps its gradient)
"""

from collections.abc import Callable
from typing import Any, ClassVar

import torch

from ..checks import check_real
from ._base import BaseNode, ConfigCheck, real_check
from ._nonlinear import charge_qif

__all__ = ["AdaptBaseNode", "IzhikevichNode"]


class AdaptBaseNode(BaseNode):
    """Base class of neurons with an adaptation current ``w`` (a memory, starting at ``w_rest``).

    ``a`` couples ``w`` to the subthreshold potential, ``b`` is the jump of ``w`` per spike,
    ``tau_w`` its time constant. Subclasses define ``neuronal_charge`` (which may read
    ``self.w``).

    Shape:
        ``[N, *]`` ('s') or ``[T, N, *]`` ('m'); the output has the input shape.

    Example:
        >>> import torch
        >>> from snnlab.neuron import IzhikevichNode
        >>> node = IzhikevichNode(b=0.5, step_mode='m')
        >>> node(torch.full((4, 1), 1.5)).flatten().tolist(), node.w.flatten().tolist()
        ([0.0, 1.0, 0.0, 0.0], [0.125])
    """

    _CONFIG_CHECKS: ClassVar[dict[str, ConfigCheck]] = BaseNode._CONFIG_CHECKS | {
        "w_rest": real_check("w_rest"),
        "v_rest": real_check("v_rest"),
        "tau_w": real_check("tau_w", 0.0),
        "a": real_check("a"),
        "b": real_check("b"),
    }

    def __init__(
        self,
        v_threshold: float | torch.Tensor = 1.0,
        v_reset: float | None = 0.0,
        v_rest: float = 0.0,
        w_rest: float = 0.0,
        tau_w: float = 2.0,
        a: float = 0.0,
        b: float = 0.0,
        surrogate_function: Callable | None = None,
        detach_reset: bool = False,
        step_mode: str = "s",
        backend: str = "torch",
        store_v_seq: bool = False,
    ):
        owner = type(self).__name__
        w_rest = check_real(owner, "w_rest", w_rest)
        v_rest = check_real(owner, "v_rest", v_rest)
        tau_w = check_real(owner, "tau_w", tau_w, greater_than=0.0)
        a = check_real(owner, "a", a)
        b = check_real(owner, "b", b)
        super().__init__(v_threshold, v_reset, surrogate_function, detach_reset, step_mode, backend, store_v_seq)
        self.register_memory("w", w_rest)
        self.w_rest, self.v_rest, self.tau_w, self.a, self.b = w_rest, v_rest, tau_w, a, b

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        if name == "w_rest" and "w" in self.__dict__.get("_memories_rv", {}):
            self.set_reset_value("w", self.w_rest)  # reset() starts w at the new w_rest

    def extra_repr(self) -> str:
        return (
            super().extra_repr()
            + f", v_rest={self.v_rest}, w_rest={self.w_rest}, tau_w={self.tau_w}, a={self.a}, b={self.b}"
        )

    def w_float_to_tensor(self, x: torch.Tensor) -> None:
        """Turn a float ``w`` (after ``reset()``) into a tensor like ``x``."""
        self._memory_to_tensor("w", x)

    def neuronal_adaptation(self) -> None:
        """Move ``w`` towards ``a (v - v_rest)``: ``w + (1 / tau_w) (a (v - v_rest) - w)``."""
        self.w = self.w + 1.0 / self.tau_w * (self.a * (self.v - self.v_rest) - self.w)

    def neuronal_reset(self, spike: torch.Tensor) -> None:
        """Reset ``v`` as :class:`BaseNode` does, then ``w <- w + b * spike``."""
        super().neuronal_reset(spike)
        self._jump(spike)

    def _jump(self, spike: torch.Tensor) -> None:
        if self.b != 0.0:  # w + 0 * spike is w
            self.w = self.w + self.b * spike

    def _plain_fire_reset(self) -> bool:
        cls = type(self)
        return cls.neuronal_fire is BaseNode.neuronal_fire and cls.neuronal_reset is AdaptBaseNode.neuronal_reset

    def fire_and_reset(self) -> torch.Tensor:
        if self._can_fuse_fire_reset():
            spike = BaseNode.fire_and_reset(self)  # fire, then reset v only
            self._jump(spike)
            return spike
        spike = self.neuronal_fire()
        self.neuronal_reset(spike)
        return spike

    def _step(self, x: torch.Tensor) -> torch.Tensor:
        self.v_float_to_tensor(x)
        self.w_float_to_tensor(x)
        self.neuronal_charge(x)
        self.neuronal_adaptation()
        return self.fire_and_reset()


class IzhikevichNode(AdaptBaseNode):
    """Izhikevich neuron in SpikingJelly 0.14's form: the QIF charge minus the adaptation current,
    ``v <- v + (x + a0 (v - v_rest)(v - v_c) - w) / tau``, then the adaptation of
    :class:`AdaptBaseNode`. ``tau > 1``, ``a0 > 0``.

    Shape:
        ``[N, *]`` ('s') or ``[T, N, *]`` ('m'); the output has the input shape.

    Example:
        >>> import torch
        >>> node = IzhikevichNode(a=0.5, b=0.2, step_mode='m')
        >>> node(torch.full((4, 1), 1.5)).flatten().tolist()
        [0.0, 1.0, 0.0, 0.0]
    """

    _CONFIG_CHECKS: ClassVar[dict[str, ConfigCheck]] = AdaptBaseNode._CONFIG_CHECKS | {
        "tau": real_check("tau", 1.0),
        "v_c": real_check("v_c"),
        "a0": real_check("a0", 0.0),
    }

    def __init__(
        self,
        tau: float = 2.0,
        v_c: float = 0.8,
        a0: float = 1.0,
        v_threshold: float | torch.Tensor = 1.0,
        v_reset: float | None = 0.0,
        v_rest: float = -0.1,
        w_rest: float = 0.0,
        tau_w: float = 2.0,
        a: float = 0.0,
        b: float = 0.0,
        surrogate_function: Callable | None = None,
        detach_reset: bool = False,
        step_mode: str = "s",
        backend: str = "torch",
        store_v_seq: bool = False,
    ):
        owner = type(self).__name__
        tau = check_real(owner, "tau", tau, greater_than=1.0)
        v_c = check_real(owner, "v_c", v_c)
        a0 = check_real(owner, "a0", a0, greater_than=0.0)
        super().__init__(
            v_threshold, v_reset, v_rest, w_rest, tau_w, a, b, surrogate_function, detach_reset, step_mode, backend,
            store_v_seq,
        )  # fmt: skip
        self.tau, self.v_c, self.a0 = tau, v_c, a0

    def extra_repr(self) -> str:
        return super().extra_repr() + f", tau={self.tau}, v_c={self.v_c}, a0={self.a0}"

    def neuronal_charge(self, x: torch.Tensor) -> None:
        self.v = charge_qif(self.v, x - self.w, self.tau, self.v_c, self.a0, self.v_rest)
