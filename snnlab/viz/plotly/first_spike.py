"""First-spike map (plotly): colour = first-spike time, never-fired neurons grey and crossed out.

Shape:
    ``times``: ``[N]`` (laid out ``ceil(sqrt(N))`` wide) or ``[H, W]``; negative = never fired.

Example:
    >>> import torch
    >>> fig = first_spike_map(torch.tensor([[0, 3], [-1, 5]]))
    >>> [t.name for t in fig.data]
    ['first spike', 'never fired', 'never fired (x)']
"""

from typing import Any

import numpy as np
import plotly.graph_objects as go

from .. import _series, style
from ..data import MARKER_MAX
from ..ticks import MAX_TICKS, nice_ticks
from ._common import check_figure, grid_for, new_figure, set_message, tag_roles
from .mark_shapes import add_marks, cross_path, set_marks

__all__ = ["first_spike_map"]

NEVER_COLOR = style.NEVER


def first_spike_map(
    times: Any,
    *,
    t_max: float | None = None,
    colormap: str = style.COLORMAP,
    marker_max: int = MARKER_MAX // 2,
    fig: Any = None,
) -> Any:
    """A first-spike map figure; ``fig=`` refills one made by this function.

    Trace 0 is a heatmap of first-spike times (0 .. ``t_max``, default the latest time present;
    hover gives neuron and time); trace 1 paints never-fired neurons grey (its values are their
    indices, named on hover); when there are at most ``marker_max`` cells, a red cross over each
    of them, drawn as one path (:func:`~snnlab.viz.plotly.marks` of trace 2's role "never fired (x)";
    read them with :func:`~snnlab.viz.plotly.cross_positions`). A ``[N]`` vector is laid
    out row by row (neuron ``i`` at row ``i // w``, column ``i % w``, row 0 at the bottom as in the
    raster; an ``[H, W]`` map reads as an image, row 0 at the top). The title counts the
    never-fired neurons. Empty input shows "no data".

    Shape:
        ``times``: ``[N]`` or ``[H, W]``.

    Example:
        >>> import torch
        >>> from snnlab.viz.plotly import cross_positions
        >>> fig = first_spike_map(torch.tensor([4, -1, 0, 2, -1]))
        >>> fig.data[0].z.shape, fig.layout.title.text
        ((2, 3), 'first spike: 2 of 5 never fired')
        >>> [a.tolist() for a in cross_positions(fig, "never fired (x)")]  # (column, row) of neurons 1 and 4
        [[1.0, 1.0], [0.0, 1.0]]
    """
    owner = "first_spike_map"
    grid = _series.first_spike_grid(times, owner)
    if fig is None:
        fig = new_figure("first_spike_map", {})
        fig.add_trace(
            go.Heatmap(
                z=np.zeros((0, 0), dtype=np.float32),
                colorscale=colormap,
                zmin=0,
                zmax=1,
                name="first spike",
                colorbar=dict(title=dict(text="first-spike step", side="right")),
                hovertemplate="neuron %{customdata}<br>first spike t=%{z}<extra></extra>",
            )
        )
        fig.add_trace(
            go.Heatmap(
                z=np.zeros((0, 0), dtype=np.float32),
                colorscale=[[0, NEVER_COLOR], [1, NEVER_COLOR]],
                showscale=False,
                name="never fired",
                hovertemplate="neuron %{z}<br>never fired<extra></extra>",
            )
        )
        fig.add_trace(  # the crosses' owner: they are one path (747 cross markers were 747 SVG elements)
            go.Scatter(
                mode="lines",
                name="never fired (x)",
                hoverinfo="skip",
                line=dict(color=style.MARK, width=1.5),
                showlegend=False,
            )
        )
        fig.update_layout(
            xaxis=dict(autorange=False, showgrid=False, zeroline=False, constrain="domain"),
            yaxis=dict(autorange=False, showgrid=False, zeroline=False, scaleanchor="x", constrain="domain"),
        )  # square cells: shrink the plot, never pad the range
        tag_roles(fig)
        add_marks(fig, "never fired (x)")
    else:
        check_figure(owner, fig, "first_spike_map", {})
    tag_roles(fig)
    with fig.batch_update():
        _fill(fig, grid, t_max, int(marker_max))
    return fig


def _fill(fig, grid, t_max, marker_max):
    rows, cols = grid.times.shape
    fired = grid.times[np.isfinite(grid.times)]
    top = float(t_max) if t_max is not None else (max(float(fired.max()), 1.0) if fired.size else 1.0)
    neuron = grid.neuron.astype(np.int32)
    fig.data[0].update(z=grid_for(fig, grid.times), zmin=0.0, zmax=top, customdata=neuron)
    # the never-fired layer's values are the neurons' indices (one grey whatever the value): its hover names
    # the neuron without a second customdata grid (59 KB of JSON at 10^4 neurons)
    fig.data[1].update(z=grid_for(fig, np.where(grid.never, grid.neuron, np.nan)), customdata=None)
    r, c = np.nonzero(grid.never)
    if grid.times.size > marker_max:
        r, c = r[:0], c[:0]
    set_marks(fig, "never fired (x)", cross_path(c, r))
    # cells sit at whole numbers; ticks chosen from the range: at most MAX_TICKS labels per axis and on
    # the colour bar whatever the grid or T (an explicit list: no skeleton setting survives an update)
    xt = nice_ticks(0, max(cols - 1, 0), MAX_TICKS - 2, integer=True)
    yt = nice_ticks(0, max(rows - 1, 0), MAX_TICKS - 2, integer=True)
    ct = nice_ticks(0, top, MAX_TICKS - 2, integer=top >= 2)
    fig.layout.xaxis.update(
        range=[-0.5, max(cols, 1) - 0.5],
        title_text=f"column ({cols} neurons per row)" if grid.flat else "x",
        tickmode="array",
        tickvals=xt,
        ticktext=[str(v) for v in xt],
        dtick=None,
    )
    fig.layout.yaxis.update(
        # neurons: 0 at the bottom, as in the raster; a feature map [H, W] reads as an image (row 0 at the top)
        range=[-0.5, max(rows, 1) - 0.5] if grid.flat else [max(rows, 1) - 0.5, -0.5],
        title_text="row (neuron 0 at bottom left)" if grid.flat else "y (row 0 at the top, as an image)",
        tickmode="array",
        tickvals=yt,
        ticktext=[str(v) for v in yt],
        dtick=None,
    )
    fig.data[0].colorbar.update(tickmode="array", tickvals=ct, ticktext=[f"{v:g}" for v in ct], dtick=None)
    n = int((~grid.pad).sum())
    fig.layout.title.text = f"first spike: {int(grid.never.sum())} of {n} never fired" if n else ""
    set_message(fig, "no data" if n == 0 else None)
