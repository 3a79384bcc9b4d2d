"""snnlab.learning.rules: the STDP functions against SpikingJelly 0.14 and a float64 pair-by-pair loop."""

import math

import pytest
import torch
import torch.nn as nn

from snnlab import learning
from snnlab.errors import UnknownOptionError
from tests.sj014 import sj


def _spikes(*shape, p=0.4, seed=0):
    return (torch.rand(shape, generator=torch.Generator().manual_seed(seed)) < p).float()


def f_pre(w):
    return 1.0 - w  # element-wise weight dependence, so that f_pre and f_post are both exercised


def f_post(w):
    return w * w


def _assert_same(ours, theirs):
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(torch.as_tensor(a), torch.as_tensor(b))


def _linear():
    torch.manual_seed(0)
    return nn.Linear(5, 3, bias=False)


@pytest.mark.parametrize("name", ["stdp_linear_single_step", "mstdp_linear_single_step"])
def test_linear_rules_match_spikingjelly_over_several_steps(name):
    fc = _linear()
    ours_state, theirs_state = (None, None), (None, None)
    for t in range(4):
        pre, post = _spikes(2, 5, seed=t), _spikes(2, 3, seed=10 + t)
        ours = getattr(learning, name)(fc, pre, post, *ours_state, 2.0, 3.0, f_pre, f_post)
        theirs = getattr(sj("learning"), name)(fc, pre, post, *theirs_state, 2.0, 3.0, f_pre, f_post)
        _assert_same(ours, theirs)
        ours_state, theirs_state = ours[:2], theirs[:2]


def test_mstdpet_rule_matches_spikingjelly_unbatched_and_sums_batches():
    fc = _linear()
    pre, post = _spikes(5), _spikes(3, seed=1)
    ours = learning.mstdpet_linear_single_step(fc, pre, post, None, None, 2.0, 3.0, 4.0, f_pre, f_post)
    _assert_same(
        ours, sj("learning").mstdpet_linear_single_step(fc, pre, post, None, None, 2.0, 3.0, 4.0, f_pre, f_post)
    )
    batched = learning.mstdpet_linear_single_step(
        fc, torch.stack([pre, pre]), torch.stack([post, post]), None, None, 2.0, 3.0, 4.0, f_pre, f_post
    )
    torch.testing.assert_close(batched[2], 2 * ours[2])


@pytest.mark.parametrize(
    ("conv", "in_shape"),
    [
        (lambda: nn.Conv2d(2, 3, 3), (2, 2, 6, 6)),
        (lambda: nn.Conv2d(2, 3, 3, stride=2, padding=1), (2, 2, 7, 6)),
        (lambda: nn.Conv2d(2, 3, (2, 3), padding=1, padding_mode="circular"), (1, 2, 5, 5)),
        (lambda: nn.Conv1d(2, 3, 3), (2, 2, 9)),
        (lambda: nn.Conv1d(2, 3, 2, stride=2, padding=1), (2, 2, 9)),
    ],
)
def test_conv_rules_match_spikingjelly(conv, in_shape):
    torch.manual_seed(0)
    layer = conv()
    name = "stdp_conv2d_single_step" if isinstance(layer, nn.Conv2d) else "stdp_conv1d_single_step"
    ours_state, theirs_state = (None, None), (None, None)
    for t in range(3):
        pre = _spikes(*in_shape, seed=t)
        post = (layer(pre) > 0).float()
        ours = getattr(learning, name)(layer, pre, post, *ours_state, 2.0, 3.0, f_pre, f_post)
        theirs = getattr(sj("learning"), name)(layer, pre, post, *theirs_state, 2.0, 3.0, f_pre, f_post)
        _assert_same(ours, theirs)
        ours_state, theirs_state = ours[:2], theirs[:2]


