"""Nonlinear integrate-and-fire neurons of SpikingJelly 0.14: quadratic (QIF) and exponential (EIF).

Both leak towards ``v_rest`` and run multi-step through the generic path.
"""

from collections.abc import Callable
from typing import Any, ClassVar

import torch

from ..checks import check_real
from ..errors import InvalidParameterError
from ._base import BaseNode, ConfigCheck, real_check

__all__ = ["EIFNode", "QIFNode", "charge_eif", "charge_qif", "check_rest_and_reset"]


def charge_qif(v: torch.Tensor, x: torch.Tensor, tau: float, v_c: float, a0: float, v_rest: float) -> torch.Tensor:
    """QIF charge ``v + (x + a0 * (v - v_rest) * (v - v_c)) / tau``.

    Shape:
        ``v``, ``x``: ``[*]``; returns ``[*]``.

    Example:
        >>> import torch
        >>> charge_qif(torch.tensor([0.5]), torch.tensor([1.0]), 2.0, 0.8, 1.0, 0.0)
        tensor([0.9250])
    """
    return v + torch.addcmul(x, v - v_rest, v - v_c, value=a0) / tau


def charge_eif(
    v: torch.Tensor, x: torch.Tensor, tau: float, delta_T: float, theta_rh: float, v_rest: float
) -> torch.Tensor:
    """EIF charge ``v + (x + v_rest - v + delta_T * exp((v - theta_rh) / delta_T)) / tau``.

    Shape:
        ``v``, ``x``: ``[*]``; returns ``[*]``.

    Example:
        >>> import torch
        >>> charge_eif(torch.tensor([0.8]), torch.tensor([0.0]), 2.0, 1.0, 0.8, 0.0)
        tensor([0.9000])
    """
    drive = x - v if v_rest == 0.0 else x + v_rest - v
    return v + (drive + delta_T * torch.exp((v - theta_rh) / delta_T)) / tau


def check_rest_and_reset(owner: str, v_threshold, v_rest: float, v_reset: float | None) -> None:
    """SpikingJelly 0.14's conditions: ``v_threshold > v_reset`` and ``v_rest >= v_reset``."""
    if v_reset is None:
        return
    if isinstance(v_threshold, float) and not v_threshold > v_reset:
        raise InvalidParameterError(
            f"{owner}: v_threshold must be > v_reset, got v_threshold={v_threshold!r}, v_reset={v_reset!r}"
        )
    if not v_rest >= v_reset:
        raise InvalidParameterError(f"{owner}: v_rest must be >= v_reset, got v_rest={v_rest!r}, v_reset={v_reset!r}")


class _RestingNode(BaseNode):
    """A neuron that leaks towards ``v_rest`` under SpikingJelly 0.14's rule between ``v_threshold``,
    ``v_rest`` and ``v_reset`` (:func:`check_rest_and_reset`), checked again when any of them is
    assigned (once all three exist)."""

    def _check_config_change(self, name: str, value: Any) -> None:
        if name not in ("v_threshold", "v_rest", "v_reset"):
            return
        current = {key: self.__dict__.get(key, self._parameters.get(key)) for key in ("v_threshold", "v_rest")}
        current["v_reset"] = self.__dict__.get("v_reset", _MISSING)
        current[name] = value
        if current["v_rest"] is None or current["v_threshold"] is None or current["v_reset"] is _MISSING:
            return  # still in the constructor, which checked the rule itself
        check_rest_and_reset(type(self).__name__, current["v_threshold"], current["v_rest"], current["v_reset"])


_MISSING = object()


