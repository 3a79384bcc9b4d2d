"""The 'torch' backend of the adaptive-threshold LIF: one autograd node for a whole sequence.

Per step (``a`` is the threshold increment, ``theta_t = v_threshold + a[t-1]``)::

    h = charge_lif(v, x)   s = H(h - theta_t)   v = reset(h, s, theta_t)   a = a - a / tau_adapt + beta * s

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
        grad_x_seq = torch.empty_like(h_seq) if _graph_is_kept() else h_seq
        step = h_seq[0]
        grad_v = torch.zeros_like(step)
        grad_a = torch.zeros_like(step) if grad_a_last is None else grad_a_last.clone()
        last = h_seq.shape[0] - 1
        for t in range(last, -1, -1):
            if grad_v_out is not None and (cfg.store_v_seq or t == last):
                grad_v.add_(grad_v_out[t] if cfg.store_v_seq else grad_v_out)
            h, theta = h_seq[t], theta_seq[t]
            z = h - theta
            spike = dynamics.fired(z, 0.0)
            sg = derivative(z, cfg.alpha)
            g_s = torch.zeros_like(step) if grad_spike_seq is None else grad_spike_seq[t].clone()
            if not detach:
                if hard:
                    g_s.addcmul_(grad_v, cfg.v_reset - h)
                else:
                    g_s.addcmul_(grad_v, theta, value=-1.0)
                g_s.add_(grad_a, alpha=cfg.beta)
            g_s.mul_(sg)  # now dL/ds * ds/dz
            grad_h = g_s + (grad_v - grad_v * spike if hard else grad_v)
            grad_a.mul_(decay_a).sub_(g_s)
            if not hard:
                grad_a.addcmul_(grad_v, spike, value=-1.0)
            torch.mul(grad_h, dh_dx, out=grad_x_seq[t])
            grad_v = grad_h.mul_(dh_dv)
        return grad_x_seq, grad_v, grad_a, None


def multi_step(cfg: AdaptiveLIFConfig, x_seq: torch.Tensor, v_init: torch.Tensor, a_init: torch.Tensor):
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
