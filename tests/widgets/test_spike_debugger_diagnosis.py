"""SpikeDebugger shows snnlab.analysis.diagnose's findings, with their numbers and fixes."""

import pytest
import torch

from snnlab import layer, neuron
from snnlab.analysis import diagnose
from widgets.spike_debugger import SpikeDebugger


def broken_net():
    torch.manual_seed(0)
    net = torch.nn.Sequential(layer.Linear(6, 12), neuron.LIFNode(), layer.Linear(12, 4), neuron.LIFNode())
    with torch.no_grad():
        net[0].weight.abs_().mul_(2.0)
        net[2].weight.abs_().neg_()  # layer '3' only receives inhibition: silent
    return net


def test_the_diagnosis_is_shown_with_numbers_and_fixes():
    net, x = broken_net(), torch.rand(20, 3, 6) * 2
    d = SpikeDebugger(net, x, device="cpu", diagnose=True)
    assert d.error is None
    expected = diagnose(broken_net(), x)
    assert [(f.layer, f.kind, f.message) for f in d.result.diagnosis.findings] == [
        (f.layer, f.kind, f.message) for f in expected.findings
    ]
    assert "silent" in expected.kinds()["3"]
    box = d.diagnosis_box.value
    assert (
        "<b>3</b> [silent]: fires 0 spikes per neuron per step" in box
        and "<i>fix:</i> scale the preceding weights up" in box
    )


def test_diagnosis_can_be_left_out():
    d = SpikeDebugger(broken_net(), torch.rand(5, 2, 6), device="cpu")
    assert d.result.diagnosis is None and d.diagnosis_box.value == ""
    with pytest.raises(TypeError, match="SpikeDebugger: diagnose must be a bool, got 'yes'"):
        SpikeDebugger(broken_net(), torch.rand(5, 2, 6), diagnose="yes")
