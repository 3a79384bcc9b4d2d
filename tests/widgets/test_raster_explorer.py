"""RasterExplorer: spikes equal a direct encoder + LIF run; linked selection; user spikes and networks."""

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from snnlab import neuron
from snnlab.analysis import firing_rate, first_spike_times
from snnlab.encoding import LatencyEncoder
from snnlab.viz import plotly as vp
from widgets.raster_explorer import RasterExplorer, RasterResult, encode_population


def direct_population(encoder, N, T, seed=0, tau=2.0, gain=2.5, device="cpu"):
    """The core calls the panel must reproduce: encode the ramp of intensities, run a LIF population."""
    intensities = (torch.arange(N, dtype=torch.float32, device=device) + 0.5) / N
    generator = torch.Generator(device=device).manual_seed(seed)
    x_seq = encode_population(encoder, intensities, T, generator=generator) * gain
    with torch.no_grad():
        return neuron.LIFNode(tau=tau, step_mode="m").to(device)(x_seq)[:, 0].cpu()


@pytest.fixture
def panel():  # a fresh panel per test: no test sees another's changes
    built = RasterExplorer(N=60, T=80, device="cpu", throttle_ms=0)
    yield built
    built.close()


def test_defaults_and_repr():
    panel = RasterExplorer(device="cpu", throttle_ms=0)
    assert repr(panel) == "RasterExplorer(encoder='poisson', N=100, T=100, window=(0, 99), neuron=-1)"
    assert isinstance(panel.result, RasterResult) and panel.result.spikes.shape == (100, 100)


@pytest.mark.parametrize("encoder", ["poisson", "latency", "current"])
def test_spikes_equal_a_direct_encoder_and_lif_run(device, encoder):
    panel = RasterExplorer(encoder=encoder, N=40, T=50, seed=3, tau=3.0, gain=2.0, device=device, throttle_ms=0)
    assert panel.error is None and panel.status_text.startswith(f"ran on {device} in ")
    expected = direct_population(encoder, 40, 50, seed=3, tau=3.0, gain=2.0, device=device)
    torch.testing.assert_close(panel.result.spikes, expected, rtol=0, atol=0)
    assert panel.result.spikes.device.type == "cpu"


def test_latency_coding_gives_first_spikes_at_the_encoders_firing_steps():
    panel = RasterExplorer(encoder="latency", N=50, T=60, device="cpu", throttle_ms=0)
    intensities = (torch.arange(50, dtype=torch.float32) + 0.5) / 50
    # a single input spike of weight 2.5 lifts a tau=2 LIF to 1.25 >= 1: it fires on the same step
    expected = LatencyEncoder(T=60).firing_step(intensities)
    torch.testing.assert_close(panel.result.first_spike_times, expected)


def test_window_neuron_and_scrubber_views_follow_the_selection(panel):
    spikes = panel.result.spikes
    with panel.hold_updates():
        panel.window.value, panel.neuron.value, panel.t.value = (20, 49), 45, 30
    result = panel.result
    window = spikes[20:50]
    assert result.window == (20, 49) and result.neuron == 45 and result.t == 30
    torch.testing.assert_close(result.rates, window.mean(0))
    torch.testing.assert_close(result.rates, firing_rate(window.unsqueeze(1)))
    expected_first = [next((20 + t for t in range(30) if window[t, n]), -1) for n in range(60)]
    assert result.first_spike_times.tolist() == expected_first
    torch.testing.assert_close(
        result.first_spike_times,
        torch.where(first_spike_times(window.unsqueeze(1))[0] >= 0, first_spike_times(window.unsqueeze(1))[0] + 20, -1),
    )
    assert result.neuron_spike_times.tolist() == [20 + t for t in range(30) if window[t, 45]]
    assert result.active_at_t == int(spikes[30].sum())
    assert torch.equal(result.spikes, spikes)  # the selection does not re-run the population
    assert repr(panel) == "RasterExplorer(encoder='poisson', N=60, T=80, window=(20, 49), neuron=45)"
    # the raster shows the window only, with absolute tick labels, the scrubber and the selected row
    shapes = panel.raster_fig.layout.shapes
    assert any(s.type == "line" and s.x0 == 10 for s in shapes)  # t=30 is step 10 of the window
    assert any(s.type == "rect" and s.y0 == 44.5 and s.y1 == 45.5 for s in shapes)
    assert panel.raster_fig.layout.xaxis.ticktext[0] == "20"
    # the first-spike map shows the window's first spikes (grid 8 wide for 60 neurons), never-fired as null
    z = [v for row in panel.first_fig.data[0].z for v in row][:60]
    assert z == [None if t < 0 else float(t) for t in expected_first]
    with panel.hold_updates():
        panel.window.value, panel.neuron.value = (0, 79), -1
    assert panel.result.neuron is None and panel.result.neuron_spike_times.numel() == 0


