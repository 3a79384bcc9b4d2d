"""raster: matplotlib and plotly forms, marker and image paths, layers, rate margin, empty input, updates."""

import base64
import io

import numpy as np
import plotly.graph_objects as go
import pytest
import torch
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.image import AxesImage

from snnlab.viz import mpl as vm
from snnlab.viz import plotly as vp


def _ax():
    return Figure().subplots()


def _spikes(t, n, p, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(t, n, generator=g) < p).float()


def _texts(ax):
    return [t.get_text() for t in ax.texts if t.get_visible()]


def test_mpl_marker_path_holds_every_spike(device):
    s = _spikes(30, 12, 0.2).to(device)
    ax = _ax()
    art = vm.raster(ax, s)
    assert isinstance(art, PathCollection)
    t, n = torch.nonzero(s.cpu(), as_tuple=True)
    np.testing.assert_array_equal(art.get_offsets(), np.column_stack([t.numpy(), n.numpy()]))
    assert ax.get_xlim() == (-0.5, 29.5) and ax.get_ylim() == (-0.5, 11.5)
    assert _texts(ax) == []


def test_mpl_big_input_takes_the_image_path_and_keeps_the_cells():
    s = _spikes(1000, 1000, 0.05)
    art = vm.raster(_ax(), s, max_rows=1000, max_cols=1000)
    assert isinstance(art, AxesImage)
    np.testing.assert_array_equal(art.get_array(), s.T.numpy())
    assert art.get_extent() == [-0.5, 999.5, -0.5, 999.5]


def test_mpl_image_is_binned_to_the_axes_pixels_by_default():
    s = _spikes(1000, 1000, 0.05)
    ax = Figure(figsize=(6.4, 4.8), dpi=100).subplots()
    box = ax.get_window_extent()
    art = vm.raster(ax, s)
    rows, cols = art.get_array().shape
    assert rows <= np.ceil(box.height) and cols <= np.ceil(box.width)
    ft, fn = -(-1000 // cols), -(-1000 // rows)
    assert art.get_array().sum() * ft * fn == pytest.approx(float(s.sum()))


def test_mpl_marker_max_moves_the_threshold():
    s = _spikes(20, 10, 0.5)
    assert isinstance(vm.raster(_ax(), s, marker_max=int(s.sum())), PathCollection)
    assert isinstance(vm.raster(_ax(), s, marker_max=int(s.sum()) - 1), AxesImage)


def test_mpl_long_raster_is_binned():
    s = _spikes(10_000, 50, 0.02)
    ax = _ax()
    art = vm.raster(ax, s, marker_max=0, max_cols=2000)
    assert art.get_array().shape == (50, 2000)
    expected = s.T.reshape(50, 2000, 5).mean(dim=2).numpy()
    np.testing.assert_allclose(art.get_array(), expected, rtol=1e-6)
    assert ax.get_xlabel() == "time step (bins of 5)"
    assert ax.get_xlim() == (-0.5, 9999.5)


def test_mpl_empty_and_silent_inputs_show_a_message():
    ax = _ax()
    vm.raster(ax, torch.zeros(0, 5))
    assert _texts(ax) == ["no data"]
    ax = _ax()
    art = vm.raster(ax, torch.zeros(8, 5))
    assert _texts(ax) == ["no spikes"] and len(art.get_offsets()) == 0
    art = vm.raster(ax, torch.eye(8, 5))
    assert _texts(ax) == [] and len(art.get_offsets()) == 5


def test_mpl_layers_rate_margin_and_update():
    layers = {"conv": _spikes(40, 6, 0.3), "fc": _spikes(40, 3, 0.6, seed=1)}
    ax = _ax()
    art = vm.raster(ax, layers, rate_margin=True)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["conv", "fc"]
    assert [line.get_ydata()[0] for line in ax.lines] == [5.5]
    rate_line = art._snnlab["parts"]["rate_line"]
    expected = torch.cat(list(layers.values()), dim=1).mean(dim=0).numpy()
    np.testing.assert_allclose(rate_line.get_xdata(), expected, rtol=1e-6)
    new = {"conv": torch.ones(40, 6), "fc": torch.zeros(40, 3)}
    art2 = vm.raster(ax, new, rate_margin=True)
    assert art2 is art or isinstance(art2, AxesImage)
    np.testing.assert_allclose(art2._snnlab["parts"]["rate_line"].get_xdata(), [1] * 6 + [0] * 3)
    rate_axes = [a for a in ax.figure.axes if a is not ax]
    assert len(rate_axes) == 1 and len(rate_axes[0].lines) == 1


def test_mpl_update_in_place_and_redraw_on_path_change():
    ax = _ax()
    s = _spikes(300, 200, 0.5)
    img = vm.raster(ax, s, max_rows=200, max_cols=300)
    s2 = _spikes(300, 200, 0.5, seed=3)
    assert vm.raster(ax, s2) is img
    np.testing.assert_array_equal(img.get_array(), s2.T.numpy())
    marks = vm.raster(ax, torch.eye(300, 200))
    assert isinstance(marks, PathCollection) and len(ax.images) == 0
    bigger = vm.raster(ax, torch.ones(5, 4))
    assert isinstance(bigger, PathCollection) and len(ax.collections) == 1 and ax.get_xlim() == (-0.5, 4.5)


def test_mpl_bad_arguments():
    with pytest.raises(TypeError, match="raster: ax must be a matplotlib Axes, got 'x'"):
        vm.raster("x", torch.zeros(2, 2))
    ax = _ax()
    vm.raster(ax, torch.zeros(2, 2))
    with pytest.raises(
        ValueError, match=r"raster: the axes hold a figure made with rate_margin=False, got rate_margin=True"
    ):
        vm.raster(ax, torch.zeros(2, 2), rate_margin=True)
    with pytest.raises(TypeError, match="raster: rate_margin must be a bool, got 1"):
        vm.raster(_ax(), torch.zeros(2, 2), rate_margin=1)


def test_mpl_png_renders():
    fig = Figure()
    vm.raster(fig.subplots(), _spikes(100, 50, 0.1), rate_margin=True)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    assert buf.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plotly_marker_path_uses_typed_arrays(device):
    s = _spikes(30, 12, 0.2).to(device)
    fig = vp.raster(s)
    t, n = torch.nonzero(s.cpu(), as_tuple=True)
    assert fig.data[0].x.dtype == np.float32 and fig.data[0].y.dtype == np.int32
    np.testing.assert_array_equal(fig.data[0].x, t.numpy())
    np.testing.assert_array_equal(fig.data[0].y, n.numpy())
    assert list(fig.layout.xaxis.range) == [-0.5, 29.5] and list(fig.layout.yaxis.range) == [-0.5, 11.5]
    assert fig.layout.annotations[0].visible is False


def _png_pixels(uri):
    pil = pytest.importorskip("PIL.Image")
    img = pil.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).convert("L")
    return np.asarray(img)


