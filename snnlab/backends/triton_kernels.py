"""Triton kernels of the fused multi-step neurons and of ``first_spike_index``.

This module imports triton at import time: only :mod:`snnlab.backends.triton_backend` and
:mod:`snnlab.backends.triton_spikes` import it, lazily, inside their GPU code paths.

Every neuron kernel is the Triton transcription of :mod:`snnlab.dynamics` (the one home of the
charge / fire / reset formulas and of their local derivatives) and of the surrogate derivatives
of :mod:`snnlab.surrogate`. Layout: the sequence is viewed as ``[T, N]`` (``N`` = neurons per
step, contiguous). A program owns ``BLOCK`` neurons and walks the time axis, so each step is one
coalesced load / store of ``BLOCK`` elements and the membrane potential stays in registers.
Arithmetic is fp32 whatever the storage dtype; offsets are int64 so ``T * N`` may exceed 2**31.

Shape:
    neuron kernels: ``x``, ``spike``, ``h``, ``grad_x`` ``[T, N]``; ``v_init``, threshold ``[N]``.
    ``first_spike``: ``[R, T]`` in, ``[R, T]`` uint8 out.

Example:
    >>> import importlib.util
    >>> importlib.util.find_spec("triton") is not None  # this module needs triton installed
    True
"""

import os

import triton
import triton.language as tl

from ..registry.surrogates import SURROGATES

__all__ = ["ATAN", "SIGMOID", "first_spike", "interpreting", "neuron_backward", "neuron_forward"]

SIGMOID = SURROGATES["sigmoid"].kernel_id  # values of the SURROGATE switch (all kinds: the registry)
ATAN = SURROGATES["atan"].kernel_id


def interpreting() -> bool:
    """True when kernels run under the Triton interpreter (``TRITON_INTERPRET=1``)."""
    return os.environ.get("TRITON_INTERPRET", "0") not in ("", "0")


@triton.jit
def _storable(val, ty: tl.constexpr):
    # fp32 -> ``ty`` rounded to nearest even. bfloat16 is rounded with integer ops, so the result
    # is the same compiled and under the interpreter (whose fp32 -> bf16 cast truncates).
    if ty == tl.bfloat16:
        bits = val.to(tl.uint32, bitcast=True)
        bits = bits + 0x7FFF + ((bits >> 16) & 1)
        val = ((bits >> 16) << 16).to(tl.float32, bitcast=True)
    return val.to(ty)


@triton.jit
def _leak(k_val, one_minus_k_val, k_ptr, K_FROM_PTR: tl.constexpr):
    # k = 1/tau and 1 - k in fp32: from the arguments (LIF, 1 - k rounded once from the exact
    # value, as the torch formulas do with a Python float) or from a 0-d tensor (PLIF).
    if K_FROM_PTR:
        k = tl.load(k_ptr).to(tl.float32)
        return k, 1.0 - k
    else:
        return k_val, one_minus_k_val


@triton.jit
def _charge(v, x, k, one_minus_k, r, CHARGE_LIF: tl.constexpr, DECAY_INPUT: tl.constexpr, SHIFTED: tl.constexpr):
    # dynamics.charge_if / charge_lif; SHIFTED means v_reset is a float other than 0.
    if CHARGE_LIF:
        if DECAY_INPUT:
            if SHIFTED:
                h = v + (x - (v - r)) * k
            else:
                h = v + (x - v) * k
        else:
            if SHIFTED:
                h = v - (v - r) * k + x
            else:
                h = v * one_minus_k + x
    else:
        h = v + x
    return h


@triton.jit
def _reset(h, spike, theta, r, HARD_RESET: tl.constexpr):
    # dynamics.reset with a 0/1 spike: hard -> r where it fired, soft -> h - theta there.
    if HARD_RESET:
        v = tl.where(spike, r, h)
    else:
        v = tl.where(spike, h - theta, h)
    return v


