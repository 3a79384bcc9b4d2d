"""Tests for snnlab/functional/init.py: kaiming_normal_conv_linear_weight."""

import math

import pytest
import torch
import torch.nn as nn

from snnlab.functional.init import kaiming_normal_conv_linear_weight


class MyLinear(nn.Linear):
    """A subclass, as snnlab.layer.Linear is."""


def test_std_matches_closed_form():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(1000, 2000))
    kaiming_normal_conv_linear_weight(net)
    expected = math.sqrt(1 / 3) / math.sqrt(1000)  # 0.018257
    assert abs(net[0].weight.std().item() - expected) < 2e-4


def test_same_rng_order_as_manual_calls_and_untouched_modules():
    def build():
        torch.manual_seed(1)
        return nn.Sequential(
            nn.Conv1d(2, 3, 3),
            nn.Sequential(nn.Conv2d(3, 4, 3), MyLinear(5, 6)),
            nn.Conv3d(1, 2, 2),
            nn.ConvTranspose2d(2, 3, 3),
            nn.BatchNorm1d(3),
            nn.Linear(6, 2),
        )

    net, ref = build(), build()
    convt, bn_w, biases = (
        ref[3].weight.clone(),
        ref[4].weight.clone(),
        [m.bias.clone() for m in ref.modules() if hasattr(m, "bias") and isinstance(m.bias, torch.Tensor)],
    )
    torch.manual_seed(7)
    kaiming_normal_conv_linear_weight(net)
    torch.manual_seed(7)
    for m in (ref[0], ref[1][0], ref[1][1], ref[2], ref[5]):  # net.modules() order
        nn.init.kaiming_normal_(m.weight, a=math.sqrt(5))
    for a, b in zip(net.parameters(), ref.parameters()):
        assert torch.equal(a, b)
    assert torch.equal(net[3].weight, convt) and torch.equal(net[4].weight, bn_w)  # ConvTranspose / BN untouched
    assert all(
        torch.equal(a, b)
        for a, b in zip(
            [m.bias for m in net.modules() if hasattr(m, "bias") and isinstance(m.bias, torch.Tensor)], biases
        )
    )


def test_rejects_non_module():
    with pytest.raises(TypeError, match=r"net must be a torch.nn.Module, got an object of type list"):
        kaiming_normal_conv_linear_weight([nn.Linear(2, 2)])
