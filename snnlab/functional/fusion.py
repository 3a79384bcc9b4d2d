"""Folding a BatchNorm2d into the bias-free Conv2d before it (inference-time fusion).

With ``s = gamma / sqrt(running_var + eps)`` per output channel, ``bn(conv(x))`` in eval mode equals a
convolution with weight ``W * s`` and bias ``beta - running_mean * s``. The fusion always uses the running
statistics, so it matches the pair in eval mode only.

Shape:
    fused weight: the conv weight's shape ``[C_out, C_in / groups, kH, kW]``; fused bias: ``[C_out]``.

Example:
    >>> import torch
    >>> from snnlab.functional.fusion import fuse_convbn2d
    >>> conv, bn = torch.nn.Conv2d(2, 3, 3, bias=False), torch.nn.BatchNorm2d(3).eval()
    >>> fuse_convbn2d(conv, bn).bias.shape
    torch.Size([3])
"""

from typing import NamedTuple, cast

import torch
import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm

from ..checks import describe
from ..errors import InvalidParameterError

__all__ = [
    "fuse_convbn2d",
    "fused_conv2d_bias_of_convbn2d",
    "fused_conv2d_weight_of_convbn2d",
    "scale_fused_conv2d_bias_of_convbn2d",
    "scale_fused_conv2d_weight_of_convbn2d",
]


def _check_conv(owner: str, conv2d) -> None:
    if not isinstance(conv2d, nn.Conv2d):
        raise TypeError(f"{owner}: conv2d must be a torch.nn.Conv2d, got {describe(conv2d)}")
    if conv2d.bias is not None:
        raise InvalidParameterError(
            f"{owner}: conv2d must have no bias (create it with bias=False; the BatchNorm bias replaces it), "
            f"got a conv with a bias of shape {list(conv2d.bias.shape)}"
        )


class _BNParts(NamedTuple):
    """A checked BatchNorm's tensors (running statistics are None only when they were not needed)."""

    weight: torch.Tensor
    bias: torch.Tensor
    running_mean: torch.Tensor | None
    running_var: torch.Tensor | None


def _check_bn(owner: str, conv2d: nn.Conv2d, bn2d: object, *, need_running_stats: bool = True) -> _BNParts:
    if not isinstance(bn2d, _BatchNorm):
        raise TypeError(f"{owner}: bn2d must be a torch.nn.BatchNorm2d, got {describe(bn2d)}")
    if not bn2d.affine:
        raise ValueError(f"{owner}: bn2d must be affine (weight and bias), got a BatchNorm with affine=False")
    if need_running_stats and (bn2d.running_mean is None or bn2d.running_var is None):
        raise ValueError(f"{owner}: bn2d must track running statistics, got a BatchNorm with track_running_stats=False")
    if bn2d.num_features != conv2d.out_channels:
        raise ValueError(
            f"{owner}: bn2d.num_features must equal conv2d.out_channels={conv2d.out_channels}, got {bn2d.num_features}"
        )
    return _BNParts(bn2d.weight, bn2d.bias, bn2d.running_mean, bn2d.running_var)


def _running_stats(parts: _BNParts) -> tuple[torch.Tensor, torch.Tensor]:
    """The running mean and variance that ``_check_bn(..., need_running_stats=True)`` guaranteed."""
    mean, var = parts.running_mean, parts.running_var
    if mean is None or var is None:  # unreachable after the check; keeps the types exact
        raise ValueError("BatchNorm running statistics are missing")
    return mean, var


def _scaled(owner: str, name: str, t: torch.Tensor, k, b) -> torch.Tensor:
    """``k * t + b`` (either step skipped when ``None``) as a new tensor of ``t``'s shape."""
    out = t
    if k is not None:
        out = out * k
    if b is not None:
        out = out + b
    if out.shape != t.shape:
        raise ValueError(
            f"{owner}: k and b must broadcast to the shape {list(t.shape)} of {name}, "
            f"got a result of shape {list(out.shape)}"
        )
    return out


def _per_channel(t: torch.Tensor) -> torch.Tensor:
    return t.view(-1, 1, 1, 1)


