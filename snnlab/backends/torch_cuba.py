"""The 'torch' backend of the current-based LIF: one autograd node for a whole sequence, any device.

Forward runs :func:`snnlab.dynamics.cuba_current` and :func:`snnlab.dynamics.cuba_membrane` in
place without a graph and keeps only the pre-spike potential ``h_seq``. Backward walks time in
reverse with constant local derivatives (``a_i = 1 - 1/tau_syn``, ``a_v = 1 - 1/tau_mem``,
``b_x = 1/tau_syn`` or 1 and ``b_i = 1/tau_mem`` or 1 with / without ``decay_input``)::

    g_h[t]   = g_spike[t] * sg'(h[t] - theta) + g_v[t] * dv/dh[t]     (grad_through_fire_reset)
    g_i[t]   = g_h[t] * b_i + g_i[t + 1] * a_i
    g_x[t]   = g_i[t] * b_x
    g_v[t-1] = g_v_out[t-1] + g_h[t] * a_v

Spikes, currents and potentials equal those of the single-step loop exactly.

Shape:
    ``x_seq``: ``[T, *]``; ``i_init``, ``v_init``: ``[*]``; returns spikes ``[T, *]``, the last
    current ``[*]`` and ``v`` ``[T, *]`` (``cfg.store_v_seq``) or ``[*]``.

Example:
    >>> import torch
    >>> from snnlab.backends import CubaLIFConfig
    >>> cfg = CubaLIFConfig(2.0, 2.0, True, 1.0, 0.0, False, 'sigmoid', 4.0, True)
    >>> s, i, v = multi_step(cfg, torch.full((4, 1), 2.0), torch.zeros(1), torch.zeros(1))
    >>> s.flatten().tolist(), i.tolist(), v.flatten().tolist()
    ([0.0, 1.0, 0.0, 1.0], [1.875], [0.5, 0.0, 0.875, 0.0])
"""

import torch
from torch.autograd.function import once_differentiable

from .. import dynamics
from .config import CubaLIFConfig
from .torch_backend import _DERIVATIVES, _graph_is_kept

__all__ = ["check_sequence", "multi_step"]


def check_sequence(owner: str, x_seq: object, **states: object) -> None:
    """``x_seq`` a tensor ``[T, *]`` with ``T >= 1`` and every state a tensor of shape ``x_seq.shape[1:]``."""
    if not isinstance(x_seq, torch.Tensor) or x_seq.dim() == 0 or x_seq.shape[0] == 0:
        got = list(x_seq.shape) if isinstance(x_seq, torch.Tensor) else type(x_seq).__name__
        raise ValueError(f"{owner}: x_seq must be a tensor [T, *] with T >= 1, got {got}")
    for name, value in states.items():
        if not isinstance(value, torch.Tensor) or value.shape != x_seq.shape[1:]:
            got = list(value.shape) if isinstance(value, torch.Tensor) else type(value).__name__
            raise ValueError(f"{owner}: {name} must be a tensor of shape {list(x_seq.shape[1:])}, got {got}")


class _CubaMultiStep(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x_seq, i_init, v_init, cfg):
        theta, v_reset = cfg.v_threshold, cfg.v_reset
        h_seq = torch.empty_like(x_seq)
        spike_seq = torch.empty_like(x_seq)
        v_seq = torch.empty_like(x_seq) if cfg.store_v_seq else None
        i = i_init.clone()
        scratch = torch.empty_like(i)
        v_last = None if v_seq is not None else torch.empty_like(v_init)
        v = v_init
        for t in range(x_seq.shape[0]):
            dynamics.cuba_current(i, x_seq[t], cfg.tau_syn, cfg.decay_input, scratch=scratch)
            h = dynamics.cuba_membrane(v, i, cfg.tau_mem, cfg.decay_input, v_reset, out=h_seq[t])
            spike = dynamics.fired(h, theta, out=spike_seq[t])
            v = dynamics.reset_values(h, spike, theta, v_reset, out=v_last if v_seq is None else v_seq[t])
        ctx.cfg = cfg
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(h_seq)
        return spike_seq, i, (v_seq if v_seq is not None else v)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_spike_seq, grad_i_last, grad_v_out):
        (h_seq,) = ctx.saved_tensors
        cfg = ctx.cfg
        zero = h_seq.new_zeros(())
        if grad_spike_seq is None:
            grad_spike_seq = zero.expand(h_seq.shape)
        theta, v_reset = cfg.v_threshold, cfg.v_reset
        derivative = _DERIVATIVES[cfg.surrogate]
        a_i, a_v = 1.0 - 1.0 / cfg.tau_syn, 1.0 - 1.0 / cfg.tau_mem
        b_x = 1.0 / cfg.tau_syn if cfg.decay_input else 1.0
        b_i = 1.0 / cfg.tau_mem if cfg.decay_input else 1.0
        grad_x_seq = torch.empty_like(h_seq) if _graph_is_kept() else h_seq  # g_x[t] replaces h[t] once read
        step = h_seq[0]
        shifted, scratch, grad_h = torch.empty_like(step), torch.empty_like(step), torch.empty_like(step)
        grad_i = torch.zeros_like(step) if grad_i_last is None else grad_i_last.clone()  # dL/di[t], summed below
        grad_v = None  # dL/dv[t] from later steps
        for t in range(h_seq.shape[0] - 1, -1, -1):
            external = None
            if grad_v_out is not None:
                external = grad_v_out[t] if cfg.store_v_seq else (grad_v_out if t == h_seq.shape[0] - 1 else None)
            if grad_v is None:
                g_v = zero.expand(step.shape) if external is None else external
            else:
                g_v = grad_v if external is None else grad_v.add_(external)
            sg = derivative(torch.sub(h_seq[t], theta, out=shifted), *cfg.surrogate_params)
            dynamics.grad_through_fire_reset(
                grad_spike_seq[t], g_v, h_seq[t], sg, theta, v_reset, cfg.detach_reset, out=grad_h, scratch=scratch
            )
            del sg
            grad_i.add_(grad_h, alpha=b_i)  # dL/di[t] = dL/di[t+1] * a_i + g_h[t] * b_i
            torch.mul(grad_i, b_x, out=grad_x_seq[t])
            grad_i.mul_(a_i)
            grad_v = torch.mul(grad_h, a_v, out=g_v if g_v is grad_v else None)
        return grad_x_seq, grad_i, grad_v, None


def multi_step(
    cfg: CubaLIFConfig, x_seq: torch.Tensor, i_init: torch.Tensor, v_init: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Run a current-based LIF over ``x_seq`` in one differentiable call (see the module docstring).

    Shape:
        ``x_seq``: ``[T, *]``; ``i_init``, ``v_init``: ``[*]``; returns ``(spike_seq [T, *], i_last [*],
        v_seq [T, *] or v_last [*])``.

    Example:
        >>> import torch
        >>> cfg = CubaLIFConfig(4.0, 2.0, False, 1.0, None, False, 'atan', 2.0, False)
        >>> s, i, v = multi_step(cfg, torch.full((3, 1), 0.5), torch.zeros(1), torch.zeros(1))
        >>> s.flatten().tolist(), i.tolist(), v.tolist()
        ([0.0, 1.0, 1.0], [1.15625], [0.21875])
    """
    check_sequence("multi_step", x_seq, i_init=i_init, v_init=v_init)
    if cfg.surrogate not in _DERIVATIVES:
        raise ValueError(f"multi_step: cfg.surrogate must be one of {tuple(_DERIVATIVES)}, got {cfg.surrogate!r}")
    return _CubaMultiStep.apply(x_seq, i_init, v_init, cfg)
