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

from .. import _weights
from ._common import attach, check_axes, remove_created, state_of

__all__ = ["update_weight_matrix", "weight_matrix"]


def weight_matrix(ax, weights, *, image_shape=None, vmin=None, vmax=None, colormap="viridis", title=None):
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
    opts = {"image_shape": image_shape, "vmin": vmin, "vmax": vmax, "cmap": colormap}
    return _draw(ax, grid, opts, title)


def update_weight_matrix(image, weights, *, title=None):
    """Show new ``weights`` in the image of :func:`weight_matrix` (in place); returns the image to keep.

    Shape:
        ``weights``: ``[out, in]``, the shape the figure was made with (another shape redraws).

    Example:
        >>> import torch
        >>> from matplotlib.figure import Figure
        >>> im = weight_matrix(Figure().subplots(), torch.zeros(2, 4), vmin=0, vmax=1)
        >>> im2 = update_weight_matrix(im, torch.ones(2, 4), title="step 1")
        >>> im2 is im, im.get_array().tolist()[0], im.axes.get_title()
        (True, [1.0, 1.0, 1.0, 1.0], 'step 1')
    """
    owner = "update_weight_matrix"
    state = state_of(image, "weight_matrix", owner)
    opts = state["options"]
    grid = _weights.weight_grid(weights, opts["image_shape"], owner)
    if grid.shape != image.get_array().shape:
        remove_created(state)
        return _draw(state["ax"], grid, opts, title)
    image.set_data(grid)
    image.set_clim(*_weights.color_range(grid, opts["vmin"], opts["vmax"]))
    if title is not None:
        image.axes.set_title(title, fontsize=10)
    return image


def _draw(ax, grid, opts, title):
    lo, hi = _weights.color_range(grid, opts["vmin"], opts["vmax"])
    image = ax.imshow(grid, cmap=opts["cmap"], vmin=lo, vmax=hi, interpolation="nearest", aspect="equal")
    bar = ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="weight")
    tiles = opts["image_shape"] is not None
    ax.set_xlabel("pixel column (one tile per output neuron)" if tiles else "input")
    ax.set_ylabel("pixel row" if tiles else "output neuron")
    if title is not None:
        ax.set_title(title, fontsize=10)
    attach(image, "weight_matrix", ax, opts, [image, bar])
    return image
