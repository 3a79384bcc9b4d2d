"""training_curves and firing_rate_histogram: runs on one axis, growing updates, bins and counts, empty input."""

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from snnlab.viz import mpl as vm
from snnlab.viz import plotly as vp


def test_mpl_training_curves_lines_limits_and_updates():
    ax = Figure().subplots()
    lines = vm.training_curves(ax, {"a": [2.0, 1.0, 0.5], "b": torch.tensor([3.0, 2.0])})
    assert [line.get_label() for line in lines] == ["a", "b"]
    assert lines[1].get_ydata().tolist() == [3.0, 2.0] and ax.get_xlim() == (0.0, 2.0)
    lo, hi = ax.get_ylim()
    assert lo < 0.5 and hi > 3.0
    same = vm.training_curves(ax, {"a": [2.0, 1.0, 0.5, 0.25], "b": [3.0, 2.0, 1.0]})
    assert same is lines and ax.get_xlim() == (0.0, 3.0)
    grown = vm.training_curves(ax, {"a": [1.0], "b": [1.0], "c": [0.5, 0.1]})
    assert [line.get_label() for line in grown] == ["a", "b", "c"] and len(ax.lines) == 3
    empty = vm.training_curves(ax, {}, xlabel="updates", ylabel="accuracy")
    assert empty[0].get_text() == "no data" and len(ax.lines) == 0
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("updates", "accuracy")  # labelled without data too


def test_mpl_training_curves_log_scale_ignores_non_positive():
    ax = Figure().subplots()
    vm.training_curves(ax, {"a": [1.0, 0.0, 0.01]}, logy=True)
    lo, hi = ax.get_ylim()
    assert ax.get_yscale() == "log" and 0 < lo < 0.01 and hi > 1.0


def test_bad_runs():
    with pytest.raises(TypeError, match=r"training_curves: runs must be a dict \{name: sequence of values\}, got"):
        vp.training_curves([1, 2])
    with pytest.raises(ValueError, match=r"training_curves: runs\['a'\] must be 1-D"):
        vm.training_curves(Figure().subplots(), {"a": torch.zeros(2, 2)})


def test_plotly_training_curves_adds_and_hides_runs():
    fig = vp.training_curves({"a": [2.0, 1.0]}, ylabel="accuracy")
    assert fig.layout.yaxis.title.text == "accuracy" and fig.data[0].y.dtype == np.float32
    vp.training_curves({"b": [1.0, 2.0, 3.0]}, fig=fig)
    assert [(t.name, t.visible) for t in fig.data] == [("a", False), ("b", True)]
    assert list(fig.layout.xaxis.range) == [0.0, 2.0]
    vp.training_curves({}, fig=fig)
    assert fig.layout.annotations[0].text == "no data"
    # without data the axes run from 0 to 1 (plotly's own empty range is [-1, 6] x [-1, 4])
    assert list(fig.layout.xaxis.range) == [0.0, 1.0] and list(fig.layout.yaxis.range) == [0.0, 1.0]
    assert list(vp.training_curves({}, logy=True).layout.yaxis.range) == [0.0, 1.0]  # log10: 1 to 10
    log = vp.training_curves({"a": [10.0, 0.1]}, logy=True)
    lo, hi = log.layout.yaxis.range
    assert log.layout.yaxis.type == "log" and lo < -1 and hi > 1
    with pytest.raises(ValueError, match="training_curves: fig was made with logy=True, got logy=False"):
        vp.training_curves({"a": [1.0]}, fig=log)


