"""snnlab.layer.synapse: SynapseFilter and Delay against SpikingJelly 0.14 and float64 loops."""

import pytest
import torch

from snnlab import functional, layer
from snnlab.errors import InvalidParameterError
from tests.sj014 import run_both, sj


def _filter_reference(x_seq, tau):
    out, i = [], torch.zeros_like(x_seq[0])
    for x in x_seq:
        i = i - (1 - x) * i / tau + x
        out.append(i)
    return torch.stack(out)


@pytest.mark.parametrize("step_mode", ["s", "m"])
@pytest.mark.parametrize("learnable", [False, True])
def test_synapse_filter_matches_spikingjelly(step_mode, learnable):
    torch.manual_seed(0)
    x = (torch.rand(6, 3, 4) > 0.6).float()
    ours = layer.SynapseFilter(tau=3.0, learnable=learnable, step_mode=step_mode)
    theirs = sj("layer").SynapseFilter(tau=3.0, learnable=learnable, step_mode=step_mode)
    steps = 6 if step_mode == "s" else None
    (y, g), (y_ref, g_ref) = run_both(ours, theirs, x, steps)
    torch.testing.assert_close(y, y_ref)
    torch.testing.assert_close(g, g_ref)
    if learnable:
        torch.testing.assert_close(ours.w.grad, theirs.w.grad)
    ours.reset()
    theirs.reset()
    assert ours.out_i == theirs.out_i == 0.0


def test_synapse_filter_float64_loop():
    x = (torch.rand(7, 2, 3, generator=torch.Generator().manual_seed(1)) > 0.5).double()
    torch.testing.assert_close(layer.SynapseFilter(tau=5.0, step_mode="m")(x), _filter_reference(x, 5.0))


def test_synapse_filter_rejects_tau_not_above_one():
    with pytest.raises(InvalidParameterError, match=r"SynapseFilter: tau must be a number > 1.0, got 1.0"):
        layer.SynapseFilter(tau=1.0)


@pytest.mark.parametrize("delay_steps", [0, 1, 3, 9])
def test_delay_matches_spikingjelly_in_both_modes(delay_steps):
    x = torch.randn(6, 2, 3)
    # 0.14's functional.delay returned a malformed sequence for a delay longer than T (see COMPATIBILITY.md)
    modes = (("s", 6), ("m", None)) if delay_steps <= 6 else (("s", 6),)
    for step_mode, steps in modes:
        ours = layer.Delay(delay_steps, step_mode=step_mode)
        theirs = sj("layer").Delay(delay_steps, step_mode=step_mode)
        (y, g), (y_ref, g_ref) = run_both(ours, theirs, x, steps)
        torch.testing.assert_close(y, y_ref)
        torch.testing.assert_close(g, g_ref)
    expected = torch.cat([torch.zeros_like(x[:delay_steps]), x[: max(6 - delay_steps, 0)]])[:6]
    torch.testing.assert_close(layer.Delay(delay_steps, step_mode="m")(x), expected)


def test_delay_queue_is_cleared_by_reset_net():
    d = layer.Delay(2)
    for t in range(3):
        d(torch.full((1,), float(t)))
    functional.reset_net(d)
    assert d.queue == []
    assert d(torch.ones(1)).item() == 0.0


@pytest.mark.parametrize("bad", [-1, 1.5, True])
def test_delay_rejects_a_non_natural_delay(bad):
    with pytest.raises((TypeError, ValueError), match="Delay: delay_steps must be an int"):
        layer.Delay(bad)
