"""Marks as one SVG path (snnlab.viz.plotly.mark_shapes): ticks and crosses, reading them back, legend, errors."""

import numpy as np
import plotly.graph_objects as go
import pytest

from snnlab.viz import plotly as vp


def _figure(**line):
    fig = go.Figure(go.Scatter(x=[np.nan], y=[np.nan], name="spike", meta="spike", line=line or None))
    vp.add_marks(fig, "spike")
    return fig


def test_marks_round_trip_through_their_path():
    xs = np.array([0.0, 3.0, 1999.0, 12345678.0, -2.5])
    y0 = np.array([1.0, -0.25, 1e-6, 2.0, 0.0])
    fig = _figure()
    vp.set_marks(fig, "spike", vp.mark_path(xs, y0, 1.5))
    got = vp.mark_positions(fig, "spike")
    np.testing.assert_array_equal(got[0], xs)  # time steps exactly, up to 10 digits
    np.testing.assert_array_equal(got[1], y0)
    np.testing.assert_array_equal(got[2], np.full(5, 1.5))
    assert vp.marks(fig, "spike").path.count("M") == 5  # one subpath per mark, one shape for all


def test_the_shape_takes_the_traces_line_axes_and_legend_group():
    fig = go.Figure(
        go.Scatter(x=[np.nan], y=[np.nan], name="ticks", meta="ticks", yaxis="y2", line=dict(color="#888", dash="dot"))
    )
    vp.add_marks(fig, "ticks")
    shape = vp.marks(fig, "ticks")
    assert (shape.type, shape.xref, shape.yref, shape.line.color, shape.line.dash) == ("path", "x", "y2", "#888", "dot")
    assert shape.legendgroup == fig.data[0].legendgroup == "ticks" and shape.showlegend is False


def test_marks_follow_a_legend_click_and_hide_without_marks():
    fig = _figure(color="red")
    vp.set_marks(fig, "spike", vp.mark_path([1, 4], 0, 1))
    assert vp.marks(fig, "spike").visible is True
    fig.data[0].visible = "legendonly"  # what plotly sends back after a click on the legend entry
    vp.set_marks(fig, "spike", vp.mark_path([2], 0, 1))
    assert vp.marks(fig, "spike").visible == "legendonly"
    vp.set_marks(fig, "spike", vp.mark_path([], 0, 1))
    assert vp.marks(fig, "spike").visible is False and vp.mark_positions(fig, "spike")[0].size == 0


def test_set_marks_works_inside_a_batch_update():
    fig = go.FigureWidget(_figure())
    with fig.batch_update():
        vp.set_marks(fig, "spike", vp.mark_path([7], 0, 1))
    assert vp.mark_positions(fig, "spike")[0].tolist() == [7.0] and vp.marks(fig, "spike").visible is True


def test_bad_input_is_refused_with_the_argument_named():
    fig = _figure()
    with pytest.raises(ValueError, match=r"mark_path: xs must be 1-D, got shape \[2, 2\]"):
        vp.mark_path(np.zeros((2, 2)), 0, 1)
    with pytest.raises(ValueError, match=r"mark_path: y0 and y1 must be scalars or have the length of xs \(3\), got "
                       r"shapes \[2\] and \[\]"):  # fmt: skip
        vp.mark_path([1, 2, 3], [0, 0], 1)
    with pytest.raises(ValueError, match=r"mark_path: xs, y0 and y1 must be finite"):
        vp.mark_path([1, np.nan], 0, 1)
    with pytest.raises(TypeError, match=r"set_marks: path must be a str or None, got an object of type list"):
        vp.set_marks(fig, "spike", [1, 2])
    with pytest.raises(ValueError, match=r"add_marks: the figure already has marks named 'spike'"):
        vp.add_marks(fig, "spike")
    with pytest.raises(KeyError, match=r"marks: the figure has no marks named 'v'; its shapes are named \['spike'\]"):
        vp.marks(fig, "v")
    with pytest.raises(KeyError, match=r"trace: the figure has no trace with role 'v'"):
        vp.add_marks(fig, "v")


def test_crosses_round_trip_through_their_path():
    rng = np.random.default_rng(3)
    xs, ys = rng.integers(0, 100_000, 50).astype(float), rng.integers(-50, 50, 50).astype(float)
    fig = _figure(color="red", width=1.5)
    vp.set_marks(fig, "spike", vp.cross_path(xs, ys))
    back_x, back_y = vp.cross_positions(fig, "spike")
    np.testing.assert_array_equal(back_x, xs)
    np.testing.assert_array_equal(back_y, ys)
    # each cross is two strokes through its centre, corner to corner
    assert vp.cross_path([4], [7], half=0.25) == "M3.75,6.75L4.25,7.25M3.75,7.25L4.25,6.75"
    vp.set_marks(fig, "spike", vp.cross_path([], []))
    assert vp.cross_positions(fig, "spike")[0].size == 0 and vp.marks(fig, "spike").visible is False


def test_bad_crosses_are_refused_with_the_argument_named():
    with pytest.raises(
        ValueError, match=r"cross_path: xs and ys must be 1-D of one length, got shapes \[2\] and \[3\]"
    ):
        vp.cross_path([0, 1], [0, 1, 2])
    with pytest.raises(ValueError, match=r"cross_path: half must be a positive finite number, got 0"):
        vp.cross_path([0], [0], half=0)
    with pytest.raises(ValueError, match=r"cross_path: half must be a positive finite number, got True"):
        vp.cross_path([0], [0], half=True)
    with pytest.raises(ValueError, match=r"cross_path: xs and ys must be finite"):
        vp.cross_path([0, np.inf], [0, 1])
