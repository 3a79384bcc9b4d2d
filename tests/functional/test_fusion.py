"""Tests for snnlab/functional/fusion.py: conv-bn fusion identities, scalers and errors."""

import pytest
import torch
import torch.nn as nn
from torch.testing import assert_close

from snnlab.errors import InvalidParameterError
from snnlab.functional.fusion import (
    fuse_convbn2d,
    fused_conv2d_bias_of_convbn2d,
    fused_conv2d_weight_of_convbn2d,
    scale_fused_conv2d_bias_of_convbn2d,
    scale_fused_conv2d_weight_of_convbn2d,
)

CONV_CONFIGS = [
    dict(in_channels=4, out_channels=6, kernel_size=3, padding=1),
    dict(in_channels=4, out_channels=6, kernel_size=(3, 5), stride=2, padding=(1, 2)),
    dict(in_channels=4, out_channels=6, kernel_size=(3, 1), dilation=2),
    dict(in_channels=4, out_channels=6, kernel_size=3, groups=2, padding_mode="reflect", padding=1),
    dict(in_channels=4, out_channels=4, kernel_size=3, groups=4),  # depthwise
]


def make_pair(cfg, device="cpu", dtype=torch.float32, seed=0):
    torch.manual_seed(seed)
    conv = nn.Conv2d(bias=False, **cfg).to(device, dtype)
    bn = nn.BatchNorm2d(cfg["out_channels"]).to(device, dtype)
    with torch.no_grad():
        bn.weight.uniform_(0.5, 2.0)
        bn.bias.uniform_(-1.0, 1.0)
        bn.running_mean.uniform_(-1.0, 1.0)
        bn.running_var.uniform_(0.5, 2.0)
    return conv, bn.eval()


def scale_of(bn):
    return bn.weight / (bn.running_var + bn.eps).sqrt()


@pytest.mark.parametrize("cfg", CONV_CONFIGS)
def test_fused_conv_equals_conv_then_bn_in_eval(device, cfg):
    conv, bn = make_pair(cfg, device)
    x = torch.randn(2, 4, 9, 9, device=device)
    fused = fuse_convbn2d(conv, bn)
    assert type(fused) is nn.Conv2d and fused.bias is not None
    assert (fused.kernel_size, fused.stride, fused.padding, fused.dilation, fused.groups, fused.padding_mode) == (
        conv.kernel_size,
        conv.stride,
        conv.padding,
        conv.dilation,
        conv.groups,
        conv.padding_mode,
    )
    assert (fused(x) - bn(conv(x))).abs().max() < 1e-5
    assert fused.weight.grad_fn is None and fused.weight.device == conv.weight.device


def test_fused_weight_and_bias_closed_forms_and_differentiability():
    conv, bn = make_pair(CONV_CONFIGS[0], dtype=torch.float64)
    s = scale_of(bn)
    w = fused_conv2d_weight_of_convbn2d(conv, bn)
    b = fused_conv2d_bias_of_convbn2d(conv, bn)
    assert_close(w, conv.weight * s[:, None, None, None])
    assert_close(b, bn.bias - bn.running_mean * s)
    assert w.grad_fn is not None and b.grad_fn is not None
    (w.sum() + b.sum()).backward()
    assert conv.weight.grad is not None and bn.weight.grad is not None and bn.bias.grad is not None


def test_fuse_keeps_float64_and_ignores_batch_statistics():
    conv, bn = make_pair(CONV_CONFIGS[1], dtype=torch.float64)
    fused = fuse_convbn2d(conv, bn)
    assert fused.weight.dtype == torch.float64 and fused.bias.dtype == torch.float64
    x = torch.randn(3, 4, 8, 8, dtype=torch.float64)
    assert_close(fused(x), bn(conv(x)))
    bn.train()  # the fusion uses running statistics, so it differs from a training-mode BN
    assert (fused(x) - bn(conv(x))).abs().max() > 1e-3


