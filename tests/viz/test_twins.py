"""The matplotlib and plotly twins of every figure: one signature, one lifecycle, the same colours.

The only difference allowed is where the figure goes: matplotlib takes the axes first (``ax``, or
``axes`` for two-panel figures), plotly returns a figure and refills one given as ``fig=``. Called a
second time on the same target (the same ``ax``; ``fig=`` the figure), both forms update what they
built in place: the same artists / traces, as many of them, new data.
"""

import inspect
import pathlib
import re
from typing import Any

import numpy as np
import pytest
import torch
from matplotlib.collections import PathCollection
from matplotlib.colors import to_hex
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D

from snnlab.surrogate import ATan, Sigmoid
from snnlab.viz import mpl as vm
from snnlab.viz import plotly as vp
from snnlab.viz import style
from snnlab.viz.mpl._common import state_of
from snnlab.viz.plotly import mark_shapes

HELPERS = {"trace", *mark_shapes.__all__}  # public plotly helpers that are not figures
FIGURES = [name for name in vp.__all__ if callable(getattr(vp, name)) and name not in HELPERS]
ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_both_forms_have_the_same_figures():
    assert sorted(FIGURES) == sorted(vm.__all__)
    assert not [n for n in vm.__all__ if n.startswith("update_")]  # one lifecycle: no separate update functions


@pytest.mark.parametrize("name", FIGURES)
def test_the_twins_take_the_same_arguments(name):
    mpl_params = list(inspect.signature(getattr(vm, name)).parameters.values())
    plotly_params = list(inspect.signature(getattr(vp, name)).parameters.values())
    if "fig" in (p.name for p in mpl_params):  # a whole-figure function (small multiples): one signature
        assert [(p.name, p.kind, p.default) for p in mpl_params] == [(p.name, p.kind, p.default) for p in plotly_params]
        return
    assert mpl_params[0].name in ("ax", "axes")  # where the matplotlib form draws
    assert plotly_params[-1].name == "fig" and plotly_params[-1].default is None
    shared_mpl, shared_plotly = mpl_params[1:], plotly_params[:-1]
    describe = [(p.name, p.kind, p.default) for p in shared_mpl]
    assert describe == [(p.name, p.kind, p.default) for p in shared_plotly]


def _gen(seed):
    return torch.Generator().manual_seed(seed)


def _train(steps):
    s = torch.zeros(8, 2)
    s[steps, 0] = 1
    return s


# (first call, second call): positional and keyword arguments shared by both forms; the second call
# keeps shapes and options, only the data change
CALLS = {
    "raster": (((torch.rand(40, 30, generator=_gen(0)) < 0.2,), {}), ((torch.rand(40, 30, generator=_gen(1)) < 0.2,), {})),
    "first_spike_map": (((torch.randint(-1, 20, (36,), generator=_gen(0)),), {}), ((torch.randint(-1, 9, (36,), generator=_gen(1)),), {})),
    "membrane_trace": (((torch.rand(30, generator=_gen(0)), torch.rand(30, generator=_gen(1)) < 0.2), {}), ((torch.rand(30, generator=_gen(2)), torch.rand(30, generator=_gen(3)) < 0.2), {"v_threshold": 0.8})),
    "delay_effect": (((torch.eye(12)[:, 2], torch.eye(12)[:, 5], 3), {}), ((torch.eye(12)[:, 1], torch.eye(12)[:, 6], 5), {})),
    "similarity_matrix": (((torch.rand(6, 6, generator=_gen(0)), torch.eye(6)), {"loss": 0.5}), ((torch.rand(6, 6, generator=_gen(1)), torch.eye(6)), {"loss": 0.25})),
    "surrogate": (((Sigmoid(alpha=4.0),), {}), ((ATan(alpha=2.0),), {})),
    "weight_matrix": (((torch.rand(3, 16, generator=_gen(0)),), {"image_shape": (4, 4)}), ((torch.rand(3, 16, generator=_gen(1)),), {"image_shape": (4, 4)})),
    "training_curves": ((({"a": [3.0, 2.0, 1.0], "b": [2.0, 1.5]},), {}), (({"a": [3.0, 2.0, 1.0, 0.5], "b": [2.0, 1.0, 0.8]},), {})),
    "isi_histogram": (((_train([0, 1, 3, 6]),), {}), ((_train([0, 1, 4, 7]),), {})),  # intervals 1, 2, 3 then 1, 3, 3
    "firing_rate_histogram": (((torch.rand(50, generator=_gen(0)),), {}), ((torch.rand(50, generator=_gen(1)),), {})),
}  # fmt: skip
LIFECYCLE = sorted(CALLS)


def test_every_target_figure_has_a_lifecycle_case():
    assert (
        sorted(set(FIGURES) - {"surrogate_gallery"}) == LIFECYCLE
    )  # the gallery (a whole figure, fig= in both forms): test_surrogate_gallery


def _target(name):
    fig = Figure(figsize=(6, 4))
    return fig.subplots(1, 2) if name == "similarity_matrix" else fig.subplots()


def _artists(result):
    return tuple(result) if isinstance(result, tuple) else (result,)


def _snapshot(artist):
    for get in ("get_offsets", "get_array", "get_xydata", "get_height"):
        if hasattr(artist, get):
            return np.array(np.ma.filled(np.asarray(getattr(artist, get)(), dtype=float), np.nan), copy=True)
    return np.array([b.get_height() for b in artist])


