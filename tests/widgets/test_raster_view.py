"""RasterView: one raster, plotly when small, canvas when big; the hidden form is always empty; marks; clicks."""

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from widgets.raster_explorer import RasterExplorer
from widgets.raster_view import RasterView


def _spikes(t, n, p=0.1, seed=0):
    return (torch.rand(t, n, generator=torch.Generator().manual_seed(seed)) < p).float()


def test_the_form_follows_the_size_and_the_hidden_form_holds_no_data():
    view = RasterView(canvas_cells=500)
    for t, n, mode in [
        (10, 20, "plotly"),
        (30, 20, "canvas"),
        (5, 5, "plotly"),
        (100, 100, "canvas"),
        (2, 3, "plotly"),
    ]:
        s = _spikes(t, n, seed=t)
        view.show(s)
        assert view.mode == mode and view.drawn_spikes() == int(s.sum())
        shown, hidden = (view.canvas, view.figure_box) if mode == "canvas" else (view.figure_box, view.canvas)
        assert shown.layout.display is None and hidden.layout.display == "none"
        if mode == "canvas":
            assert view.figure.data[0].x.size == 0 and view.figure.data[1].x.size == 0
            assert (view.canvas.rows, view.canvas.cols) == (n, t)
        else:
            assert view.canvas.rows * view.canvas.cols == 0 and view.canvas.bits == b""
            assert view.figure.layout.xaxis.range == (-0.5, t - 0.5)


def test_time_ticks_are_labelled_from_the_window_start_and_stay_few():
    view = RasterView(canvas_cells=10_000)
    view.show(_spikes(300, 10), t_offset=700)
    x = view.figure.layout.xaxis
    assert x.ticktext[0] == "700" and x.ticktext[-1] == "950" and len(x.tickvals) <= 10
    assert [v + 700 for v in x.tickvals] == [int(t) for t in x.ticktext]
    assert len(view.figure.layout.yaxis.tickvals) <= 10
    assert view.figure.layout.yaxis.title.text == "neuron (0 at the bottom)"


def test_marks_move_without_sending_data_in_both_forms():
    view = RasterView(canvas_cells=100)
    view.show(_spikes(8, 6), t_offset=10)
    view.mark(neuron=4, t=12)
    line, rect = view.figure.layout.shapes
    assert (line.x0, rect.y0, rect.y1) == (2, 3.5, 4.5)
    view.mark(neuron=None, t=99)  # outside the window: no marks
    assert view.figure.layout.shapes == ()
    view.show(_spikes(50, 6), t_offset=10)
    sent = []
    view.canvas.comm.send = lambda data=None, metadata=None, buffers=None: sent.append((data, buffers))
    view.mark(neuron=5, t=20)
    assert (view.canvas.highlight, view.canvas.selected_row) == ([10, 11], 5)
    assert len(sent) == 1 and not sent[0][1] and set(sent[0][0]["state"]) == {"highlight", "selected_row"}


def test_clicks_on_either_form_report_neuron_and_absolute_step():
    view = RasterView(canvas_cells=100)
    picked = []
    view.on_select(lambda neuron, t: picked.append((neuron, t)))
    view.show(_spikes(8, 6), t_offset=10)
    view._on_figure_click(view.figure.data[0], SimpleNamespace(xs=[3.0], ys=[2]))
    view.show(_spikes(50, 6), t_offset=10)
    view.canvas.clicked = {"row": 5, "col": 49}
    assert picked == [(2, 13), (5, 59)]


def test_bad_input():
    with pytest.raises(ValueError, match="RasterView.show: t_offset must be an integer >= 0, got -2"):
        RasterView().show(torch.zeros(3, 3), t_offset=-2)
    with pytest.raises(ValueError, match=r"RasterView.show: spikes must be a \[T, N\] tensor"):
        RasterView().show(torch.zeros(3))


def test_the_plotly_canvas_round_trip_of_the_explorer_never_keeps_stale_data():
    """N=64,T=60 -> T=1000 -> N=250 (canvas) -> N=64 -> T=60 -> latency: the raster matches the summary."""
    panel = RasterExplorer(N=64, T=60, device="cpu", throttle_ms=0, canvas_cells=200_000)
    steps = [("T", 1000), ("N", 250), ("N", 64), ("T", 60), ("encoder", "latency")]
    modes = []
    for name, value in steps:
        getattr(panel, name).value = value
        result = panel.result
        first, last = result.window
        count = int(result.spikes[first : last + 1].sum())
        assert panel.summary.value.startswith(f"<code>steps {first}-{last}: {count} spikes")
        assert panel.raster.drawn_spikes() in (count, -1)  # -1: a plotly image (no per-spike count)
        assert panel.raster.n_steps == last - first + 1 and panel.raster.n_neurons == panel.N.value
        modes.append(panel.raster.mode)
    assert modes == ["plotly", "canvas", "plotly", "plotly", "plotly"]
    assert panel.raster_fig.layout.xaxis.range == (-0.5, 59.5) and panel.canvas.bits == b""
    assert np.asarray(panel.raster_fig.data[0].x).size == 64  # latency: one spike per neuron


def test_the_canvas_bins_big_windows_to_what_a_panel_can_show():
    view = RasterView()
    view.show(_spikes(2000, 1500, p=0.02))
    c = view.canvas
    assert (c.cols, c.rows, c.t_factor, c.n_factor, len(c.bits)) == (1000, 300, 2, 5, 1000 * 300 // 8)
    assert len(c.dense) == len(c.bits)  # the at-least-half plane, packed alike
    # a bin is set when any of its cells spiked
    binned = _spikes(2000, 1500, p=0.02).reshape(1000, 2, 300, 5).amax(dim=(1, 3))
    assert view.drawn_spikes() == int(binned.sum())
