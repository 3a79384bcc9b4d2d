"""Triton kernels of the fused current-based LIF and adaptive-threshold LIF (imports triton).

The transcription of :func:`snnlab.dynamics.cuba_current`, :func:`snnlab.dynamics.cuba_membrane`
and :func:`snnlab.dynamics.decay_adaptation` and of the backward passes of
:mod:`snnlab.backends.torch_cuba` and :mod:`snnlab.backends.torch_alif`, in the layout of
:mod:`snnlab.backends.triton_kernels` (whose jit functions they share, the surrogate derivative
``_surrogate_grad`` included): a program owns ``BLOCK`` neurons of the ``[T, N]`` view and walks
time with the state in fp32 registers. Divisions are correctly rounded (``div_rn``), so the
forward values equal the torch backend's.

Shape:
    ``x``, ``spike``, ``h``, ``grad_x`` ``[T, N]``; initial states ``[N]``.

Example:
    >>> import importlib.util
    >>> importlib.util.find_spec("triton") is not None  # this module needs triton installed
    True
"""

import triton
import triton.language as tl

from .triton_kernels import _charge, _in_row, _reset, _row, _storable, _surrogate_grad

__all__ = ["alif_backward", "alif_forward", "cuba_backward", "cuba_forward"]


@triton.jit
def _dv_dh(h, spike, sg, theta, r, HARD_RESET: tl.constexpr, DETACH_RESET: tl.constexpr, BLOCK: tl.constexpr):
    # dynamics.d_reset_d_h
    if HARD_RESET:
        if DETACH_RESET:
            d = tl.where(spike, 0.0, 1.0)
        else:
            d = tl.where(spike, 0.0, 1.0) + (r - h) * sg
    else:
        if DETACH_RESET:
            d = tl.full([BLOCK], 1.0, tl.float32)
        else:
            d = 1.0 - sg * theta
    return d


@triton.jit(do_not_specialize=["T"])
def cuba_forward(
    x_ptr, i0_ptr, v0_ptr, spike_ptr, h_ptr, v_ptr, i_ptr,
    T, N, theta, r, r0, tau_syn, tau_mem,
    BLOCK: tl.constexpr, DECAY_INPUT: tl.constexpr, R0_ZERO: tl.constexpr, HARD_RESET: tl.constexpr,
    STORE_V_SEQ: tl.constexpr, STORE_H: tl.constexpr, ROUND_H: tl.constexpr, ROW_ALIGN: tl.constexpr,
):  # fmt: skip
    """The current-based LIF forward for t = 0..T-1."""
    pid = tl.program_id(0)
    offs = pid.to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    mask = _in_row(offs, N, ROW_ALIGN)
    out_ty = spike_ptr.dtype.element_ty
    i = tl.load(i0_ptr + offs, mask=mask, other=0.0).to(tl.float32)
    v = tl.load(v0_ptr + offs, mask=mask, other=0.0).to(tl.float32)
    for t in range(T):
        idx = _row(t, N, offs, ROW_ALIGN)
        x = tl.load(x_ptr + idx, mask=mask, other=0.0).to(tl.float32)
        if DECAY_INPUT:
            i = i + tl.math.div_rn(x - i, tau_syn)
            if R0_ZERO:
                h = v + tl.math.div_rn(i - v, tau_mem)
            else:
                h = v + tl.math.div_rn(i - (v - r0), tau_mem)
        else:
            i = i - tl.math.div_rn(i, tau_syn) + x
            if R0_ZERO:
                h = v - tl.math.div_rn(v, tau_mem) + i
            else:
                h = v - tl.math.div_rn(v - r0, tau_mem) + i
        if ROUND_H:
            h = _storable(h, out_ty).to(tl.float32)
        spike = h >= theta
        if STORE_H:
            tl.store(h_ptr + idx, _storable(h, out_ty), mask=mask)
        tl.store(spike_ptr + idx, tl.where(spike, 1.0, 0.0).to(out_ty), mask=mask)
        v = _reset(h, spike, theta, r, HARD_RESET)
        if STORE_V_SEQ:
            tl.store(v_ptr + idx, _storable(v, out_ty), mask=mask)
    if not STORE_V_SEQ:
        tl.store(v_ptr + offs, _storable(v, out_ty), mask=mask)
    tl.store(i_ptr + offs, _storable(i, out_ty), mask=mask)


