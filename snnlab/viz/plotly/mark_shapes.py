"""Marks (spike ticks, crosses) drawn as one SVG path: a layout shape beside the trace that is their legend entry.

plotly draws each gap-separated piece of a line trace as an SVG element of its own, and styles each one:
666 spike marks of a 2000-step membrane figure were 666 ``<path>`` elements, and the figure drew in 79 ms
warm, 33 ms with the marks as one path (``benchmarks/plotly_draw.py``). Here the marks are one
``type="path"`` layout shape in data coordinates (one element, whatever their number), named after the
role of a trace. That trace holds no data (a single NaN point): it is the marks' legend entry, and it
shares its legend group with the shape, so a click on the entry hides or shows both. Find the shape with
:func:`marks`. Two kinds of marks: vertical segments (:func:`mark_path`, spikes over time) and crosses
(:func:`cross_path`, cells of a map; 747 cross markers made a first-spike map draw in 99 ms warm, 60 ms
as one path).

Shape:
    ``xs``: ``[K]``; ``y0``, ``y1`` (:func:`mark_path`): scalars or ``[K]``; ``ys`` (:func:`cross_path`): ``[K]``.

Example:
    >>> import plotly.graph_objects as go
    >>> fig = go.Figure(go.Scatter(name="spike", meta="spike", line=dict(color="red", width=2)))
    >>> add_marks(fig, "spike")                                 # once, with the skeleton
    >>> set_marks(fig, "spike", mark_path([3, 7], 1.0, 1.2))    # at each refill
    >>> marks(fig, "spike").path, marks(fig, "spike").line.color, fig.data[0].legendgroup
    ('M3,1V1.2M7,1V1.2', 'red', 'spike')
"""

import re
from typing import Any

import numpy as np

from ...checks import describe
from ._common import f32, trace

__all__ = ["add_marks", "cross_path", "cross_positions", "mark_path", "mark_positions", "marks", "set_marks"]

_SEGMENT = re.compile(r"M([^,MV]+),([^,MV]+)V([^,MV]+)")
_CROSS = re.compile(r"M([^,ML]+),([^,ML]+)L([^,ML]+),([^,ML]+)M[^,ML]+,[^,ML]+L[^,ML]+,[^,ML]+")


def mark_path(xs: Any, y0: Any, y1: Any) -> str:
    """An SVG path in data coordinates: one vertical segment at each ``x`` from ``y0`` to ``y1`` ("" for none).

    ``x`` is written with 10 significant digits (time steps exactly), ``y0`` and ``y1`` with 7.

    Shape:
        ``xs``: ``[K]``; ``y0``, ``y1``: scalars or ``[K]``.

    Example:
        >>> mark_path([0, 2.5], 0.0, [1, 2])
        'M0,0V1M2.5,0V2'
        >>> mark_path([], 0, 1)
        ''
    """
    xs = np.asarray(xs, dtype=np.float64)
    if xs.ndim != 1:
        raise ValueError(f"mark_path: xs must be 1-D, got shape {list(xs.shape)}")
    try:
        lo, hi = (np.broadcast_to(np.asarray(y, dtype=np.float64), xs.shape) for y in (y0, y1))
    except ValueError:
        raise ValueError(
            f"mark_path: y0 and y1 must be scalars or have the length of xs ({xs.size}), got shapes "
            f"{list(np.shape(y0))} and {list(np.shape(y1))}"
        ) from None
    if not (np.isfinite(xs).all() and np.isfinite(lo).all() and np.isfinite(hi).all()):
        raise ValueError("mark_path: xs, y0 and y1 must be finite")
    return "".join(f"M{x:.10g},{a:.7g}V{b:.7g}" for x, a, b in zip(xs.tolist(), lo.tolist(), hi.tolist()))


def cross_path(xs: Any, ys: Any, half: float = 0.3) -> str:
    """An SVG path in data coordinates: a cross (an x) of half-width ``half`` centred on each ``(x, y)``.

    Coordinates are written with 10 significant digits; "" for no crosses.

    Shape:
        ``xs``, ``ys``: ``[K]``.

    Example:
        >>> cross_path([2], [1], half=0.5)
        'M1.5,0.5L2.5,1.5M1.5,1.5L2.5,0.5'
        >>> cross_path([], [])
        ''
    """
    xs, ys = np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)
    if xs.ndim != 1 or xs.shape != ys.shape:
        raise ValueError(
            f"cross_path: xs and ys must be 1-D of one length, got shapes {list(xs.shape)} and {list(ys.shape)}"
        )
    if not isinstance(half, (int, float)) or isinstance(half, bool) or not 0 < half < float("inf"):
        raise ValueError(f"cross_path: half must be a positive finite number, got {half!r}")
    if not (np.isfinite(xs).all() and np.isfinite(ys).all()):
        raise ValueError("cross_path: xs and ys must be finite")
    h = float(half)
    return "".join(
        f"M{x - h:.10g},{y - h:.10g}L{x + h:.10g},{y + h:.10g}M{x - h:.10g},{y + h:.10g}L{x + h:.10g},{y - h:.10g}"
        for x, y in zip(xs.tolist(), ys.tolist())
    )


