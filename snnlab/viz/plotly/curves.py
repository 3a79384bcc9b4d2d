"""Training curves of several runs on one axis, and the firing-rate histogram (plotly).

Shape:
    ``runs``: ``{name: [K_i]}``; ``rates``: any shape (flattened).

Example:
    >>> fig = training_curves({"lr=0.1": [1.0, 0.6, 0.4], "lr=0.01": [1.0, 0.9]})
    >>> [t.name for t in fig.data]
    ['lr=0.1', 'lr=0.01']
"""

from collections.abc import Mapping
from typing import Any

import numpy as np
import plotly.graph_objects as go

from ...checks import check_int
from .. import _series, style
from ..data import to_numpy
from ._common import bar_histogram, check_figure, f32, fill_bars, new_figure, set_message, tag_roles

__all__ = ["firing_rate_histogram", "training_curves"]


def training_curves(
    runs: Mapping[str, Any],
    *,
    x: Mapping[str, Any] | None = None,
    xlabel: str = "step",
    ylabel: str = "loss",
    logy: bool = False,
    fig: Any = None,
) -> Any:
    """One line per run (value ``i`` at step ``i``, or at ``x[name][i]``); ``fig=`` refills one made by this function.

    Runs are matched to traces by name: existing traces are refilled, new runs get a new trace
    (added outside the batch, as plotly requires), vanished runs are emptied and hidden; a refill is
    one update message. Axis ranges hold every run. No data shows "no data" on axes from 0 to 1 (1 to
    10 with ``logy``).

    Shape:
        ``runs``: ``{name: [K_i]}``; ``x``: the same names, ``[K_i]`` each.

    Example:
        >>> fig = training_curves({"a": [3.0, 1.0]})
        >>> fig = training_curves({"a": [3.0, 1.0, 0.5], "b": [2.0]}, fig=fig)
        >>> [(t.name, t.y.tolist()) for t in fig.data], list(fig.layout.xaxis.range)
        ([('a', [3.0, 1.0, 0.5]), ('b', [2.0])], [0.0, 2.0])
    """
    owner = "training_curves"
    arrays = _series.curves(runs, owner)
    positions = _series.curve_positions(x, arrays, owner)
    skeleton = {"logy": bool(logy)}
    if fig is None:
        fig = new_figure("training_curves", skeleton)
        fig.update_layout(
            xaxis=dict(title=xlabel, autorange=False),
            yaxis=dict(title=ylabel, autorange=False, type="log" if logy else "linear"),
        )
    else:
        check_figure(owner, fig, "training_curves", skeleton)
    known = {t.name for t in fig.data}
    for name in arrays:
        if name not in known:
            fig.add_trace(go.Scatter(x=f32([]), y=f32([]), mode="lines", name=name, line=dict(width=1.5)))
    limits = _series.curve_limits(arrays, positions, bool(logy))
    tag_roles(fig)
    with fig.batch_update():
        for trace in fig.data:
            values = arrays.get(trace.name)
            if values is None:
                trace.update(x=f32([]), y=f32([]), visible=False)
            else:
                trace.update(
                    x=f32(positions[trace.name]),
                    y=f32(values),
                    visible=True,
                    mode="lines+markers" if values.size < 30 else "lines",
                )
        fig.layout.xaxis.title.text = xlabel
        fig.layout.yaxis.title.text = ylabel
        (x0, x1), (y0, y1) = limits if limits is not None else ((0.0, 1.0), (1.0, 10.0) if logy else (0.0, 1.0))
        fig.layout.xaxis.range = [x0, x1]  # without data [0, 1], not plotly's [-1, 6] (an accuracy of 4)
        fig.layout.yaxis.range = [np.log10(y0), np.log10(y1)] if logy else [y0, y1]
        set_message(fig, "no data" if limits is None else None)
    return fig


def firing_rate_histogram(
    rates: Any,
    *,
    bins: int = 20,
    range: tuple[float, float] | None = None,
    color: str = style.INPUT,
    fig: Any = None,
) -> Any:
    """A histogram of firing rates (any shape, flattened), drawn as precomputed bars; ``fig=`` refills one.

    ``range=None`` bins [0, 1] when every rate lies there (spikes per step), else [min, max].
    The title gives the neuron count, the mean rate and the silent count. No finite value shows
    "no data".

    Shape:
        ``rates``: any shape ``[*]``.

    Example:
        >>> import torch
        >>> fig = firing_rate_histogram(torch.tensor([0.0, 0.1, 0.1, 0.9]), bins=2)
        >>> fig.data[0].y.tolist(), fig.data[0].x.tolist(), fig.layout.title.text
        ([3, 1], [0.25, 0.75], '4 neurons, mean rate 0.275, 1 silent')
    """
    owner = "firing_rate_histogram"
    bins = check_int(owner, "bins", bins, minimum=1)
    value_range = _series.check_real_pair(owner, "range", range)
    counts, edges = _series.histogram(rates, bins, value_range, owner)
    values = to_numpy(rates, owner, "rates").astype(np.float64).ravel()
    finite = values[np.isfinite(values)]
    if fig is None:
        fig = bar_histogram(
            "firing_rate_histogram",
            "neurons",
            color,
            "rate %{x:.3g}<br>%{y} neurons<extra></extra>",
            "firing rate (spikes per step)",
            "neurons",
        )
    else:
        check_figure(owner, fig, "firing_rate_histogram", {})
    with fig.batch_update():
        fill_bars(fig, "neurons", counts, edges)
        fig.layout.title.text = _series.rate_summary(finite) if finite.size else ""
        set_message(fig, "no data" if finite.size == 0 else None)
    return fig
