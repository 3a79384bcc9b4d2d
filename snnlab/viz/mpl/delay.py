"""Input vs delayed sequence, the shift between them and the gradient reaching the input (matplotlib).

Shape:
    ``x_seq``, ``delayed``, ``gradient``: ``[T]`` or ``[T, *]`` (one channel is shown).

Example:
    >>> from matplotlib.figure import Figure
    >>> x_line, y_line = delay_effect(Figure().subplots(), [0, 1, 0, 0, 1], [0, 0, 0, 1, 0], 2)
    >>> y_line.get_xdata()[:2].tolist(), y_line.get_ydata()[:2].tolist()  # spikes: one tick each
    ([3.0, 3.0], [0.0, 1.0])
"""

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from .. import _series, style
from ._common import NiceLocator, attach, check_axes, held, remove_created, show_message, state_of

__all__ = ["delay_effect"]


def delay_effect(
    ax: Axes, x_seq: Any, delayed: Any, delay_steps: int, *, channel: int = 0, gradient: Any = None
) -> tuple[Line2D, Line2D] | Text:
    """Draw the input (solid) and the delayed output (dashed); return the two lines.

    Spike sequences (0/1) are drawn as one tick per spike, other sequences as step lines. The
    first ``delay_steps`` steps of the output (filled with zeros) are shaded, and an arrow shows
    the shift from the first input event to its delayed copy, labelled with the delay.
    ``gradient`` (the shape of ``x_seq``, e.g. ``d sum(delayed) / d x_seq``) adds green bars on a
    right axis lined up with the left one. ``[T, *]`` sequences show channel ``channel`` of the
    flattened trailing dims. Empty sequences show "no data". Called again on the same ``ax``, the
    figure updates its artists in place and returns the same lines.

    Shape:
        ``x_seq``, ``delayed``, ``gradient``: ``[T]`` or ``[T, *]``, the same shape.

    Example:
        >>> import torch
        >>> from matplotlib.figure import Figure
        >>> ax = Figure().subplots()
        >>> lines = delay_effect(ax, torch.eye(6)[:, 1], torch.eye(6)[:, 4], 3)
        >>> [t.get_text() for t in ax.texts if t.get_text()]
        ['delay 3']
        >>> delay_effect(ax, torch.eye(6)[:, 1], torch.eye(6)[:, 2], 1) is lines, ax.texts[-1].get_text()
        (True, 'delay 1')
    """
    owner = "delay_effect"
    check_axes(owner, ax)
    x, y, d, t0 = _series.delay_arrays(x_seq, delayed, delay_steps, owner, channel)
    grad = _series.gradient_array(gradient, np.shape(_series.to_numpy(x_seq, owner, "x_seq")), owner, channel)
    state = held(ax, "delay_effect", {"channel": channel, "gradient": grad is not None}, owner)
    if state is None or (x.size == 0) != (state["parts"].get("x_line") is None):
        if state is not None:
            remove_created(state)
        state = _build(ax, x.size == 0, {"channel": channel, "gradient": grad is not None})
    if x.size:
        _fill(state, x, y, d, t0, grad)
    return state["result"]


def _build(ax: Axes, empty: bool, opts: dict) -> dict:
    if empty:
        text = show_message(ax, "no data")
        attach(text, "delay_effect", ax, opts, [text])
        return state_of(text)
    shade = Rectangle(
        (-0.5, 0.0), 0.0, 1.0, transform=ax.get_xaxis_transform(), color=style.SHADE, zorder=0, label="filled with 0"
    )
    ax.add_patch(shade)
    (x_line,) = ax.plot([], [], lw=1.5, color=style.INPUT, ls="-", label="input")
    (y_line,) = ax.plot([], [], lw=1.5, color=style.OUTPUT, ls="--", label="delayed")
    arrow = ax.annotate("", xy=(0, 0), xytext=(0, 0), arrowprops=dict(arrowstyle="->", color=style.MARK, lw=1.5))
    note = ax.text(0, 0, "", va="bottom", color=style.MARK, fontsize=9)
    created: list = [shade, x_line, y_line, arrow, note]
    parts: dict = {"x_line": x_line, "y_line": y_line, "shade": shade, "arrow": arrow, "note": note, "bars": None}
    if opts["gradient"]:
        gax = getattr(ax, "_snnlab_gradient_axes", None)
        if gax is None:
            gax = ax.twinx()
            gax.set_ylabel("gradient reaching x[t]", color=style.GRADIENT)
            ax.__dict__["_snnlab_gradient_axes"] = gax
        parts["bars"] = gax.add_collection(
            LineCollection([], colors=style.GRADIENT, linewidths=3.0, alpha=0.35, label="gradient reaching x[t]")
        )
        created.append(parts["bars"])
    handles = [x_line, y_line, shade] + ([parts["bars"]] if parts["bars"] is not None else [])
    parts["legend"] = ax.legend(handles=handles, loc="upper right", fontsize=7, ncols=2)
    created.append(parts["legend"])
    ax.set_xlabel("time step")
    ax.set_ylabel("value")
    attach((x_line, y_line), "delay_effect", ax, opts, created)
    state = state_of(x_line)
    state["parts"] = parts
    return state


def _fill(state: dict, x: np.ndarray, y: np.ndarray, d: int, t0: int | None, grad: np.ndarray | None) -> None:
    ax, parts = state["ax"], state["parts"]
    lay = _series.delay_layout(x, y, d, t0, grad)
    stems = _series.is_spike_train(x, y)  # spikes as ticks, other values as steps
    for line, values in ((parts["x_line"], x), (parts["y_line"], y)):
        line.set_data(*_series.sequence_path(values, stems))
        line.set_drawstyle("default" if stems else "steps-mid")
    parts["y_line"].set_label(f"delayed by {d}")
    parts["legend"].get_texts()[1].set_text(f"delayed by {d}")
    parts["shade"].set_width(lay.shade_end + 0.5)
    parts["shade"].set_visible(d > 0)
    arrow, note = parts["arrow"], parts["note"]
    arrow.set_visible(t0 is not None)
    note.set_visible(t0 is not None)
    if t0 is not None:
        arrow.xy, arrow.xyann = (t0 + d, lay.level), (t0, lay.level)
        note.set_position((lay.note_x, lay.level + 0.04 * (lay.y_range[1] - lay.y_range[0])))
        note.set_horizontalalignment(lay.note_align)
        note.set_text(f"delay {d}")
    ax.set_xlim(-0.5, max(x.size - 0.5, 0.5))
    ax.set_ylim(*lay.y_range)
    ax.xaxis.set_major_locator(NiceLocator(integer=True))
    if parts["bars"] is not None and grad is not None:
        t = np.flatnonzero(grad != 0)
        parts["bars"].set_segments([np.array([[i, 0.0], [i, grad[i]]]) for i in t])
        step_points = ax.get_window_extent().width / max(x.size, 1) * 72.0 / ax.figure.dpi
        parts["bars"].set_linewidth(float(np.clip(0.5 * step_points, 0.5, 3.0)))  # bars keep gaps between steps
        gax = parts["bars"].axes
        gax.set_ylim(*lay.gradient_range)
        gax.set_yticks(lay.gradient_ticks)
