"""Neuron dynamics as pure tensor functions: the one home of every charge / fire / reset formula.

A spiking neuron advances one time step in three moves. With ``v`` the membrane potential
after the previous reset, ``x`` the input, ``theta`` the threshold and ``r`` the reset value::

    h = charge(v, x)                 # the pre-spike potential
    s = Heaviside(h - theta)         # the spike (a surrogate gradient in backward)
    v = reset(h, s)                  # hard: (1 - s) * h + s * r      soft: h - s * theta

Charge formulas (``k`` is the leak rate ``1 / tau``; a float for LIF, a 0-d tensor
``sigmoid(w)`` for PLIF; ``r`` is ``v_reset``, and a soft-reset neuron uses the ``r = 0``
forms, so it leaks towards 0):

==================  ============================  ===================================
charge              decay_input=True              decay_input=False
==================  ============================  ===================================
IF                  ``v + x``                     ``v + x``
LIF, r in {None,0}  ``v + (x - v) * k``           ``v * (1 - k) + x``
LIF, r != 0         ``v + (x - (v - r)) * k``     ``v - (v - r) * k + x``
==================  ============================  ===================================

Current-based LIF (:func:`cuba_current`, :func:`cuba_membrane`; ``r0`` is ``v_reset``, or 0 for
a soft reset) updates a synaptic current ``i`` before the membrane, both dividing by their tau::

    decay_input=True:   i = i + (x - i) / tau_syn      h = v + (i - (v - r0)) / tau_mem
    decay_input=False:  i = i - i / tau_syn + x        h = v - (v - r0) / tau_mem + i

The adaptive-threshold LIF charges like LIF, fires against ``theta + a`` and then updates the
threshold increment ``a = a * (1 - 1 / tau_adapt) + beta * s`` (:func:`decay_adaptation`).

SpikingJelly's LIF divides by ``tau`` where snnlab multiplies by ``k = 1 / tau``: identical for
tau = 2 (the default) and any power of two, within one rounding otherwise.

The ``d_*`` functions are the local derivatives a fused backward needs; they are written
against the same table, so a backend never re-derives a formula. Thresholds may be floats or
tensors broadcastable to ``v`` (a per-neuron or per-sample threshold works with both resets).

Shape:
    every argument is a tensor of one common broadcast shape ``[*]`` (or a Python float);
    the result has that shape.

Example:
    >>> import torch
    >>> from snnlab import dynamics
    >>> v, x = torch.zeros(3), torch.tensor([0.5, 1.0, 2.0])
    >>> h = dynamics.charge_if(v, x)
    >>> s = dynamics.fire(h, 1.0)
    >>> s, dynamics.reset(h, s, v_threshold=1.0, v_reset=0.0)
    (tensor([0., 1., 1.]), tensor([0.5000, 0.0000, 0.0000]))
"""

from collections.abc import Callable

import torch

from .checks import check_choice
from .surrogate import heaviside

__all__ = [
    "charge",
    "charge_if",
    "charge_lif",
    "cuba_current",
    "cuba_membrane",
    "d_charge_d_k",
    "d_charge_d_v",
    "d_charge_d_x",
    "d_reset_d_h",
    "decay_adaptation",
    "decay_trace",
    "fire",
    "fired",
    "grad_through_fire_reset",
    "reset",
    "reset_hard",
    "reset_soft",
    "reset_values",
    "reset_zero_point",
]

Number = float | torch.Tensor
KINDS = ("if", "lif")


def _like(value: Number, h: torch.Tensor) -> Number:
    """A tensor threshold in ``h``'s floating dtype, so that spikes and ``v`` keep the input's dtype."""
    if isinstance(value, torch.Tensor) and value.dtype != h.dtype and h.is_floating_point():
        return value.to(h.dtype)
    return value


def _leak_rest(v_reset: float | None) -> float | None:
    """The potential the LIF leak pulls toward, or ``None`` when it is 0 (a soft reset or ``v_reset=0``)."""
    return None if v_reset is None or v_reset == 0.0 else v_reset


