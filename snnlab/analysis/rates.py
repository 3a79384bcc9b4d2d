"""Firing rates, first-spike times and spike counts of recorded spike sequences.

Spike sequences are laid out ``[T, N, *]`` (time, batch, then the neurons of the layer). Every
function runs on the tensor's device and never tracks gradients.

Shape:
    ``firing_rate``: ``[T, N, *]`` -> ``[*]`` / ``[T]`` / ``[N]`` / ``[]`` by ``per``.
    ``first_spike_times``: ``[T, N, *]`` -> ``[N, *]``. ``spike_counts``: ``{name: [T, N, *]}`` -> ``{name: []}``.

Example:
    >>> import torch
    >>> from snnlab.analysis import firing_rate
    >>> firing_rate(torch.tensor([[[1., 0.]], [[1., 1.]]]), per='neuron').tolist()
    [1.0, 0.5]
"""

from collections.abc import Mapping

import torch

from ..checks import check_choice, check_int
from ._records import as_records, check_spike_seq

__all__ = ["RATE_AXES", "firing_rate", "first_spike_times", "spike_counts"]

# Which dimensions of [T, N, *] are averaged for each normalisation ("neurons" = the dims after N).
RATE_AXES = ("neuron", "step", "sample", "layer")


def _reduced_dims(per: str, ndim: int) -> tuple:
    neurons = tuple(range(2, ndim))
    return {
        "neuron": (0, 1),
        "step": (1,) + neurons,
        "sample": (0,) + neurons,
        "layer": tuple(range(ndim)),
    }[per]


def _mean(spike_seq: torch.Tensor, dims: tuple) -> torch.Tensor:
    count = 1
    for d in dims:
        count *= spike_seq.shape[d]
    if spike_seq.dtype.is_floating_point:
        return spike_seq.mean(dim=dims)
    out_dtype = torch.get_default_dtype()
    if spike_seq.dtype == torch.bool:  # count without building a float copy of the record
        total = torch.count_nonzero(spike_seq, dim=dims)
    else:
        total = spike_seq.sum(dim=dims, dtype=torch.float64)
    return total.to(out_dtype) / count


def firing_rate(spike_seq: torch.Tensor, per: str = "neuron") -> torch.Tensor:
    """Mean number of spikes per neuron per time step, averaged over the axes ``per`` does not keep.

    The normalisation is always *spikes per neuron per time step*: a binary spike sequence gives
    rates in ``[0, 1]`` (1 = a spike at every step). ``per`` chooses what is kept:

    - ``'neuron'``: one rate per neuron, averaged over time and samples -> ``[*]``;
    - ``'step'``: one rate per time step, averaged over samples and neurons -> ``[T]``;
    - ``'sample'``: one rate per sample, averaged over time and neurons -> ``[N]``;
    - ``'layer'``: one rate for the whole layer -> a 0-d tensor.

    Graded (non-binary) outputs are averaged as values. Float inputs keep their dtype; bool and
    integer inputs give the default float dtype. A dict of layers gives a dict of rates.

    Args:
        spike_seq: a ``[T, N, *]`` tensor, or a dict ``{layer name: [T, N, *] tensor}``.
        per: ``'neuron'``, ``'step'``, ``'sample'`` or ``'layer'``.

    Shape:
        ``[T, N, *]`` -> ``[*]`` (neuron), ``[T]`` (step), ``[N]`` (sample), ``[]`` (layer).

    Example:
        >>> import torch
        >>> s = torch.tensor([[[1, 0, 0], [1, 1, 0]], [[1, 0, 0], [0, 1, 0]]], dtype=torch.bool)  # T=2, N=2
        >>> firing_rate(s).tolist()
        [0.75, 0.5, 0.0]
        >>> firing_rate(s, per='step'), firing_rate(s, per='sample')
        (tensor([0.5000, 0.3333]), tensor([0.3333, 0.5000]))
        >>> firing_rate(s, per='layer')
        tensor(0.4167)
        >>> firing_rate({'sn1': s}, per='layer')
        {'sn1': tensor(0.4167)}
    """
    check_choice("firing_rate", "per", per, RATE_AXES)
    if not isinstance(spike_seq, torch.Tensor):
        return {name: firing_rate(seq, per) for name, seq in as_records("firing_rate", spike_seq).items()}
    check_spike_seq("firing_rate", "spike_seq", spike_seq)
    if spike_seq.shape[0] == 0 or spike_seq.shape[1] == 0:
        raise ValueError(
            f"firing_rate: spike_seq must hold at least one time step and one sample, got shape "
            f"{list(spike_seq.shape)} (a rate over nothing is undefined)"
        )
    with torch.no_grad():
        return _mean(spike_seq.detach(), _reduced_dims(per, spike_seq.dim()))


def first_spike_times(spike_seq: torch.Tensor, never: int = -1) -> torch.Tensor:
    """Time index of the first spike of every neuron of every sample; ``never`` where none fired.

    A spike is any nonzero entry (``snnlab.functional.first_spike_index`` semantics).

    Args:
        spike_seq: a ``[T, N, *]`` tensor (bool, integer or float; at least one time step).
        never: the value given to neurons that never fired (e.g. ``-1`` or ``T``).

    Returns:
        an ``int64`` tensor on ``spike_seq``'s device.

    Shape:
        ``[T, N, *]`` -> ``[N, *]``.

    Example:
        >>> import torch
        >>> s = torch.tensor([[[0., 1., 0.]], [[1., 1., 0.]], [[1., 0., 0.]]])  # T=3, N=1, 3 neurons
        >>> first_spike_times(s).tolist()
        [[1, 0, -1]]
        >>> first_spike_times(s, never=3).tolist()
        [[1, 0, 3]]
    """
    check_spike_seq("first_spike_times", "spike_seq", spike_seq)
    never = check_int("first_spike_times", "never", never)
    if spike_seq.shape[0] == 0:
        raise ValueError(
            f"first_spike_times: spike_seq must have at least one time step, got shape {list(spike_seq.shape)}"
        )
    with torch.no_grad():
        # one pass over time: on the 0/1 "spiked" bytes, torch.max returns the first maximal index (the
        # first spike), and the maximum itself says whether the neuron fired at all (3x faster at 10^4
        # neurons x 1000 steps than marking the first spike with first_spike_index, then finding it)
        fired, index = (spike_seq.detach() != 0).view(torch.uint8).max(dim=0)
        return torch.where(fired.bool(), index, torch.full_like(index, never))


def spike_counts(records: Mapping[str, torch.Tensor] | torch.Tensor) -> dict:
    """Number of spikes (nonzero entries) of each layer, over all time steps and samples.

    Args:
        records: a dict ``{layer name: [T, N, *] tensor}`` (e.g. ``SpikeProbe.records()``), or one
            tensor, reported under the name ``'layer'``.

    Returns:
        ``{layer name: 0-d int64 tensor}`` on each record's device.

    Shape:
        ``{name: [T, N, *]}`` -> ``{name: []}``.

    Example:
        >>> import torch
        >>> spike_counts({'sn1': torch.tensor([[[1., 0.]], [[1., 1.]]]), 'sn2': torch.zeros(4, 2, 3)})
        {'sn1': tensor(3), 'sn2': tensor(0)}
    """
    records = as_records("spike_counts", records)
    return {name: torch.count_nonzero(seq.detach()) for name, seq in records.items()}
