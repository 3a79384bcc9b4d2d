"""Running modules over a time axis: step-by-step, chunk-by-chunk, or with time folded into the batch.

Every sequence here is time-first, ``[T, N, *]``.

Shape:
    ``x_seq``: ``[T, N, *]`` in, ``[T, N, *']`` out.

Example:
    >>> import torch
    >>> from snnlab.functional.forward import multi_step_forward, seq_to_ann_forward
    >>> x_seq = torch.ones(3, 2, 4)
    >>> multi_step_forward(x_seq, torch.nn.Linear(4, 5)).shape
    torch.Size([3, 2, 5])
    >>> seq_to_ann_forward(x_seq, torch.nn.Flatten()).shape
    torch.Size([3, 2, 4])
"""

import operator
from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.nn as nn

from ..checks import check_tensor, describe

__all__ = ["chunk_multi_step_forward", "multi_step_forward", "seq_to_ann_forward"]


def _check_modules(owner: str, name: str, modules):
    """Return ``modules`` after checking it is a callable or a list/tuple of callables."""
    if isinstance(modules, (list, tuple)):
        for i, m in enumerate(modules):
            if not callable(m):
                raise TypeError(f"{owner}: {name}[{i}] must be callable, got {describe(m)}")
    elif not callable(modules):
        raise TypeError(
            f"{owner}: {name} must be a module, a callable or a list/tuple of them, got {describe(modules)}"
        )
    return modules


def _require_single_step(modules) -> None:
    """Refuse modules (or modules nested in plain torch containers) that are in multi-step mode."""
    from ..layer.containers import require_single_step  # the layer package imports this one

    require_single_step("multi_step_forward", list(modules) if isinstance(modules, (list, tuple)) else [modules])


def _apply(modules, x: torch.Tensor) -> torch.Tensor:
    """Pipe ``x`` through a list/tuple of callables in order, or call a single callable."""
    if isinstance(modules, (list, tuple)):
        for m in modules:
            x = m(x)
        return x
    return modules(x)


def multi_step_forward(
    x_seq: torch.Tensor, single_step_module: nn.Module | Sequence[Callable] | Callable
) -> torch.Tensor:
    """Run a single-step module (or a list/tuple of them, in order) on every ``x_seq[t]`` and stack.

    A module in multi-step mode (``step_mode='m'``) is refused: it would read each ``x_seq[t]`` as a
    whole sequence.

    State carried by the module (e.g. a neuron's membrane potential) accumulates from one step to the
    next. An ``nn.Sequential`` is called as a module, so its own forward hooks fire (SpikingJelly
    iterated it); the outputs are the same.

    Shape:
        ``x_seq``: ``[T, N, *]`` -> ``[T, N, *']``.

    Example:
        >>> import torch
        >>> from snnlab.functional import multi_step_forward
        >>> class Accumulate(torch.nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.total = 0.
        ...     def forward(self, x):
        ...         self.total = self.total + x
        ...         return self.total
        >>> multi_step_forward(torch.ones(3, 1), Accumulate()).flatten().tolist()
        [1.0, 2.0, 3.0]
    """
    check_tensor("multi_step_forward", "x_seq", x_seq, min_dim=1)
    _check_modules("multi_step_forward", "single_step_module", single_step_module)
    _require_single_step(single_step_module)
    T = x_seq.shape[0]
    if T == 0:
        raise ValueError(f"multi_step_forward: x_seq must have at least one time step, got shape {list(x_seq.shape)}")
    return torch.stack([_apply(single_step_module, x_seq[t]) for t in range(T)])


