"""Readable at any size: at most about a dozen tick labels per axis and colour bar, none overlapping, in both forms.

The figures are drawn headless at sizes that used to crowd their axes (a 2000 x 2000 raster, a
first-spike map with times up to 500 whose colour bar once carried 500 labels, a tiling of 64
receptive fields of 64 x 64, long traces) and every axis' visible tick labels are counted and
their boxes checked for overlap.
"""

import itertools

import pytest
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from snnlab.surrogate import Sigmoid
from snnlab.viz import mpl as vm
from snnlab.viz import plotly as vp
from snnlab.viz import style
from snnlab.viz.plotly import mark_shapes
from snnlab.viz.ticks import MAX_TICKS


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


BIG = {
    "raster": lambda: ((torch.rand(2000, 2000, generator=_gen()) < 0.05,), {}),
    "first_spike_map": lambda: ((torch.randint(-1, 501, (4096,), generator=_gen()),), {}),
    "weight_matrix": lambda: ((torch.randn(64, 64 * 64, generator=_gen()),), {"image_shape": (64, 64)}),
    "similarity_matrix": lambda: ((torch.rand(256, 256, generator=_gen()), torch.eye(256)), {"loss": 0.1}),
    "membrane_trace": lambda: ((torch.rand(5000, generator=_gen()) * 1.2, torch.rand(5000, generator=_gen(1)) < 0.1), {}),
    "delay_effect": lambda: ((torch.eye(2000)[:, 3], torch.eye(2000)[:, 40], 37), {"gradient": torch.ones(2000)}),
    "training_curves": lambda: (({"a": torch.rand(10_000, generator=_gen()), "b": torch.rand(5000, generator=_gen(1))},), {}),
    "firing_rate_histogram": lambda: ((torch.rand(100_000, generator=_gen()),), {"bins": 200}),
    "surrogate": lambda: ((Sigmoid(alpha=4.0),), {}),
    "isi_histogram": lambda: ((torch.rand(5000, 300, generator=_gen()) < 0.01,), {"bins": 200}),
}  # fmt: skip


def test_every_figure_is_drawn_large():
    helpers = {"trace", *mark_shapes.__all__}  # not figures; the gallery is small multiples of one curve
    assert sorted(BIG) == sorted(set(vp.__all__) - helpers - {"surrogate_gallery"})


def _labels(axis, renderer):
    return [t for t in axis.get_ticklabels() if t.get_visible() and t.get_text()]


@pytest.mark.parametrize("size", [(4.0, 3.0), (12.0, 10.0)], ids=["tutorial", "large"])
@pytest.mark.parametrize("name", sorted(BIG))
def test_mpl_tick_labels_are_few_and_never_overlap(name, size):
    args, kw = BIG[name]()
    fig = Figure(figsize=size, layout="constrained")
    canvas = FigureCanvasAgg(fig)
    target = fig.subplots(1, 2) if name == "similarity_matrix" else fig.subplots()
    getattr(vm, name)(target, *args, **kw)
    getattr(vm, name)(target, *args, **kw)  # and after an update
    canvas.draw()
    renderer = canvas.get_renderer()
    for ax in fig.axes:  # plot axes, colour bars, the rate column, twin axes
        for axis in (ax.xaxis, ax.yaxis):
            labels = _labels(axis, renderer)
            assert len(labels) <= MAX_TICKS, (name, [t.get_text() for t in labels])
            boxes = sorted((t.get_window_extent(renderer) for t in labels), key=lambda b: (b.x0, b.y0))
            for a, b in itertools.pairwise(boxes):
                assert not a.overlaps(b), (name, axis.axis_name, [t.get_text() for t in labels])


@pytest.mark.parametrize("name", sorted(BIG))
def test_plotly_explicit_ticks_are_few(name):
    args, kw = BIG[name]()
    fig = getattr(vp, name)(*args, **kw)
    layout = fig.to_plotly_json()["layout"]
    axes = [v for k, v in layout.items() if k.startswith(("xaxis", "yaxis"))]
    axes += [t["colorbar"] for t in fig.to_plotly_json()["data"] if "colorbar" in t]
    axes += [layout["coloraxis"]["colorbar"]] if "colorbar" in layout.get("coloraxis", {}) else []
    for axis in axes:
        values = axis.get("tickvals")
        if axis.get("tickmode") == "array":
            assert values is not None and len(values) <= MAX_TICKS, (name, values)
        else:  # plotly's own choice, which thins labels to fit; never a step that lists every cell
            assert axis.get("dtick") in (None, 0) or axis.get("nticks", 0) <= MAX_TICKS, (name, axis)


def test_plotly_first_spike_colour_bar_at_t_500_has_a_dozen_labels():
    fig = vp.first_spike_map(torch.arange(500))
    bar = vp.trace(fig, "first spike").colorbar
    assert bar.tickmode == "array" and 2 <= len(bar.tickvals) <= MAX_TICKS and max(bar.tickvals) <= 499


@pytest.mark.parametrize("name", sorted(BIG))
def test_plotly_axes_fit_their_margins_without_automargin(name):
    # plotly's automargin measures every tick label while drawing and may draw a figure twice; the margins hold
    # the labels instead: numbers of at most five characters beside the axis, never rotated
    args, kw = BIG[name]()
    fig = getattr(vp, name)(*args, **kw)
    template = fig.layout.template
    assert template.layout.xaxis.automargin is False and template.layout.yaxis.automargin is False
    # no label measured per label (plotly's overflow check is quadratic), no automatic rotation (labels are short)
    assert template.layout.xaxis.ticklabeloverflow == template.layout.yaxis.ticklabeloverflow == "allow"
    assert template.data.heatmap[0].colorbar.ticklabeloverflow == "allow"
    assert template.layout.xaxis.tickangle == template.layout.yaxis.tickangle == 0
    layout = fig.to_plotly_json()["layout"]
    assert layout["margin"]["b"] >= style.AXIS_ROOM and layout["margin"]["l"] >= style.AXIS_ROOM, layout["margin"]
    for key, axis in layout.items():
        if key.startswith(("xaxis", "yaxis")):
            assert not axis.get("automargin"), (name, key)
            assert axis.get("tickangle", 0) == 0 and axis.get("ticklabeloverflow", "allow") == "allow", (name, key)
            assert all(len(str(label)) <= 5 for label in axis.get("ticktext", [])), (name, key, axis["ticktext"])


def test_plotly_raster_layer_names_get_room_from_plotly():
    fig = vp.raster([torch.rand(50, 4) < 0.3, torch.rand(50, 3) < 0.3], layer_names=["encoder.lif_first", "out"])
    assert fig.layout.yaxis.automargin is True and list(fig.layout.yaxis.ticktext) == ["encoder.lif_first", "out"]
    vp.raster(torch.rand(50, 4) < 0.3, fig=fig)  # refilled with one unnamed population: numbers again
    assert fig.layout.yaxis.automargin is False and list(fig.layout.yaxis.ticktext) == ["0", "1", "2", "3"]