def cross_positions(fig: Any, role: str) -> tuple[np.ndarray, np.ndarray]:
    """The centres ``(xs, ys)`` of the crosses of ``role``, read back from their path (empty when none).

    Example:
        >>> import plotly.graph_objects as go
        >>> fig = go.Figure(go.Scatter(name="never", meta="never"))
        >>> add_marks(fig, "never")
        >>> set_marks(fig, "never", cross_path([1, 4], [0, 2]))
        >>> [a.tolist() for a in cross_positions(fig, "never")]
        [[1.0, 4.0], [0.0, 2.0]]
    """
    found = np.array(_CROSS.findall(marks(fig, role).path or ""), dtype=np.float64).reshape(-1, 4)
    return (found[:, 0] + found[:, 2]) / 2, (found[:, 1] + found[:, 3]) / 2


def mark_positions(fig: Any, role: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where the marks of ``role`` are: ``(xs, y0, y1)`` read back from their path (empty when there are none).

    Example:
        >>> import plotly.graph_objects as go
        >>> fig = go.Figure(go.Scatter(name="spike", meta="spike"))
        >>> add_marks(fig, "spike")
        >>> set_marks(fig, "spike", mark_path([2, 5], 1.0, 1.5))
        >>> [a.tolist() for a in mark_positions(fig, "spike")]
        [[2.0, 5.0], [1.0, 1.0], [1.5, 1.5]]
    """
    found = _SEGMENT.findall(marks(fig, role).path or "")
    values = np.array(found, dtype=np.float64).reshape(-1, 3)
    return values[:, 0], values[:, 1], values[:, 2]


def marks(fig: Any, role: str) -> Any:
    """The layout shape that holds the marks of the trace with role ``role`` (made by :func:`add_marks`).

    Example:
        >>> import plotly.graph_objects as go
        >>> fig = go.Figure(go.Scatter(name="spike", meta="spike"))
        >>> add_marks(fig, "spike")
        >>> marks(fig, "spike").type
        'path'
    """
    index = _index(fig, role)
    if index is None:
        names = [s.name for s in fig.layout.shapes]
        raise KeyError(f"marks: the figure has no marks named {role!r}; its shapes are named {names}")
    return fig.layout.shapes[index]


def add_marks(fig: Any, role: str) -> None:
    """Give the trace with role ``role`` its marks: a hidden layout shape with its line; call when building.

    The shape is named ``role`` and shares the legend group ``role`` with the trace, so a click on the
    trace's legend entry hides or shows both. The trace's data becomes one NaN point: while it stands
    for the marks it draws nothing but has a legend entry (a trace with no data has none). Made once
    with the figure's skeleton, the shape is then only changed in place (:func:`set_marks`), which
    works inside ``fig.batch_update()``.

    Example:
        >>> import plotly.graph_objects as go
        >>> fig = go.Figure(go.Scatter(name="spike", meta="spike", line=dict(color="red", dash="dot")))
        >>> add_marks(fig, "spike")
        >>> shape = marks(fig, "spike")
        >>> shape.visible, shape.line.color, shape.line.dash, fig.data[0].legendgroup, fig.data[0].x.size
        (False, 'red', 'dot', 'spike', 1)
    """
    owner = trace(fig, role)
    if _index(fig, role) is not None:
        raise ValueError(f"add_marks: the figure already has marks named {role!r}")
    owner.update(x=f32([np.nan]), y=f32([np.nan]), legendgroup=role)
    line = owner.line
    fig.add_shape(
        type="path",
        path="",
        visible=False,
        name=role,
        legendgroup=role,
        showlegend=False,
        xref=owner.xaxis or "x",
        yref=owner.yaxis or "y",
        line=dict(color=line.color, width=line.width, dash=line.dash),
    )


def set_marks(fig: Any, role: str, path: str | None) -> None:
    """Draw ``path`` (from :func:`mark_path` or :func:`cross_path`) as the marks of ``role``; None or "" hides them.

    Only the shape's path and visibility change (in place, so this works inside ``fig.batch_update()``).
    Marks stay greyed out when the user has clicked their legend entry away (the trace is "legendonly").
    Pass None for a hidden trace.

    Example:
        >>> import plotly.graph_objects as go
        >>> fig = go.Figure(go.Scatter(name="spike", meta="spike"))
        >>> add_marks(fig, "spike")
        >>> set_marks(fig, "spike", mark_path([1], 0, 1))
        >>> marks(fig, "spike").visible
        True
        >>> set_marks(fig, "spike", None)
        >>> marks(fig, "spike").visible, marks(fig, "spike").path
        (False, '')
    """
    if path is not None and not isinstance(path, str):
        raise TypeError(f"set_marks: path must be a str or None, got {describe(path)}")
    shape = marks(fig, role)
    shown = "legendonly" if trace(fig, role).visible == "legendonly" else True
    shape.update(path=path or "", visible=shown if path else False)


def _index(fig: Any, role: str) -> int | None:
    for k, shape in enumerate(fig.layout.shapes):
        if shape.name == role:
            return k
    return None
