"""snnlab.viz weight_matrix: the tiling rule, both twins, in-place updates."""

import inspect

import numpy as np
import plotly.graph_objects as go
import pytest
import torch
from matplotlib.figure import Figure

from snnlab.viz import _weights
from snnlab.viz import mpl as vm
from snnlab.viz import plotly as vp


def test_tiles_wrap_into_a_near_square_grid_with_labels_at_tile_centres():
    w = torch.arange(5 * 4.0).view(5, 4)  # five 2 x 2 fields: three per row, two rows
    grid = _weights.weight_grid(w, (2, 2), "t")
    assert grid.shape == (5, 8)
    np.testing.assert_array_equal(grid[3:5, 0:2], w[3].view(2, 2).numpy())  # neuron 3 starts the second row
    np.testing.assert_array_equal(grid[3:5, 3:5], w[4].view(2, 2).numpy())
    assert np.isnan(grid[2]).all() and np.isnan(grid[3:5, 6:8]).all()  # the gap row and the empty sixth tile
    ticks = _weights.tile_ticks(5, (2, 2), 10, 10)
    assert ticks.x == [0.5, 3.5, 6.5] and ticks.x_labels == ["0", "1", "2"]
    assert ticks.y == [0.5, 3.5] and ticks.y_labels == ["0", "3"]
    ax = Figure().subplots()
    vm.weight_matrix(ax, w, image_shape=(2, 2))
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0", "3"]
    fig = vp.weight_matrix(w, image_shape=(2, 2))
    assert list(fig.layout.yaxis.ticktext) == ["0", "3"] and list(fig.layout.xaxis.tickvals) == [0.5, 3.5, 6.5]


def test_grid_tiles_each_neuron_with_nan_gaps():
    w = torch.arange(12.0).view(2, 6)
    grid = _weights.weight_grid(w, (2, 3), "t")
    expected = np.array([[0, 1, 2, np.nan, 6, 7, 8], [3, 4, 5, np.nan, 9, 10, 11]], dtype=float)
    np.testing.assert_array_equal(grid, expected)
    np.testing.assert_array_equal(_weights.weight_grid(w, None, "t"), w.numpy())


def test_grid_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"weight_matrix: image_shape \(4, 4\) holds 16 inputs, but weights have 6"):
        vm.weight_matrix(Figure().subplots(), torch.zeros(2, 6), image_shape=(4, 4))
    with pytest.raises(
        ValueError, match=r"weight_matrix: weights must be \[out, in\] \(or \[in\]\), got shape \[1, 2, 3\]"
    ):
        vp.weight_matrix(torch.zeros(1, 2, 3))
    with pytest.raises(ValueError, match="image_shape must be None or \\(height, width\\)"):
        vp.weight_matrix(torch.zeros(1, 4), image_shape=(2, 2.0))


def test_twins_take_the_same_arguments():
    def params(f, drop):
        return [(p.name, p.default) for p in inspect.signature(f).parameters.values() if p.name not in drop]

    mpl = params(vm.weight_matrix, {"ax", "cmap"})
    plotly = params(vp.weight_matrix, {"fig", "colorscale"})
    assert mpl == plotly


def test_mpl_update_is_in_place_and_redraws_on_a_new_shape():
    ax = Figure().subplots()
    im = vm.weight_matrix(ax, torch.zeros(2, 4), image_shape=(2, 2), vmin=0.0, vmax=1.0)
    assert vm.weight_matrix(ax, torch.full((2, 4), 0.5), image_shape=(2, 2), vmin=0.0, vmax=1.0, title="t=1") is im
    assert np.nanmax(im.get_array()) == 0.5 and im.get_clim() == (0.0, 1.0)
    im2 = vm.weight_matrix(ax, torch.zeros(3, 4), image_shape=(2, 2), vmin=0.0, vmax=1.0)
    assert im2 is not im and im2.get_array().shape == (5, 5)  # three tiles: two per row, two rows
    assert len(ax.images) == 1 and len(ax.figure.axes) == 2  # the old image and colour bar are gone
    with pytest.raises(
        ValueError, match=r"weight_matrix: the axes hold a figure made with image_shape=\(2, 2\), got image_shape=None"
    ):
        vm.weight_matrix(ax, torch.zeros(3, 4))


def test_plotly_refills_a_figure_widget_with_json_cells():
    fig = go.FigureWidget(vp.weight_matrix(torch.zeros(2, 4), image_shape=(2, 2), vmin=0, vmax=1))
    out = vp.weight_matrix(torch.ones(2, 4), image_shape=(2, 2), vmin=0, vmax=1, title="after", fig=fig)
    assert out is fig
    assert list(fig.data[0].z[0]) == [1.0, 1.0, None, 1.0, 1.0]
    assert fig.layout.title.text == "after" and list(fig.layout.xaxis.range) == [-0.5, 4.5]
    with pytest.raises(ValueError, match=r"fig was made with image_shape=\[2, 2\], got image_shape=None"):
        vp.weight_matrix(torch.ones(2, 4), fig=fig)
