"""A surrogate function's Heaviside forward, smooth primitive and surrogate gradient (matplotlib).

Shape:
    ``x``: ``[K]`` sample points (default 401 points on [-2, 2]).

Example:
    >>> from matplotlib.figure import Figure
    >>> from snnlab.surrogate import Sigmoid
    >>> lines = surrogate(Figure().subplots(), Sigmoid(alpha=4.0))
    >>> [l.get_label() for l in lines]
    ['Heaviside', 'primitive', 'gradient']
"""

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from .. import style
from .._series import surrogate_curves, surrogate_title
from ._common import attach, check_axes, held

__all__ = ["surrogate"]


def surrogate(ax: Axes, surrogate_function: Any, x: Any = None) -> tuple[Line2D, Line2D, Line2D]:
    """Draw Heaviside(x), the surrogate's primitive and its gradient on ``ax``; return the three lines.

    Shape:
        ``x``: ``[K]`` or None (401 points on [-2, 2]).

    Example:
        >>> from matplotlib.figure import Figure
        >>> from snnlab.surrogate import ATan
        >>> h, p, g = surrogate(Figure().subplots(), ATan(alpha=2.0), x=[-1.0, 0.0, 1.0])
        >>> h.get_ydata().tolist(), round(float(g.get_ydata()[1]), 4)
        ([0.0, 1.0, 1.0], 1.0)
    """
    owner = "surrogate"
    check_axes(owner, ax)
    xs, h, p, g = surrogate_curves(surrogate_function, x, owner)
    state = held(ax, "surrogate", {}, owner)
    if state is None:
        lines = (
            ax.plot([], [], color=style.HEAVISIDE, lw=1.2, label="Heaviside")[0],
            ax.plot([], [], color=style.INPUT, lw=1.5, label="primitive")[0],
            ax.plot([], [], color=style.OUTPUT, lw=1.5, ls="--", label="gradient")[0],
        )
        zero = ax.axvline(0.0, color=style.GRID, lw=0.8, zorder=0)
        legend = ax.legend(loc="upper left", fontsize=8)
        ax.set_xlabel("x (v - threshold)")
        attach(lines, "surrogate", ax, {}, list(lines) + [zero, legend])
    else:
        lines = state["result"]
    for line, y in zip(lines, (h, p, g)):
        line.set_data(xs, y)
    ax.set_title(surrogate_title(surrogate_function), fontsize=10)
    _limits(ax, xs, h, p, g)
    return lines


def _limits(ax, xs, h, p, g):
    if xs.size:
        hi = max(1.0, float(np.nanmax(p)), float(np.nanmax(g)))
        ax.set_xlim(float(xs.min()), float(xs.max()) if xs.max() > xs.min() else float(xs.min()) + 1.0)
        ax.set_ylim(-0.05 * hi, 1.08 * hi)
