"""``first_spike_index`` in one pass on the GPU (a Triton kernel).

The first spike of a row is its first NONZERO entry along the last dim (time is the LAST dim
here). On binary input (float, int or bool) this is exactly SpikingJelly's
``spikes.cumsum(-1).cumsum(-1) == 1``; on graded input it stays meaningful (one mark per row, on a
nonzero entry). The kernel reads each element once and writes one byte per element: no
cumulative sums, no float intermediates.

Tensors must be on a CUDA device, except under the Triton interpreter (``TRITON_INTERPRET=1``),
which runs the same kernel on CPU tensors.

Shape:
    ``spikes``: ``[*, T]`` (0-d counts as ``[1]``); returns a bool tensor of the same shape.

Example:
    >>> import torch
    >>> s = torch.tensor([[0., 1., 1.], [0., 0., 0.]], device='cuda')  # doctest: +SKIP
    >>> first_spike_index(s)  # doctest: +SKIP
    tensor([[False,  True, False],
            [False, False, False]], device='cuda:0')
"""

import torch

from ..checks import check_tensor
from .triton_backend import _launch_tuned, _row_align

__all__ = ["first_spike_index"]

_OWNER = "first_spike_index"
_INTERPRET_TILE = (16, 8)  # (rows, steps) per program under the interpreter: several programs and tails
_GPU_TILE_ELEMENTS = 4096  # elements per program on a GPU (rows x a power-of-2 chunk of steps)
_SMALL = 1 << 20  # elements below which the GPU kernel runs with a fixed config (4 warps)
_GPU_WARPS = (4, 8)  # num_warps tried by the autotuner above that size
_autotuned = {}


def _launcher():
    """(kernel, compiled): the interpreted kernel under ``TRITON_INTERPRET=1``, else the autotuned one."""
    from . import triton_kernels as tk

    if tk.interpreting():
        return tk.first_spike, False
    return _autotuned_kernel(), True


def _autotuned_kernel():
    """The first_spike kernel behind triton's autotuner (num_warps in ``_GPU_WARPS``), built once."""
    if "kernel" not in _autotuned:
        import triton

        from . import triton_kernels as tk

        configs = [triton.Config({}, num_warps=w) for w in _GPU_WARPS]
        _autotuned["kernel"] = triton.autotune(configs, key=["R", "T"])(tk.first_spike)
    return _autotuned["kernel"]


def _meta(T: int, compiled: bool) -> dict:
    """The kernel's meta-parameters for rows of ``T`` steps. Compiled: a power-of-2 chunk of at most
    256 steps (``BLOCK_T``) and as many rows as fill ``_GPU_TILE_ELEMENTS``; interpreted: small tiles,
    so tests cover several programs and tails. Chunks of a row start at multiples of ``BLOCK_T``, so
    the alignment hint ``ROW_ALIGN`` may not claim more than that."""
    if compiled:
        block_t = min(256, 1 << max(0, (T - 1).bit_length()))
        block_r = _GPU_TILE_ELEMENTS // block_t
    else:
        block_r, block_t = _INTERPRET_TILE
    return dict(BLOCK_R=block_r, BLOCK_T=block_t, ROW_ALIGN=min(_row_align(T), block_t))


def first_spike_index(spikes: torch.Tensor) -> torch.Tensor:
    """True at the first nonzero entry of every row along the last dim; no gradient.

    Shape:
        ``spikes``: ``[*, T]``; returns a bool tensor of the same shape.

    Example:
        >>> import torch
        >>> first_spike_index(torch.tensor([[0, 1, 1]], device='cuda'))  # doctest: +SKIP
        tensor([[False,  True, False]], device='cuda:0')
    """
    from .triton_kernels import interpreting

    check_tensor(_OWNER, "spikes", spikes)
    if spikes.device.type != "cuda" and not interpreting():
        raise ValueError(f"{_OWNER}: spikes must be a CUDA tensor, got a tensor on {spikes.device}")
    if spikes.is_complex():
        raise TypeError(f"{_OWNER}: spikes must be a real or bool tensor, got {spikes.dtype}")
    if spikes.is_cuda and spikes.device.index != torch.cuda.current_device():
        with torch.cuda.device(spikes.device):  # triton launches on the current device
            return first_spike_index(spikes)
    out = torch.empty(spikes.shape, dtype=torch.uint8, device=spikes.device)
    if spikes.numel() == 0:
        return out.view(torch.bool)
    with torch.no_grad():
        x = spikes.detach().contiguous()
        if x.dtype == torch.bool:
            x = x.view(torch.uint8)
        T = x.shape[-1] if x.dim() > 0 else 1
        R = x.numel() // T
        kernel, compiled = _launcher()
        meta = _meta(T, compiled)
        grid = (-(-R // meta["BLOCK_R"]),)
        if not compiled:
            kernel[grid](x, out, R, T, **meta)
        else:
            from .triton_kernels import first_spike

            if R * T < _SMALL:  # small inputs: one fixed config, no autotuning
                # launch options (num_warps) are keywords of triton's launcher that its stubs do not list
                first_spike[grid](x, out, R, T, num_warps=4, **meta)  # pyright: ignore[reportCallIssue]
            else:
                key = ("first_spike", R, T, x.dtype, x.device.index)
                _launch_tuned(kernel, first_spike, key, lambda _: grid, (x, out, R, T), meta)
    return out.view(torch.bool)
