"""Weight initialisation for the convolution and linear layers of a network.

Shape:
    not applicable (modifies parameters in place).

Example:
    >>> import torch
    >>> from snnlab.functional.init import kaiming_normal_conv_linear_weight
    >>> kaiming_normal_conv_linear_weight(torch.nn.Sequential(torch.nn.Linear(4, 2)))
"""

import math

import torch.nn as nn

from ..checks import describe

__all__ = ["kaiming_normal_conv_linear_weight"]

_INITIALISED = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear)


def kaiming_normal_conv_linear_weight(net: nn.Module) -> None:
    """Re-draw the weights of every ``Conv1d/2d/3d`` and ``Linear`` in ``net`` from a Kaiming normal.

    Uses ``torch.nn.init.kaiming_normal_(weight, a=sqrt(5))`` (fan-in mode, leaky-ReLU gain
    ``sqrt(1/3)``), so the standard deviation is ``sqrt(1/3) / sqrt(fan_in)``. Subclasses (e.g.
    ``snnlab.layer.Linear``) are included; transposed convolutions and biases are left untouched. The
    global torch random generator is consumed module by module in ``net.modules()`` order, as in
    SpikingJelly, so seeded runs reproduce the same weights.

    Shape:
        not applicable (weights are overwritten in place, shapes unchanged).

    Example:
        >>> import torch
        >>> from snnlab.functional import kaiming_normal_conv_linear_weight
        >>> _ = torch.manual_seed(0)
        >>> net = torch.nn.Sequential(torch.nn.Linear(1000, 2000))
        >>> kaiming_normal_conv_linear_weight(net)
        >>> round(net[0].weight.std().item(), 3), round((1 / 3) ** 0.5 / 1000 ** 0.5, 3)
        (0.018, 0.018)
    """
    if not isinstance(net, nn.Module):
        raise TypeError(f"kaiming_normal_conv_linear_weight: net must be a torch.nn.Module, got {describe(net)}")
    for m in net.modules():
        if isinstance(m, _INITIALISED):
            nn.init.kaiming_normal_(m.weight, a=math.sqrt(5))
