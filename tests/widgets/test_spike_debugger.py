"""SpikeDebugger: records and report equal a direct probe + analysis run; finds a dead layer; selection redraws."""

import importlib.util

import pytest
import torch

from snnlab import functional, layer, neuron
from snnlab.analysis import first_spike_times, neuron_report
from snnlab.probe import SpikeProbe
from widgets.spike_debugger import DebugResult, SpikeDebugger


def make_net(step_mode="m", seed=0):
    torch.manual_seed(seed)
    net = torch.nn.Sequential(
        layer.Flatten(), layer.Linear(16, 12), neuron.LIFNode(), layer.Linear(12, 6), neuron.IFNode()
    )
    functional.set_step_mode(net, step_mode)
    return net


def inputs(T=10, N=3, seed=1):
    return torch.rand(T, N, 1, 4, 4, generator=torch.Generator().manual_seed(seed)) * 6.0


def count_calls(net):
    calls = []
    net.register_forward_hook(lambda *args: calls.append(1))
    return calls


def test_result_equals_a_direct_probe_and_analysis(device):
    net, x = make_net(), inputs()
    debugger = SpikeDebugger(net, x, device=device)
    assert debugger.error is None and debugger.status_text.startswith(f"ran on {device} in ")
    result = debugger.result
    ref = make_net().to(device)
    with torch.no_grad(), SpikeProbe(ref) as probe:
        output = ref.eval()(x.to(device))
        records = probe.records()
    assert result.layer_names == ("2", "4") == tuple(records)
    for name in records:
        assert torch.equal(result.records[name], records[name])
        assert torch.equal(result.first_spike[name], first_spike_times(records[name]))
        expected = neuron_report(records)[name]
        got = result.report[name]
        assert (got.n_dead, got.n_saturated, got.mean_rate) == (
            expected.n_dead,
            expected.n_saturated,
            expected.mean_rate,
        )
        assert torch.equal(got.rates, expected.rates)
    torch.testing.assert_close(result.output, output.cpu())
    assert 0 < result.report["2"].mean_rate < 1  # the test means something: the layer does fire
    assert net.training  # mode restored


def test_single_step_network_is_called_per_step_and_gives_the_same_records():
    multi = SpikeDebugger(make_net("m"), inputs(), device="cpu").result
    single_net = make_net("s")
    calls = count_calls(single_net)
    single = SpikeDebugger(single_net, inputs(), device="cpu").result
    assert len(calls) == 10
    for name in multi.layer_names:
        assert torch.equal(multi.records[name], single.records[name])
    forced = SpikeDebugger(make_net("m"), inputs(), step_mode="m", device="cpu").result
    assert torch.equal(forced.records["4"], multi.records["4"])


def test_finds_a_layer_made_dead_on_purpose():
    net = make_net()
    with torch.no_grad():
        net[3].bias.fill_(-100.0)  # the second spiking layer can never reach its threshold
    debugger = SpikeDebugger(net, inputs(), device="cpu")
    report = debugger.result.report
    assert debugger.dead_layers == ["4"]
    assert (report["4"].n_dead, report["4"].n_neurons) == (6, 6)
    assert report["2"].n_dead < report["2"].n_neurons
    assert '<tr style="color:#b00020"><td style="">4</td><td style="">6</td><td style="">6</td>' in debugger.table.value
    debugger.layer.value = "4"
    assert "dead neurons of '4': [0, 1, 2, 3, 4, 5]" in debugger.table.value
    assert debugger.first_fig.layout.title.text == "first spike: 6 of 6 never fired"


