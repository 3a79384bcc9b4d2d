"""Bounded recording of chosen layers' spikes (and membrane potentials) for visual debugging.

See :class:`SpikeProbe`.

Shape:
    ``SpikeProbe.spikes(name)``, ``SpikeProbe.v(name)``: ``[T, N, *]``.

Example:
    >>> import torch
    >>> from snnlab import neuron
    >>> from snnlab.probe import SpikeProbe
    >>> node = neuron.IFNode()
    >>> with SpikeProbe(node) as probe:
    ...     _ = node(torch.tensor([[1.0, 0.2]]))
    >>> probe.spikes('').tolist()
    [[[True, False]]]
"""

from .spike_probe import SpikeProbe

__all__ = ["SpikeProbe"]
