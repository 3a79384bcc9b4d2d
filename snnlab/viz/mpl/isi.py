"""Inter-spike-interval histogram of a raster (matplotlib).

Shape:
    ``spikes``: ``[T, N]`` (or ``[T]``, one neuron).

Example:
    >>> import torch
    >>> from matplotlib.figure import Figure
    >>> bars = isi_histogram(Figure().subplots(), torch.eye(4).repeat(3, 1))  # every neuron fires every 4 steps
    >>> [int(b.get_height()) for b in bars]
    [0, 0, 0, 8]
"""

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.container import BarContainer

from .. import _series, style
from ._common import NiceLocator, attach, check_axes, held, remove_created

__all__ = ["isi_histogram"]


def isi_histogram(ax: Axes, spikes: Any, *, bins: int = 20, color: str = style.INPUT) -> BarContainer:
    """Draw how long neurons wait between spikes: a histogram of inter-spike intervals; return the bars.

    Intervals of every neuron are pooled, in whole time steps (at most ``bins`` bars); the title
    gives the count, the mean and the coefficient of variation (about 1 for Poisson-like firing,
    near 0 for regular firing). A raster where no neuron spiked twice says so in the title.
    Called again on the same ``ax``, the bars are moved and resized in place (drawn again only when
    the number of bins changes).

    Shape:
        ``spikes``: ``[T, N]`` (or ``[T]``).

    Example:
        >>> import torch
        >>> from matplotlib.figure import Figure
        >>> ax = Figure().subplots()
        >>> bars = isi_histogram(ax, torch.tensor([1, 0, 1, 0, 1, 1]))
        >>> [int(b.get_height()) for b in bars], ax.get_title()
        ([1, 2], '3 intervals, mean 1.67 steps, CV 0.28')
        >>> isi_histogram(ax, torch.tensor([1, 1, 0, 1, 0, 0])) is bars, [int(b.get_height()) for b in bars]
        (True, [1, 1])
    """
    owner = "isi_histogram"
    check_axes(owner, ax)
    isi = _series.inter_spike_intervals(spikes, bins, owner)
    opts = {"bins": bins, "color": color}
    state = held(ax, "isi_histogram", opts, owner)
    if state is not None and len(state["result"]) == isi.counts.size:  # as many bins: move and resize the bars
        bars = state["result"]
        for bar, left, width, c in zip(bars, isi.edges[:-1], np.diff(isi.edges), isi.counts):
            bar.set_x(float(left))
            bar.set_width(float(width))
            bar.set_height(float(c))
        _axes_text(ax, isi)
        return bars
    if state is not None:
        remove_created(state)
    bars = ax.bar(
        isi.edges[:-1],
        isi.counts.astype(np.float64),
        width=np.diff(isi.edges),
        align="edge",
        color=color,
        edgecolor="white",
        linewidth=0.5,
    )
    ax.xaxis.set_major_locator(NiceLocator(integer=True))
    ax.set_xlabel("interval between spikes of one neuron (time steps)")
    ax.set_ylabel("intervals")
    attach(bars, "isi_histogram", ax, opts, [bars])
    _axes_text(ax, isi)
    return bars


def _axes_text(ax: Axes, isi: _series.Intervals) -> None:
    ax.set_xlim(isi.edges[0], isi.edges[-1])
    ax.set_ylim(0, max(int(isi.counts.max(initial=0)), 1) * 1.08)
    ax.set_title(isi.title, fontsize=10)
