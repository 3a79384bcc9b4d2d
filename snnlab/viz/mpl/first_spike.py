"""First-spike map (matplotlib): colour = first-spike time, never-fired neurons grey and crossed.

Shape:
    ``times``: ``[N]`` (laid out ``ceil(sqrt(N))`` wide) or ``[H, W]`` (a feature map); negative = never fired.

Example:
    >>> import torch
    >>> from matplotlib.figure import Figure
    >>> im = first_spike_map(Figure().subplots(), torch.tensor([[0, 3], [-1, 5]]))
    >>> im.get_array().filled(-1).tolist()
    [[0.0, 3.0], [-1.0, 5.0]]
"""

from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.image import AxesImage
from matplotlib.text import Text

from ...checks import check_real
from .. import _series, style
from ..data import MARKER_MAX
from ._common import NiceLocator, attach, check_axes, held, remove_created, show_message, state_of

__all__ = ["first_spike_map"]

NEVER_COLOR = style.NEVER


def first_spike_map(
    ax: Axes,
    times: Any,
    *,
    t_max: float | None = None,
    colormap: str = style.COLORMAP,
    marker_max: int = MARKER_MAX // 2,
) -> AxesImage | Text:
    """Draw first-spike times as an image on ``ax``; return the ``AxesImage``.

    Cells are coloured by first-spike time (0 .. ``t_max``, default the latest time present);
    never-fired neurons (negative times) are grey and, when there are at most ``marker_max``
    cells, crossed with a red 'x'. A ``[N]`` vector is laid out row by row (neuron ``i`` at row
    ``i // w``, column ``i % w``, row 0 at the bottom as in the raster; an ``[H, W]`` map reads as an
    image, row 0 at the top); padding cells stay blank. The title counts never-fired neurons;
    a colour bar (made once per axes) gives the time scale. Empty input shows "no data".

    Shape:
        ``times``: ``[N]`` or ``[H, W]``.

    Example:
        >>> import torch
        >>> from matplotlib.figure import Figure
        >>> ax = Figure().subplots()
        >>> im = first_spike_map(ax, torch.tensor([4, -1, 0, 2, -1]))
        >>> im.get_array().shape, ax.get_title()
        ((2, 3), 'first spike: 2 of 5 never fired')
    """
    owner = "first_spike_map"
    check_axes(owner, ax)
    grid = _series.first_spike_grid(times, owner)
    t_top = None if t_max is None else check_real(owner, "t_max", t_max)
    state = held(ax, "first_spike_map", {"cmap": colormap, "marker_max": int(marker_max)}, owner)
    if state is not None and state["parts"].get("shape") == grid.times.shape and grid.times.size:
        opts = state["options"] = dict(state["options"], t_max=t_top)
        artist = state["result"]
        artist.set_data(_masked(grid))
        artist.set_clim(0.0, _t_max(grid, opts))
        _finish(ax, grid, state, opts)
        return artist
    if state is not None:
        remove_created(state)
    opts = dict(t_max=t_top, cmap=colormap, marker_max=int(marker_max))
    return _draw(ax, grid, opts)


def _t_max(grid, opts):
    if opts["t_max"] is not None:
        return max(opts["t_max"], 1e-9)
    fired = grid.times[np.isfinite(grid.times)]
    return max(float(fired.max()), 1.0) if fired.size else 1.0


def _masked(grid):
    data = np.where(grid.never, -1.0, grid.times)
    return np.ma.masked_array(data, mask=grid.pad)


def _finish(ax, grid, state, opts):
    parts = state["parts"]
    if parts.get("crosses") is not None:
        parts["crosses"].remove()
        state["created"].remove(parts["crosses"])
        parts["crosses"] = None
    rows, cols = np.nonzero(grid.never)
    if rows.size and grid.times.size <= opts["marker_max"]:
        parts["crosses"] = ax.scatter(
            cols, rows, marker="x", c=style.MARK, s=float(np.clip(900 / grid.times.shape[1], 8, 60)), linewidths=1.0
        )
        state["created"].append(parts["crosses"])
    n = int((~grid.pad).sum())
    ax.set_title(f"first spike: {int(grid.never.sum())} of {n} never fired", fontsize=10)


def _draw(ax, grid, opts):
    if grid.times.size == 0:
        text = show_message(ax, "no data")
        attach(text, "first_spike_map", ax, opts, [text])
        return text
    cm = colormaps[opts["cmap"]].with_extremes(under=NEVER_COLOR, bad=(1, 1, 1, 0))
    im = ax.imshow(
        _masked(grid),
        cmap=cm,
        vmin=0.0,
        vmax=_t_max(grid, opts),
        interpolation="nearest",
        origin="lower" if grid.flat else "upper",  # neurons: 0 at the bottom, as in the raster
        aspect="equal" if max(grid.times.shape) <= 400 else "auto",
    )
    for axis in (ax.xaxis, ax.yaxis):  # cells sit at whole numbers; at most MAX_TICKS labels per axis
        axis.set_major_locator(NiceLocator(integer=True))
    width = grid.times.shape[1]
    if grid.flat:
        ax.set_xlabel(f"column ({width} neurons per row)")
        ax.set_ylabel("row (neuron 0 at bottom left)")
    else:
        ax.set_xlabel("x")
        ax.set_ylabel("y (row 0 at the top, as an image)")
    cbar = getattr(ax, "_snnlab_colorbar", None)
    if cbar is None:
        cbar = ax.figure.colorbar(im, ax=ax, extend="min", fraction=0.046, pad=0.04)
        cbar.set_label("first-spike time step (grey: never)")
        cbar.locator = NiceLocator(integer=True)
        cbar.update_ticks()
        ax._snnlab_colorbar = cbar
    else:
        cbar.update_normal(im)
    attach(im, "first_spike_map", ax, opts, [im])
    state_of(im)["parts"] = {"shape": grid.times.shape, "crosses": None}
    _finish(ax, grid, state_of(im), opts)
    return im
