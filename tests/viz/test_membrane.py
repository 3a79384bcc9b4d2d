"""membrane_trace: v, threshold and reset lines, spike marks, soft reset, empty input, updates."""

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from snnlab.viz import mpl as vm
from snnlab.viz import plotly as vp
from snnlab.viz import style

V = [0.2, 0.7, 1.1, 0.0, 0.5]
S = [0.0, 0.0, 1.0, 0.0, 0.0]


def test_mpl_lines_and_spikes(device):
    ax = Figure().subplots()
    line = vm.membrane_trace(
        ax, torch.tensor(V, device=device), torch.tensor(S, device=device), v_threshold=1.0, v_reset=0.0
    )
    np.testing.assert_allclose(line.get_ydata(), V, rtol=1e-6)
    parts = line._snnlab["parts"]
    assert list(parts["threshold"].get_ydata()) == [1.0, 1.0] and list(parts["reset"].get_ydata()) == [0.0, 0.0]
    (segment,) = parts["spikes"].get_segments()
    assert segment[0].tolist() == [2.0, 1.0] and segment[1][0] == 2.0 and segment[1][1] > 1.1
    lo, hi = ax.get_ylim()
    assert lo < 0.0 and hi > segment[1][1]


def test_mpl_soft_reset_update_and_empty():
    ax = Figure().subplots()
    line = vm.membrane_trace(ax, V, S, v_reset=None)
    assert line._snnlab["parts"]["reset"] is None and [t.get_text() for t in ax.get_legend().texts] == [
        "v",
        "threshold",
        "spike",
    ]
    same = vm.membrane_trace(ax, np.array(V) * 2, None, v_threshold=2.0, v_reset=None)
    assert same is line and same._snnlab["parts"]["spikes"].get_segments() == []
    assert list(line._snnlab["parts"]["threshold"].get_ydata()) == [2.0, 2.0]
    redrawn = vm.membrane_trace(ax, V, S, v_threshold=1.0, v_reset=-0.5)
    assert redrawn is not line and list(redrawn._snnlab["parts"]["reset"].get_ydata()) == [-0.5, -0.5]
    assert len(ax.lines) == 3
    empty = vm.membrane_trace(ax, [], None)
    assert empty.get_text() == "no data" and len(ax.lines) == 0
    back = vm.membrane_trace(ax, V, S)
    assert len(back.get_xdata()) == 5 and [t.get_text() for t in ax.texts] == []


def test_bad_arguments():
    ax = Figure().subplots()
    with pytest.raises(TypeError, match=r"membrane_trace: v_threshold must be a real number, got '1' \(str\)"):
        vm.membrane_trace(ax, V, v_threshold="1")
    with pytest.raises(ValueError, match=r"membrane_trace: spikes must have the shape of v \[5\], got \[4\]"):
        vp.membrane_trace(V, S[:4])


def test_plotly_traces_and_update():
    fig = vp.membrane_trace(torch.tensor(V), torch.tensor(S), v_threshold=1.0, v_reset=0.0)
    assert [t.name for t in fig.data] == ["v", "threshold", "reset", "spike"]
    np.testing.assert_allclose(fig.data[0].y, V, rtol=1e-6)
    assert fig.data[0].y.dtype == np.float32 and fig.data[1].y.tolist() == [1.0, 1.0]
    assert np.isnan(fig.data[3].x).all() and fig.data[3].legendgroup == "spike"  # the marks' legend entry
    x, y0, y1 = vp.mark_positions(fig, "spike")  # the marks: one SVG path from the threshold up
    assert x.tolist() == [2.0] and y0.tolist() == [1.0] and y1[0] > 1.1
    assert vp.marks(fig, "spike").line.color == fig.data[3].line.color == style.MARK
    lo, hi = fig.layout.yaxis.range
    assert lo < 0.0 and hi > y1[0]
    out = vp.membrane_trace(torch.zeros(0), fig=fig)
    assert out is fig and fig.layout.annotations[0].text == "no data"
    vp.membrane_trace(V, v_reset=None, fig=fig)
    assert fig.data[2].visible is False and fig.layout.annotations[0].visible is False
    assert vp.mark_positions(fig, "spike")[0].size == 0 and vp.marks(fig, "spike").visible is False


def test_h_draws_a_sawtooth_through_the_threshold_in_both_forms():
    """With the pre-reset potential, the line rises to h[t] and drops to v[t] at each step."""
    h = [0.2, 0.7, 1.3, 0.0, 0.5]
    want_x, want_y = np.repeat(np.arange(5.0), 2), np.array([[a, b] for a, b in zip(h, V)]).ravel()

    def assert_xy(xs, ys):
        np.testing.assert_array_equal(xs, want_x)
        np.testing.assert_allclose(ys, want_y, rtol=1e-6)

    ax = Figure().subplots()
    line = vm.membrane_trace(ax, V, S, h=torch.tensor(h).unsqueeze(1))
    assert_xy(line.get_xdata(), line.get_ydata())
    assert max(line.get_ydata()) > 1.0 and ax.get_ylim()[1] > 1.3 and ax.get_xlim() == (-0.5, 4.5)
    line = vm.membrane_trace(ax, V, S)  # back to one point per step, updated in place
    assert line.get_xdata().tolist() == list(range(5))
    fig = vp.membrane_trace(V, S, h=h)
    assert_xy(fig.data[0].x, fig.data[0].y)
    assert fig.layout.yaxis.range[1] > vp.mark_positions(fig, "spike")[2][0] > 1.3
    assert fig.layout.xaxis.range == (-0.5, 4.5)
    with pytest.raises(ValueError, match=r"membrane_trace: h must have the shape of v \[5\], got \[4\]"):
        vp.membrane_trace(V, S, h=h[:4])
    with pytest.raises(ValueError, match=r"membrane_trace: h must have the shape of v \[5\], got \[2, 2\]"):
        vm.membrane_trace(ax, V, S, h=np.zeros((2, 2)))
