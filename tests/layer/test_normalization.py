"""snnlab.layer.normalization: tdBN and NeuNorm against SpikingJelly 0.14 and float64 references."""

import pytest
import torch

from snnlab import layer
from snnlab.errors import InvalidParameterError
from tests.sj014 import run_both, sj

TDBN = [
    ("ThresholdDependentBatchNorm1d", (4, 3, 2)),
    ("ThresholdDependentBatchNorm1d", (4, 3, 2, 5)),
    ("ThresholdDependentBatchNorm2d", (3, 2, 2, 4, 4)),
    ("ThresholdDependentBatchNorm3d", (2, 2, 2, 3, 3, 3)),
]


def _oracle_tdbn(name, *args):
    bn = getattr(sj("layer"), name)(*args)
    # 0.14 derives from torch's private _BatchNorm, whose _check_input_dim is abstract in this torch:
    # its forward raises NotImplementedError. The oracle gets a no-op check so that its numbers can be read.
    bn._check_input_dim = lambda x: None
    return bn


@pytest.mark.parametrize(("name", "shape"), TDBN)
def test_tdbn_matches_spikingjelly_train_and_eval(name, shape):
    torch.manual_seed(0)
    x = torch.randn(shape) * 2 + 1
    ours = getattr(layer, name)(1.5, 0.5, shape[2])
    theirs = _oracle_tdbn(name, 1.5, 0.5, shape[2])
    (y, g), (y_ref, g_ref) = run_both(ours, theirs, x)
    torch.testing.assert_close(y, y_ref)
    torch.testing.assert_close(g, g_ref)
    torch.testing.assert_close(ours.weight.grad, theirs.weight.grad)
    torch.testing.assert_close(ours.running_mean, theirs.running_mean)
    torch.testing.assert_close(ours.running_var, theirs.running_var)
    assert ours.state_dict().keys() == theirs.state_dict().keys()
    ours.eval()
    theirs.eval()
    torch.testing.assert_close(ours(x), theirs(x))


def test_tdbn_float64_reference():
    x = torch.randn(5, 4, 3, dtype=torch.float64)
    bn = layer.ThresholdDependentBatchNorm1d(2.0, 0.25, 3, dtype=torch.float64)
    flat = x.reshape(-1, 3)
    expected = 0.5 * (flat - flat.mean(0)) / torch.sqrt(flat.var(0, unbiased=False) + 1e-5)
    torch.testing.assert_close(bn(x), expected.reshape(5, 4, 3))
    assert bn.step_mode == "m"


def test_tdbn_rejects_wrong_rank_and_affine_false():
    with pytest.raises(ValueError, match=r"ThresholdDependentBatchNorm2d: x_seq must have shape \[T, N, C, H, W\]"):
        layer.ThresholdDependentBatchNorm2d(1.0, 1.0, 3)(torch.zeros(2, 3, 4, 4))
    with pytest.raises(InvalidParameterError, match="affine must be True"):
        layer.ThresholdDependentBatchNorm2d(1.0, 1.0, 3, affine=False)
    with pytest.raises(ValueError, match="step_mode can only be"):
        layer.ThresholdDependentBatchNorm2d(1.0, 1.0, 3).step_mode = "s"


@pytest.mark.parametrize("shared", [False, True])
@pytest.mark.parametrize("step_mode", ["s", "m"])
def test_neunorm_matches_spikingjelly(shared, step_mode):
    torch.manual_seed(0)
    x = (torch.rand(5, 2, 3, 4, 4) > 0.5).float()
    ours = layer.NeuNorm(3, 4, 4, k=0.8, shared_across_channels=shared, step_mode=step_mode)
    theirs = sj("layer").NeuNorm(3, 4, 4, k=0.8, shared_across_channels=shared, step_mode=step_mode)
    theirs.load_state_dict(ours.state_dict())
    (y, g), (y_ref, g_ref) = run_both(ours, theirs, x, 5 if step_mode == "s" else None)
    torch.testing.assert_close(y, y_ref)
    torch.testing.assert_close(g, g_ref)
    torch.testing.assert_close(ours.w.grad, theirs.w.grad)
    ours.reset()
    assert ours.x == 0.0


def test_neunorm_float64_loop():
    x = (torch.rand(4, 1, 2, 3, 3, dtype=torch.float64) > 0.5).double()
    nn_ = layer.NeuNorm(2, 3, 3, k=0.7, step_mode="m").double()
    state, out = 0.0, []
    for s in x:
        state = 0.7 * state + 0.3 / 4 * s.sum(1, keepdim=True)
        out.append(s - nn_.w * state)
    torch.testing.assert_close(nn_(x), torch.stack(out))
