"""Range checks for panel arguments and controls: out-of-range values are refused, never clamped.

ipywidgets' bounded controls clamp a value outside ``[min, max]`` in silence (``FloatSlider(value=-1,
min=1.1)`` holds 1.1). Panels check their constructor arguments with :func:`check_number` before
they build a control, so a bad argument is a ``ValueError`` naming it; :func:`refuse_out_of_range`
makes a built control keep its value when a new one is out of range and report it (the panel shows
the report in its status line).

Shape:
    not applicable (argument checks).

Example:
    >>> check_number("Demo", "tau", 2, 1.1, 20.0)
    2.0
    >>> check_number("Demo", "tau", 25.0, 1.1, 20.0)
    Traceback (most recent call last):
    ...
    ValueError: Demo: tau must be a number in [1.1, 20], got 25.0
"""

import math
import numbers
from collections.abc import Callable
from typing import Any, Literal, cast, overload

__all__ = ["SEED_MAX", "check_number", "check_seed", "control_bounds", "refuse_out_of_range"]

#: the largest seed a torch.Generator takes
SEED_MAX = 2**63 - 1


def _describe(value: object) -> str:
    return repr(value) if isinstance(value, (int, float, str, bool)) or value is None else type(value).__name__


@overload
def check_number(
    owner: str, name: str, value: object, low: float | None = None, high: float | None = None, *, integer: Literal[True]
) -> int: ...
@overload
def check_number(
    owner: str,
    name: str,
    value: object,
    low: float | None = None,
    high: float | None = None,
    *,
    integer: Literal[False] = False,
) -> float: ...
def check_number(
    owner: str, name: str, value: object, low: float | None = None, high: float | None = None, *, integer: bool = False
) -> float:
    """``value`` as a float (or an int with ``integer``) after checking it is finite and in ``[low, high]``.

    ``None`` for a bound leaves that side open. Raises ``TypeError`` for a non-number and
    ``ValueError`` naming ``name``, the range and the value otherwise.

    Example:
        >>> check_number("Demo", "T", 100, 1, None, integer=True)
        100
    """
    kind = "an integer" if integer else "a number"
    if integer:
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(f"{owner}: {name} must be {kind}, got {_describe(value)}")
        number: float = int(value)
    else:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"{owner}: {name} must be {kind}, got {_describe(value)}")
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"{owner}: {name} must be a finite number, got {number!r}")
    if (low is not None and number < low) or (high is not None and number > high):
        if high is None:
            where = f">= {low:g}"
        elif low is None:
            where = f"<= {high:g}"
        else:
            where = f"in [{low:g}, {high:g}]"
        raise ValueError(f"{owner}: {name} must be {kind} {where}, got {number!r}")
    return number


def check_seed(owner: str, value: object, name: str = "seed") -> int:
    """``value`` after checking it is an integer seed a ``torch.Generator`` takes (``0 <= seed < 2**63``).

    Example:
        >>> check_seed("Demo", 2**80)
        Traceback (most recent call last):
        ...
        ValueError: Demo: seed must be an integer in [0, 9.22337e+18], got 1208925819614629174706176
    """
    return check_number(owner, name, value, 0, SEED_MAX, integer=True)


def control_bounds(control: Any) -> tuple[float, float]:
    """``(low, high)`` of the values a bounded control holds (``base ** min`` etc. for a log slider)."""
    low, high = control.min, control.max
    base = getattr(control, "base", None)
    if base is not None:  # FloatLogSlider: min and max are exponents
        low, high = base**low, base**high
    return low, high


def refuse_out_of_range(control: Any, report: Callable[[Any, Any, Any], object]) -> None:
    """Make ``control`` keep its value when given one outside ``[min, max]``; call ``report(control, value, kept)``.

    Values inside the range pass to the control's own validation unchanged. Range sliders check
    both ends. Controls without ``min``/``max`` are left as they are.

    Example:
        >>> import ipywidgets as W
        >>> seen = []
        >>> slider = W.FloatSlider(value=2.0, min=1.0, max=3.0)
        >>> refuse_out_of_range(slider, lambda control, value, kept: seen.append((value, kept)))
        >>> slider.value = 5.0
        >>> slider.value, seen
        (2.0, [(5.0, 2.0)])
    """
    if not (hasattr(control, "min") and hasattr(control, "max") and hasattr(control, "value")):
        return
    validators = control._trait_validators  # the instance's traitlets validators (ipywidgets' clamp)
    clamp = validators.get("value")
    if getattr(clamp, "snnlab_refusing", False):
        return

    # the last accepted value: a browser change is applied before it is validated (under a hold)
    accepted = [control.value]

    def refuse(obj: Any, proposal: dict[str, Any]) -> Any:
        value = proposal["value"]
        low, high = control_bounds(obj)
        values = value if isinstance(value, tuple) else (value,)
        # a Real compares with floats (typeshed's numbers.Real does not say so)
        if any(isinstance(v, numbers.Real) and not low <= cast(float, v) <= high for v in values):
            report(obj, value, accepted[0])
            return accepted[0]
        value = clamp(obj, proposal) if clamp is not None else value
        accepted[0] = value
        return value

    refuse.snnlab_refusing = True  # pyright: ignore[reportFunctionMemberAccess]  (a marker on the validator)
    validators["value"] = refuse