@pytest.mark.parametrize("name", LIFECYCLE)
def test_mpl_second_call_on_the_same_axes_updates_in_place(name):
    (args1, kw1), (args2, kw2) = CALLS[name]
    target = _target(name)
    first = _artists(getattr(vm, name)(target, *args1, **kw1))
    fig = first[0].axes.figure if hasattr(first[0], "axes") else first[0][0].axes.figure
    children = [len(ax.get_children()) for ax in fig.axes]
    before = [_snapshot(a) for a in first]
    second = _artists(getattr(vm, name)(target, *args2, **kw2))
    assert len(second) == len(first) and all(a is b for a, b in zip(first, second))  # the same artists
    assert [len(ax.get_children()) for ax in fig.axes] == children  # none added, none removed, axes kept
    after = [_snapshot(a) for a in second]
    assert any(b.shape != a.shape or not np.array_equal(b, a, equal_nan=True) for b, a in zip(before, after))


@pytest.mark.parametrize("name", LIFECYCLE)
def test_plotly_second_call_with_fig_refills_in_place(name):
    (args1, kw1), (args2, kw2) = CALLS[name]
    fig = getattr(vp, name)(*args1, **kw1)
    traces = list(fig.data)
    before = fig.to_plotly_json()
    assert getattr(vp, name)(*args2, **kw2, fig=fig) is fig
    assert len(fig.data) == len(traces) and all(a is b for a, b in zip(fig.data, traces))
    assert fig.to_plotly_json() != before


def test_mpl_a_cleared_axes_is_built_again():
    ax = Figure().subplots()
    first = vm.raster(ax, torch.eye(5))
    ax.cla()
    second = vm.raster(ax, torch.eye(5))
    assert second is not first and second in ax.get_children()


def test_skeleton_options_cannot_change_on_the_same_target_in_either_form():
    ax = Figure().subplots()
    vm.training_curves(ax, {"a": [1.0]})
    with pytest.raises(ValueError, match="training_curves: the axes hold a figure made with logy=False, got logy=True"):
        vm.training_curves(ax, {"a": [1.0]}, logy=True)
    fig = vp.training_curves({"a": [1.0]})
    with pytest.raises(ValueError, match="training_curves: fig was made with logy=False, got logy=True"):
        vp.training_curves({"a": [1.0]}, logy=True, fig=fig)


def _hex(color: Any) -> str:
    if isinstance(color, str) and color.startswith("rgb("):
        color = tuple(int(c) / 255 for c in color[4:-1].split(","))
    return to_hex(color).lower()


def test_the_same_default_colours_in_both_forms():
    ax = Figure().subplots()
    spikes = vm.raster(ax, torch.eye(4))
    assert isinstance(spikes, PathCollection)
    assert (
        _hex(spikes.get_facecolor()[0])
        == _hex(style.SPIKE)
        == _hex(vp.trace(vp.raster(torch.eye(4)), "spikes").marker.color)
    )
    ax = Figure().subplots()
    line = vm.membrane_trace(ax, torch.tensor([0.2, 1.2, 0.0]), torch.tensor([0, 1, 0]))
    fig = vp.membrane_trace(torch.tensor([0.2, 1.2, 0.0]), torch.tensor([0, 1, 0]))
    assert isinstance(line, Line2D)
    parts = state_of(line)["parts"]
    assert _hex(line.get_color()) == vp.trace(fig, "v").line.color == style.INPUT
    assert _hex(parts["threshold"].get_color()) == vp.trace(fig, "threshold").line.color == style.MARK
    assert _hex(parts["reset"].get_color()) == vp.trace(fig, "reset").line.color == style.MUTED
    assert _hex(parts["spikes"].get_color()[0]) == vp.trace(fig, "spike").line.color == style.MARK
    ax = Figure().subplots()
    lines = vm.delay_effect(ax, torch.eye(6)[:, 1], torch.eye(6)[:, 3], 2)
    assert isinstance(lines, tuple)
    x_line, y_line = lines
    fig = vp.delay_effect(torch.eye(6)[:, 1], torch.eye(6)[:, 3], 2)
    assert _hex(x_line.get_color()) == vp.trace(fig, "input").line.color == style.INPUT
    assert _hex(y_line.get_color()) == vp.trace(fig, "delayed").line.color == style.OUTPUT
    ax = Figure().subplots()
    lines = vm.surrogate(ax, Sigmoid())
    fig = vp.surrogate(Sigmoid())
    assert [_hex(x.get_color()) for x in lines] == [
        vp.trace(fig, r).line.color for r in ("Heaviside", "primitive", "gradient")
    ]
    bars = vm.firing_rate_histogram(Figure().subplots(), [0.1, 0.5])
    assert isinstance(bars, BarContainer)
    assert _hex(bars[0].get_facecolor()) == vp.firing_rate_histogram([0.1, 0.5]).data[0].marker.color == style.INPUT
    ax = Figure().subplots()
    im = vm.first_spike_map(ax, torch.tensor([1, -1, 2, 3]))
    assert isinstance(im, AxesImage)
    fig = vp.first_spike_map(torch.tensor([1, -1, 2, 3]))
    assert (
        im.get_cmap().name.startswith(style.COLORMAP)
        and fig.data[0].colorscale == vp.first_spike_map(torch.tensor([1]), colormap=style.COLORMAP).data[0].colorscale
    )
    assert _hex(im.get_cmap().get_under()) == style.NEVER == vp.trace(fig, "never fired").colorscale[0][1]


def test_widgets_never_find_a_trace_by_position():
    """Widgets refill figures through the figure functions and find a trace by role (vp.trace), never fig.data[i]."""
    pattern = re.compile(r"\.data\[\s*-?\d+\s*\]")
    hits = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in sorted((ROOT / "widgets").glob("*.py"))
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert hits == []