def test_selection_changes_reuse_the_population_and_generating_changes_rerun_it():
    calls = []

    def net(x_seq):
        calls.append(x_seq.shape)
        return (x_seq > 0.5).float()

    panel = RasterExplorer(encoder="current", N=10, T=20, gain=1.0, net=net, device="cpu", throttle_ms=0)
    assert calls == [(20, 1, 10)]
    panel.window.value = (5, 15)
    panel.neuron.value = 3
    panel.t.value = 7
    assert len(calls) == 1
    panel.gain.value = 2.0
    assert len(calls) == 2
    # neuron i gets current (i + 0.5) / 10 * gain; the user's net spikes where it exceeds 0.5
    expected = ((torch.arange(10) + 0.5) / 10 * 2.0 > 0.5).float().expand(20, 10)
    torch.testing.assert_close(panel.result.spikes, expected)
    assert panel.tau.disabled  # no LIF population when the user brings a network


def test_summary_line_describes_the_selection():
    panel = RasterExplorer(spikes=torch.tensor([[1, 0], [1, 1], [0, 1]]), device="cpu", throttle_ms=0)
    with panel.hold_updates():
        panel.neuron.value, panel.t.value = 1, 1
    assert panel.summary.value == "<code>steps 0-2: 4 spikes; t=1: 2 active; neuron 1: 2 spikes, first at 1</code>"


def test_big_windows_are_drawn_on_the_canvas_and_small_ones_by_plotly():
    panel = RasterExplorer(N=50, T=40, canvas_cells=600, device="cpu", throttle_ms=0)
    assert panel.uses_canvas(panel.result) and panel.raster.mode == "canvas"
    assert (panel.canvas.rows, panel.canvas.cols) == (50, 40)
    expected = panel.result.spikes.t().bool().numpy()
    assert bytes(panel.canvas.bits) == np.packbits(expected.reshape(-1)).tobytes()
    with panel.hold_updates():
        panel.window.value, panel.t.value = (10, 29), 15
    assert panel.canvas.cols == 20 and panel.canvas.highlight == [5, 6]
    assert bytes(panel.canvas.bits) == np.packbits(expected[:, 10:30].reshape(-1)).tobytes()
    panel.canvas.clicked = {"row": 7, "col": 3}  # as the browser reports a click
    assert panel.neuron.value == 7 and panel.t.value == 13 and panel.result.neuron == 7
    panel.window.value = (10, 19)  # 10 x 50 = 500 cells: back to the plotly raster
    assert not panel.uses_canvas(panel.result) and panel.raster.mode == "plotly"


def test_changing_T_resets_the_window_and_scrubber_ranges(panel):
    panel.T.value = 40
    assert panel.window.max == 39 and panel.window.value == (0, 39) and panel.t.max == 39
    assert panel.result.spikes.shape == (40, 60) and panel.result.window == (0, 39) and panel.error is None
    panel.T.value = 80


