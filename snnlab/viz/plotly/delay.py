"""Input vs delayed sequence, the shift between them and the gradient reaching the input (plotly).

Traces, by role (find one with :func:`snnlab.viz.plotly.trace`): ``"input"``, ``"delayed"``,
``"shift"`` (the arrow and its note), ``"gradient"`` (a filled step line on the right axis). Layout
shapes, by name: ``SHADE`` (the zero-filled head), ``"input"`` and ``"delayed"`` (spike ticks).

Shape:
    ``x_seq``, ``delayed``, ``gradient``: ``[T]`` or ``[T, *]`` (one channel is shown).

Example:
    >>> fig = delay_effect([0, 1, 0, 0, 1], [0, 0, 0, 1, 0], 2)
    >>> [t.name for t in fig.data]
    ['input', 'delayed by 2', 'shift', 'gradient reaching x[t]']
"""

from typing import Any

import numpy as np
import plotly.graph_objects as go

from .. import _series, style
from ..ticks import MAX_TICKS, nice_ticks
from ._common import check_figure, f32, new_figure, set_message, tag_roles, trace
from .mark_shapes import add_marks, mark_path, set_marks

#: the name of the shaded rectangle over the zero-filled head (a layout shape)
SHADE = "zero-filled head"
#: the gradient's filled area: style.GRADIENT at the opacity the bars of the matplotlib twin have
GRADIENT_FILL = "rgba({}, {}, {}, 0.35)".format(*(int(style.GRADIENT[k : k + 2], 16) for k in (1, 3, 5)))

__all__ = ["delay_effect"]


def delay_effect(
    x_seq: Any, delayed: Any, delay_steps: int, *, channel: int = 0, gradient: Any = None, fig: Any = None
) -> go.Figure:
    """Input (solid) and delayed output (dashed), the zero-filled head shaded, the shift drawn.

    Spike sequences (0/1) are drawn as one tick per spike (the layout shapes ``vp.marks(fig, "input")``
    and ``vp.marks(fig, "delayed")``; the traces are then their legend entries), other sequences as
    step lines. The ``"shift"`` trace is an arrow-headed segment from the first input event to its
    delayed copy, labelled with the delay. ``gradient`` (the shape of ``x_seq``) fills the
    ``"gradient"`` steps on a right axis lined up with the left one (hidden when None). ``[T, *]``
    sequences show channel ``channel``. Empty sequences show "no data". ``fig=`` refills a figure
    made by this function.

    Shape:
        ``x_seq``, ``delayed``, ``gradient``: ``[T]`` or ``[T, *]``, the same shape.

    Example:
        >>> import torch
        >>> fig = delay_effect(torch.eye(6)[:, 1], torch.eye(6)[:, 4], 3)
        >>> shift = trace(fig, "shift")
        >>> shift.x.tolist(), shift.text[-1], fig.layout.shapes[0].x1
        ([1.0, 4.0], 'delay 3', 2.5)
        >>> from snnlab.viz.plotly import marks
        >>> marks(fig, "input").path, marks(fig, "delayed").line.dash
        ('M1,0V1', 'dash')
    """
    owner = "delay_effect"
    x, y, d, t0 = _series.delay_arrays(x_seq, delayed, delay_steps, owner, channel)
    grad = _series.gradient_array(gradient, np.shape(_series.to_numpy(x_seq, owner, "x_seq")), owner, channel)
    if fig is None:
        fig = _skeleton()
    else:
        check_figure(owner, fig, "delay_effect", {})
    with fig.batch_update():
        _fill(fig, x, y, d, t0, grad)
    return fig


