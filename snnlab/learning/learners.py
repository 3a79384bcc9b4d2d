"""Learners that watch a synapse and its neurons and turn their spikes into weight updates.

A learner hooks an ``InputMonitor`` on the synapse (its input spikes) and an ``OutputMonitor`` on the
neurons after it (their output spikes). Run the network as usual; ``learner.step()`` then consumes the
recorded steps and returns the weight change, or (``on_grad=True``) subtracts it from
``synapse.weight.grad`` so that any ``torch.optim`` optimiser applies it: ``optimizer.step()`` after
``learner.step()`` moves the weights by ``+lr * dw`` for plain SGD.

- ``STDPLearner``: unsupervised pair-based STDP (``nn.Linear``, ``nn.Conv1d``, ``nn.Conv2d``);
- ``MSTDPLearner``: reward-modulated STDP, ``dw = sum_batch reward * eligibility`` (``nn.Linear``);
- ``MSTDPETLearner``: reward-modulated STDP with an eligibility trace of time constant ``tau_trace``.

Shape:
    's': one record per step (``[N, *]``); 'm': one ``[T, N, *]`` record per forward.

Example:
    >>> import torch
    >>> from snnlab import neuron
    >>> from snnlab.learning import STDPLearner
    >>> fc, sn = torch.nn.Linear(4, 2, bias=False), neuron.IFNode()
    >>> net = torch.nn.Sequential(fc, sn)
    >>> learner = STDPLearner('s', fc, sn, tau_pre=2.0, tau_post=2.0)
    >>> for _ in range(3):
    ...     _ = net(torch.ones(1, 4))
    >>> learner.step(on_grad=False).shape
    torch.Size([2, 4])
"""

import math
from collections.abc import Callable

import torch
import torch.nn as nn

from ..base import MemoryModule
from ..checks import check_real, describe
from ..monitor import InputMonitor, OutputMonitor
from .rules import (
    _identity,
    _single_step_rule,
    mstdp_linear_single_step,
    mstdpet_linear_single_step,
)

__all__ = ["MSTDPETLearner", "MSTDPLearner", "STDPLearner"]


class _Learner(MemoryModule):
    """Monitors, enable / disable / reset, and the gradient hand-over shared by the learners."""

    _synapse_types: tuple = (nn.Linear,)

    def __init__(self, step_mode, synapse, sn, tau_pre, tau_post, f_pre, f_post) -> None:
        super().__init__()
        owner = type(self).__name__
        if not isinstance(synapse, self._synapse_types):
            names = ", ".join(f"nn.{t.__name__}" for t in self._synapse_types)
            raise TypeError(f"{owner}: synapse must be one of {names}, got {describe(synapse)}")
        if not isinstance(sn, nn.Module):
            raise TypeError(f"{owner}: sn must be an nn.Module (the neurons after the synapse), got {describe(sn)}")
        for name, f in (("f_pre", f_pre), ("f_post", f_post)):
            if not callable(f):
                raise TypeError(f"{owner}: {name} must be callable, got {describe(f)}")
        self.step_mode = step_mode
        self.tau_pre = check_real(owner, "tau_pre", tau_pre, greater_than=0.0)
        self.tau_post = check_real(owner, "tau_post", tau_post, greater_than=0.0)
        self.f_pre = f_pre
        self.f_post = f_post
        self.synapse = synapse
        self.in_spike_monitor = InputMonitor(synapse)
        self.out_spike_monitor = OutputMonitor(sn)
        self.register_memory("trace_pre", None)
        self.register_memory("trace_post", None)

    def reset(self) -> None:
        """Zero the traces and drop the steps recorded but not yet learnt from."""
        super().reset()
        self.in_spike_monitor.clear_recorded_data()
        self.out_spike_monitor.clear_recorded_data()

    def disable(self) -> None:
        """Stop recording (the network runs without teaching the synapse)."""
        self.in_spike_monitor.disable()
        self.out_spike_monitor.disable()

    def enable(self) -> None:
        """Record again after ``disable()``."""
        self.in_spike_monitor.enable()
        self.out_spike_monitor.enable()

    def _take_records(self) -> list:
        ins, outs = list(self.in_spike_monitor.records), list(self.out_spike_monitor.records)
        if len(ins) != len(outs):
            raise ValueError(
                f"{type(self).__name__}: the synapse ran {len(ins)} time(s) but the neurons {len(outs)}; "
                f"both must run once per step"
            )
        self.in_spike_monitor.clear_recorded_data()
        self.out_spike_monitor.clear_recorded_data()
        if self.step_mode == "m":
            # one [T, N, *] record per forward -> one pair per step
            return [(i[t], o[t]) for i, o in zip(ins, outs) for t in range(i.shape[0])]
        return list(zip(ins, outs))

    def _hand_over(self, delta_w: torch.Tensor, on_grad: bool):
        if not on_grad:
            return delta_w
        weight = self.synapse.weight
        weight.grad = -delta_w if weight.grad is None else weight.grad - delta_w
        return None


