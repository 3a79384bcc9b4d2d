"""delay_effect: input vs delayed lines, the shaded zero-filled head, the shift arrow, channels, updates."""

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from snnlab.viz import mpl as vm
from snnlab.viz import plotly as vp


def _delayed(x, d):
    y = torch.zeros_like(x)
    y[d:] = x[: x.shape[0] - d]
    return y


def ticks(xs, ys):
    """The time steps drawn as spike ticks (segments from 0 to 1 at x = t)."""
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    return xs[ys == 1].tolist()


def plotly_ticks(fig, role):
    """The time steps of the plotly figure's spike ticks of ``role`` (one SVG path, each tick from 0 to 1)."""
    xs, y0, y1 = vp.mark_positions(fig, role)
    assert (y0 == 0).all() and (y1 == 1).all() and np.isnan(vp.trace(fig, role).x).all()
    return xs.tolist() if vp.marks(fig, role).visible else []


def test_spike_trains_are_drawn_as_ticks_never_plateaus():
    """Neighbouring spikes used to merge into one step plateau; each is its own tick now, in both twins."""
    x = torch.tensor([0.0, 1.0, 1.0, 1.0, 0.0, 1.0])
    y = _delayed(x, 1)
    ax = Figure().subplots()
    x_line, y_line = vm.delay_effect(ax, x, y, 1)
    fig = vp.delay_effect(x, y, 1)
    assert ticks(x_line.get_xdata(), x_line.get_ydata()) == [1, 2, 3, 5] == plotly_ticks(fig, "input")
    assert ticks(y_line.get_xdata(), y_line.get_ydata()) == [2, 3, 4] == plotly_ticks(fig, "delayed")
    vp.delay_effect(x * 0.5, y * 0.5, 1, fig=fig)  # not spikes: a step line again, no ticks
    assert fig.data[0].y.tolist() == (x * 0.5).tolist() and fig.data[0].line.shape == "hvh"
    assert vp.marks(fig, "input").visible is False and vp.marks(fig, "delayed").visible is False
    vp.delay_effect(x, y, 1, fig=fig)  # spikes again: ticks, the traces their legend entries
    assert plotly_ticks(fig, "input") == [1, 2, 3, 5] and vp.marks(fig, "delayed").line.dash == "dash"


def test_mpl_lines_shading_and_arrow():
    x = torch.tensor([0.0, 0.0, 1.0, 0.0, 0.5, 0.0, 0.0])
    ax = Figure().subplots()
    x_line, y_line = vm.delay_effect(ax, x, _delayed(x, 3), 3)
    np.testing.assert_array_equal(x_line.get_ydata(), x.numpy())
    np.testing.assert_array_equal(y_line.get_ydata(), _delayed(x, 3).numpy())
    (span,) = list(ax.patches)
    assert span.get_x() == -0.5 and span.get_width() == 3.0
    arrow = next(t for t in ax.texts if not t.get_text())
    assert arrow.xy[0] == 5.0 and arrow.xyann[0] == 2.0
    assert [t.get_text() for t in ax.texts if t.get_text()] == ["delay 3"]


def test_mpl_channel_no_arrow_update_and_empty():
    x = torch.zeros(5, 2, 2)
    x[1, 1, 0] = 1.0
    ax = Figure().subplots()
    lines = vm.delay_effect(ax, x, _delayed(x, 1), 1, channel=2)
    assert ticks(lines[0].get_xdata(), lines[0].get_ydata()) == [1] and ticks(*lines[1].get_data()) == [2]
    lines = vm.delay_effect(ax, x, _delayed(x, 4), 4, channel=2)
    assert ticks(*lines[1].get_data()) == [] and [t for t in ax.texts if t.get_visible()] == []
    assert len(ax.lines) == 2 and len(ax.patches) == 1
    empty = vm.delay_effect(ax, torch.zeros(0), torch.zeros(0), 2, channel=2)
    assert empty.get_text() == "no data" and len(ax.lines) == 0


