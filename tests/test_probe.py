"""SpikeProbe: recorded spikes / potentials equal hand-written references; the budget holds."""

import gc
import warnings

import pytest
import torch
import torch.nn as nn

from snnlab import layer, neuron
from snnlab.analysis import neuron_report
from snnlab.bitpack import packed_length
from snnlab.errors import UnknownOptionError
from snnlab.probe import SpikeProbe


class Heaviside(nn.Module):
    """A stateless binary-output module (not a neuron)."""

    def forward(self, x):
        return (x > 0).float()


def _inputs(T, N, F, seed=0, device="cpu"):
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(T, N, F, generator=g) * 1.5).to(device)


def _net(device, step_mode="s"):
    torch.manual_seed(0)
    net = nn.Sequential(
        nn.Linear(4, 5), neuron.IFNode(step_mode=step_mode), nn.Linear(5, 3), neuron.LIFNode(step_mode=step_mode)
    )
    return net.to(device)


def _reference(net, x_seq):
    """Spikes of net[1] and net[3], collected by running the layers one by one."""
    s1, s3 = [], []
    for t in range(x_seq.shape[0]):
        a = net[1](net[0](x_seq[t]))
        b = net[3](net[2](a))
        s1.append(a)
        s3.append(b)
    for m in (net[1], net[3]):
        m.reset()
    return torch.stack(s1).bool().cpu(), torch.stack(s3).bool().cpu()


# ----------------------------------------------------------------------------------- recording
def test_hand_written_if_trace_single_step_with_v():
    node = neuron.IFNode()
    with SpikeProbe(node, record_v=True) as probe:
        for x in (0.5, 0.5, 0.5, 1.0, 2.0):
            node(torch.tensor([[x]]))
    assert probe.spikes("").flatten().tolist() == [False, True, False, True, True]
    torch.testing.assert_close(probe.v("").flatten(), torch.tensor([0.5, 0.0, 0.5, 0.0, 0.0]))
    assert probe.spikes("").shape == (5, 1, 1) and probe.v("").dtype == torch.float32


def test_hand_written_if_trace_multi_step_soft_reset_restores_store_v_seq():
    node = neuron.IFNode(v_reset=None, step_mode="m")
    with SpikeProbe(node, record_v=True, v_dtype=torch.float16) as probe:
        node(torch.tensor([0.5, 0.5, 0.5, 1.0, 2.0]).reshape(5, 1, 1))
        assert node.store_v_seq is False and node.v_seq is None  # switched on for the call only
    assert probe.spikes("").flatten().tolist() == [False, True, False, True, True]
    torch.testing.assert_close(
        probe.v(""), torch.tensor([0.5, 0.0, 0.5, 0.5, 1.5], dtype=torch.float16).reshape(5, 1, 1)
    )


@pytest.mark.parametrize("pack", [True, False])
def test_single_step_net_matches_reference(device, pack):
    net, x = _net(device), _inputs(12, 3, 4, device=device)
    ref1, ref3 = _reference(net, x)
    assert ref1.any() and not ref1.all()
    with SpikeProbe(net, pack=pack) as probe, torch.no_grad():
        for t in range(x.shape[0]):
            net(x[t])
    assert probe.layer_names == ["1", "3"]
    records = probe.records()
    torch.testing.assert_close(records["1"], ref1)
    torch.testing.assert_close(records["3"], ref3)
    assert records["1"].device.type == "cpu" and records["1"].dtype == torch.bool
    per_step = packed_length(15) + packed_length(9) if pack else 15 + 9
    assert probe.nbytes == 12 * per_step and probe.num_steps == {"1": 12, "3": 12}


def test_multi_step_net_matches_reference_and_v_seq(device):
    net, x = _net(device), _inputs(6, 2, 4, seed=1, device=device)
    ref1, ref3 = _reference(net, x)
    for m in (net[1], net[3]):
        m.step_mode = "m"
    ref_v = []
    with SpikeProbe(net, record_v=True) as probe:
        for _ in range(2):  # two sequences: records append along time
            net(x)
            ref_v.append(net[3].v.cpu())
            for m in (net[1], net[3]):
                m.reset()
    torch.testing.assert_close(probe.spikes("1"), torch.cat([ref1, ref1]))
    torch.testing.assert_close(probe.spikes("3"), torch.cat([ref3, ref3]))
    v3 = probe.v("3")
    assert v3.shape == (12, 2, 3)
    torch.testing.assert_close(v3[5], ref_v[0])
    torch.testing.assert_close(v3[11], ref_v[1])