class STDPLearner(_Learner):
    """Pair-based STDP for a ``Linear``, ``Conv1d`` or ``Conv2d`` synapse followed by neurons ``sn``.

    ``step(on_grad=True, scale=1.)`` learns from every step recorded since the last call: ``dw`` (times
    ``scale``) summed over them. Traces carry over between calls until ``reset()``.

    Shape:
        records: ``[N, *]`` per step ('s') or ``[T, N, *]`` per forward ('m'); ``dw`` like ``synapse.weight``.

    Example:
        >>> import torch
        >>> from snnlab import layer, neuron
        >>> fc, sn = layer.Linear(3, 1, bias=False, step_mode='m'), neuron.IFNode(step_mode='m')
        >>> with torch.no_grad():
        ...     _ = fc.weight.fill_(1.0)
        >>> learner = STDPLearner('m', fc, sn, tau_pre=2.0, tau_post=2.0)
        >>> _ = sn(fc(torch.tensor([[[1.0, 0.0, 0.0]], [[0.0, 0.0, 0.0]], [[0.0, 1.0, 0.0]]])))
        >>> learner.step(on_grad=False)  # the output fires at t = 0 and t = 2 (traces decay by half per step)
        tensor([[ 0.2500, -0.2500,  0.0000]])
    """

    _synapse_types = (nn.Linear, nn.Conv1d, nn.Conv2d)

    def __init__(
        self,
        step_mode: str,
        synapse: nn.Linear | nn.Conv1d | nn.Conv2d,
        sn: nn.Module,
        tau_pre: float,
        tau_post: float,
        f_pre: Callable = _identity,
        f_post: Callable = _identity,
    ) -> None:
        super().__init__(step_mode, synapse, sn, tau_pre, tau_post, f_pre, f_post)

    def step(self, on_grad: bool = True, scale: float = 1.0) -> torch.Tensor | None:
        """Learn from the recorded steps: return ``dw``, or subtract it from the weight's gradient."""
        rule = _single_step_rule(type(self).__name__, self.synapse)
        delta_w = torch.zeros_like(self.synapse.weight.data)
        for in_spike, out_spike in self._take_records():
            self.trace_pre, self.trace_post, dw = rule(
                self.synapse, in_spike, out_spike, self.trace_pre, self.trace_post,
                self.tau_pre, self.tau_post, self.f_pre, self.f_post,
            )  # fmt: skip
            delta_w += dw * scale if scale != 1.0 else dw
        return self._hand_over(delta_w, on_grad)


