"""A weight matrix, or one receptive field per output neuron, as a heatmap (plotly).

Shape:
    ``weights``: ``[out, in]``.

Example:
    >>> import torch
    >>> fig = weight_matrix(torch.rand(3, 16), image_shape=(4, 4), vmin=0, vmax=1)
    >>> fig.data[0].z.shape, (fig.data[0].zmin, fig.data[0].zmax)
    ((9, 9), (0.0, 1.0))
"""

from typing import Any

import numpy as np
import plotly.graph_objects as go

from .. import _weights, style
from ..ticks import MAX_TICKS, nice_ticks
from ._common import check_figure, grid_for, new_figure, tag_roles

__all__ = ["weight_matrix"]


def weight_matrix(
    weights: Any,
    *,
    image_shape: tuple[int, int] | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
    colormap: str = style.COLORMAP,
    title: str | None = None,
    fig: Any = None,
) -> Any:
    """``weights`` as a heatmap with a colour bar; ``fig=`` refills a figure made by this function in place.

    Without ``image_shape`` the rows are output neurons and the columns inputs. With
    ``image_shape=(H, W)`` each output neuron's weights are an ``H x W`` tile; tiles wrap into a
    near-square grid (neuron 0 at the top left, row by row; y labels give each tile row's first
    neuron, x labels the tile column). ``vmin`` / ``vmax`` fix the colour scale (default: the data's range). For a live
    figure wrap the result in ``go.FigureWidget`` and pass the widget back as ``fig=``.

    Shape:
        ``weights``: ``[out, in]`` (``H * W == in``).

    Example:
        >>> import torch
        >>> fig = weight_matrix(torch.eye(3), title="W")
        >>> fig = weight_matrix(torch.ones(3, 3), title="W after", fig=fig)
        >>> fig.layout.title.text, fig.data[0].z.tolist()[0]
        ('W after', [1.0, 1.0, 1.0])
    """
    owner = "weight_matrix"
    grid = _weights.weight_grid(weights, image_shape, owner)
    options = {"image_shape": None if image_shape is None else list(image_shape), "colorscale": colormap}
    if fig is None:
        fig = new_figure("weight_matrix", options)
        fig.add_trace(
            go.Heatmap(
                z=np.zeros((0, 0), dtype=np.float32),
                colorscale=colormap,
                colorbar=dict(title=dict(text="weight", side="right"), thickness=14),
                hovertemplate="row %{y}, column %{x}: %{z:.3f}<extra></extra>",
            )
        )
        tiles = image_shape is not None
        h, w = image_shape if tiles else (0, 0)
        fig.update_layout(
            xaxis=dict(
                title=f"tile column (receptive fields of {h} x {w}, neuron = row label + column)" if tiles else "input",
                autorange=False,
                constrain="domain",
            ),
            yaxis=dict(
                title="first neuron of the tile row" if tiles else "output neuron",
                autorange=False,
                scaleanchor="x",
                constrain="domain",
            ),
            height=320,
        )
    else:
        check_figure(owner, fig, "weight_matrix", options)
    lo, hi = _weights.color_range(grid, vmin, vmax)
    tag_roles(fig)
    with fig.batch_update():
        fig.data[0].update(z=grid_for(fig, grid), zmin=lo, zmax=hi)
        fig.layout.xaxis.range = [-0.5, max(grid.shape[1], 1) - 0.5]
        fig.layout.yaxis.range = [max(grid.shape[0], 1) - 0.5, -0.5]
        if image_shape is not None:
            n = 1 if np.ndim(weights) == 1 else len(weights)
            ticks = _weights.tile_ticks(n, tuple(image_shape), MAX_TICKS - 2, MAX_TICKS - 2)
            fig.layout.xaxis.update(tickmode="array", tickvals=ticks.x, ticktext=ticks.x_labels)
            fig.layout.yaxis.update(tickmode="array", tickvals=ticks.y, ticktext=ticks.y_labels)
        else:
            xt = nice_ticks(0, max(grid.shape[1] - 1, 0), MAX_TICKS - 2, integer=True)
            yt = nice_ticks(0, max(grid.shape[0] - 1, 0), MAX_TICKS - 2, integer=True)
            fig.layout.xaxis.update(tickmode="array", tickvals=xt, ticktext=[str(v) for v in xt])
            fig.layout.yaxis.update(tickmode="array", tickvals=yt, ticktext=[str(v) for v in yt])
        if title is not None:
            fig.layout.title.text = title
    return fig
