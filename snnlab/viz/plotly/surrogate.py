"""A surrogate function's Heaviside forward, smooth primitive and surrogate gradient (plotly).

Shape:
    ``x``: ``[K]`` sample points (default 401 points on [-2, 2]).

Example:
    >>> from snnlab.surrogate import Sigmoid
    >>> [t.name for t in surrogate(Sigmoid()).data]
    ['Heaviside', 'primitive', 'gradient']
"""

from typing import Any

import numpy as np
import plotly.graph_objects as go

from .. import style
from .._series import surrogate_curves, surrogate_title
from ._common import check_figure, f32, new_figure, set_message, tag_roles

__all__ = ["surrogate"]


def surrogate(surrogate_function: Any, x: Any = None, *, fig: Any = None) -> Any:
    """A figure of Heaviside(x), the surrogate's primitive and its gradient; ``fig=`` refills one.

    Shape:
        ``x``: ``[K]`` or None (401 points on [-2, 2]).

    Example:
        >>> from snnlab.surrogate import ATan
        >>> fig = surrogate(ATan(alpha=2.0), x=[-1.0, 0.0, 1.0])
        >>> fig.data[0].y.tolist(), fig.data[2].y[1], fig.layout.title.text
        ([0.0, 1.0, 1.0], np.float32(1.0), 'ATan(alpha=2)')
    """
    owner = "surrogate"
    xs, h, p, g = surrogate_curves(surrogate_function, x, owner)
    if fig is None:
        fig = new_figure("surrogate", {})
        for name, color, dash in (
            ("Heaviside", style.HEAVISIDE, "solid"),
            ("primitive", style.INPUT, "solid"),
            ("gradient", style.OUTPUT, "dash"),
        ):
            fig.add_trace(
                go.Scatter(x=f32([]), y=f32([]), mode="lines", name=name, line=dict(color=color, dash=dash, width=1.5))
            )
        fig.update_layout(
            xaxis=dict(title="x (v - threshold)", autorange=False),
            yaxis=dict(autorange=False),
            legend=dict(x=0.01, y=0.99),
        )
    else:
        check_figure(owner, fig, "surrogate", {})
    tag_roles(fig)
    with fig.batch_update():
        for trace, y in zip(fig.data, (h, p, g)):
            trace.update(x=f32(xs), y=f32(y))
        fig.layout.title.text = surrogate_title(surrogate_function)
        if xs.size:
            hi = max(1.0, float(np.nanmax(p)), float(np.nanmax(g)))
            right = float(xs.max()) if xs.max() > xs.min() else float(xs.min()) + 1.0
            fig.layout.xaxis.range = [float(xs.min()), right]
            fig.layout.yaxis.range = [-0.05 * hi, 1.08 * hi]
        set_message(fig, "no data" if xs.size == 0 else None)
    return fig
