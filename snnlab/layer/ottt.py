"""Online training through time (OTTT): layers that see ``[spike, trace]`` pairs.

In OTTT training an ``OTTTLIFNode`` returns ``[spike, trace]``, where the trace is a leaky sum
of past spikes. A layer with parameters after it must output ``module(spike)`` (the forward
value) while its weights receive the gradient they would get if the input were the trace
(the presynaptic eligibility trace), so that one backward per time step approximates
back-propagation through time.

- ``ReplaceforGrad.apply(x, x_r)``: value ``x_r``, gradient passed unchanged to both ``x`` and ``x_r``;
- ``GradwithTrace(module)``: ``[spike, trace]`` -> value ``module(spike)``, weight gradient through
  ``module(trace)``; the gradient also reaches ``spike``;
- ``SpikeTraceOp(module)``: a parameterless module applied to both: ``[module(spike), module(trace)]``
  (the trace without gradient);
- ``OTTTSequential``: a Sequential that wraps its children on the fly when the running value is a
  ``[spike, trace]`` pair.

Divergence from the SpikingJelly version this follows: a stateful module (any ``MemoryModule``,
e.g. an ``OTTTLIFNode`` or a ``LIFNode``) that receives a pair gets the spike only, so it is
never called on the trace (SpikingJelly called it twice per step, corrupting its state).
``Dropout`` is the exception: its mask is fixed once drawn, so it masks spike and trace alike.

Shape:
    each wrapped module keeps its own shapes; pairs hold two tensors of the same shape.

Example:
    >>> import torch
    >>> from snnlab.layer import OTTTSequential
    >>> fc = torch.nn.Linear(2, 1, bias=False)
    >>> with torch.no_grad():
    ...     _ = fc.weight.fill_(1.)
    >>> spike, trace = torch.tensor([[1., 0.]]), torch.tensor([[1.5, 0.5]])
    >>> y = OTTTSequential(fc)([spike, trace])
    >>> y                                       # the value uses the spike
    tensor([[1.]], grad_fn=<ReplaceforGradBackward>)
    >>> y.sum().backward(); fc.weight.grad      # the weight gradient uses the trace
    tensor([[1.5000, 0.5000]])
"""

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn as nn

from ..base import MemoryModule
from ..checks import describe
from .dropout import Dropout

__all__ = ["GradwithTrace", "OTTTSequential", "ReplaceforGrad", "SpikeTraceOp"]


class ReplaceforGrad(torch.autograd.Function):
    """Forward returns ``x_r``; backward hands the incoming gradient to both ``x`` and ``x_r``.

    Shape:
        ``x`` and ``x_r``: the same shape; the output has that shape.

    Example:
        >>> import torch
        >>> x = torch.zeros(2, requires_grad=True)
        >>> y = ReplaceforGrad.apply(x, torch.ones(2))
        >>> y.detach().tolist()
        [1.0, 1.0]
        >>> (3 * y).sum().backward(); x.grad.tolist()
        [3.0, 3.0]
    """

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, x_r: torch.Tensor) -> torch.Tensor:
        return x_r

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return grad, grad


def _split_pair(owner: str, x: object) -> tuple[torch.Tensor, torch.Tensor]:
    if not isinstance(x, (list, tuple)) or len(x) != 2:
        raise TypeError(f"{owner}: x must be a [spike, trace] list or tuple, got {describe(x)}")
    return x[0], x[1]


class GradwithTrace(nn.Module):
    """Value ``module(spike)``; parameter gradients as if the input were ``trace``.

    Shape:
        ``[spike, trace]`` (same shapes) -> ``module(spike)``'s shape.

    Example:
        >>> import torch
        >>> fc = torch.nn.Linear(1, 1, bias=False)
        >>> with torch.no_grad():
        ...     _ = fc.weight.fill_(2.)
        >>> y = GradwithTrace(fc)([torch.ones(1, 1), torch.full((1, 1), 3.)])
        >>> y.item(), torch.autograd.grad(y.sum(), fc.weight)[0].item()
        (2.0, 3.0)
    """

    def __init__(self, module: nn.Module):
        super().__init__()
        self.module = module

    def forward(self, x: Sequence[torch.Tensor]) -> torch.Tensor:
        spike, trace = _split_pair(type(self).__name__, x)
        with torch.no_grad():
            value = self.module(spike).detach()
        trace_with_spike_grad = ReplaceforGrad.apply(spike, trace)
        return ReplaceforGrad.apply(self.module(trace_with_spike_grad), value)


class SpikeTraceOp(nn.Module):
    """Apply a parameterless module to the spike (with gradient) and the trace (without).

    Shape:
        ``[spike, trace]`` -> ``[module(spike), module(trace)]``.

    Example:
        >>> import torch
        >>> s, tr = SpikeTraceOp(torch.nn.Flatten())([torch.ones(2, 1, 3), torch.zeros(2, 1, 3)])
        >>> s.shape, tr.shape
        (torch.Size([2, 3]), torch.Size([2, 3]))
    """

    def __init__(self, module: nn.Module):
        super().__init__()
        self.module = module

    def forward(self, x: Sequence[torch.Tensor]) -> list[torch.Tensor]:
        spike, trace = _split_pair(type(self).__name__, x)
        spike = self.module(spike)
        with torch.no_grad():
            trace = self.module(trace)
        return [spike, trace]


class OTTTSequential(nn.Sequential):
    """A Sequential for OTTT: children after an ``OTTTLIFNode`` are fed ``[spike, trace]`` correctly.

    While the running value is a tensor, each child is called on it. While it is a
    ``[spike, trace]`` pair: a stateful child (``MemoryModule``, except ``Dropout``) gets the
    spike only; a child with parameters runs as ``GradwithTrace(child)``; any other child as
    ``SpikeTraceOp(child)``. The result is a tensor or, if the last child is an ``OTTTLIFNode``
    in training, a pair.

    Shape:
        like the Sequential it holds: ``[N, *]`` -> ``[N, *']`` (single-step).

    Example:
        >>> import torch
        >>> net = OTTTSequential(torch.nn.Flatten(), torch.nn.Linear(4, 3))
        >>> net([torch.ones(2, 2, 2), torch.ones(2, 2, 2)]).shape
        torch.Size([2, 3])
    """

    def forward(self, x: torch.Tensor | Sequence[torch.Tensor]) -> torch.Tensor | Sequence[torch.Tensor]:
        for module in self:
            if not isinstance(x, (list, tuple)):
                x = module(x)
            elif isinstance(module, MemoryModule) and not isinstance(module, Dropout):
                x = module(_split_pair(type(self).__name__, x)[0])
            elif any(True for _ in module.parameters()):
                x = GradwithTrace(module)(x)
            else:
                x = SpikeTraceOp(module)(x)
        return x