def test_user_spikes():
    spikes = torch.eye(4, dtype=torch.bool)
    panel = RasterExplorer(spikes=spikes, device="cpu", throttle_ms=0)
    assert repr(panel) == "RasterExplorer(encoder='custom', N=4, T=4, window=(0, 3), neuron=-1)"
    assert panel.result.first_spike_times.tolist() == [0, 1, 2, 3]
    assert panel.N.disabled and panel.T.disabled and panel.gain.disabled
    panel.window.value = (2, 3)
    assert panel.result.first_spike_times.tolist() == [-1, -1, 2, 3] and panel.result.rates.tolist() == [0, 0, 0.5, 0.5]


def test_user_network_module_is_reset_around_each_run():
    net = neuron.IFNode(step_mode="m")
    panel = RasterExplorer(encoder="current", N=8, T=12, gain=1.0, net=net, device="cpu", throttle_ms=0)
    x = ((torch.arange(8, dtype=torch.float32) + 0.5) / 8).expand(12, 8)
    with torch.no_grad():
        expected = neuron.IFNode(step_mode="m")(x)
    torch.testing.assert_close(panel.result.spikes, expected)
    assert net.v == 0.0  # reset after the run


def test_a_failing_network_shows_its_error_and_the_panel_recovers():
    panel = RasterExplorer(encoder="current", N=5, T=6, net=lambda x: x[0], device="cpu", throttle_ms=0)
    assert panel.result is None
    assert panel.status_text == "ValueError: net must return a [T, 1, N_out] spike sequence with T=6, got shape [1, 5]"
    panel.net = lambda x: (x > 1.0).float()
    panel.gain.value = 3.0
    assert panel.error is None and panel.result.spikes.shape == (6, 5)


@pytest.fixture
def plotly_panel():  # the same recording, drawn by plotly (4800 cells, under canvas_cells)
    built = RasterExplorer(N=60, T=80, device="cpu", throttle_ms=0, canvas_cells=10_000)
    yield built
    built.close()


def test_the_default_size_is_drawn_on_the_canvas_and_a_tiny_raster_by_plotly():
    big, tiny = RasterExplorer(device="cpu", throttle_ms=0), RasterExplorer(N=20, T=50, device="cpu", throttle_ms=0)
    assert (big.raster.mode, tiny.raster.mode) == ("canvas", "plotly")
    assert big.canvas.spike_count() == int(big.result.spikes.sum()) > 2000
    assert tiny.raster.drawn_spikes() == int(tiny.result.spikes.sum())
    big.close()
    tiny.close()


def test_a_click_on_a_spike_selects_its_neuron_and_step(plotly_panel):
    panel = plotly_panel
    panel.window.value = (10, 70)
    panel.raster._on_figure_click(panel.raster_fig.data[0], SimpleNamespace(xs=[5.0], ys=[12]))
    assert panel.neuron.value == 12 and panel.t.value == 15 and panel.result.neuron == 12
    # a selection-only change moves the marks (the data stay): scrubber at step 5 of the window, row 12
    shapes = panel.raster_fig.layout.shapes
    assert [s.x0 for s in shapes if s.type == "line"] == [5] and [s.y0 for s in shapes if s.type == "rect"] == [11.5]
    width = len(panel.first_fig.data[0].z[0])
    assert width == 8  # 60 neurons laid out 8 wide
    (mark,) = [s for s in panel.first_fig.layout.shapes if s.name == "selected neuron"]
    assert (mark.x0 + 0.5, mark.y0 + 0.5) == (12 % width, 12 // width) and mark.visible
    panel.raster._on_figure_click(panel.raster_fig.data[0], SimpleNamespace(xs=[], ys=[]))
    assert panel.neuron.value == 12


def test_the_selected_neuron_band_follows_a_new_grid_width_and_keeps_the_crosses():
    """N 60 -> 100 lays the map out 10 wide, not 8: the band is placed from the new recording's grid."""
    panel = RasterExplorer(N=60, T=50, gain=0.5, device="cpu", throttle_ms=0)  # some never fire
    panel.neuron.value = 12
    panel.N.value = 100
    assert len(panel.first_fig.data[0].z[0]) == 10
    (band,) = [s for s in panel.first_fig.layout.shapes if s.name == "selected neuron"]
    assert (band.x0 + 0.5, band.y0 + 0.5, band.visible) == (2, 1, True)
    never = (panel.result.first_spike_times < 0).nonzero().flatten().tolist()
    xs, ys = vp.cross_positions(panel.first_fig, "never fired (x)")
    assert never and sorted(zip(ys.astype(int).tolist(), xs.astype(int).tolist())) == [divmod(i, 10) for i in never]


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (
            dict(encoder="rank"),
            ValueError,
            r"RasterExplorer: encoder must be one of 'poisson', 'latency', 'current', got 'rank'",
        ),
        (dict(spikes=torch.ones(3)), ValueError, r"spikes must be a non-empty \[T, N\] tensor, got shape \[3\]"),
        (dict(spikes=torch.ones(3, 2), net=torch.nn.Identity()), ValueError, r"give spikes, or net/intensities"),
        (dict(net=3), TypeError, r"net must be a callable multi-step module, got int"),
        (
            dict(intensities=torch.ones(2, 2)),
            ValueError,
            r"intensities must be a non-empty \[N\] tensor, got shape \[2, 2\]",
        ),
    ],
)
def test_bad_arguments_are_rejected(kwargs, error, match):
    with pytest.raises(error, match=match):
        RasterExplorer(device="cpu", **kwargs)


