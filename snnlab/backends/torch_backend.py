"""The 'torch' multi-step backend: one autograd node for a whole sequence, any device.

Forward runs the time loop without building a graph and keeps only the pre-spike potential
``h_seq`` (for a learnable leak ``k`` also ``k``, ``v_init`` and, with ``decay_input``, ``x_seq``:
spikes and post-reset potentials are recomputed from ``h``); with no gradient to compute (no grad
mode, or no input that requires one) it keeps no ``h_seq`` at all, one step-sized buffer serving
every step. Backward writes ``g_h[t]`` over ``h[t]`` once it is read (a separate buffer only when
``retain_graph`` keeps the graph), so the peak extra memory of forward plus backward is about 8.4
bytes per element in fp32 (``h`` then the gradient, the spikes, a few step-sized buffers that every
step reuses). Backward walks time in reverse with the closed-form local derivatives of
:mod:`snnlab.dynamics`::

    g_h[t]  = g_spike[t] * sg'(h[t] - theta) + g_v[t] * dv/dh[t]       (reset, spike term included)
    g_v[t-1] = g_v_out[t-1] + g_h[t] * dh/dv_prev                        (1, or 1 - k for LIF)
    g_x[t]  = g_h[t] * dh/dx                                             (1, or k with decay_input)
    g_k     = sum_t g_h[t] * dh/dk[t]                                    (PLIF's learnable leak)

where ``sg'`` is the surrogate derivative: ``_DERIVATIVES[cfg.surrogate](z, *cfg.surrogate_params)``, the
closed form registered in :mod:`snnlab.registry.surrogates`. A float
``dh/dv_prev`` is not applied in a pass of its own: ``g_h[t]`` is carried unscaled and the factor
enters the next step's ``grad_through_fire_reset`` (``grad_v_scale``). The spikes and potentials
equal those of the per-step Python loop exactly; gradients agree to rounding.

Shape:
    ``x_seq``: ``[T, *]``; ``v_init``: ``[*]``; returns spikes ``[T, *]`` and ``v`` ``[T, *]``
    (``cfg.store_v_seq``) or ``[*]``.

Example:
    >>> import torch
    >>> from snnlab.backends import NeuronConfig
    >>> from snnlab.backends.torch_backend import multi_step
    >>> cfg = NeuronConfig(charge='if', decay_input=True, v_threshold=1.0, v_reset=0.0,
    ...                    detach_reset=False, surrogate='sigmoid', alpha=4.0, store_v_seq=True)
    >>> x = torch.tensor([[0.5], [0.5], [0.5], [1.0], [2.0]])
    >>> spikes, v_seq = multi_step(cfg, x, torch.zeros(1), 0.0)
    >>> spikes.flatten().tolist(), v_seq.flatten().tolist()
    ([0.0, 1.0, 0.0, 1.0, 1.0], [0.5, 0.0, 0.5, 0.0, 0.0])
"""

from types import MappingProxyType

import torch
from torch.autograd.function import once_differentiable

from .. import dynamics
from ..registry.surrogates import SURROGATES, check_params
from .config import NeuronConfig

__all__ = ["multi_step"]

# the surrogate hook: kind -> closed-form derivative(x, *params), straight from the registry
_DERIVATIVES = MappingProxyType({kind: spec.derivative for kind, spec in SURROGATES.items()})


def _previous_v(cfg: NeuronConfig, h_seq: torch.Tensor, v_init: torch.Tensor, t: int) -> torch.Tensor:
    """Post-reset ``v`` of step ``t - 1`` (``v_init`` for ``t = 0``), recomputed from ``h_seq``."""
    if t == 0:
        return v_init
    h = h_seq[t - 1]
    return dynamics.reset_values(h, dynamics.fired(h, cfg.v_threshold), cfg.v_threshold, cfg.v_reset)


