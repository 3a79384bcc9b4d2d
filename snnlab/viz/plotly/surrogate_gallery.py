"""Every surrogate's primitive and gradient as small multiples (plotly).

Shape:
    ``x``: ``[K]`` sample points (default 401 points on [-2, 2]).

Example:
    >>> fig = surrogate_gallery(["sigmoid", "s2nn"])
    >>> [a.text for a in fig.layout.annotations if a.name == "panel-title"]
    ['Sigmoid(alpha=4)', 'S2NN(alpha=4, beta=1)']
"""

from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .. import style
from .._gallery import gallery_grid, gallery_panels
from ._common import check_figure, f32, new_figure, set_message, tag_roles

__all__ = ["surrogate_gallery"]

_CURVES = (
    ("Heaviside (forward)", "#999999", "solid"),
    ("primitive", style.INPUT, "solid"),
    ("gradient (backward)", style.OUTPUT, "dash"),
)
_PANEL_PX = 250


def surrogate_gallery(surrogates: Any = None, x: Any = None, *, fig: Any = None, ncols: int = 4) -> go.Figure:
    """A figure with one panel per surrogate (Heaviside, primitive, gradient); ``fig=`` refills one.

    ``surrogates``: None (every registered kind at its defaults) or a sequence of surrogate
    objects and kind names. ``fig``: a figure this function made for as many panels and the same
    ``ncols`` (filled in place, e.g. a FigureWidget after a parameter change), or None.

    Shape:
        ``x``: ``[K]`` or None (401 points on [-2, 2]).

    Example:
        >>> from snnlab.surrogate import PiecewiseLeakyReLU
        >>> fig = surrogate_gallery([PiecewiseLeakyReLU(w=0.5)], x=[-1.0, 0.0, 1.0])
        >>> fig.data[2].y.tolist()
        [0.009999999776482582, 2.0, 0.009999999776482582]
    """
    owner = "surrogate_gallery"
    panels = gallery_panels(surrogates, x, owner)
    rows, cols = gallery_grid(len(panels), ncols, owner)
    options = {"panels": len(panels), "ncols": cols}
    if fig is None:
        fig = _skeleton(rows, cols, len(panels), options)
    else:
        check_figure(owner, fig, "surrogate_gallery", options)
    tag_roles(fig)
    with fig.batch_update():
        layout: Any = fig.layout
        titles = [a for a in layout.annotations if a.name == "panel-title"]
        for i, p in enumerate(panels):
            for j, y in enumerate((p.heaviside, p.primitive, p.gradient)):
                fig.data[3 * i + j].update(x=f32(p.x), y=f32(y))
            titles[i].text = p.title
            right = (
                float(p.x.max())
                if p.x.size and p.x.max() > p.x.min()
                else (float(p.x.min()) + 1.0 if p.x.size else 1.0)
            )
            fig.layout[_axis("xaxis", i)].range = [float(p.x.min()) if p.x.size else 0.0, right]
            fig.layout[_axis("yaxis", i)].range = list(p.ylim)
        set_message(fig, "no surrogates" if not panels else None)
    return fig


def _axis(name: str, i: int) -> str:
    return name if i == 0 else f"{name}{i + 1}"


def _skeleton(rows: int, cols: int, n: int, options: dict) -> go.Figure:
    """The empty grid: three traces per panel, titles as named annotations, outer axes labelled."""
    base = make_subplots(rows=rows, cols=cols, horizontal_spacing=0.06, vertical_spacing=0.3 / rows)
    fig = new_figure("surrogate_gallery", options, base=base)
    for i in range(n):
        r, c = divmod(i, cols)
        for name, color, dash in _CURVES:
            fig.add_trace(
                go.Scatter(
                    x=f32([]),
                    y=f32([]),
                    mode="lines",
                    name=name,
                    legendgroup=name,
                    showlegend=i == 0,
                    line=dict(color=color, dash=dash, width=1.8 if name != _CURVES[0][0] else 1.2),
                ),
                row=r + 1,
                col=c + 1,
            )
        xref, yref = _axis("xaxis", i).replace("axis", ""), _axis("yaxis", i).replace("axis", "")
        fig.add_annotation(
            name="panel-title",
            text="",
            xref=f"{xref} domain",
            yref=f"{yref} domain",
            x=0.5,
            y=1.0,
            yanchor="bottom",
            showarrow=False,
            font=dict(size=13),
        )
        fig.update_xaxes(row=r + 1, col=c + 1, autorange=False, zeroline=True, zerolinecolor="#ccc")
        fig.update_yaxes(row=r + 1, col=c + 1, autorange=False, zeroline=True, zerolinecolor="#ccc")
        if i + cols >= n:
            fig.update_xaxes(row=r + 1, col=c + 1, title_text="x = v - threshold")
        if c == 0:
            fig.update_yaxes(row=r + 1, col=c + 1, title_text="value")
    fig.update_layout(
        height=_PANEL_PX * rows + 110,
        margin={**style.MARGIN, "t": 70},
        legend=dict(
            orientation="h", x=0.5, xanchor="center", y=0.99, yanchor="top", yref="container", font=dict(size=13)
        ),
    )
    return fig
