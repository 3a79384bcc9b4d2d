"""Shapes: tensor parameters that do not fit and batch-size changes are refused by name, before any state changes."""

import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st

from snnlab import layer, neuron

from .strategies import NEURON_KINDS, assert_same_state, batch_shapes, make_input, neurons, snapshot

SEEDS = st.integers(0, 2**16)


def _fits(theta_shape, step_shape):
    try:
        return tuple(torch.broadcast_shapes(theta_shape, step_shape)) == tuple(step_shape)
    except RuntimeError:
        return False


def _call(node, x_step, T=2):
    return node(x_step.unsqueeze(0).expand(T, *x_step.shape).contiguous()) if node.step_mode == "m" else node(x_step)


@pytest.mark.parametrize("kind", NEURON_KINDS)
@given(st.data(), batch_shapes(), batch_shapes(0, 3), SEEDS)
def test_a_tensor_threshold_either_fits_the_input_or_is_blamed(kind, data, shape, theta_shape, seed):
    node = data.draw(neurons(kind=kind))
    node.v_threshold = torch.full(theta_shape, 0.7)
    x = make_input(shape, torch.float32, seed)
    if _fits(theta_shape, shape):
        out = _call(node, x)
        assert out.shape[-len(shape) :] == shape
        return
    before = snapshot(node)
    with pytest.raises(ValueError, match=r"v_threshold of shape \[.*\] must broadcast to the input's per-step shape"):
        _call(node, x)
    assert_same_state(before, snapshot(node))


@pytest.mark.parametrize("kind", NEURON_KINDS)
@given(st.data(), batch_shapes(), st.integers(1, 5), SEEDS)
def test_a_new_batch_size_without_reset_is_refused_and_a_reset_accepts_it(kind, data, shape, new_n, seed):
    node = data.draw(neurons(kind=kind))
    assume(new_n != shape[0])
    _call(node, make_input(shape, torch.float32, seed))
    before = snapshot(node)
    other = make_input((new_n, *shape[1:]), torch.float32, seed + 1)
    with pytest.raises(ValueError, match="call functional.reset_net"):
        _call(node, other)
    assert_same_state(before, snapshot(node))
    node.reset()
    assert _call(node, other).shape[-len(shape) :] == other.shape


@given(st.sampled_from(["elementwise", "linear"]), st.integers(1, 4), st.integers(1, 4), st.integers(1, 4), SEEDS)
def test_recurrent_containers_refuse_a_new_batch_size(kind, n, new_n, features, seed):
    assume(new_n != n)
    if kind == "elementwise":
        rec = layer.ElementWiseRecurrentContainer(neuron.IFNode(), torch.add)
    else:
        rec = layer.LinearRecurrentContainer(neuron.IFNode(), features, features)
    rec(make_input((n, features), torch.float32, seed))
    before = snapshot(rec)
    with pytest.raises(ValueError, match="call functional.reset_net"):
        rec(make_input((new_n, features), torch.float32, seed))
    assert_same_state(before, snapshot(rec))


@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 6), SEEDS)
def test_linear_recurrent_sub_module_must_map_in_to_out(in_features, out_features, wrong, seed):
    assume(wrong != out_features)
    rec = layer.LinearRecurrentContainer(torch.nn.Linear(in_features, wrong), in_features, out_features)
    with pytest.raises(ValueError, match=r"sub_module must map"):
        rec(make_input((2, in_features), torch.float32, seed))
    assert rec.y is None


@given(st.sampled_from(["s", "m"]), st.integers(0, 5), st.integers(-3, 3), SEEDS)
def test_flatten_names_the_rank_it_needs(mode, rank, start_dim, seed):
    flatten = layer.Flatten(start_dim=start_dim, step_mode=mode)
    x = make_input((2,) * rank, torch.float32, seed)
    try:
        out = flatten(x)
    except ValueError as exc:
        assert str(exc).startswith(("Flatten: expected x with at least", "Flatten: start_dim="))
        return
    assert out.numel() == x.numel()
