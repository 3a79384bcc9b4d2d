"""Argument validation: the one home of snnlab's error-message format, public for panels and extensions.

Every message reads ``"{owner}: {name} must be {expected}, got {received}"``, and bad values raise
``ValueError`` / ``TypeError`` subclasses from :mod:`snnlab.errors`. The core, the widgets and code that
extends snnlab (a new neuron, a new panel) validate their arguments with these functions.

Example:
    >>> from snnlab.checks import check_int, check_real
    >>> check_real("MyNode", "tau", 2)
    2.0
    >>> check_int("MyPanel", "T", -1, minimum=1)
    Traceback (most recent call last):
        ...
    ValueError: MyPanel: T must be an integer >= 1, got -1
"""

import math
import numbers
import operator
from typing import Any, Literal, overload

import torch

from .errors import InvalidParameterError, InvalidParameterTypeError, UnknownOptionError

__all__ = ["check_bool", "check_choice", "check_finite", "check_int", "check_real", "check_tensor", "describe"]


def describe(value: object) -> str:
    """A short, deterministic description of ``value`` for error messages."""
    if isinstance(value, torch.Tensor):
        return f"a {value.dtype} tensor of shape {list(value.shape)}"
    if isinstance(value, (str, bool, int, float)) or value is None:
        return f"{value!r} ({type(value).__name__})"
    return f"an object of type {type(value).__name__}"


@overload
def check_real(
    owner: str,
    name: str,
    value: object,
    *,
    greater_than: float | None = None,
    allow_none: Literal[False] = False,
    allow_tensor: Literal[False] = False,
) -> float: ...
@overload
def check_real(
    owner: str,
    name: str,
    value: object,
    *,
    greater_than: float | None = None,
    allow_none: Literal[True],
    allow_tensor: Literal[False] = False,
) -> float | None: ...
@overload
def check_real(
    owner: str,
    name: str,
    value: object,
    *,
    greater_than: float | None = None,
    allow_none: Literal[False] = False,
    allow_tensor: Literal[True],
) -> float | torch.Tensor: ...
@overload
def check_real(
    owner: str,
    name: str,
    value: object,
    *,
    greater_than: float | None = None,
    allow_none: bool = False,
    allow_tensor: bool = False,
) -> float | torch.Tensor | None: ...
def check_real(
    owner: str,
    name: str,
    value: Any,
    *,
    greater_than: float | None = None,
    allow_none: bool = False,
    allow_tensor: bool = False,
) -> float | torch.Tensor | None:
    """Return ``value`` as a float after checking it is a real number (ints accepted).

    NaN and infinities are refused; ``greater_than`` is a strict lower bound. With ``allow_tensor`` a
    floating-point tensor is accepted (and returned unchanged) when every element passes the same checks.
    """
    if value is None and allow_none:
        return None
    expected = "a real number" + (" or None" if allow_none else "") + (" or a tensor" if allow_tensor else "")
    if allow_tensor and isinstance(value, torch.Tensor):
        return _check_real_tensor(owner, name, value, expected, greater_than)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidParameterTypeError(f"{owner}: {name} must be {expected}, got {describe(value)}")
    value = float(value)
    if value != value:
        raise InvalidParameterError(f"{owner}: {name} must not be NaN, got {value!r}")
    if not math.isfinite(value):
        raise InvalidParameterError(f"{owner}: {name} must be finite, got {value!r}")
    if greater_than is not None and not value > greater_than:
        raise InvalidParameterError(f"{owner}: {name} must be a number > {greater_than}, got {value!r}")
    return value


def _check_real_tensor(
    owner: str, name: str, value: torch.Tensor, expected: str, greater_than: float | None
) -> torch.Tensor:
    """A tensor passed where a real number may be: floating point, finite, above ``greater_than``."""
    if not value.is_floating_point():
        raise InvalidParameterTypeError(f"{owner}: {name} must be {expected} (floating point), got {describe(value)}")
    with torch.no_grad():
        if not bool(torch.isfinite(value).all()):
            raise InvalidParameterError(
                f"{owner}: {name} must hold finite values, got {describe(value)} with NaN or inf"
            )
        if greater_than is not None and not bool((value > greater_than).all()):
            raise InvalidParameterError(
                f"{owner}: {name} must hold values > {greater_than}, got a smallest value of {float(value.min())!r}"
            )
    return value


def check_bool(owner: str, name: str, value: object) -> bool:
    """Return ``value`` after checking it is a ``bool``."""
    if not isinstance(value, bool):
        raise InvalidParameterTypeError(f"{owner}: {name} must be a bool, got {describe(value)}")
    return value


def check_choice(owner: str, name: str, value: Any, choices: Any) -> Any:
    """Return ``value`` after checking it is one of ``choices`` (raises ``UnknownOptionError``)."""
    if not isinstance(value, str) or value not in choices:
        valid = ", ".join(repr(c) for c in choices)
        raise UnknownOptionError(f"{owner}: {name} must be one of {valid}, got {describe(value)}")
    return value


def check_int(owner: str, name: str, value: Any, *, minimum: int | None = None) -> int:
    """Return ``value`` as an int (any integral index, 0-d integer tensors included)."""
    if isinstance(value, bool):
        raise TypeError(f"{owner}: {name} must be an integer, got {describe(value)}")
    try:
        result = operator.index(value)
    except TypeError:
        raise TypeError(f"{owner}: {name} must be an integer, got {describe(value)}") from None
    if minimum is not None and result < minimum:
        raise ValueError(f"{owner}: {name} must be an integer >= {minimum}, got {result}")
    return result


def check_tensor(owner: str, name: str, value: object, *, min_dim: int = 0) -> torch.Tensor:
    """Return ``value`` after checking it is a tensor with at least ``min_dim`` dimensions."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{owner}: {name} must be a torch.Tensor, got {describe(value)}")
    if value.dim() < min_dim:
        raise ValueError(f"{owner}: {name} must have at least {min_dim} dimension(s), got shape {list(value.shape)}")
    return value


def check_finite(owner: str, name: str, value: torch.Tensor) -> torch.Tensor:
    """Return the tensor ``value`` after checking it holds no NaN and no infinity."""
    if (value.is_floating_point() or value.is_complex()) and value.numel():
        with torch.no_grad():
            if not bool(torch.isfinite(value).all()):
                raise ValueError(f"{owner}: {name} must hold finite values, got NaN or infinity in {describe(value)}")
    return value
