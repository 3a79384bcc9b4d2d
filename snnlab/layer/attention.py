"""Attention over time (and channels and space) for multi-step spiking networks.

- ``TemporalWiseAttention(T, reduction, dimension)`` (TA-SNN, Yao et al. 2021): one score in ``(0, 1)`` per
  time step and sample, from a shared two-layer MLP on the average- and max-pooled activity of each step;
  the input of step ``t`` is scaled by its score.
- ``MultiDimensionalAttention(T, C, ...)`` (MA-SNN, Yao et al. 2023): time, then channel, then spatial
  attention, each a sigmoid gate multiplied into the input, followed by a ReLU.

Both are multi-step only.

Shape:
    ``TemporalWiseAttention``: ``[T, N, M]`` (``dimension=2``) or ``[T, N, C, H, W]`` (``dimension=4``) -> same;
    ``MultiDimensionalAttention``: ``[T, N, C, H, W]`` -> same.

Example:
    >>> import torch
    >>> from snnlab.layer import TemporalWiseAttention
    >>> ta = TemporalWiseAttention(T=8, reduction=4, dimension=2)
    >>> ta(torch.rand(8, 2, 5)).shape
    torch.Size([8, 2, 5])
"""

import torch
import torch.nn as nn

from ..base import MultiStepModule
from ..checks import check_int
from ..errors import InvalidParameterError

__all__ = ["MultiDimensionalAttention", "TemporalWiseAttention"]


def _shared_mlp(conv: bool, planes: int, hidden: int) -> nn.Sequential:
    if conv:
        return nn.Sequential(
            nn.Conv3d(planes, hidden, 1, bias=False), nn.ReLU(), nn.Conv3d(hidden, planes, 1, bias=False)
        )
    return nn.Sequential(nn.Linear(planes, hidden, bias=False), nn.ReLU(), nn.Linear(hidden, planes, bias=False))


def _check_reduction(owner: str, size_name: str, size: int, red_name: str, reduction: int) -> tuple:
    size = check_int(owner, size_name, size, minimum=1)
    reduction = check_int(owner, red_name, reduction, minimum=1)
    if size < reduction:
        raise InvalidParameterError(f"{owner}: {red_name} must be <= {size_name} = {size}, got {reduction}")
    return size, reduction


