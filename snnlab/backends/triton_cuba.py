"""The ``'triton'`` backend of the current-based LIF: a whole sequence in two fused GPU kernels.

``multi_step(cfg, x_seq, i_init, v_init)`` follows :mod:`snnlab.backends.torch_cuba` (same
arguments, results and gradients; identical spikes, gradients within float rounding). One kernel
runs the forward over all ``T`` steps and saves the pre-spike potential ``h`` (only when a
gradient is needed); one runs the backward from ``T - 1`` down to 0, writing the input gradient
over ``h`` unless ``retain_graph`` keeps the graph. float32, float16 and bfloat16 are computed in
fp32 registers; other dtypes run on the 'torch' backend. Tensors must be on a CUDA device, or on
any device under the Triton interpreter (``TRITON_INTERPRET=1``, how the tests run without a GPU).

Shape:
    ``x_seq``: ``[T, *]``; ``i_init``, ``v_init``: ``[*]``; returns ``spike_seq`` ``[T, *]``,
    ``i_last`` ``[*]`` and ``v_out`` ``[T, *]`` (``cfg.store_v_seq``) or ``[*]``.

Example:
    >>> import torch
    >>> from snnlab.backends import CubaLIFConfig
    >>> cfg = CubaLIFConfig(2.0, 2.0, True, 1.0, 0.0, False, 'sigmoid', 4.0, False)
    >>> x = torch.full((4, 1), 2.0, device='cuda')  # doctest: +SKIP
    >>> multi_step(cfg, x, torch.zeros(1, device='cuda'), torch.zeros(1, device='cuda'))[0].flatten()  # doctest: +SKIP
    tensor([0., 1., 0., 1.], device='cuda:0')
"""

from typing import Any

import torch
from torch.autograd.function import once_differentiable

from ..checks import describe
from .config import CubaLIFConfig
from .torch_backend import _DERIVATIVES, _graph_is_kept
from .torch_cuba import check_sequence
from .triton_backend import FUSED_DTYPES, _cdiv, _check_devices, _row_align, _surrogate_args, _surrogate_switch

__all__ = ["launch", "multi_step"]

_OWNER = "triton backend"
_INTERPRET_BLOCK = 32  # small blocks under the interpreter: tests cover several programs and tails
_GPU_BLOCK, _GPU_WARPS = 1024, 4


def launch(kernel: Any, n: int, *args: Any, **constexprs: Any) -> None:
    """Launch ``kernel`` over ``ceil(n / BLOCK)`` programs (a fixed BLOCK; no fused multiply-adds on
    the GPU, so the values follow the torch formulas' roundings)."""
    from .triton_kernels import interpreting

    device = args[0].device
    if interpreting():
        kernel[(_cdiv(n, _INTERPRET_BLOCK),)](*args, BLOCK=_INTERPRET_BLOCK, **constexprs)
        return
    with torch.cuda.device(device):
        kernel[(_cdiv(n, _GPU_BLOCK),)](
            *args, BLOCK=_GPU_BLOCK, num_warps=_GPU_WARPS, enable_fp_fusion=False, **constexprs
        )


def check_config(cfg, cls, x_seq: torch.Tensor, **states) -> None:
    """The checks both zoo backends share: the config type, its surrogate, the tensors' shapes and dtypes."""
    if not isinstance(cfg, cls):
        raise TypeError(f"{_OWNER}: cfg must be a {cls.__name__}, got {describe(cfg)}")
    if cfg.surrogate not in _DERIVATIVES:
        raise ValueError(f"{_OWNER}: cfg.surrogate must be one of {tuple(_DERIVATIVES)}, got {cfg.surrogate!r}")
    if not isinstance(cfg.v_threshold, float):
        raise TypeError(f"{_OWNER}: cfg.v_threshold must be a float, got {describe(cfg.v_threshold)}")
    check_sequence(_OWNER, x_seq, **states)
    for name, value in states.items():
        if value.dtype != x_seq.dtype:
            raise ValueError(f"{_OWNER}: {name} must have dtype {x_seq.dtype} like x_seq, got {value.dtype}")


