"""Helpers shared by the matplotlib figures: the empty-figure message and the build-or-update lifecycle.

Every figure function builds its artists on the axes the first time and, called again on the same
axes, updates those artists in place (the plotly form does the same with ``fig=``). The axes keep
one state dict (``ax._snnlab_figure``): the figure kind, the axes, the drawing options, every
artist the figure created and the value it returned. :func:`held` finds that state; when the data
no longer fit the artists (another shape, the other raster path, input that became empty) the
figure removes what it created and draws again on the same axes. Options that fix the skeleton
(the keys the plotly form keeps in ``fig.layout.meta``) cannot change on the same target: a
``ValueError`` says to use new axes, as the plotly form says to make a new figure.

Shape:
    not applicable (bookkeeping).

Example:
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> show_message(ax, "no data").get_text()
    'no data'
    >>> held(ax, "raster", {}, "raster") is None  # nothing drawn yet: build
    True
"""

import contextlib
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.container import Container
from matplotlib.text import Text
from matplotlib.ticker import Locator

from ...checks import describe
from .._series import check_real_pair
from ..data import check_marker_max
from ..ticks import MAX_TICKS, nice_ticks

__all__ = [
    "NiceLocator",
    "attach",
    "check_axes",
    "check_marker_max",
    "check_real_pair",
    "held",
    "nice_axes",
    "remove_created",
    "show_message",
    "state_of",
]

MESSAGE_GID = "snnlab-message"


def check_axes(owner: str, ax: Any, name: str = "ax") -> Axes:
    """Return ``ax`` after checking it is a matplotlib Axes."""
    if not isinstance(ax, Axes):
        raise TypeError(f"{owner}: {name} must be a matplotlib Axes, got {describe(ax)}")
    return ax


def show_message(ax: Axes, text: str) -> Text:
    """Write ``text`` centred on ``ax`` (the empty-figure message) and return the Text artist."""
    return ax.text(
        0.5,
        0.5,
        text,
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=13,
        color="0.35",
        gid=MESSAGE_GID,
        bbox=dict(boxstyle="round,pad=0.4", facecolor="0.96", edgecolor="0.75"),
    )


def _axes_of(ax: Any) -> tuple:
    return tuple(ax) if isinstance(ax, (tuple, list)) else (ax,)


def attach(result: Any, kind: str, ax: Any, options: dict, created: list) -> Any:
    """Store the figure's state on its axes (``ax`` or a tuple of axes) and return ``result``."""
    state = {"kind": kind, "ax": ax, "options": options, "created": created, "result": result, "parts": {}}
    for a in _axes_of(ax):
        a._snnlab_figure = state
    for a in result if type(result) is tuple else (result,):
        a._snnlab = state
    return result


def state_of(result: Any) -> dict:
    """The state :func:`attach` stored for ``result`` (an artist or a tuple of artists)."""
    first = result[0] if type(result) is tuple else result
    return first._snnlab


def _on_axes(artist: Any, axes: Iterable) -> bool:
    if isinstance(artist, Container):
        return all(_on_axes(a, axes) for a in artist)
    if not isinstance(artist, Artist):
        return True  # colour bars and other helpers: their axes are checked through the main artists
    return any(artist in a.get_children() for a in axes)


def held(ax: Any, kind: str, options: Mapping, owner: str, skeleton: Iterable = ()) -> dict | None:
    """The state of the ``kind`` figure ``ax`` holds, or None when the figure must be built.

    None when ``ax`` holds no such figure (never drawn, cleared, or another figure). When one of
    ``options`` differs from the held figure's, what it created is removed and None is returned
    (drawn again with the new options), except for ``skeleton`` keys: those raise ``ValueError``.
    """
    axes = _axes_of(ax)
    state = getattr(axes[0], "_snnlab_figure", None)
    if state is None or state["kind"] != kind or _axes_of(state["ax"]) != axes:
        return None
    result = state["result"]
    if not all(_on_axes(a, axes) for a in (result if type(result) is tuple else (result,))):
        return None  # the axes were cleared or the artists removed: build again
    for key in skeleton:
        if state["options"].get(key) != options.get(key):
            raise ValueError(
                f"{owner}: the axes hold a figure made with {key}={state['options'].get(key)!r}, got "
                f"{key}={options.get(key)!r}; draw on new axes to change it"
            )
    if any(state["options"].get(key) != value for key, value in options.items()):
        remove_created(state)
        return None
    return state


def remove_created(state: dict) -> None:
    """Remove every artist (and inset axes) the figure function created."""
    for a in state["created"]:
        with contextlib.suppress(ValueError, NotImplementedError, AttributeError):
            a.remove()
    state["created"] = []
    for a in _axes_of(state["ax"]):
        if getattr(a, "_snnlab_figure", None) is state:
            del a._snnlab_figure


class NiceLocator(Locator):
    """Ticks of ``snnlab.viz.ticks.nice_ticks`` on the visible range, as many as the axis has room for.

    The count is the smaller of ``MAX_TICKS - 2`` and the room the axis has for labels at its font
    size (``axis.get_tick_space()``), so labels never crowd, whatever the data or the figure size.
    ``integer=True`` keeps ticks on whole numbers (time steps, neuron indices, cells).

    Example:
        >>> from matplotlib.figure import Figure
        >>> ax = Figure(figsize=(2, 2)).subplots()
        >>> _ = ax.set_xlim(0, 999); ax.xaxis.set_major_locator(NiceLocator(integer=True))
        >>> len(ax.xaxis.get_major_locator()()) <= 4
        True
    """

    def __init__(self, integer: bool = False) -> None:
        self.integer = integer

    def __call__(self) -> list:
        axis = self.axis
        if axis is None:
            return []
        lo, hi = sorted(axis.get_view_interval())
        return self.tick_values(lo, hi)

    def tick_values(self, vmin: float, vmax: float) -> list:
        lo, hi = sorted((float(vmin), float(vmax)))
        room = self.axis.get_tick_space() if self.axis is not None else MAX_TICKS
        most = max(2, min(MAX_TICKS - 2, int(room)))
        if self.integer:
            lo, hi = float(np.ceil(lo)), float(np.floor(hi))
        return nice_ticks(lo, hi, most, integer=self.integer) if hi >= lo else []


def nice_axes(ax: Axes, *, integer: bool = True) -> None:
    """Put :class:`NiceLocator` on both axes of ``ax``."""
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(NiceLocator(integer=integer))