@triton.jit(do_not_specialize=["T"])
def cuba_backward(
    grad_spike_ptr, grad_v_seq_ptr, grad_v_last_ptr, grad_i_last_ptr, h_ptr, grad_x_ptr, grad_i0_ptr, grad_v0_ptr,
    T, N, theta, r, alpha, c, a_i, a_v, b_x, b_i,
    BLOCK: tl.constexpr, HARD_RESET: tl.constexpr, DETACH_RESET: tl.constexpr, SURROGATE: tl.constexpr,
    HAS_GRAD_SPIKE: tl.constexpr, HAS_GRAD_V_SEQ: tl.constexpr, HAS_GRAD_V_LAST: tl.constexpr,
    HAS_GRAD_I_LAST: tl.constexpr, ROW_ALIGN: tl.constexpr,
):  # fmt: skip
    """The current-based LIF backward for t = T-1..0, carrying dL/dv and dL/di."""
    pid = tl.program_id(0)
    offs = pid.to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    mask = _in_row(offs, N, ROW_ALIGN)
    gx_ty = grad_x_ptr.dtype.element_ty
    if HAS_GRAD_V_LAST:
        grad_v = tl.load(grad_v_last_ptr + offs, mask=mask, other=0.0).to(tl.float32)
    else:
        grad_v = tl.zeros([BLOCK], dtype=tl.float32)
    if HAS_GRAD_I_LAST:
        grad_i = tl.load(grad_i_last_ptr + offs, mask=mask, other=0.0).to(tl.float32)
    else:
        grad_i = tl.zeros([BLOCK], dtype=tl.float32)
    for step in range(T):
        t = T - 1 - step
        idx = _row(t, N, offs, ROW_ALIGN)
        if HAS_GRAD_V_SEQ:
            grad_v += tl.load(grad_v_seq_ptr + idx, mask=mask, other=0.0).to(tl.float32)
        h = tl.load(h_ptr + idx, mask=mask, other=0.0).to(tl.float32)
        spike = h >= theta
        sg = _surrogate_grad(h - theta, alpha, c, SURROGATE)
        grad_h = grad_v * _dv_dh(h, spike, sg, theta, r, HARD_RESET, DETACH_RESET, BLOCK)
        if HAS_GRAD_SPIKE:
            grad_h += tl.load(grad_spike_ptr + idx, mask=mask, other=0.0).to(tl.float32) * sg
        grad_i = grad_i + grad_h * b_i
        tl.store(grad_x_ptr + idx, _storable(grad_i * b_x, gx_ty), mask=mask)
        grad_i = grad_i * a_i
        grad_v = grad_h * a_v
    tl.store(grad_v0_ptr + offs, _storable(grad_v, grad_v0_ptr.dtype.element_ty), mask=mask)
    tl.store(grad_i0_ptr + offs, _storable(grad_i, grad_i0_ptr.dtype.element_ty), mask=mask)


@triton.jit(do_not_specialize=["T"])
def alif_forward(
    x_ptr, v0_ptr, a0_ptr, spike_ptr, h_ptr, theta_ptr, v_ptr, a_ptr,
    T, N, theta0, k, one_minus_k, r, decay_a, beta,
    BLOCK: tl.constexpr, DECAY_INPUT: tl.constexpr, SHIFTED: tl.constexpr, HARD_RESET: tl.constexpr,
    STORE_V_SEQ: tl.constexpr, STORE_H: tl.constexpr, ROUND_H: tl.constexpr, ROW_ALIGN: tl.constexpr,
):  # fmt: skip
    """The adaptive-threshold LIF forward for t = 0..T-1 (``h`` and the threshold are saved)."""
    pid = tl.program_id(0)
    offs = pid.to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    mask = _in_row(offs, N, ROW_ALIGN)
    out_ty = spike_ptr.dtype.element_ty
    v = tl.load(v0_ptr + offs, mask=mask, other=0.0).to(tl.float32)
    a = tl.load(a0_ptr + offs, mask=mask, other=0.0).to(tl.float32)
    for t in range(T):
        idx = _row(t, N, offs, ROW_ALIGN)
        x = tl.load(x_ptr + idx, mask=mask, other=0.0).to(tl.float32)
        # a Python constant into a tl.constexpr parameter is triton's idiom; its stubs type it as constexpr
        h = _charge(v, x, k, one_minus_k, r, True, DECAY_INPUT, SHIFTED)  # pyright: ignore[reportArgumentType]
        theta = a + theta0
        if ROUND_H:
            h = _storable(h, out_ty).to(tl.float32)
            theta = _storable(theta, out_ty).to(tl.float32)
        spike = h >= theta
        if STORE_H:
            tl.store(h_ptr + idx, _storable(h, out_ty), mask=mask)
            tl.store(theta_ptr + idx, _storable(theta, out_ty), mask=mask)
        tl.store(spike_ptr + idx, tl.where(spike, 1.0, 0.0).to(out_ty), mask=mask)
        v = _reset(h, spike, theta, r, HARD_RESET)
        a = a * decay_a + tl.where(spike, beta, 0.0)
        if STORE_V_SEQ:
            tl.store(v_ptr + idx, _storable(v, out_ty), mask=mask)
    if not STORE_V_SEQ:
        tl.store(v_ptr + offs, _storable(v, out_ty), mask=mask)
    tl.store(a_ptr + offs, _storable(a, out_ty), mask=mask)


