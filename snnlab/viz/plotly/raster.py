"""Spike raster (time x neuron) as a plotly figure: markers with hover for small data, an image for big data.

Shape:
    ``spikes``: ``[T, N]``, or ``{name: [T, n_i]}`` / a list of ``[T, n_i]`` stacked by layer.

Example:
    >>> import torch
    >>> fig = raster(torch.eye(3))
    >>> fig.data[0].x.tolist(), fig.data[0].y.tolist()
    ([0.0, 1.0, 2.0], [0, 1, 2])
"""

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .. import data, style
from ..data import check_marker_max
from ..ticks import MAX_TICKS, nice_ticks
from ._common import check_figure, f32, i32, new_figure, parse_color, png_data_uri, set_message, tag_roles

__all__ = ["raster"]


def raster(
    spikes: Any,
    *,
    rate_margin: bool = False,
    layer_names: Sequence[str] | None = None,
    marker_max: int = data.MARKER_MAX,
    color: str = style.SPIKE,
    max_rows: int | None = None,
    max_cols: int | None = None,
    fig: Any = None,
) -> Any:
    """A spike raster figure (time on x, neuron on y); ``fig=`` refills a figure made by this function.

    Trace 0 holds one ``'line-ns'`` marker per spike (float32 times, int32 neurons, hover per
    spike) when there are at most ``marker_max`` spikes; with more, trace 0 is emptied and
    ``layout.images[0]`` shows the raster as a PNG (1 bit per cell, or 256 shades when binned to
    at most ``max_cols`` x ``max_rows`` bins, by default ``IMAGE_MAX_COLS`` x ``IMAGE_MAX_ROWS``;
    a shade = the fraction of the bin's cells that spiked). ``rate_margin=True`` adds a right column with each neuron's firing rate (trace 1).
    Layers (dict or list) are stacked bottom-up with dashed separators and named ticks. Axis
    ranges are fixed. Empty input shows "no data"; a raster without spikes shows "no spikes".

    Shape:
        ``spikes``: ``[T, N]`` (or layers ``[T, n_i]``).

    Example:
        >>> import torch
        >>> fig = raster(torch.rand(100, 200) < 0.5, rate_margin=True)
        >>> fig.data[0].x.size, fig.layout.images[0].visible, fig.data[1].x.shape
        (0, True, (200,))
        >>> fig = raster(torch.zeros(100, 200), rate_margin=True, fig=fig)
        >>> fig.layout.images[0].visible, fig.layout.annotations[0].text
        (False, 'no spikes')
    """
    owner = "raster"
    if not isinstance(rate_margin, bool):
        raise TypeError(f"{owner}: rate_margin must be a bool, got {rate_margin!r}")
    marker_max = check_marker_max(owner, marker_max)
    rgb = parse_color(owner, "color", color)
    stack = data.stack_layers(spikes, layer_names, owner)
    skeleton = {"rate_margin": rate_margin}
    if fig is None:
        fig = _skeleton(rate_margin)
    else:
        check_figure(owner, fig, "raster", skeleton)
    tag_roles(fig)
    with fig.batch_update():
        rows = data.IMAGE_MAX_ROWS if max_rows is None else int(max_rows)
        cols = data.IMAGE_MAX_COLS if max_cols is None else int(max_cols)
        _fill(fig, stack, rate_margin, marker_max, rgb, rows, cols)
    return fig


