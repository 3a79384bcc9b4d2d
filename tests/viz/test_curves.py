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
    empty = vm.training_curves(ax, {})
    assert empty[0].get_text() == "no data" and len(ax.lines) == 0


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
