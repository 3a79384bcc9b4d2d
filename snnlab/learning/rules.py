"""Trace-based STDP rules for one time step (and a whole sequence) of a linear or convolutional synapse.

Each presynaptic input ``j`` and postsynaptic neuron ``i`` keeps a trace of its recent spikes. With the
traces of SpikingJelly 0.14's STDP (``tr <- tr - tr / tau + s``), a pair of spikes changes the weight by

    dw_ij = f_post(w_ij) * tr_pre_j * s_post_i  -  f_pre(w_ij) * tr_post_i * s_pre_j,

potentiation when the input fired before the output, depression otherwise; ``f_pre`` / ``f_post`` are
weight-dependent factors (identity by default), applied element-wise. Batches are summed. The
reward-modulated rules (MSTDP, MSTDP-ET; Florian 2007) decay the traces by ``exp(-1 / tau)`` and return
the eligibility (the same pair term) instead of a weight change.

Shape:
    linear: ``in_spike`` ``[N, in]``, ``out_spike`` ``[N, out]``, ``dw`` like ``weight`` ``[out, in]``;
    conv: ``[N, C_in, *]`` / ``[N, C_out, *']``; multi-step: a leading ``T``.

Example:
    >>> import torch
    >>> fc = torch.nn.Linear(2, 1, bias=False)
    >>> with torch.no_grad():
    ...     _ = fc.weight.fill_(1.0)
    >>> pre, post = torch.tensor([[1.0, 0.0]]), torch.tensor([[1.0]])
    >>> tr_pre, tr_post, dw = stdp_linear_single_step(fc, pre, post, None, None, 2.0, 2.0)
    >>> dw.tolist()      # input 0 and the output fired together: + tr_pre - tr_post = 1 - 1
    [[0.0, 0.0]]
"""

import math
from collections.abc import Callable

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..checks import check_tensor, describe
from ..errors import UnknownOptionError

__all__ = [
    "mstdp_linear_single_step",
    "mstdpet_linear_single_step",
    "stdp_conv1d_single_step",
    "stdp_conv2d_single_step",
    "stdp_linear_single_step",
    "stdp_multi_step",
]

Trace = float | torch.Tensor | None


def _identity(x: torch.Tensor) -> torch.Tensor:
    return x


def _trace(trace: Trace) -> float | torch.Tensor:
    return 0.0 if trace is None else trace


def _check_linear(owner: str, fc, in_spike, out_spike) -> None:
    if not isinstance(fc, nn.Linear):
        raise TypeError(f"{owner}: fc must be an nn.Linear, got {describe(fc)}")
    check_tensor(owner, "in_spike", in_spike, min_dim=1)
    check_tensor(owner, "out_spike", out_spike, min_dim=1)
    if in_spike.shape[-1] != fc.in_features or out_spike.shape[-1] != fc.out_features:
        raise ValueError(
            f"{owner}: in_spike [..., {fc.in_features}] and out_spike [..., {fc.out_features}] must match the layer, "
            f"got {list(in_spike.shape)} and {list(out_spike.shape)}"
        )


def _pair_term(w, tr_pre, s_post, tr_post, s_pre, f_pre, f_post) -> torch.Tensor:
    """``f_post(w) * tr_pre s_post - f_pre(w) * tr_post s_pre`` per sample: ``[..., out, in]``."""
    return f_post(w) * (tr_pre.unsqueeze(-2) * s_post.unsqueeze(-1)) - f_pre(w) * (
        tr_post.unsqueeze(-1) * s_pre.unsqueeze(-2)
    )


