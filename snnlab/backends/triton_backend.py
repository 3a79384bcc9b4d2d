"""The ``'triton'`` backend: a whole multi-step IF / LIF / PLIF sequence in two fused GPU kernels.

``multi_step(cfg, x_seq, v_init, k)`` follows the contract of :mod:`snnlab.backends.config` and
gives the same results as the ``'torch'`` backend (identical spikes, gradients within float
rounding). One kernel runs the forward over all ``T`` steps, one runs the backward from ``T - 1``
down to 0 (the PLIF leak gradient is summed over time per neuron in the kernel, then over neurons
by one ``sum``, with no atomics, so it is deterministic).

Memory and traffic per element of ``x_seq``: forward reads ``x`` and writes the spike and the
pre-spike potential ``h`` (the only tensor saved for backward, stored in the input's dtype);
backward reads the spike gradient and ``h`` and writes the input gradient, over ``h`` itself
unless ``retain_graph`` keeps the graph (each ``h[t]`` is read before its slot is written), so
forward + backward adds 8 bytes per fp32 element at peak, not 12. With ``store_v_seq``
the forward also writes every ``v`` and the backward reads its gradient; a PLIF neuron with
``decay_input`` re-reads ``x`` for its leak gradient. ``h`` is only written when a gradient is
needed.

Dtypes: float32, float16 and bfloat16 are computed in fp32 registers. For a 16-bit input the
pre-spike potential is rounded to that dtype before the spike decision, so the backward, which
reads the stored ``h``, sees exactly the spikes of the forward. Other dtypes (float64) run on
the ``'torch'`` backend. ``v_threshold`` may be a float or a tensor broadcastable to ``v``
(it is expanded once to one value per neuron and kept in registers).

Tensors must be on a CUDA device, except under the Triton interpreter (``TRITON_INTERPRET=1``),
which runs the same kernels on CPU tensors (that is how the tests run without a GPU).

Shape:
    ``x_seq``: ``[T, *]``; ``v_init``: ``[*]``; returns ``spike_seq`` ``[T, *]`` and ``v_out``
    ``[T, *]`` (``cfg.store_v_seq``) or ``[*]``.

Example:
    >>> import torch
    >>> from snnlab.backends import NeuronConfig
    >>> cfg = NeuronConfig(charge='lif', decay_input=True, v_threshold=1.0, v_reset=0.0,
    ...                    detach_reset=False, surrogate='sigmoid', alpha=4.0, store_v_seq=True)
    >>> x = torch.full((4, 1), 0.8, device='cuda')  # doctest: +SKIP
    >>> multi_step(cfg, x, torch.zeros(1, device='cuda'), 0.5)  # doctest: +SKIP
    (tensor([[0.], [0.], [0.], [0.]], device='cuda:0'),
     tensor([[0.4000], [0.6000], [0.7000], [0.7500]], device='cuda:0'))
"""

import inspect
import numbers

import torch
from torch.autograd.function import once_differentiable

from ..checks import check_choice, check_tensor, describe
from ..registry.surrogates import SURROGATE_KINDS, SURROGATES, check_params
from .config import NeuronConfig
from .torch_backend import _graph_is_kept

__all__ = ["FUSED_DTYPES", "multi_step"]

FUSED_DTYPES = (torch.float32, torch.float16, torch.bfloat16)
_OWNER = "triton backend"
_INTERPRET_BLOCK = 32  # small blocks under the interpreter, so tests cover several programs and tails
_GPU_CONFIGS = ((1024, 4), (2048, 4), (2048, 8), (4096, 8))  # (BLOCK, num_warps) tried by the autotuner
_SMALL_N = 1 << 16  # below this many neurons per step: one fixed config, no autotuning
_SMALL_BLOCK = 512
_launchers = {}
_chosen = {}  # launch key -> the launch kwargs of the config the autotuner chose for it


def _kernels():
    """``{'forward': ..., 'backward': ...}``: per kernel, (fixed-BLOCK kernel, BLOCK, autotuned kernel)."""
    from . import triton_kernels as tk

    key = tk.interpreting()
    if key not in _launchers:
        if key:
            _launchers[key] = {
                "forward": (tk.neuron_forward, _INTERPRET_BLOCK, None),
                "backward": (tk.neuron_backward, _INTERPRET_BLOCK, None),
            }
        else:
            import triton

            configs = [triton.Config({"BLOCK": b}, num_warps=w) for b, w in _GPU_CONFIGS]
            # the backward may write grad_x over h: the autotuner restores h after each trial run
            restore = {"forward": None, "backward": ["h_ptr"]}
            _launchers[key] = {
                name: (fn, _SMALL_BLOCK, triton.autotune(configs, key=_tuning_key(fn), restore_value=restore[name])(fn))
                for name, fn in (("forward", tk.neuron_forward), ("backward", tk.neuron_backward))
            }
    return _launchers[key]


