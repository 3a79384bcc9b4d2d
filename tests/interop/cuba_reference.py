"""A float64 reference of the current-based LIF neuron that ``snnlab.neuron.CubaLIFNode`` implements.

Per step: the synaptic current first, then the membrane, then fire and reset like LIFNode::

    decay_input=True:  i = i + (x - i) / tau_syn ;  h = v + (i - (v - v_reset0)) / tau_mem
    decay_input=False: i = i - i / tau_syn + x   ;  h = v - (v - v_reset0) / tau_mem + i

(``v_reset0`` is ``v_reset``, or 0 for a soft reset.) Tests install it as ``snnlab.neuron.CubaLIFNode``
to exercise the NIR mapping, and compare the real class against it where that exists.
"""

import torch

from snnlab import dynamics
from snnlab.neuron import BaseNode


class ReferenceCubaLIFNode(BaseNode):
    def __init__(self, tau_syn=2.0, tau_mem=2.0, decay_input=True, v_threshold=1.0, v_reset=0.0,
                 surrogate_function=None, detach_reset=False, step_mode="s", backend="torch", store_v_seq=False):  # fmt: skip
        super().__init__(v_threshold, v_reset, surrogate_function, detach_reset, step_mode, backend, store_v_seq)
        self.tau_syn, self.tau_mem, self.decay_input = float(tau_syn), float(tau_mem), decay_input
        self.register_memory("i", 0.0)

    def neuronal_charge(self, x: torch.Tensor):
        v0 = 0.0 if self.v_reset is None else self.v_reset
        if not isinstance(self.i, torch.Tensor):
            self.i = torch.full_like(x, self.i)
        if self.decay_input:
            self.i = self.i + (x - self.i) / self.tau_syn
            self.v = self.v + (self.i - (self.v - v0)) / self.tau_mem
        else:
            self.i = self.i - self.i / self.tau_syn + x
            self.v = self.v - (self.v - v0) / self.tau_mem + self.i


def reference_loop(x_seq, tau_syn, tau_mem, decay_input, v_threshold=1.0, v_reset=0.0):
    """The same equations as a plain float64 loop over ``x_seq [T, N, *]``; returns the spikes."""
    x_seq = x_seq.double()
    i = torch.zeros_like(x_seq[0])
    v = torch.full_like(x_seq[0], v_reset)
    out = []
    for x in x_seq:
        if decay_input:
            i = i + (x - i) / tau_syn
            h = v + (i - (v - v_reset)) / tau_mem
        else:
            i = i - i / tau_syn + x
            h = v - (v - v_reset) / tau_mem + i
        s = dynamics.fire(h, v_threshold)
        v = torch.where(s > 0, torch.full_like(h, v_reset), h)
        out.append(s)
    return torch.stack(out)