def _graph_is_kept() -> bool:
    """Whether the running backward keeps the graph (``retain_graph``): saved tensors must survive it."""
    # torch._C._autograd exists at runtime but torch's stubs do not declare it
    autograd_c = torch._C._autograd  # pyright: ignore[reportAttributeAccessIssue]
    keep_graph = getattr(autograd_c, "_get_current_graph_task_keep_graph", None)
    return True if keep_graph is None else bool(keep_graph())


class _MultiStep(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x_seq, v_init, k, cfg, keep_h):
        theta, v_reset = cfg.v_threshold, cfg.v_reset
        # h is kept for backward only; without a gradient to compute one step-sized buffer serves every step
        h_seq = torch.empty_like(x_seq) if keep_h else None
        h_step = None if keep_h else torch.empty_like(x_seq[0])
        spike_seq = torch.empty_like(x_seq)
        v_seq = torch.empty_like(x_seq) if cfg.store_v_seq else None
        v = v_init
        v_last = None if v_seq is not None else torch.empty_like(v_init)  # one buffer, reused every step
        for t in range(x_seq.shape[0]):
            out = h_step if h_seq is None else h_seq[t]
            h = dynamics.charge(cfg.charge, v, x_seq[t], k, cfg.decay_input, v_reset, out=out)
            spike = dynamics.fired(h, theta, out=spike_seq[t])
            v = dynamics.reset_values(h, spike, theta, v_reset, out=v_last if v_seq is None else v_seq[t])
        k_grad = isinstance(k, torch.Tensor) and ctx.needs_input_grad[2] and cfg.charge == "lif"
        k_tensor = isinstance(k, torch.Tensor)
        ctx.cfg, ctx.k_float, ctx.k_grad = cfg, (None if k_tensor else k), k_grad
        ctx.set_materialize_grads(False)  # an unused output's gradient stays None, not a zero tensor
        ctx.save_for_backward(
            h_seq, v_init if k_grad else None, x_seq if (k_grad and cfg.decay_input) else None, k if k_tensor else None
        )
        if v_seq is not None:
            return spike_seq, v_seq
        return spike_seq, v

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_spike_seq, grad_v_out):
        h_seq, v_init, x_seq, k = ctx.saved_tensors
        zero = h_seq.new_zeros(())
        if grad_spike_seq is None:
            grad_spike_seq = zero.expand(h_seq.shape)
        if grad_v_out is None:
            grad_v_out = zero.expand(h_seq.shape if ctx.cfg.store_v_seq else h_seq.shape[1:])
        cfg, k_grad = ctx.cfg, ctx.k_grad
        if k is None:
            k = ctx.k_float
        theta, v_reset = cfg.v_threshold, cfg.v_reset
        derivative, sg_params = _DERIVATIVES[cfg.surrogate], cfg.surrogate_params
        dh_dv = dynamics.d_charge_d_v(cfg.charge, k)
        dh_dx = dynamics.d_charge_d_x(cfg.charge, k, cfg.decay_input)
        # g_h[t] replaces h[t] once h[t] is read, unless the graph is kept for another backward
        grad_h_seq = torch.empty_like(h_seq) if _graph_is_kept() else h_seq
        # per-step temporaries live in two buffers reused by every step (they stay in cache)
        shifted, scratch = torch.empty_like(h_seq[0]), torch.empty_like(h_seq[0])
        grad_v_sum = torch.empty_like(h_seq[0]) if cfg.store_v_seq else None
        grad_k = None
        carried = None  # dL/dh of step t + 1, times dh/dv_prev unless that is applied by `scale`
        for t in range(h_seq.shape[0] - 1, -1, -1):
            h = h_seq[t]
            scale = dh_dv if (carried is not None and isinstance(dh_dv, float)) else 1.0
            if carried is None:
                grad_v = grad_v_out[t] if cfg.store_v_seq else grad_v_out
            elif cfg.store_v_seq:
                grad_v, scale = torch.add(grad_v_out[t], carried, alpha=scale, out=grad_v_sum), 1.0
            else:
                grad_v = carried
            sg = derivative(torch.sub(h, theta, out=shifted), *sg_params)
            grad_h = dynamics.grad_through_fire_reset(
                grad_spike_seq[t],
                grad_v,
                h,
                sg,
                theta,
                v_reset,
                cfg.detach_reset,
                out=grad_h_seq[t],
                grad_v_scale=scale,
                scratch=scratch,
            )
            del sg, grad_v
            if k_grad:
                dh_dk = dynamics.d_charge_d_k(
                    _previous_v(cfg, h_seq, v_init, t), x_seq[t] if cfg.decay_input else None, cfg.decay_input, v_reset
                )
                # reduced per step in float32 at least: a half-precision running sum over T * N elements overflows
                step_sum = dh_dk.mul_(grad_h).to(torch.promote_types(grad_h.dtype, torch.float32))
                step_sum = step_sum.sum() if k.dim() == 0 else step_sum.sum_to_size(k.shape)
                grad_k = step_sum if grad_k is None else grad_k.add_(step_sum)
            carried = grad_h if isinstance(dh_dv, float) else grad_h * dh_dv
        assert carried is not None  # the loop ran: multi_step refuses T = 0
        grad_v_init = None
        if ctx.needs_input_grad[1]:  # before grad_x may scale grad_h_seq (carried[0] is a view of it) in place
            grad_v_init = carried * dh_dv if isinstance(dh_dv, float) else carried
        grad_x = None
        if ctx.needs_input_grad[0]:
            grad_x = grad_h_seq if isinstance(dh_dx, float) and dh_dx == 1.0 else grad_h_seq.mul_(dh_dx)
        if grad_k is not None:
            grad_k = grad_k.sum_to_size(k.shape).to(k.dtype)
        return grad_x, grad_v_init, grad_k, None, None


