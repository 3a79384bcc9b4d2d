"""State after a rejected call: whatever the refusal, the module is exactly as it was before the call."""

import copy
import inspect

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from snnlab import functional, layer, neuron
from snnlab.encoding import LatencyEncoder

from .strategies import (
    NEURON_KINDS,
    NEURONS,
    SURROGATE_KINDS,
    SURROGATES,
    assert_same_state,
    batch_shapes,
    make_input,
    neurons,
    snapshot,
)

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


@pytest.mark.parametrize("kind", NEURON_KINDS)
@given(st.data(), batch_shapes(), st.sampled_from(sorted(BAD_CALLS)), st.integers(1, 3), SEEDS)
def test_a_rejected_neuron_call_leaves_every_memory_as_it_was(kind, data, shape, bad, warmup, seed):
    node = data.draw(neurons(kind=kind))
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


def _neuron_attributes(kind):
    """The configuration attributes a neuron of ``kind`` keeps: its registered parameters (those it
    stores; PLIF keeps ``w``, not ``init_tau``) and the base class' ``detach_reset``."""
    node = NEURONS[kind].build()
    return sorted({p.name for p in NEURONS[kind].params if hasattr(node, p.name)} | {"detach_reset"})


NEURON_ATTRIBUTES = [(kind, name) for kind in NEURON_KINDS for name in _neuron_attributes(kind)]
SURROGATE_ATTRIBUTES = [
    (kind, name) for kind in SURROGATE_KINDS for name in (*SURROGATES[kind].cls.param_names, "spiking")
]
ASSIGNED_VALUES = [-3.0, 0.0, 0.5, 1.0, 2, float("nan"), float("inf"), "x", None, True, torch.tensor(float("nan"))]


def _assignment_matches_constructor(build, name, value):
    """Assign ``value`` to ``name`` of ``build()``: a refusal leaves the attribute and reads as the
    constructor's refusal of the same value; what assignment accepts, the constructor accepts
    (where the constructor takes ``name``: FakeNumericalGradient has no ``spiking`` argument)."""
    module = build()
    takes = name in inspect.signature(type(module).__init__).parameters
    before = getattr(module, name)
    try:
        setattr(module, name, value)
    except (TypeError, ValueError) as assigned:
        after = getattr(module, name)
        assert type(after) is type(before) and after == before
        if takes:
            with pytest.raises(type(assigned)) as constructed:
                build(**{name: value})
            assert str(constructed.value) == str(assigned)
    else:
        if takes:
            build(**{name: value})


@pytest.mark.parametrize("kind, name", NEURON_ATTRIBUTES)
@given(st.sampled_from(ASSIGNED_VALUES))
def test_a_rejected_neuron_assignment_leaves_the_attribute_and_reads_as_the_constructor(kind, name, value):
    _assignment_matches_constructor(NEURONS[kind].build, name, value)


@pytest.mark.parametrize("kind, name", SURROGATE_ATTRIBUTES)
@given(st.sampled_from(ASSIGNED_VALUES))
def test_a_rejected_surrogate_assignment_leaves_the_attribute_and_reads_as_the_constructor(kind, name, value):
    _assignment_matches_constructor(SURROGATES[kind].build, name, value)


def test_every_neuron_attribute_is_checked_on_assignment():
    for kind, name in NEURON_ATTRIBUTES:
        node = NEURONS[kind].build()
        with pytest.raises((TypeError, ValueError), match=name):
            setattr(node, name, "x")


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
