"""Every surrogate's primitive and gradient as small multiples (matplotlib).

Shape:
    ``x``: ``[K]`` sample points (default 401 points on [-2, 2]).

Example:
    >>> fig = surrogate_gallery(["sigmoid", "s2nn"])
    >>> [ax.get_title() for ax in fig.axes]
    ['Sigmoid(alpha=4)', 'S2NN(alpha=4, beta=1)']
"""

from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ...checks import describe
from .. import style
from .._gallery import gallery_grid, gallery_panels
from ._common import show_message

__all__ = ["surrogate_gallery"]

_PANEL_INCHES = (3.2, 2.55)  # four columns fill 1280 px at 100 dpi


def surrogate_gallery(surrogates: Any = None, x: Any = None, *, fig: Any = None, ncols: int = 4) -> Figure:
    """Draw one panel per surrogate (Heaviside, primitive, gradient); return the matplotlib Figure.

    ``surrogates``: None (every registered kind at its defaults) or a sequence of surrogate
    objects and kind names. ``fig``: an empty Figure to draw into (a new one sized for the grid
    when None), or a Figure this function made, which is refilled in place (the same axes and
    lines, new curves and titles; as many panels and columns as before); ``ncols``: panels per row.

    Shape:
        ``x``: ``[K]`` or None (401 points on [-2, 2]).

    Example:
        >>> from snnlab.surrogate import PiecewiseLeakyReLU
        >>> fig = surrogate_gallery([PiecewiseLeakyReLU(w=0.5)], x=[-1.0, 0.0, 1.0])
        >>> fig.axes[0].lines[2].get_ydata().tolist()
        [0.01, 2.0, 0.01]
    """
    owner = "surrogate_gallery"
    panels = gallery_panels(surrogates, x, owner)
    rows, cols = gallery_grid(len(panels), ncols, owner)
    options = {"panels": len(panels), "ncols": cols}
    if fig is None:
        fig = Figure(figsize=(_PANEL_INCHES[0] * cols, _PANEL_INCHES[1] * rows + 0.5), layout="constrained")
    elif not isinstance(fig, Figure):
        raise TypeError(
            f"{owner}: fig must be a matplotlib Figure (empty, or made by {owner}()) or None, got {describe(fig)}"
        )
    elif fig.axes:
        held_options = getattr(fig, "_snnlab_gallery", None)
        if held_options is None:
            raise TypeError(
                f"{owner}: fig must be a matplotlib Figure (empty, or made by {owner}()) or None, got {describe(fig)}"
            )
        for key, value in options.items():
            if held_options[key] != value:
                raise ValueError(
                    f"{owner}: fig was made with {key}={held_options[key]!r}, got {key}={value!r}; "
                    f"make a new figure to change it"
                )
        for ax, p in zip(fig.axes, panels):  # refill in place: the same axes and lines, new data
            for line, y in zip(ax.lines[:3], (p.heaviside, p.primitive, p.gradient)):
                line.set_data(p.x, y)
            _panel_text(ax, p)
        return fig
    fig.__dict__["_snnlab_gallery"] = options
    if not panels:
        show_message(fig.add_subplot(), "no surrogates")
        return fig
    axes = fig.subplots(rows, cols, squeeze=False, sharex=True)
    for i, ax in enumerate(axes.flat):
        if i >= len(panels):
            ax.set_visible(False)
            continue
        p = panels[i]
        ax.plot(p.x, p.heaviside, color="#999999", lw=1.0, label="Heaviside (forward)")
        ax.plot(p.x, p.primitive, color=style.INPUT, lw=1.6, label="primitive")
        ax.plot(p.x, p.gradient, color=style.OUTPUT, lw=1.6, ls="--", label="gradient (backward)")
        ax.axvline(0.0, color="0.85", lw=0.8, zorder=0)  # after the curves: ax.lines[:3] are the curves
        ax.axhline(0.0, color="0.85", lw=0.8, zorder=0)
        _panel_text(ax, p)
        ax.tick_params(labelsize=8)
        ax.grid(color="0.93", lw=0.6)
        if i // cols == rows - 1 or i + cols >= len(panels):
            ax.set_xlabel("x = v - threshold", fontsize=9)
            ax.tick_params(labelbottom=True)
        if i % cols == 0:
            ax.set_ylabel("value", fontsize=9)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncols=3, fontsize=9, frameon=False)
    return fig


def _panel_text(ax: Axes, p: Any) -> None:
    ax.set_title(p.title, fontsize=10)
    ax.set_ylim(*p.ylim)
    if p.x.size:
        ax.set_xlim(float(p.x.min()), float(p.x.max()) if p.x.max() > p.x.min() else float(p.x.min()) + 1.0)