def multi_step(
    cfg: NeuronConfig, x_seq: torch.Tensor, v_init: torch.Tensor, k: float | torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Run a neuron over a whole sequence in one differentiable call (see :mod:`snnlab.backends.config`).

    Shape:
        ``x_seq``: ``[T, *]``; ``v_init``: ``[*]`` (``x_seq.shape[1:]``); returns ``(spike_seq [T, *],
        v_seq [T, *] or v_last [*])``.

    Example:
        >>> import torch
        >>> cfg = NeuronConfig(charge='lif', decay_input=True, v_threshold=1.0, v_reset=0.0,
        ...                    detach_reset=False, surrogate='atan', alpha=2.0, store_v_seq=False)
        >>> spikes, v = multi_step(cfg, torch.full((4, 1), 0.8), torch.zeros(1), 0.5)
        >>> spikes.flatten().tolist(), v.tolist()
        ([0.0, 0.0, 0.0, 0.0], [0.75])
    """
    if not isinstance(x_seq, torch.Tensor) or x_seq.dim() == 0 or x_seq.shape[0] == 0:
        got = list(x_seq.shape) if isinstance(x_seq, torch.Tensor) else type(x_seq).__name__
        raise ValueError(f"multi_step: x_seq must be a tensor [T, *] with T >= 1, got {got}")
    if not isinstance(v_init, torch.Tensor) or v_init.shape != x_seq.shape[1:]:
        got = list(v_init.shape) if isinstance(v_init, torch.Tensor) else type(v_init).__name__
        raise ValueError(f"multi_step: v_init must be a tensor of shape {list(x_seq.shape[1:])}, got {got}")
    if cfg.surrogate not in _DERIVATIVES:
        raise ValueError(f"multi_step: cfg.surrogate must be one of {tuple(_DERIVATIVES)}, got {cfg.surrogate!r}")
    check_params("multi_step", cfg.surrogate, cfg.surrogate_params)
    # inference (no grad mode, or no input that requires a gradient) keeps no [T, *] potentials: a 10^4 x 1000
    # run under no_grad allocates 40 MB less in fp32 (allocating and first touching one took 8-12 ms on a 2-core CPU)
    keep_h = torch.is_grad_enabled() and any(
        isinstance(a, torch.Tensor) and a.requires_grad for a in (x_seq, v_init, k)
    )
    return _MultiStep.apply(x_seq, v_init, k, cfg, keep_h)