class _FusedCuba(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, i0, v0, cfg, save_h):
        T, N = x.shape[0], v0.numel()
        spike = torch.empty_like(x)
        h = torch.empty_like(x) if save_h else spike
        v_out = torch.empty_like(x) if cfg.store_v_seq else torch.empty_like(v0)
        i_out = torch.empty_like(i0)
        r = 0.0 if cfg.v_reset is None else float(cfg.v_reset)
        if N > 0:
            launch(
                _kernels().cuba_forward, N, x, i0, v0, spike, h, v_out, i_out,
                T, N, cfg.v_threshold, r, r, float(cfg.tau_syn), float(cfg.tau_mem),
                DECAY_INPUT=bool(cfg.decay_input), R0_ZERO=r == 0.0, HARD_RESET=cfg.v_reset is not None,
                STORE_V_SEQ=bool(cfg.store_v_seq), STORE_H=bool(save_h), ROUND_H=x.dtype != torch.float32,
                ROW_ALIGN=_row_align(N),
            )  # fmt: skip
        ctx.cfg, ctx.r = cfg, r
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(h if save_h else None, v0)
        return spike, i_out, v_out

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_spike, grad_i_last, grad_v_out):
        h, v0 = ctx.saved_tensors
        cfg = ctx.cfg
        if h is None:
            raise RuntimeError(f"{_OWNER}: backward called on a sequence run without gradient tracking")
        T, N = h.shape[0], v0.numel()
        grad_x = torch.empty_like(h) if _graph_is_kept() else h
        grad_i0, grad_v0 = torch.empty_like(v0), torch.empty_like(v0)
        seq = grad_v_out if cfg.store_v_seq else None
        last = None if cfg.store_v_seq else grad_v_out
        alpha, c = _surrogate_args(cfg)
        if N > 0:
            launch(
                _kernels().cuba_backward,
                N,
                *(g.contiguous() if g is not None else h for g in (grad_spike, seq, last, grad_i_last)),
                h, grad_x, grad_i0, grad_v0,
                T, N, cfg.v_threshold, ctx.r, alpha, c,
                1.0 - 1.0 / cfg.tau_syn, 1.0 - 1.0 / cfg.tau_mem,
                1.0 / cfg.tau_syn if cfg.decay_input else 1.0, 1.0 / cfg.tau_mem if cfg.decay_input else 1.0,
                HARD_RESET=cfg.v_reset is not None, DETACH_RESET=bool(cfg.detach_reset),
                SURROGATE=_surrogate_switch(cfg.surrogate), HAS_GRAD_SPIKE=grad_spike is not None,
                HAS_GRAD_V_SEQ=seq is not None, HAS_GRAD_V_LAST=last is not None,
                HAS_GRAD_I_LAST=grad_i_last is not None, ROW_ALIGN=_row_align(N),
            )  # fmt: skip
        return grad_x, grad_i0, grad_v0, None, None


def _kernels():
    from . import triton_cuba_kernels

    return triton_cuba_kernels


def multi_step(
    cfg: CubaLIFConfig, x_seq: torch.Tensor, i_init: torch.Tensor, v_init: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Run a current-based LIF over ``x_seq`` with the fused Triton kernels (see the module docstring).

    Shape:
        ``x_seq``: ``[T, *]``; ``i_init``, ``v_init``: ``[*]``; returns ``([T, *], [*], [T, *] or [*])``.

    Example:
        >>> import torch
        >>> from snnlab.backends import CubaLIFConfig
        >>> cfg = CubaLIFConfig(2.0, 2.0, True, 1.0, 0.0, False, 'atan', 2.0, False)
        >>> zeros = torch.zeros(1, device='cuda')  # doctest: +SKIP
        >>> multi_step(cfg, torch.full((2, 1), 3.0, device='cuda'), zeros, zeros)[0].flatten()  # doctest: +SKIP
        tensor([0., 1.], device='cuda:0')
    """
    check_config(cfg, CubaLIFConfig, x_seq, i_init=i_init, v_init=v_init)
    if x_seq.dtype not in FUSED_DTYPES:
        from . import torch_cuba

        return torch_cuba.multi_step(cfg, x_seq, i_init, v_init)
    _check_devices(x_seq, i_init=i_init, v_init=v_init)
    save_h = torch.is_grad_enabled() and (x_seq.requires_grad or i_init.requires_grad or v_init.requires_grad)
    return _FusedCuba.apply(x_seq.contiguous(), i_init.contiguous(), v_init.contiguous(), cfg, save_h)
