"""analysis.charged_potential: h[t] against a hand-written step loop for IF, LIF and PLIF, hard and soft reset."""

import pytest
import torch
from torch.testing import assert_close

from snnlab import neuron
from snnlab.analysis import charged_potential


def _hand_loop(kind, x_seq, v_threshold, v_reset, tau=2.0, decay_input=True):
    """h and v step by step, written out from the charge / fire / reset equations."""
    v = torch.full_like(x_seq[0], 0.0 if v_reset is None else v_reset)
    base = 0.0 if v_reset is None else v_reset
    hs, vs = [], []
    for x in x_seq:
        if kind == "IF":
            h = v + x
        elif decay_input:
            h = v + (x - (v - base)) / tau
        else:
            h = v - (v - base) / tau + x
        spike = (h >= v_threshold).to(h.dtype)
        v = h - spike * v_threshold if v_reset is None else h * (1 - spike) + v_reset * spike
        hs.append(h)
        vs.append(v)
    return torch.stack(hs), torch.stack(vs)


def _node(kind, **kw):
    kw.update(step_mode="m", store_v_seq=True)
    if kind == "IF":
        kw.pop("tau"), kw.pop("decay_input")
        return neuron.IFNode(**kw)
    if kind == "LIF":
        return neuron.LIFNode(**kw)
    kw["init_tau"] = kw.pop("tau")
    return neuron.ParametricLIFNode(**kw)


@pytest.mark.parametrize("kind", ["IF", "LIF", "PLIF"])
@pytest.mark.parametrize("v_reset", [0.0, -0.3, None])
@pytest.mark.parametrize("decay_input", [True, False])
def test_matches_a_hand_loop_and_leaves_the_node_as_it_was(kind, v_reset, decay_input):
    x = torch.rand(40, 3, 5, generator=torch.Generator().manual_seed(1), dtype=torch.float64) * 1.2
    node = _node(kind, v_threshold=0.9, v_reset=v_reset, tau=3.0, decay_input=decay_input).double()
    spikes = node(x)
    h_ref, v_ref = _hand_loop(kind, x, 0.9, v_reset, tau=3.0, decay_input=decay_input)
    assert_close(node.v_seq, v_ref)
    v_after = node.v.clone()
    h = charged_potential(node, x, node.v_seq)
    assert_close(h, h_ref)
    assert torch.equal(spikes.bool(), h >= 0.9)
    quiet = spikes == 0
    assert torch.equal(h[quiet], node.v_seq[quiet])  # no spike: nothing was reset
    assert torch.equal(node.v, v_after) and not h.requires_grad


def test_v_init_continues_a_run():
    node = _node("LIF", tau=2.0, decay_input=True)
    x = torch.full((6, 1), 0.8)
    node(x[:3])
    v_mid = node.v.clone()
    node.v_seq = None
    node(x[3:])
    h = charged_potential(node, x[3:], node.v_seq, v_init=v_mid)
    assert_close(h[0], v_mid + (x[3] - v_mid) / 2)


def test_bad_arguments():
    node = _node("IF", tau=2.0, decay_input=True)
    with pytest.raises(TypeError, match=r"charged_potential: node must be a snnlab.neuron node .* of type Linear"):
        charged_potential(torch.nn.Linear(1, 1), torch.zeros(2, 1), torch.zeros(2, 1))
    with pytest.raises(TypeError, match=r"charged_potential: node must keep its potential v as a memory .*OTTTLIFNode"):
        charged_potential(neuron.OTTTLIFNode(), torch.zeros(2, 1), torch.zeros(2, 1))
    with pytest.raises(TypeError, match=r"charged_potential: v_seq must be a torch.Tensor, got .*list"):
        charged_potential(node, torch.zeros(2, 1), [0.0, 0.0])
    scalar = r"charged_potential: x_seq must have at least 1 dimension\(s\), got shape \[\]$"
    with pytest.raises(ValueError, match=scalar):
        charged_potential(node, torch.tensor(0.0), torch.tensor(0.0))
    with pytest.raises(ValueError, match=r"charged_potential: x_seq must be \[T, \*\] with T >= 1, got shape \[0\]"):
        charged_potential(node, torch.zeros(0), torch.zeros(0))
    with pytest.raises(ValueError, match=r"x_seq and v_seq must have the same shape, got \[2, 1\] and \[3, 1\]"):
        charged_potential(node, torch.zeros(2, 1), torch.zeros(3, 1))