def test_saturated_layer_and_thresholds_reanalyse_without_running_the_network():
    net = make_net()
    with torch.no_grad():
        net[3].bias.fill_(100.0)
    calls = count_calls(net)
    debugger = SpikeDebugger(net, inputs(), device="cpu")
    assert debugger.result.report["4"].n_saturated == 6 and len(calls) == 1
    before = debugger.result.report["2"].n_dead
    debugger.dead_rate.value = 0.5
    assert len(calls) == 1 and debugger.error is None
    expected = neuron_report(debugger.result.records, 0.5, 1.0)["2"]
    assert debugger.result.report["2"].n_dead == expected.n_dead >= before
    assert debugger.status_text == "report updated: dead rate <= 0.5, saturated rate >= 1"
    debugger.saturated_rate.value = 0.2  # below the dead rate: explained, the panel stays usable
    assert debugger.status_text.startswith("ValueError: neuron_report: saturated_rate must be greater")
    debugger.saturated_rate.value = 0.9
    assert debugger.error is None


def test_selection_redraws_without_running_the_network():
    net = make_net()
    calls = count_calls(net)
    debugger = SpikeDebugger(net, inputs(), device="cpu")
    result = debugger.result
    assert repr(debugger) == "SpikeDebugger(layer='2', sample=0, T=10, N=3)"
    debugger.layer.value, debugger.sample.value = "4", 2
    assert repr(debugger) == "SpikeDebugger(layer='4', sample=2, T=10, N=3)"
    assert debugger.result is result and len(calls) == 1
    assert debugger.raster_fig.layout.title.text == "layer '4', sample 2"
    spikes = result.records["4"][:, 2]
    assert list(debugger.raster_fig.data[1].x) == pytest.approx(spikes.float().mean(0).tolist())
    assert sum(debugger.hist_fig.data[0].y) == 6
    debugger.all_layers.value = True
    assert debugger.raster_fig.layout.title.text == "every layer, sample 2"
    assert len(debugger.raster_fig.data[1].x) == 12 + 6  # one rate per neuron of both layers
    assert repr(result) == "DebugResult(layers=('2', '4'), T=10, N=3)"
    debugger.device_control.value = "cpu"  # same value: nothing runs
    assert len(calls) == 1


def test_ottt_network_and_named_custom_layers():
    torch.manual_seed(0)
    net = layer.OTTTSequential(layer.Linear(4, 5), neuron.OTTTLIFNode(), layer.Linear(5, 2))
    x = torch.rand(6, 2, 4) * 2
    debugger = SpikeDebugger(net, x, device="cpu")
    assert debugger.result.layer_names == ("1",) and debugger.result.records["1"].shape == (6, 2, 5)
    assert debugger.result.output.shape == (6, 2, 2)

    class Threshold(torch.nn.Module):  # not an snnlab neuron: recorded because it is named
        def forward(self, x):
            return (x > 0.5).float()

    plain = torch.nn.Sequential(torch.nn.Identity(), Threshold())
    custom = SpikeDebugger(plain, torch.linspace(0, 1, 8).reshape(8, 1, 1), layers=["1"], device="cpu")
    assert custom.result.records["1"].flatten().tolist() == [False] * 4 + [True] * 4
    assert custom.result.first_spike["1"].tolist() == [[4]]


