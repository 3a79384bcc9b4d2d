"""CanvasRaster: device-side packing in numpy.packbits order, one message per update, binning, JS decoding."""

import json
import pathlib
import shutil
import subprocess

import numpy as np
import pytest
import torch
import traitlets

from widgets.canvas_raster import CanvasRaster

JS = pathlib.Path(__file__).resolve().parents[2] / "widgets" / "canvas_raster.js"


def _spikes(t, n, p, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(t, n, generator=g) < p


def _record(widget):
    sent = []

    def send(data=None, metadata=None, buffers=None):
        sent.append((data, [bytes(b) for b in (buffers or [])]))

    widget.comm.send = send
    return sent


def test_bits_are_numpy_packbits_of_the_neuron_by_time_matrix(device):
    s = _spikes(37, 11, 0.3)
    w = CanvasRaster()
    w.set_spikes(s.float().to(device))
    assert (w.rows, w.cols) == (11, 37)
    assert w.bits == np.packbits(s.numpy().T).tobytes()
    assert len(w.bits) == -(-11 * 37 // 8)


def test_one_message_per_update_with_the_bits_and_the_rates_as_binary_buffers():
    w = CanvasRaster()
    sent = _record(w)
    s = _spikes(1000, 1000, 0.05)
    w.set_spikes(s)
    assert len(sent) == 1
    data, buffers = sent[0]
    assert data["method"] == "update" and data["state"]["rows"] == 1000 and data["state"]["cols"] == 1000
    assert sorted(len(b) for b in buffers) == [4000, 125_000]  # float32 rate of each row, the packed bits
    assert len(json.dumps(data)) < 1000


def test_long_and_tall_rasters_are_binned_by_any_spike():
    s = torch.zeros(5003, 7, dtype=torch.bool)
    s[4, 0] = s[5002, 6] = True
    w = CanvasRaster(max_cols=2000, max_rows=4)
    w.set_spikes(s)
    assert (w.t_factor, w.n_factor, w.cols, w.rows) == (3, 2, 1668, 4)
    grid = np.unpackbits(np.frombuffer(w.bits, dtype=np.uint8))[: 4 * 1668].reshape(4, 1668)
    assert np.argwhere(grid).tolist() == [[0, 1], [3, 1667]]


def test_numpy_input_empty_input_and_repr():
    w = CanvasRaster(np.eye(3, 2))
    assert repr(w) == "CanvasRaster(rows=2, cols=3, t_factor=1, n_factor=1)"
    w.set_spikes(np.zeros((0, 4)))
    assert (w.rows, w.cols, w.bits) == (4, 0, b"")


def test_bad_input_and_highlight():
    w = CanvasRaster()
    with pytest.raises(ValueError, match=r"CanvasRaster.set_spikes: spikes must be a 2-D \[T, N\] .* got shape \[4\]"):
        w.set_spikes(torch.zeros(4))
    with pytest.raises(TypeError, match="CanvasRaster.set_spikes: spikes must be a torch.Tensor or a numpy array"):
        w.set_spikes([[1, 0]])
    with pytest.raises(ValueError, match="CanvasRaster: max_cols must be an integer >= 1, got 0"):
        CanvasRaster(max_cols=0)
    w.highlight = [2, 5]
    with pytest.raises(traitlets.TraitError, match=r"highlight must be \[\] or \[start, stop\]"):
        w.highlight = [5, 2]


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node")
def test_javascript_decoder_draws_the_python_bits():
    s = _spikes(13, 5, 0.4, seed=3)
    w = CanvasRaster(s)
    script = f"""
    import {{ paintCells, setCells }} from {json.dumps(JS.as_uri())};
    const bytes = Uint8Array.from({json.dumps(list(w.bits))});
    const px = new Uint32Array({w.rows} * {w.cols});
    const cells = setCells(bytes, {w.rows}, {w.cols});
    paintCells(px, cells, {w.rows}, {w.cols}, 1, 0);
    const count = cells.length;
    console.log(JSON.stringify({{ px: Array.from(px), count }}));
    """
    out = subprocess.run(["node", "--input-type=module", "-e", script], capture_output=True, text=True, check=True)
    drawn = json.loads(out.stdout)
    pixels = np.array(drawn["px"]).reshape(5, 13)
    np.testing.assert_array_equal(pixels, s.numpy().T[::-1].astype(int))
    assert drawn["count"] == int(s.sum())


def test_rates_are_the_mean_rate_of_each_row_bin_and_the_window_offset_is_sent():
    s = _spikes(50, 7, 0.3, seed=2)
    w = CanvasRaster(max_rows=3)  # 7 neurons in bins of 3: rows of 3, 3 and 1 neurons
    w.set_spikes(s, t_offset=120, layers=[(0, "a"), (4, "b")])
    per_neuron = s.double().mean(dim=0)
    expected = [per_neuron[0:3].mean(), per_neuron[3:6].mean(), per_neuron[6:7].mean()]
    torch.testing.assert_close(
        torch.from_numpy(np.frombuffer(w.rates, dtype=np.float32).copy()).double(), torch.stack(expected)
    )
    assert (w.t_offset, w.n_steps, w.n_neurons, w.n_factor, w.layers) == (120, 50, 7, 3, [[0, "a"], [4, "b"]])
    w.set_spikes(s, rate_margin=False)
    assert w.rates == b"" and w.t_offset == 0 and w.layers == []
    with pytest.raises(ValueError, match="CanvasRaster.set_spikes: t_offset must be an integer >= 0, got -1"):
        w.set_spikes(s, t_offset=-1)


def test_spike_count_counts_the_drawn_cells():
    s = _spikes(40, 9, 0.2, seed=4)
    assert CanvasRaster(s).spike_count() == int(s.sum())
    assert CanvasRaster(torch.ones(4, 4), max_cols=2).spike_count() == 8  # 2 time bins x 4 neurons


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node")
def test_javascript_ticks_follow_the_python_rule_and_stay_few():
    from snnlab.viz.ticks import nice_ticks

    cases = [(0, 999, 10, True), (20, 49, 10, True), (0, 0.55, 3, False), (0, 1, 10, True), (0, 9999, 10, True)]
    script = f"""
    import {{ niceTicks }} from {json.dumps(JS.as_uri())};
    console.log(JSON.stringify({json.dumps(cases)}.map(([lo, hi, most, integer]) => niceTicks(lo, hi, most, integer))));
    """
    out = subprocess.run(["node", "--input-type=module", "-e", script], capture_output=True, text=True, check=True)
    got = json.loads(out.stdout)
    for (lo, hi, most, integer), ticks in zip(cases, got):
        assert ticks == nice_ticks(lo, hi, most, integer=integer), (lo, hi)
        assert 1 <= len(ticks) <= most


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node")
def test_javascript_ticks_sit_one_per_spike_inside_their_cells_and_stay_apart():
    s = _spikes(20, 6, 0.5, seed=5)
    s[3:6, 2] = 1  # three neighbouring spikes in one row: three ticks, not one block
    w = CanvasRaster(s)
    area = {"x": 50, "y": 20, "w": 400, "h": 300}
    script = f"""
    import {{ setCells, tickRects }} from {json.dumps(JS.as_uri())};
    const cells = setCells(Uint8Array.from({json.dumps(list(w.bits))}), {w.rows}, {w.cols});
    console.log(JSON.stringify(tickRects(cells, {w.rows}, {w.cols}, {json.dumps(area)})));
    """
    out = subprocess.run(["node", "--input-type=module", "-e", script], capture_output=True, text=True, check=True)
    rects = np.array(json.loads(out.stdout))
    t, n = np.nonzero(s.numpy())
    assert len(rects) == len(t)
    cell_w, row_h = 400 / 20, 300 / 6
    centres_x = rects[:, 0] + rects[:, 2] / 2
    centres_y = rects[:, 1] + rects[:, 3] / 2
    order = np.lexsort((t, n))  # the bits are row-major [neuron, time]
    np.testing.assert_allclose(centres_x, 50 + (t[order] + 0.5) * cell_w)
    np.testing.assert_allclose(centres_y, 20 + 300 - (n[order] + 0.5) * row_h)  # neuron 0 at the bottom
    assert (rects[:, 2] <= 2).all() and (rects[:, 2] < cell_w).all() and np.allclose(rects[:, 3], 0.8 * row_h)


def _bins_by_loop(s: torch.Tensor, ft: int, fn: int) -> tuple[np.ndarray, np.ndarray]:
    """(any, at least half) per bin of ft steps x fn neurons, [neuron bins, time bins], padded bins counting fn * ft."""
    steps, neurons = s.shape
    cols, rows = -(-steps // ft), -(-neurons // fn)
    any_, most = np.zeros((rows, cols), dtype=bool), np.zeros((rows, cols), dtype=bool)
    for r in range(rows):
        for c in range(cols):
            count = int(s[c * ft : (c + 1) * ft, r * fn : (r + 1) * fn].sum())
            any_[r, c], most[r, c] = count > 0, 2 * count >= ft * fn
    return any_, most


@pytest.mark.parametrize("shape, max_cols, max_rows", [((50, 7), 20, 3), ((9, 40), 100, 8), ((12, 12), 5, 100)])
def test_binned_rasters_send_any_spike_and_at_least_half_planes(shape, max_cols, max_rows):
    s = _spikes(*shape, 0.45, seed=7)
    w = CanvasRaster(s, max_cols=max_cols, max_rows=max_rows)
    any_, most = _bins_by_loop(s, w.t_factor, w.n_factor)
    assert (w.rows, w.cols) == any_.shape and (w.t_factor, w.n_factor) != (1, 1)
    bits = np.unpackbits(np.frombuffer(w.bits, dtype=np.uint8))[: w.rows * w.cols].reshape(any_.shape)
    dense = np.unpackbits(np.frombuffer(w.dense, dtype=np.uint8))[: w.rows * w.cols].reshape(any_.shape)
    np.testing.assert_array_equal(bits, any_)
    np.testing.assert_array_equal(dense, most)
    assert 0 < dense.sum() < bits.sum()  # both shades occur at this rate
    w.set_spikes(s[:4, :3])  # small enough again: one plane, no shading
    assert w.dense == b"" and (w.t_factor, w.n_factor) == (1, 1)


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node")
def test_javascript_paints_bins_with_few_spikes_light_and_busy_bins_dark():
    s = _spikes(40, 12, 0.45, seed=8)
    w = CanvasRaster(s, max_cols=10, max_rows=4)
    script = f"""
    import {{ blend, markCells, paintCells, pixelValue, setCells }} from {json.dumps(JS.as_uri())};
    const [rows, cols] = [{w.rows}, {w.cols}];
    const cells = setCells(Uint8Array.from({json.dumps(list(w.bits))}), rows, cols);
    const dense = setCells(Uint8Array.from({json.dumps(list(w.dense))}), rows, cols);
    const px = new Uint32Array(rows * cols);
    const light = blend([255, 255, 255, 255], [0, 0, 0, 255], 0.4);
    paintCells(px, cells, rows, cols, pixelValue(light), 0);
    markCells(px, dense, rows, cols, 1);
    console.log(JSON.stringify({{ px: Array.from(px), light: pixelValue(light), rgba: light }}));
    """
    out = subprocess.run(["node", "--input-type=module", "-e", script], capture_output=True, text=True, check=True)
    drawn = json.loads(out.stdout)
    assert drawn["rgba"] == [153, 153, 153, 255]
    any_, most = _bins_by_loop(s, w.t_factor, w.n_factor)
    expected = np.where(most, 1, np.where(any_, drawn["light"], 0))[::-1]  # row 0 (neuron 0) on the last line
    np.testing.assert_array_equal(np.array(drawn["px"]).reshape(w.rows, w.cols), expected)