def stdp_linear_single_step(
    fc: nn.Linear,
    in_spike: torch.Tensor,
    out_spike: torch.Tensor,
    trace_pre: Trace,
    trace_post: Trace,
    tau_pre: float,
    tau_post: float,
    f_pre: Callable = _identity,
    f_post: Callable = _identity,
) -> tuple:
    """One STDP step of ``fc``: the new traces and ``dw`` ``[out, in]`` summed over the batch.

    Traces start at 0 (``None``) and follow ``tr <- tr - tr / tau + s``.

    Shape:
        ``in_spike`` ``[N, in]``, ``out_spike`` ``[N, out]`` -> ``([N, in], [N, out], [out, in])``.

    Example:
        >>> import torch
        >>> fc = torch.nn.Linear(1, 1, bias=False)
        >>> with torch.no_grad():
        ...     _ = fc.weight.fill_(1.0)
        >>> tr = stdp_linear_single_step(fc, torch.ones(1, 1), torch.zeros(1, 1), None, None, 2.0, 2.0)
        >>> stdp_linear_single_step(fc, torch.zeros(1, 1), torch.ones(1, 1), tr[0], tr[1], 2.0, 2.0)[2]
        tensor([[0.5000]])
    """
    _check_linear("stdp_linear_single_step", fc, in_spike, out_spike)
    weight = fc.weight.data
    trace_pre = _trace(trace_pre)
    trace_post = _trace(trace_post)
    trace_pre = trace_pre - trace_pre / tau_pre + in_spike
    trace_post = trace_post - trace_post / tau_post + out_spike
    dw = _pair_term(weight, trace_pre, out_spike, trace_post, in_spike, f_pre, f_post)
    return trace_pre, trace_post, dw.sum(0) if dw.dim() == 3 else dw


def mstdp_linear_single_step(
    fc: nn.Linear,
    in_spike: torch.Tensor,
    out_spike: torch.Tensor,
    trace_pre: Trace,
    trace_post: Trace,
    tau_pre: float,
    tau_post: float,
    f_pre: Callable = _identity,
    f_post: Callable = _identity,
) -> tuple:
    """One MSTDP step: traces decay by ``exp(-1 / tau)``; returns the per-sample eligibility ``[N, out, in]``.

    Shape:
        ``in_spike`` ``[N, in]``, ``out_spike`` ``[N, out]`` -> ``([N, in], [N, out], [N, out, in])``.

    Example:
        >>> import torch
        >>> fc = torch.nn.Linear(3, 2)
        >>> mstdp_linear_single_step(fc, torch.ones(4, 3), torch.ones(4, 2), None, None, 2.0, 2.0)[2].shape
        torch.Size([4, 2, 3])
    """
    _check_linear("mstdp_linear_single_step", fc, in_spike, out_spike)
    trace_pre = _trace(trace_pre) * math.exp(-1.0 / tau_pre) + in_spike
    trace_post = _trace(trace_post) * math.exp(-1.0 / tau_post) + out_spike
    eligibility = _pair_term(fc.weight.data, trace_pre, out_spike, trace_post, in_spike, f_pre, f_post)
    return trace_pre, trace_post, eligibility


def mstdpet_linear_single_step(
    fc: nn.Linear,
    in_spike: torch.Tensor,
    out_spike: torch.Tensor,
    trace_pre: Trace,
    trace_post: Trace,
    tau_pre: float,
    tau_post: float,
    tau_trace: float,
    f_pre: Callable = _identity,
    f_post: Callable = _identity,
) -> tuple:
    """One MSTDP-ET step: like MSTDP, with the eligibility summed over the batch (``[out, in]``).

    ``tau_trace`` is accepted for SpikingJelly's signature; the eligibility trace itself decays in
    ``MSTDPETLearner``. Unbatched spikes (``[in]``, ``[out]``) work as in SpikingJelly.

    Shape:
        ``in_spike`` ``[N, in]`` or ``[in]``, ``out_spike`` ``[N, out]`` or ``[out]`` -> ``(..., ..., [out, in])``.

    Example:
        >>> import torch
        >>> fc = torch.nn.Linear(3, 2)
        >>> mstdpet_linear_single_step(fc, torch.ones(3), torch.ones(2), None, None, 2.0, 2.0, 5.0)[2].shape
        torch.Size([2, 3])
    """
    _check_linear("mstdpet_linear_single_step", fc, in_spike, out_spike)
    trace_pre = _trace(trace_pre) * math.exp(-1.0 / tau_pre) + in_spike
    trace_post = _trace(trace_post) * math.exp(-1.0 / tau_post) + out_spike
    eligibility = _pair_term(fc.weight.data, trace_pre, out_spike, trace_post, in_spike, f_pre, f_post)
    return trace_pre, trace_post, eligibility.sum(0) if eligibility.dim() == 3 else eligibility


