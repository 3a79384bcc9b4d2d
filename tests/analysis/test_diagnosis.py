"""snnlab.analysis.diagnose: right on deliberately broken networks, silent on healthy ones."""

import pytest
import torch

from snnlab import functional, layer, neuron, surrogate
from snnlab.analysis import diagnose


def chain(widths, alpha=4.0, scales=None, node=None, seed=0):
    """Linear + LIF layers of the given widths; ``scales[i]`` multiplies layer i's weights."""
    torch.manual_seed(seed)
    mods = []
    for i in range(len(widths) - 1):
        fc = layer.Linear(widths[i], widths[i + 1])
        with torch.no_grad():
            fc.weight.normal_(0.0, 4.0 / widths[i] ** 0.5).mul_(
                (0.4 if i == 0 else 1.0) if scales is None else scales[i]
            )
            fc.bias.fill_(0.3)
        lif = node(i) if node is not None else None
        mods += [fc, lif or neuron.LIFNode(tau=2.0, surrogate_function=surrogate.Sigmoid(alpha=alpha))]
    net = torch.nn.Sequential(*mods)
    functional.set_step_mode(net, "m")
    return net


def data(T=30, N=16, n=8, seed=1):
    return torch.rand(T, N, n, generator=torch.Generator().manual_seed(seed)) * 2.0


def test_healthy_networks_get_no_false_alarm():
    for depth in (3, 6):
        d = diagnose(chain([8] + [32] * depth), data())
        assert d.healthy, str(d)
        rates = [s.rate for s in d.layers.values()]
        assert all(0.01 < r < 0.9 for r in rates), rates
    assert str(d) == "No problem found."


def test_a_silent_layer():
    net = chain([8, 32, 32, 32])
    with torch.no_grad():
        net[2].weight.abs_().neg_()  # only inhibition reaches layer '3'
    d = diagnose(net, data())
    assert "silent" in d.kinds()["3"] and "1" not in d.kinds()
    assert "silent" in d.kinds()["5"]  # and the layer after it has nothing to work with
    finding = d.of("3")[0]
    assert finding.kind == "silent" and finding.numbers["rate"] == 0.0
    assert "fires 0 spikes per neuron per step (32 neurons)" in finding.message
    assert "scale the preceding weights up (about x" in finding.fix


def test_a_layer_stuck_far_below_threshold_with_tiny_inputs():
    net = chain([8, 32, 32], scales=[0.4, 0.002])
    with torch.no_grad():
        net[2].bias.zero_()
    d = diagnose(net, data())
    assert d.kinds()["3"] == ["silent", "stuck_below", "input_scale"]
    assert d.kinds().get("1", []) in ([], ["vanishing_gradient"])  # tiny weights also starve layer '1' of gradient
    assert "tiny against the threshold" in d.of("3")[2].message


def test_a_saturated_layer():
    net = chain([8, 32, 32], scales=[20.0, 1.0])
    with torch.no_grad():
        net[0].weight.abs_()
    d = diagnose(net, data())
    kinds = d.kinds()
    assert "saturated" in kinds["1"] and "input_scale" in kinds["1"]
    sat = d.of("1")[0]
    assert sat.numbers["rate"] > 0.9 and "raise v_threshold" in sat.fix
    assert "huge against the threshold" in d.of("1")[1].message


def test_an_exploding_membrane():
    def soft_if(i):
        return neuron.IFNode(v_reset=None) if i == 1 else None

    net = chain([8, 32, 32], scales=[0.4, 8.0], node=soft_if)
    with torch.no_grad():
        net[2].weight.abs_()  # a soft-reset IF neuron under a strong drive: v grows without bound
    d = diagnose(net, data())
    finding = next(f for f in d.of("3") if f.kind == "exploding")
    assert finding.numbers["ratio"] > 10 and finding.numbers["growth"] > 1.2
    assert "use a hard reset" in finding.fix
    assert "exploding" not in d.kinds().get("1", [])


def test_gradients_vanishing_through_depth():
    d = diagnose(chain([8] + [32] * 6, alpha=0.25), data())  # a very wide, flat surrogate
    vanishing = [f for f in d.findings if f.kind == "vanishing_gradient"]
    assert len(vanishing) == 1
    f = vanishing[0]
    assert f.numbers["ratio"] < 1e-3 and "Sigmoid(alpha=0.25)" in f.fix and f.layer == "1"
    grads = [s.grad for s in d.layers.values()]
    assert grads[0] < grads[-1] * 1e-3


def test_works_single_step_and_checks_its_arguments():
    net = chain([8, 32, 32])
    functional.set_step_mode(net, "s")
    single = diagnose(net, data(), step_mode="s")
    functional.set_step_mode(net, "m")
    multi = diagnose(net, data())
    for name in multi.layers:
        assert single.layers[name].rate == pytest.approx(multi.layers[name].rate)
        assert single.layers[name].grad == pytest.approx(multi.layers[name].grad, rel=1e-4)
    with pytest.raises(ValueError, match=r"layers must name modules of net, got unknown names \['nope'\]"):
        diagnose(net, data(), layers=["nope"])
    with pytest.raises(ValueError, match="no spiking layer that snnlab recognises"):
        diagnose(torch.nn.Linear(8, 2), data())
    with pytest.raises(TypeError, match="loss_fn must be callable"):
        diagnose(net, data(), loss_fn=3)