def test_gradients_flow_and_records_are_detached():
    net, x = _net("cpu"), _inputs(3, 2, 4)
    with SpikeProbe(net, record_v=True) as probe:
        out = sum(net(x[t]).sum() for t in range(3))
        out.backward()
    assert net[0].weight.grad is not None
    assert not probe.spikes("1").requires_grad and not probe.v("1").requires_grad


# ---------------------------------------------------------------------------------- containers
def test_multi_step_container_records_each_step():
    torch.manual_seed(1)
    inner = nn.Sequential(nn.Linear(4, 5), neuron.IFNode())
    net = layer.MultiStepContainer(inner[0], inner[1])
    x = _inputs(7, 2, 4, seed=2)
    with torch.no_grad():
        ref = torch.stack([inner[1](inner[0](x[t])) for t in range(7)]).bool()
    inner[1].reset()
    with SpikeProbe(net) as probe:
        out = net(x)
    torch.testing.assert_close(probe.spikes("1"), ref)
    torch.testing.assert_close(out.bool(), ref)


@pytest.mark.parametrize("container", ["seq_to_ann", "step_mode"])
def test_time_folded_containers_are_unfolded(container):
    heav = Heaviside()
    net = (
        layer.SeqToANNContainer(nn.Identity(), heav)
        if container == "seq_to_ann"
        else layer.StepModeContainer(False, nn.Identity(), heav, step_mode="m")
    )
    x = torch.randn(5, 3, 2, generator=torch.Generator().manual_seed(3))
    with SpikeProbe(net, layers=["1"]) as probe:
        net(x)
        net(x[:2])
    torch.testing.assert_close(probe.spikes("1"), torch.cat([x > 0, x[:2] > 0]))


def test_elementwise_recurrent_container_example():
    node = neuron.IFNode(v_reset=None)
    net = layer.ElementWiseRecurrentContainer(node, lambda y, x: y + x, step_mode="m")
    with SpikeProbe(net) as probe:
        net(torch.tensor([0.6, 0.6, 0.0, 0.0]).reshape(4, 1, 1))
    assert probe.layer_names == ["sub_module"]
    assert probe.spikes("sub_module").flatten().int().tolist() == [0, 1, 1, 1]


def test_ottt_node_spike_and_v_from_its_first_step():
    node = neuron.OTTTLIFNode()  # returns [spike, trace] in training; creates v at its first step
    with SpikeProbe(node, record_v=True) as probe:
        for x in ([0.8, 1.5], [0.8, 1.5]):
            node(torch.tensor([x]))
    assert probe.spikes("").int().tolist() == [[[0, 1]], [[1, 1]]]
    torch.testing.assert_close(probe.v(""), torch.tensor([[[0.8, 0.5]], [[0.2, 0.75]]]))


def test_list_output_records_the_spike():
    class SpikeAndTrace(nn.Module):
        def forward(self, x):
            return [(x > 0.5).float(), x * 3]

    net = nn.Sequential(SpikeAndTrace())
    with SpikeProbe(net, layers=SpikeAndTrace) as probe:
        net(torch.tensor([[0.2, 0.9]]))
    assert probe.spikes("0").tolist() == [[[False, True]]]


# ------------------------------------------------------------------------------------- budget
def test_ring_buffer_keeps_the_newest_steps_within_budget(device):
    net, x = _net(device), _inputs(40, 3, 4, seed=4, device=device)
    ref1, ref3 = _reference(net, x)
    step_bytes = packed_length(15) + packed_length(9)  # 2 + 2
    budget = 10 * step_bytes + 3  # room for 10 steps of both layers (+3 spare bytes)
    seen = []
    with SpikeProbe(net, max_bytes=budget) as probe, torch.no_grad():
        for t in range(40):
            net(x[t])
            seen.append(probe.nbytes)
    assert probe.window == 10  # 43 // (2 + 2)
    assert max(seen) <= budget and probe.nbytes == 10 * step_bytes
    assert probe.num_steps == {"1": 10, "3": 10} and probe.dropped_steps == {"1": 30, "3": 30}
    torch.testing.assert_close(probe.spikes("1"), ref1[-10:])
    torch.testing.assert_close(probe.spikes("3"), ref3[-10:])


