"""Dropout for spiking networks: one mask per sample, shared by every time step.

As in SpikingJelly, the mask is drawn on the first training call after a reset and kept
(a memory named ``mask``) until ``reset()`` / ``functional.reset_net``: in 's' mode the
same neurons stay silenced across the successive calls of one sample, in 'm' mode the
same mask multiplies every ``x_seq[t]``. Kept values are scaled by ``1 / (1 - p)``. In
eval mode the input is returned unchanged. Drawing uses torch's global generator, so the
's' and 'm' forms give identical masks under the same seed.

Shape:
    's': ``[N, *]`` -> ``[N, *]``; 'm': ``[T, N, *]`` -> ``[T, N, *]``.

Example:
    >>> import torch
    >>> from snnlab.layer import Dropout
    >>> _ = torch.manual_seed(0)
    >>> drop = Dropout(p=0.5, step_mode='m')
    >>> y = drop(torch.ones(4, 1, 6))
    >>> bool((y == y[0]).all())      # the same mask at every step
    True
"""

import torch
import torch.nn.functional as F

from .._checks import check_real
from ..base import MemoryModule
from ..errors import InvalidParameterError

__all__ = ["Dropout", "Dropout2d"]


class Dropout(MemoryModule):
    """Element-wise dropout whose mask is shared across time steps until ``reset()``.

    Shape:
        's': ``[N, *]`` -> ``[N, *]``; 'm': ``[T, N, *]`` -> ``[T, N, *]``.

    Example:
        >>> import torch
        >>> _ = torch.manual_seed(1)
        >>> drop = Dropout(p=0.5)
        >>> a, b = drop(torch.ones(2, 8)), drop(torch.ones(2, 8))
        >>> torch.equal(a, b), sorted(set(a.flatten().tolist()))
        (True, [0.0, 2.0])
        >>> drop.eval()(torch.ones(1, 2))
        tensor([[1., 1.]])
    """

    def __init__(self, p=0.5, step_mode="s"):
        super().__init__()
        p = check_real(type(self).__name__, "p", p)
        if not 0.0 <= p < 1.0:
            raise InvalidParameterError(f"{type(self).__name__}: p must be a number in [0, 1), got {p!r}")
        self.step_mode = step_mode
        self.p = p
        self.register_memory("mask", None)

    def extra_repr(self):
        return f"p={self.p}, step_mode={self.step_mode}"

    def _draw(self, x: torch.Tensor) -> torch.Tensor:
        return F.dropout(torch.ones_like(x.detach()), self.p, training=True)

    def _mask_for(self, x: torch.Tensor) -> torch.Tensor:
        if self.mask is None:
            self.mask = self._draw(x)
        elif self.mask.shape != x.shape:
            raise ValueError(
                f"{type(self).__name__}: the dropout mask was drawn for samples of shape {list(self.mask.shape)}, "
                f"got shape {list(x.shape)}; call functional.reset_net(net) before a new batch"
            )
        return self.mask

    def single_step_forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return x
        return x * self._mask_for(x)

    def multi_step_forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return x_seq
        if x_seq.dim() < 1 or x_seq.shape[0] == 0:
            raise ValueError(
                f"{type(self).__name__}: x_seq must have at least one time step, got shape {list(x_seq.shape)}"
            )
        return x_seq * self._mask_for(x_seq[0])


class Dropout2d(Dropout):
    """Channel-wise dropout (whole feature maps) whose mask is shared across time steps.

    Shape:
        's': ``[N, C, H, W]`` -> same; 'm': ``[T, N, C, H, W]`` -> same.

    Example:
        >>> import torch
        >>> _ = torch.manual_seed(0)
        >>> y = Dropout2d(p=0.5)(torch.ones(1, 6, 2, 2))
        >>> bool((y == y[:, :, :1, :1]).all())   # constant over each feature map
        True
    """

    def __init__(self, p=0.2, step_mode="s"):
        super().__init__(p, step_mode)

    def _draw(self, x: torch.Tensor) -> torch.Tensor:
        return F.dropout2d(torch.ones_like(x.detach()), self.p, training=True)
