"""Inter-spike-interval histogram of a raster (plotly).

Traces, by role (find one with :func:`snnlab.viz.plotly.trace`): ``"intervals"`` (the bars).

Shape:
    ``spikes``: ``[T, N]`` (or ``[T]``, one neuron).

Example:
    >>> import torch
    >>> fig = isi_histogram(torch.eye(4).repeat(3, 1))  # every neuron fires every 4 steps
    >>> fig.data[0].y.tolist()
    [0, 0, 0, 8]
"""

from typing import Any

import numpy as np

from .. import _series, style
from ..ticks import MAX_TICKS, nice_ticks
from ._common import bar_histogram, check_figure, fill_bars

__all__ = ["isi_histogram"]


def isi_histogram(spikes: Any, *, bins: int = 20, color: str = style.INPUT, fig: Any = None) -> Any:
    """How long neurons wait between spikes: a histogram of inter-spike intervals; ``fig=`` refills one.

    Intervals of every neuron are pooled, in whole time steps (at most ``bins`` bars); the title
    gives the count, the mean and the coefficient of variation (about 1 for Poisson-like firing,
    near 0 for regular firing). A raster where no neuron spiked twice says so in the title.

    Shape:
        ``spikes``: ``[T, N]`` (or ``[T]``).

    Example:
        >>> import torch
        >>> from snnlab.viz.plotly import trace
        >>> fig = isi_histogram(torch.tensor([1, 0, 1, 0, 1, 1]))
        >>> trace(fig, "intervals").y.tolist(), fig.layout.title.text
        ([1, 2], '3 intervals, mean 1.67 steps, CV 0.28')
    """
    owner = "isi_histogram"
    isi = _series.inter_spike_intervals(spikes, bins, owner)
    if fig is None:
        fig = bar_histogram(
            "isi_histogram",
            "intervals",
            color,
            "interval %{x:.3g} steps<br>%{y} intervals<extra></extra>",
            "interval between spikes of one neuron (time steps)",
            "intervals",
        )
    else:
        check_figure(owner, fig, "isi_histogram", {})
    edges = isi.edges
    xt = nice_ticks(float(np.ceil(edges[0])), float(np.floor(edges[-1])), MAX_TICKS - 2, integer=True)
    with fig.batch_update():
        fill_bars(fig, "intervals", isi.counts, edges)
        fig.layout.xaxis.update(tickmode="array", tickvals=xt, ticktext=[str(v) for v in xt])
        fig.layout.title.text = isi.title
    return fig