def charge_if(v: torch.Tensor, x: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
    """Integrate-and-fire charge ``v + x`` (written into ``out`` when given).

    Shape:
        ``v``, ``x``: ``[*]`` (broadcastable); returns ``[*]``.

    Example:
        >>> import torch
        >>> charge_if(torch.tensor([0.5]), torch.tensor([0.25]))
        tensor([0.7500])
    """
    return torch.add(v, x, out=out)


def charge_lif(
    v: torch.Tensor,
    x: torch.Tensor,
    k: Number,
    decay_input: bool,
    v_reset: float | None,
    out: torch.Tensor | None = None,
) -> torch.Tensor:
    """Leaky integrate-and-fire charge with leak rate ``k = 1 / tau`` (see the module table).

    With ``out`` (graph-free use; it must not alias ``v`` or ``x``) every operation runs in
    place in ``out``, in the same order, so the values are identical and no temporary is made.

    Shape:
        ``v``, ``x``: ``[*]``; ``k``: a float or a 0-d tensor; returns ``[*]``.

    Example:
        >>> import torch
        >>> v, x = torch.tensor([0.4]), torch.tensor([0.8])
        >>> charge_lif(v, x, 0.5, True, 0.0), charge_lif(v, x, 0.5, False, None)
        (tensor([0.6000]), tensor([1.]))
        >>> charge_lif(v, x, 0.5, True, 0.0, out=torch.empty(1))
        tensor([0.6000])
    """
    rest = _leak_rest(v_reset)
    if out is not None:  # a + b == b + a exactly, so adding the leak term last keeps every rounding
        if decay_input:
            if rest is None:
                return torch.sub(x, v, out=out).mul_(k).add_(v)
            return torch.sub(x, torch.sub(v, rest, out=out), out=out).mul_(k).add_(v)
        if rest is None:
            return torch.mul(v, 1.0 - k, out=out).add_(x)
        return torch.sub(v, torch.sub(v, rest, out=out).mul_(k), out=out).add_(x)
    if decay_input:
        if rest is None:
            return torch.add(v, (x - v) * k, out=out)
        return torch.add(v, (x - (v - rest)) * k, out=out)
    if rest is None:
        return torch.add(v * (1.0 - k), x, out=out)
    return torch.add(v - (v - rest) * k, x, out=out)


def charge(
    kind: str,
    v: torch.Tensor,
    x: torch.Tensor,
    k: Number = 0.0,
    decay_input: bool = True,
    v_reset: float | None = 0.0,
    out: torch.Tensor | None = None,
) -> torch.Tensor:
    """Dispatch to :func:`charge_if` (``kind='if'``) or :func:`charge_lif` (``kind='lif'``).

    Shape:
        as :func:`charge_lif`.

    Example:
        >>> import torch
        >>> charge('if', torch.tensor([1.0]), torch.tensor([2.0]))
        tensor([3.])
    """
    if check_choice("charge", "kind", kind, KINDS) == "if":
        return charge_if(v, x, out)
    return charge_lif(v, x, k, decay_input, v_reset, out)


def fire(h: torch.Tensor, v_threshold: Number, spike_function: Callable = heaviside) -> torch.Tensor:
    """The spike ``spike_function(h - v_threshold)``; a surrogate object gives it a gradient.

    Shape:
        ``h``: ``[*]``; ``v_threshold``: a float or a tensor broadcastable to ``h``; returns ``[*]``.

    Example:
        >>> import torch
        >>> fire(torch.tensor([0.5, 1.0, 1.5]), 1.0)
        tensor([0., 1., 1.])
    """
    return spike_function(h - _like(v_threshold, h))


def reset_hard(h: torch.Tensor, spike: torch.Tensor, v_reset: float) -> torch.Tensor:
    """Hard reset ``(1 - spike) * h + spike * v_reset``.

    Shape:
        ``h``, ``spike``: ``[*]``; returns ``[*]``.

    Example:
        >>> import torch
        >>> reset_hard(torch.tensor([0.5, 1.5]), torch.tensor([0., 1.]), -0.5)
        tensor([ 0.5000, -0.5000])
    """
    return (1.0 - spike) * h + spike * v_reset


def reset_soft(h: torch.Tensor, spike: torch.Tensor, v_threshold: Number) -> torch.Tensor:
    """Soft reset ``h - spike * v_threshold`` (subtract the threshold where a spike fired).

    Shape:
        ``h``, ``spike``: ``[*]``; ``v_threshold``: float or broadcastable tensor; returns ``[*]``.

    Example:
        >>> import torch
        >>> reset_soft(torch.tensor([0.5, 1.5]), torch.tensor([0., 1.]), 1.0)
        tensor([0.5000, 0.5000])
    """
    return h - spike * _like(v_threshold, h)


def reset(
    h: torch.Tensor, spike: torch.Tensor, v_threshold: Number, v_reset: float | None, detach_reset: bool = False
) -> torch.Tensor:
    """Hard reset (``v_reset`` a float) or soft reset (``v_reset=None``); ``detach_reset`` cuts
    the spike out of the reset's graph.

    Shape:
        ``h``, ``spike``: ``[*]``; returns ``[*]``.

    Example:
        >>> import torch
        >>> h, s = torch.tensor([1.5]), torch.tensor([1.])
        >>> reset(h, s, 1.0, 0.0), reset(h, s, 1.0, None)
        (tensor([0.]), tensor([0.5000]))
    """
    if detach_reset:
        spike = spike.detach()
    if v_reset is None:
        return reset_soft(h, spike, v_threshold)
    return reset_hard(h, spike, v_reset)


# ----------------------------------------------------------------------------- graph-free forms
# The fused backends evaluate the same step without a graph, from 0/1 spike values.


def fired(h: torch.Tensor, v_threshold: Number, out: torch.Tensor | None = None) -> torch.Tensor:
    """The spike values of :func:`fire` without a graph: 1 where ``h >= v_threshold``, else 0,
    in ``h``'s dtype (written into ``out`` when given).

    The same values as ``fire(h, v_threshold)``: the rounded difference ``h - v_threshold`` is
    zero exactly when ``h == v_threshold`` and otherwise keeps the sign of the exact one.

    Shape:
        ``h``: ``[*]``; ``v_threshold``: float or tensor broadcastable to ``h``; returns ``[*]``.

    Example:
        >>> import torch
        >>> fired(torch.tensor([0.5, 1.0]), 1.0)
        tensor([0., 1.])
    """
    return torch.ge(h, v_threshold, out=torch.empty_like(h) if out is None else out)


def reset_values(
    h: torch.Tensor, spike: torch.Tensor, v_threshold: Number, v_reset: float | None, out: torch.Tensor | None = None
) -> torch.Tensor:
    """:func:`reset` evaluated without a graph, for 0/1 ``spike`` values (from :func:`fired`),
    written into ``out`` when given.

    hard: ``h - h * spike`` (+ ``spike * v_reset``): ``h`` where no spike, exactly ``v_reset``
    where one fired, the values ``(1 - s) * h + s * r`` gives; soft: ``h - spike * v_threshold``
    (the products are exact).

    Shape:
        ``h``, ``spike``: ``[*]``; returns ``[*]``.

    Example:
        >>> import torch
        >>> h = torch.tensor([0.5, 1.5]); s = fired(h, 1.0)
        >>> reset_values(h, s, 1.0, -0.5), reset_values(h, s, 1.0, None)
        (tensor([ 0.5000, -0.5000]), tensor([0.5000, 0.5000]))
    """
    if v_reset is not None:
        v = torch.addcmul(h, h, spike, value=-1.0, out=out)
        return v if v_reset == 0.0 else v.add_(spike, alpha=v_reset)
    if isinstance(v_threshold, torch.Tensor):
        return torch.addcmul(h, spike, v_threshold, value=-1.0, out=out)
    return torch.sub(h, spike, alpha=v_threshold, out=out)


def grad_through_fire_reset(
    grad_spike: torch.Tensor,
    grad_v: torch.Tensor,
    h: torch.Tensor,
    surrogate_grad: torch.Tensor,
    v_threshold: Number,
    v_reset: float | None,
    detach_reset: bool,
    out: torch.Tensor | None = None,
    grad_v_scale: float = 1.0,
    scratch: torch.Tensor | None = None,
) -> torch.Tensor:
    """``dL/dh`` of one step: ``grad_spike * ds/dh + g_v * dv/dh`` with ``dv/dh`` of
    :func:`d_reset_d_h` and ``g_v = grad_v_scale * grad_v``, rearranged to touch each tensor as
    few times as possible.

    ``surrogate_grad`` is ``ds/dh``; ``q = 1 - s`` is 1 where ``h < v_threshold``. hard:
    ``g_v * q + sg * (g_s + g_v * (r - h))``; hard + detach: ``g_v * q + sg * g_s``;
    soft: ``g_v + sg * (g_s - theta * g_v)``; soft + detach: ``g_v + sg * g_s``.
    ``grad_v_scale`` lets a backward carry ``dL/dh`` of the next step unscaled and apply
    ``dh/dv_prev`` here, inside passes that run anyway. ``out`` may be ``h`` itself: every
    read of ``h`` comes before the write to the same element. ``grad_v``, ``h`` (unless it is
    ``out``) and ``surrogate_grad`` are left unchanged; ``scratch``, a tensor of ``h``'s shape
    apart from all of them, holds the intermediate term (else one is allocated).

    Shape:
        every tensor ``[*]`` (``grad_spike`` may be an expanded view); returns ``[*]``.

    Example:
        >>> import torch
        >>> h = torch.tensor([0.5, 1.5]); g = torch.tensor([0.5, 0.5]); one = torch.ones(2)
        >>> grad_through_fire_reset(one, one, h, g, 1.0, 0.0, False)
        tensor([ 1.2500, -0.2500])
        >>> one * g + one * d_reset_d_h(h, fired(h, 1.0), g, 1.0, 0.0, False)
        tensor([ 1.2500, -0.2500])
        >>> grad_through_fire_reset(one, one, h, g, 1.0, 0.0, False, grad_v_scale=0.5)
        tensor([0.8750, 0.1250])
    """
    c = grad_v_scale
    if v_reset is None:
        if detach_reset:
            if c == 1.0:
                return torch.addcmul(grad_v, grad_spike, surrogate_grad, out=out)
            return torch.mul(grad_spike, surrogate_grad, out=out).add_(grad_v, alpha=c)
        if isinstance(v_threshold, torch.Tensor):
            inner = torch.addcmul(grad_spike, grad_v, v_threshold, value=-c, out=scratch)
        else:
            inner = torch.sub(grad_spike, grad_v, alpha=v_threshold * c, out=scratch)
        if c == 1.0:
            return torch.addcmul(grad_v, inner, surrogate_grad, out=out)
        return torch.add(inner.mul_(surrogate_grad), grad_v, alpha=c, out=out)
    if detach_reset:
        inner = torch.mul(grad_spike, surrogate_grad, out=scratch)
    elif v_reset == 0.0:
        inner = torch.addcmul(grad_spike, grad_v, h, value=-c, out=scratch)
    else:
        inner = torch.sub(v_reset, h, out=scratch)
        torch.addcmul(grad_spike, grad_v, inner, value=c, out=inner)
    if not detach_reset:
        inner.mul_(surrogate_grad)
    quiet = torch.lt(h, v_threshold, out=torch.empty_like(h) if out is None else out)  # 1 - s, in place
    return torch.addcmul(inner, quiet, grad_v, value=c, out=quiet)


# ----------------------------------------------------------------------------- local derivatives
def d_charge_d_v(kind: str, k: Number = 0.0) -> Number:
    """``dh / dv_prev``: 1 for IF, ``1 - k`` for every LIF form.

    Shape:
        returns a float or a 0-d tensor (a constant of the step).

    Example:
        >>> d_charge_d_v('if'), d_charge_d_v('lif', 0.25)
        (1.0, 0.75)
    """
    return 1.0 if check_choice("d_charge_d_v", "kind", kind, KINDS) == "if" else 1.0 - k


def d_charge_d_x(kind: str, k: Number = 0.0, decay_input: bool = True) -> Number:
    """``dh / dx``: ``k`` for LIF with ``decay_input``, else 1.

    Shape:
        returns a float or a 0-d tensor.

    Example:
        >>> d_charge_d_x('lif', 0.25, True), d_charge_d_x('lif', 0.25, False)
        (0.25, 1.0)
    """
    return k if (check_choice("d_charge_d_x", "kind", kind, KINDS) == "lif" and decay_input) else 1.0


def d_charge_d_k(v: torch.Tensor, x: torch.Tensor | None, decay_input: bool, v_reset: float | None) -> torch.Tensor:
    """``dh / dk`` of the LIF charge: ``x - (v - r)`` with ``decay_input``, else ``-(v - r)``
    (``r = 0`` for a soft reset). ``x`` is only read with ``decay_input``.

    Shape:
        ``v``, ``x``: ``[*]``; returns ``[*]``.

    Example:
        >>> import torch
        >>> v, x = torch.tensor([0.4]), torch.tensor([0.8])
        >>> d_charge_d_k(v, x, True, None), d_charge_d_k(v, None, False, -0.5)
        (tensor([0.4000]), tensor([-0.9000]))
    """
    if decay_input and x is None:
        raise TypeError("d_charge_d_k: x must be a tensor when decay_input is True, got None")
    rest = _leak_rest(v_reset)
    leak = v if rest is None else v - rest
    return x - leak if x is not None and decay_input else -leak


def d_reset_d_h(
    h: torch.Tensor,
    spike: torch.Tensor,
    surrogate_grad: torch.Tensor,
    v_threshold: Number,
    v_reset: float | None,
    detach_reset: bool,
) -> torch.Tensor:
    """Total ``dv / dh`` of one reset, where ``surrogate_grad = ds / dh``.

    hard: ``(1 - s) + (r - h) * ds/dh``; soft: ``1 - theta * ds/dh``; with ``detach_reset`` the
    spike term is dropped (``1 - s`` and ``1``).

    Shape:
        ``h``, ``spike``, ``surrogate_grad``: ``[*]``; returns ``[*]``.

    Example:
        >>> import torch
        >>> h, s, g = torch.tensor([1.5]), torch.tensor([1.]), torch.tensor([0.5])
        >>> d_reset_d_h(h, s, g, 1.0, 0.0, False), d_reset_d_h(h, s, g, 1.0, None, False)
        (tensor([-0.7500]), tensor([0.5000]))
    """
    if v_reset is None:
        if detach_reset:
            return torch.ones_like(h)
        return 1.0 - surrogate_grad * v_threshold
    if detach_reset:
        return 1.0 - spike
    return (1.0 - spike) + (v_reset - h) * surrogate_grad


def decay_trace(trace: torch.Tensor, spike: torch.Tensor, k: Number) -> torch.Tensor:
    """The presynaptic trace of online training: ``trace * (1 - k) + spike``.

    Shape:
        ``trace``, ``spike``: ``[*]``; returns ``[*]``.

    Example:
        >>> import torch
        >>> decay_trace(torch.tensor([1.0]), torch.tensor([1.0]), 0.5)
        tensor([1.5000])
    """
    return trace * (1.0 - k) + spike


# ----------------------------------------------------------------------------- current-based LIF
def reset_zero_point(v_reset: float | None) -> float:
    """The potential a leak pulls towards: ``v_reset`` for a hard reset, 0 for a soft one.

    Example:
        >>> reset_zero_point(-0.5), reset_zero_point(None)
        (-0.5, 0.0)
    """
    return 0.0 if v_reset is None else v_reset


def cuba_current(
    i: torch.Tensor, x: torch.Tensor, tau_syn: float, decay_input: bool, scratch: torch.Tensor | None = None
) -> torch.Tensor:
    """The synaptic current of the current-based LIF: ``i + (x - i) / tau_syn`` with ``decay_input``,
    else ``i - i / tau_syn + x``.

    With ``scratch`` (graph-free use, a tensor of ``i``'s shape apart from ``i`` and ``x``) ``i``
    is updated in place, with the same operations in the same order (identical values).

    Shape:
        ``i``, ``x``: ``[*]``; returns ``[*]``.

    Example:
        >>> import torch
        >>> i, x = torch.tensor([0.5]), torch.tensor([1.0])
        >>> cuba_current(i, x, 2.0, True), cuba_current(i, x, 2.0, False)
        (tensor([0.7500]), tensor([1.2500]))
        >>> cuba_current(i.clone(), x, 2.0, True, scratch=torch.empty(1))
        tensor([0.7500])
    """
    if scratch is not None:
        if decay_input:
            return i.add_(torch.sub(x, i, out=scratch).div_(tau_syn))
        return i.sub_(torch.div(i, tau_syn, out=scratch)).add_(x)
    if decay_input:
        return i + (x - i) / tau_syn
    return i - i / tau_syn + x


def cuba_membrane(
    v: torch.Tensor,
    i: torch.Tensor,
    tau_mem: float,
    decay_input: bool,
    v_reset: float | None,
    out: torch.Tensor | None = None,
) -> torch.Tensor:
    """The pre-spike potential of the current-based LIF, driven by the current ``i``:
    ``v + (i - (v - r0)) / tau_mem`` with ``decay_input``, else ``v - (v - r0) / tau_mem + i``
    (``r0 = reset_zero_point(v_reset)``). With ``out`` (graph-free, apart from ``v`` and ``i``)
    the same operations run in place in ``out``.

    Shape:
        ``v``, ``i``: ``[*]``; returns ``[*]``.

    Example:
        >>> import torch
        >>> v, i = torch.tensor([0.5]), torch.tensor([1.0])
        >>> cuba_membrane(v, i, 2.0, True, 0.0), cuba_membrane(v, i, 2.0, False, -0.5)
        (tensor([0.7500]), tensor([1.]))
        >>> cuba_membrane(v, i, 2.0, False, -0.5, out=torch.empty(1))
        tensor([1.])
    """
    r0 = reset_zero_point(v_reset)
    if out is not None:
        if decay_input:
            if r0 == 0.0:
                return torch.sub(i, v, out=out).div_(tau_mem).add_(v)
            return torch.sub(i, torch.sub(v, r0, out=out), out=out).div_(tau_mem).add_(v)
        leak = torch.div(v, tau_mem, out=out) if r0 == 0.0 else torch.sub(v, r0, out=out).div_(tau_mem)
        return torch.sub(v, leak, out=out).add_(i)
    if decay_input:
        if r0 == 0.0:
            return v + (i - v) / tau_mem
        return v + (i - (v - r0)) / tau_mem
    if r0 == 0.0:
        return v - v / tau_mem + i
    return v - (v - r0) / tau_mem + i


def decay_adaptation(
    a: torch.Tensor, spike: torch.Tensor, tau_adapt: float, beta: float, scratch: torch.Tensor | None = None
) -> torch.Tensor:
    """The threshold increment of the adaptive LIF: ``a * (1 - 1 / tau_adapt) + beta * spike``.

    With ``scratch`` (graph-free, 0/1 ``spike``; kept for symmetry with the other in-place forms,
    unused) ``a`` is updated in place with identical values.

    Shape:
        ``a``, ``spike``: ``[*]``; returns ``[*]``.

    Example:
        >>> import torch
        >>> decay_adaptation(torch.tensor([0.4]), torch.tensor([1.0]), 2.0, 0.5)
        tensor([0.7000])
    """
    decay = 1.0 - 1.0 / tau_adapt
    if scratch is not None:
        return a.mul_(decay).add_(spike, alpha=beta)
    return a * decay + beta * spike