@triton.jit
def _surrogate_grad(z, alpha, c, SURROGATE: tl.constexpr):
    # The closed-form surrogate gradients of snnlab.registry.surrogates (each the Triton form of the
    # class' derivative_function), by kernel id. (alpha, c) are the two runtime arguments the
    # registry's kernel_args make from the surrogate's parameters. Jit code reads no module globals,
    # so the ids are literals; the interpreter tests run every branch against the torch formula.
    az = tl.abs(z)
    if SURROGATE == 0:  # sigmoid: alpha * s * (1 - s), s = sigmoid(alpha * z)
        s = tl.sigmoid(z * alpha)
        d = (1.0 - s) * s * alpha
    elif SURROGATE == 1:  # atan: (alpha / 2) / (1 + (c * z)^2), c = pi / 2 * alpha
        cz = z * c
        d = (alpha * 0.5) / (1.0 + cz * cz)
    elif SURROGATE == 2:  # erf: c * exp(-(alpha * z)^2), c = alpha / sqrt(pi)
        u = z * alpha
        d = c * tl.exp(-(u * u))
    elif SURROGATE == 3:  # soft_sign: alpha / (2 * (1 + alpha * |z|)^2)
        q = 1.0 + alpha * az
        d = 1.0 / (q * q * (2.0 / alpha))
    elif SURROGATE == 4:  # piecewise_exp: c * exp(-alpha * |z|), c = alpha / 2
        d = c * tl.exp(-(alpha * az))
    elif SURROGATE == 5:  # nonzero_sign_log_abs: 1 / (c + |z|), c = 1 / alpha
        d = 1.0 / (az + c)
    elif SURROGATE == 6:  # q_pseudo_spike: (1 + c * |z|)^(-alpha), c = 2 / (alpha - 1)
        d = tl.exp(-alpha * tl.log(1.0 + c * az))
    elif SURROGATE == 7:  # piecewise_quadratic: alpha - alpha^2 * |z| where |z| <= c = 1 / alpha, else 0
        d = tl.where(az > c, 0.0, alpha - (alpha * alpha) * az)
    elif SURROGATE == 8:  # log_tailed_relu: alpha for z <= 0, 1 on (0, 1], 1 / z above
        above = z > 1.0
        d = tl.where(above, 1.0 / tl.where(above, z, 1.0), tl.where(z <= 0.0, alpha, 1.0))
    elif SURROGATE == 9:  # fake_numerical_gradient: min(1 / |z|, alpha)
        outside = az * alpha > 1.0
        d = tl.where(outside, 1.0 / tl.where(outside, az, 1.0), alpha)
    elif SURROGATE == 10:  # piecewise_leaky_relu (alpha = w, c): 1 / w where |z| < w, else c
        d = tl.where(az < alpha, 1.0 / alpha, c)
    elif SURROGATE == 11:  # leaky_k_relu (alpha = leak, c = k): k for z >= 0, leak below
        d = tl.where(z >= 0.0, c, alpha)
    elif SURROGATE == 12:  # s2nn (alpha, c = beta): the sigmoid's gradient below 0, beta / (z + 1) from 0
        s = tl.sigmoid(z * alpha)
        negative = z < 0.0
        d = tl.where(negative, (1.0 - s) * s * alpha, c / tl.where(negative, 1.0, z + 1.0))
    else:  # 13, squarewave_fourier_series (alpha = n, c = T_period): 4 / T sum_i cos((2i - 1) * 2 pi / T * z)
        w = 6.283185307179586 / c
        d = tl.zeros_like(z)
        for i in range(1, alpha):  # alpha: an int here (registry kernel_args)
            d += tl.cos(z * ((2.0 * i - 1.0) * w))
        d = d * (4.0 / c)
    return d