@pytest.mark.parametrize("kind", ["linear", "conv1d", "conv2d"])
def test_multi_step_matches_spikingjelly(kind):
    torch.manual_seed(0)
    layer, shape = {
        "linear": (nn.Linear(4, 3), (5, 2, 4)),
        "conv1d": (nn.Conv1d(2, 2, 3, padding=1), (5, 2, 2, 6)),
        "conv2d": (nn.Conv2d(2, 2, 3, padding=1), (5, 2, 2, 4, 4)),
    }[kind]
    pre = _spikes(*shape)
    post = torch.stack([(layer(p) > 0).float() for p in pre])
    ours = learning.stdp_multi_step(layer, pre, post, None, None, 2.0, 2.5, f_pre, f_post)
    theirs = sj("learning").stdp_multi_step(layer, pre, post, None, None, 2.0, 2.5, f_pre, f_post)
    _assert_same(ours, theirs)


def test_stdp_linear_float64_pair_loop():
    """dw_ij = sum_t [f_post(w) s_post_i(t) tr_pre_j(t) - f_pre(w) s_pre_j(t) tr_post_i(t)]."""
    fc = nn.Linear(3, 2, bias=False).double()
    T, tau_pre, tau_post = 6, 2.0, 4.0
    pre, post = _spikes(T, 1, 3).double(), _spikes(T, 1, 2, seed=5).double()
    w = fc.weight.detach()
    expected = torch.zeros_like(w)
    for i in range(2):
        for j in range(3):
            tr_pre = tr_post = 0.0
            for t in range(T):
                tr_pre = tr_pre * (1 - 1 / tau_pre) + pre[t, 0, j].item()
                tr_post = tr_post * (1 - 1 / tau_post) + post[t, 0, i].item()
                expected[i, j] += f_post(w[i, j]) * post[t, 0, i] * tr_pre - f_pre(w[i, j]) * pre[t, 0, j] * tr_post
    got = learning.stdp_multi_step(fc, pre, post, None, None, tau_pre, tau_post, f_pre, f_post)[2]
    torch.testing.assert_close(got, expected)


def test_mstdp_trace_decay_is_exponential():
    fc = nn.Linear(1, 1, bias=False)
    tr_pre, _, _ = learning.mstdp_linear_single_step(fc, torch.ones(1, 1), torch.zeros(1, 1), None, None, 3.0, 3.0)
    tr_pre, _, _ = learning.mstdp_linear_single_step(fc, torch.zeros(1, 1), torch.zeros(1, 1), tr_pre, None, 3.0, 3.0)
    assert tr_pre.item() == pytest.approx(math.exp(-1 / 3))


def test_rules_refuse_what_they_cannot_learn():
    with pytest.raises(UnknownOptionError, match=r"stdp_conv2d_single_step: STDP needs groups=1, got groups=2"):
        learning.stdp_conv2d_single_step(
            nn.Conv2d(2, 2, 3, groups=2), torch.zeros(1, 2, 4, 4), torch.zeros(1, 2, 2, 2), None, None, 2.0, 2.0
        )
    with pytest.raises(UnknownOptionError, match=r"STDP needs dilation 1, got dilation=\(2, 2\)"):
        learning.stdp_conv2d_single_step(
            nn.Conv2d(1, 1, 2, dilation=2), torch.zeros(1, 1, 4, 4), torch.zeros(1, 1, 2, 2), None, None, 2.0, 2.0
        )
    with pytest.raises(TypeError, match="stdp_multi_step: the synapse must be an nn.Linear, nn.Conv1d or nn.Conv2d"):
        learning.stdp_multi_step(
            nn.Conv3d(1, 1, 1), torch.zeros(1, 1, 1, 1, 1, 1), torch.zeros(1, 1, 1, 1, 1, 1), None, None, 2.0, 2.0
        )
    with pytest.raises(ValueError, match=r"in_spike \[..., 5\] and out_spike \[..., 3\] must match the layer"):
        learning.stdp_linear_single_step(_linear(), torch.zeros(1, 4), torch.zeros(1, 3), None, None, 2.0, 2.0)