def _tuning_key(fn) -> list:
    """What the autotuner tunes separately: ``N`` and every compile-time switch but ``BLOCK`` (the
    variants differ in registers and traffic; the tensors' dtypes are added by triton itself)."""
    import triton.language as tl

    params = inspect.signature(fn.fn).parameters.values()  # fn.fn: the kernel's Python source function
    return ["N"] + [p.name for p in params if p.annotation is tl.constexpr and p.name != "BLOCK"]


def _launch(name, n, *args, **constexprs):
    """Launch kernel ``name`` over ``ceil(n / BLOCK)`` programs: a fixed BLOCK under the interpreter
    and for small ``n``, else the BLOCK / num_warps the autotuner picked for this ``n``."""
    plain, block, tuned = _kernels()[name]
    device = args[0].device
    if device.type == "cuda" and device.index is not None and device.index != torch.cuda.current_device():
        with torch.cuda.device(device):  # triton launches on the current device
            return _launch(name, n, *args, **constexprs)
    if tuned is None:
        plain[(_cdiv(n, block),)](*args, BLOCK=block, **constexprs)
    elif n < _SMALL_N:
        plain[(_cdiv(n, block),)](*args, BLOCK=block, num_warps=4, enable_fp_fusion=False, **constexprs)
    else:
        key = (name, n, args[0].dtype, device.index, tuple(constexprs.items()))
        _launch_tuned(
            tuned, plain, key, lambda meta: (_cdiv(n, meta["BLOCK"]),), args, dict(constexprs, enable_fp_fusion=False)
        )


def _launch_tuned(tuned, plain, key, grid, args, kwargs):
    """Launch through the autotuner the first time ``key`` is seen (it benchmarks its candidates
    unless its own cache already knows the case), then straight through the plain kernel with the
    config it chose: triton's ``Autotuner.run`` rebuilds its key from every argument on each call,
    20-40 us of Python per launch on the machines measured (benchmarks/RESULTS.md) even when its
    cache hits. ``grid(meta)`` gives the launch grid for a config's meta-parameters."""
    best = _chosen.get(key)
    if best is None:
        tuned[grid](*args, **kwargs)
        _chosen[key] = tuned.best_config.all_kwargs()
    else:
        plain[grid(best)](*args, **best, **kwargs)


def _surrogate_switch(kind: str) -> int:
    """The kernels' SURROGATE value for a surrogate ``kind`` (its registered kernel id)."""
    return SURROGATES[kind].kernel_id


def _surrogate_args(cfg: NeuronConfig) -> tuple:
    """The kernels' two runtime surrogate arguments ``(alpha, c)``, made by the registry's
    ``kernel_args`` from ``cfg``'s surrogate parameters (floats; an int where a kernel loops on it)."""
    return SURROGATES[cfg.surrogate].kernel_args(*cfg.surrogate_params)