def _check_rank(owner: str, x: torch.Tensor, rank: int, text: str) -> None:
    if not isinstance(x, torch.Tensor) or x.dim() != rank:
        got = list(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise ValueError(f"{owner}: x_seq must have shape {text}, got {got}")


class TemporalWiseAttention(nn.Module, MultiStepModule):
    """Scale each time step of each sample by a learnt score ``sigmoid(MLP(avg) + MLP(max))``.

    The MLP is ``Linear(T, T // reduction) -> ReLU -> Linear(T // reduction, T)`` without biases;
    ``avg`` and ``max`` pool each step over every non-batch dimension.

    Shape:
        ``dimension=2``: ``[T, N, M]`` -> same; ``dimension=4``: ``[T, N, C, H, W]`` -> same.

    Example:
        >>> import torch
        >>> ta = TemporalWiseAttention(T=4, reduction=2, dimension=4)
        >>> ta(torch.rand(4, 3, 2, 5, 5)).shape
        torch.Size([4, 3, 2, 5, 5])
    """

    def __init__(self, T: int, reduction: int = 16, dimension: int = 4) -> None:
        super().__init__()
        T, reduction = _check_reduction("TemporalWiseAttention", "T", T, "reduction", reduction)
        if dimension not in (2, 4) or isinstance(dimension, bool):
            raise InvalidParameterError(f"TemporalWiseAttention: dimension must be 2 or 4, got {dimension!r}")
        self.step_mode = "m"
        self.dimension = dimension
        if dimension == 2:
            self.avg_pool, self.max_pool = nn.AdaptiveAvgPool1d(1), nn.AdaptiveMaxPool1d(1)
        else:
            self.avg_pool, self.max_pool = nn.AdaptiveAvgPool3d(1), nn.AdaptiveMaxPool3d(1)
        self.sharedMLP = _shared_mlp(False, T, T // reduction)
        self.sigmoid = nn.Sigmoid()

    def forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        rank, text = (3, "[T, N, M]") if self.dimension == 2 else (5, "[T, N, C, H, W]")
        _check_rank("TemporalWiseAttention", x_seq, rank, f"{text} (dimension={self.dimension})")
        x = x_seq.transpose(0, 1)  # [N, T, ...]: time as channels
        n, t = x.shape[:2]
        avg = self.sharedMLP(self.avg_pool(x).view(n, t))
        mx = self.sharedMLP(self.max_pool(x).view(n, t))
        scores = self.sigmoid(avg + mx).view((n, t) + (1,) * (x.dim() - 2))
        return (x * scores).transpose(0, 1)


class _PooledGate(nn.Module):
    """``sigmoid(MLP(avg) + MLP(max))`` over the channels of a ``[N, P, A, B, C]`` input (P = planes)."""

    def __init__(self, planes: int, ratio: int) -> None:
        super().__init__()
        self.avg_pool, self.max_pool = nn.AdaptiveAvgPool3d(1), nn.AdaptiveMaxPool3d(1)
        self.sharedMLP = _shared_mlp(True, planes, planes // ratio)
        self.sigmoid = nn.Sigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.sigmoid(self.sharedMLP(self.avg_pool(x)) + self.sharedMLP(self.max_pool(x)))


class _SpatialGate(nn.Module):
    """``sigmoid(conv([mean, max]))`` over all time steps and channels of ``[N, T, C, H, W]``."""

    def __init__(self, kernel_size: int) -> None:
        super().__init__()
        if kernel_size not in (3, 7) or isinstance(kernel_size, bool):
            raise InvalidParameterError(f"MultiDimensionalAttention: kernel_size must be 3 or 7, got {kernel_size!r}")
        self.conv = nn.Conv2d(2, 1, kernel_size, padding=kernel_size // 2, bias=False)
        self.sigmoid = nn.Sigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = x.flatten(1, 2)  # [N, T*C, H, W]
        pooled = torch.cat([flat.mean(dim=1, keepdim=True), flat.amax(dim=1, keepdim=True)], dim=1)
        return self.sigmoid(self.conv(pooled).unsqueeze(1))


class MultiDimensionalAttention(nn.Module, MultiStepModule):
    """Time, channel and spatial attention gates applied in turn, then a ReLU.

    Submodule names (``ta``, ``ca``, ``sa``) and parameter shapes are SpikingJelly's, so its state dicts load.

    Shape:
        ``[T, N, C, H, W]`` -> same.

    Example:
        >>> import torch
        >>> ma = MultiDimensionalAttention(T=4, C=8, reduction_t=2, reduction_c=4)
        >>> y = ma(torch.rand(4, 2, 8, 5, 5))
        >>> y.shape, bool((y >= 0).all())
        (torch.Size([4, 2, 8, 5, 5]), True)
    """

    def __init__(self, T: int, C: int, reduction_t: int = 16, reduction_c: int = 16, kernel_size: int = 3) -> None:
        super().__init__()
        T, reduction_t = _check_reduction("MultiDimensionalAttention", "T", T, "reduction_t", reduction_t)
        C, reduction_c = _check_reduction("MultiDimensionalAttention", "C", C, "reduction_c", reduction_c)
        self.step_mode = "m"
        self.ta = _PooledGate(T, reduction_t)
        self.ca = _PooledGate(C, reduction_c)
        self.sa = _SpatialGate(kernel_size)
        self.sigmoid = nn.Sigmoid()
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_rank("MultiDimensionalAttention", x, 5, "[T, N, C, H, W]")
        x = x.transpose(0, 1)  # [N, T, C, H, W]
        out = self.ta(x) * x
        out = self.ca(out.transpose(1, 2)).transpose(1, 2) * out
        out = self.sa(out) * out
        return self.relu(out).transpose(0, 1)