def fused_conv2d_weight_of_convbn2d(conv2d: nn.Conv2d, bn2d: nn.BatchNorm2d) -> torch.Tensor:
    """The weight of the single convolution equivalent to ``bn2d(conv2d(x))`` in eval mode.

    Returns ``W * gamma / sqrt(running_var + eps)`` per output channel; it is differentiable with
    respect to the conv weight and ``gamma``. ``conv2d`` must have no bias.

    Shape:
        the conv weight's shape, ``[C_out, C_in / groups, kH, kW]``.

    Example:
        >>> import torch
        >>> from snnlab.functional import fused_conv2d_weight_of_convbn2d
        >>> conv, bn = torch.nn.Conv2d(1, 2, 1, bias=False), torch.nn.BatchNorm2d(2, eps=0.0)
        >>> with torch.no_grad():
        ...     _ = conv.weight.fill_(3.0); _ = bn.weight.copy_(torch.tensor([1.0, 2.0]))
        ...     _ = bn.running_var.fill_(4.0)
        >>> fused_conv2d_weight_of_convbn2d(conv, bn).flatten().tolist()
        [1.5, 3.0]
    """
    owner = "fused_conv2d_weight_of_convbn2d"
    _check_conv(owner, conv2d)
    parts = _check_bn(owner, conv2d, bn2d)
    _, var = _running_stats(parts)
    return conv2d.weight * _per_channel(parts.weight) / _per_channel((var + bn2d.eps).sqrt())


def fused_conv2d_bias_of_convbn2d(conv2d: nn.Conv2d, bn2d: nn.BatchNorm2d) -> torch.Tensor:
    """The bias of the single convolution equivalent to ``bn2d(conv2d(x))`` in eval mode.

    Returns ``beta - running_mean * gamma / sqrt(running_var + eps)``; differentiable with respect to
    ``gamma`` and ``beta``. ``conv2d`` must have no bias.

    Shape:
        ``[C_out]``.

    Example:
        >>> import torch
        >>> from snnlab.functional import fused_conv2d_bias_of_convbn2d
        >>> conv, bn = torch.nn.Conv2d(1, 2, 1, bias=False), torch.nn.BatchNorm2d(2, eps=0.0)
        >>> with torch.no_grad():
        ...     _ = bn.bias.fill_(1.0); _ = bn.running_mean.fill_(2.0); _ = bn.running_var.fill_(4.0)
        >>> fused_conv2d_bias_of_convbn2d(conv, bn).tolist()
        [0.0, 0.0]
    """
    owner = "fused_conv2d_bias_of_convbn2d"
    _check_conv(owner, conv2d)
    parts = _check_bn(owner, conv2d, bn2d)
    mean, var = _running_stats(parts)
    return parts.bias - mean * parts.weight / (var + bn2d.eps).sqrt()


@torch.no_grad()
def scale_fused_conv2d_weight_of_convbn2d(
    conv2d: nn.Conv2d,
    bn2d: nn.BatchNorm2d,
    k: float | torch.Tensor | None = None,
    b: float | torch.Tensor | None = None,
) -> None:
    """Transform the conv weight in place: ``W <- k * W + b`` (either step skipped when ``None``).

    Multiplying by ``k`` scales the fused weight by ``k``. Adding ``b`` acts on the conv weight, so the
    fused weight changes by ``b * gamma / sqrt(running_var + eps)``, not by ``b`` (SpikingJelly's
    behaviour, kept for compatibility). ``bn2d`` is not used. Returns ``None``.

    Shape:
        ``k``, ``b``: numbers or tensors broadcastable to the conv weight.

    Example:
        >>> import torch
        >>> from snnlab.functional import scale_fused_conv2d_weight_of_convbn2d
        >>> conv = torch.nn.Conv2d(1, 1, 1, bias=False)
        >>> with torch.no_grad():
        ...     _ = conv.weight.fill_(1.0)
        >>> scale_fused_conv2d_weight_of_convbn2d(conv, torch.nn.BatchNorm2d(1), k=2.0, b=0.5)
        >>> conv.weight.flatten().tolist()
        [2.5]
    """
    owner = "scale_fused_conv2d_weight_of_convbn2d"
    _check_conv(owner, conv2d)
    # computed out of place first, so a bad k or b leaves the conv untouched
    weight = _scaled(owner, "conv2d.weight", conv2d.weight, k, b)
    conv2d.weight.copy_(weight)


