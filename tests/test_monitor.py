"""snnlab.monitor: SpikingJelly's monitor interface, detached records, compact storage, closing."""

import gc

import pytest
import torch
import torch.nn as nn

from snnlab import functional, layer, neuron
from snnlab import monitor as monitor_module
from snnlab.monitor import AttributeMonitor, InputMonitor, OutputMonitor


def _net(step_mode="s"):
    torch.manual_seed(0)
    net = nn.Sequential(
        layer.Linear(4, 6, step_mode=step_mode),
        neuron.IFNode(step_mode=step_mode),
        layer.Linear(6, 3, step_mode=step_mode),
        neuron.IFNode(step_mode=step_mode),
    )
    with torch.no_grad():
        net[0].weight.abs_()
        net[2].weight.abs_()
    return net


def _n_hooks(net):
    return sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in net.modules())


def test_spikingjelly_example_two_nodes_five_single_steps(device):
    net = _net().to(device)
    mon = OutputMonitor(net, neuron.IFNode)
    for _ in range(5):
        net(torch.rand(2, 4, device=device))
    assert mon.monitored_layers == ["1", "3"]
    assert len(mon.records) == 10
    assert mon.name_records_index == {"1": [0, 2, 4, 6, 8], "3": [1, 3, 5, 7, 9]}
    assert [r.shape for r in mon["1"]] == [torch.Size([2, 6])] * 5
    assert [r.shape for r in mon["3"]] == [torch.Size([2, 3])] * 5
    assert mon[3] is mon["3"][1]


def test_records_equal_the_outputs_of_a_manual_run():
    net = _net()
    mon = OutputMonitor(net, neuron.IFNode)
    xs = [torch.rand(2, 4) * 2 for _ in range(4)]
    outputs = [net(x) for x in xs]
    for got, expected in zip(mon["3"], outputs):
        torch.testing.assert_close(got, expected)


def test_multi_step_gives_one_sequence_record_per_forward():
    net = _net("m")
    mon = OutputMonitor(net, neuron.IFNode)
    net(torch.rand(7, 2, 4))
    net(torch.rand(7, 2, 4))
    assert mon.name_records_index == {"1": [0, 2], "3": [1, 3]}
    assert mon[0].shape == (7, 2, 6) and mon[1].shape == (7, 2, 3)


def test_records_are_detached_by_default_and_kept_attached_on_request():
    net = _net()
    x = torch.rand(2, 4, requires_grad=True)
    mon, attached = OutputMonitor(net, neuron.IFNode), OutputMonitor(net, neuron.IFNode, detach=False)
    net(x)
    assert all(r.grad_fn is None and not r.requires_grad for r in mon.records)
    assert all(r.requires_grad for r in attached.records)  # SpikingJelly's behaviour


def test_function_on_output_runs_without_building_a_graph():
    net = _net()
    mon = OutputMonitor(net, neuron.IFNode, function_on_output=lambda s: s.sum(dim=0))
    net(torch.rand(2, 4, requires_grad=True))
    assert mon[0].shape == (6,) and not mon[0].requires_grad


def test_instance_none_monitors_the_root_under_the_empty_name():
    net = _net()
    mon = OutputMonitor(net)
    y = net(torch.rand(2, 4))
    assert mon.monitored_layers == [""] and torch.equal(mon[""][0], y)


def test_close_and_context_manager_remove_the_hooks_and_keep_records():
    net = _net()
    before = _n_hooks(net)
    with OutputMonitor(net, neuron.IFNode) as mon:
        assert _n_hooks(net) == before + 2
        net(torch.rand(2, 4))
    assert _n_hooks(net) == before
    net(torch.rand(2, 4))
    assert len(mon.records) == 2
    mon2 = AttributeMonitor("v", True, net, neuron.IFNode)
    mon2.close()
    mon2.close()  # idempotent
    assert _n_hooks(net) == before


def test_deleting_the_monitor_removes_its_hooks():
    net = _net()
    mon = OutputMonitor(net, neuron.IFNode)
    assert _n_hooks(net) == 2
    del mon
    gc.collect()
    assert _n_hooks(net) == 0
    net(torch.rand(2, 4))  # no error from a dead hook


def test_enable_disable_and_clear():
    net = _net()
    mon = OutputMonitor(net, neuron.IFNode)
    mon.disable()
    net(torch.rand(2, 4))
    assert not mon.is_enable() and mon.records == []
    mon.enable()
    net(torch.rand(2, 4))
    assert len(mon.records) == 2
    mon.clear_recorded_data()
    assert mon.records == [] and mon.name_records_index == {"1": [], "3": []}


def test_compact_stores_binary_records_as_bool(device):
    net = _net("m").to(device)
    mon = OutputMonitor(net, neuron.IFNode, compact=True)
    ref = OutputMonitor(net, neuron.IFNode)
    net(torch.rand(5, 2, 4, device=device) * 2)
    for got, expected in zip(mon.records, ref.records):
        assert got.dtype == torch.bool and got.device == expected.device
        torch.testing.assert_close(got.to(expected.dtype), expected)


def test_compact_refuses_to_hand_out_non_binary_records():
    net = _net()
    mon = OutputMonitor(net, layer.Linear, compact=True)
    net(torch.rand(2, 4) + 0.1)
    with pytest.raises(
        ValueError,
        match=r"OutputMonitor: compact=True stores binary records as bool, but layer\(s\) "
        r"\['0', '2'\] recorded values other than 0 and 1",
    ):
        mon.records
    with pytest.raises(ValueError, match="compact=True"):
        mon["0"]
    mon.clear_recorded_data()
    assert mon.records == []