def test_multi_step_layers_share_the_window():
    torch.manual_seed(2)
    net = nn.Sequential(nn.Linear(4, 16), neuron.IFNode(step_mode="m"), nn.Linear(16, 16), neuron.IFNode(step_mode="m"))
    x = _inputs(20, 2, 4, seed=6)
    step_bytes = packed_length(32) + 32 * 4  # one layer, one step: spikes + float32 v
    budget = 7 * 2 * step_bytes + 5
    with SpikeProbe(net, record_v=True, max_bytes=budget) as probe:
        net(x)
        for m in (net[1], net[3]):
            m.reset()
        with torch.no_grad():
            h = net[1](net[0](x))
            out = net[3](net[2](h))
            v3 = net[3].v
    assert probe.window == 7 and probe.num_steps == {"1": 7, "3": 7} and probe.nbytes == 14 * step_bytes
    # the second sequence, run layer by layer, is recorded too: each layer holds its last 7 steps
    torch.testing.assert_close(probe.spikes("1"), h[-7:].bool())
    torch.testing.assert_close(probe.spikes("3"), out[-7:].bool())
    torch.testing.assert_close(probe.v("3")[-1], v3)


def test_single_steps_are_merged_into_few_chunks():
    node = neuron.IFNode()
    x = _inputs(300, 2, 8, seed=9)
    with SpikeProbe(node, max_bytes=16 * 8 * 300) as probe:  # window 1200: merge 64 steps at a time
        out = torch.stack([node(x[t]) for t in range(300)])
        layer_record = probe._layers[""]
        assert len(layer_record.chunks) == 4 and len(layer_record.pending) == 300 - 4 * 64
        torch.testing.assert_close(probe.spikes(""), out.bool())  # reading merges the rest
        assert len(layer_record.chunks) == 5 and not layer_record.pending
    assert probe.nbytes == 300 * 2 and probe.num_steps == {"": 300}


def test_shrinking_window_cuts_pending_steps():
    torch.manual_seed(3)
    net = nn.Sequential(neuron.IFNode(), nn.Linear(8, 200), neuron.IFNode())
    x = _inputs(3, 2, 8, seed=10)
    probe = SpikeProbe(net, max_bytes=64)
    net[0](x[0])
    net[0](x[1])  # layer '0' alone: 2 bytes per step, window 32, merged by 4: both steps pending
    assert probe.num_steps == {"0": 2, "2": 0}
    s0 = net[0](x[2])
    net[2](net[1](s0))  # layer '2' appears (50 bytes per step): window 64 // 52 = 1, '0' keeps its newest step
    assert probe.window == 1 and probe.num_steps == {"0": 1, "2": 1} and probe.dropped_steps == {"0": 2, "2": 0}
    assert probe.nbytes == 2 + 50
    torch.testing.assert_close(probe.spikes("0"), s0[None].bool())
    probe.close()


def test_oversized_chunk_keeps_its_last_steps_and_oversized_step_is_dropped():
    node = neuron.IFNode(step_mode="m")
    x = _inputs(20, 2, 8, seed=5)  # 16 neurons per step: 2 packed bytes
    with SpikeProbe(node, max_bytes=13) as probe:
        out = node(x)
    assert probe.num_steps == {"": 6} and probe.dropped_steps == {"": 14} and probe.nbytes == 12
    torch.testing.assert_close(probe.spikes(""), out[-6:].bool())
    node.reset()
    warning = r"one time step of the recorded layers needs 16 bytes, more than max_bytes=1; nothing is kept"
    with SpikeProbe(node, max_bytes=1, pack=False) as probe, pytest.warns(RuntimeWarning, match=warning):
        node(x)
    assert probe.num_steps == {"": 0} and probe.dropped_steps == {"": 20} and probe.spikes("").shape == (0, 2, 8)


def test_new_batch_size_restarts_the_layer_record():
    node = neuron.IFNode()
    probe = SpikeProbe(node)
    node(torch.ones(2, 3))
    node.reset()
    with pytest.warns(RuntimeWarning, match=r"layer '' changed its per-step shape from \[2, 3\] to \[4, 3\]"):
        node(torch.ones(4, 3))
    assert probe.spikes("").shape == (1, 4, 3) and probe.dropped_steps == {"": 1} and probe.nbytes == 2
    probe.clear()
    assert probe.nbytes == 0 and probe.num_steps == {"": 0} and probe.dropped_steps == {"": 0}
    node(torch.ones(4, 3))
    assert probe.num_steps == {"": 1}
    probe.close()


# ----------------------------------------------------------------------------- selection, life
def test_layer_selection_forms():
    net = nn.Sequential(nn.Linear(2, 2), neuron.IFNode(), Heaviside(), neuron.LIFNode())
    assert SpikeProbe(net).layer_names == ["1", "3"]
    assert SpikeProbe(net, layers=neuron.LIFNode).layer_names == ["3"]
    assert SpikeProbe(net, layers=(Heaviside, neuron.IFNode)).layer_names == ["1", "2"]
    assert SpikeProbe(net, layers=["2", "1", "2"]).layer_names == ["2", "1"]


