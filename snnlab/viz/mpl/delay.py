"""Input vs delayed sequence and the shift between them (matplotlib).

Shape:
    ``x_seq``, ``delayed``: ``[T]`` or ``[T, *]`` (one channel is shown).

Example:
    >>> from matplotlib.figure import Figure
    >>> x_line, y_line = delay_effect(Figure().subplots(), [0, 1, 0, 0, 1], [0, 0, 0, 1, 0], 2)
    >>> y_line.get_xdata()[:2].tolist(), y_line.get_ydata()[:2].tolist()  # spikes: one tick each
    ([3.0, 3.0], [0.0, 1.0])
"""

import numpy as np

from .. import _series
from ._common import attach, check_axes, remove_created, show_message, state_of

__all__ = ["delay_effect", "update_delay_effect"]


def delay_effect(ax, x_seq, delayed, delay_steps, *, channel=0):
    """Draw the input (solid) and the delayed output (dashed) as step lines; return the two lines.

    The first ``delay_steps`` steps of the output (filled with zeros) are shaded, and an arrow
    shows the shift from the first input event to its delayed copy, labelled with the delay.
    ``[T, *]`` sequences show channel ``channel`` of the flattened trailing dims. Empty
    sequences show "no data".

    Shape:
        ``x_seq``, ``delayed``: ``[T]`` or ``[T, *]``, the same shape.

    Example:
        >>> import torch
        >>> from matplotlib.figure import Figure
        >>> ax = Figure().subplots()
        >>> lines = delay_effect(ax, torch.eye(6)[:, 1], torch.eye(6)[:, 4], 3)
        >>> [t.get_text() for t in ax.texts if t.get_text()]
        ['delay 3']
    """
    owner = "delay_effect"
    check_axes(owner, ax)
    x, y, d, t0 = _series.delay_arrays(x_seq, delayed, delay_steps, owner, channel)
    return _draw(ax, x, y, d, t0, {"channel": channel})


def update_delay_effect(lines, x_seq, delayed, delay_steps):
    """Redraw :func:`delay_effect` with new sequences and delay on the same axes; returns the lines to keep.

    Shape:
        as in :func:`delay_effect`.

    Example:
        >>> from matplotlib.figure import Figure
        >>> lines = delay_effect(Figure().subplots(), [1, 0, 0], [1, 0, 0], 0)
        >>> lines = update_delay_effect(lines, [1, 0, 0], [0, 1, 0], 1)
        >>> lines[1].get_xdata()[:2].tolist()  # the spike moved to step 1
        [1.0, 1.0]
    """
    owner = "update_delay_effect"
    state = state_of(lines, "delay_effect", owner)
    x, y, d, t0 = _series.delay_arrays(x_seq, delayed, delay_steps, owner, state["options"]["channel"])
    remove_created(state)
    return _draw(state["ax"], x, y, d, t0, state["options"])


def _draw(ax, x, y, d, t0, opts):
    if x.size == 0:
        text = show_message(ax, "no data")
        attach(text, "delay_effect", ax, opts, [text])
        return text
    finite = np.concatenate([x[np.isfinite(x)], y[np.isfinite(y)], [0.0]])
    lo, hi = float(finite.min()), float(finite.max())
    span = max(hi - lo, 1e-3)
    created = [ax.axvspan(-0.5, min(d, x.size) - 0.5, color="0.9", zorder=0, label="filled with 0")] if d else []
    lines_drawn, stems = [], _series.is_spike_train(x, y)
    for values, style in ((x, dict(color="#1f77b4", ls="-", label="input")),
                          (y, dict(color="#ff7f0e", ls="--", label=f"delayed by {d}"))):  # fmt: skip
        xs, ys = _series.sequence_path(values, stems)  # spikes as ticks, other values as steps
        where = dict(drawstyle="default") if stems else dict(drawstyle="steps-mid")
        lines_drawn.append(ax.plot(xs, ys, lw=1.5, **where, **style)[0])
    x_line, y_line = lines_drawn
    created += [x_line, y_line]
    if t0 is not None:
        level = hi + 0.12 * span
        created.append(
            ax.annotate(
                "", xy=(t0 + d, level), xytext=(t0, level), arrowprops=dict(arrowstyle="->", color="tab:red", lw=1.5)
            )
        )
        created.append(
            ax.text(
                t0 + d / 2, level + 0.04 * span, f"delay {d}", ha="center", va="bottom", color="tab:red", fontsize=9
            )
        )
    created.append(ax.legend(loc="upper right", fontsize=8))
    ax.set_xlim(-0.5, x.size - 0.5)
    ax.set_ylim(lo - 0.08 * span, hi + 0.45 * span)
    ax.set_xlabel("time step")
    ax.set_ylabel("value")
    lines = (x_line, y_line)
    attach(lines, "delay_effect", ax, opts, created)
    return lines
