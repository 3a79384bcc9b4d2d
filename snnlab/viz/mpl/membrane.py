"""Membrane potential trace with threshold and reset lines and spike marks (matplotlib).

Shape:
    ``v``: ``[T]`` (one neuron); ``spikes``: ``[T]`` or None.

Example:
    >>> import torch
    >>> from matplotlib.figure import Figure
    >>> line = membrane_trace(Figure().subplots(), torch.tensor([0.0, 0.6, 1.2, 0.0]), torch.tensor([0, 0, 1, 0]))
    >>> line.get_ydata().tolist()
    [0.0, 0.6000000238418579, 1.2000000476837158, 0.0]
"""

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.text import Text

from ...checks import check_real
from .. import _series, style
from ._common import attach, check_axes, held, remove_created, show_message, state_of

__all__ = ["membrane_trace"]


def membrane_trace(
    ax: Axes,
    v: Any,
    spikes: Any = None,
    v_threshold: float = 1.0,
    v_reset: float | None = 0.0,
    *,
    h: Any = None,
    color: str = style.INPUT,
) -> Line2D | Text:
    """Draw ``v`` over time with the threshold (dashed), the reset level (dotted) and spikes; return the v line.

    Spikes are vertical red marks rising from the threshold at each step where ``spikes`` is
    nonzero. ``v_reset=None`` (soft reset) draws no reset line. ``h`` (the potential before each
    step's reset, from ``snnlab.analysis.charged_potential``) turns the line into a sawtooth that
    crosses the threshold and drops at each spike. The y range covers the data, the threshold and
    the reset level. An empty ``v`` shows "no data".

    Shape:
        ``v``: ``[T]`` (``[T, 1]`` accepted); ``spikes`` and ``h``: same as ``v`` or None.

    Example:
        >>> import torch
        >>> from matplotlib.figure import Figure
        >>> ax = Figure().subplots()
        >>> line = membrane_trace(ax, torch.linspace(0, 1, 5), v_threshold=0.8, v_reset=None)
        >>> line.get_xdata().tolist()
        [0.0, 1.0, 2.0, 3.0, 4.0]
        >>> again = membrane_trace(ax, [0.5, 0.0], [0, 1], v_threshold=0.8, v_reset=None, h=[0.5, 1.5])
        >>> again is line, line.get_xdata().tolist(), line.get_ydata().tolist()  # updated: a sawtooth
        (True, [0.0, 0.0, 1.0, 1.0], [0.5, 0.5, 1.5, 0.0])
    """
    owner = "membrane_trace"
    check_axes(owner, ax)
    opts = dict(
        v_threshold=check_real(owner, "v_threshold", v_threshold),
        v_reset=check_real(owner, "v_reset", v_reset, allow_none=True),
        color=color,
    )
    v, times = _series.membrane_arrays(v, spikes, owner)
    path = _series.membrane_path(v, h, owner)
    state = held(ax, "membrane_trace", {"color": color}, owner)
    if state is None:
        return _draw(ax, path, times, opts)
    parts = state["parts"]
    if parts.get("threshold") is None or v.size == 0 or (opts["v_reset"] is None) != (parts["reset"] is None):
        remove_created(state)
        return _draw(ax, path, times, opts)
    state["options"] = opts
    line = state["result"]
    line.set_data(*path)
    parts["threshold"].set_ydata([opts["v_threshold"]] * 2)
    if parts["reset"] is not None:
        parts["reset"].set_ydata([opts["v_reset"]] * 2)
    _limits(ax, path, times, opts, parts)
    return line


def _limits(ax, path, times, opts, parts):
    xs, ys = path
    y_min, top, y_max = _series.membrane_levels(ys, opts["v_threshold"], opts["v_reset"])
    parts["spikes"].set_segments([np.array([[t, opts["v_threshold"]], [t, top]]) for t in times])
    ax.set_xlim(-0.5, max(xs[-1] + 0.5 if xs.size else 0.5, 0.5))
    ax.set_ylim(y_min, y_max)


def _draw(ax, path, times, opts):
    if path[0].size == 0:
        text = show_message(ax, "no data")
        attach(text, "membrane_trace", ax, opts, [text])
        return text
    (line,) = ax.plot(*path, color=opts["color"], lw=1.3, label="v")
    threshold = ax.axhline(opts["v_threshold"], color=style.MARK, ls="--", lw=1.0, label="threshold")
    reset = None
    if opts["v_reset"] is not None:
        reset = ax.axhline(opts["v_reset"], color=style.MUTED, ls=":", lw=1.0, label="reset")
    spikes = ax.vlines([], [], [], colors=style.MARK, lw=1.5, label="spike")
    parts = {"threshold": threshold, "reset": reset, "spikes": spikes}
    _limits(ax, path, times, opts, parts)
    ax.set_xlabel("time step")
    ax.set_ylabel("membrane potential v")
    legend = ax.legend(loc="upper right", ncols=4, fontsize=8, framealpha=0.9)
    created = [a for a in (line, threshold, reset, spikes, legend) if a is not None]
    attach(line, "membrane_trace", ax, opts, created)
    state_of(line)["parts"] = parts
    return line