def test_training_curves_at_given_positions_in_both_forms():
    runs = {"a": [2.0, 1.0, 0.5], "b": [3.0, 2.0]}
    x = {"b": [4.0, 8.0], "a": torch.tensor([1.0, 2.0, 3.0])}  # any order of names
    ax = Figure().subplots()
    lines = vm.training_curves(ax, runs, x=x)
    assert [line.get_xdata().tolist() for line in lines] == [[1.0, 2.0, 3.0], [4.0, 8.0]]
    assert ax.get_xlim() == (0.0, 8.0)
    fig = vp.training_curves(runs, x=x)
    assert [t.x.tolist() for t in fig.data] == [[1.0, 2.0, 3.0], [4.0, 8.0]] and list(fig.layout.xaxis.range) == [0, 8]
    # a refill moves the points; positions below 0 widen the range to the left; one point at 0 spans [0, 1]
    same = vm.training_curves(ax, {"a": [1.0], "b": [1.0]}, x={"a": [-2.0], "b": [0.5]})
    assert same is lines and lines[0].get_xdata().tolist() == [-2.0] and ax.get_xlim() == (-2.0, 0.5)
    vp.training_curves({"a": [1.0]}, x={"a": [0.0]}, fig=fig)
    assert list(fig.layout.xaxis.range) == [0.0, 1.0] and fig.data[0].x.tolist() == [0.0]


@pytest.mark.parametrize(
    "x, error, match",
    [
        (
            [1.0, 2.0],
            TypeError,
            r"training_curves: x must be None or a dict \{name: sequence of positions\}, got an object of type list",
        ),
        ({"b": [0.0, 1.0]}, ValueError, r"training_curves: x must name the runs \['a'\], got \['b'\]"),
        ({"a": [0.0]}, ValueError, r"training_curves: x\['a'\] must hold one position per value \(2\), got 1"),
        ({"a": [0.0, float("nan")]}, ValueError, r"training_curves: x\['a'\] must be finite, got \[0.0, nan\]"),
    ],
)
def test_training_curves_refuse_bad_positions(x, error, match):
    for draw in (
        lambda: vp.training_curves({"a": [1.0, 2.0]}, x=x),
        lambda: vm.training_curves(Figure().subplots(), {"a": [1.0, 2.0]}, x=x),
    ):
        with pytest.raises(error, match=match):
            draw()


def test_mpl_histogram_matches_numpy_and_updates():
    rates = torch.rand(500, generator=torch.Generator().manual_seed(0)) * 0.4
    ax = Figure().subplots()
    bars = vm.firing_rate_histogram(ax, rates.reshape(20, 25), bins=10)
    expected, edges = np.histogram(rates.numpy(), bins=10, range=(0.0, 1.0))
    assert [int(b.get_height()) for b in bars] == expected.tolist()
    assert [b.get_x() for b in bars] == pytest.approx(edges[:-1].tolist())
    assert ax.get_title() == f"500 neurons, mean rate {rates.double().mean().item():.3g}, 0 silent"
    same = vm.firing_rate_histogram(ax, torch.zeros(30), bins=10)
    assert same is bars and int(bars[0].get_height()) == 30 and ax.get_title().endswith("30 silent")
    redrawn = vm.firing_rate_histogram(ax, torch.tensor([5.0, 10.0]), bins=10)
    assert redrawn is not bars and redrawn[0].get_x() == 5.0 and len(ax.patches) == 10
    empty = vm.firing_rate_histogram(ax, torch.tensor([float("nan")]), bins=10)
    assert empty.get_text() == "no data" and len(ax.patches) == 0


def test_plotly_histogram_bars_and_checks():
    fig = vp.firing_rate_histogram(np.array([0.05, 0.05, 0.95]), bins=2, range=(0, 1))
    assert fig.data[0].y.tolist() == [2, 1] and fig.data[0].x.tolist() == [0.25, 0.75]
    assert fig.data[0].width.tolist() == [0.5, 0.5] and list(fig.layout.xaxis.range) == [0.0, 1.0]
    vp.firing_rate_histogram([], fig=fig)
    assert fig.layout.annotations[0].text == "no data"
    with pytest.raises(ValueError, match="firing_rate_histogram: bins must be an integer >= 1, got 0"):
        vp.firing_rate_histogram([0.1], bins=0)
    with pytest.raises(ValueError, match=r"firing_rate_histogram: range must be \(low, high\) with high > low"):
        vm.firing_rate_histogram(Figure().subplots(), [0.1], range=(1, 0))
