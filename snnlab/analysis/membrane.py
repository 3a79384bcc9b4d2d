"""The potential a neuron reached before it fired and reset, recovered from a recorded run.

A node with ``store_v_seq=True`` records ``v[t]``, the potential *after* each step's reset, so a
spike step shows the reset level and the trace never seems to reach the threshold. The charged
potential ``h[t] = charge(v[t-1], x[t])`` is what was compared with the threshold; this module
recomputes it with the node's own ``neuronal_charge`` (the one home of the formula), for all steps
at once: given the recorded ``v``, every step's charge is independent of the others.

Shape:
    ``x_seq``, ``v_seq``: ``[T, *]`` -> ``[T, *]``.

Example:
    >>> import torch
    >>> from snnlab import neuron
    >>> node = neuron.IFNode(step_mode="m", store_v_seq=True)
    >>> x = torch.tensor([[0.6], [0.6], [0.3]])
    >>> node(x).flatten().tolist(), node.v_seq.flatten().tolist()
    ([0.0, 1.0, 0.0], [0.6000000238418579, 0.0, 0.30000001192092896])
    >>> charged_potential(node, x, node.v_seq).flatten().tolist()
    [0.6000000238418579, 1.2000000476837158, 0.30000001192092896]
"""

import torch

from ..checks import check_tensor
from ..neuron import BaseNode

__all__ = ["charged_potential"]


def charged_potential(
    node: BaseNode, x_seq: torch.Tensor, v_seq: torch.Tensor, v_init: float | torch.Tensor | None = None
) -> torch.Tensor:
    """``h[t]``: the potential of ``node`` after charging with ``x_seq[t]`` from ``v_seq[t-1]``, before firing.

    ``v_seq`` is the node's record of the potential after each step's reset (``node.v_seq`` with
    ``store_v_seq=True``); ``v_init`` is the potential before step 0 (default: the node's reset
    value, ``v_reset`` for a hard reset, 0 for a soft one). Where the node did not fire,
    ``h[t] == v_seq[t]``; where it fired, ``h[t] >= v_threshold``. The node's state is left as it
    was. No gradient is tracked.

    Shape:
        ``x_seq``, ``v_seq``: ``[T, *]`` (the same shape) -> ``[T, *]``.

    Example:
        >>> import torch
        >>> from snnlab import neuron
        >>> node = neuron.LIFNode(tau=2.0, step_mode="m", store_v_seq=True)
        >>> x = torch.full((4, 1), 1.5)
        >>> node(x).flatten().tolist()
        [0.0, 1.0, 0.0, 1.0]
        >>> charged_potential(node, x, node.v_seq).flatten().tolist()
        [0.75, 1.125, 0.75, 1.125]
    """
    owner = "charged_potential"
    if not isinstance(node, BaseNode):
        raise TypeError(
            f"{owner}: node must be a snnlab.neuron node (e.g. LIFNode()), got an object of type {type(node).__name__}"
        )
    if "v" not in dict(node.named_memories()):
        raise TypeError(
            f"{owner}: node must keep its potential v as a memory (IF, LIF or PLIF nodes), "
            f"got a {type(node).__name__}, which keeps v elsewhere"
        )
    for name, value in (("x_seq", x_seq), ("v_seq", v_seq)):
        if check_tensor(owner, name, value, min_dim=1).shape[0] == 0:
            raise ValueError(f"{owner}: {name} must be [T, *] with T >= 1, got shape {list(value.shape)}")
    if x_seq.shape != v_seq.shape:
        raise ValueError(
            f"{owner}: x_seq and v_seq must have the same shape, got {list(x_seq.shape)} and {list(v_seq.shape)}"
        )
    if v_init is None:
        v_init = node.reset_value("v")
    with torch.no_grad():
        v_seq = v_seq.detach().to(x_seq.dtype)
        first = torch.as_tensor(v_init, dtype=v_seq.dtype, device=v_seq.device).expand_as(v_seq[:1])
        before = torch.cat((first, v_seq[:-1]))
        saved = node.v
        try:
            node.v = before
            node.neuronal_charge(x_seq.detach())
            return node.v
        finally:
            node.v = saved
