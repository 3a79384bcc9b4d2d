"""Synaptic dynamics between layers: a first-order current filter and a pure time delay.

- ``SynapseFilter(tau)``: ``i[t] = i[t-1] - (1 - x[t]) * i[t-1] / tau + x[t]``; the current decays
  with time constant ``tau`` and a spike (``x = 1``) sets it to ``i[t-1] + 1`` without decay (SpikingJelly's
  form). ``learnable=True`` trains ``1 / tau = sigmoid(w)``.
- ``Delay(delay_steps)``: the input ``delay_steps`` steps later, zeros before.

Shape:
    's': ``[N, *]`` -> ``[N, *]``; 'm': ``[T, N, *]`` -> ``[T, N, *]``.

Example:
    >>> import torch
    >>> from snnlab.layer import SynapseFilter
    >>> syn = SynapseFilter(tau=2.0, step_mode='m')
    >>> syn(torch.tensor([[1.0], [0.0], [0.0]])).flatten().tolist()
    [1.0, 0.5, 0.25]
"""

import math

import torch
import torch.nn as nn

from ..base import MemoryModule
from ..checks import check_bool, check_int, check_real

__all__ = ["Delay", "SynapseFilter"]


class SynapseFilter(MemoryModule):
    """A first-order synaptic filter of the input spikes, one state ``out_i`` per element.

    ``tau`` must be > 1. With ``learnable=True`` the module holds ``w = -ln(tau - 1)`` as a parameter and
    uses ``1 / tau = sigmoid(w)`` (the same start value as the fixed filter).

    Shape:
        's': ``[N, *]`` -> ``[N, *]``; 'm': ``[T, N, *]`` -> ``[T, N, *]``.

    Example:
        >>> import torch
        >>> syn = SynapseFilter(tau=4.0, learnable=True)
        >>> [round(syn(torch.tensor([x])).item(), 4) for x in (1.0, 0.0, 1.0)]
        [1.0, 0.75, 1.75]
        >>> round(1 / torch.sigmoid(syn.w).item(), 4)
        4.0
    """

    def __init__(self, tau: float = 100.0, learnable: bool = False, step_mode: str = "s") -> None:
        super().__init__()
        tau = check_real("SynapseFilter", "tau", tau, greater_than=1.0)
        self.learnable = check_bool("SynapseFilter", "learnable", learnable)
        self.step_mode = step_mode
        if learnable:
            self.w = nn.Parameter(torch.as_tensor(-math.log(tau - 1.0)))
        else:
            self.tau = tau
        self.register_memory("out_i", 0.0)

    def extra_repr(self) -> str:
        if self.learnable:
            with torch.no_grad():
                tau = 1.0 / self.w.sigmoid().item()
        else:
            tau = self.tau
        return f"tau={tau}, learnable={self.learnable}, step_mode={self.step_mode}"

    def single_step_forward(self, x: torch.Tensor) -> torch.Tensor:
        inv_tau = self.w.sigmoid() if self.learnable else 1.0 / self.tau
        out_i = self.out_i
        if not isinstance(out_i, torch.Tensor):
            out_i = torch.full_like(x.detach(), out_i)
        self.out_i = out_i - (1.0 - x) * out_i * inv_tau + x
        return self.out_i


class Delay(MemoryModule):
    """Output the input of ``delay_steps`` steps ago (zeros for the first ``delay_steps`` steps).

    's' keeps the last inputs in a queue (a memory cleared by ``reset()``); 'm' shifts the whole
    sequence with ``functional.delay`` and keeps no state between calls (as in SpikingJelly).

    Shape:
        's': ``[N, *]`` -> ``[N, *]``; 'm': ``[T, N, *]`` -> ``[T, N, *]``.

    Example:
        >>> import torch
        >>> d = Delay(2)
        >>> [d(torch.tensor([float(t)])).item() for t in range(1, 5)]
        [0.0, 0.0, 1.0, 2.0]
        >>> Delay(1, step_mode='m')(torch.tensor([[1.0], [2.0], [3.0]])).flatten().tolist()
        [0.0, 1.0, 2.0]
    """

    def __init__(self, delay_steps: int, step_mode: str = "s") -> None:
        super().__init__()
        if isinstance(delay_steps, bool) or not isinstance(delay_steps, int):
            raise TypeError(f"Delay: delay_steps must be an int >= 0, got {delay_steps!r}")
        self._delay_steps = check_int("Delay", "delay_steps", delay_steps, minimum=0)
        self.step_mode = step_mode
        self.register_memory("queue", [])

    @property
    def delay_steps(self) -> int:
        return self._delay_steps

    def extra_repr(self) -> str:
        return f"delay_steps={self.delay_steps}, step_mode={self.step_mode}"

    def single_step_forward(self, x: torch.Tensor) -> torch.Tensor:
        self.queue.append(x)
        if len(self.queue) > self.delay_steps:
            return self.queue.pop(0)
        return torch.zeros_like(x)

    def multi_step_forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        from ..functional.spikes import delay

        return delay(x_seq, self.delay_steps)
