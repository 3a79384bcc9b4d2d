"""Shared strategies and helpers of the property battery: neurons, inputs and state snapshots.

Neurons and surrogates are drawn from the registries (:mod:`snnlab.registry.neurons`,
:mod:`snnlab.registry.surrogates`), so a newly registered kind is covered without editing the battery;
the neuron tests are parametrized by kind so that every kind runs in every profile.
"""

import torch
from hypothesis import strategies as st

from snnlab.registry.neurons import NEURONS
from snnlab.registry.surrogates import SURROGATES

FLOAT_DTYPES = (torch.float16, torch.bfloat16, torch.float32, torch.float64)
REFUSED_DTYPES = (torch.bool, torch.uint8, torch.int32, torch.int64, torch.complex64)
NON_FINITE = (float("nan"), float("inf"), -float("inf"))
NEURON_KINDS = sorted(NEURONS)
SURROGATE_KINDS = sorted(SURROGATES)


@st.composite
def neurons(draw, step_mode=None, kind=None):
    """A neuron of any registered kind (or of ``kind``), reset kind, registered surrogate and step mode."""
    kind = kind or draw(st.sampled_from(NEURON_KINDS))
    v_reset = draw(st.sampled_from([0.0, None, -0.5]))
    sg = SURROGATES[draw(st.sampled_from(SURROGATE_KINDS))].build()
    mode = step_mode or draw(st.sampled_from(["s", "m"]))
    return NEURONS[kind].build(v_reset=v_reset, surrogate_function=sg, step_mode=mode)


def batch_shapes(min_dims=1, max_dims=3):
    """A per-step shape ``[N, *]`` with small sizes."""
    return st.lists(st.integers(1, 4), min_size=min_dims, max_size=max_dims).map(tuple)


def make_input(shape, dtype, seed):
    """A random input of ``shape`` and ``dtype`` (any dtype, complex included), drawn from ``seed``."""
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(shape, generator=g, dtype=torch.float64) * 2.5
    if dtype.is_complex:
        return torch.complex(x, x).to(dtype)
    if dtype == torch.bool:
        return x > 1.0
    return x.to(dtype)


def snapshot(module):
    """Every memory of ``module`` and of its children (cloned tensors), and every buffer and parameter."""
    state = {}
    for path, m in module.named_modules():
        for name, value in getattr(m, "_memories", {}).items():
            state[f"{path}:{name}"] = value.detach().clone() if isinstance(value, torch.Tensor) else value
    for name, value in list(module.named_buffers()) + list(module.named_parameters()):
        state[f"tensor:{name}"] = value.detach().clone()
    return state


def assert_same_state(before, after):
    """Two snapshots hold the same keys, the same types and dtypes, and equal values (NaN equal to NaN)."""
    assert before.keys() == after.keys(), (before.keys(), after.keys())
    for key, value in before.items():
        other = after[key]
        if isinstance(value, torch.Tensor):
            assert isinstance(other, torch.Tensor) and other.dtype == value.dtype and other.shape == value.shape, key
            assert torch.equal(torch.nan_to_num(value), torch.nan_to_num(other)), key
        else:
            assert type(other) is type(value) and other == value, key