def _cdiv(a: int, b: int) -> int:
    """``ceil(a / b)`` for positive ints."""
    return -(-a // b)


def _statics(cfg: NeuronConfig, k_tensor, theta_tensor, n: int):
    """The compile-time switches shared by both kernels (``n``: neurons per step)."""
    shifted = cfg.v_reset is not None and cfg.v_reset != 0.0
    return dict(
        CHARGE_LIF=cfg.charge == "lif",
        DECAY_INPUT=bool(cfg.decay_input),
        SHIFTED=shifted,
        HARD_RESET=cfg.v_reset is not None,
        THETA_FROM_PTR=theta_tensor is not None,
        K_FROM_PTR=k_tensor is not None,
        ROW_ALIGN=_row_align(n),
    )


def _row_align(n: int) -> int:
    """The largest power of two dividing ``n``, at most 16: every step's row of ``[T, n]`` starts at
    a multiple of it, which lets the kernels use wide accesses when ``n`` is not a multiple of 16."""
    return min(16, n & -n) if n > 0 else 16


class _FusedMultiStep(torch.autograd.Function):
    """Forward kernel in ``forward``, backward kernel in ``backward``. The kernels see contiguous
    ``x`` ``[T, *]`` as ``[T, N]`` and ``v0`` ``[*]`` as ``[N]``; no reshape (nor autograd view node)
    is made, so the outputs and gradients come out in the caller's shapes."""

    @staticmethod
    def forward(ctx, x, v0, k_tensor, cfg, k_float, theta_tensor, save_h):
        T, N = x.shape[0], v0.numel()
        spike = torch.empty_like(x)
        h = torch.empty_like(x) if save_h else spike  # an unused pointer when no gradient is needed
        v_out = torch.empty_like(x) if cfg.store_v_seq else torch.empty_like(v0)
        theta_val = 1.0 if theta_tensor is not None else float(cfg.v_threshold)
        r = 0.0 if cfg.v_reset is None else float(cfg.v_reset)
        statics = _statics(cfg, k_tensor, theta_tensor, N)
        if N > 0:
            _launch(
                "forward",
                N,
                x,
                v0,
                theta_tensor if theta_tensor is not None else x,
                k_tensor if k_tensor is not None else x,
                spike,
                h,
                v_out,
                T,
                N,
                theta_val,
                k_float,
                1.0 - k_float,
                r,
                STORE_V_SEQ=bool(cfg.store_v_seq),
                STORE_H=bool(save_h),
                ROUND_H=x.dtype != torch.float32,
                **statics,
            )
        ctx.set_materialize_grads(False)
        ctx.cfg, ctx.k_float, ctx.theta_val, ctx.r, ctx.statics = cfg, k_float, theta_val, r, statics
        need_x = k_tensor is not None and cfg.decay_input and ctx.needs_input_grad[2]
        ctx.save_for_backward(h if save_h else None, v0, x if need_x else None, k_tensor, theta_tensor)
        return spike, v_out

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_spike, grad_v_out):
        h, v0, x, k_tensor, theta_tensor = ctx.saved_tensors
        cfg = ctx.cfg
        if h is None:
            raise RuntimeError(f"{_OWNER}: backward called on a sequence run without gradient tracking")
        T, N = h.shape[0], v0.numel()
        need_gx, need_gv0, need_gk = ctx.needs_input_grad[:3]
        grad_x = None
        if need_gx:  # the kernel reads h[t] before it writes grad_x[t]: reuse h's buffer if it dies here
            grad_x = torch.empty_like(h) if _graph_is_kept() else h
        grad_v0 = torch.empty_like(v0)
        grad_k = None
        parts = None
        if need_gk:
            parts = torch.empty(N, dtype=torch.float32, device=h.device)  # per-neuron partial sums
        seq_grad = grad_v_out if cfg.store_v_seq else None
        last_grad = None if cfg.store_v_seq else grad_v_out
        dummy = h
        if N > 0:
            alpha, c = _surrogate_args(cfg)
            _launch(
                "backward",
                N,
                grad_spike.contiguous() if grad_spike is not None else dummy,
                seq_grad.contiguous() if seq_grad is not None else dummy,
                last_grad.contiguous() if last_grad is not None else dummy,
                h,
                x if x is not None else dummy,
                v0,
                theta_tensor if theta_tensor is not None else dummy,
                k_tensor if k_tensor is not None else dummy,
                grad_x if grad_x is not None else dummy,
                grad_v0,
                parts if parts is not None else dummy,
                T,
                N,
                ctx.theta_val,
                ctx.k_float,
                1.0 - ctx.k_float,
                ctx.r,
                alpha,
                c,
                DETACH_RESET=bool(cfg.detach_reset),
                SURROGATE=_surrogate_switch(cfg.surrogate),
                HAS_GRAD_SPIKE=grad_spike is not None,
                HAS_GRAD_V_SEQ=seq_grad is not None,
                HAS_GRAD_V_LAST=last_grad is not None,
                STORE_GRAD_X=grad_x is not None,
                NEED_GRAD_K=bool(need_gk),
                **ctx.statics,
            )
        if parts is not None and k_tensor is not None:  # need_gk: k was a tensor that requires grad
            grad_k = parts.sum().to(k_tensor.dtype).reshape(k_tensor.shape)
        return grad_x, grad_v0 if need_gv0 else None, grad_k, None, None, None, None


def _check_devices(x_seq, **others):
    """``x_seq`` on a CUDA device (any device under the interpreter), ``others`` on the same one."""
    from .triton_kernels import interpreting

    device = x_seq.device
    if device.type != "cuda" and not interpreting():
        raise ValueError(f"{_OWNER}: x_seq must be a CUDA tensor, got a tensor on {device}")
    for name, tensor in others.items():
        if tensor is not None and tensor.device != device:
            raise ValueError(f"{_OWNER}: {name} must be on {device} like x_seq, got a tensor on {tensor.device}")
    return device