def test_plotly_image_path_png_holds_the_cells_top_row_last_neuron():
    s = _spikes(400, 300, 0.05)
    fig = vp.raster(s)
    image = fig.layout.images[0]
    assert fig.data[0].x.size == 0 and image.visible
    assert (image.x, image.y, image.sizex, image.sizey) == (-0.5, 299.5, 400, 300)
    pixels = _png_pixels(image.source)
    np.testing.assert_array_equal(pixels == 0, s.T.numpy()[::-1].astype(bool))


def test_plotly_binned_png_shades():
    s = torch.zeros(4000, 3)
    s[:2, 0] = 1
    fig = vp.raster(s, marker_max=0)
    pixels = _png_pixels(fig.layout.images[0].source)
    assert pixels.shape == (3, 2000)
    assert pixels[2, 0] == 0 and pixels[2, 1] == 255 and (pixels[:2] == 255).all()


def test_plotly_update_in_place_with_a_figure_widget():
    pytest.importorskip("anywidget")
    fig = go.FigureWidget(vp.raster(_spikes(50, 20, 0.1), rate_margin=True))
    out = vp.raster(_spikes(50, 20, 0.2, seed=2), rate_margin=True, fig=fig)
    assert out is fig
    np.testing.assert_allclose(fig.data[1].x, _spikes(50, 20, 0.2, seed=2).mean(0).numpy(), rtol=1e-6)
    vp.raster(torch.zeros(0, 0), rate_margin=True, fig=fig)
    assert fig.layout.annotations[0].text == "no data" and fig.layout.annotations[0].visible
    vp.raster({"a": torch.eye(6, 4), "b": torch.eye(6, 2)}, rate_margin=True, fig=fig)
    assert list(fig.layout.yaxis.ticktext) == ["a", "b"] and len(fig.layout.shapes) == 1
    assert fig.layout.annotations[0].visible is False


def test_plotly_fig_must_match():
    fig = vp.raster(torch.eye(3))
    with pytest.raises(ValueError, match="raster: fig was made with rate_margin=False, got rate_margin=True"):
        vp.raster(torch.eye(3), rate_margin=True, fig=fig)
    with pytest.raises(ValueError, match="raster: fig must be a figure made by raster()"):
        vp.raster(torch.eye(3), fig=go.Figure())
    with pytest.raises(ValueError, match="raster: color must be '#rrggbb'"):
        vp.raster(torch.eye(3), color="chartreuse")


def test_a_silent_layer_gets_the_full_rate_scale_in_both_forms():
    """No spikes: the rate margin spans 0..1 (a cramped 0..0.001 axis used to suggest tiny rates)."""
    silent = torch.zeros(16, 10)
    fig = vp.raster(silent, rate_margin=True)
    assert tuple(fig.layout.xaxis2.range) == (0.0, 1.0)
    ax = Figure().subplots()
    vm.raster(ax, silent, rate_margin=True)
    assert [a.get_xlim() for a in ax.figure.axes if a is not ax] == [(0.0, 1.0)]
    vp.raster(torch.eye(16, 10), rate_margin=True, fig=fig)  # 1 spike in 16 steps per neuron
    assert fig.layout.xaxis2.range[1] == pytest.approx(1.1 / 16, rel=1e-4)
