"""Training curves of several runs on one axis, and the firing-rate histogram (matplotlib).

Shape:
    ``runs``: ``{name: [K_i]}``; ``rates``: any shape (flattened).

Example:
    >>> from matplotlib.figure import Figure
    >>> lines = training_curves(Figure().subplots(), {"lr=0.1": [1.0, 0.6, 0.4], "lr=0.01": [1.0, 0.9]})
    >>> [l.get_label() for l in lines]
    ['lr=0.1', 'lr=0.01']
"""

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.container import BarContainer
from matplotlib.lines import Line2D
from matplotlib.text import Text

from ...checks import check_int
from .. import _series, style
from ..data import to_numpy
from ._common import attach, check_axes, check_real_pair, held, remove_created, show_message, state_of

__all__ = ["firing_rate_histogram", "training_curves"]


def training_curves(
    ax: Axes,
    runs: Mapping[str, Any],
    *,
    x: Mapping[str, Any] | None = None,
    xlabel: str = "step",
    ylabel: str = "loss",
    logy: bool = False,
) -> tuple[Line2D, ...] | tuple[Text]:
    """Draw one line per run (value ``i`` at step ``i``, or at ``x[name][i]``) on ``ax``; return the lines.

    The lines come in the runs' order. Axis ranges hold every run (positive values when ``logy``).
    No run or only empty runs show "no data" (and the returned tuple holds that message).

    Shape:
        ``runs``: ``{name: [K_i]}`` (sequences, tensors or arrays); ``x``: the same names, ``[K_i]`` each.

    Example:
        >>> import torch
        >>> from matplotlib.figure import Figure
        >>> ax = Figure().subplots()
        >>> lines = training_curves(ax, {"a": torch.tensor([3.0, 1.0])}, logy=True)
        >>> lines[0].get_ydata().tolist(), ax.get_yscale()
        ([3.0, 1.0], 'log')
    """
    owner = "training_curves"
    check_axes(owner, ax)
    opts: dict[str, Any] = dict(xlabel=xlabel, ylabel=ylabel, logy=bool(logy))
    arrays = _series.curves(runs, owner)
    positions = _series.curve_positions(x, arrays, owner)
    limits = _series.curve_limits(arrays, positions, opts["logy"])
    state = held(ax, "training_curves", opts, owner, skeleton=("logy",))
    if state is not None and state["parts"].get("names") == tuple(arrays) and limits is not None:
        lines = state["result"]
        for line, (name, values) in zip(lines, arrays.items()):
            line.set_data(positions[name], values)
            line.set_marker("o" if values.size < 30 else "None")
        ax.set_xlim(*limits[0])
        ax.set_ylim(*limits[1])
        return lines
    if state is not None:
        remove_created(state)
    return _draw_curves(ax, arrays, positions, limits, opts)


def _draw_curves(ax, arrays, positions, limits, opts):
    ax.set_xlabel(opts["xlabel"])  # labelled with data or without, as the plotly twin is
    ax.set_ylabel(opts["ylabel"])
    if limits is None:
        text = (show_message(ax, "no data"),)
        attach(text, "training_curves", ax, opts, list(text))
        return text
    lines = tuple(
        ax.plot(positions[name], v, lw=1.5, label=name, marker="o" if v.size < 30 else None, ms=3)[0]
        for name, v in arrays.items()
    )
    ax.set_yscale("log" if opts["logy"] else "linear")
    ax.set_xlim(*limits[0])
    ax.set_ylim(*limits[1])
    legend = ax.legend(fontsize=8)
    attach(lines, "training_curves", ax, opts, list(lines) + [legend])
    state_of(lines[0])["parts"] = {"names": tuple(arrays)}
    return lines


def firing_rate_histogram(
    ax: Axes, rates: Any, *, bins: int = 20, range: tuple[float, float] | None = None, color: str = style.INPUT
) -> BarContainer | Text:
    """Draw a histogram of firing rates (any shape, flattened); return the ``BarContainer``.

    ``range=None`` bins [0, 1] when every rate lies there (spikes per step), else [min, max].
    The title gives the neuron count and the mean rate. No finite value shows "no data".

    Shape:
        ``rates``: any shape ``[*]``.

    Example:
        >>> import torch
        >>> from matplotlib.figure import Figure
        >>> ax = Figure().subplots()
        >>> bars = firing_rate_histogram(ax, torch.tensor([0.0, 0.1, 0.1, 0.9]), bins=2)
        >>> [float(b.get_height()) for b in bars], ax.get_title()
        ([3.0, 1.0], '4 neurons, mean rate 0.275, 1 silent')
    """
    owner = "firing_rate_histogram"
    check_axes(owner, ax)
    opts = dict(
        bins=check_int(owner, "bins", bins, minimum=1), range=check_real_pair(owner, "range", range), color=color
    )
    state = held(ax, "firing_rate_histogram", opts, owner)
    if state is not None:
        counts, edges, finite = _hist(rates, opts, owner)
        if state["parts"].get("edges") is not None and finite.size and np.array_equal(edges, state["parts"]["edges"]):
            bars = state["result"]
            for bar, c in zip(bars, counts):
                bar.set_height(float(c))
            ax.set_ylim(0, max(int(counts.max()), 1) * 1.08)
            ax.set_title(_hist_title(finite), fontsize=10)
            return bars
        remove_created(state)
    return _draw_hist(ax, rates, opts, owner)


def _hist(rates, opts, owner):
    counts, edges = _series.histogram(rates, opts["bins"], opts["range"], owner)
    values = to_numpy(rates, owner, "rates").astype(np.float64).ravel()
    return counts, edges, values[np.isfinite(values)]


def _hist_title(finite):
    return _series.rate_summary(finite)


def _draw_hist(ax, rates, opts, owner):
    counts, edges, finite = _hist(rates, opts, owner)
    if finite.size == 0:
        text = show_message(ax, "no data")
        attach(text, "firing_rate_histogram", ax, opts, [text])
        return text
    bars = ax.bar(
        edges[:-1],
        counts.astype(np.float64),
        width=np.diff(edges),
        align="edge",
        color=opts["color"],
        edgecolor="white",
        linewidth=0.5,
    )
    ax.set_xlim(edges[0], edges[-1])
    ax.set_ylim(0, max(int(counts.max()), 1) * 1.08)
    ax.set_xlabel("firing rate (spikes per step)")
    ax.set_ylabel("neurons")
    ax.set_title(_hist_title(finite), fontsize=10)
    attach(bars, "firing_rate_histogram", ax, opts, [bars])
    state_of(bars)["parts"] = {"edges": edges}
    return bars
