"""Fire and reset of one step as one autograd node, shared by every neuron that uses the base
class' fire and reset (the generic multi-step path is a loop over this step).

The forward is :func:`snnlab.dynamics.fired` and :func:`snnlab.dynamics.reset_values` (the same
values the surrogate's Heaviside and :func:`snnlab.dynamics.reset` give); the backward is
:func:`snnlab.dynamics.grad_through_fire_reset` with the surrogate's closed-form derivative. One
node replaces the six a step records otherwise (shift, spike, ``1 - s``, two products, a sum),
so a neuron only pays autograd for its own charge. Under ``torch.compile`` the step is the
surrogate's spike and :func:`snnlab.dynamics.reset` as plain operations, which the compiler traces
and fuses itself.

Shape:
    ``h``: ``[*]``; returns spikes ``[*]`` and the post-reset ``v`` ``[*]``.

Example:
    >>> import torch
    >>> from snnlab import surrogate
    >>> h = torch.tensor([0.5, 1.5], requires_grad=True)
    >>> s, v = fire_reset(h, 1.0, 0.0, False, surrogate.Sigmoid())
    >>> s.tolist(), v.tolist()
    ([0.0, 1.0], [0.5, 0.0])
"""

import torch
from torch.autograd.function import once_differentiable

from .. import dynamics, surrogate

__all__ = ["fire_reset", "fusable_surrogate"]


def fusable_surrogate(sg: object) -> bool:
    """Whether ``sg`` is a spiking snnlab surrogate with a closed-form ``derivative`` and the base
    class' forward (its gradient is then ``sg.derivative(h - theta)``)."""
    base = surrogate.SurrogateFunctionBase
    if not isinstance(sg, base):
        return False
    cls = type(sg)
    return (
        sg.spiking
        and cls.forward is base.forward
        and cls.derivative_function is not base.derivative_function
        and not (isinstance(sg.alpha, torch.Tensor) and sg.alpha.requires_grad)
    )


class _FireReset(torch.autograd.Function):
    @staticmethod
    def forward(ctx, h, v_threshold, v_reset, detach_reset, derivative):
        spike = dynamics.fired(h, v_threshold)
        v = dynamics.reset_values(h, spike, v_threshold, v_reset)
        ctx.save_for_backward(h)
        ctx.args = (v_threshold, v_reset, detach_reset, derivative)
        ctx.set_materialize_grads(False)
        return spike, v

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_spike, grad_v):
        (h,) = ctx.saved_tensors
        v_threshold, v_reset, detach_reset, derivative = ctx.args
        zero = h.new_zeros(()).expand(h.shape)
        sg = derivative(h - v_threshold)
        grad_h = dynamics.grad_through_fire_reset(
            zero if grad_spike is None else grad_spike,
            zero if grad_v is None else grad_v,
            h,
            sg,
            v_threshold,
            v_reset,
            detach_reset,
        )
        return grad_h, None, None, None, None


def fire_reset(
    h: torch.Tensor,
    v_threshold: float | torch.Tensor,
    v_reset: float | None,
    detach_reset: bool,
    sg: surrogate.SurrogateFunctionBase,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(spike, v)`` of one step from the pre-spike potential ``h``; ``sg`` is a surrogate for which
    :func:`fusable_surrogate` holds, and a tensor ``v_threshold`` must not require grad.

    Shape:
        ``h``: ``[*]``; returns ``([*], [*])``.

    Example:
        >>> import torch
        >>> from snnlab import surrogate
        >>> fire_reset(torch.tensor([1.5]), 1.0, None, False, surrogate.ATan())
        (tensor([1.]), tensor([0.5000]))
    """
    if isinstance(v_threshold, torch.Tensor) and v_threshold.dtype != h.dtype:
        v_threshold = v_threshold.to(h.dtype)  # spikes and v keep the input's dtype
    if torch.compiler.is_compiling():
        # the same values and gradients as plain operations (the surrogate's spike is traceable):
        # dynamo does not trace this autograd node's backward, which reads symbolic numbers
        spike = dynamics.fire(h, v_threshold, sg)
        return spike, dynamics.reset(h, spike, v_threshold, v_reset, detach_reset)
    return _FireReset.apply(h, v_threshold, v_reset, detach_reset, sg.derivative)
