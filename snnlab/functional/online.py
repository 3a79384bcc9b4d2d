"""Online training: a parameter update at every time step instead of backpropagation through time.

- FPTT (forward propagation through time; Kag & Saligrama 2021, Yin et al. 2023): each step's loss
  gets a regulariser pulling the weights towards a running average ``w_ra``.
- OTTT (online training through time; Xiao et al. 2022) and SLTT: gradients of each step's loss only,
  with the network state detached between steps.

Shape:
    FPTT: ``x_seq`` ``[T, N, *]``, ``target_seq`` ``[T, *]``; OTTT: batch-first ``[N, T, *]``.

Example:
    >>> import torch
    >>> from snnlab.functional.online import fptt_online_training_init_w_ra
    >>> net = torch.nn.Linear(2, 1)
    >>> [w.shape for w in fptt_online_training_init_w_ra(torch.optim.SGD(net.parameters(), lr=0.1))]
    [torch.Size([1, 2]), torch.Size([1])]
"""

import contextlib
import copy
from collections.abc import Callable
from typing import cast

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..base import MemoryModule, step_mode_mismatches
from ..checks import check_bool, check_real, check_tensor, describe
from .network import detach_net

__all__ = ["fptt_online_training", "fptt_online_training_init_w_ra", "ottt_online_training"]


def _parameters(owner: str, optimizer) -> list:
    groups = getattr(optimizer, "param_groups", None)
    if not isinstance(groups, list):
        raise TypeError(f"{owner}: optimizer must be a torch.optim.Optimizer, got {describe(optimizer)}")
    return [w for group in groups for w in group["params"]]


def fptt_online_training_init_w_ra(optimizer: torch.optim.Optimizer) -> list:
    """The initial running average of the parameters for :func:`fptt_online_training`: copies of them.

    The list follows the optimizer's parameter order. Each entry is a detached copy (SpikingJelly
    returned aliases of the parameter storage, which made the first running-average update use the
    already-updated weights).

    Shape:
        one tensor per parameter, with that parameter's shape.

    Example:
        >>> import torch
        >>> from snnlab.functional import fptt_online_training_init_w_ra
        >>> net = torch.nn.Linear(2, 1)
        >>> w_ra = fptt_online_training_init_w_ra(torch.optim.SGD(net.parameters(), lr=0.1))
        >>> torch.equal(w_ra[0], net.weight), w_ra[0].data_ptr() == net.weight.data_ptr()
        (True, False)
    """
    return [w.detach().clone() for w in _parameters("fptt_online_training_init_w_ra", optimizer)]


def _require_single_step_model(owner: str, model: nn.Module) -> None:
    """Online training feeds one step per call: a module in multi-step mode would read the batch as time."""
    for path, m in step_mode_mismatches(model, "s"):
        raise ValueError(
            f"{owner}: model must run one step per call (step_mode='s'), got {type(m).__name__} at "
            f"{path or '<model>'!r} in step_mode={m.step_mode!r}; set it with functional.set_step_mode(model, 's')"
        )


def _memory_modules(model: nn.Module) -> list:
    return [m for m in model.modules() if isinstance(m, MemoryModule)]


@contextlib.contextmanager
def _restore_on_error(model: nn.Module, params: list):
    """Undo what a failing first step did (network state, buffers such as BatchNorm statistics, gradients).

    A loss that cannot take the model's output (e.g. a target of the wrong shape) is only found after
    the first forward; this puts the model back as it was before re-raising.
    """
    modules = list(model.modules())
    memories = [dict(m._memories) if isinstance(m, MemoryModule) else None for m in modules]
    buffers = [{k: (b, None if b is None else b.clone()) for k, b in m._buffers.items()} for m in modules]
    grads = [w.grad for w in params]
    try:
        yield
    except BaseException:
        with torch.no_grad():
            for m, memory, buffer in zip(modules, memories, buffers):
                if memory is not None:
                    m._memories = memory  # pyright: ignore[reportArgumentType]  (Module.__setattr__ stores a dict as-is)
                for name in [k for k in m._buffers if k not in buffer]:
                    del m._buffers[name]
                for name, (ref, saved) in buffer.items():
                    if ref is not None and saved is not None and not torch.equal(ref, saved):
                        ref.copy_(saved)
                    m._buffers[name] = ref
            for w, g in zip(params, grads):
                w.grad = g
        raise


