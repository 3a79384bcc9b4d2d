"""first_spike_map: layout of [N] and [H, W], colour scale, never-fired marked, empty input, updates."""

import numpy as np
import plotly.graph_objects as go
import pytest
import torch
from matplotlib.figure import Figure

from snnlab.viz import mpl as vm
from snnlab.viz import plotly as vp
from snnlab.viz import style as vm_style
from snnlab.viz.ticks import MAX_TICKS


def _reference_grid(times, width):
    n = len(times)
    rows = -(-n // width)
    grid = np.full((rows, width), np.nan)
    for i, t in enumerate(times):
        grid[i // width, i % width] = t if t >= 0 else np.nan
    return grid


def test_mpl_flat_layout_colours_and_never_fired_marks(device):
    times = [4, -1, 0, 2, -1, 7, 1]
    ax = Figure().subplots()
    im = vm.first_spike_map(ax, torch.tensor(times, device=device))
    arr = im.get_array()
    ref = _reference_grid(times, 3)
    assert arr.shape == (3, 3) and arr.mask.tolist() == [[False] * 3, [False] * 3, [False, True, True]]
    fired = ~np.isnan(ref)
    np.testing.assert_array_equal(arr.data[fired], ref[fired])
    assert (arr.data[~fired & ~arr.mask] < 0).all()
    assert im.get_clim() == (0.0, 7.0)
    assert tuple(im.cmap.get_under()[:3]) != tuple(im.cmap(0.0)[:3])
    crosses = im._snnlab["parts"]["crosses"]
    assert crosses.get_offsets().tolist() == [[1.0, 0.0], [1.0, 1.0]]
    assert ax.get_title() == "first spike: 2 of 7 never fired"


def test_mpl_feature_map_big_and_update():
    times = torch.randint(-1, 20, (60, 60), generator=torch.Generator().manual_seed(0))
    ax = Figure().subplots()
    im = vm.first_spike_map(ax, times, t_max=25)
    assert im.get_array().shape == (60, 60) and im.get_clim() == (0.0, 25.0)
    assert im._snnlab["parts"]["crosses"] is None
    assert ax.get_title() == f"first spike: {int((times < 0).sum())} of 3600 never fired"
    same = vm.first_spike_map(ax, torch.zeros(60, 60))
    assert same is im and ax.get_title() == "first spike: 0 of 3600 never fired"
    empty = vm.first_spike_map(ax, torch.zeros(0))
    assert empty.get_text() == "no data" and len(ax.images) == 0
    again = vm.first_spike_map(ax, torch.tensor([-1, -1]))
    assert again.get_array().shape == (1, 2) and ax.get_title() == "first spike: 2 of 2 never fired"
    assert len(ax.figure.axes) == 2


def test_bad_times_shape():
    with pytest.raises(ValueError, match=r"first_spike_map: times must be \[N\] .* got shape \[2, 3, 4\]"):
        vp.first_spike_map(torch.zeros(2, 3, 4))


def test_plotly_heatmap_never_layer_and_update():
    times = [4, -1, 0, 2, -1, 7, 1]
    fig = vp.first_spike_map(torch.tensor(times))
    np.testing.assert_array_equal(fig.data[0].z, _reference_grid(times, 3).astype(np.float32))
    never = fig.data[1].z
    assert np.nan_to_num(never, nan=-9).tolist() == [[-9, 1, -9], [-9, 4, -9], [-9, -9, -9]]  # the neuron's index
    xs, ys = vp.cross_positions(fig, "never fired (x)")
    assert xs.tolist() == [1.0, 1.0] and ys.tolist() == [0.0, 1.0]
    crosses = vp.marks(fig, "never fired (x)")
    assert crosses.visible is True and crosses.line.color == vm_style.MARK and crosses.line.width == 1.5
    assert (crosses.xref, crosses.yref) == ("x", "y") and fig.data[2].x.size == 1  # one shape, not a marker each
    assert fig.data[0].customdata.tolist() == [[0, 1, 2], [3, 4, 5], [6, -1, -1]]
    assert (fig.data[0].zmin, fig.data[0].zmax) == (0.0, 7.0)
    assert fig.layout.title.text == "first spike: 2 of 7 never fired"
    widget = go.FigureWidget(fig)
    assert vp.first_spike_map(torch.zeros(0), fig=widget) is widget
    assert widget.layout.annotations[0].visible and widget.layout.annotations[0].text == "no data"
    vp.first_spike_map(torch.tensor([[3, -1], [-1, 2]]), fig=widget)  # [H, W]: (column, row), row 0 at the top
    assert [a.tolist() for a in vp.cross_positions(widget, "never fired (x)")] == [[1.0, 0.0], [0.0, 1.0]]
    vp.first_spike_map(torch.full((50, 50), -1), fig=widget, marker_max=100)  # too many cells: grey only
    assert vp.marks(widget, "never fired (x)").visible is False and widget.layout.annotations[0].visible is False
    assert vp.cross_positions(widget, "never fired (x)")[0].size == 0


def test_plotly_figurewidget_grids_are_json_compliant():
    """A FigureWidget sends heatmap grids as JSON: never-fired cells travel as null, not NaN."""
    import json

    from plotly.serializers import custom_serializers

    fig = go.FigureWidget(vp.first_spike_map(torch.zeros(0, dtype=torch.long)))
    vp.first_spike_map(torch.tensor([3, -1, 2, -1]), fig=fig)
    assert [list(row) for row in fig.data[0].z] == [[3.0, None], [2.0, None]]
    assert [list(row) for row in fig.data[1].z] == [[None, 1], [None, 3]]  # never fired: the neuron's index
    # what the widget sends: its serializer's output, as JSON without NaN
    sent = custom_serializers["to_json"]([trace["z"] for trace in fig.to_dict()["data"][:2]], None)
    assert json.loads(json.dumps(sent, allow_nan=False)) == [[[3, None], [2, None]], [[None, 1], [None, 3]]]


def test_small_grids_get_one_tick_per_cell_never_half_cells():
    """A 3x3 map used to show ticks at 0, 0.5, 1, ...: cells sit at whole numbers."""
    times = torch.tensor([4, -1, 0, 2, -1, 7, 1])
    ax = Figure().subplots()
    im = vm.first_spike_map(ax, times)
    ax.figure.canvas.draw()
    for ticks in (ax.get_xticks(), ax.get_yticks(), im.colorbar.get_ticks()):
        assert len(ticks) > 1 and np.all(ticks == np.round(ticks)), ticks
    fig = vp.first_spike_map(times)
    assert fig.layout.xaxis.tickvals == (0, 1, 2) and fig.layout.yaxis.tickvals == (0, 1, 2)
    assert fig.data[0].colorbar.tickvals == tuple(range(8))
    # square cells are kept by shrinking the plot area; padding the y range showed rows -2, -1, 11, 12
    assert fig.layout.xaxis.constrain == fig.layout.yaxis.constrain == "domain"
    vp.first_spike_map(torch.randint(-1, 100, (40, 40), generator=torch.Generator().manual_seed(0)), fig=fig)
    assert fig.layout.xaxis.tickvals == (0, 5, 10, 15, 20, 25, 30, 35) and fig.data[0].colorbar.tickvals[-1] == 90


@pytest.mark.parametrize("n, t_max", [(2000, 499), (37, 1999), (5, 3)])
def test_both_twins_keep_a_dozen_tick_labels_at_most(n, t_max):
    """Tick labels are chosen from the range, never one per cell or per time step (they overlapped)."""
    times = torch.randint(-1, t_max + 1, (n,), generator=torch.Generator().manual_seed(n))
    fig = vp.first_spike_map(times, t_max=t_max)
    for ticks in (fig.layout.xaxis.tickvals, fig.layout.yaxis.tickvals, fig.data[0].colorbar.tickvals):
        assert 1 <= len(ticks) <= MAX_TICKS, ticks
    ax = Figure().subplots()
    im = vm.first_spike_map(ax, times, t_max=t_max)
    ax.figure.canvas.draw()
    lo_x, hi_x = sorted(ax.get_xlim())
    lo_y, hi_y = sorted(ax.get_ylim())
    shown = [
        [v for v in ax.get_xticks() if lo_x <= v <= hi_x],
        [v for v in ax.get_yticks() if lo_y <= v <= hi_y],
        [v for v in im.colorbar.get_ticks() if 0 <= v <= t_max],
    ]
    for ticks in shown:
        assert 1 <= len(ticks) <= MAX_TICKS, ticks
    assert fig.layout.xaxis.title.text == ax.get_xlabel()  # the twins name their axes alike