class MSTDPLearner(_Learner):
    """Reward-modulated STDP (MSTDP) for an ``nn.Linear`` synapse, with one eligibility per sample.

    At each recorded step, ``dw += sum_n reward[n] * e[n]`` with the eligibility ``e`` of the previous step
    (zero at the first), then ``e`` is updated from this step's spikes. ``reward`` has one value per sample.

    Shape:
        ``reward``: ``[batch_size]``; ``eligibility``: ``[batch_size, out, in]``; ``dw`` like ``synapse.weight``.

    Example:
        >>> import torch
        >>> from snnlab import neuron
        >>> fc, sn = torch.nn.Linear(3, 2), neuron.IFNode()
        >>> learner = MSTDPLearner('s', 1, fc, sn, tau_pre=2.0, tau_post=2.0)
        >>> for _ in range(3):
        ...     _ = sn(fc(torch.ones(1, 3)))
        >>> learner.step(torch.tensor([1.0]), on_grad=False).shape
        torch.Size([2, 3])
    """

    def __init__(
        self,
        step_mode: str,
        batch_size: float,
        synapse: nn.Linear,
        sn: nn.Module,
        tau_pre: float,
        tau_post: float,
        f_pre: Callable = _identity,
        f_post: Callable = _identity,
    ) -> None:
        super().__init__(step_mode, synapse, sn, tau_pre, tau_post, f_pre, f_post)
        self.batch_size = batch_size
        self.register_memory("eligibility", None)

    def step(self, reward: float | torch.Tensor, on_grad: bool = True, scale: float = 1.0) -> torch.Tensor | None:
        """Learn from the recorded steps under ``reward`` (``[batch_size]``)."""
        weight = self.synapse.weight
        reward = torch.as_tensor(reward, dtype=weight.dtype, device=weight.device)
        delta_w = torch.zeros_like(weight.data)
        for in_spike, out_spike in self._take_records():
            if self.eligibility is None:
                self.eligibility = torch.zeros(
                    (int(self.batch_size),) + tuple(weight.shape), device=weight.device, dtype=weight.dtype
                )
            dw = (reward.view(-1, 1, 1) * self.eligibility).sum(0)
            delta_w += dw * scale if scale != 1.0 else dw
            self.trace_pre, self.trace_post, self.eligibility = mstdp_linear_single_step(
                self.synapse, in_spike, out_spike, self.trace_pre, self.trace_post,
                self.tau_pre, self.tau_post, self.f_pre, self.f_post,
            )  # fmt: skip
        return self._hand_over(delta_w, on_grad)


class MSTDPETLearner(_Learner):
    """Reward-modulated STDP with an eligibility trace (MSTDP-ET) for an ``nn.Linear`` synapse.

    At each recorded step the trace follows ``z <- z * exp(-1 / tau_trace) + e / tau_trace`` with the
    eligibility ``e`` of the previous step, ``dw += reward * z``, then ``e`` is updated (summed over the batch).

    Shape:
        ``reward``: a number or a tensor broadcastable to ``synapse.weight``; ``dw`` like ``synapse.weight``.

    Example:
        >>> import torch
        >>> from snnlab import neuron
        >>> fc, sn = torch.nn.Linear(3, 2), neuron.IFNode()
        >>> learner = MSTDPETLearner('s', fc, sn, tau_pre=2.0, tau_post=2.0, tau_trace=5.0)
        >>> for _ in range(3):
        ...     _ = sn(fc(torch.ones(3)))
        >>> learner.step(1.0, on_grad=False).shape
        torch.Size([2, 3])
    """

    def __init__(
        self,
        step_mode: str,
        synapse: nn.Linear,
        sn: nn.Module,
        tau_pre: float,
        tau_post: float,
        tau_trace: float,
        f_pre: Callable = _identity,
        f_post: Callable = _identity,
    ) -> None:
        super().__init__(step_mode, synapse, sn, tau_pre, tau_post, f_pre, f_post)
        self.tau_trace = check_real("MSTDPETLearner", "tau_trace", tau_trace, greater_than=0.0)
        self.register_memory("trace_e", None)
        self.register_memory("eligibility", None)

    def step(self, reward: float | torch.Tensor, on_grad: bool = True, scale: float = 1.0) -> torch.Tensor | None:
        """Learn from the recorded steps under ``reward``."""
        weight = self.synapse.weight
        delta_w = torch.zeros_like(weight.data)
        decay = math.exp(-1.0 / self.tau_trace)
        for in_spike, out_spike in self._take_records():
            if self.eligibility is None:
                self.eligibility = torch.zeros_like(weight.data)
            trace_e = 0.0 if self.trace_e is None else self.trace_e
            self.trace_e = trace_e * decay + self.eligibility / self.tau_trace
            dw = reward * self.trace_e
            delta_w += dw * scale if scale != 1.0 else dw
            self.trace_pre, self.trace_post, self.eligibility = mstdpet_linear_single_step(
                self.synapse, in_spike, out_spike, self.trace_pre, self.trace_post,
                self.tau_pre, self.tau_post, self.tau_trace, self.f_pre, self.f_post,
            )  # fmt: skip
        return self._hand_over(delta_w, on_grad)