def _skeleton() -> go.Figure:
    fig = new_figure("delay_effect", {})
    fig.add_trace(
        go.Scatter(
            x=f32([]), y=f32([]), mode="lines", name="input", line=dict(shape="hvh", color=style.INPUT, width=1.5)
        )
    )
    fig.add_trace(
        go.Scatter(
            x=f32([]),
            y=f32([]),
            mode="lines",
            name="delayed",
            line=dict(shape="hvh", color=style.OUTPUT, width=1.5, dash="dash"),
        )
    )
    fig.add_trace(
        go.Scatter(
            x=f32([]),
            y=f32([]),
            mode="lines+markers+text",
            name="shift",
            line=dict(color=style.MARK, width=1.5),
            textfont=dict(color=style.MARK),
            marker=dict(symbol="arrow", angleref="previous", size=[0, 10], color=style.MARK),
            hoverinfo="skip",
            showlegend=False,
        )
    )
    fig.add_trace(  # one filled step path, not one bar per step: 1000 SVG bars took 0.3 s to draw in a browser
        go.Scatter(
            x=f32([]),
            y=f32([]),
            mode="lines",
            name="gradient",
            yaxis="y2",
            fill="tozeroy",
            fillcolor=GRADIENT_FILL,
            line=dict(shape="hvh", color=style.GRADIENT, width=1),
            hovertemplate="t=%{x}<br>gradient=%{y}<extra></extra>",
        )
    )
    tag_roles(fig)
    trace(fig, "gradient").name = "gradient reaching x[t]"
    fig.add_shape(type="rect", xref="x", yref="paper", x0=-0.5, x1=0.5, y0=0, y1=1, name=SHADE, visible=False,
                  fillcolor=style.SHADE, line=dict(width=0), layer="below")  # fmt: skip
    add_marks(fig, "input")
    add_marks(fig, "delayed")
    fig.update_layout(
        xaxis=dict(title="time step", autorange=False),
        yaxis=dict(title="value", autorange=False),
        yaxis2=dict(
            title=dict(text="gradient reaching x[t]", font=dict(color=style.GRADIENT)),
            overlaying="y",
            side="right",
            autorange=False,
            showgrid=False,
            zeroline=False,
        ),
        legend=dict(orientation="h", y=1.08, x=1, xanchor="right"),
    )
    return fig


def _fill(fig: Any, x: np.ndarray, y: np.ndarray, d: int, t0: int | None, grad: np.ndarray | None) -> None:
    lay = _series.delay_layout(x, y, d, t0, grad)
    stems = _series.is_spike_train(x, y)  # spikes as ticks, other values as steps
    shade = next(s for s in fig.layout.shapes if s.name == SHADE)
    shade.update(x1=lay.shade_end, visible=bool(d and x.size))
    for role, values, name in (("input", x, "input"), ("delayed", y, f"delayed by {d}")):
        trace(fig, role).name = name
        if stems:  # one SVG path of ticks; the trace is its legend entry
            set_marks(fig, role, mark_path(np.flatnonzero(values == 1), 0.0, 1.0))
            trace(fig, role).update(x=f32([np.nan]), y=f32([np.nan]))
        else:
            set_marks(fig, role, None)
            xs, ys = _series.sequence_path(values, stems=False)
            trace(fig, role).update(x=f32(xs), y=f32(ys))
    shift = trace(fig, "shift")
    if t0 is None:
        shift.update(x=f32([]), y=f32([]), text=[])
    else:
        shift.update(
            x=f32([t0, t0 + d]),
            y=f32([lay.level, lay.level]),
            text=["", f"delay {d}"] if d else [f"delay {d}", ""],
            textposition="top center" if d else "top right",
        )
    steps = trace(fig, "gradient")
    if grad is None:
        steps.update(x=f32([]), y=f32([]), visible=False)
    else:
        steps.update(x=f32(np.arange(grad.size)), y=f32(grad), visible=True)
    # the gradient axis's labels and title on the right: room for them, else plotly draws the figure twice
    fig.layout.margin.r = style.AXIS_ROOM if grad is not None else style.MARGIN["r"]
    fig.layout.yaxis2.update(
        visible=grad is not None,
        range=list(lay.gradient_range),
        tickmode="array",
        tickvals=lay.gradient_ticks,
        ticktext=[f"{v:g}" for v in lay.gradient_ticks],
    )
    xt = nice_ticks(0, max(x.size - 1, 0), MAX_TICKS - 2, integer=True)
    fig.layout.xaxis.update(
        range=[-0.5, max(x.size - 0.5, 0.5)], tickmode="array", tickvals=xt, ticktext=[str(v) for v in xt]
    )
    fig.layout.yaxis.range = list(lay.y_range)
    set_message(fig, "no data" if x.size == 0 else None)
