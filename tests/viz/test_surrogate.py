"""surrogate figure: Heaviside, primitive and gradient curves match the surrogate's own functions."""

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from snnlab.surrogate import ATan, Sigmoid
from snnlab.viz import mpl as vm
from snnlab.viz import plotly as vp


def _reference(sf, x):
    x = torch.as_tensor(x, dtype=torch.float64)
    return (x >= 0).double().numpy(), sf.primitive(x).numpy(), sf.derivative(x).numpy()


@pytest.mark.parametrize("sf", [Sigmoid(alpha=4.0), ATan(alpha=3.0)])
def test_mpl_curves_match_the_surrogate(sf):
    ax = Figure().subplots()
    h, p, g = vm.surrogate(ax, sf)
    xs = np.linspace(-2, 2, 401)
    np.testing.assert_allclose(h.get_xdata(), xs, atol=1e-12)
    for line, ref in zip((h, p, g), _reference(sf, xs)):
        np.testing.assert_allclose(line.get_ydata(), ref, rtol=1e-12)
    assert ax.get_title() == f"{type(sf).__name__}(alpha={sf.alpha:g})"
    assert ax.get_ylim()[1] >= g.get_ydata().max()


def test_mpl_update_and_closed_form():
    ax = Figure().subplots()
    first = vm.surrogate(ax, Sigmoid(alpha=4.0), x=[0.0, 1.0])
    lines = vm.surrogate(ax, Sigmoid(alpha=2.0), x=[0.0, 1.0])
    assert lines == first and len(ax.lines) == 4  # three curves and the zero line, updated in place
    s = 1 / (1 + np.exp(-2.0))
    np.testing.assert_allclose(lines[1].get_ydata(), [0.5, s], rtol=1e-12)
    np.testing.assert_allclose(lines[2].get_ydata(), [0.5, 2.0 * s * (1 - s)], rtol=1e-12)
    assert lines[0].axes.get_title() == "Sigmoid(alpha=2)"


def test_plotly_curves_and_update():
    sf = ATan(alpha=2.0)
    fig = vp.surrogate(sf)
    xs = np.linspace(-2, 2, 401)
    for trace, ref in zip(fig.data, _reference(sf, xs)):
        assert trace.y.dtype == np.float32
        np.testing.assert_allclose(trace.y, ref, rtol=1e-6, atol=1e-7)
    assert vp.surrogate(Sigmoid(), x=[], fig=fig) is fig
    assert fig.layout.annotations[0].text == "no data" and fig.layout.title.text == "Sigmoid(alpha=4)"


def test_bad_surrogate():
    with pytest.raises(TypeError, match=r"surrogate: surrogate_function must be a surrogate .* got 'atan' \(str\)"):
        vm.surrogate(Figure().subplots(), "atan")
