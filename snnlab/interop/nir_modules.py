"""Small snnlab modules for the NIR nodes that have no torch layer: Scale, Threshold, SumPool2d, Delay.

Each works in both step modes: the stateless ones act element-wise (or per time step, folding time
into the batch in 'm' mode); ``Delay`` keeps the past inputs as a memory, so ``reset_net`` clears it.

Shape:
    's': ``[N, *]``; 'm': ``[T, N, *]``; the output has the input shape (pooling shrinks H and W).

Example:
    >>> import torch
    >>> d = Delay(torch.tensor([0, 2]))
    >>> [d(torch.tensor([[float(t), float(t)]])).tolist() for t in (1, 2, 3)]
    [[[1.0, 0.0]], [[2.0, 0.0]], [[3.0, 1.0]]]
"""

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..base import MemoryModule, StepModule
from ..checks import check_tensor, describe
from ..functional.forward import seq_to_ann_forward
from ..surrogate import heaviside

__all__ = ["Delay", "Scale", "SumPool2d", "Threshold"]


class _Stateless(nn.Module, StepModule):
    """Shared forward of stateless modules: ``single_step_forward`` per step, time folded into the batch."""

    def __init__(self, step_mode: str = "s"):
        super().__init__()
        self.step_mode = step_mode

    def single_step_forward(self, x: torch.Tensor) -> torch.Tensor:  # every subclass defines it
        raise NotImplementedError(f"{type(self).__name__} must define single_step_forward(x)")

    def multi_step_forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        """Run ``x_seq`` ``[T, N, *]`` with time folded into the batch."""
        return seq_to_ann_forward(x_seq, self.single_step_forward)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.single_step_forward(x) if self.step_mode == "s" else self.multi_step_forward(x)

    def extra_repr(self) -> str:
        return f"step_mode={self.step_mode}"


class Scale(_Stateless):
    """Multiply by a per-neuron ``scale`` (a buffer broadcast over the batch).

    Example:
        >>> import torch
        >>> Scale(torch.tensor([1.0, -2.0]))(torch.ones(3, 2)).tolist()[0]
        [1.0, -2.0]
    """

    scale: torch.Tensor  # a buffer

    def __init__(self, scale: torch.Tensor, step_mode: str = "s"):
        super().__init__(step_mode)
        self.register_buffer("scale", torch.as_tensor(scale))

    def single_step_forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale


class Threshold(_Stateless):
    """Spike where the input reaches ``threshold``: ``heaviside(x - threshold)`` (no state, no gradient shaping).

    Example:
        >>> import torch
        >>> Threshold(torch.tensor([0.5, 2.0]))(torch.ones(1, 2)).tolist()
        [[1.0, 0.0]]
    """

    threshold: torch.Tensor  # a buffer

    def __init__(self, threshold: torch.Tensor, step_mode: str = "s"):
        super().__init__(step_mode)
        self.register_buffer("threshold", torch.as_tensor(threshold))

    def single_step_forward(self, x: torch.Tensor) -> torch.Tensor:
        return heaviside(x - self.threshold).to(x.dtype)


class SumPool2d(_Stateless):
    """Sum over each pooling window (``AvgPool2d`` times the window area, padding counted as zeros).

    Example:
        >>> import torch
        >>> SumPool2d(2, 2)(torch.ones(1, 1, 4, 4)).flatten().tolist()
        [4.0, 4.0, 4.0, 4.0]
    """

    def __init__(
        self,
        kernel_size: int | tuple[int, ...],
        stride: int | tuple[int, ...] | None = None,
        padding: int | tuple[int, ...] = 0,
        step_mode: str = "s",
    ):
        super().__init__(step_mode)
        self.kernel_size = tuple(int(k) for k in torch.broadcast_to(torch.as_tensor(kernel_size), (2,)))
        stride = self.kernel_size if stride is None else stride
        self.stride = tuple(int(s) for s in torch.broadcast_to(torch.as_tensor(stride), (2,)))
        self.padding = tuple(int(p) for p in torch.broadcast_to(torch.as_tensor(padding), (2,)))

    def single_step_forward(self, x: torch.Tensor) -> torch.Tensor:
        area = self.kernel_size[0] * self.kernel_size[1]
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding, count_include_pad=True) * area

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, " + super().extra_repr()


class Delay(MemoryModule):
    """Delay each neuron's input by its own whole number of steps (``delay``, an integer tensor).

    Steps before the delay has elapsed output zeros. The past inputs are a memory (``history``),
    cleared by ``reset()``.

    Example:
        >>> import torch
        >>> d = Delay(torch.tensor([1]), step_mode='m')
        >>> d(torch.tensor([[[1.0]], [[2.0]], [[3.0]]])).flatten().tolist()
        [0.0, 1.0, 2.0]
    """

    def __init__(self, delay: torch.Tensor, step_mode: str = "s"):
        delay = check_tensor("Delay", "delay", torch.as_tensor(delay))
        if delay.is_floating_point() or delay.is_complex() or bool((delay < 0).any()):
            raise ValueError(f"Delay: delay must be a tensor of integers >= 0 (steps), got {describe(delay)}")
        super().__init__()
        self.register_buffer("delay", delay.long())
        self.register_memory("history", [])
        self.step_mode = step_mode

    def single_step_forward(self, x: torch.Tensor) -> torch.Tensor:
        longest = int(self.delay.max()) if self.delay.numel() else 0
        self.history = (self.history + [x])[-(longest + 1) :]
        past = torch.stack([torch.zeros_like(x)] * (longest + 1 - len(self.history)) + self.history)
        # past[-1] is now, past[-1 - d] is d steps ago
        index = (longest - self.delay).expand(x.shape).unsqueeze(0)
        return past.gather(0, index).squeeze(0)

    def extra_repr(self) -> str:
        return f"delay={self.delay.tolist()}, " + super().extra_repr()
