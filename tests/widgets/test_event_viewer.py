"""EventViewer and EventCanvas: the window's counts, the network's first-layer spikes, binning of big frames."""

import json
import pathlib
import shutil
import subprocess

import numpy as np
import pytest
import torch
import torch.nn as nn

from snnlab import functional, layer, neuron
from snnlab.events import Events
from widgets import EventCanvas, EventViewer
from widgets.event_canvas import encode_counts, pixel_ticks

JS = pathlib.Path(__file__).resolve().parents[2] / "widgets" / "event_canvas.js"


def _stream(n=3000, sensor=(6, 5, 2), duration=10_000, seed=0):
    rng = np.random.default_rng(seed)
    return Events(
        torch.from_numpy(np.sort(rng.integers(0, duration, n))),
        torch.from_numpy(rng.integers(0, sensor[0], n)),
        torch.from_numpy(rng.integers(0, sensor[1], n)),
        torch.from_numpy(rng.integers(0, sensor[2], n)),
    )


def _reference_counts(ev, sensor, lo, hi):
    counts = torch.zeros(sensor[2], sensor[1], sensor[0])
    for t, x, y, p in zip(*(f.tolist() for f in ev)):
        if lo <= t < hi:
            counts[p, y, x] += 1
    return counts


def test_the_window_shows_its_events():
    ev, sensor = _stream(), (6, 5, 2)
    viewer = EventViewer(ev, sensor, window=700, device="cpu", throttle_ms=0)
    first = int(ev.t[0])
    assert viewer.position.max == (int(ev.t[-1]) - first) // 700
    for k in (0, 3, viewer.position.max):
        viewer.position.value = k
        lo = first + 700 * k
        torch.testing.assert_close(viewer.result.counts, _reference_counts(ev, sensor, lo, lo + 700))
        assert viewer.result.n_events == int(viewer.result.counts.sum())
        assert viewer.events_canvas.title == f"{viewer.result.n_events:,} events in t = [{lo}, {lo + 700})"
        assert viewer.events_canvas.rows == 5 and viewer.events_canvas.cols == 6
    viewer.window.value = 5000  # fewer windows: the slider's range follows and its value stays inside
    assert viewer.position.max == (int(ev.t[-1]) - first) // 5000 and viewer.position.value <= viewer.position.max
    assert viewer.play.max == viewer.position.max
    viewer.speed.value = "4x"
    assert viewer.play.interval == 50
    assert viewer.error is None and viewer.status_text.startswith("ran on cpu")


def test_the_network_panel_shows_the_first_spiking_layer():
    ev, sensor = _stream(sensor=(8, 8, 2)), (8, 8, 2)
    torch.manual_seed(0)
    net = nn.Sequential(
        layer.Conv2d(2, 3, 3, padding=1),
        neuron.IFNode(v_threshold=0.5),
        layer.Flatten(),
        layer.Linear(192, 4),
        neuron.IFNode(),
    )
    functional.set_step_mode(net, "m")
    viewer = EventViewer(ev, sensor, net=net, window=1000, device="cpu", throttle_ms=0)
    # reference: the stream cut into windows, the net run by hand, the first IFNode's output kept by a hook
    from snnlab.events import to_frames

    frames = to_frames(ev, sensor, time_window=1000)
    seen = []
    handle = net[1].register_forward_hook(lambda m, i, o: seen.append(o))
    functional.reset_net(net)
    with torch.no_grad():
        net(frames[:, None])
    handle.remove()
    functional.reset_net(net)
    expected = seen[0][:, 0]  # [T, 3, 8, 8]
    assert expected.sum() > 0
    for k in (0, 4):
        viewer.position.value = k
        torch.testing.assert_close(viewer.result.spikes, expected[k])
    assert viewer.spikes_canvas.rows == 2 * 9 - 1 and viewer.spikes_canvas.cols == 2 * 9 - 1  # 3 channels tiled 2x2
    assert len(viewer.figures_box.children) == 2


def test_big_sensors_are_binned_within_the_budget():
    on = torch.zeros(300, 500)
    on[10, 20] = 3.0
    cells, factor = encode_counts(on, max_cells=4096)
    assert factor == 7 and cells.shape == (43, 72) and cells.numel() <= 4096
    assert cells[1, 2] == 128 | 127 and int((cells != 0).sum()) == 1
    canvas = EventCanvas(max_cells=4096)
    canvas.set_counts(on, torch.zeros_like(on))
    assert len(canvas.cells) == 43 * 72 and canvas.factor == 7