def _skeleton(rate_margin):
    base = None
    if rate_margin:
        base = make_subplots(rows=1, cols=2, shared_yaxes=True, column_widths=[0.86, 0.14], horizontal_spacing=0.02)
    fig = new_figure("raster", {"rate_margin": rate_margin}, base)
    fig.add_trace(
        go.Scatter(
            x=f32([]),
            y=i32([]),
            mode="markers",
            name="spikes",
            showlegend=False,
            marker=dict(symbol="line-ns-open", size=8, line=dict(width=1.5)),
            hovertemplate="t=%{x}<br>neuron=%{y}<extra></extra>",
        ),
        **({"row": 1, "col": 1} if rate_margin else {}),
    )
    if rate_margin:
        fig.add_trace(
            go.Scatter(
                x=f32([]),
                y=i32([]),
                mode="lines",
                name="rate",
                showlegend=False,
                line=dict(shape="vh", width=1, color=style.RATE),
                hovertemplate="neuron=%{y}<br>rate=%{x:.3f}<extra></extra>",
            ),
            row=1,
            col=2,
        )
        fig.update_xaxes(title_text="rate", row=1, col=2)
    fig.update_layout(
        images=[
            dict(
                source="",
                xref="x",
                yref="y",
                x=-0.5,
                y=0.5,
                sizex=1,
                sizey=1,
                sizing="stretch",
                layer="below",
                visible=False,
            )
        ],
        xaxis=dict(title="time step", autorange=False, showgrid=False, zeroline=False),
        yaxis=dict(title="neuron (0 at the bottom)", autorange=False, showgrid=False, zeroline=False),
    )
    return fig


def _fill(fig, stack, rate_margin, marker_max, rgb, max_rows, max_cols):
    matrix = stack.matrix
    t_steps, n_neurons = matrix.shape
    spikes_trace, image = fig.data[0], fig.layout.images[0]
    spikes_trace.marker.color = f"rgb{rgb}"
    shapes, message = [], None
    if matrix.size == 0:
        spikes_trace.update(x=f32([]), y=i32([]))
        image.visible = False
        message = "no data"
        fig.layout.xaxis.range = [-0.5, 0.5]
        fig.layout.yaxis.range = [-0.5, 0.5]
    else:
        n_spikes = int(matrix.sum())
        if data.raster_path(n_spikes, marker_max) == "marker":
            t, n = np.nonzero(matrix)
            spikes_trace.update(x=f32(t), y=i32(n))
            spikes_trace.marker.size = float(np.clip(2400.0 / n_neurons, 4.0, 14.0))
            image.update(visible=False, source="")
            message = "no spikes" if n_spikes == 0 else None
            xlabel = "time step"
        else:
            img = data.raster_image(matrix, max_rows, max_cols)
            binned = img.t_factor > 1 or img.n_factor > 1
            left, right, bottom, top = img.extent
            spikes_trace.update(x=f32([]), y=i32([]))
            image.update(
                visible=True,
                source=png_data_uri(img.values[::-1], rgb, binary=not binned),
                x=left,
                y=top,
                sizex=right - left,
                sizey=top - bottom,
            )
            xlabel = f"time step (bins of {img.t_factor})" if img.t_factor > 1 else "time step"
        xt = nice_ticks(0, max(t_steps - 1, 0), MAX_TICKS - 2, integer=True)
        fig.layout.xaxis.update(
            range=[-0.5, t_steps - 0.5], title_text=xlabel, tickmode="array", tickvals=xt, ticktext=[str(v) for v in xt]
        )
        fig.layout.yaxis.range = [-0.5, n_neurons - 0.5]
        for start in stack.offsets[1:]:
            shapes.append(
                dict(
                    type="line",
                    xref="paper",
                    yref="y",
                    x0=0,
                    x1=1,
                    y0=start - 0.5,
                    y1=start - 0.5,
                    line=dict(color=style.MARK, width=1, dash="dash"),
                )
            )
    if stack.names:
        ends = list(stack.offsets[1:]) + [n_neurons]
        fig.layout.yaxis.update(
            tickmode="array",
            tickvals=[(s + e - 1) / 2 for s, e in zip(stack.offsets, ends)],
            ticktext=list(stack.names),
            automargin=True,  # layer names are free text: plotly makes room for them
        )
    else:
        yt = nice_ticks(0, max(n_neurons - 1, 0), MAX_TICKS - 2, integer=True)
        fig.layout.yaxis.update(tickmode="array", tickvals=yt, ticktext=[str(v) for v in yt], automargin=False)
    fig.layout.shapes = shapes
    if rate_margin:
        rates = data.firing_rates(matrix)
        fig.data[1].update(x=f32(rates), y=i32(np.arange(rates.size)))
        fig.layout.xaxis2.update(range=[0.0, data.rate_axis_max(rates)], autorange=False)
    set_message(fig, message)
