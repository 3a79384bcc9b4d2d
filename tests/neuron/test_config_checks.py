"""Configuration and input checks of the newer neurons (CubaLIF, adaptive LIF, QIF/EIF, Izhikevich,
LIAF, KLIF): attributes checked on assignment, state that follows the input's dtype, refusals that
change nothing."""

import pytest
import torch

from snnlab import neuron


@pytest.mark.parametrize(
    "make, name, value, error, match",
    [
        (neuron.CubaLIFNode, "tau_syn", 0.0, ValueError, r"CubaLIFNode: tau_syn must be a number > 0.0, got 0.0"),
        (neuron.CubaLIFNode, "tau_mem", float("nan"), ValueError, r"CubaLIFNode: tau_mem must not be NaN"),
        (neuron.AdaptiveLIFNode, "tau_adapt", -1.0, ValueError, r"AdaptiveLIFNode: tau_adapt must be a number > 0.0"),
        (neuron.AdaptiveLIFNode, "beta", float("inf"), ValueError, r"AdaptiveLIFNode: beta must be finite, got inf"),
        (neuron.AdaptiveLIFNode, "decay_input", 1, TypeError, r"AdaptiveLIFNode: decay_input must be a bool"),
        (neuron.IzhikevichNode, "tau_w", 0.0, ValueError, r"IzhikevichNode: tau_w must be a number > 0.0"),
        (neuron.IzhikevichNode, "a0", 0.0, ValueError, r"IzhikevichNode: a0 must be a number > 0.0"),
        (neuron.EIFNode, "delta_T", 0.0, ValueError, r"EIFNode: delta_T must be a number > 0.0"),
        (neuron.KLIFNode, "scale_reset", "yes", TypeError, r"KLIFNode: scale_reset must be a bool"),
        (neuron.LIFNode, "surrogate_function", 3.0, TypeError, r"LIFNode: surrogate_function must be callable"),
    ],
)
def test_attributes_of_the_newer_neurons_are_checked_on_assignment(make, name, value, error, match):
    node = make()
    before = getattr(node, name)
    with pytest.raises(error, match=match):
        setattr(node, name, value)
    assert getattr(node, name) == before


def test_liaf_checks_its_activation_on_assignment():
    node = neuron.LIAFNode(torch.nn.ReLU(), True)
    with pytest.raises(TypeError, match=r"LIAFNode: act must be callable, got 1.0 \(float\)"):
        node.act = 1.0
    assert isinstance(node.act, torch.nn.ReLU)


@pytest.mark.parametrize("make", [neuron.QIFNode, neuron.EIFNode])
def test_qif_and_eif_check_the_rest_and_reset_rule_on_assignment(make):
    node = make(v_threshold=1.0, v_rest=0.0, v_reset=-0.1)
    name = make.__name__
    with pytest.raises(ValueError, match=rf"{name}: v_threshold must be > v_reset, got v_threshold=-0.5"):
        node.v_threshold = -0.5
    with pytest.raises(ValueError, match=rf"{name}: v_rest must be >= v_reset, got v_rest=-0.2, v_reset=-0.1"):
        node.v_rest = -0.2
    with pytest.raises(ValueError, match=rf"{name}: v_rest must be >= v_reset, got v_rest=0.0, v_reset=0.5"):
        node.v_reset = 0.5
    assert (node.v_threshold, node.v_rest, node.v_reset) == (1.0, 0.0, -0.1)
    node.v_reset = None  # a soft reset has no rule
    node.v_rest = -0.2
    assert (node.v_rest, node.v_reset) == (-0.2, None)


def test_a_new_w_rest_is_where_reset_starts_w():
    node = neuron.IzhikevichNode()
    node(torch.ones(2))
    node.w_rest = 0.25
    node.reset()
    assert node.w == 0.25


@pytest.mark.parametrize(
    "make, state",
    [(neuron.CubaLIFNode, "i"), (neuron.AdaptiveLIFNode, "a"), (neuron.IzhikevichNode, "w")],
)
@pytest.mark.parametrize("step_mode", ["s", "m"])
def test_every_kept_state_takes_the_dtype_of_the_new_input(make, state, step_mode):
    node = make(step_mode=step_mode)
    shape = (3, 2) if step_mode == "m" else (2,)
    node(torch.full(shape, 1.5, dtype=torch.float64))
    assert getattr(node, state).dtype == torch.float64
    out = node(torch.full(shape, 1.5, dtype=torch.float16))
    assert out.dtype == node.v.dtype == getattr(node, state).dtype == torch.float16


@pytest.mark.parametrize(
    "make, state",
    [(neuron.CubaLIFNode, "i"), (neuron.AdaptiveLIFNode, "a"), (neuron.IzhikevichNode, "w")],
)
def test_a_new_batch_size_is_refused_in_multi_step_before_any_state_changes(make, state):
    node = make(step_mode="m")
    node(torch.rand(2, 3))
    v, kept = node.v.clone(), getattr(node, state).clone()
    with pytest.raises(ValueError, match=r"kept from earlier calls has shape \[3\]; call functional.reset_net"):
        node(torch.rand(2, 4))
    assert torch.equal(node.v, v) and torch.equal(getattr(node, state), kept)


def test_liaf_output_keeps_the_input_dtype_with_a_tensor_threshold_of_another_dtype():
    node = neuron.LIAFNode(torch.nn.ReLU(), True, v_threshold=torch.full((2,), 0.5, dtype=torch.float64))
    assert node(torch.ones(2, dtype=torch.float16)).dtype == torch.float16


def test_a_tensor_threshold_of_another_dtype_leaves_spikes_and_v_in_the_input_dtype():
    # the one-node fire and reset of the single step casts the threshold to the input's dtype
    node = neuron.IFNode(v_reset=None, v_threshold=torch.full((2,), 0.75, dtype=torch.float16))
    x = torch.tensor([1.0, 0.5], dtype=torch.bfloat16)
    spike = node(x)
    assert spike.dtype == node.v.dtype == torch.bfloat16
    assert spike.tolist() == [1.0, 0.0] and node.v.tolist() == [0.25, 0.5]
