"""Bit-packing of boolean tensors into ``uint8`` bytes, on the tensor's own device.

This is the one place in snnlab that packs and unpacks bits. Spike probes use it to shrink
records 8x before they leave the GPU, and the figure widgets use it to ship rasters to the
browser.

Bit order is **big-endian**, the same as ``numpy.packbits`` with its default
``bitorder='big'``: the first element of each group of eight lands in the most significant bit
(value 128) of the byte, the eighth in the least significant bit (value 1). A length that is not
a multiple of 8 is padded with zero bits at the end, so ``packbits`` of ``n`` elements gives
``ceil(n / 8)`` bytes, and ``unpackbits`` needs the original length ``count`` to drop the padding.
A JavaScript reader recovers element ``i`` of a packed row as ``(bytes[i >> 3] >> (7 - (i & 7))) & 1``.

CPU tensors go through ``numpy.packbits`` / ``numpy.unpackbits`` (one C loop, 15-100x faster than
a chain of tensor operations there); tensors on other devices are packed with torch operations in
place, so nothing crosses to the host. Both give the same bytes.

Shape:
    ``packbits``: ``[*, n]`` (bool or integer) -> ``[*, ceil(n / 8)]`` uint8 (packed along ``dim``).
    ``unpackbits``: ``[*, m]`` uint8 -> ``[*, count]`` bool, with ``count <= 8 * m``.

Example:
    >>> import torch
    >>> from snnlab.bitpack import packbits, unpackbits
    >>> bits = torch.tensor([True, False, True, False, False, False, False, False, True])
    >>> packbits(bits).tolist()
    [160, 128]
    >>> torch.equal(unpackbits(packbits(bits), 9), bits)
    True
"""

import numpy as np
import torch

from .checks import check_int, check_tensor, describe

__all__ = ["packbits", "packed_length", "unpackbits"]

# Shift of each of the 8 positions of a byte, most significant first (big-endian).
_SHIFTS = (7, 6, 5, 4, 3, 2, 1, 0)


def packed_length(count: int) -> int:
    """Number of bytes that hold ``count`` bits: ``ceil(count / 8)``.

    Shape:
        not applicable (an int in, an int out).

    Example:
        >>> packed_length(0), packed_length(8), packed_length(9)
        (0, 1, 2)
    """
    count = check_int("packed_length", "count", count, minimum=0)
    return (count + 7) // 8


def _check_dim(owner: str, dim, ndim: int) -> int:
    dim = check_int(owner, "dim", dim)
    if not -ndim <= dim < ndim:
        raise ValueError(f"{owner}: dim must be an integer in [{-ndim}, {ndim - 1}], got {dim}")
    return dim % ndim


def packbits(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Pack the truth values of ``x`` along ``dim`` into bytes, 8 per byte, big-endian.

    Any nonzero entry counts as a set bit (as in ``numpy.packbits``). The result lives on
    ``x``'s device; nothing is copied to the host.

    Args:
        x: a bool or integer tensor with at least one dimension. Float tensors are refused:
            turn spikes into bits explicitly, e.g. ``packbits(spikes != 0)``.
        dim: the dimension to pack.

    Returns:
        a contiguous ``uint8`` tensor, ``x``'s shape with ``dim`` shrunk to ``ceil(n / 8)``.

    Shape:
        ``[*, n]`` -> ``[*, ceil(n / 8)]`` (for ``dim=-1``).

    Example:
        >>> import torch
        >>> packbits(torch.tensor([[1, 1, 1, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0, 0, 1]])).tolist()
        [[255], [1]]
        >>> packbits(torch.ones(3, 2, dtype=torch.bool), dim=0).tolist()
        [[224, 224]]
    """
    check_tensor("packbits", "x", x, min_dim=1)
    if x.dtype.is_floating_point or x.dtype.is_complex:
        raise TypeError(f"packbits: x must be a bool or integer tensor (use x != 0 for spikes), got {describe(x)}")
    dim = _check_dim("packbits", dim, x.dim())
    bits = x if x.dtype == torch.bool else x != 0
    if bits.device.type == "cpu":
        return torch.from_numpy(np.packbits(bits.numpy(), axis=dim))
    return _packbits_torch(bits, dim)


def _packbits_torch(bits: torch.Tensor, dim: int) -> torch.Tensor:
    """Device-side packing of a bool tensor along ``dim`` (non-negative): multiply and sum in uint8."""
    bits = bits.movedim(dim, -1)
    n = bits.shape[-1]
    pad = (-n) % 8
    data = bits.view(torch.uint8)
    if pad:
        data = torch.cat([data, data.new_zeros(data.shape[:-1] + (pad,))], dim=-1)
    groups = data.reshape(data.shape[:-1] + ((n + pad) // 8, 8))
    weights = torch.tensor([1 << s for s in _SHIFTS], dtype=torch.uint8, device=bits.device)
    packed = (groups * weights).sum(dim=-1, dtype=torch.uint8)  # at most 255: no overflow
    return packed.movedim(-1, dim).contiguous()


def unpackbits(packed: torch.Tensor, count: int, dim: int = -1) -> torch.Tensor:
    """Expand bytes written by :func:`packbits` back to booleans, keeping the first ``count``.

    Args:
        packed: a ``uint8`` tensor with at least one dimension.
        count: how many bits to return along ``dim`` (the length before packing); at most
            ``8 * packed.shape[dim]``.
        dim: the dimension that holds the bytes.

    Returns:
        a bool tensor on ``packed``'s device, ``packed``'s shape with ``dim`` replaced by ``count``.

    Shape:
        ``[*, m]`` -> ``[*, count]`` (for ``dim=-1``).

    Example:
        >>> import torch
        >>> unpackbits(torch.tensor([129], dtype=torch.uint8), 8).int().tolist()
        [1, 0, 0, 0, 0, 0, 0, 1]
        >>> unpackbits(torch.tensor([[192], [64]], dtype=torch.uint8), 2).tolist()
        [[True, True], [False, True]]
    """
    check_tensor("unpackbits", "packed", packed, min_dim=1)
    if packed.dtype != torch.uint8:
        raise TypeError(f"unpackbits: packed must be a uint8 tensor, got {describe(packed)}")
    dim = _check_dim("unpackbits", dim, packed.dim())
    count = check_int("unpackbits", "count", count, minimum=0)
    capacity = 8 * packed.shape[dim]
    if count > capacity:
        raise ValueError(f"unpackbits: count must be at most 8 * packed.shape[{dim}] = {capacity}, got {count}")
    if packed.device.type == "cpu":
        return torch.from_numpy(np.unpackbits(packed.numpy(), axis=dim, count=count)).view(torch.bool)
    return _unpackbits_torch(packed, count, dim)


def _unpackbits_torch(packed: torch.Tensor, count: int, dim: int) -> torch.Tensor:
    """Device-side unpacking along ``dim`` (non-negative) into ``count`` booleans."""
    data = packed.movedim(dim, -1)
    shifts = torch.tensor(_SHIFTS, dtype=torch.uint8, device=packed.device)
    bits = ((data.unsqueeze(-1) >> shifts) & 1).to(torch.bool)
    bits = bits.reshape(data.shape[:-1] + (8 * data.shape[-1],))[..., :count]
    return bits.movedim(-1, dim).contiguous()
