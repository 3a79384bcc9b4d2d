"""surrogate_gallery: one titled, labelled panel per registered surrogate, in both forms, with the
surrogates' own curves."""

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from snnlab.registry.surrogates import SURROGATE_KINDS, SURROGATES
from snnlab.surrogate import S2NN, Erf, Sigmoid
from snnlab.viz import mpl as vm
from snnlab.viz import plotly as vp

XS = np.linspace(-2, 2, 401)


def expected(obj):
    x = torch.as_tensor(XS, dtype=torch.float64)
    return (x >= 0).double().numpy(), obj.primitive(x).numpy(), obj.derivative(x).numpy()


def test_mpl_gallery_draws_every_registered_surrogate():
    fig = vm.surrogate_gallery()
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert len(axes) == len(SURROGATE_KINDS) == 14
    assert fig.get_size_inches()[0] * fig.dpi == pytest.approx(1280)
    for ax, kind in zip(axes, SURROGATE_KINDS):
        obj = SURROGATES[kind].build()
        assert ax.get_title().startswith(type(obj).__name__ + "(")
        for line, want in zip(ax.lines, expected(obj)):
            np.testing.assert_allclose(line.get_ydata(), want, rtol=1e-12, atol=1e-12)
        lo, hi = ax.get_ylim()
        assert lo <= min(want.min() for want in expected(obj)) and hi >= max(want.max() for want in expected(obj))
    assert {ax.get_xlabel() for ax in axes[-4:]} == {"x = v - threshold"}  # the bottom panel of each column
    assert [ax.get_ylabel() for ax in axes[::4]] == ["value"] * 4
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [
        "Heaviside (forward)",
        "primitive",
        "gradient (backward)",
    ]


def test_mpl_gallery_of_chosen_surrogates_into_a_given_figure():
    fig = Figure()
    out = vm.surrogate_gallery([S2NN(beta=0.5), "erf"], x=[-1.0, 0.0, 1.0], fig=fig, ncols=3)
    assert out is fig
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert titles == ["S2NN(alpha=4, beta=0.5)", "Erf(alpha=2)"]
    np.testing.assert_allclose(
        fig.axes[1].lines[2].get_ydata(), Erf().derivative(torch.tensor([-1.0, 0.0, 1.0], dtype=torch.float64))
    )
    assert vm.surrogate_gallery([]).axes[0].texts[0].get_text() == "no surrogates"


def test_plotly_gallery_draws_every_registered_surrogate_and_refills():
    fig = vp.surrogate_gallery()
    titles = [a.text for a in fig.layout.annotations if a.name == "panel-title"]
    assert len(titles) == 14 and len(fig.data) == 42
    for i, kind in enumerate(SURROGATE_KINDS):
        obj = SURROGATES[kind].build()
        assert titles[i].startswith(type(obj).__name__ + "(")
        for trace, want in zip(fig.data[3 * i : 3 * i + 3], expected(obj)):
            assert trace.y.dtype == np.float32
            np.testing.assert_allclose(trace.y, want, rtol=1e-6, atol=1e-6)
    assert [t.showlegend for t in fig.data[:4]] == [True, True, True, False]
    assert fig.layout.xaxis13.title.text == "x = v - threshold" and fig.layout.yaxis.title.text == "value"
    kinds = list(SURROGATE_KINDS)
    kinds[0] = SURROGATES["sigmoid"].build(alpha=8.0)
    assert vp.surrogate_gallery(kinds, fig=fig) is fig
    assert fig.layout.annotations[1].text == "Sigmoid(alpha=8)"  # [0] is the empty-figure message
    assert float(fig.data[2].y.max()) == pytest.approx(2.0)


def test_bad_arguments():
    with pytest.raises(
        TypeError, match=r"surrogate_gallery: surrogates must be None or a sequence .* got 'erf' \(str\)"
    ):
        vm.surrogate_gallery("erf")
    with pytest.raises(ValueError, match=r"surrogate_gallery: ncols must be an integer >= 1, got 0"):
        vp.surrogate_gallery(ncols=0)
    with pytest.raises(ValueError, match=r"kind must be one of 'sigmoid', .* got 'relu'"):
        vp.surrogate_gallery(["relu"])
    with pytest.raises(TypeError, match=r"surrogate_gallery: surrogate_function must be a surrogate"):
        vm.surrogate_gallery([3])
    busy = Figure()
    busy.add_subplot()
    with pytest.raises(TypeError, match=r"surrogate_gallery: fig must be a matplotlib Figure \(empty, or made by"):
        vm.surrogate_gallery(fig=busy)
    with pytest.raises(ValueError, match=r"fig was made with panels=14, got panels=2"):
        vm.surrogate_gallery(["erf", "atan"], fig=vm.surrogate_gallery())
    with pytest.raises(ValueError, match=r"fig was made with panels=14, got panels=2"):
        vp.surrogate_gallery(["erf", "atan"], fig=vp.surrogate_gallery())


def test_both_forms_refill_a_gallery_they_made_in_place():
    fig = vm.surrogate_gallery(["sigmoid", "atan"], x=[-1.0, 0.0, 1.0])
    axes, lines = list(fig.axes), [list(ax.lines) for ax in fig.axes]
    assert vm.surrogate_gallery([Sigmoid(alpha=8.0), "erf"], x=[-1.0, 0.0, 1.0], fig=fig) is fig
    assert list(fig.axes) == axes and [list(ax.lines) for ax in fig.axes] == lines
    assert fig.axes[0].get_title() == "Sigmoid(alpha=8)" and fig.axes[1].get_title().startswith("Erf")
    assert fig.axes[0].lines[2].get_ydata()[1] == pytest.approx(2.0)  # alpha / 4 at x = 0
    pfig = vp.surrogate_gallery(["sigmoid", "atan"], x=[-1.0, 0.0, 1.0])
    traces = list(pfig.data)
    vp.surrogate_gallery([Sigmoid(alpha=8.0), "erf"], x=[-1.0, 0.0, 1.0], fig=pfig)
    assert list(pfig.data) == traces and pfig.data[2].y[1] == pytest.approx(2.0)