@torch.no_grad()
def scale_fused_conv2d_bias_of_convbn2d(
    conv2d: nn.Conv2d,
    bn2d: nn.BatchNorm2d,
    k: float | torch.Tensor | None = None,
    b: float | torch.Tensor | None = None,
) -> None:
    """Transform the fused bias in place: ``fused_bias <- k * fused_bias + b`` (each step skipped when ``None``).

    ``k`` multiplies the BatchNorm bias and running mean, ``b`` is added to the BatchNorm bias. Returns ``None``.

    Shape:
        ``k``, ``b``: numbers or tensors broadcastable to ``[C_out]``.

    Example:
        >>> import torch
        >>> from snnlab.functional import fused_conv2d_bias_of_convbn2d, scale_fused_conv2d_bias_of_convbn2d
        >>> conv, bn = torch.nn.Conv2d(1, 2, 1, bias=False), torch.nn.BatchNorm2d(2)
        >>> with torch.no_grad():
        ...     _ = bn.bias.fill_(1.0)
        >>> scale_fused_conv2d_bias_of_convbn2d(conv, bn, k=3.0, b=-1.0)
        >>> fused_conv2d_bias_of_convbn2d(conv, bn).tolist()
        [2.0, 2.0]
    """
    owner = "scale_fused_conv2d_bias_of_convbn2d"
    _check_conv(owner, conv2d)
    parts = _check_bn(owner, conv2d, bn2d, need_running_stats=k is not None)
    # computed out of place first, so a bad k or b leaves the BatchNorm untouched
    bias = _scaled(owner, "bn2d.bias", parts.bias, k, b)
    running_mean = _running_stats(parts)[0] if k is not None else None
    mean = _scaled(owner, "bn2d.running_mean", running_mean, k, None) if running_mean is not None else None
    parts.bias.copy_(bias)
    if running_mean is not None and mean is not None:
        running_mean.copy_(mean)


@torch.no_grad()
def fuse_convbn2d(conv2d: nn.Conv2d, bn2d: nn.BatchNorm2d) -> nn.Conv2d:
    """A new ``torch.nn.Conv2d`` (with bias) equal to ``bn2d(conv2d(x))`` in eval mode.

    Kernel size, stride, padding, dilation, groups and padding mode are copied; the weight and bias are
    the fused tensors (same dtype and device as the sources, no gradient history). The result is a plain
    ``torch.nn.Conv2d``: a step mode of ``conv2d`` is not carried over.

    Shape:
        the same input and output shapes as ``bn2d(conv2d(x))``.

    Example:
        >>> import torch
        >>> from snnlab.functional import fuse_convbn2d
        >>> conv, bn = torch.nn.Conv2d(3, 4, 3, padding=1, bias=False), torch.nn.BatchNorm2d(4)
        >>> _ = bn(conv(torch.randn(8, 3, 5, 5))); _ = bn.eval()   # non-trivial running stats
        >>> x = torch.randn(2, 3, 5, 5)
        >>> bool((fuse_convbn2d(conv, bn)(x) - bn(conv(x))).abs().max() < 1e-5)
        True
    """
    owner = "fuse_convbn2d"
    _check_conv(owner, conv2d)
    _check_bn(owner, conv2d, bn2d)
    fused = nn.Conv2d(
        in_channels=conv2d.in_channels,
        out_channels=conv2d.out_channels,
        kernel_size=cast("tuple[int, int]", conv2d.kernel_size),
        stride=cast("tuple[int, int]", conv2d.stride),
        padding=cast("tuple[int, int] | str", conv2d.padding),
        dilation=cast("tuple[int, int]", conv2d.dilation),
        groups=conv2d.groups,
        bias=True,
        padding_mode=conv2d.padding_mode,
    )
    fused.weight = nn.Parameter(fused_conv2d_weight_of_convbn2d(conv2d, bn2d))
    fused.bias = nn.Parameter(fused_conv2d_bias_of_convbn2d(conv2d, bn2d))
    return fused
