"""Shared data reduction of the figures: conversion, stacking, path choice, binning, histograms."""

import numpy as np
import pytest
import torch

from snnlab.viz import _series
from snnlab.viz import data as viz_data


def test_spike_matrix_is_bool_on_cpu(device):
    x = torch.tensor([[0.0, 2.0], [1.0, 0.0]], device=device)
    m = viz_data.spike_matrix(x, "raster")
    assert m.dtype == np.bool_ and m.tolist() == [[False, True], [True, False]]


def test_spike_matrix_rejects_other_ranks_and_types():
    with pytest.raises(ValueError, match=r"raster: spikes must be a 2-D \[T, N\] .* got shape \[2, 3, 4\]"):
        viz_data.spike_matrix(torch.zeros(2, 3, 4), "raster")
    with pytest.raises(ValueError, match=r"got shape \[3\]"):
        viz_data.spike_matrix(np.zeros(3), "raster")
    with pytest.raises(TypeError, match="raster: spikes must be a torch.Tensor, a numpy array .* got 'abc' \\(str\\)"):
        viz_data.spike_matrix("abc", "raster")


def test_stack_layers_dict_list_and_errors():
    s = viz_data.stack_layers([np.eye(3), np.ones((3, 1))], ["a", "b"], "raster")
    assert s.matrix.shape == (3, 4) and s.names == ("a", "b") and s.offsets == (0, 3)
    np.testing.assert_array_equal(s.matrix[:, 3], [True] * 3)
    assert viz_data.stack_layers([np.eye(2)], None, "raster").names == ("layer 0",)
    with pytest.raises(ValueError, match=r"same number of time steps T, got a: \[3, 3\], b: \[4, 1\]"):
        viz_data.stack_layers({"a": np.eye(3), "b": np.ones((4, 1))}, None, "raster")
    with pytest.raises(ValueError, match="layer_names must be None when spikes is a dict"):
        viz_data.stack_layers({"a": np.eye(3)}, ["x"], "raster")
    with pytest.raises(ValueError, match=r"one name per layer \(2\), got 1 names"):
        viz_data.stack_layers([np.eye(3), np.eye(3)], ["x"], "raster")


def test_raster_path_threshold_is_inclusive():
    assert viz_data.raster_path(5000, 5000) == "marker"
    assert viz_data.raster_path(5001, 5000) == "image"


def test_raster_image_binning_matches_a_loop():
    rng = np.random.default_rng(0)
    m = rng.random((23, 7)) < 0.3
    img = viz_data.raster_image(m, max_rows=3, max_cols=5)
    ft, fn = img.t_factor, img.n_factor
    assert (ft, fn) == (5, 3) and img.values.shape == (3, 5)
    for r in range(3):
        for c in range(5):
            expected = m[c * ft : (c + 1) * ft, r * fn : (r + 1) * fn].sum() / (ft * fn)
            assert img.values[r, c] == pytest.approx(expected)
    assert img.extent == (-0.5, 24.5, -0.5, 8.5)
    exact = viz_data.raster_image(m)
    np.testing.assert_array_equal(exact.values, m.T.astype(np.float32))


def test_bin_counts_match_a_loop_with_padded_last_bins(device):
    g = torch.Generator().manual_seed(0)
    bits = (torch.rand(11, 7, generator=g) < 0.4).to(device)
    out = viz_data.bin_counts(bits, 3, 2)  # 11 steps in bins of 3, 7 neurons in bins of 2: the last bins are short
    expected = torch.tensor(
        [[int(bits[c * 3 : (c + 1) * 3, r * 2 : (r + 1) * 2].sum()) for r in range(4)] for c in range(4)],
        dtype=torch.int32,
    )
    assert out.device == bits.device
    torch.testing.assert_close(out.cpu(), expected, rtol=0, atol=0)
    torch.testing.assert_close(viz_data.bin_counts(bits, 1, 1).cpu(), bits.cpu().to(torch.int32), rtol=0, atol=0)


@pytest.mark.parametrize("shape,t_factor,n_factor", [((600, 4), 300, 2), ((400, 100), 400, 100), ((10, 40), 1, 8)])
def test_bin_counts_hold_full_bins_and_leave_the_input_alone(shape, t_factor, n_factor):
    # 600 and 40000 spikes per bin overflow the 8- and 16-bit sums; the third case bins neurons only
    bits = torch.ones(shape, dtype=torch.bool)
    bits[0, 0] = False
    before = bits.clone()
    out = viz_data.bin_counts(bits, t_factor, n_factor)
    expected = bits.to(torch.int64).reshape(shape[0] // t_factor, t_factor, shape[1] // n_factor, n_factor)
    expected = expected.sum(dim=(1, 3)).to(torch.int32)
    assert out.dtype == torch.int32
    torch.testing.assert_close(out, expected, rtol=0, atol=0)
    assert torch.equal(bits, before)


def test_firing_rates_and_histogram():
    m = np.array([[1, 0, 0], [1, 1, 0]], dtype=bool)
    np.testing.assert_allclose(viz_data.firing_rates(m), [1.0, 0.5, 0.0])
    assert viz_data.firing_rates(np.zeros((0, 3), dtype=bool)).tolist() == [0.0, 0.0, 0.0]
    counts, edges = _series.histogram(np.array([0.0, 0.25, 0.5, 1.0, np.nan]), 4, None, "h")
    assert counts.tolist() == [1, 1, 1, 1] and edges.tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    counts, edges = _series.histogram(torch.tensor([2.0, 4.0]), 2, None, "h")
    assert counts.tolist() == [1, 1] and edges.tolist() == [2.0, 3.0, 4.0]
    with pytest.raises(ValueError, match=r"h: range must be \(low, high\) with high > low"):
        _series.histogram([0.1], 2, (1.0, 1.0), "h")


def test_membrane_arrays_and_first_spike_array_checks():
    v, t = _series.membrane_arrays(torch.tensor([[0.1], [1.2]]), torch.tensor([[0.0], [1.0]]), "m")
    assert v.tolist() == pytest.approx([0.1, 1.2]) and t.tolist() == [1]
    with pytest.raises(ValueError, match=r"m: v must be \[T\] .* got shape \[2, 3\]"):
        _series.membrane_arrays(torch.zeros(2, 3), None, "m")
    with pytest.raises(ValueError, match=r"m: spikes must have the shape of v \[2\], got \[3\]"):
        _series.membrane_arrays(torch.zeros(2), torch.zeros(3), "m")
    with pytest.raises(ValueError, match=r"f: times must be \[N\] .* got shape \[2, 3, 4\]"):
        _series.first_spike_array(torch.zeros(2, 3, 4), "f")


def test_marker_max_checks():
    with pytest.raises(TypeError, match="raster: marker_max must be an integer >= 0, got 1.5"):
        viz_data.check_marker_max("raster", 1.5)
    with pytest.raises(ValueError, match="raster: marker_max must be an integer >= 0, got -1"):
        viz_data.check_marker_max("raster", -1)