def _check_conv(owner: str, conv, cls, in_spike, out_spike) -> None:
    if not isinstance(conv, cls):
        raise TypeError(f"{owner}: conv must be an nn.{cls.__name__}, got {describe(conv)}")
    if any(d != 1 for d in conv.dilation):
        raise UnknownOptionError(f"{owner}: STDP needs dilation 1, got dilation={conv.dilation}")
    if conv.groups != 1:
        raise UnknownOptionError(f"{owner}: STDP needs groups=1, got groups={conv.groups}")
    rank = len(conv.kernel_size) + 2
    check_tensor(owner, "in_spike", in_spike)
    check_tensor(owner, "out_spike", out_spike)
    if in_spike.dim() != rank or out_spike.dim() != rank:
        raise ValueError(
            f"{owner}: in_spike and out_spike must be {rank}-d [N, C, ...], "
            f"got {list(in_spike.shape)} and {list(out_spike.shape)}"
        )


def _pad(conv, in_spike: torch.Tensor) -> torch.Tensor:
    if all(p == 0 for p in conv.padding):
        return in_spike
    if conv.padding_mode != "zeros":
        return F.pad(in_spike, conv._reversed_padding_repeated_twice, mode=conv.padding_mode)
    return F.pad(in_spike, conv._reversed_padding_repeated_twice)


def _stdp_conv(owner, conv, cls, in_spike, out_spike, trace_pre, trace_post, tau_pre, tau_post, f_pre, f_post):
    _check_conv(owner, conv, cls, in_spike, out_spike)
    if isinstance(conv.padding, str):
        raise UnknownOptionError(f"{owner}: STDP needs numeric padding, got padding={conv.padding!r}")
    in_spike = _pad(conv, in_spike)
    if trace_pre is None:
        trace_pre = torch.zeros_like(in_spike)
    if trace_post is None:
        trace_post = torch.zeros_like(out_spike, dtype=in_spike.dtype)
    trace_pre = trace_pre - trace_pre / tau_pre + in_spike
    trace_post = trace_post - trace_post / tau_post + out_spike
    weight = conv.weight.data
    kernel = weight.shape[2:]
    dw = torch.zeros_like(weight)
    spatial = "".join("xyz"[: len(kernel)])
    pair = f"n i {spatial}, n o {spatial} -> o i".replace(" ", "")
    for k in _positions(kernel):
        window = tuple(
            slice(k[d], in_spike.shape[2 + d] - kernel[d] + 1 + k[d], conv.stride[d]) for d in range(len(kernel))
        )
        s_pre = in_spike[(slice(None), slice(None)) + window]
        tr_pre = trace_pre[(slice(None), slice(None)) + window]
        w = weight[(slice(None), slice(None)) + tuple(k)]
        dw[(slice(None), slice(None)) + tuple(k)] = f_post(w) * torch.einsum(pair, tr_pre, out_spike) - f_pre(
            w
        ) * torch.einsum(pair, s_pre, trace_post)
    return trace_pre, trace_post, dw


def _positions(kernel) -> list:
    positions = [()]
    for size in kernel:
        positions = [p + (i,) for p in positions for i in range(size)]
    return positions


def stdp_conv2d_single_step(
    conv: nn.Conv2d,
    in_spike: torch.Tensor,
    out_spike: torch.Tensor,
    trace_pre: torch.Tensor | None,
    trace_post: torch.Tensor | None,
    tau_pre: float,
    tau_post: float,
    f_pre: Callable = _identity,
    f_post: Callable = _identity,
) -> tuple:
    """One STDP step of a ``Conv2d`` (shared weights: every output position adds its pair terms).

    The presynaptic trace is kept for the padded input. Needs ``dilation=1`` and ``groups=1``.

    Shape:
        ``in_spike`` ``[N, C_in, H, W]``, ``out_spike`` ``[N, C_out, H', W']`` -> traces and ``dw`` like ``weight``.

    Example:
        >>> import torch
        >>> conv = torch.nn.Conv2d(1, 2, 3, padding=1)
        >>> s = torch.ones(1, 1, 4, 4)
        >>> stdp_conv2d_single_step(conv, s, conv(s).gt(0).float(), None, None, 2.0, 2.0)[2].shape
        torch.Size([2, 1, 3, 3])
    """
    return _stdp_conv(
        "stdp_conv2d_single_step",
        conv,
        nn.Conv2d,
        in_spike,
        out_spike,
        trace_pre,
        trace_post,
        tau_pre,
        tau_post,
        f_pre,
        f_post,
    )