class QIFNode(_RestingNode):
    """Quadratic integrate-and-fire neuron: ``v <- v + (x + a0 (v - v_rest)(v - v_c)) / tau``.

    Below the critical voltage ``v_c`` the potential relaxes to ``v_rest``; above it, it runs
    away towards the threshold. ``tau > 1``, ``a0 > 0``; with a hard reset ``v_threshold >
    v_reset`` and ``v_rest >= v_reset``.

    Shape:
        ``[N, *]`` ('s') or ``[T, N, *]`` ('m'); the output has the input shape.

    Example:
        >>> import torch
        >>> node = QIFNode(step_mode='m', store_v_seq=True)
        >>> node(torch.full((3, 1), 1.0)).flatten().tolist()
        [0.0, 0.0, 1.0]
        >>> [round(v, 4) for v in node.v_seq.flatten().tolist()]
        [0.445, 0.866, -0.1]
    """

    _CONFIG_CHECKS: ClassVar[dict[str, ConfigCheck]] = BaseNode._CONFIG_CHECKS | {
        "tau": real_check("tau", 1.0),
        "v_c": real_check("v_c"),
        "a0": real_check("a0", 0.0),
        "v_rest": real_check("v_rest"),
    }

    def __init__(
        self,
        tau: float = 2.0,
        v_c: float = 0.8,
        a0: float = 1.0,
        v_threshold: float | torch.Tensor = 1.0,
        v_rest: float = 0.0,
        v_reset: float | None = -0.1,
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
        v_rest = check_real(owner, "v_rest", v_rest)
        v_threshold = check_real(owner, "v_threshold", v_threshold, allow_tensor=True)
        check_rest_and_reset(owner, v_threshold, v_rest, check_real(owner, "v_reset", v_reset, allow_none=True))
        super().__init__(v_threshold, v_reset, surrogate_function, detach_reset, step_mode, backend, store_v_seq)
        self.tau, self.v_c, self.v_rest, self.a0 = tau, v_c, v_rest, a0

    def extra_repr(self) -> str:
        return super().extra_repr() + f", tau={self.tau}, v_c={self.v_c}, a0={self.a0}, v_rest={self.v_rest}"

    def neuronal_charge(self, x: torch.Tensor) -> None:
        self.v = charge_qif(self.v, x, self.tau, self.v_c, self.a0, self.v_rest)


class EIFNode(_RestingNode):
    """Exponential integrate-and-fire neuron:
    ``v <- v + (x + v_rest - v + delta_T exp((v - theta_rh) / delta_T)) / tau``.

    ``theta_rh`` is the rheobase (where the exponential term takes over), ``delta_T > 0`` its
    sharpness. ``tau > 1``; with a hard reset ``v_threshold > v_reset`` and ``v_rest >= v_reset``.

    Shape:
        ``[N, *]`` ('s') or ``[T, N, *]`` ('m'); the output has the input shape.

    Example:
        >>> import torch
        >>> node = EIFNode(step_mode='m')
        >>> node(torch.full((3, 1), 1.0)).flatten().tolist()
        [0.0, 1.0, 0.0]
    """

    _CONFIG_CHECKS: ClassVar[dict[str, ConfigCheck]] = BaseNode._CONFIG_CHECKS | {
        "tau": real_check("tau", 1.0),
        "delta_T": real_check("delta_T", 0.0),
        "theta_rh": real_check("theta_rh"),
        "v_rest": real_check("v_rest"),
    }

    def __init__(
        self,
        tau: float = 2.0,
        delta_T: float = 1.0,
        theta_rh: float = 0.8,
        v_threshold: float | torch.Tensor = 1.0,
        v_rest: float = 0.0,
        v_reset: float | None = -0.1,
        surrogate_function: Callable | None = None,
        detach_reset: bool = False,
        step_mode: str = "s",
        backend: str = "torch",
        store_v_seq: bool = False,
    ):
        owner = type(self).__name__
        tau = check_real(owner, "tau", tau, greater_than=1.0)
        delta_T = check_real(owner, "delta_T", delta_T, greater_than=0.0)
        theta_rh = check_real(owner, "theta_rh", theta_rh)
        v_rest = check_real(owner, "v_rest", v_rest)
        v_threshold = check_real(owner, "v_threshold", v_threshold, allow_tensor=True)
        check_rest_and_reset(owner, v_threshold, v_rest, check_real(owner, "v_reset", v_reset, allow_none=True))
        super().__init__(v_threshold, v_reset, surrogate_function, detach_reset, step_mode, backend, store_v_seq)
        self.tau, self.delta_T, self.v_rest, self.theta_rh = tau, delta_T, v_rest, theta_rh

    def extra_repr(self) -> str:
        return super().extra_repr() + f", tau={self.tau}, delta_T={self.delta_T}, theta_rh={self.theta_rh}"

    def neuronal_charge(self, x: torch.Tensor) -> None:
        self.v = charge_eif(self.v, x, self.tau, self.delta_T, self.theta_rh, self.v_rest)