def test_encoding_of_polarity_and_brightness():
    on = torch.tensor([[0.0, 4.0, 1.0, 2.0]])
    off = torch.tensor([[0.0, 0.0, 3.0, 2.0]])
    cells, factor = encode_counts(on, off)
    # totals 0, 4, 4, 4 -> brightness 127 each; ON dominates (or ties) in cells 1 and 3
    assert factor == 1 and cells.tolist() == [[0, 255, 127, 255]]


def test_a_million_events_update_in_small_messages():
    sensor = (346, 260, 2)  # a DAVIS346 sensor: 90k pixels
    rng = np.random.default_rng(1)
    n = 10**6
    ev = Events(
        torch.from_numpy(np.sort(rng.integers(0, 10**6, n))),
        torch.from_numpy(rng.integers(0, 346, n)),
        torch.from_numpy(rng.integers(0, 260, n)),
        torch.from_numpy(rng.integers(0, 2, n)),
    )
    viewer = EventViewer(ev, sensor, window=50_000, device="cpu", throttle_ms=0)
    viewer.position.value = 7
    assert viewer.error is None and 45_000 < viewer.result.n_events < 55_000
    assert len(viewer.events_canvas.cells) == 346 * 260 <= 150_000


def test_validation_messages():
    ev = _stream()
    with pytest.raises(ValueError, match="EventViewer: events must hold at least one event"):
        EventViewer(ev.select(torch.zeros(ev.count, dtype=torch.bool)), (6, 5, 2))
    with pytest.raises(ValueError, match="EventViewer: events must be in time order"):
        EventViewer(ev.select(torch.arange(ev.count - 1, -1, -1)), (6, 5, 2))
    with pytest.raises(TypeError, match=r"EventViewer: sensor_size must be a tuple \(W, H, P\), got 3"):
        EventViewer(ev, 3)
    with pytest.raises(TypeError, match="EventViewer: net must be a torch.nn.Module or None"):
        EventViewer(ev, (6, 5, 2), net="net")
    with pytest.raises(ValueError, match="EventViewer: window must be an integer >= 1, got 0"):
        EventViewer(ev, (6, 5, 2), window=0)
    viewer = EventViewer(ev, (6, 5, 2), net=nn.Sequential(nn.Identity()), device="cpu")
    assert viewer.error is not None and "net has no spiking layer" in viewer.status_text
    with pytest.raises(TypeError, match=r"encode_counts: on must be a 2-D \[H, W\] tensor"):
        encode_counts(torch.ones(3))


def test_pixel_axes_name_the_sensor_pixels_at_their_middles():
    # 34 pixels in 34 cells: ticks 0, 10, 20, 30 at the middles of those pixels
    assert pixel_ticks(34, 1, 34) == [[(k + 0.5) / 34, str(k)] for k in (0, 10, 20, 30)]
    # 640 pixels binned by 3 into 214 cells (642 pixels drawn, the last bin padded): still the pixels' middles
    ticks = pixel_ticks(640, 3, 214)
    assert [t for _, t in ticks] == ["0", "200", "400", "600"]
    torch.testing.assert_close([w for w, _ in ticks], [(k + 0.5) / 642 for k in (0, 200, 400, 600)])
    canvas = EventCanvas(max_cells=4096)
    canvas.set_counts(torch.ones(100, 640), torch.zeros(100, 640))  # 64000 pixels: bins of 4 (25 x 160 cells)
    assert (canvas.factor, canvas.rows, canvas.cols) == (4, 25, 160)
    assert canvas.x_ticks == pixel_ticks(640, 4, 160) and canvas.y_ticks == pixel_ticks(100, 4, 25)
    assert len(canvas.x_ticks) <= 6 and len(canvas.y_ticks) <= 6
    assert (canvas.x_title, canvas.y_title) == ("x (pixel)", "y (pixel, 0 at the top)")
    with pytest.raises(ValueError, match="most must be an int >= 2, got 1"):  # refused, not raised to 2
        pixel_ticks(34, 1, 34, most=1)


