"""The ``'triton'`` backend of the adaptive-threshold LIF: a whole sequence in two fused GPU kernels.

``multi_step(cfg, x_seq, v_init, a_init)`` follows :mod:`snnlab.backends.torch_alif` (same
arguments, results and gradients). The forward saves the pre-spike potential and the threshold
of every step when a gradient is needed; the backward writes the input gradient over ``h``
unless ``retain_graph`` keeps the graph. Dtypes and devices as :mod:`snnlab.backends.triton_cuba`.

Shape:
    ``x_seq``: ``[T, *]``; ``v_init``, ``a_init``: ``[*]``; returns ``spike_seq`` ``[T, *]``,
    ``v_out`` ``[T, *]`` (``cfg.store_v_seq``) or ``[*]`` and ``a_last`` ``[*]``.

Example:
    >>> import torch
    >>> from snnlab.backends import AdaptiveLIFConfig
    >>> cfg = AdaptiveLIFConfig(0.5, 2.0, 0.5, False, 1.0, 0.0, False, 'sigmoid', 4.0, False)
    >>> zeros = torch.zeros(1, device='cuda')  # doctest: +SKIP
    >>> multi_step(cfg, torch.full((4, 1), 0.8, device='cuda'), zeros, zeros)[0].flatten()  # doctest: +SKIP
    tensor([0., 1., 0., 0.], device='cuda:0')
"""

import torch
from torch.autograd.function import once_differentiable

from .config import AdaptiveLIFConfig
from .torch_backend import _graph_is_kept
from .triton_backend import FUSED_DTYPES, _check_devices, _row_align, _surrogate_args, _surrogate_switch
from .triton_cuba import check_config, launch

__all__ = ["multi_step"]

_OWNER = "triton backend"


class _FusedAdaptive(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, v0, a0, cfg, save_h):
        from . import triton_cuba_kernels as tk

        T, N = x.shape[0], v0.numel()
        spike = torch.empty_like(x)
        h = torch.empty_like(x) if save_h else spike
        theta = torch.empty_like(x) if save_h else spike
        v_out = torch.empty_like(x) if cfg.store_v_seq else torch.empty_like(v0)
        a_out = torch.empty_like(a0)
        r = 0.0 if cfg.v_reset is None else float(cfg.v_reset)
        k = float(cfg.k)
        if N > 0:
            launch(
                tk.alif_forward, N, x, v0, a0, spike, h, theta, v_out, a_out,
                T, N, cfg.v_threshold, k, 1.0 - k, r, 1.0 - 1.0 / cfg.tau_adapt, float(cfg.beta),
                DECAY_INPUT=bool(cfg.decay_input), SHIFTED=r != 0.0, HARD_RESET=cfg.v_reset is not None,
                STORE_V_SEQ=bool(cfg.store_v_seq), STORE_H=bool(save_h), ROUND_H=x.dtype != torch.float32,
                ROW_ALIGN=_row_align(N),
            )  # fmt: skip
        ctx.cfg, ctx.r = cfg, r
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(h if save_h else None, theta if save_h else None, v0)
        return spike, v_out, a_out

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_spike, grad_v_out, grad_a_last):
        from . import triton_cuba_kernels as tk

        h, theta, v0 = ctx.saved_tensors
        cfg = ctx.cfg
        if h is None:
            raise RuntimeError(f"{_OWNER}: backward called on a sequence run without gradient tracking")
        T, N = h.shape[0], v0.numel()
        grad_x = torch.empty_like(h) if _graph_is_kept() else h
        grad_v0, grad_a0 = torch.empty_like(v0), torch.empty_like(v0)
        seq = grad_v_out if cfg.store_v_seq else None
        last = None if cfg.store_v_seq else grad_v_out
        alpha, c = _surrogate_args(cfg)
        if N > 0:
            launch(
                tk.alif_backward,
                N,
                *(g.contiguous() if g is not None else h for g in (grad_spike, seq, last, grad_a_last)),
                h, theta, grad_x, grad_v0, grad_a0,
                T, N, ctx.r, alpha, c, 1.0 - cfg.k, cfg.k if cfg.decay_input else 1.0,
                1.0 - 1.0 / cfg.tau_adapt, float(cfg.beta),
                HARD_RESET=cfg.v_reset is not None, DETACH_RESET=bool(cfg.detach_reset),
                SURROGATE=_surrogate_switch(cfg.surrogate), HAS_GRAD_SPIKE=grad_spike is not None,
                HAS_GRAD_V_SEQ=seq is not None, HAS_GRAD_V_LAST=last is not None,
                HAS_GRAD_A_LAST=grad_a_last is not None, ROW_ALIGN=_row_align(N),
            )  # fmt: skip
        return grad_x, grad_v0, grad_a0, None, None


def multi_step(
    cfg: AdaptiveLIFConfig, x_seq: torch.Tensor, v_init: torch.Tensor, a_init: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Run an adaptive-threshold LIF over ``x_seq`` with the fused Triton kernels (see the module docstring).

    Shape:
        ``x_seq``: ``[T, *]``; ``v_init``, ``a_init``: ``[*]``; returns ``([T, *], [T, *] or [*], [*])``.

    Example:
        >>> import torch
        >>> from snnlab.backends import AdaptiveLIFConfig
        >>> cfg = AdaptiveLIFConfig(0.5, 2.0, 0.5, True, 1.0, 0.0, False, 'atan', 2.0, False)
        >>> zeros = torch.zeros(1, device='cuda')  # doctest: +SKIP
        >>> multi_step(cfg, torch.full((2, 1), 3.0, device='cuda'), zeros, zeros)[0].flatten()  # doctest: +SKIP
        tensor([1., 0.], device='cuda:0')
    """
    check_config(cfg, AdaptiveLIFConfig, x_seq, v_init=v_init, a_init=a_init)
    if x_seq.dtype not in FUSED_DTYPES:
        from . import torch_alif

        return torch_alif.multi_step(cfg, x_seq, v_init, a_init)
    _check_devices(x_seq, v_init=v_init, a_init=a_init)
    save_h = torch.is_grad_enabled() and (x_seq.requires_grad or v_init.requires_grad or a_init.requires_grad)
    return _FusedAdaptive.apply(x_seq.contiguous(), v_init.contiguous(), a_init.contiguous(), cfg, save_h)
