"""snnlab.layer.utility: VotingLayer and PrintShapeModule against SpikingJelly 0.14."""

import pytest
import torch

from snnlab import layer
from tests.sj014 import run_both, sj


@pytest.mark.parametrize(("step_mode", "shape"), [("s", (3, 10)), ("m", (4, 3, 10)), ("s", (2, 11))])
def test_voting_layer_matches_spikingjelly(step_mode, shape):
    x = torch.rand(shape)
    ours = layer.VotingLayer(5, step_mode=step_mode)
    theirs = sj("layer").VotingLayer(5, step_mode=step_mode)
    (y, g), (y_ref, g_ref) = run_both(ours, theirs, x)
    torch.testing.assert_close(y, y_ref)
    torch.testing.assert_close(g, g_ref)
    torch.testing.assert_close(y[..., 0], x[..., :5].mean(-1))


def test_voting_layer_rejects_a_zero_size():
    with pytest.raises(ValueError, match="VotingLayer: voting_size must be an integer >= 1, got 0"):
        layer.VotingLayer(0)


def test_print_shape_module_prints_like_spikingjelly(capsys):
    x = torch.zeros(2, 3)
    assert layer.PrintShapeModule("here")(x) is x
    ours = capsys.readouterr().out
    sj("layer").PrintShapeModule("here")(x)
    assert ours == capsys.readouterr().out == "here torch.Size([2, 3])\n"