def test_the_count_scale_says_what_a_shade_counts():
    canvas = EventCanvas()
    canvas.set_counts(torch.tensor([[0.0, 7.0], [1.0, 0.0]]), torch.tensor([[2.0, 0.0], [0.0, 0.0]]))
    assert canvas.vmax == 7
    assert canvas.scale_text == "events per pixel: 1 (faint) to 7 (bright); colour: the polarity with more"
    canvas.set_counts(torch.tensor([[0.0, 1.0]]), torch.tensor([[1.0, 0.0]]))
    assert (canvas.vmax, canvas.scale_text) == (1, "1 event per marked pixel; colour: its polarity")
    canvas.set_counts(torch.zeros(2, 2))
    assert (canvas.vmax, canvas.scale_text) == (0, "no events in this image")
    binned = EventCanvas(max_cells=4)
    binned.set_counts(torch.full((4, 4), 3.0))  # 2x2 bins of 12 events each
    assert binned.scale_text == "events per 2x2-pixel bin: 1 (faint) to 12 (bright); colour: the polarity with more"


def test_the_spike_canvas_has_no_pixel_axes_and_counts_spikes():
    ev, sensor = _stream(sensor=(8, 8, 2)), (8, 8, 2)
    torch.manual_seed(0)
    net = nn.Sequential(layer.Conv2d(2, 3, 3, padding=1), neuron.IFNode(v_threshold=0.5))
    functional.set_step_mode(net, "m")
    viewer = EventViewer(ev, sensor, net=net, window=1000, device="cpu", throttle_ms=0)
    spikes = viewer.spikes_canvas
    assert spikes.x_ticks == [] and spikes.y_ticks == [] and spikes.off_name == ""
    assert spikes.scale_text == "1 spike per marked neuron"
    assert spikes.title == f"first spiking layer: {int(viewer.result.spikes.sum()):,} spikes, 3 channels tiled"
    events = viewer.events_canvas
    assert [t for _, t in events.x_ticks] == ["0", "2", "4", "6"] and events.x_title == "x (pixel)"


def test_event_canvas_checks_its_arguments():
    with pytest.raises(TypeError, match="EventCanvas: axes must be a bool, got 'yes'"):
        EventCanvas(axes="yes")
    with pytest.raises(TypeError, match="EventCanvas: unit must be a non-empty str, got ''"):
        EventCanvas(unit="")
    with pytest.raises(TypeError, match="EventCanvas: cell must be a non-empty str, got 3"):
        EventCanvas(cell=3)
    with pytest.raises(ValueError, match="EventCanvas: max_cells must be an integer >= 1, got 0"):
        EventCanvas(max_cells=0)


def test_set_counts_names_itself_in_its_errors():
    canvas = EventCanvas()
    with pytest.raises(
        ValueError, match=r"EventCanvas.set_counts: on and off must have one shape, got \[2, 2\] and \[3\, 2]"
    ):
        canvas.set_counts(torch.ones(2, 2), torch.ones(3, 2))
    assert canvas.rows == 0 and canvas.vmax == 0  # nothing changed


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node")
def test_wide_and_tall_images_keep_a_size_that_fits_the_page():
    # square cells at the canvas height, unless a one-row sensor (SHD: 700 x 1) would be 700 heights wide
    cases = [(12, 12, 260), (260, 346, 260), (1, 700, 260), (2, 2000, 260), (700, 1, 260), (1, 1, 260)]
    script = f"""
    import {{ displaySize }} from {json.dumps(JS.as_uri())};
    console.log(JSON.stringify({json.dumps(cases)}.map(([rows, cols, height]) => displaySize(rows, cols, height))));
    """
    out = subprocess.run(["node", "--input-type=module", "-e", script], capture_output=True, text=True, check=True)
    sizes = json.loads(out.stdout)
    assert sizes == [[260, 260], [346, 260], [640, 40], [640, 40], [40, 260], [260, 260]]


def test_a_one_row_sensor_has_no_y_axis():
    canvas = EventCanvas()
    canvas.set_counts(torch.ones(1, 700))
    assert [t for _, t in canvas.x_ticks] == ["0", "200", "400", "600"]
    assert canvas.y_ticks == [] and canvas.y_title == "" and canvas.x_title == "x (pixel)"


def test_a_one_polarity_sensor_gets_one_colour_in_its_scale():
    ev = _stream(sensor=(700, 1, 1))
    viewer = EventViewer(ev, (700, 1, 1), window=2000, device="cpu", throttle_ms=0)
    canvas = viewer.events_canvas
    assert (canvas.on_name, canvas.off_name, canvas.rows, canvas.cols) == ("events", "", 1, 700)
    assert canvas.scale_text == f"events per pixel: 1 (faint) to {canvas.vmax} (bright)" and canvas.vmax > 1
    assert EventViewer(_stream(), (6, 5, 2), device="cpu").events_canvas.off_name == "OFF"
