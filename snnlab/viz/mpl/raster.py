"""Spike raster (time x neuron) on a matplotlib Axes: markers for small data, an image for big data.

Shape:
    ``spikes``: ``[T, N]``, or ``{name: [T, n_i]}`` / a list of ``[T, n_i]`` stacked by layer.

Example:
    >>> import torch
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> art = raster(ax, torch.eye(4))
    >>> type(art).__name__, art.get_offsets().tolist()
    ('PathCollection', [[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
"""

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.image import AxesImage
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter, MaxNLocator, ScalarFormatter
from mpl_toolkits.axes_grid1 import make_axes_locatable

from ...checks import check_int
from .. import data, style
from ._common import NiceLocator, attach, check_axes, check_marker_max, held, remove_created, show_message, state_of

__all__ = ["raster"]

RATE_SIZE = 0.14  # width of the rate column, a fraction of the raster's width
RATE_PAD = 0.08  # gap between raster and rate column, inches


def raster(
    ax: Axes,
    spikes: Any,
    *,
    rate_margin: bool = False,
    layer_names: Sequence[str] | None = None,
    marker_max: int = data.MARKER_MAX,
    color: str = style.SPIKE,
    max_rows: int | None = None,
    max_cols: int | None = None,
) -> PathCollection | AxesImage | Text:
    """Draw a spike raster on ``ax`` (time on x, neuron on y) and return its artist.

    With at most ``marker_max`` spikes each spike is a ``'|'`` marker (a ``PathCollection``);
    with more, the raster is an image (``AxesImage``), binned to at most ``max_cols`` time bins x
    ``max_rows`` neuron bins (a bin's shade = the fraction of its cells that spiked). By default
    the limits are the axes' size in pixels (at most ``IMAGE_MAX_COLS`` x ``IMAGE_MAX_ROWS``), so
    every spike counts in the picture (no nearest-neighbour sampling dropping rows) and drawing
    stays cheap; pass larger limits for a sharper image when zooming or saving at a higher dpi. ``rate_margin=True`` adds a firing-rate column (spikes per step) at the right.
    Layers (a dict or list) are stacked bottom-up with dashed separators and named ticks. Empty
    input shows "no data"; a raster without spikes shows "no spikes".

    Shape:
        ``spikes``: ``[T, N]`` (or layers ``[T, n_i]``).

    Example:
        >>> import torch
        >>> from matplotlib.figure import Figure
        >>> ax = Figure().subplots()
        >>> img = raster(ax, torch.rand(300, 200) < 0.5, rate_margin=True, max_rows=200, max_cols=300)
        >>> type(img).__name__, img.get_array().shape
        ('AxesImage', (200, 300))
    """
    owner = "raster"
    check_axes(owner, ax)
    if not isinstance(rate_margin, bool):
        raise TypeError(f"{owner}: rate_margin must be a bool, got {rate_margin!r}")
    options: dict = dict(rate_margin=rate_margin, marker_max=check_marker_max(owner, marker_max), color=color)
    if max_rows is not None:
        options["max_rows"] = check_int(owner, "max_rows", max_rows, minimum=1)
    if max_cols is not None:
        options["max_cols"] = check_int(owner, "max_cols", max_cols, minimum=1)
    stack = data.stack_layers(spikes, layer_names, owner)
    state = held(ax, "raster", options, owner, skeleton=("rate_margin",))
    if state is not None:
        return _update(state, stack)
    rows_px, cols_px = _pixel_limits(ax, rate_margin)
    options.setdefault("max_rows", rows_px)
    options.setdefault("max_cols", cols_px)
    return _draw(ax, stack, options)


def _update(state: dict, stack: data.LayerStack):
    """Same shape and path: replace the image / marker data and the rate column in place; else draw again."""
    opts, parts, artist = state["options"], state["parts"], state["result"]
    matrix = stack.matrix
    n_spikes = int(matrix.sum())
    path = data.raster_path(n_spikes, opts["marker_max"]) if matrix.size else "empty"
    same = (
        path == parts["path"]
        and matrix.shape == parts["shape"]
        and stack.names == parts["names"]
        and stack.offsets == parts["offsets"]
    )
    if not same:
        remove_created(state)
        return _draw(state["ax"], stack, opts)
    if path == "image":
        img = data.raster_image(matrix, opts["max_rows"], opts["max_cols"])
        artist.set_data(img.values)
        artist.set_clim(0.0, _vmax(img))
    elif path == "marker":
        t, n = np.nonzero(matrix)
        artist.set_offsets(np.column_stack([t, n]).astype(np.float64))
        _set_message(state, "no spikes" if n_spikes == 0 else None)
    if parts["rate_line"] is not None:
        _set_rates(parts["rate_line"], matrix)
    return artist


