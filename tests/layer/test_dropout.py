"""snnlab.layer.dropout: one mask per sample, shared across time steps until reset."""

import pytest
import torch

from snnlab import layer
from snnlab.errors import InvalidParameterError
from tests.sj014 import sj


def test_multi_step_mask_is_shared_by_all_steps_and_scaled(device):
    torch.manual_seed(0)
    drop = layer.Dropout(p=0.25, step_mode="m")
    x_seq = torch.rand(6, 4, 50, device=device) + 0.5
    y = drop(x_seq)
    mask = drop.mask
    assert mask.shape == (4, 50)
    assert mask.unique().tolist() == [0.0, torch.tensor(1 / 0.75).item()]
    torch.testing.assert_close(y, x_seq * mask)
    dropped = y == 0
    assert bool((dropped == dropped[0]).all())  # same neurons silent at every step


def test_single_and_multi_step_draw_the_same_mask_under_the_same_seed():
    x_seq = torch.rand(5, 3, 20)
    torch.manual_seed(7)
    y_m = layer.Dropout(0.5, step_mode="m")(x_seq)
    torch.manual_seed(7)
    drop_s = layer.Dropout(0.5)
    y_s = torch.stack([drop_s(x_seq[t]) for t in range(5)])
    torch.testing.assert_close(y_m, y_s)


def test_reset_draws_a_new_mask_and_eval_is_identity():
    torch.manual_seed(1)
    drop = layer.Dropout(0.5)
    x = torch.ones(2, 64)
    first = drop(x).clone()
    torch.testing.assert_close(drop(x), first)
    drop.reset()
    assert drop.mask is None
    assert not torch.equal(drop(x), first)
    drop.eval()
    assert drop(x) is x


def test_dropout2d_drops_whole_channels_shared_over_time():
    torch.manual_seed(2)
    drop = layer.Dropout2d(p=0.5, step_mode="m")
    y = drop(torch.ones(3, 2, 16, 4, 4))
    per_map = y.flatten(3)
    assert bool((per_map == per_map[..., :1]).all()) and bool((y == y[0]).all())
    assert set(y.unique().tolist()) == {0.0, 2.0}


def test_a_batch_of_another_shape_without_reset_is_refused_clearly():
    drop = layer.Dropout(0.5)
    drop(torch.ones(2, 3))
    with pytest.raises(
        ValueError,
        match=r"Dropout: the dropout mask was drawn for samples of shape \[2, 3\], "
        r"got shape \[4, 3\]; call functional.reset_net",
    ):
        drop(torch.ones(4, 3))


def test_gradient_is_masked():
    torch.manual_seed(3)
    drop = layer.Dropout(0.5, step_mode="m")
    x = torch.ones(2, 3, 10, requires_grad=True)
    drop(x).sum().backward()
    assert set(drop.mask.unique().tolist()) == {0.0, 2.0}
    torch.testing.assert_close(x.grad, drop.mask.expand(2, 3, 10))


@pytest.mark.parametrize(
    "p, exc, text",
    [
        (1.0, InvalidParameterError, r"Dropout: p must be a number in \[0, 1\), got 1.0"),
        (-0.1, InvalidParameterError, r"Dropout: p must be a number in \[0, 1\), got -0.1"),
        ("0.5", TypeError, r"Dropout: p must be a real number, got '0.5' \(str\)"),
    ],
)
def test_p_is_validated(p, exc, text):
    with pytest.raises(exc, match=text):
        layer.Dropout(p)


def test_repr_and_state():
    drop = layer.Dropout(0.3, step_mode="m")
    assert repr(drop) == "Dropout(p=0.3, step_mode=m)"
    assert list(drop.state_dict()) == []


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("invariant", [False, True])
def test_drop_connect_linear_matches_spikingjelly_in_training(bias, invariant):

    ours = layer.DropConnectLinear(5, 3, bias=bias, p=0.4, invariant=invariant)
    theirs = sj("layer").DropConnectLinear(5, 3, bias=bias, p=0.4, invariant=invariant)
    theirs.load_state_dict(ours.state_dict())
    x = torch.randn(4, 2, 5)
    outs = []
    for module in (ours, theirs):
        torch.manual_seed(7)
        xi = x.clone().requires_grad_(True)
        y = torch.stack([module(xi[t]) for t in range(4)])
        y.sum().backward()
        outs.append((y.detach(), xi.grad, module.weight.grad))
    for a, b in zip(*outs):
        torch.testing.assert_close(a, b)


def test_drop_connect_linear_matches_spikingjelly_in_eval():

    ours = layer.DropConnectLinear(5, 3, p=0.3, samples_num=64).eval()
    theirs = sj("layer").DropConnectLinear(5, 3, p=0.3, samples_num=64).eval()
    theirs.load_state_dict(ours.state_dict())
    x = torch.randn(2, 5)
    torch.manual_seed(3)
    y = ours(x)
    torch.manual_seed(3)
    torch.testing.assert_close(y, theirs(x))


def test_drop_connect_linear_float64_training_rule():
    fc = layer.DropConnectLinear(4, 2, p=0.5, activation=None).double()
    x = torch.randn(3, 4, dtype=torch.float64)
    y = fc(x)
    for n in range(3):
        expected = fc.dropped_w[n] @ x[n] + fc.dropped_b[n]
        torch.testing.assert_close(y[n], expected)
    kept = (fc.dropped_w != 0) | (fc.weight == 0)
    torch.testing.assert_close(fc.dropped_w, fc.weight * kept)


def test_drop_connect_linear_state_mode_sets_the_step_mode():
    fc = layer.DropConnectLinear(4, 2, state_mode="m")
    assert fc.step_mode == "m" and fc.state_mode == "m"
    assert fc(torch.ones(3, 2, 4)).shape == (3, 2, 2)
    with pytest.raises(ValueError, match=r"DropConnectLinear: p must be a number in \[0, 1\), got 1.0"):
        layer.DropConnectLinear(4, 2, p=1.0)
