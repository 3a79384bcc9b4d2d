"""similarity_matrix: two matrices on one colour scale with the loss, result objects, empty input, updates."""

from typing import NamedTuple

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from snnlab.viz import mpl as vm
from snnlab.viz import plotly as vp


class Result(NamedTuple):
    predicted: torch.Tensor
    target: torch.Tensor
    loss: torch.Tensor


P = torch.tensor([[1.0, 0.2], [0.2, 0.8]])
T = torch.eye(2)


def test_mpl_images_titles_and_shared_scale():
    fig = Figure()
    p_im, t_im = vm.similarity_matrix(fig, P, T, loss=torch.tensor(0.125))
    np.testing.assert_array_equal(p_im.get_array(), P.numpy().astype(np.float64))
    np.testing.assert_array_equal(t_im.get_array(), T.numpy())
    assert p_im.get_clim() == t_im.get_clim() == (0.0, 1.0)
    assert p_im.axes.get_title() == "predicted (loss 0.125)" and t_im.axes.get_title() == "target"
    assert [t.get_text() for t in p_im.axes.texts] == ["1", "0.2", "0.2", "0.8"]


def test_mpl_result_object_update_and_empty():
    axes = Figure().subplots(1, 2)
    big = torch.rand(12, 12)
    ims = vm.similarity_matrix(axes, Result(big, torch.eye(12), torch.tensor(0.5)))
    assert ims[0].axes.get_title() == "predicted (loss 0.5)" and len(ims[0].axes.texts) == 0
    same = vm.similarity_matrix(axes, big * 2, torch.eye(12), loss=0.25)
    assert same == ims and ims[0].get_clim() == (0.0, float((big * 2).max()))
    empty = vm.similarity_matrix(axes, torch.zeros(0, 0), torch.zeros(0, 0))
    assert [t.get_text() for t in empty] == ["no data", "no data"] and len(axes[0].images) == 0


def test_bad_matrices():
    with pytest.raises(
        ValueError, match=r"similarity_matrix: predicted must be a square \[B, B\] matrix, got shape \[2, 3\]"
    ):
        vm.similarity_matrix(Figure(), torch.zeros(2, 3), torch.zeros(2, 3))
    with pytest.raises(ValueError, match=r"same shape, got \[2, 2\] and \[3, 3\]"):
        vp.similarity_matrix(torch.zeros(2, 2), torch.zeros(3, 3))
    with pytest.raises(TypeError, match="similarity_matrix: target must be a \\[B, B\\] matrix"):
        vp.similarity_matrix(torch.zeros(2, 2))
    with pytest.raises(TypeError, match="similarity_matrix: axes must be a pair of matplotlib Axes or a Figure"):
        vm.similarity_matrix(Figure().subplots(), P, T)


def test_plotly_heatmaps_and_update():
    fig = vp.similarity_matrix(P, T, loss=0.125)
    np.testing.assert_array_equal(fig.data[0].z, P.numpy())
    np.testing.assert_array_equal(fig.data[1].z, T.numpy())
    assert fig.data[0].coloraxis == fig.data[1].coloraxis == "coloraxis"
    assert (fig.layout.coloraxis.cmin, fig.layout.coloraxis.cmax) == (0.0, 1.0)
    assert fig.layout.title.text == "predicted vs target (loss 0.125)"
    # square matrices by shrinking the plot area, never by padding a sample axis past the matrix
    assert {fig.layout[a].constrain for a in ("xaxis", "yaxis", "xaxis2", "yaxis2")} == {"domain"}
    assert vp.similarity_matrix(Result(P * 3, T, torch.tensor(2.0)), fig=fig) is fig
    assert fig.layout.coloraxis.cmax == pytest.approx(3.0) and fig.layout.title.text.endswith("(loss 2)")
    vp.similarity_matrix(torch.zeros(0, 0), torch.zeros(0, 0), fig=fig)
    assert fig.layout.annotations[-1].text == "no data" or any(a.text == "no data" for a in fig.layout.annotations)


def test_plotly_panels_keep_their_titles_and_share_a_labelled_colour_bar():
    """The empty-figure message used to replace the subplot titles: both panels were untitled."""
    fig = vp.similarity_matrix(torch.rand(4, 4), torch.eye(4))
    assert [a.text for a in fig.layout.annotations if a.text] == ["predicted", "target"]
    assert fig.data[0].coloraxis == fig.data[1].coloraxis == "coloraxis"
    assert fig.layout.coloraxis.colorbar.title.text == "similarity<br>(both panels)"
