"""Input vs delayed sequence and the shift between them (plotly).

Shape:
    ``x_seq``, ``delayed``: ``[T]`` or ``[T, *]`` (one channel is shown).

Example:
    >>> fig = delay_effect([0, 1, 0, 0, 1], [0, 0, 0, 1, 0], 2)
    >>> [t.name for t in fig.data]
    ['input', 'delayed by 2', 'shift']
"""

import numpy as np
import plotly.graph_objects as go

from .. import _series
from ._common import check_figure, f32, new_figure, set_message

__all__ = ["delay_effect"]


def delay_effect(x_seq, delayed, delay_steps, *, channel=0, fig=None):
    """Input (solid) and delayed output (dashed), the zero-filled head shaded, the shift drawn.

    Spike sequences (0/1) are drawn as one tick per spike, other sequences as step lines.

    Trace 2 is the shift: an arrow-headed segment from the first input event to its delayed copy,
    labelled with the delay. ``[T, *]`` sequences show channel ``channel``. Empty sequences show
    "no data". ``fig=`` refills a figure made by this function.

    Shape:
        ``x_seq``, ``delayed``: ``[T]`` or ``[T, *]``, the same shape.

    Example:
        >>> import torch
        >>> fig = delay_effect(torch.eye(6)[:, 1], torch.eye(6)[:, 4], 3)
        >>> fig.data[2].x.tolist(), fig.data[2].text[-1], fig.layout.shapes[0].x1
        ([1.0, 4.0], 'delay 3', 2.5)
    """
    owner = "delay_effect"
    x, y, d, t0 = _series.delay_arrays(x_seq, delayed, delay_steps, owner, channel)
    if fig is None:
        fig = new_figure("delay_effect", {})
        fig.add_trace(
            go.Scatter(
                x=f32([]), y=f32([]), mode="lines", name="input", line=dict(shape="hvh", color="#1f77b4", width=1.5)
            )
        )
        fig.add_trace(
            go.Scatter(
                x=f32([]),
                y=f32([]),
                mode="lines",
                name="delayed",
                line=dict(shape="hvh", color="#ff7f0e", width=1.5, dash="dash"),
            )
        )
        fig.add_trace(
            go.Scatter(
                x=f32([]),
                y=f32([]),
                mode="lines+markers+text",
                name="shift",
                line=dict(color="#d62728", width=1.5),
                textposition="top center",
                marker=dict(symbol="arrow", angleref="previous", size=[0, 10], color="#d62728"),
                hoverinfo="skip",
                showlegend=False,
            )
        )
        fig.update_layout(
            xaxis=dict(title="time step", autorange=False),
            yaxis=dict(title="value", autorange=False),
            legend=dict(orientation="h", y=1.08, x=1, xanchor="right"),
        )
    else:
        check_figure(owner, fig, "delay_effect", {})
    with fig.batch_update():
        stems = _series.is_spike_train(x, y)  # spikes as ticks, other values as steps
        for trace, values, name in ((fig.data[0], x, "input"), (fig.data[1], y, f"delayed by {d}")):
            xs, ys = _series.sequence_path(values, stems)
            trace.update(x=f32(xs), y=f32(ys), name=name, line_shape="linear" if stems else "hvh")
        finite = np.concatenate([x[np.isfinite(x)], y[np.isfinite(y)], [0.0]])
        lo, hi = float(finite.min()), float(finite.max())
        span = max(hi - lo, 1e-3)
        if t0 is None:
            fig.data[2].update(x=f32([]), y=f32([]), text=[])
        else:
            level = hi + 0.12 * span
            fig.data[2].update(x=f32([t0, t0 + d]), y=f32([level, level]), text=["", f"delay {d}"])
        fig.layout.shapes = (
            [
                dict(
                    type="rect",
                    xref="x",
                    yref="paper",
                    x0=-0.5,
                    x1=min(d, x.size) - 0.5,
                    y0=0,
                    y1=1,
                    fillcolor="#e6e6e6",
                    line=dict(width=0),
                    layer="below",
                )
            ]
            if d and x.size
            else []
        )
        fig.layout.xaxis.range = [-0.5, max(x.size - 0.5, 0.5)]
        fig.layout.yaxis.range = [lo - 0.08 * span, hi + 0.45 * span]
        set_message(fig, "no data" if x.size == 0 else None)
    return fig
