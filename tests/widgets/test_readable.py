"""Every figure of every panel stays readable at large sizes: a dozen tick labels per axis or colour bar at most.

Counts the labels plotly will draw from each FigureWidget's own state (headless): an explicit list
(``tickvals``), a fixed step (``dtick`` over the axis range), or plotly's automatic choice, which is
bounded only when ``nticks`` is unset or small.
"""

import pytest

from snnlab.viz.ticks import MAX_TICKS
from tests.widgets.test_spike_debugger import inputs, make_net
from widgets import DelayExplorer, NeuronPlayground, RasterExplorer, SimilarityExplorer, SpikeDebugger


def tick_labels(axis, span=None):
    """The number of tick labels plotly draws on ``axis`` (an axis or a colour bar); None when automatic."""
    if axis.tickmode == "array" or axis.tickvals is not None:
        return len(axis.tickvals or ())
    if axis.dtick is not None and span is not None:
        return int(abs(span[1] - span[0]) // float(axis.dtick)) + 1
    assert axis.nticks in (None, 0) or axis.nticks <= MAX_TICKS, axis.nticks
    return None


def all_tick_counts(fig):
    counts = {}
    for name in fig.layout:
        if name.startswith(("xaxis", "yaxis")) and fig.layout[name] is not None:
            axis = fig.layout[name]
            counts[name] = tick_labels(axis, axis.range)
    for k, trace in enumerate(fig.data):
        bar = getattr(trace, "colorbar", None)
        if bar is not None and getattr(trace, "showscale", True) is not False:
            zmin, zmax = getattr(trace, "zmin", None), getattr(trace, "zmax", None)
            span = (zmin, zmax) if zmin is not None and zmax is not None else None
            counts[f"colorbar {k}"] = tick_labels(bar, span)
    return counts


PANELS = {
    "raster_explorer_big": lambda: RasterExplorer(N=2000, T=500, device="cpu", throttle_ms=0),
    "raster_explorer_latency": lambda: RasterExplorer(encoder="latency", N=300, T=1000, device="cpu", throttle_ms=0),
    "neuron_playground": lambda: NeuronPlayground(device="cpu", throttle_ms=0),
    "delay_explorer_long": lambda: DelayExplorer(T=200, device="cpu", throttle_ms=0),
    "similarity_explorer": lambda: SimilarityExplorer(device="cpu", throttle_ms=0),
    "spike_debugger": lambda: SpikeDebugger(make_net(), inputs(T=300), device="cpu"),
}


@pytest.mark.parametrize("name", sorted(PANELS))
def test_no_axis_or_colour_bar_of_a_panel_carries_more_than_a_dozen_labels(name):
    panel = PANELS[name]()
    assert panel.error is None, panel.status_text
    figures = panel.figure_widgets()
    assert figures
    for fig in figures:
        for where, count in all_tick_counts(fig).items():
            assert count is None or 1 <= count <= MAX_TICKS, (name, fig.layout.meta, where, count)


def test_the_first_spike_map_of_a_long_window_keeps_few_colour_bar_labels():
    """T=500 once gave the first-spike colour bar 500 labels (the skeleton's dtick=1 stayed)."""
    panel = RasterExplorer(encoder="latency", N=40, T=8, device="cpu", throttle_ms=0)
    panel.T.value = 500
    bar = panel.first_fig.data[0].colorbar
    assert 2 <= len(bar.tickvals) <= MAX_TICKS and bar.tickvals[-1] <= 499
    assert panel.first_fig.layout.xaxis.dtick is None and panel.first_fig.layout.yaxis.dtick is None
