"""Memory against sequence length: plain BPTT, chunked BPTT, FPTT and OTTT on the same network.

:func:`memory_vs_T` trains the network of :func:`snnlab.training.build_model` for one update per
method and sequence length ``T`` on :func:`snnlab.datasets.burst_channel_task` and reports the peak
bytes autograd saved for backward (:class:`SavedTensorMeter`, forward and backward together, so a
chunk recomputed in backward counts too):

- ``'bptt'``: ``model(x_seq)``, the TET cross-entropy, one backward;
- ``'chunked_bptt'``: the same update through :func:`snnlab.training.chunked_bptt_forward` (chunks
  of ``chunk_size`` steps, by default ``round(sqrt(T))``): the same gradients;
- ``'fptt'``, ``'ottt'``: one :meth:`Trainer.step` of those methods (``T`` optimizer steps).

Shape:
    returns ``{'T': [...], method: [bytes per T, ...]}``.

Example:
    >>> from snnlab.training import memory_vs_T
    >>> curve = memory_vs_T((8, 32), hidden=16, batch_size=8)
    >>> curve['bptt'][1] > 3 * curve['bptt'][0], curve['chunked_bptt'][1] < curve['bptt'][1]
    (True, True)
"""

import math
from collections.abc import Sequence

import torch

from .. import functional
from ..checks import check_int
from ..datasets import burst_channel_task
from .chunked import chunked_bptt_forward
from .memory import SavedTensorMeter
from .models import build_model
from .trainer import Trainer

__all__ = ["SCALING_METHODS", "bptt_update", "memory_vs_T"]

SCALING_METHODS = ("bptt", "chunked_bptt", "fptt", "ottt")


def bptt_update(
    model: torch.nn.Module,
    x_seq: torch.Tensor,
    labels: torch.Tensor,
    chunk_size: int | None = None,
    meter: SavedTensorMeter | None = None,
) -> torch.Tensor:
    """One BPTT forward and backward of the multi-step ``model`` (chunked when ``chunk_size`` is given).

    The loss is the TET cross-entropy of ``model``'s output; gradients accumulate in the
    parameters' ``.grad``; the network is reset first. With ``meter``, forward and backward run
    inside it. Returns the detached loss.

    Shape:
        ``x_seq``: ``[T, N, F]``; ``labels``: ``[N]``; returns a 0-d tensor.

    Example:
        >>> import torch
        >>> from snnlab.training import build_model
        >>> model = build_model('bptt', 3, 2, 4)
        >>> x, y = torch.rand(6, 5, 3), torch.tensor([0, 1, 0, 1, 1])
        >>> loss = bptt_update(model, x, y, chunk_size=2)
        >>> model[0].weight.grad.shape
        torch.Size([4, 3])
    """
    functional.reset_net(model)
    context = meter if meter is not None else torch.enable_grad()
    with context:
        y_seq = model(x_seq) if chunk_size is None else chunked_bptt_forward(model, x_seq, chunk_size)
        loss = functional.temporal_efficient_training_cross_entropy(y_seq, labels)
        loss.backward()
        del y_seq
    functional.reset_net(model)
    return loss.detach()


def memory_vs_T(
    T_values: Sequence[int],
    *,
    hidden: int = 128,
    batch_size: int = 32,
    n_channels: int = 4,
    chunk_size: int | None = None,
    methods: Sequence[str] = SCALING_METHODS,
    seed: int = 0,
) -> dict:
    """Peak bytes saved for backward by one update of each method, for each ``T`` (see the module docstring).

    Shape:
        returns ``{'T': list of T, method: list of bytes}``.

    Example:
        >>> curve = memory_vs_T((16,), hidden=8, batch_size=4, methods=('bptt', 'ottt'))
        >>> sorted(curve), curve['T']
        (['T', 'bptt', 'ottt'], [16])
    """
    owner = "memory_vs_T"
    if isinstance(T_values, (str, bytes)) or not isinstance(T_values, Sequence) or not T_values:
        raise TypeError(f"{owner}: T_values must be a non-empty sequence of ints, got {T_values!r}")
    T_values = [check_int(owner, "T_values", T, minimum=1) for T in T_values]
    hidden = check_int(owner, "hidden", hidden, minimum=1)
    batch_size = check_int(owner, "batch_size", batch_size, minimum=1)
    n_channels = check_int(owner, "n_channels", n_channels, minimum=2)
    if chunk_size is not None:
        chunk_size = check_int(owner, "chunk_size", chunk_size, minimum=1)
    methods = tuple(methods)
    for m in methods:
        if m not in SCALING_METHODS:
            raise ValueError(f"{owner}: methods must be drawn from {SCALING_METHODS}, got {m!r}")
    curve = {"T": list(T_values), **{m: [] for m in methods}}
    for T in T_values:
        x_seq, labels = burst_channel_task(batch_size, n_channels, T=T, seed=seed, time_first=True)
        for m in methods:
            if m in ("bptt", "chunked_bptt"):
                model = build_model("bptt", n_channels, n_channels, hidden, seed=seed)
                chunk = None if m == "bptt" else (chunk_size or max(1, round(math.sqrt(T))))
                meter = SavedTensorMeter()
                bptt_update(model, x_seq, labels, chunk, meter)
                curve[m].append(meter.peak)
            else:
                trainer = Trainer(m, x_seq, labels, T=T, hidden=hidden, batch_size=batch_size, seed=seed, encoding=None)
                curve[m].append(trainer.step().peak_bytes)
    return curve
