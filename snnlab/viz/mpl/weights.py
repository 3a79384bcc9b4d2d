"""A weight matrix, or one receptive field per output neuron, as an image (matplotlib).

Shape:
    ``weights``: ``[out, in]``.

Example:
    >>> import torch
    >>> from matplotlib.figure import Figure
    >>> im = weight_matrix(Figure().subplots(), torch.rand(3, 16), image_shape=(4, 4), vmin=0, vmax=1)
    >>> im.get_array().shape, im.get_clim()
    ((4, 14), (0.0, 1.0))
"""

import numpy as np
from matplotlib.axes import Axes

from .. import _weights, style
from ..ticks import MAX_TICKS, nice_ticks
from ._common import NiceLocator, attach, check_axes, held, nice_axes, remove_created

__all__ = ["weight_matrix"]


def weight_matrix(ax, weights, *, image_shape=None, vmin=None, vmax=None, colormap=style.COLORMAP, title=None):
    """Draw ``weights`` as an image with a colour bar; return the image.

    Without ``image_shape`` the rows are output neurons and the columns inputs. With
    ``image_shape=(H, W)`` each output neuron's weights are an ``H x W`` tile, tiles side by side
    (neuron 0 left). ``vmin`` / ``vmax`` fix the colour scale (default: the data's range).

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
        _axes_text(ax, grid, opts, title)
        return image
    if state is not None:
        remove_created(state)
    return _draw(ax, grid, opts, title)


def _axes_text(ax: Axes, grid: np.ndarray, opts: dict, title: str | None) -> None:
    """Titles and at most about a dozen ticks per axis (from the range), refreshed on every call."""
    cols = grid.shape[1]
    tiles = opts["image_shape"] is not None
    if tiles:
        h, w = opts["image_shape"]
        n = (cols + 1) // (w + 1)
        centres = [i * (w + 1) + (w - 1) / 2 for i in range(n)]
        room = int(ax.xaxis.get_tick_space())
        picked = nice_ticks(0, max(n - 1, 0), max(2, min(MAX_TICKS - 2, room)), integer=True) if room >= 2 else [0]
        ax.set_xticks([centres[i] for i in picked], [str(i) for i in picked])
        ax.set_xlabel(f"output neuron (one {h} x {w} receptive field each)")
        ax.set_ylabel("pixel row")
        ax.yaxis.set_major_locator(NiceLocator(integer=True))
    else:
        nice_axes(ax)
        ax.set_xlabel("input")
        ax.set_ylabel("output neuron")
    if title is not None:
        ax.set_title(title, fontsize=10)


def _draw(ax, grid, opts, title):
    lo, hi = _weights.color_range(grid, opts["vmin"], opts["vmax"])
    image = ax.imshow(grid, cmap=opts["cmap"], vmin=lo, vmax=hi, interpolation="nearest", aspect="equal")
    bar = ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="weight")
    bar.locator = NiceLocator()
    bar.update_ticks()
    _axes_text(ax, grid, opts, title)
    attach(image, "weight_matrix", ax, opts, [image, bar])
    return image
