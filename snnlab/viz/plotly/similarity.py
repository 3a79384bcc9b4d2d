"""Predicted vs target similarity matrices side by side, with the loss (plotly).

Shape:
    ``predicted``, ``target``: ``[B, B]``.

Example:
    >>> import torch
    >>> fig = similarity_matrix(torch.eye(3) * 0.5, torch.eye(3), loss=0.25)
    >>> fig.layout.title.text, fig.data[1].z[0, 0]
    ('predicted vs target (loss 0.25)', np.float32(1.0))
"""

from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .. import _series, style
from ._common import check_figure, new_figure, set_message, tag_roles

__all__ = ["similarity_matrix"]


def similarity_matrix(
    predicted: Any, target: Any = None, loss: Any = None, *, colormap: str = style.COLORMAP, fig: Any = None
) -> Any:
    """Two heatmaps (predicted left, target right) on one colour scale; ``fig=`` refills one.

    The loss, when given, is in the title. ``predicted`` may also be a result with
    ``.predicted``, ``.target`` and ``.loss`` (``snnlab.analysis.similarity_matrices``).
    B = 0 shows "no data".

    Shape:
        ``predicted``, ``target``: ``[B, B]``.

    Example:
        >>> import torch
        >>> fig = similarity_matrix(torch.rand(4, 4), torch.eye(4))
        >>> [t.z.shape for t in fig.data], fig.layout.coloraxis.cmin, fig.layout.coloraxis.cmax
        ([(4, 4), (4, 4)], 0.0, 1.0)
    """
    owner = "similarity_matrix"
    p, t, loss = _series.similarity_arrays(predicted, target, loss, owner)
    if fig is None:
        base = make_subplots(rows=1, cols=2, subplot_titles=("predicted", "target"), horizontal_spacing=0.08)
        fig = new_figure("similarity_matrix", {}, base)
        for col, name in ((1, "predicted"), (2, "target")):
            fig.add_trace(
                go.Heatmap(
                    z=np.zeros((0, 0), dtype=np.float32),
                    coloraxis="coloraxis",
                    name=name,
                    hovertemplate=f"{name}[%{{y}}, %{{x}}] = %{{z:.3g}}<extra></extra>",
                ),
                row=1,
                col=col,
            )
        fig.update_layout(
            coloraxis=dict(
                colorscale=colormap, colorbar=dict(title=dict(text="similarity<br>(both panels)", side="right"))
            )
        )
        fig.update_xaxes(title_text="sample", autorange=False, constrain="domain")
        # square cells: the plot area shrinks, the sample axes are never padded past the matrix
        fig.update_yaxes(title_text="sample", autorange=False, constrain="domain")
        fig.update_yaxes(scaleanchor="x", row=1, col=1)
        fig.update_yaxes(scaleanchor="x2", row=1, col=2)
    else:
        check_figure(owner, fig, "similarity_matrix", {})
    tag_roles(fig)
    with fig.batch_update():
        both = np.concatenate([p.ravel(), t.ravel()])
        both = both[np.isfinite(both)]
        lo, hi = (float(both.min()), float(both.max())) if both.size else (0.0, 1.0)
        if not hi > lo:
            lo, hi = lo - 0.5, hi + 0.5
        fig.data[0].z = p.astype(np.float32)
        fig.data[1].z = t.astype(np.float32)
        fig.layout.coloraxis.update(cmin=lo, cmax=hi)
        size = max(p.shape[0], 1)
        fig.update_xaxes(range=[-0.5, size - 0.5])
        fig.update_yaxes(range=[size - 0.5, -0.5])
        fig.layout.title.text = "predicted vs target" + ("" if loss is None else f" (loss {loss:.4g})")
        set_message(fig, "no data" if p.size == 0 else None)
    return fig