def fptt_online_training(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    x_seq: torch.Tensor,
    target_seq: torch.Tensor,
    f_loss_t: Callable,
    alpha: float,
    w_ra: list,
) -> None:
    """Train a single-step ``model`` on one sequence with FPTT, one optimizer step per time step.

    At step ``t`` the loss ``f_loss_t(model(x_seq[t]), target_seq[t])`` plus
    ``alpha / 2 * sum_i mse(w_i, w_ra[i] + g_i / (2 alpha))`` (``g_i``: the previous step's loss
    gradient, a per-parameter mean squared error as in SpikingJelly) is minimised by one
    ``optimizer.step()``; the network state is then detached. Except at the last step, step ``t`` is
    run again with the new weights to get ``g_i`` and update ``w_ra[i] <- (w_ra[i] + w_i) / 2 - g_i / (2 alpha)``
    (``w_ra`` entries are replaced in the list), and the state that re-run produced is rolled back.
    The stored gradients are copies, so the optimizer's ``zero_grad`` cannot alter them. Call
    ``reset_net(model)`` between sequences. If the first step fails (e.g. ``f_loss_t`` rejects the
    target's shape), the model's state, buffers and gradients are restored before the error propagates.

    Shape:
        ``x_seq``: ``[T, N, *]``; ``target_seq``: ``[T, *]`` (what ``f_loss_t`` expects per step).

    Example:
        >>> import torch
        >>> import torch.nn.functional as F
        >>> from snnlab import functional, neuron
        >>> _ = torch.manual_seed(0)
        >>> net = torch.nn.Sequential(torch.nn.Linear(8, 4), neuron.IFNode(), torch.nn.Linear(4, 2), neuron.IFNode())
        >>> optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
        >>> w_ra = functional.fptt_online_training_init_w_ra(optimizer)
        >>> for epoch in range(2):
        ...     functional.fptt_online_training(net, optimizer, torch.rand(4, 2, 8), torch.rand(4, 2, 2),
        ...                                     F.mse_loss, alpha=0.1, w_ra=w_ra)
        ...     functional.reset_net(net)
    """
    owner = "fptt_online_training"
    if not isinstance(model, nn.Module):
        raise TypeError(f"{owner}: model must be a torch.nn.Module, got {describe(model)}")
    _require_single_step_model(owner, model)
    params = _parameters(owner, optimizer)
    check_tensor(owner, "x_seq", x_seq, min_dim=1)
    check_tensor(owner, "target_seq", target_seq, min_dim=1)
    T = x_seq.shape[0]
    if T == 0:
        raise ValueError(f"{owner}: x_seq must have at least one time step, got shape {list(x_seq.shape)}")
    if target_seq.shape[0] != T:
        raise ValueError(f"{owner}: target_seq must have T={T} steps like x_seq, got shape {list(target_seq.shape)}")
    if not callable(f_loss_t):
        raise TypeError(f"{owner}: f_loss_t must be callable, got {describe(f_loss_t)}")
    alpha = check_real(owner, "alpha", alpha, greater_than=0)
    if not isinstance(w_ra, list) or len(w_ra) != len(params):
        raise ValueError(
            f"{owner}: w_ra must be a list with one tensor per optimizer parameter ({len(params)}), "
            f"got {describe(w_ra) if not isinstance(w_ra, list) else f'a list of {len(w_ra)}'}"
        )
    for i, (w, r) in enumerate(zip(params, w_ra)):
        if not isinstance(r, torch.Tensor) or r.shape != w.shape:
            raise ValueError(f"{owner}: w_ra[{i}] must be a tensor of shape {list(w.shape)}, got {describe(r)}")
        if not w.requires_grad:
            raise ValueError(
                f"{owner}: optimizer parameter {i} (shape {list(w.shape)}) does not require grad; "
                "remove frozen parameters from the optimizer"
            )

    g_prev: list = [0.0] * len(params)
    for t in range(T):
        with _restore_on_error(model, params) if t == 0 else contextlib.nullcontext():
            optimizer.zero_grad()
            loss_t = f_loss_t(model(x_seq[t]), target_seq[t])
        loss_reg = 0.0
        for i, w in enumerate(params):
            loss_reg = loss_reg + F.mse_loss(w, w_ra[i] + g_prev[i] / (2.0 * alpha))
        (loss_t + loss_reg * (alpha / 2.0)).backward()
        optimizer.step()
        detach_net(model)
        memory_modules = _memory_modules(model)
        states = [copy.deepcopy(m._memories) for m in memory_modules]
        optimizer.zero_grad()
        if t < T - 1:
            f_loss_t(model(x_seq[t]), target_seq[t]).backward()
            missing = [i for i, w in enumerate(params) if w.grad is None]
            if missing:
                raise ValueError(
                    f"{owner}: the loss of step {t} gives no gradient to optimizer parameter(s) {missing}; "
                    "every optimized parameter must take part in the loss"
                )
            with torch.no_grad():
                for i, w in enumerate(params):
                    g_prev[i] = w.grad.detach().clone()
                    w_ra[i] = (w_ra[i] + w) / 2.0 - w.grad / (2.0 * alpha)
        optimizer.zero_grad()
        for m, state in zip(memory_modules, states):
            m._memories = state


