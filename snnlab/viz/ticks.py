"""Tick positions chosen from an axis range: steps of 1, 2 or 5 times a power of ten, a dozen at most.

Both figure twins (``viz.mpl`` and ``viz.plotly``) and the canvas raster place their ticks with
this rule, so no axis or colour bar carries more labels than fit, whatever the data size.

Shape:
    scalars in, a list of floats (or ints) out.

Example:
    >>> nice_ticks(0, 999)
    [0, 100, 200, 300, 400, 500, 600, 700, 800, 900]
    >>> nice_ticks(20, 49, integer=True)
    [20, 25, 30, 35, 40, 45]
"""

import math

__all__ = ["MAX_TICKS", "nice_step", "nice_ticks"]

#: the most tick labels an axis or colour bar gets
MAX_TICKS = 12


def nice_step(lo: float, hi: float, most: int = 10, *, integer: bool = False) -> float:
    """The smallest step of 1, 2 or 5 x 10^k that puts at most ``most`` ticks on ``[lo, hi]``.

    Example:
        >>> nice_step(0, 500), nice_step(0, 1.0), nice_step(0, 3, integer=True)
        (100, 0.2, 1)
    """
    if isinstance(most, bool) or not isinstance(most, int) or most < 2:
        raise ValueError(f"nice_step: most must be an int >= 2, got {most!r}")
    span = float(hi) - float(lo)
    if not math.isfinite(span):
        raise ValueError(f"nice_step: lo and hi must be finite numbers, got lo={lo!r}, hi={hi!r}")
    if span <= 0:
        return 1
    raw = span / most
    power = 10.0 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        step = m * power
        # the count of multiples of step inside [lo, hi]
        if math.floor(hi / step + 1e-9) - math.ceil(lo / step - 1e-9) + 1 <= most:
            break
    if integer:
        step = max(1, round(step))
    return int(step) if float(step).is_integer() else float(f"{step:.12g}")


def nice_ticks(lo: float, hi: float, most: int = 10, *, integer: bool = False) -> list:
    """Tick values on ``[lo, hi]`` spaced by :func:`nice_step` (at most ``most`` of them).

    Example:
        >>> nice_ticks(0, 0.55, 4)
        [0, 0.2, 0.4]
        >>> nice_ticks(3, 3)
        [3]
    """
    step = nice_step(lo, hi, most, integer=integer)
    if float(hi) <= float(lo):
        return [lo]
    first = math.ceil(lo / step - 1e-9)
    last = math.floor(hi / step + 1e-9)
    values = [k * step for k in range(first, last + 1)]
    return [int(v) if float(v).is_integer() else float(f"{v:.12g}") for v in values]
