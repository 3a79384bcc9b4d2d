"""Synaptic operations (SOPs): how many weight accumulations the recorded spikes caused.

Every spike that arrives at a weighted layer costs one addition per synapse it drives, so

    SOPs(layer) = (number of spikes arriving at the layer) x fan_out(layer),

summed over all time steps and samples of the record. The fan-out (:func:`synaptic_fan_out`) is

- ``nn.Linear``: ``out_features`` (exact: each input drives every output);
- ``nn.Conv1d/2d/3d``: ``(out_channels / groups) * prod(kernel_size) / prod(stride)``. An input
  element feeds ``out_channels / groups`` output channels, and in each spatial dimension it falls
  inside ``kernel_size / stride`` output windows *on average* over its position (exactly
  ``kernel_size`` when ``stride == 1``), whatever the dilation. Windows cut by the border (zero
  padding) are ignored, so the value is exact for inputs away from the border, or with circular
  padding and sizes divisible by the stride, and slightly overestimates otherwise.

Shape:
    ``records``: ``{name: [T, N, *]}`` -> ``{weighted layer name: []}`` (float64).

Example:
    >>> import torch
    >>> from snnlab.analysis import synaptic_fan_out
    >>> synaptic_fan_out(torch.nn.Conv2d(2, 8, kernel_size=3, stride=2))
    18.0
"""

import math
from collections.abc import Mapping

import torch
import torch.nn as nn

from ..checks import describe
from ._records import as_records

__all__ = ["WEIGHTED_LAYERS", "synaptic_fan_out", "synaptic_operations"]

WEIGHTED_LAYERS = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)


def synaptic_fan_out(module: nn.Module) -> float:
    """Average number of synapses driven by one input element of ``module`` (see the module docs).

    Shape:
        not applicable (a module in, a float out).

    Example:
        >>> import torch
        >>> synaptic_fan_out(torch.nn.Linear(4, 10))
        10.0
        >>> synaptic_fan_out(torch.nn.Conv2d(4, 6, kernel_size=(3, 5), groups=2))
        45.0
    """
    if isinstance(module, nn.Linear):
        return float(module.out_features)
    if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
        return module.out_channels / module.groups * math.prod(module.kernel_size) / math.prod(module.stride)
    raise TypeError(
        f"synaptic_fan_out: module must be one of nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d, got {describe(module)}"
    )


def _is_inside(name: str, ancestor: str) -> bool:
    return ancestor == "" or name == ancestor or name.startswith(ancestor + ".")


def _infer_connections(net: nn.Module, weighted: dict, records: dict) -> dict:
    """Feed each weighted layer with the nearest earlier record in registration order."""
    connections, last = {}, None
    for name, _ in net.named_modules():
        if name in weighted and last is not None and not _is_inside(name, last):
            connections[name] = last
        if name in records:
            last = name
    return connections


def _check_fits(
    name: str, module: nn.Linear | nn.Conv1d | nn.Conv2d | nn.Conv3d, source: str, seq: torch.Tensor
) -> None:
    per_step = seq.shape[2:]
    if isinstance(module, nn.Linear):
        ok = (len(per_step) > 0 and per_step[-1] == module.in_features) or math.prod(per_step) == module.in_features
        expected = f"{module.in_features} features"
    else:
        ok = len(per_step) == module.weight.dim() - 1 and per_step[0] == module.in_channels
        expected = f"[T, N, {module.in_channels}, ...] with {module.weight.dim() - 2} spatial dims"
    if not ok:
        raise ValueError(
            f"synaptic_operations: spikes of {source!r} cannot feed layer {name!r}: "
            f"it expects {expected}, got shape {list(seq.shape)}"
        )


def synaptic_operations(
    net: nn.Module,
    records: Mapping[str, torch.Tensor] | torch.Tensor,
    connections: Mapping[str, str] | None = None,
) -> dict:
    """SOPs of every weighted layer of ``net`` that receives recorded spikes.

    ``records[source]`` holds the spikes that feed a weighted layer (``nn.Linear`` or
    ``nn.Conv1d/2d/3d``, snnlab's layers included). Which record feeds which layer is given by
    ``connections`` (``{weighted layer name: record name}``). Without it, each weighted layer is
    fed by the nearest record registered before it in ``net.named_modules()`` that is not one of
    its containers: right for feed-forward stacks (``Sequential``), where the first weighted layer,
    fed by the input rather than by spikes, is left out. Pass ``connections`` for anything else.

    Args:
        net: the network whose modules are named in ``records`` and ``connections``.
        records: ``{name: [T, N, *] tensor}`` as given by ``SpikeProbe.records()``.
        connections: optional ``{weighted layer name: record name}``.

    Returns:
        ``{weighted layer name: 0-d float64 tensor}``, the SOPs summed over all time steps and
        samples (divide by ``N`` for a per-sample figure), on the record's device.

    Shape:
        ``{name: [T, N, *]}`` -> ``{weighted layer name: []}``.

    Example:
        >>> import torch
        >>> net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
        >>> spikes = torch.tensor([[[1., 0., 1., 0.]], [[0., 0., 1., 0.]]])  # [T=2, N=1, 4]: 3 spikes
        >>> synaptic_operations(net, {'1': spikes})  # 3 spikes x 2 outputs
        {'2': tensor(6., dtype=torch.float64)}
    """
    if not isinstance(net, nn.Module):
        raise TypeError(f"synaptic_operations: net must be a torch.nn.Module, got {describe(net)}")
    records = as_records("synaptic_operations", records)
    modules = dict(net.named_modules())
    weighted = {name: m for name, m in modules.items() if isinstance(m, WEIGHTED_LAYERS)}
    if connections is None:
        connections = _infer_connections(net, weighted, records)
    elif not isinstance(connections, dict):
        raise TypeError(
            f"synaptic_operations: connections must be a dict of weighted layer name -> record "
            f"name, got {describe(connections)}"
        )
    for layer, source in connections.items():
        if layer not in weighted:
            raise ValueError(
                f"synaptic_operations: connections key must name a weighted layer of net "
                f"(one of {sorted(weighted)}), got {describe(layer)}"
            )
        if source not in records:
            raise ValueError(
                f"synaptic_operations: connections[{layer!r}] must name a record "
                f"(one of {sorted(records)}), got {describe(source)}"
            )
        _check_fits(layer, weighted[layer], source, records[source])
    out = {}
    for layer, source in connections.items():
        count = torch.count_nonzero(records[source].detach()).to(torch.float64)
        out[layer] = count * synaptic_fan_out(weighted[layer])
    return out