@triton.jit
def _in_row(offs, N, ROW_ALIGN: tl.constexpr):
    # offs < N. With N a multiple of ROW_ALIGN it is written per group of ROW_ALIGN lanes, so the
    # compiler sees the mask constant over each group and can vectorise the masked accesses.
    if ROW_ALIGN > 1:
        m = (offs // ROW_ALIGN) < (N // ROW_ALIGN)
    else:
        m = offs < N
    return m


@triton.jit
def _row(t, N, offs, ROW_ALIGN: tl.constexpr):
    # Offsets of step t's slice of the [T, N] layout: t * N + offs. N is specialised (and known to
    # be 16-aligned) only when it is a multiple of 16; ROW_ALIGN tells the compiler the row starts
    # are multiples of ROW_ALIGN in every case, so e.g. N = 1000 still gets 128-bit fp32 accesses.
    idx = tl.cast(t, tl.int64) * N + offs
    if ROW_ALIGN > 1:
        idx = tl.multiple_of(idx, ROW_ALIGN)
    return idx


@triton.jit
def _lanes_lt(a, b, BLOCK: tl.constexpr):
    # The scalar condition a < b on all BLOCK lanes: uniform, so it keeps the masks' vector width,
    # and a comparison, so the interpreter also gets a boolean mask.
    return tl.full([BLOCK], a, tl.int32) < b


@triton.jit(do_not_specialize=["T"])
def neuron_forward(
    x_ptr,
    v0_ptr,
    theta_ptr,
    k_ptr,
    spike_ptr,
    h_ptr,
    v_ptr,
    T,
    N,
    theta_val,
    k_val,
    one_minus_k_val,
    r,
    BLOCK: tl.constexpr,
    CHARGE_LIF: tl.constexpr,
    DECAY_INPUT: tl.constexpr,
    SHIFTED: tl.constexpr,
    HARD_RESET: tl.constexpr,
    THETA_FROM_PTR: tl.constexpr,
    K_FROM_PTR: tl.constexpr,
    STORE_V_SEQ: tl.constexpr,
    STORE_H: tl.constexpr,
    ROUND_H: tl.constexpr,
    ROW_ALIGN: tl.constexpr,
):
    """The whole sequence forward: charge, fire, reset for t = 0..T-1 (see module docstring)."""
    pid = tl.program_id(0)
    offs = pid.to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    mask = _in_row(offs, N, ROW_ALIGN)
    out_ty = spike_ptr.dtype.element_ty
    v = tl.load(v0_ptr + offs, mask=mask, other=0.0).to(tl.float32)
    if THETA_FROM_PTR:
        theta = tl.load(theta_ptr + offs, mask=mask, other=1.0).to(tl.float32)
    else:
        theta = theta_val
    k, one_minus_k = _leak(k_val, one_minus_k_val, k_ptr, K_FROM_PTR)
    x_next = tl.load(x_ptr + _row(0, N, offs, ROW_ALIGN), mask=mask & _lanes_lt(0, T, BLOCK), other=0.0)
    for t in range(T):
        idx = _row(t, N, offs, ROW_ALIGN)
        x = x_next.to(tl.float32)
        # issue the next step's load now, so its latency overlaps this step's work and stores
        x_next = tl.load(x_ptr + _row(t + 1, N, offs, ROW_ALIGN), mask=mask & _lanes_lt(t + 1, T, BLOCK), other=0.0)
        h = _charge(v, x, k, one_minus_k, r, CHARGE_LIF, DECAY_INPUT, SHIFTED)
        if ROUND_H:
            # 16-bit storage: decide the spike on the stored value, so backward sees the same h.
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


@triton.jit(do_not_specialize=["T"])
def neuron_backward(
    grad_spike_ptr,
    grad_v_seq_ptr,
    grad_v_last_ptr,
    h_ptr,
    x_ptr,
    v0_ptr,
    theta_ptr,
    k_ptr,
    grad_x_ptr,
    grad_v0_ptr,
    grad_k_part_ptr,
    T,
    N,
    theta_val,
    k_val,
    one_minus_k_val,
    r,
    alpha,
    c,
    BLOCK: tl.constexpr,
    CHARGE_LIF: tl.constexpr,
    DECAY_INPUT: tl.constexpr,
    SHIFTED: tl.constexpr,
    HARD_RESET: tl.constexpr,
    DETACH_RESET: tl.constexpr,
    SURROGATE: tl.constexpr,
    THETA_FROM_PTR: tl.constexpr,
    K_FROM_PTR: tl.constexpr,
    HAS_GRAD_SPIKE: tl.constexpr,
    HAS_GRAD_V_SEQ: tl.constexpr,
    HAS_GRAD_V_LAST: tl.constexpr,
    STORE_GRAD_X: tl.constexpr,
    NEED_GRAD_K: tl.constexpr,
    ROW_ALIGN: tl.constexpr,
):
    """The whole sequence backward for t = T-1..0, carrying dL/dv; per-neuron grad_k partial sums."""
    pid = tl.program_id(0)
    offs = pid.to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    mask = _in_row(offs, N, ROW_ALIGN)
    gx_ty = grad_x_ptr.dtype.element_ty
    if THETA_FROM_PTR:
        theta = tl.load(theta_ptr + offs, mask=mask, other=1.0).to(tl.float32)
    else:
        theta = theta_val
    k, one_minus_k = _leak(k_val, one_minus_k_val, k_ptr, K_FROM_PTR)
    v0 = tl.load(v0_ptr + offs, mask=mask, other=0.0).to(tl.float32)
    if HAS_GRAD_V_LAST:
        grad_v = tl.load(grad_v_last_ptr + offs, mask=mask, other=0.0).to(tl.float32)
    else:
        grad_v = tl.zeros([BLOCK], dtype=tl.float32)
    grad_k = tl.zeros([BLOCK], dtype=tl.float32)
    last = _row(T - 1, N, offs, ROW_ALIGN)  # masked off when T == 0
    h = tl.load(h_ptr + last, mask=mask & _lanes_lt(0, T, BLOCK), other=0.0).to(tl.float32)
    if HAS_GRAD_SPIKE:
        grad_s_next = tl.load(grad_spike_ptr + last, mask=mask & _lanes_lt(0, T, BLOCK), other=0.0)
    for i in range(T):
        t = T - 1 - i
        idx = _row(t, N, offs, ROW_ALIGN)
        if HAS_GRAD_V_SEQ:
            grad_v += tl.load(grad_v_seq_ptr + idx, mask=mask, other=0.0).to(tl.float32)
        # The previous step's h (this step's v_prev for grad_k, and the next iteration's h) and
        # spike gradient are loaded one step ahead, so their latency overlaps this step's work.
        prev = _row(t - 1, N, offs, ROW_ALIGN)  # masked off at t == 0
        h_prev = tl.load(h_ptr + prev, mask=mask & _lanes_lt(0, t, BLOCK), other=0.0).to(tl.float32)
        if HAS_GRAD_SPIKE:
            # HAS_GRAD_SPIKE is a constexpr: grad_s_next was loaded above under the same constant
            grad_s = grad_s_next.to(tl.float32)  # pyright: ignore[reportPossiblyUnboundVariable]
            grad_s_next = tl.load(grad_spike_ptr + prev, mask=mask & _lanes_lt(0, t, BLOCK), other=0.0)
        spike = h >= theta
        sg = _surrogate_grad(h - theta, alpha, c, SURROGATE)
        # dynamics.d_reset_d_h
        if HARD_RESET:
            if DETACH_RESET:
                dv_dh = tl.where(spike, 0.0, 1.0)
            else:
                dv_dh = tl.where(spike, 0.0, 1.0) + (r - h) * sg
        else:
            if DETACH_RESET:
                dv_dh = tl.full([BLOCK], 1.0, tl.float32)
            else:
                dv_dh = 1.0 - sg * theta
        grad_h = grad_v * dv_dh
        if HAS_GRAD_SPIKE:
            grad_h += grad_s * sg  # pyright: ignore[reportPossiblyUnboundVariable]  (same constexpr)
        # dynamics.d_charge_d_x / d_charge_d_v / d_charge_d_k
        if STORE_GRAD_X:
            if CHARGE_LIF and DECAY_INPUT:
                gx = grad_h * k
            else:
                gx = grad_h
            tl.store(grad_x_ptr + idx, _storable(gx, gx_ty), mask=mask)
        if NEED_GRAD_K:
            v_prev = tl.where(t > 0, _reset(h_prev, h_prev >= theta, theta, r, HARD_RESET), v0)
            if SHIFTED:
                leak = v_prev - r
            else:
                leak = v_prev
            if DECAY_INPUT:
                x = tl.load(x_ptr + idx, mask=mask, other=0.0).to(tl.float32)
                dh_dk = x - leak
            else:
                dh_dk = -leak
            grad_k += grad_h * dh_dk
        if CHARGE_LIF:
            grad_v = grad_h * one_minus_k
        else:
            grad_v = grad_h
        h = h_prev
    tl.store(grad_v0_ptr + offs, _storable(grad_v, grad_v0_ptr.dtype.element_ty), mask=mask)
    if NEED_GRAD_K:
        # one partial sum per neuron (summed over time); the caller reduces them across programs.
        # Every launch configuration writes every slot, so autotuning leaves no stale partials.
        tl.store(grad_k_part_ptr + offs, grad_k, mask=mask)


@triton.jit(do_not_specialize=["R"])
def first_spike(x_ptr, out_ptr, R, T, BLOCK_R: tl.constexpr, BLOCK_T: tl.constexpr, ROW_ALIGN: tl.constexpr):
    """Marks the first nonzero entry of each row of a ``[R, T]`` tensor, one read of the input.
    ``ROW_ALIGN`` (a power of two dividing T, at most 16) lets rows of any such T use wide accesses."""
    pid = tl.program_id(0)
    rows = pid.to(tl.int64) * BLOCK_R + tl.arange(0, BLOCK_R)
    row_mask = rows < R
    cols = tl.arange(0, BLOCK_T)
    base = rows[:, None] * T
    found = tl.zeros([BLOCK_R], dtype=tl.int1)
    for t0 in range(0, T, BLOCK_T):
        c = t0 + cols
        m = row_mask[:, None] & _in_row(c, T, ROW_ALIGN)[None, :]
        offs = base + c[None, :]
        if ROW_ALIGN > 1:
            offs = tl.multiple_of(offs, [1, ROW_ALIGN])  # each row's chunk starts at a multiple
        x = tl.load(x_ptr + offs, mask=m, other=0)
        nz = (x != 0) & m
        first = tl.min(tl.where(nz, c[None, :], T), axis=1)
        # triton's stubs type tl.tensor.__getitem__ without None (a new axis), which triton supports
        mark = (c[None, :] == first[:, None]) & (found == 0)[:, None]  # pyright: ignore[reportCallIssue, reportArgumentType]
        tl.store(out_ptr + offs, mark.to(tl.uint8), mask=m)
        found = found | (first < T)
