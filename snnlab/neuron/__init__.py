"""Spiking neurons: SpikingJelly 0.14's zoo plus a current-based and an adaptive-threshold LIF.

Each neuron holds its configuration and its state (the membrane potential ``v`` and, for some
models, more memories such as an adaptation ``w`` or a synaptic current ``i``). One step
charges, fires and resets::

    h = charge(v, x);  spike = surrogate_function(h - v_threshold);  v = reset(h, spike)

==========================  ===============================================================
model                       charge (per step)
==========================  ===============================================================
``IFNode``                  ``v + x``
``LIFNode``                 ``v + (x - (v - v_reset)) / tau`` (``decay_input``; see dynamics)
``ParametricLIFNode``       LIF with ``1 / tau = sigmoid(w)`` learnable
``QIFNode``                 ``v + (x + a0 (v - v_rest)(v - v_c)) / tau``
``EIFNode``                 ``v + (x + v_rest - v + delta_T exp((v - theta_rh) / delta_T)) / tau``
``IzhikevichNode``          QIF minus an adaptation current ``w`` (``AdaptBaseNode``)
``LIAFNode``                LIF that outputs ``act(v)`` instead of the spike
``KLIFNode``                ``relu(k * LIF(v, x))`` with a learnable scale ``k``
``CubaLIFNode``             a synaptic current ``i`` drives a LIF membrane (NIR ``CubaLIF``)
``AdaptiveLIFNode``         LIF whose threshold jumps at each spike and decays back
==========================  ===============================================================

Multi-step mode (``step_mode='m'``) runs a whole sequence in one fused call of the chosen
backend (``'torch'``, or ``'triton'`` on CUDA) for IF, LIF, PLIF, CubaLIF and the adaptive LIF
with a surrogate that has a fused derivative; every other configuration runs the generic path,
the single step in a loop under autograd (fire and reset as one autograd node). A backend other
than ``'torch'`` that cannot run a configuration warns once with the reason. Both give the same
spikes. Evaluation mode runs the same computation as training; wrap it in ``torch.no_grad()`` to
save memory. The kinds, their parameters and fused backends are listed in
:mod:`snnlab.registry.neurons`.

``store_v_seq=True`` keeps the post-reset potential of every step in ``v_seq``: in multi-step
mode the ``[T, *]`` sequence of the last call; in single-step mode one row per step since the
last ``reset()`` (SpikingJelly 0.14 left it ``None`` there).

Shape:
    single step: ``x`` ``[N, *]`` gives spikes ``[N, *]``; multi step: ``[T, N, *]`` gives
    ``[T, N, *]``.

Example:
    >>> import torch
    >>> from snnlab import neuron
    >>> node = neuron.IFNode()
    >>> [node(torch.tensor([x])).item() for x in (0.5, 0.5, 0.5, 1.0, 2.0)]
    [0.0, 1.0, 0.0, 1.0, 1.0]
    >>> node.reset(); node.v
    0.0
"""

from ._adaptive import AdaptBaseNode, IzhikevichNode
from ._alif import AdaptiveLIFNode
from ._base import BaseNode
from ._cuba import CubaLIFNode
from ._klif import KLIFNode, LIAFNode
from ._lif import IFNode, LIFNode, OTTTLIFNode, ParametricLIFNode
from ._nonlinear import EIFNode, QIFNode

__all__ = [
    "AdaptBaseNode",
    "AdaptiveLIFNode",
    "BaseNode",
    "CubaLIFNode",
    "EIFNode",
    "IFNode",
    "IzhikevichNode",
    "KLIFNode",
    "LIAFNode",
    "LIFNode",
    "OTTTLIFNode",
    "ParametricLIFNode",
    "QIFNode",
]
