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
    >>> cfg.soft_reset, cfg.surrogate_params
    (False, (4.0,))
"""

from dataclasses import dataclass

import torch

from ..checks import check_choice
from ..registry.neurons import ChargeKind
from ..registry.surrogates import SURROGATE_KINDS

#: the charge kinds a NeuronConfig describes (CubaLIF and the adaptive LIF have their own configs)
CHARGES = ("if", "lif")

__all__ = ["AdaptiveLIFConfig", "CubaLIFConfig", "NeuronConfig", "surrogate_params"]


def surrogate_params(alpha: float | tuple) -> tuple:
    """A config's surrogate parameters as a tuple: ``(alpha,)``, or ``alpha`` itself when it holds several.

    Example:
        >>> surrogate_params(4.0), surrogate_params((0.5, 0.1))
        ((4.0,), (0.5, 0.1))
    """
    return tuple(alpha) if isinstance(alpha, tuple) else (alpha,)


@dataclass(frozen=True)
class NeuronConfig:
    charge: ChargeKind  # "if" or "lif" (PLIF is "lif" with a tensor k); see snnlab.registry.neurons
    decay_input: bool
    v_threshold: float | torch.Tensor  # a tensor must broadcast to v and not require grad
    v_reset: float | None  # None = soft reset (subtract the threshold)
    detach_reset: bool
    surrogate: str  # a surrogate's ``kind``, a key of snnlab.registry.surrogates.SURROGATES
    alpha: float | tuple  # its parameter: a float (alpha) or the tuple of all of them, in param_names order
    store_v_seq: bool

    def __post_init__(self) -> None:
        check_choice("NeuronConfig", "charge", self.charge, CHARGES)
        check_choice("NeuronConfig", "surrogate", self.surrogate, SURROGATE_KINDS)

    @property
    def soft_reset(self) -> bool:
        return self.v_reset is None

    @property
    def surrogate_params(self) -> tuple:
        """The surrogate's parameters as a tuple (see :func:`surrogate_params`)."""
        return surrogate_params(self.alpha)


@dataclass(frozen=True)
class CubaLIFConfig:
    """A current-based LIF sequence (``charge='cuba_lif'``): ``multi_step(cfg, x_seq, i_init, v_init)``
    returns ``(spike_seq [T, *], i_last [*], v_out)``, ``v_out`` as for :class:`NeuronConfig`.

    Example:
        >>> CubaLIFConfig(2.0, 4.0, True, 1.0, 0.0, False, 'sigmoid', 4.0, False).tau_mem
        4.0
    """

    tau_syn: float
    tau_mem: float
    decay_input: bool
    v_threshold: float
    v_reset: float | None
    detach_reset: bool
    surrogate: str
    alpha: float | tuple
    store_v_seq: bool

    def __post_init__(self) -> None:
        check_choice("CubaLIFConfig", "surrogate", self.surrogate, SURROGATE_KINDS)

    @property
    def surrogate_params(self) -> tuple:
        """The surrogate's parameters as a tuple (see :func:`surrogate_params`)."""
        return surrogate_params(self.alpha)


@dataclass(frozen=True)
class AdaptiveLIFConfig:
    """An adaptive-threshold LIF sequence (``charge='adaptive_lif'``): ``multi_step(cfg, x_seq,
    v_init, a_init)`` returns ``(spike_seq [T, *], v_out, a_last [*])``; ``k = 1 / tau``.

    Example:
        >>> AdaptiveLIFConfig(0.5, 20.0, 0.2, True, 1.0, 0.0, False, 'atan', 2.0, False).beta
        0.2
    """

    k: float
    tau_adapt: float
    beta: float
    decay_input: bool
    v_threshold: float
    v_reset: float | None
    detach_reset: bool
    surrogate: str
    alpha: float | tuple
    store_v_seq: bool

    def __post_init__(self) -> None:
        check_choice("AdaptiveLIFConfig", "surrogate", self.surrogate, SURROGATE_KINDS)

    @property
    def surrogate_params(self) -> tuple:
        """The surrogate's parameters as a tuple (see :func:`surrogate_params`)."""
        return surrogate_params(self.alpha)