@triton.jit(do_not_specialize=["T"])
def alif_backward(
    grad_spike_ptr, grad_v_seq_ptr, grad_v_last_ptr, grad_a_last_ptr, h_ptr, theta_ptr,
    grad_x_ptr, grad_v0_ptr, grad_a0_ptr,
    T, N, r, alpha, c, dh_dv, dh_dx, decay_a, beta,
    BLOCK: tl.constexpr, HARD_RESET: tl.constexpr, DETACH_RESET: tl.constexpr, SURROGATE: tl.constexpr,
    HAS_GRAD_SPIKE: tl.constexpr, HAS_GRAD_V_SEQ: tl.constexpr, HAS_GRAD_V_LAST: tl.constexpr,
    HAS_GRAD_A_LAST: tl.constexpr, ROW_ALIGN: tl.constexpr,
):  # fmt: skip
    """The adaptive-threshold LIF backward for t = T-1..0, carrying dL/dv and dL/da."""
    pid = tl.program_id(0)
    offs = pid.to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    mask = _in_row(offs, N, ROW_ALIGN)
    gx_ty = grad_x_ptr.dtype.element_ty
    if HAS_GRAD_V_LAST:
        grad_v = tl.load(grad_v_last_ptr + offs, mask=mask, other=0.0).to(tl.float32)
    else:
        grad_v = tl.zeros([BLOCK], dtype=tl.float32)
    if HAS_GRAD_A_LAST:
        grad_a = tl.load(grad_a_last_ptr + offs, mask=mask, other=0.0).to(tl.float32)
    else:
        grad_a = tl.zeros([BLOCK], dtype=tl.float32)
    for step in range(T):
        t = T - 1 - step
        idx = _row(t, N, offs, ROW_ALIGN)
        if HAS_GRAD_V_SEQ:
            grad_v += tl.load(grad_v_seq_ptr + idx, mask=mask, other=0.0).to(tl.float32)
        h = tl.load(h_ptr + idx, mask=mask, other=0.0).to(tl.float32)
        theta = tl.load(theta_ptr + idx, mask=mask, other=1.0).to(tl.float32)
        z = h - theta
        spike = z >= 0.0
        sg = _surrogate_grad(z, alpha, c, SURROGATE)
        if HAS_GRAD_SPIKE:
            g_s = tl.load(grad_spike_ptr + idx, mask=mask, other=0.0).to(tl.float32)
        else:
            g_s = tl.zeros([BLOCK], dtype=tl.float32)
        if not DETACH_RESET:
            if HARD_RESET:
                g_s += grad_v * (r - h)
            else:
                g_s -= grad_v * theta
            g_s += grad_a * beta
        g_s = g_s * sg
        if HARD_RESET:
            grad_h = g_s + tl.where(spike, 0.0, grad_v)
            grad_a = grad_a * decay_a - g_s
        else:
            grad_h = g_s + grad_v
            grad_a = grad_a * decay_a - g_s - tl.where(spike, grad_v, 0.0)
        tl.store(grad_x_ptr + idx, _storable(grad_h * dh_dx, gx_ty), mask=mask)
        grad_v = grad_h * dh_dv
    tl.store(grad_v0_ptr + offs, _storable(grad_v, grad_v0_ptr.dtype.element_ty), mask=mask)
    tl.store(grad_a0_ptr + offs, _storable(grad_a, grad_a0_ptr.dtype.element_ty), mask=mask)
