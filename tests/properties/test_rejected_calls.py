"""State after a rejected call: whatever the refusal, the module is exactly as it was before the call."""

import copy

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from snnlab import functional, layer, neuron
from snnlab.encoding import LatencyEncoder

from .strategies import assert_same_state, batch_shapes, make_input, neurons, snapshot

SEEDS = st.integers(0, 2**16)

#: ways to call a neuron wrongly: each returns the bad input for a per-step shape (and may change the node)
BAD_CALLS = {
    "bool input": lambda node, shape, seed: make_input(shape, torch.bool, seed),
    "integer input": lambda node, shape, seed: make_input(shape, torch.int64, seed),
    "complex input": lambda node, shape, seed: make_input(shape, torch.complex64, seed),
    "other batch size": lambda node, shape, seed: make_input((shape[0] + 1, *shape[1:]), torch.float32, seed),
    "threshold of another batch": lambda node, shape, seed: _margin(node, shape, seed),
    "not a tensor": lambda node, shape, seed: [[0.5] * shape[-1]] * shape[0],
}


def _margin(node, shape, seed):
    node.v_threshold = torch.full((shape[0] + 1, *shape[1:]), 0.9)
    return make_input(shape, torch.float32, seed)


def _step_input(node, x, T=2):
    if node.step_mode == "m" and isinstance(x, torch.Tensor):
        return x.unsqueeze(0).expand(T, *x.shape).contiguous()
    return x


@given(neurons(), batch_shapes(), st.sampled_from(sorted(BAD_CALLS)), st.integers(1, 3), SEEDS)
def test_a_rejected_neuron_call_leaves_every_memory_as_it_was(node, shape, bad, warmup, seed):
    twin = copy.deepcopy(node)
    for t in range(warmup):
        node(_step_input(node, make_input(shape, torch.float32, seed + t)))
    theta = node.v_threshold
    before = snapshot(node)
    x = BAD_CALLS[bad](node, shape, seed)
    with pytest.raises((TypeError, ValueError)):
        node(_step_input(node, x))
    node.v_threshold = theta
    assert_same_state(before, snapshot(node))
    # and the node still runs exactly like one that never saw the bad call
    good = make_input(shape, torch.float32, seed + 99)
    for t in range(warmup):
        twin(_step_input(twin, make_input(shape, torch.float32, seed + t)))
    assert torch.equal(node(_step_input(node, good)), twin(_step_input(twin, good)))


@given(
    st.sampled_from(["tau", "v_threshold", "v_reset", "decay_input", "detach_reset"]),
    st.sampled_from([-3.0, 0.5, 1.0, float("nan"), float("inf"), "x", None, torch.tensor(float("nan"))]),
)
def test_a_rejected_assignment_leaves_the_attribute_and_the_message_matches_the_constructor(name, value):
    node = neuron.LIFNode()
    before = getattr(node, name)
    try:
        setattr(node, name, value)
    except (TypeError, ValueError) as assigned:
        assert getattr(node, name) == before
        with pytest.raises(type(assigned)) as constructed:
            neuron.LIFNode(**{name: value})
        assert str(constructed.value) == str(assigned)
    else:
        neuron.LIFNode(**{name: value})  # what assignment accepts, the constructor accepts


@given(st.integers(1, 4), st.integers(1, 4), SEEDS)
def test_a_rejected_online_training_call_leaves_model_and_optimizer_alone(n, T, seed):
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(3, 2), neuron.IFNode())
    opt = torch.optim.SGD(net.parameters(), lr=0.5)
    w_ra = functional.fptt_online_training_init_w_ra(opt)
    net(torch.rand(n, 3))
    before = snapshot(net)
    with pytest.raises(ValueError):
        functional.fptt_online_training(net, opt, torch.rand(T, n, 3), torch.rand(T + 1, n, 2), F.mse_loss, 0.1, w_ra)
    with pytest.raises(ValueError):
        functional.fptt_online_training(net, opt, torch.rand(T, n, 3), torch.rand(T, n, 2), F.mse_loss, -1.0, w_ra)
    assert_same_state(before, snapshot(net))


@given(batch_shapes(), SEEDS)
def test_a_rejected_latency_call_keeps_the_train(shape, seed):
    enc = LatencyEncoder(T=3)
    x = make_input(shape, torch.float32, seed) / 2.5
    first = enc(x)
    before = snapshot(enc)
    with pytest.raises((TypeError, ValueError)):
        enc(x * 10 + 2)  # out of [0, 1]
    assert_same_state(before, snapshot(enc))
    assert torch.equal(enc(x), LatencyEncoder(T=3).encode(x)[1]) and first.shape == x.shape


@given(st.integers(1, 3), st.integers(1, 3), SEEDS)
def test_a_rejected_recurrent_call_keeps_y(n, features, seed):
    rec = layer.LinearRecurrentContainer(neuron.IFNode(), features, features)
    rec(make_input((n, features), torch.float32, seed))
    before = snapshot(rec)
    with pytest.raises(ValueError):
        rec(make_input((n, features + 1), torch.float32, seed))
    assert_same_state(before, snapshot(rec))
