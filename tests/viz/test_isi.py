"""isi_histogram: intervals against a hand loop, whole-step bins, the summary, both forms, the empty case."""

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from snnlab.viz import _series
from snnlab.viz import mpl as vm
from snnlab.viz import plotly as vp


def _hand_intervals(spikes):
    out = []
    for n in range(spikes.shape[1]):
        last = None
        for t in range(spikes.shape[0]):
            if spikes[t, n]:
                if last is not None:
                    out.append(t - last)
                last = t
    return sorted(out)


def test_intervals_match_a_hand_loop_and_bins_hold_whole_steps():
    spikes = torch.rand(300, 40, generator=torch.Generator().manual_seed(0)) < 0.08
    isi = _series.inter_spike_intervals(spikes, 20, "isi_histogram")
    ref = _hand_intervals(spikes)
    assert sorted(isi.intervals.tolist()) == ref
    width = isi.edges[1] - isi.edges[0]
    assert float(width).is_integer() and np.allclose(np.diff(isi.edges), width) and isi.edges[0] == 0.5
    assert isi.counts.size <= 20 and int(isi.counts.sum()) == len(ref)  # every interval lands in a bin
    mean, cv = np.mean(ref), np.std(ref) / np.mean(ref)
    assert isi.title == f"{len(ref)} intervals, mean {mean:.3g} steps, CV {cv:.2g}"


def test_both_forms_draw_the_same_bars():
    spikes = torch.rand(200, 10, generator=torch.Generator().manual_seed(1)) < 0.2
    bars = vm.isi_histogram(Figure().subplots(), spikes, bins=8)
    fig = vp.isi_histogram(spikes, bins=8)
    heights = [int(b.get_height()) for b in bars]
    assert heights == vp.trace(fig, "intervals").y.tolist()
    assert [b.get_x() + b.get_width() / 2 for b in bars] == pytest.approx(vp.trace(fig, "intervals").x.tolist())
    assert bars[0].axes.get_title() == fig.layout.title.text


def test_no_neuron_spiking_twice_says_so():
    ax = Figure().subplots()
    bars = vm.isi_histogram(ax, torch.eye(5))
    assert ax.get_title() == "no neuron spiked twice" and [b.get_height() for b in bars] == [0.0]
    assert vp.isi_histogram(torch.zeros(0, 3)).layout.title.text == "no neuron spiked twice"


def test_bad_arguments_name_the_argument():
    with pytest.raises(
        ValueError, match=r"isi_histogram: spikes must be \[T, N\] \(time x neuron\) or \[T\], got shape \[2, 2, 2\]"
    ):
        vp.isi_histogram(torch.zeros(2, 2, 2))
    with pytest.raises(ValueError, match=r"isi_histogram: bins must be an int >= 1, got 0"):
        vm.isi_histogram(Figure().subplots(), torch.zeros(4, 2), bins=0)