def ottt_online_training(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    x_seq: torch.Tensor,
    target_seq: torch.Tensor,
    f_loss_t: Callable,
    online: bool,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Train a single-step ``model`` on batch-first sequences with OTTT / SLTT.

    For each time step the loss ``f_loss_t(y_t, target_seq[:, t])`` is back-propagated, then the
    network state is detached, so no graph spans two steps. With ``online=True`` the optimizer steps
    after every time step; with ``online=False`` gradients accumulate over the sequence and it steps
    once at the end. A list/tuple output (``[spike, trace]`` of a training-mode ``OTTTLIFNode``) is
    reduced to its first element. Call ``reset_net(model)`` between batches. If the first step fails
    (e.g. ``f_loss_t`` rejects the target's shape), the model's state, buffers and gradients are restored
    before the error propagates.

    Returns ``(batch_loss, y_all)``: the SUM over steps of the detached per-step losses, and the
    detached outputs stacked batch-first.

    Shape:
        ``x_seq``: ``[N, T, *]``, ``target_seq``: ``[N, T, *]`` -> ``([]``, ``[N, T, *'])``.

    Example:
        >>> import torch
        >>> import torch.nn.functional as F
        >>> from snnlab import functional, layer, neuron
        >>> _ = torch.manual_seed(0)
        >>> net = layer.OTTTSequential(torch.nn.Linear(8, 4), neuron.OTTTLIFNode(), torch.nn.Linear(4, 2), neuron.LIFNode())
        >>> optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
        >>> for epoch in range(2):
        ...     batch_loss, y_all = functional.ottt_online_training(net, optimizer, torch.rand(2, 4, 8),
        ...                                                         torch.rand(2, 4, 2), F.mse_loss, online=True)
        ...     functional.reset_net(net)
        >>> batch_loss.shape, y_all.shape
        (torch.Size([]), torch.Size([2, 4, 2]))
    """
    owner = "ottt_online_training"
    if not isinstance(model, nn.Module):
        raise TypeError(f"{owner}: model must be a torch.nn.Module, got {describe(model)}")
    _require_single_step_model(owner, model)
    params = _parameters(owner, optimizer)
    check_tensor(owner, "x_seq", x_seq, min_dim=2)
    check_tensor(owner, "target_seq", target_seq, min_dim=2)
    if not callable(f_loss_t):
        raise TypeError(f"{owner}: f_loss_t must be callable, got {describe(f_loss_t)}")
    check_bool(owner, "online", online)
    N, T = x_seq.shape[0], x_seq.shape[1]
    if T == 0:
        raise ValueError(
            f"{owner}: x_seq must have at least one time step (batch-first [N, T, *]), got shape {list(x_seq.shape)}"
        )
    if tuple(target_seq.shape[:2]) != (N, T):
        raise ValueError(
            f"{owner}: target_seq must be batch-first [N, T, *] with N={N}, T={T} like x_seq, "
            f"got shape {list(target_seq.shape)}"
        )
    x_seq = x_seq.transpose(0, 1)
    target_seq = target_seq.transpose(0, 1)
    batch_loss = None
    y_all = []
    for t in range(T):
        with _restore_on_error(model, params) if t == 0 else contextlib.nullcontext():
            if online or t == 0:
                optimizer.zero_grad()
            y_t = model(x_seq[t])
            if isinstance(y_t, (list, tuple)):
                y_t = y_t[0]
            loss = f_loss_t(y_t, target_seq[t].contiguous())
        loss.backward()
        if online:
            optimizer.step()
        detach_net(model)
        batch_loss = loss.detach() if batch_loss is None else batch_loss + loss.detach()
        y_all.append(y_t.detach())
    if not online:
        optimizer.step()
    # T >= 1 was checked above, so the loop ran and batch_loss is a tensor
    return cast(torch.Tensor, batch_loss), torch.stack(y_all, dim=1)