def stdp_conv1d_single_step(
    conv: nn.Conv1d,
    in_spike: torch.Tensor,
    out_spike: torch.Tensor,
    trace_pre: torch.Tensor | None,
    trace_post: torch.Tensor | None,
    tau_pre: float,
    tau_post: float,
    f_pre: Callable = _identity,
    f_post: Callable = _identity,
) -> tuple:
    """One STDP step of a ``Conv1d`` (see ``stdp_conv2d_single_step``).

    Shape:
        ``in_spike`` ``[N, C_in, L]``, ``out_spike`` ``[N, C_out, L']`` -> traces and ``dw`` like ``weight``.

    Example:
        >>> import torch
        >>> conv = torch.nn.Conv1d(2, 3, 2)
        >>> stdp_conv1d_single_step(conv, torch.ones(1, 2, 5), torch.ones(1, 3, 4), None, None, 2.0, 2.0)[2].shape
        torch.Size([3, 2, 2])
    """
    return _stdp_conv(
        "stdp_conv1d_single_step",
        conv,
        nn.Conv1d,
        in_spike,
        out_spike,
        trace_pre,
        trace_post,
        tau_pre,
        tau_post,
        f_pre,
        f_post,
    )


def stdp_multi_step(
    layer: nn.Linear | nn.Conv1d | nn.Conv2d,
    in_spike: torch.Tensor,
    out_spike: torch.Tensor,
    trace_pre: Trace,
    trace_post: Trace,
    tau_pre: float,
    tau_post: float,
    f_pre: Callable = _identity,
    f_post: Callable = _identity,
) -> tuple:
    """STDP over a sequence: the single-step rule of ``layer``'s type at each ``t``, ``dw`` summed over time.

    Shape:
        ``in_spike`` ``[T, N, ...]``, ``out_spike`` ``[T, N, ...]`` -> last traces and ``dw`` like ``weight``.

    Example:
        >>> import torch
        >>> fc = torch.nn.Linear(3, 2)
        >>> stdp_multi_step(fc, torch.ones(5, 1, 3), torch.ones(5, 1, 2), None, None, 2.0, 2.0)[2].shape
        torch.Size([2, 3])
    """
    rule = _single_step_rule("stdp_multi_step", layer)
    check_tensor("stdp_multi_step", "in_spike", in_spike, min_dim=1)
    check_tensor("stdp_multi_step", "out_spike", out_spike, min_dim=1)
    if in_spike.shape[0] != out_spike.shape[0]:
        raise ValueError(
            f"stdp_multi_step: in_spike and out_spike must have the same number of steps, "
            f"got {in_spike.shape[0]} and {out_spike.shape[0]}"
        )
    delta_w = torch.zeros_like(layer.weight.data)
    for t in range(in_spike.shape[0]):
        trace_pre, trace_post, dw = rule(
            layer, in_spike[t], out_spike[t], trace_pre, trace_post, tau_pre, tau_post, f_pre, f_post
        )
        delta_w += dw
    return trace_pre, trace_post, delta_w


def _single_step_rule(owner: str, layer) -> Callable:
    if isinstance(layer, nn.Linear):
        return stdp_linear_single_step
    if isinstance(layer, nn.Conv1d):
        return stdp_conv1d_single_step
    if isinstance(layer, nn.Conv2d):
        return stdp_conv2d_single_step
    raise TypeError(f"{owner}: the synapse must be an nn.Linear, nn.Conv1d or nn.Conv2d, got {describe(layer)}")
