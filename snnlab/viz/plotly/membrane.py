"""Membrane potential trace with threshold and reset lines and spike marks (plotly).

Shape:
    ``v``: ``[T]`` (one neuron); ``spikes``: ``[T]`` or None.

Example:
    >>> fig = membrane_trace([0.0, 0.6, 1.2, 0.0], [0, 0, 1, 0])
    >>> [t.name for t in fig.data]
    ['v', 'threshold', 'reset', 'spike']
"""

from typing import Any

import numpy as np
import plotly.graph_objects as go

from ...checks import check_real
from .. import _series, style
from ._common import check_figure, f32, new_figure, set_message, tag_roles
from .mark_shapes import add_marks, mark_path, set_marks

__all__ = ["membrane_trace"]


def membrane_trace(
    v: Any,
    spikes: Any = None,
    v_threshold: float = 1.0,
    v_reset: float | None = 0.0,
    *,
    h: Any = None,
    color: str = style.INPUT,
    fig: Any = None,
) -> Any:
    """A figure of ``v`` over time with threshold (dashed), reset level (dotted) and spikes; ``fig=`` refills one.

    Traces: 0 ``v``; 1 the threshold; 2 the reset level (hidden when ``v_reset=None``, a soft
    reset); 3 ``"spike"``, the legend entry of the spikes: vertical red marks rising from the
    threshold, drawn as one SVG path (the layout shape ``vp.marks(fig, "spike")``).
    ``h`` (the potential before each step's reset, from ``snnlab.analysis.charged_potential``)
    turns trace 0 into a sawtooth that crosses the threshold and drops at each spike. The y range
    covers the data and both levels and is fixed. An empty ``v`` shows "no data".

    Shape:
        ``v``: ``[T]`` (``[T, 1]`` accepted); ``spikes`` and ``h``: same as ``v`` or None.

    Example:
        >>> import torch
        >>> fig = membrane_trace(torch.tensor([0.2, 1.1, 0.0]), torch.tensor([0., 1., 0.]), v_threshold=1.0)
        >>> from snnlab.viz.plotly import marks
        >>> marks(fig, "spike").path, fig.data[1].y.tolist()
        ('M1,1V1.265', [1.0, 1.0])
        >>> fig = membrane_trace(torch.zeros(3), v_reset=None, fig=fig)
        >>> fig.data[2].visible, marks(fig, "spike").visible
        (False, False)
        >>> fig = membrane_trace([0.5, 0.0], [0, 1], h=[0.5, 1.5], fig=fig)      # rise to h, drop to v
        >>> fig.data[0].x.tolist(), fig.data[0].y.tolist()
        ([0.0, 0.0, 1.0, 1.0], [0.5, 0.5, 1.5, 0.0])
    """
    owner = "membrane_trace"
    v_threshold = check_real(owner, "v_threshold", v_threshold)
    v_reset = check_real(owner, "v_reset", v_reset, allow_none=True)
    v, times = _series.membrane_arrays(v, spikes, owner)
    path = _series.membrane_path(v, h, owner)
    if fig is None:
        fig = new_figure("membrane_trace", {})
        fig.add_trace(go.Scatter(x=f32([]), y=f32([]), mode="lines", name="v", line=dict(color=color, width=1.5)))
        fig.add_trace(
            go.Scatter(
                x=f32([]),
                y=f32([]),
                mode="lines",
                name="threshold",
                hoverinfo="skip",
                line=dict(color=style.MARK, dash="dash", width=1),
            )
        )
        fig.add_trace(
            go.Scatter(
                x=f32([]),
                y=f32([]),
                mode="lines",
                name="reset",
                hoverinfo="skip",
                line=dict(color=style.MUTED, dash="dot", width=1),
            )
        )
        fig.add_trace(
            go.Scatter(  # the legend entry of the marks (add_marks below)
                x=f32([]),
                y=f32([]),
                mode="lines",
                name="spike",
                hoverinfo="skip",
                line=dict(color=style.MARK, width=2),
            )
        )
        fig.update_layout(
            xaxis=dict(title="time step", autorange=False),
            yaxis=dict(title="membrane potential v", autorange=False),
            legend=dict(orientation="h", y=1.08, x=1, xanchor="right"),
        )
        tag_roles(fig)
        add_marks(fig, "spike")
    else:
        check_figure(owner, fig, "membrane_trace", {})
    with fig.batch_update():
        _fill(fig, path, v.size, times, v_threshold, v_reset)
    return fig


def _fill(fig, path, steps, times, v_threshold, v_reset):
    xs, ys = path
    ends = f32([0, max(steps - 1, 1)])
    fig.data[0].update(x=f32(xs), y=f32(ys))
    fig.data[1].update(x=ends, y=f32([v_threshold, v_threshold]))
    fig.data[2].update(x=ends, y=f32([v_reset if v_reset is not None else np.nan] * 2), visible=v_reset is not None)
    y_min, top, y_max = _series.membrane_levels(ys, v_threshold, v_reset)
    set_marks(fig, "spike", mark_path(times, v_threshold, top))
    fig.layout.xaxis.range = [-0.5, max(steps - 0.5, 0.5)]
    fig.layout.yaxis.range = [y_min, y_max]
    set_message(fig, "no data" if steps == 0 else None)
