"""Argument validation shared by the whole core (one home for every message format).

Every message reads ``"{owner}: {name} must be {expected}, got {received}"``.
"""

import numbers
import operator
from typing import Any, Literal, overload

import torch

from .errors import InvalidParameterError, InvalidParameterTypeError, UnknownOptionError

__all__ = ["check_bool", "check_choice", "check_int", "check_real", "check_tensor", "describe"]


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

    ``greater_than`` is a strict lower bound. Tensors pass unchanged when ``allow_tensor``.
    """
    if value is None and allow_none:
        return None
    if allow_tensor and isinstance(value, torch.Tensor):
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        expected = "a real number" + (" or None" if allow_none else "") + (" or a tensor" if allow_tensor else "")
        raise InvalidParameterTypeError(f"{owner}: {name} must be {expected}, got {describe(value)}")
    value = float(value)
    if value != value:
        raise InvalidParameterError(f"{owner}: {name} must not be NaN, got {value!r}")
    if greater_than is not None and not value > greater_than:
        raise InvalidParameterError(f"{owner}: {name} must be a number > {greater_than}, got {value!r}")
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