def test_non_binary_layer_warns_when_read():
    net = nn.Sequential(nn.Identity())
    probe = SpikeProbe(net, layers=["0"])
    net(torch.tensor([[0.0, 0.5, 1.0]]))
    with pytest.warns(
        RuntimeWarning,
        match=r"layer '0' produced values other than 0 and 1; they were recorded "
        r"as output != 0",
    ):
        assert probe.spikes("0").tolist() == [[[False, True, True]]]


def test_hooks_removed_on_exit_close_and_garbage_collection():
    node = neuron.IFNode()
    with SpikeProbe(node) as probe:
        node(torch.ones(1, 2))
        assert len(node._forward_hooks) == 1
    assert len(node._forward_hooks) == 0 and len(node._forward_pre_hooks) == 0 and probe.closed
    node(torch.ones(1, 2))
    assert probe.num_steps == {"": 1}  # nothing recorded after close; records stay readable
    probe.close()
    SpikeProbe(node)
    gc.collect()
    assert len(node._forward_hooks) == 0


def test_nothing_recorded_yet():
    probe = SpikeProbe(neuron.IFNode(), record_v=True)
    assert probe.spikes("").shape == (0,) and probe.v("").shape == (0,) and probe.nbytes == 0
    assert probe.window == probe.max_bytes and probe.records()[""].dtype == torch.bool
    probe.close()


def test_repr_is_short_and_deterministic():
    node = neuron.IFNode()
    probe = SpikeProbe(node, max_bytes=1000)
    node(torch.ones(2, 9))  # 18 spikes -> 3 bytes
    assert repr(probe) == "SpikeProbe(layers=1, steps=1, nbytes=3, max_bytes=1000, pack=True, record_v=False)"
    probe.close()
    assert repr(probe).endswith("record_v=False, closed)")


def test_records_feed_analysis():
    node = neuron.IFNode()
    with SpikeProbe(node) as probe:
        for x in (1.0, 0.0, 1.0, 0.0):
            node(torch.tensor([[x, 0.0]]))
    report = neuron_report(probe.records())[""]
    assert report.dead_index.tolist() == [1] and report.mean_rate == 0.25


def test_errors():
    node = neuron.IFNode()
    with pytest.raises(TypeError, match=r"SpikeProbe: net must be a torch.nn.Module, got an object of type list"):
        SpikeProbe([node])
    with pytest.raises(
        ValueError,
        match=r"SpikeProbe: net has no spiking neuron module \(snnlab.neuron.BaseNode\); "
        r"choose layers with layers=",
    ):
        SpikeProbe(nn.Linear(2, 2))
    with pytest.raises(
        ValueError,
        match=r"SpikeProbe: layers must name modules of net \(names from "
        r"net.named_modules\(\): '', '0'\), got 'fc'",
    ):
        SpikeProbe(nn.Sequential(nn.Identity()), layers=["fc"])
    with pytest.raises(
        TypeError,
        match=r"SpikeProbe: layers must be None, a module type, a tuple of types or a "
        r"list of module names, got 'fc' \(str\)",
    ):
        SpikeProbe(node, layers="fc")
    with pytest.raises(ValueError, match=r"SpikeProbe: net has no module of type"):
        SpikeProbe(node, layers=nn.Conv2d)
    with pytest.raises(ValueError, match=r"SpikeProbe: max_bytes must be an integer >= 1, got 0"):
        SpikeProbe(node, max_bytes=0)
    with pytest.raises(TypeError, match=r"SpikeProbe: record_v must be a bool, got 1 \(int\)"):
        SpikeProbe(node, record_v=1)
    with pytest.raises(
        TypeError,
        match=r"SpikeProbe: v_dtype must be a floating torch.dtype, got an object of "
        r"type dtype",
    ):
        SpikeProbe(node, v_dtype=torch.int8)
    probe = SpikeProbe(nn.Sequential(node, Heaviside()), layers=["0", "1"], record_v=True)
    with pytest.raises(UnknownOptionError, match=r"SpikeProbe: name must be one of '0', '1', got 'x' \(str\)"):
        probe.spikes("x")
    with pytest.raises(
        ValueError,
        match=r"no potential recorded for layer '1' \(the layer has no membrane "
        r"potential v\)",
    ):
        probe.v("1")
    with pytest.raises(ValueError, match=r"no potential recorded for layer '' \(record_v=False\)"):
        SpikeProbe(node).v("")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        probe.close()
