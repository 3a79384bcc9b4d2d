"""A weight matrix, or one receptive field per output neuron, as an image (matplotlib).

Shape:
    ``weights``: ``[out, in]``.

Example:
    >>> import torch
    >>> from matplotlib.figure import Figure
    >>> im = weight_matrix(Figure().subplots(), torch.rand(3, 16), image_shape=(4, 4), vmin=0, vmax=1)
    >>> im.get_array().shape, im.get_clim()
    ((9, 9), (0.0, 1.0))
"""

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.image import AxesImage

from .. import _weights, style
from ..ticks import MAX_TICKS
from ._common import NiceLocator, attach, check_axes, held, nice_axes, remove_created

__all__ = ["weight_matrix"]


def weight_matrix(
    ax: Axes,
    weights: Any,
    *,
    image_shape: tuple[int, int] | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
    colormap: str = style.COLORMAP,
    title: str | None = None,
) -> AxesImage:
    """Draw ``weights`` as an image with a colour bar; return the image.

    Without ``image_shape`` the rows are output neurons and the columns inputs. With
    ``image_shape=(H, W)`` each output neuron's weights are an ``H x W`` tile; tiles wrap into a
    near-square grid (neuron 0 at the top left, row by row; y labels give each tile row's first
    neuron, x labels the tile column). ``vmin`` / ``vmax`` fix the colour scale (default: the data's range).

    Shape:
        ``weights``: ``[out, in]`` (``H * W == in``).

    Example:
        >>> import torch
        >>> from matplotlib.figure import Figure
        >>> im = weight_matrix(Figure().subplots(), torch.eye(3), title="W")
        >>> im.axes.get_title(), im.axes.get_ylabel()
        ('W', 'output neuron')
    """
    owner = "weight_matrix"
    check_axes(owner, ax)
    grid = _weights.weight_grid(weights, image_shape, owner)
    n = 1 if np.ndim(weights) == 1 else len(weights)  # output neurons (tiles)
    opts = {
        "image_shape": None if image_shape is None else tuple(image_shape),
        "vmin": vmin,
        "vmax": vmax,
        "cmap": colormap,
    }
    state = held(ax, "weight_matrix", opts, owner, skeleton=("image_shape", "cmap"))
    if state is not None and grid.shape == state["result"].get_array().shape:
        image = state["result"]
        image.set_data(grid)
        image.set_clim(*_weights.color_range(grid, opts["vmin"], opts["vmax"]))
        _axes_text(ax, grid, opts, title, n)
        return image
    if state is not None:
        remove_created(state)
    return _draw(ax, grid, opts, title, n)


def _axes_text(ax: Axes, grid: np.ndarray, opts: dict, title: str | None, n: int) -> None:
    """Titles and at most about a dozen ticks per axis (from the range), refreshed on every call."""
    if opts["image_shape"] is not None:
        h, w = opts["image_shape"]
        room_x, room_y = (int(a.get_tick_space()) for a in (ax.xaxis, ax.yaxis))
        ticks = _weights.tile_ticks(n, (h, w), min(MAX_TICKS - 2, room_x), min(MAX_TICKS - 2, room_y))
        ax.set_xticks(ticks.x, ticks.x_labels)
        ax.set_yticks(ticks.y, ticks.y_labels)
        ax.set_xlabel(f"tile column (receptive fields of {h} x {w}, neuron = row label + column)")
        ax.set_ylabel("first neuron of the tile row")
    else:
        nice_axes(ax)
        ax.set_xlabel("input")
        ax.set_ylabel("output neuron")
    if title is not None:
        ax.set_title(title, fontsize=10)


def _draw(ax: Axes, grid: np.ndarray, opts: dict, title: str | None, n: int) -> AxesImage:
    lo, hi = _weights.color_range(grid, opts["vmin"], opts["vmax"])
    image = ax.imshow(grid, cmap=opts["cmap"], vmin=lo, vmax=hi, interpolation="nearest", aspect="equal")
    bar = ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="weight")
    bar.locator = NiceLocator()
    bar.update_ticks()
    _axes_text(ax, grid, opts, title, n)
    attach(image, "weight_matrix", ax, opts, [image, bar])
    return image