def test_weight_scaler_k_and_b_follow_spikingjelly():
    conv, bn = make_pair(CONV_CONFIGS[0], dtype=torch.float64)
    fused0 = fused_conv2d_weight_of_convbn2d(conv, bn).detach()
    result = scale_fused_conv2d_weight_of_convbn2d(conv, bn, k=2.0, b=0.5)
    assert result is None
    fused1 = fused_conv2d_weight_of_convbn2d(conv, bn)
    # b is added to the conv weight, so the fused weight moves by b * s (not by b)
    assert_close(fused1, 2 * fused0 + 0.5 * scale_of(bn)[:, None, None, None])
    scale_fused_conv2d_weight_of_convbn2d(conv, bn, k=0.5)
    assert_close(fused_conv2d_weight_of_convbn2d(conv, bn), 0.5 * fused1)
    assert conv.weight.grad_fn is None


def test_bias_scaler_is_exact_affine_map_of_fused_bias():
    conv, bn = make_pair(CONV_CONFIGS[0], dtype=torch.float64)
    b0 = fused_conv2d_bias_of_convbn2d(conv, bn).detach()
    assert scale_fused_conv2d_bias_of_convbn2d(conv, bn, k=3.0, b=-0.25) is None
    assert_close(fused_conv2d_bias_of_convbn2d(conv, bn), 3.0 * b0 - 0.25)
    b1 = fused_conv2d_bias_of_convbn2d(conv, bn).detach()
    scale_fused_conv2d_bias_of_convbn2d(conv, bn, b=1.0)
    assert_close(fused_conv2d_bias_of_convbn2d(conv, bn), b1 + 1.0)


def test_errors_and_no_mutation_on_rejection():
    conv_b = nn.Conv2d(2, 3, 3, bias=True)
    bn = nn.BatchNorm2d(3)
    conv = nn.Conv2d(2, 3, 3, bias=False)
    for f in (
        fused_conv2d_weight_of_convbn2d,
        fused_conv2d_bias_of_convbn2d,
        fuse_convbn2d,
        scale_fused_conv2d_weight_of_convbn2d,
        scale_fused_conv2d_bias_of_convbn2d,
    ):
        with pytest.raises(
            InvalidParameterError, match=r"conv2d must have no bias .* got a conv with a bias of shape \[3\]"
        ):
            f(conv_b, bn)
        with pytest.raises(AssertionError):  # SpikingJelly's class is kept as a base
            f(conv_b, bn)
    w_before = conv_b.weight.detach().clone()
    with pytest.raises(InvalidParameterError):
        scale_fused_conv2d_weight_of_convbn2d(conv_b, bn, k=2.0)
    assert torch.equal(conv_b.weight, w_before)
    with pytest.raises(ValueError, match=r"bn2d must be affine \(weight and bias\), got a BatchNorm with affine=False"):
        fuse_convbn2d(conv, nn.BatchNorm2d(3, affine=False))
    with pytest.raises(
        ValueError, match=r"bn2d must track running statistics, got a BatchNorm with track_running_stats=False"
    ):
        fused_conv2d_bias_of_convbn2d(conv, nn.BatchNorm2d(3, track_running_stats=False))
    no_stats = nn.BatchNorm2d(3, track_running_stats=False)
    with pytest.raises(ValueError, match="track_running_stats=False"):
        scale_fused_conv2d_bias_of_convbn2d(conv, no_stats, k=2.0, b=1.0)
    assert torch.equal(no_stats.bias, torch.zeros(3))  # validated before mutating
    scale_fused_conv2d_bias_of_convbn2d(conv, no_stats, b=1.0)  # only the bias is needed for b
    assert torch.equal(no_stats.bias, torch.ones(3))
    with pytest.raises(ValueError, match=r"bn2d.num_features must equal conv2d.out_channels=3, got 4"):
        fuse_convbn2d(conv, nn.BatchNorm2d(4))
    with pytest.raises(TypeError, match=r"conv2d must be a torch.nn.Conv2d, got an object of type Linear"):
        fuse_convbn2d(nn.Linear(2, 3), bn)
    with pytest.raises(TypeError, match=r"bn2d must be a torch.nn.BatchNorm2d, got an object of type Identity"):
        fuse_convbn2d(conv, nn.Identity())
