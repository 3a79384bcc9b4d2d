"""Dtypes: floating inputs keep their dtype through outputs and state; other dtypes are refused by name."""

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from snnlab import layer
from snnlab.analysis import firing_rate
from snnlab.encoding import LatencyEncoder, PoissonEncoder

from .strategies import (
    FLOAT_DTYPES,
    NEURON_KINDS,
    REFUSED_DTYPES,
    assert_same_state,
    batch_shapes,
    make_input,
    neurons,
    snapshot,
)

SEEDS = st.integers(0, 2**16)


def _run(node, x_step, T):
    """Run ``T`` steps of ``x_step`` through ``node`` in its own step mode; return the spikes ``[T, *]``."""
    if node.step_mode == "m":
        return node(x_step.unsqueeze(0).expand(T, *x_step.shape).contiguous())
    return torch.stack([node(x_step) for _ in range(T)])


@pytest.mark.parametrize("kind", NEURON_KINDS)
@given(st.data(), batch_shapes(), st.sampled_from(FLOAT_DTYPES), st.sampled_from(FLOAT_DTYPES), SEEDS)
def test_outputs_and_state_take_the_dtype_of_each_call(kind, data, shape, first, second, seed):
    node = data.draw(neurons(kind=kind))
    out = _run(node, make_input(shape, first, seed), 3)
    assert out.dtype == first and node.v.dtype == first
    out = _run(node, make_input(shape, second, seed + 1), 2)
    assert out.dtype == second and node.v.dtype == second


@pytest.mark.parametrize("kind", NEURON_KINDS)
@given(st.data(), batch_shapes(), st.sampled_from(FLOAT_DTYPES), SEEDS, st.integers(1, 5))
def test_single_and_multi_step_agree_on_dtype_and_spikes(kind, data, shape, dtype, seed, T):
    node = data.draw(neurons(step_mode="s", kind=kind))
    x_seq = torch.stack([make_input(shape, dtype, seed + t) for t in range(T)])
    single = torch.stack([node(x_seq[t]) for t in range(T)])
    node.reset()
    node.step_mode = "m"
    multi = node(x_seq)
    assert single.dtype == multi.dtype == dtype
    assert torch.equal(single, multi)


@pytest.mark.parametrize("kind", NEURON_KINDS)
@given(st.data(), batch_shapes(), st.sampled_from(FLOAT_DTYPES), st.sampled_from(FLOAT_DTYPES), SEEDS)
def test_a_tensor_threshold_of_any_dtype_leaves_the_output_in_the_input_dtype(
    kind, data, shape, theta_dtype, dtype, seed
):
    node = data.draw(neurons(kind=kind))
    node.v_threshold = (torch.rand(shape[-1:], generator=torch.Generator().manual_seed(seed)) + 0.5).to(theta_dtype)
    out = _run(node, make_input(shape, dtype, seed), 2)
    assert out.dtype == dtype and node.v.dtype == dtype
    node.to(torch.float64)
    assert node.v_threshold.dtype == torch.float64


@pytest.mark.parametrize("kind", NEURON_KINDS)
@given(st.data(), batch_shapes(), st.sampled_from(REFUSED_DTYPES), SEEDS)
def test_non_floating_inputs_are_refused_and_change_nothing(kind, data, shape, dtype, seed):
    node = data.draw(neurons(kind=kind))
    _run(node, make_input(shape, torch.float32, seed), 2)
    before = snapshot(node)
    x = make_input((1, *shape) if node.step_mode == "m" else shape, dtype, seed)
    with pytest.raises(TypeError, match=r"x must be a floating-point tensor, got a torch\.\w+ tensor"):
        node(x)
    assert_same_state(before, snapshot(node))


@given(batch_shapes(), st.sampled_from(FLOAT_DTYPES + REFUSED_DTYPES), SEEDS)
def test_encoders_keep_float_dtypes_and_refuse_others(shape, dtype, seed):
    x = make_input(shape, dtype, seed)
    if dtype.is_floating_point:
        x = x / 2.5
        assert PoissonEncoder(generator=torch.Generator().manual_seed(seed))(x).dtype == dtype
        assert LatencyEncoder(T=3).encode(x.float()).dtype == torch.float32
        return
    with pytest.raises(TypeError, match="x must be a floating-point tensor"):
        PoissonEncoder()(x)
    with pytest.raises(TypeError, match="x must be a floating-point tensor"):
        LatencyEncoder(T=3)(x)


@given(batch_shapes(2, 4), st.sampled_from(FLOAT_DTYPES + (torch.bool, torch.uint8, torch.int64)), SEEDS)
def test_firing_rate_dtype(shape, dtype, seed):
    spikes = make_input(shape, dtype, seed)
    rate = firing_rate(spikes, per="layer")
    assert rate.dtype == (dtype if dtype.is_floating_point else torch.get_default_dtype())
    assert torch.isfinite(rate.float())


@given(batch_shapes(2, 4), st.sampled_from((torch.float32, torch.float64)), SEEDS)
def test_stateless_layers_keep_the_dtype_in_both_modes(shape, dtype, seed):
    x = make_input((2, *shape), dtype, seed)
    for mode in ("s", "m"):
        flatten = layer.Flatten(step_mode=mode)
        out = flatten(x if mode == "m" else x[0])
        assert out.dtype == dtype