def chunk_multi_step_forward(
    split_size: int | Sequence[int], x_seq: torch.Tensor, multi_step_module: Callable
) -> torch.Tensor:
    """Feed ``x_seq`` to a multi-step module in chunks of ``split_size`` steps and concatenate.

    The module's state is not reset between chunks, so the result equals one call on the whole
    sequence while the peak memory is that of one chunk (useful for inference with a large ``T``).
    ``split_size`` is an int (the last chunk may be shorter) or a list of chunk lengths summing to ``T``.

    Shape:
        ``x_seq``: ``[T, *]`` -> ``[T, *']`` (not ``[split_size, *]``).

    Example:
        >>> import torch
        >>> from snnlab.functional import chunk_multi_step_forward
        >>> cumulative = lambda x: x.cumsum(0)   # stateless: each chunk restarts the sum
        >>> chunk_multi_step_forward(2, torch.ones(5), cumulative).tolist()
        [1.0, 2.0, 1.0, 2.0, 1.0]
    """
    owner = "chunk_multi_step_forward"
    check_tensor(owner, "x_seq", x_seq, min_dim=1)
    _check_modules(owner, "multi_step_module", multi_step_module)
    T = x_seq.shape[0]
    if T == 0:
        raise ValueError(f"{owner}: x_seq must have at least one time step, got shape {list(x_seq.shape)}")
    if isinstance(split_size, (list, tuple)):
        sizes: list[int] = []
        for item in split_size:
            s = _as_int(item)
            if s is None or s <= 0:
                raise ValueError(
                    f"{owner}: split_size must be a positive int or a list of positive ints, got {split_size!r}"
                )
            sizes.append(s)
        if sum(sizes) != T:
            raise ValueError(
                f"{owner}: the chunk lengths in split_size must sum to T={T}, got {split_size!r} (sum {sum(sizes)})"
            )
        return torch.cat([multi_step_module(chunk) for chunk in torch.split(x_seq, sizes)], 0)
    size = _as_int(split_size)
    if size is None:
        raise TypeError(
            f"{owner}: split_size must be a positive int or a list of positive ints, got {describe(split_size)}"
        )
    if size <= 0:
        raise ValueError(f"{owner}: split_size must be a positive int, got {split_size}")
    return torch.cat([multi_step_module(chunk) for chunk in torch.split(x_seq, size)], 0)


def _as_int(value: Any) -> int | None:
    """``value`` as a Python int if it is an integer (numpy and 0-d integer tensors included), else None."""
    if isinstance(value, bool):
        return None
    try:
        return operator.index(value)
    except TypeError:
        return None


def seq_to_ann_forward(
    x_seq: torch.Tensor, stateless_module: nn.Module | Sequence[Callable] | Callable
) -> torch.Tensor:
    """Apply stateless module(s) to all time steps at once by folding time into the batch dimension.

    ``x_seq`` is reshaped to ``[T * N, *]``, passed through the module (or a list/tuple of them, in
    order; an ``nn.Sequential`` is called as a module) and unfolded back to ``[T, N, *']``. The module
    must keep the leading ``T * N`` dimension.

    Shape:
        ``x_seq``: ``[T, N, *]`` -> ``[T, N, *']``.

    Example:
        >>> import torch
        >>> from snnlab.functional import seq_to_ann_forward
        >>> x_seq = torch.rand(4, 2, 3, 8, 8)
        >>> seq_to_ann_forward(x_seq, torch.nn.Conv2d(3, 6, 3)).shape
        torch.Size([4, 2, 6, 6, 6])
    """
    owner = "seq_to_ann_forward"
    check_tensor(owner, "x_seq", x_seq, min_dim=2)
    _check_modules(owner, "stateless_module", stateless_module)
    T, N = x_seq.shape[0], x_seq.shape[1]
    y = _apply(stateless_module, x_seq.flatten(0, 1))
    if not isinstance(y, torch.Tensor):
        raise TypeError(f"{owner}: stateless_module must return a tensor, got {describe(y)}")
    if y.dim() == 0 or y.shape[0] != T * N:
        raise ValueError(
            f"{owner}: stateless_module must keep the leading T*N={T * N} dimension of its "
            f"[T*N, *] input (T={T}, N={N}), got an output of shape {list(y.shape)}"
        )
    return y.unflatten(0, (T, N))
