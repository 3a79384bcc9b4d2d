"""The description of a multi-step neuron that every backend receives.

A backend runs a whole sequence in one call::

    spike_seq, v_out = backend.multi_step(cfg, x_seq, v_init, k)

with ``x_seq`` ``[T, *]``, ``v_init`` a tensor of shape ``x_seq.shape[1:]`` (same dtype and
device), and ``k`` the decay factor ``1/tau`` for ``charge='lif'`` (a Python float for LIF, a
0-d tensor that may require grad for PLIF, where ``k = sigmoid(w)``; ignored for ``'if'``).
It returns ``spike_seq`` ``[T, *]`` in ``x_seq``'s dtype and ``v_out``: the post-reset membrane
potential of every step ``[T, *]`` when ``cfg.store_v_seq`` else only the last step ``[*]``.
It is differentiable w.r.t. ``x_seq``, ``v_init`` and a tensor ``k``.

Shape:
    ``x_seq``: ``[T, *]``; ``v_init``: ``[*]``; outputs ``[T, *]`` and ``[T, *]`` or ``[*]``.

Example:
    >>> cfg = NeuronConfig(charge='lif', decay_input=True, v_threshold=1.0, v_reset=0.0,
    ...                    detach_reset=False, surrogate='sigmoid', alpha=4.0, store_v_seq=False)
    >>> cfg.soft_reset
    False
"""

from dataclasses import dataclass

import torch

from .._checks import check_choice

#: the charge kinds and surrogate kinds every backend implements
CHARGES = ("if", "lif")
SURROGATES = ("sigmoid", "atan")

__all__ = ["NeuronConfig"]


@dataclass(frozen=True)
class NeuronConfig:
    charge: str  # 'if' or 'lif' (PLIF is 'lif' with a tensor k)
    decay_input: bool
    v_threshold: float | torch.Tensor  # a tensor must broadcast to v and not require grad
    v_reset: float | None  # None = soft reset (subtract the threshold)
    detach_reset: bool
    surrogate: str  # a surrogate's ``kind``: 'sigmoid' or 'atan'
    alpha: float
    store_v_seq: bool

    def __post_init__(self):
        check_choice("NeuronConfig", "charge", self.charge, CHARGES)
        check_choice("NeuronConfig", "surrogate", self.surrogate, SURROGATES)

    @property
    def soft_reset(self) -> bool:
        return self.v_reset is None
