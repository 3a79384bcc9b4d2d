"""snnlab.layer.attention: TA and MA attention against SpikingJelly 0.14 and a float64 per-sample reference."""

import pytest
import torch
import torch.nn.functional as F

from snnlab import layer
from snnlab.errors import InvalidParameterError
from tests.sj014 import run_both, sj


@pytest.mark.parametrize(("dimension", "shape"), [(2, (8, 3, 5)), (4, (8, 2, 3, 4, 4))])
def test_temporal_wise_attention_matches_spikingjelly(dimension, shape):
    torch.manual_seed(0)
    ours = layer.TemporalWiseAttention(8, reduction=4, dimension=dimension)
    # 0.14's class is not an nn.Module (it cannot be called); its forward method is the oracle
    theirs = sj("layer").TemporalWiseAttention(8, reduction=4, dimension=dimension)
    theirs.sharedMLP.load_state_dict(ours.sharedMLP.state_dict())
    x = torch.rand(shape)
    (y, g), (y_ref, g_ref) = run_both(ours, theirs.forward, x)
    torch.testing.assert_close(y, y_ref)
    torch.testing.assert_close(g, g_ref)
    assert list(ours.state_dict()) == ["sharedMLP.0.weight", "sharedMLP.2.weight"]


def test_temporal_wise_attention_checks_arguments_and_rank():
    with pytest.raises(InvalidParameterError, match="TemporalWiseAttention: reduction must be <= T = 4, got 8"):
        layer.TemporalWiseAttention(4, reduction=8)
    with pytest.raises(InvalidParameterError, match="dimension must be 2 or 4, got 3"):
        layer.TemporalWiseAttention(4, reduction=2, dimension=3)
    with pytest.raises(ValueError, match=r"x_seq must have shape \[T, N, M\] \(dimension=2\), got \[4, 2, 3, 3, 3\]"):
        layer.TemporalWiseAttention(4, reduction=2, dimension=2)(torch.zeros(4, 2, 3, 3, 3))


def _mlp(seq, v):
    w1, w2 = seq[0].weight.flatten(1), seq[2].weight.flatten(1)
    return w2 @ torch.relu(w1 @ v)


def _mda_reference(ma, x_seq):
    out = []
    for n in range(x_seq.shape[1]):
        x = x_seq[:, n]  # [T, C, H, W]
        gate_t = torch.sigmoid(_mlp(ma.ta.sharedMLP, x.mean((1, 2, 3))) + _mlp(ma.ta.sharedMLP, x.amax((1, 2, 3))))
        x = gate_t[:, None, None, None] * x
        gate_c = torch.sigmoid(_mlp(ma.ca.sharedMLP, x.mean((0, 2, 3))) + _mlp(ma.ca.sharedMLP, x.amax((0, 2, 3))))
        x = gate_c[None, :, None, None] * x
        flat = x.flatten(0, 1)
        pooled = torch.stack([flat.mean(0), flat.amax(0)])[None]
        k = ma.sa.conv.weight.shape[-1]
        gate_s = torch.sigmoid(F.conv2d(pooled, ma.sa.conv.weight, padding=k // 2))[0]
        out.append(torch.relu(gate_s[None] * x))
    return torch.stack(out, 1)


@pytest.mark.parametrize("kernel_size", [3, 7])
def test_multi_dimensional_attention_float64_reference(kernel_size):
    torch.manual_seed(0)
    ma = layer.MultiDimensionalAttention(T=4, C=6, reduction_t=2, reduction_c=3, kernel_size=kernel_size).double()
    x = torch.randn(4, 3, 6, 5, 5, dtype=torch.float64)
    torch.testing.assert_close(ma(x), _mda_reference(ma, x))
    # parameter names and shapes of 0.14 (its class needs einops to be built, so they are written out)
    assert {k: tuple(v.shape) for k, v in ma.state_dict().items()} == {
        "ta.sharedMLP.0.weight": (2, 4, 1, 1, 1),
        "ta.sharedMLP.2.weight": (4, 2, 1, 1, 1),
        "ca.sharedMLP.0.weight": (2, 6, 1, 1, 1),
        "ca.sharedMLP.2.weight": (6, 2, 1, 1, 1),
        "sa.conv.weight": (1, 2, kernel_size, kernel_size),
    }


def test_multi_dimensional_attention_checks_arguments():
    with pytest.raises(InvalidParameterError, match="reduction_c must be <= C = 4, got 16"):
        layer.MultiDimensionalAttention(T=16, C=4)
    with pytest.raises(InvalidParameterError, match="kernel_size must be 3 or 7, got 5"):
        layer.MultiDimensionalAttention(T=4, C=4, reduction_t=2, reduction_c=2, kernel_size=5)
    with pytest.raises(ValueError, match=r"x_seq must have shape \[T, N, C, H, W\], got \[4, 2, 4\]"):
        layer.MultiDimensionalAttention(T=4, C=4, reduction_t=2, reduction_c=2)(torch.zeros(4, 2, 4))