# ----------------------------------------------------------------------------- argument ranges and clear status lines
@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(T=0), r"RasterExplorer: T must be an integer >= 1, got 0"),
        (dict(N=-3), r"RasterExplorer: N must be an integer >= 1, got -3"),
        (dict(tau=0.5), r"RasterExplorer: tau must be a number in \[1.1, 20\], got 0.5"),
        (dict(gain=11.0), r"RasterExplorer: gain must be a number in \[0, 10\], got 11.0"),
        (dict(seed=2**80), r"RasterExplorer: seed must be an integer in \[0, 9.22337e\+18\]"),
        (dict(spikes=torch.full((4, 3), float("nan"))), r"RasterExplorer: spikes must hold finite values"),
    ],
)
def test_out_of_range_constructor_arguments_are_refused_by_name(kwargs, match):
    with pytest.raises(ValueError, match=match):
        RasterExplorer(device="cpu", **kwargs)


def test_a_huge_seed_typed_later_gives_a_clear_status_line():
    panel = RasterExplorer(N=10, T=10, device="cpu", throttle_ms=0)
    panel.seed.value = 2**80
    assert panel.status_text.startswith("ValueError: RasterExplorer: seed must be an integer in [0, 9.22337e+18]")
    panel.seed.value = 3
    assert panel.error is None


def test_tau_and_gain_reuse_the_encoded_input_and_give_the_same_spikes_as_a_fresh_panel():
    panel = RasterExplorer(N=40, T=50, gain=1.5, device="cpu", throttle_ms=0)
    drawn = panel._encoded_input()
    panel.tau.value, panel.gain.value = 3.0, 1.8
    assert panel._encoded_input() is drawn  # not drawn again
    fresh = RasterExplorer(N=40, T=50, tau=3.0, gain=1.8, device="cpu", throttle_ms=0)
    torch.testing.assert_close(panel.result.spikes, fresh.result.spikes)
    scaled = panel._scaled_input()
    panel.tau.value = 2.5  # the scaled input is reused; a gain change scales again, and matches a fresh panel
    assert panel._scaled_input() is scaled
    panel.gain.value = 1.2
    assert panel._scaled_input() is not scaled
    again = RasterExplorer(N=40, T=50, tau=2.5, gain=1.2, device="cpu", throttle_ms=0)
    torch.testing.assert_close(panel.result.spikes, again.result.spikes)
    panel.seed.value = 1  # a new draw
    assert panel._encoded_input() is not drawn
    panel.close()
    fresh.close()
    again.close()
