"""What figures need but is not drawing: rates, first-spike times, similarity, neuron health, SOPs, h[t].

Everything takes recorded spikes laid out ``[T, N, *]`` (time, batch, neurons), usually a
``SpikeProbe.records()`` dict ``{layer name: tensor}``, computes on the tensors' device and never
tracks gradients (``diagnose`` runs a network and one backward pass: it says what is wrong with it, in
words with numbers). Only torch is imported.

Shape:
    see each function.

Example:
    >>> import torch
    >>> from snnlab import analysis
    >>> spikes = torch.tensor([[[1., 0.]], [[1., 0.]]])  # T=2, N=1, 2 neurons
    >>> analysis.firing_rate(spikes).tolist(), analysis.first_spike_times(spikes).tolist()
    ([1.0, 0.0], [[0, -1]])
"""

from .diagnosis import Diagnosis, Finding, LayerStats, diagnose
from .membrane import charged_potential
from .rates import RATE_AXES, firing_rate, first_spike_times, spike_counts
from .report import LayerReport, neuron_report
from .similarity import SimilarityResult, similarity_matrices
from .sops import WEIGHTED_LAYERS, synaptic_fan_out, synaptic_operations

__all__ = [
    "RATE_AXES",
    "WEIGHTED_LAYERS",
    "Diagnosis",
    "Finding",
    "LayerReport",
    "LayerStats",
    "SimilarityResult",
    "charged_potential",
    "diagnose",
    "firing_rate",
    "first_spike_times",
    "neuron_report",
    "similarity_matrices",
    "spike_counts",
    "synaptic_fan_out",
    "synaptic_operations",
]