def test_bad_arguments():
    with pytest.raises(
        ValueError, match=r"delay_effect: x_seq and delayed must have the same shape, got \[3\] and \[4\]"
    ):
        vp.delay_effect(torch.zeros(3), torch.zeros(4), 1)
    with pytest.raises(ValueError, match=r"delay_effect: delay_steps must be an integer >= 0, got 1.5"):
        vm.delay_effect(Figure().subplots(), torch.zeros(3), torch.zeros(3), 1.5)
    with pytest.raises(ValueError, match=r"delay_effect: channel must be in \[0, 3\], got 4"):
        vp.delay_effect(torch.zeros(3, 4), torch.zeros(3, 4), 1, channel=4)


def test_plotly_traces_shape_and_update():
    x = torch.tensor([0.0, 1.0, 0.0, 0.0, 0.0])
    fig = vp.delay_effect(x, _delayed(x, 2), 2)
    assert plotly_ticks(fig, "input") == [1] and plotly_ticks(fig, "delayed") == [3]
    assert fig.data[1].name == "delayed by 2" and fig.data[2].x.tolist() == [1.0, 3.0]
    assert fig.layout.shapes[0].x0 == -0.5 and fig.layout.shapes[0].x1 == 1.5 and fig.layout.shapes[0].visible
    assert vp.delay_effect(x, x, 0, fig=fig) is fig
    assert fig.layout.shapes[0].visible is False and fig.data[2].x.tolist() == [1.0, 1.0]  # no delay: no shade
    vp.delay_effect(torch.zeros(0), torch.zeros(0), 1, fig=fig)
    assert fig.layout.annotations[0].text == "no data"


def test_gradient_axis_lines_up_with_the_value_axis_in_both_forms():
    """The right axis is the left one scaled: its 0 and its top sit at the heights of the left 0 and the data max."""
    x = torch.tensor([0.0, 1.0, 0.0, 1.0, 0.0, 0.0])
    grad = torch.tensor([1.0, 1.0, 1.0, 1.0, 0.0, 0.0]) * 2.0  # top 2 on the right, 1 on the left
    ax = Figure().subplots()
    vm.delay_effect(ax, x, _delayed(x, 2), 2, gradient=grad)
    (gax,) = [a for a in ax.figure.axes if a is not ax]
    left, right = ax.get_ylim(), gax.get_ylim()
    assert right == pytest.approx((left[0] * 2.0, left[1] * 2.0))  # 0 <-> 0, 1 <-> 2
    assert list(gax.get_yticks()) == [0, 2]
    fig = vp.delay_effect(x, _delayed(x, 2), 2, gradient=grad)
    assert list(fig.layout.yaxis2.range) == pytest.approx([v * 2.0 for v in fig.layout.yaxis.range])
    assert vp.trace(fig, "gradient").y.tolist() == grad.tolist() and fig.layout.yaxis2.visible
    vp.delay_effect(x, _delayed(x, 2), 2, fig=fig)  # no gradient: the bars and the right axis are hidden
    assert fig.layout.yaxis2.visible is False and vp.trace(fig, "gradient").visible is False


def test_delay_zero_note_starts_inside_the_plot_right_of_the_event():
    """A zero-length arrow's note used to be centred on the event and, at t = 0, ran into the y tick labels."""
    x = torch.tensor([1.0, 0.0, 1.0, 0.0])
    ax = Figure().subplots()
    vm.delay_effect(ax, x, x, 0)
    (note,) = [t for t in ax.texts if t.get_text()]
    assert note.get_text() == "delay 0" and note.get_position()[0] == 0.5 and note.get_horizontalalignment() == "left"
    fig = vp.delay_effect(x, x, 0)
    shift = vp.trace(fig, "shift")
    assert shift.text[0] == "delay 0" and shift.textposition == "top right" and shift.x.tolist() == [0.0, 0.0]