def _pixel_limits(ax, rate_margin):
    """``(rows, cols)``: the axes' height and width in pixels (less the rate column), capped by ``_data``."""
    box = ax.get_window_extent()
    width = box.width
    if rate_margin and getattr(ax, "_snnlab_rate_axes", None) is None:
        width = (width - RATE_PAD * ax.figure.dpi) / (1.0 + RATE_SIZE)
    rows = int(min(max(np.ceil(box.height), 16), data.IMAGE_MAX_ROWS))
    cols = int(min(max(np.ceil(width), 16), data.IMAGE_MAX_COLS))
    return rows, cols


def _vmax(img):
    """Full scale: 1 for unbinned spikes, the busiest bin for binned images (so sparse bins show)."""
    if img.t_factor == 1 and img.n_factor == 1:
        return 1.0
    return max(float(img.values.max()), 1e-6)


def _set_message(state, text):
    parts = state["parts"]
    if parts["message"] is not None:
        parts["message"].remove()
        state["created"].remove(parts["message"])
        parts["message"] = None
    if text is not None:
        parts["message"] = show_message(state["ax"], text)
        state["created"].append(parts["message"])


def _set_rates(line, matrix):
    rates = data.firing_rates(matrix)
    line.set_data(rates, np.arange(rates.size))
    line.axes.set_xlim(0.0, data.rate_axis_max(rates))


def _rate_axes(ax):
    """The firing-rate column right of ``ax``: made once (it takes its room from ``ax``), then reused."""
    rax = getattr(ax, "_snnlab_rate_axes", None)
    if rax is None:
        rax = make_axes_locatable(ax).append_axes("right", size=f"{100 * RATE_SIZE:g}%", pad=RATE_PAD, sharey=ax)
        rax.tick_params(labelleft=False, labelsize=7)
        # two labels, "0" and a round value such as "0.015": the column is narrow (three labels of "0.00",
        # "0.01", "0.02" ran together in a panel's preview)
        rax.xaxis.set_major_locator(MaxNLocator(1))
        rax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        rax.set_xlabel("rate", fontsize=8)
        ax._snnlab_rate_axes = rax
    return rax


def _draw(ax, stack, opts):
    matrix = stack.matrix
    t_steps, n_neurons = matrix.shape
    created = []
    parts: dict[str, Any] = dict(
        path="empty", shape=matrix.shape, names=stack.names, offsets=stack.offsets, message=None, rate_line=None
    )
    if matrix.size == 0:
        artist = show_message(ax, "no data")
        attach(artist, "raster", ax, opts, [artist])
        state_of(artist)["parts"] = parts
        parts["message"] = artist
        return artist
    ax.set_xlim(-0.5, t_steps - 0.5)
    ax.set_ylim(-0.5, n_neurons - 0.5)
    ax.set_ylabel("neuron (0 at the bottom)")
    ax.xaxis.set_major_locator(NiceLocator(integer=True))
    if not stack.names:
        ax.yaxis.set_major_locator(NiceLocator(integer=True))
        ax.yaxis.set_major_formatter(ScalarFormatter())
    n_spikes = int(matrix.sum())
    parts["path"] = data.raster_path(n_spikes, opts["marker_max"])
    if parts["path"] == "image":
        img = data.raster_image(matrix, opts["max_rows"], opts["max_cols"])
        cmap = LinearSegmentedColormap.from_list("snnlab_raster", ["white", opts["color"]])
        artist = ax.imshow(
            img.values,
            aspect="auto",
            interpolation="nearest",
            origin="lower",
            extent=img.extent,
            cmap=cmap,
            vmin=0.0,
            vmax=_vmax(img),
        )
        ax.set_xlim(-0.5, t_steps - 0.5)
        ax.set_ylim(-0.5, n_neurons - 0.5)
        ax.set_xlabel("time step" + (f" (bins of {img.t_factor})" if img.t_factor > 1 else ""))
        if img.n_factor > 1:
            ax.set_ylabel(f"neuron (bins of {img.n_factor}; 0 at the bottom)")
    else:
        t, n = np.nonzero(matrix)
        size = float(np.clip(4000.0 / n_neurons, 6.0, 80.0))
        artist = ax.scatter(t, n, marker="|", s=size, c=opts["color"], linewidths=1.0)
        ax.set_xlabel("time step")
    created.append(artist)
    for start in stack.offsets[1:]:
        created.append(ax.axhline(start - 0.5, color=style.MARK, lw=0.8, ls="--"))
    if stack.names:
        ends = list(stack.offsets[1:]) + [n_neurons]
        ax.set_yticks([(s + e - 1) / 2 for s, e in zip(stack.offsets, ends)], list(stack.names))
    if opts["rate_margin"]:
        rax = _rate_axes(ax)
        (parts["rate_line"],) = rax.plot([], [], drawstyle="steps-mid", color=style.RATE, lw=1.0)
        _set_rates(parts["rate_line"], matrix)
        created.append(parts["rate_line"])
    attach(artist, "raster", ax, opts, created)
    state_of(artist)["parts"] = parts
    if parts["path"] == "marker" and n_spikes == 0:
        _set_message(state_of(artist), "no spikes")
    return artist
