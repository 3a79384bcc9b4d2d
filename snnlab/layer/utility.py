"""Small stateless layers: a voting read-out and a shape printer for debugging.

Shape:
    ``VotingLayer``: ``[N, C * voting_size]`` -> ``[N, C]`` ('m': ``[T, N, *]``); ``PrintShapeModule``: unchanged.

Example:
    >>> import torch
    >>> from snnlab.layer import VotingLayer
    >>> VotingLayer(2)(torch.tensor([[1.0, 0.0, 1.0, 1.0]]))
    tensor([[0.5000, 1.0000]])
"""

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..base import StepModule
from ..checks import check_int
from .stateless import seq_to_ann

__all__ = ["PrintShapeModule", "VotingLayer"]


class VotingLayer(nn.Module, StepModule):
    """Average every ``voting_size`` consecutive outputs of the last dimension (population voting).

    A trailing group shorter than ``voting_size`` is dropped, as ``avg_pool1d`` does.

    Shape:
        's': ``[N, M]`` -> ``[N, M // voting_size]``; 'm': ``[T, N, M]`` -> ``[T, N, M // voting_size]``.

    Example:
        >>> import torch
        >>> VotingLayer(3, step_mode='m')(torch.ones(2, 1, 6)).shape
        torch.Size([2, 1, 2])
    """

    def __init__(self, voting_size: int = 10, step_mode: str = "s") -> None:
        super().__init__()
        self.voting_size = check_int("VotingLayer", "voting_size", voting_size, minimum=1)
        self.step_mode = step_mode

    def extra_repr(self) -> str:
        return f"voting_size={self.voting_size}, step_mode={self.step_mode}"

    def single_step_forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.avg_pool1d(x.unsqueeze(1), self.voting_size, self.voting_size).squeeze(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.step_mode == "s":
            return self.single_step_forward(x)
        return seq_to_ann(x, self.single_step_forward)


class PrintShapeModule(nn.Module):
    """Print ``ext_str`` and the input's shape, and return the input unchanged.

    Shape:
        any -> the same tensor.

    Example:
        >>> import torch
        >>> _ = PrintShapeModule('after conv')(torch.zeros(2, 3))
        after conv torch.Size([2, 3])
    """

    def __init__(self, ext_str: str = "PrintShapeModule") -> None:
        super().__init__()
        self.ext_str = ext_str

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        print(self.ext_str, x.shape)
        return x
