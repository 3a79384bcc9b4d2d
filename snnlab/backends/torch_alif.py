"""The 'torch' backend of the adaptive-threshold LIF: one autograd node for a whole sequence.

Per step (``a`` is the threshold increment, ``theta_t = v_threshold + a[t-1]``)::

    h = charge_lif(v, x)   s = H(h - theta_t)   v = reset(h, s, theta_t)   a = a * (1 - 1 / tau_adapt) + beta * s

Forward runs without a graph and keeps ``h_seq`` and ``theta_seq``. Backward walks time in
reverse, carrying ``G_v = dL/dv[t]`` and ``G_a = dL/da[t]``; with ``sg = sg'(h - theta_t)``,
``dv/ds = r - h`` (hard) or ``-theta_t`` (soft) and ``beta_s = beta`` (both 0 with
``detach_reset``)::

    g_s     = g_spike[t] + G_v * dv/ds + G_a * beta_s
    g_h     = g_s * sg + G_v * (1 - s  (hard)  |  1  (soft))
    G_a'    = G_a * (1 - 1/tau_adapt) - g_s * sg - (G_v * s  (soft only))
    G_v'    = g_v_out[t-1] + g_h * (1 - k)          g_x[t] = g_h * (k  (decay_input)  |  1)

Shape:
    ``x_seq``: ``[T, *]``; ``v_init``, ``a_init``: ``[*]``; returns spikes ``[T, *]``, ``v``
    ``[T, *]`` (``cfg.store_v_seq``) or ``[*]``, and the last ``a`` ``[*]``.

Example:
    >>> import torch
    >>> from snnlab.backends import AdaptiveLIFConfig
    >>> cfg = AdaptiveLIFConfig(0.5, 2.0, 0.5, False, 1.0, 0.0, False, 'sigmoid', 4.0, False)
    >>> s, v, a = multi_step(cfg, torch.full((4, 1), 0.8), torch.zeros(1), torch.zeros(1))
    >>> s.flatten().tolist(), a.tolist()
    ([0.0, 1.0, 0.0, 0.0], [0.125])
"""

import torch
from torch.autograd.function import once_differentiable

from .. import dynamics
from .config import AdaptiveLIFConfig
from .torch_backend import _DERIVATIVES, _graph_is_kept
from .torch_cuba import check_sequence

__all__ = ["multi_step"]


class _AdaptiveMultiStep(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x_seq, v_init, a_init, cfg):
        v_reset = cfg.v_reset
        h_seq, theta_seq, spike_seq = torch.empty_like(x_seq), torch.empty_like(x_seq), torch.empty_like(x_seq)
        v_seq = torch.empty_like(x_seq) if cfg.store_v_seq else None
        a = a_init.clone()
        scratch = torch.empty_like(a)
        v_last = None if v_seq is not None else torch.empty_like(v_init)
        v = v_init
        for t in range(x_seq.shape[0]):
            h = dynamics.charge_lif(v, x_seq[t], cfg.k, cfg.decay_input, v_reset, out=h_seq[t])
            theta = torch.add(a, cfg.v_threshold, out=theta_seq[t])
            spike = dynamics.fired(h, theta, out=spike_seq[t])
            v = dynamics.reset_values(h, spike, theta, v_reset, out=v_last if v_seq is None else v_seq[t])
            dynamics.decay_adaptation(a, spike, cfg.tau_adapt, cfg.beta, scratch=scratch)
        ctx.cfg = cfg
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(h_seq, theta_seq)
        return spike_seq, (v_seq if v_seq is not None else v), a

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_spike_seq, grad_v_out, grad_a_last):
        h_seq, theta_seq = ctx.saved_tensors
        cfg = ctx.cfg
        derivative = _DERIVATIVES[cfg.surrogate]
        hard, detach = cfg.v_reset is not None, cfg.detach_reset
        decay_a = 1.0 - 1.0 / cfg.tau_adapt
        dh_dv = 1.0 - cfg.k
        dh_dx = cfg.k if cfg.decay_input else 1.0
        grad_x_seq = torch.empty_like(h_seq) if _graph_is_kept() else h_seq  # g_h[t] replaces h[t] once read
        step = h_seq[0]
        z, quiet, g_s = torch.empty_like(step), torch.empty_like(step), torch.empty_like(step)
        grad_v = torch.zeros_like(step)
        grad_a = torch.zeros_like(step) if grad_a_last is None else grad_a_last.clone()
        zero = step.new_zeros(()).expand(step.shape)
        last = h_seq.shape[0] - 1
        for t in range(last, -1, -1):
            if grad_v_out is not None and (cfg.store_v_seq or t == last):
                grad_v.add_(grad_v_out[t] if cfg.store_v_seq else grad_v_out)
            h, theta = h_seq[t], theta_seq[t]
            torch.sub(h, theta, out=z)
            torch.lt(z, 0.0, out=quiet)  # 1 - s
            g_spike = zero if grad_spike_seq is None else grad_spike_seq[t]
            if detach:
                g_s.copy_(g_spike)
            else:  # dL/ds = g_spike + G_v * dv/ds + G_a * beta
                # dv/ds = r - h (hard) or -theta (soft)
                torch.addcmul(g_spike, grad_v, h if hard else theta, value=-1.0, out=g_s)
                if hard and cfg.v_reset != 0.0:
                    g_s.add_(grad_v, alpha=cfg.v_reset)
                g_s.add_(grad_a, alpha=cfg.beta)
            g_s.mul_(derivative(z, *cfg.surrogate_params))  # dL/ds * ds/dz
            grad_a.mul_(decay_a).sub_(g_s)
            if hard:  # g_h = g_s + G_v * (1 - s), written over h[t]
                grad_h = torch.addcmul(g_s, grad_v, quiet, out=grad_x_seq[t])
            else:  # g_h = g_s + G_v;  dL/da[t-1] also gets -G_v * s = G_v * (1 - s) - G_v
                grad_a.addcmul_(grad_v, quiet).sub_(grad_v)
                grad_h = torch.add(g_s, grad_v, out=grad_x_seq[t])
            torch.mul(grad_h, dh_dv, out=grad_v)
        if dh_dx != 1.0:
            grad_x_seq.mul_(dh_dx)
        return grad_x_seq, grad_v, grad_a, None


def multi_step(
    cfg: AdaptiveLIFConfig, x_seq: torch.Tensor, v_init: torch.Tensor, a_init: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Run an adaptive-threshold LIF over ``x_seq`` in one differentiable call (see the module docstring).

    Shape:
        ``x_seq``: ``[T, *]``; ``v_init``, ``a_init``: ``[*]``; returns ``(spike_seq [T, *], v_seq [T, *]
        or v_last [*], a_last [*])``.

    Example:
        >>> import torch
        >>> cfg = AdaptiveLIFConfig(0.5, 4.0, 1.0, True, 1.0, None, False, 'atan', 2.0, True)
        >>> s, v, a = multi_step(cfg, torch.full((3, 1), 3.0), torch.zeros(1), torch.zeros(1))
        >>> s.flatten().tolist(), v.flatten().tolist(), a.tolist()
        ([1.0, 0.0, 1.0], [0.5, 1.75, 0.625], [1.5625])
    """
    check_sequence("multi_step", x_seq, v_init=v_init, a_init=a_init)
    if cfg.surrogate not in _DERIVATIVES:
        raise ValueError(f"multi_step: cfg.surrogate must be one of {tuple(_DERIVATIVES)}, got {cfg.surrogate!r}")
    return _AdaptiveMultiStep.apply(x_seq, v_init, a_init, cfg)
