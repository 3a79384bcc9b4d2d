"""Helpers shared by the matplotlib figures: the empty-figure message and the update bookkeeping.

Every figure function returns its artist (or a tuple of artists) carrying a ``_snnlab`` dict: the
figure kind, the axes, the drawing options and every artist it created. The ``update_*`` twin
reads it to update in place, or removes what was created and draws again when the data no longer
fits the artists (another shape, the other raster path, input that became empty).

Shape:
    not applicable (bookkeeping).

Example:
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> show_message(ax, "no data").get_text()
    'no data'
"""

import contextlib

from matplotlib.axes import Axes

from ...checks import describe
from .._series import check_real_pair
from ..data import check_marker_max

__all__ = ["attach", "check_axes", "check_marker_max", "check_real_pair", "remove_created", "show_message", "state_of"]

MESSAGE_GID = "snnlab-message"


def check_axes(owner, ax, name="ax"):
    """Return ``ax`` after checking it is a matplotlib Axes."""
    if not isinstance(ax, Axes):
        raise TypeError(f"{owner}: {name} must be a matplotlib Axes, got {describe(ax)}")
    return ax


def show_message(ax, text):
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


def attach(artist, kind, ax, options, created):
    """Store the update state on ``artist`` (or on each artist of a tuple) and return it."""
    state = {"kind": kind, "ax": ax, "options": options, "created": created}
    for a in artist if type(artist) is tuple else (artist,):
        a._snnlab = state
    return artist


def state_of(artist, kind, owner):
    """The state stored by :func:`attach`; ``TypeError`` if ``artist`` was not made by ``kind``."""
    state = getattr(artist, "_snnlab", None)
    if state is None and type(artist) in (tuple, list) and artist:
        state = getattr(artist[0], "_snnlab", None)
    if state is None or state["kind"] != kind:
        raise TypeError(
            f"{owner}: artist must be the value returned by {kind}() (or a previous {owner}()), got {describe(artist)}"
        )
    return state


def remove_created(state):
    """Remove every artist (and inset axes) the figure function created."""
    for a in state["created"]:
        with contextlib.suppress(ValueError, NotImplementedError, AttributeError):
            a.remove()
    state["created"] = []