def _threshold_tensor(theta, v_shape, device):
    """A tensor threshold expanded to one fp32 value per neuron ``[N]``, or None for a float."""
    if not isinstance(theta, torch.Tensor):
        return None
    if theta.device != device:
        raise ValueError(f"{_OWNER}: cfg.v_threshold must be on {device} like x_seq, got a tensor on {theta.device}")
    try:
        if torch.broadcast_shapes(theta.shape, v_shape) != v_shape:
            raise RuntimeError
    except RuntimeError:
        raise ValueError(
            f"{_OWNER}: cfg.v_threshold must broadcast to v of shape {list(v_shape)}, got {describe(theta)}"
        ) from None
    return theta.detach().to(torch.float32).expand(v_shape).contiguous().reshape(-1)


def multi_step(
    cfg: NeuronConfig, x_seq: torch.Tensor, v_init: torch.Tensor, k: float | torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Run a multi-step IF / LIF / PLIF neuron over ``x_seq`` with the fused Triton kernels.

    ``k`` is ``1 / tau`` (a float) for LIF, a 0-d tensor ``sigmoid(w)`` for PLIF (its gradient is
    computed when it requires grad), ignored for IF. Differentiable w.r.t. ``x_seq``, ``v_init``
    and a tensor ``k``.

    Shape:
        ``x_seq``: ``[T, *]``; ``v_init``: ``[*]``; returns ``([T, *], [T, *] or [*])``.

    Example:
        >>> import torch
        >>> from snnlab.backends import NeuronConfig
        >>> cfg = NeuronConfig('if', True, 1.0, 0.0, False, 'sigmoid', 4.0, False)
        >>> x = torch.tensor([[0.5], [0.5], [0.5], [1.0], [2.0]], device='cuda')  # doctest: +SKIP
        >>> multi_step(cfg, x, torch.zeros(1, device='cuda'))[0].flatten()  # doctest: +SKIP
        tensor([0., 1., 0., 1., 1.], device='cuda:0')
    """
    if not isinstance(cfg, NeuronConfig):
        raise TypeError(f"{_OWNER}: cfg must be a NeuronConfig, got {describe(cfg)}")
    check_choice(_OWNER, "cfg.charge", cfg.charge, ("if", "lif"))
    check_choice(_OWNER, "cfg.surrogate", cfg.surrogate, SURROGATE_KINDS)
    check_params(_OWNER, cfg.surrogate, cfg.surrogate_params)
    check_tensor(_OWNER, "x_seq", x_seq, min_dim=1)
    check_tensor(_OWNER, "v_init", v_init)
    if x_seq.shape[0] == 0:
        raise ValueError(f"{_OWNER}: x_seq must have T >= 1 steps, got shape {list(x_seq.shape)}")
    if v_init.shape != x_seq.shape[1:]:
        raise ValueError(
            f"{_OWNER}: v_init must have shape {list(x_seq.shape[1:])} (x_seq.shape[1:]), "
            f"got shape {list(v_init.shape)}"
        )
    if v_init.dtype != x_seq.dtype:
        raise ValueError(f"{_OWNER}: v_init must have dtype {x_seq.dtype} like x_seq, got {v_init.dtype}")
    k_tensor, k_float = None, 0.0
    if cfg.charge == "lif":
        if isinstance(k, torch.Tensor):
            if k.numel() != 1:
                raise ValueError(f"{_OWNER}: k must be a float or a 1-element tensor, got {describe(k)}")
            k_tensor = k
        elif isinstance(k, numbers.Real) and not isinstance(k, bool):
            k_float = float(k)
        else:
            raise TypeError(f"{_OWNER}: k must be a float or a 0-d tensor for charge='lif', got {describe(k)}")
    if x_seq.dtype not in FUSED_DTYPES:
        from . import torch_backend

        return torch_backend.multi_step(cfg, x_seq, v_init, k_float if k_tensor is None else k_tensor)
    device = _check_devices(x_seq, v_init=v_init, k=k_tensor)
    theta_tensor = _threshold_tensor(cfg.v_threshold, v_init.shape, device)
    save_h = torch.is_grad_enabled() and (
        x_seq.requires_grad or v_init.requires_grad or (k_tensor is not None and k_tensor.requires_grad)
    )
    return _FusedMultiStep.apply(x_seq.contiguous(), v_init.contiguous(), k_tensor, cfg, k_float, theta_tensor, save_h)
