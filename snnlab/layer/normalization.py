"""Normalisation layers made for spiking networks.

- ``ThresholdDependentBatchNorm1d/2d/3d(alpha, v_th, num_features, ...)``: batch norm over the time and
  batch dimensions together, whose scale starts at ``alpha * v_th`` (tdBN, Zheng et al. 2021). Multi-step only.
- ``NeuNorm(in_channels, height, width, k)``: subtracts a learnt multiple of a running average of the
  activity of all channels (Wu et al. 2019): ``x[t] = k * x[t-1] + (1 - k) / C^2 * sum_c s[t, c]``,
  ``out[t] = s[t] - w * x[t]``.

Shape:
    tdBN: ``[T, N, C, ...]`` -> same; NeuNorm: ``[N, C, H, W]`` per step ('s') or ``[T, N, C, H, W]`` ('m').

Example:
    >>> import torch
    >>> from snnlab.layer import ThresholdDependentBatchNorm2d
    >>> bn = ThresholdDependentBatchNorm2d(alpha=1.0, v_th=0.5, num_features=3)
    >>> bn.weight.tolist(), bn(torch.rand(4, 2, 3, 5, 5)).shape
    ([0.5, 0.5, 0.5], torch.Size([4, 2, 3, 5, 5]))
"""

import math
from typing import TYPE_CHECKING, Any

import torch
import torch.nn as nn

from ..base import MemoryModule, MultiStepModule
from ..checks import check_int, check_real
from ..errors import InvalidParameterError
from .stateless import _RANK_TEXT, seq_to_ann

__all__ = ["NeuNorm", "ThresholdDependentBatchNorm1d", "ThresholdDependentBatchNorm2d", "ThresholdDependentBatchNorm3d"]


if TYPE_CHECKING:  # every subclass also derives from a torch batch norm: tell the type checker so

    class _MultiStepBatchNorm(MultiStepModule, nn.modules.batchnorm._BatchNorm): ...
else:
    _MultiStepBatchNorm = MultiStepModule


class _ThresholdDependentBatchNorm(_MultiStepBatchNorm):
    """Shared body: the torch batch norm of the subclass, applied to ``[T*N, C, ...]``."""

    _ranks = ()

    def __init__(self, alpha: float, v_th: float, *args: Any, **kwargs: Any) -> None:
        name = type(self).__name__
        alpha = check_real(name, "alpha", alpha)
        v_th = check_real(name, "v_th", v_th)
        super().__init__(*args, **kwargs)
        if not self.affine:
            raise InvalidParameterError(f"{name}: affine must be True (the scale starts at alpha * v_th), got False")
        self.step_mode = "m"
        self.alpha = alpha
        self.v_th = v_th
        with torch.no_grad():
            self.weight.fill_(alpha * v_th)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", alpha={self.alpha}, v_th={self.v_th}, step_mode={self.step_mode}"

    def forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        if not isinstance(x_seq, torch.Tensor) or x_seq.dim() not in self._ranks:
            shapes = " or ".join(_RANK_TEXT[r] for r in sorted(self._ranks, reverse=True))
            got = list(x_seq.shape) if isinstance(x_seq, torch.Tensor) else type(x_seq).__name__
            raise ValueError(f"{type(self).__name__}: x_seq must have shape {shapes}, got {got}")
        return seq_to_ann(x_seq, super().forward)


class ThresholdDependentBatchNorm1d(_ThresholdDependentBatchNorm, nn.BatchNorm1d):
    """tdBN for ``[T, N, C]`` or ``[T, N, C, L]``; the remaining arguments are ``nn.BatchNorm1d``'s.

    Shape:
        ``[T, N, C]`` or ``[T, N, C, L]`` -> same.

    Example:
        >>> import torch
        >>> bn = ThresholdDependentBatchNorm1d(2.0, 1.0, 4)
        >>> y = bn(torch.randn(3, 5, 4))
        >>> round(float(y[..., 0].detach().std(unbiased=False)), 3)
        2.0
    """

    _ranks = (3, 4)


class ThresholdDependentBatchNorm2d(_ThresholdDependentBatchNorm, nn.BatchNorm2d):
    """tdBN for ``[T, N, C, H, W]``; the remaining arguments are ``nn.BatchNorm2d``'s.

    Shape:
        ``[T, N, C, H, W]`` -> same.

    Example:
        >>> import torch
        >>> ThresholdDependentBatchNorm2d(1.0, 1.0, 2)(torch.rand(2, 3, 2, 4, 4)).shape
        torch.Size([2, 3, 2, 4, 4])
    """

    _ranks = (5,)


class ThresholdDependentBatchNorm3d(_ThresholdDependentBatchNorm, nn.BatchNorm3d):
    """tdBN for ``[T, N, C, D, H, W]``; the remaining arguments are ``nn.BatchNorm3d``'s.

    Shape:
        ``[T, N, C, D, H, W]`` -> same.

    Example:
        >>> import torch
        >>> ThresholdDependentBatchNorm3d(1.0, 1.0, 2)(torch.rand(2, 3, 2, 2, 4, 4)).shape
        torch.Size([2, 3, 2, 2, 4, 4])
    """

    _ranks = (6,)


class NeuNorm(MemoryModule):
    """Subtract ``w * x[t]``, where ``x`` is a leaky average of the summed activity of all channels.

    ``w`` has shape ``[C, H, W]`` (``[1, H, W]`` with ``shared_across_channels=True``), initialised with
    ``kaiming_uniform_(a=sqrt(5))``; ``k0 = k`` and ``k1 = (1 - k) / C^2``.

    Shape:
        's': ``[N, C, H, W]`` -> same; 'm': ``[T, N, C, H, W]`` -> same.

    Example:
        >>> import torch
        >>> nn_ = NeuNorm(2, 1, 1, k=0.5)
        >>> with torch.no_grad():
        ...     _ = nn_.w.fill_(1.0)
        >>> nn_(torch.ones(1, 2, 1, 1)).flatten().tolist()   # x = 0.5 * 0 + 0.5 / 4 * 2 = 0.25
        [0.75, 0.75]
    """

    def __init__(
        self,
        in_channels: int,
        height: int,
        width: int,
        k: float = 0.9,
        shared_across_channels: bool = False,
        step_mode: str = "s",
    ) -> None:
        super().__init__()
        in_channels = check_int("NeuNorm", "in_channels", in_channels, minimum=1)
        height = check_int("NeuNorm", "height", height, minimum=1)
        width = check_int("NeuNorm", "width", width, minimum=1)
        self.step_mode = step_mode
        self.register_memory("x", 0.0)
        self.k0 = check_real("NeuNorm", "k", k)
        self.k1 = (1.0 - self.k0) / in_channels**2
        self.w = nn.Parameter(torch.empty(1 if shared_across_channels else in_channels, height, width))
        nn.init.kaiming_uniform_(self.w, a=math.sqrt(5))

    def extra_repr(self) -> str:
        return f"shape={self.w.shape}, step_mode={self.step_mode}"

    def single_step_forward(self, in_spikes: torch.Tensor) -> torch.Tensor:
        self.x = self.k0 * self.x + self.k1 * in_spikes.sum(dim=1, keepdim=True)
        return in_spikes - self.w * self.x