def test_attribute_monitor_after_and_before_forward_match_a_hand_loop():
    net = nn.Sequential(neuron.IFNode())
    after = AttributeMonitor("v", False, net, neuron.IFNode)
    before = AttributeMonitor("v", True, net, neuron.IFNode)
    for x in (0.5, 0.5, 0.5, 1.0, 2.0):
        net(torch.tensor([x]))
    assert [v.item() for v in after["0"]] == [
        0.5,
        0.0,
        0.5,
        0.0,
        0.0,
    ]  # IF hard-reset trace verified against SpikingJelly
    assert before["0"][0] == 0.0
    assert [v.item() for v in before["0"][1:]] == [0.5, 0.0, 0.5, 0.0]


def test_attribute_monitor_missing_attribute_is_named():
    net = nn.Sequential(nn.ReLU())
    AttributeMonitor_ = AttributeMonitor("spike", False, net, nn.ReLU)
    with pytest.raises(
        AttributeError, match=r"AttributeMonitor: the monitored module '0' \(ReLU\) has no attribute 'spike'"
    ):
        net(torch.ones(1))
    AttributeMonitor_.close()


def test_input_monitor_records_the_input_before_the_module_runs():
    net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(inplace=True))
    mon = InputMonitor(net, nn.ReLU, function_on_input=lambda x: x.clone())
    x = torch.randn(4, 2)
    pre = net[0](x)
    net(x)
    torch.testing.assert_close(mon["1"][0], pre)
    assert (mon["1"][0] < 0).any()  # recorded before the in-place ReLU


def test_list_outputs_of_ottt_nodes_are_recorded_detached():
    net = layer.OTTTSequential(nn.Linear(2, 2), neuron.OTTTLIFNode())
    mon = OutputMonitor(net, neuron.OTTTLIFNode)
    net(torch.ones(3, 2, requires_grad=True))
    spike, trace = mon[0]
    assert spike.shape == trace.shape == (3, 2) and not spike.requires_grad


def test_argument_and_index_errors():
    net = _net()
    mon = OutputMonitor(net, neuron.IFNode)
    with pytest.raises(KeyError, match=r"no monitored layer named '2'; monitored layers: \['1', '3'\]"):
        mon["2"]
    with pytest.raises(ValueError, match=r"index must be an int \(a record\) or a str \(a layer name\), got 1.5"):
        mon[1.5]
    with pytest.raises(TypeError, match="OutputMonitor: net must be an nn.Module, got 3 \\(int\\)"):
        OutputMonitor(3)
    with pytest.raises(TypeError, match="OutputMonitor: instance must be a class or a tuple of classes"):
        OutputMonitor(net, "IFNode")
    with pytest.raises(TypeError, match="OutputMonitor: detach must be a bool, got 1 \\(int\\)"):
        OutputMonitor(net, detach=1)
    with pytest.raises(TypeError, match="AttributeMonitor: pre_forward must be a bool, got None"):
        AttributeMonitor("v", None, net)
    with pytest.raises(TypeError, match="function_on_output must be callable"):
        OutputMonitor(net, neuron.IFNode, function_on_output=3)


@pytest.mark.parametrize("which", ["GradInputMonitor", "GradOutputMonitor"])
@pytest.mark.parametrize("step_mode", ["s", "m"])
def test_gradient_monitors_match_spikingjelly(which, step_mode):
    from tests.sj014 import sj

    records = []
    for mon_cls in (getattr(monitor_module, which), getattr(sj("monitor"), which)):
        net = _net(step_mode)
        mon = mon_cls(net, neuron.IFNode)
        torch.manual_seed(3)
        x = torch.rand(4, 2, 4) * 3
        if step_mode == "s":
            y = torch.stack([net(x_t) for x_t in x])
        else:
            y = net(x)
        (y * torch.linspace(-1, 1, y.numel()).view_as(y)).sum().backward()
        records.append((mon.monitored_layers, mon.name_records_index, [r.detach() for r in mon.records]))
        # the neurons' state holds the graph, whose backward-hook nodes hold the modules: a cycle through
        # autograd that gc cannot see; resetting the state breaks it
        mon.remove_hooks()
        functional.reset_net(net)
    ours, theirs = records
    assert ours[0] == theirs[0] == ["1", "3"]
    assert ours[1] == theirs[1]
    assert len(ours[2]) == (8 if step_mode == "s" else 2)
    for a, b in zip(ours[2], theirs[2]):
        torch.testing.assert_close(a, b)


def test_gradient_output_monitor_records_the_upstream_gradient():
    net = nn.Sequential(nn.Linear(3, 2), nn.Tanh())
    mon = monitor_module.GradOutputMonitor(net, nn.Tanh)
    grad_in = monitor_module.GradInputMonitor(net, nn.Tanh)
    x = torch.randn(5, 3)
    (net(x) * 3).sum().backward()
    torch.testing.assert_close(mon["1"][0], torch.full((5, 2), 3.0))
    torch.testing.assert_close(grad_in["1"][0], 3 * (1 - torch.tanh(net[0](x)) ** 2).detach())
    assert not mon[0].requires_grad


def test_gradient_monitor_rejects_a_non_callable():
    with pytest.raises(TypeError, match="GradInputMonitor: the function on the gradient must be callable, got 3"):
        monitor_module.GradInputMonitor(nn.Linear(1, 1), function_on_grad_input=3)
