"""Dead and saturated neurons of each recorded layer.

A neuron is *dead* when its firing rate (spikes per time step, over all time steps and samples of
the record) is at most ``dead_rate``, and *saturated* when it is at least ``saturated_rate``.

Shape:
    ``{name: [T, N, *]}`` -> ``{name: LayerReport}``; indices are flat indices into ``[*]``.

Example:
    >>> import torch
    >>> from snnlab.analysis import neuron_report
    >>> neuron_report(torch.tensor([[[0., 1.]], [[0., 1.]]]))
    {'layer': LayerReport(name='layer', n_neurons=2, n_dead=1, n_saturated=1, mean_rate=0.5000)}
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

import torch

from ..checks import check_real
from ._records import as_records
from .rates import firing_rate

__all__ = ["LayerReport", "neuron_report"]


@dataclass(repr=False)
class LayerReport:
    """Summary of one layer's neurons.

    Attributes:
        name: the layer name (the key of the record).
        n_neurons: number of neurons, the product of the ``*`` dims of ``[T, N, *]``.
        n_dead: number of neurons whose rate is ``<= dead_rate``.
        n_saturated: number of neurons whose rate is ``>= saturated_rate``.
        dead_index: ``int64`` flat indices (into the flattened ``[*]``) of the dead neurons, ascending.
        saturated_index: ``int64`` flat indices of the saturated neurons, ascending.
        mean_rate: the layer's mean rate, spikes per neuron per time step (NaN for an empty layer).
        rates: per-neuron rates, flattened ``[n_neurons]`` (the values the thresholds were applied to).

    Shape:
        ``dead_index``: ``[n_dead]``; ``saturated_index``: ``[n_saturated]``; ``rates``: ``[n_neurons]``.

    Example:
        >>> import torch
        >>> r = LayerReport('fc', 3, 1, 0, torch.tensor([2]), torch.tensor([], dtype=torch.long), 0.25,
        ...                 torch.tensor([0.5, 0.25, 0.]))
        >>> r
        LayerReport(name='fc', n_neurons=3, n_dead=1, n_saturated=0, mean_rate=0.2500)
        >>> r.dead_index.tolist()
        [2]
    """

    name: str
    n_neurons: int
    n_dead: int
    n_saturated: int
    dead_index: torch.Tensor
    saturated_index: torch.Tensor
    mean_rate: float
    rates: torch.Tensor | None = field(default=None)

    def __repr__(self) -> str:
        return (
            f"LayerReport(name={self.name!r}, n_neurons={self.n_neurons}, n_dead={self.n_dead}, "
            f"n_saturated={self.n_saturated}, mean_rate={self.mean_rate:.4f})"
        )


def neuron_report(
    records: Mapping[str, torch.Tensor] | torch.Tensor, dead_rate: float = 0.0, saturated_rate: float = 1.0
) -> dict:
    """Find the dead and saturated neurons of every layer of ``records``.

    Rates are spikes per neuron per time step (:func:`snnlab.analysis.firing_rate` with
    ``per='neuron'``), so with binary spikes ``dead_rate=0.0`` means "never fired" and
    ``saturated_rate=1.0`` means "fired at every time step of every sample".

    Args:
        records: a dict ``{layer name: [T, N, *] tensor}`` (e.g. ``SpikeProbe.records()``), or one
            tensor, reported under the name ``'layer'``.
        dead_rate: rates ``<=`` this are dead.
        saturated_rate: rates ``>=`` this are saturated; must be greater than ``dead_rate``.

    Returns:
        ``{layer name: LayerReport}`` in the order of ``records``; index tensors stay on the
        record's device.

    Shape:
        ``{name: [T, N, *]}`` -> ``{name: LayerReport}``.

    Example:
        >>> import torch
        >>> spikes = torch.zeros(4, 2, 3)  # T=4, N=2, 3 neurons
        >>> spikes[:, :, 1] = 1.0          # neuron 1 fires at every step
        >>> spikes[0, 0, 2] = 1.0          # neuron 2 fires once in 8 steps
        >>> report = neuron_report({'sn1': spikes})['sn1']
        >>> report
        LayerReport(name='sn1', n_neurons=3, n_dead=1, n_saturated=1, mean_rate=0.3750)
        >>> report.dead_index.tolist(), report.saturated_index.tolist()
        ([0], [1])
        >>> neuron_report({'sn1': spikes}, dead_rate=0.2)['sn1'].dead_index.tolist()
        [0, 2]
    """
    dead_rate = check_real("neuron_report", "dead_rate", dead_rate)
    saturated_rate = check_real("neuron_report", "saturated_rate", saturated_rate)
    if not saturated_rate > dead_rate:
        raise ValueError(
            f"neuron_report: saturated_rate must be greater than dead_rate={dead_rate!r}, got {saturated_rate!r}"
        )
    records = as_records("neuron_report", records)
    reports = {}
    for name, seq in records.items():
        rates = firing_rate(seq, per="neuron").flatten()
        dead_index = torch.nonzero(rates <= dead_rate).flatten()
        saturated_index = torch.nonzero(rates >= saturated_rate).flatten()
        mean_rate = float(rates.mean()) if rates.numel() else float("nan")
        reports[name] = LayerReport(
            name,
            rates.numel(),
            dead_index.numel(),
            saturated_index.numel(),
            dead_index,
            saturated_index,
            mean_rate,
            rates,
        )
    return reports