def test_errors_show_in_the_status_line():
    debugger = SpikeDebugger(torch.nn.Sequential(torch.nn.Linear(3, 2)), torch.ones(2, 1, 3), device="cpu")
    assert debugger.result is None
    assert debugger.status_text.startswith("ValueError: SpikeProbe: net has no spiking neuron module")
    unused = torch.nn.ModuleDict({"used": neuron.IFNode(), "spare": neuron.IFNode()})
    unused.forward = lambda x: unused["used"](x)
    debugger = SpikeDebugger(unused, torch.ones(2, 1, 3), layers=["spare"], device="cpu")
    assert debugger.status_text.startswith("ValueError: SpikeDebugger: no spiking layer produced a record")
    debugger.layers = None  # the user fixes the choice: the panel works again
    assert debugger.update() and debugger.result.layer_names == ("used",)
    with pytest.raises(
        TypeError,
        match=r"SpikeDebugger: net must be a torch.nn.Module, a NIR file path or a nir.NIRGraph, got 42 \(int\)",
    ):
        SpikeDebugger(42, torch.ones(2, 1, 3))
    if importlib.util.find_spec("nir") is not None:  # a path is read with the nir extra
        with pytest.raises(FileNotFoundError, match="read_nir: path must name an existing NIR file, got 'x'"):
            SpikeDebugger("x", torch.ones(2, 1, 3))
    else:
        with pytest.raises(ImportError, match=r"snnlab.interop needs the 'nir' package: pip install 'snnlab\[nir\]'"):
            SpikeDebugger("x", torch.ones(2, 1, 3))
    with pytest.raises(ValueError, match=r"SpikeDebugger: inputs must have at least 2 dimension\(s\), got shape \[3\]"):
        SpikeDebugger(make_net(), torch.ones(3))
    with pytest.raises(ValueError, match=r"SpikeDebugger: inputs must be \[T, N, \*\] with T >= 1 and N >= 1"):
        SpikeDebugger(make_net(), torch.ones(0, 2, 16))
    with pytest.raises(ValueError, match="SpikeDebugger: step_mode must be one of 's', 'm', got 'x'"):
        SpikeDebugger(make_net(), inputs(), step_mode="x")
    with pytest.raises(ValueError, match="need 0 <= dead_rate < saturated_rate <= 1"):
        SpikeDebugger(make_net(), inputs(), dead_rate=0.5, saturated_rate=0.5)


def test_result_type_and_state_reset():
    net = make_net()
    debugger = SpikeDebugger(net, inputs(), device="cpu")
    assert isinstance(debugger.result, DebugResult)
    assert all(isinstance(m.v, float) for m in net.modules() if isinstance(m, neuron.BaseNode))


def test_big_rasters_go_to_the_canvas():
    debugger = SpikeDebugger(make_net(), inputs(), canvas_cells=100, device="cpu")
    assert debugger.raster.mode == "canvas"  # 10 steps x 12 neurons > 100 cells
    assert (debugger.canvas.rows, debugger.canvas.cols) == (12, 10)
    assert debugger.canvas.title == "layer '2', sample 0"  # drawn as text on the canvas, never HTML-escaped
    debugger.layer.value = "4"  # 60 cells: back to the plotly figure
    assert debugger.raster.mode == "plotly" and debugger.canvas.rows == 0  # the hidden canvas holds nothing
    assert debugger.raster_fig.layout.title.text == "layer '4', sample 0"
    debugger.all_layers.value = True  # 180 cells, both layers side by side on the canvas
    assert debugger.raster.mode == "canvas" and debugger.canvas.rows == 18
    assert debugger.canvas.layers == [[0, "2"], [12, "4"]] and debugger.raster_fig.data[0].x.size == 0


# ----------------------------------------------------------------------------- status lines that say the real cause
def test_a_too_small_memory_budget_is_named_as_the_cause():
    debugger = SpikeDebugger(make_net(), inputs(), max_bytes=1, device="cpu")
    assert isinstance(debugger.error, ValueError)
    assert "max_bytes=1 is too small to hold one time step" in debugger.status_text
    assert "name the layers" not in debugger.status_text


def test_a_successful_redraw_clears_an_old_error():
    debugger = SpikeDebugger(make_net(), inputs(), device="cpu")
    debugger.show_error(ValueError("an old problem"))
    debugger.sample.value = 1
    assert debugger.error is None and "an old problem" not in debugger.status_text


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(dead_rate=-0.5), r"SpikeDebugger: dead_rate must be a number in \[0, 1\], got -0.5"),
        (dict(saturated_rate=1.5), r"SpikeDebugger: saturated_rate must be a number in \[0, 1\], got 1.5"),
        (dict(max_bytes=0), r"SpikeDebugger: max_bytes must be an integer >= 1, got 0"),
    ],
)
def test_out_of_range_constructor_arguments_are_refused_by_name(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SpikeDebugger(make_net(), inputs(), device="cpu", **kwargs)
