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

DEVICES = ["cpu", pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA"))]
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


@pytest.mark.parametrize("device", DEVICES)
def test_bits_are_numpy_packbits_of_the_neuron_by_time_matrix(device):
    s = _spikes(37, 11, 0.3)
    w = CanvasRaster()
    w.set_spikes(s.float().to(device))
    assert (w.rows, w.cols) == (11, 37)
    assert w.bits == np.packbits(s.numpy().T).tobytes()
    assert len(w.bits) == -(-11 * 37 // 8)


def test_one_message_per_update_with_one_binary_buffer():
    w = CanvasRaster()
    sent = _record(w)
    s = _spikes(1000, 1000, 0.05)
    w.set_spikes(s)
    assert len(sent) == 1
    data, buffers = sent[0]
    assert data["method"] == "update" and data["state"]["rows"] == 1000 and data["state"]["cols"] == 1000
    assert [len(b) for b in buffers] == [125_000]
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
    import {{ decodeInto }} from {json.dumps(JS.as_uri())};
    const bytes = Uint8Array.from({json.dumps(list(w.bits))});
    const px = decodeInto(new Uint32Array({w.rows} * {w.cols}), bytes, {w.rows}, {w.cols}, 1, 0);
    console.log(JSON.stringify(Array.from(px)));
    """
    out = subprocess.run(["node", "--input-type=module", "-e", script], capture_output=True, text=True, check=True)
    pixels = np.array(json.loads(out.stdout)).reshape(5, 13)
    np.testing.assert_array_equal(pixels, s.numpy().T[::-1].astype(int))
