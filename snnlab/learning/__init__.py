"""Local learning rules (SpikingJelly's ``activation_based.learning``): STDP and reward-modulated STDP.

- ``rules``: the single-step and multi-step functions (``stdp_linear_single_step``, ``stdp_conv2d_single_step``,
  ``stdp_conv1d_single_step``, ``stdp_multi_step``, ``mstdp_linear_single_step``, ``mstdpet_linear_single_step``);
- ``learners``: ``STDPLearner``, ``MSTDPLearner``, ``MSTDPETLearner``, which record a synapse's input and its
  neurons' output through monitors and turn them into weight updates (as ``weight.grad`` for an optimiser).

Shape:
    see each function; sequences are ``[T, N, *]``.

Example:
    >>> import torch
    >>> from snnlab import learning, neuron
    >>> fc, sn = torch.nn.Linear(8, 2, bias=False), neuron.IFNode()
    >>> learner = learning.STDPLearner('s', fc, sn, tau_pre=2.0, tau_post=2.0)
    >>> opt = torch.optim.SGD(fc.parameters(), lr=0.01)
    >>> opt.zero_grad(); _ = sn(fc(torch.ones(1, 8))); learner.step(); opt.step()
"""

from .learners import MSTDPETLearner, MSTDPLearner, STDPLearner
from .rules import (
    mstdp_linear_single_step,
    mstdpet_linear_single_step,
    stdp_conv1d_single_step,
    stdp_conv2d_single_step,
    stdp_linear_single_step,
    stdp_multi_step,
)

__all__ = [
    "MSTDPETLearner",
    "MSTDPLearner",
    "STDPLearner",
    "mstdp_linear_single_step",
    "mstdpet_linear_single_step",
    "stdp_conv1d_single_step",
    "stdp_conv2d_single_step",
    "stdp_linear_single_step",
    "stdp_multi_step",
]
