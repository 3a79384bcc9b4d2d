"""How much memory a training update needs: the bytes autograd saves for the backward pass.

:class:`SavedTensorMeter` installs ``torch.autograd.graph.saved_tensors_hooks`` for the duration of
a ``with`` block and keeps a running total of the tensors autograd holds for backward, released
when the graph that holds them is freed. It is the CPU memory estimate of
:class:`snnlab.training.Trainer` (on CUDA the trainer reads ``torch.cuda.max_memory_allocated``).

Shape:
    not applicable (counts bytes).

Example:
    >>> import torch
    >>> from snnlab.training import SavedTensorMeter
    >>> x = torch.ones(10, requires_grad=True)
    >>> with SavedTensorMeter() as meter:
    ...     y = (x * x).sum()   # mul saves both operands: the same 40-byte tensor, counted once
    >>> meter.peak
    40
"""

import weakref

import torch

__all__ = ["SavedTensorMeter"]


class _Saved:
    """A tensor held by autograd for backward; its finaliser releases the view's count."""

    __slots__ = ("__weakref__", "tensor")

    def __init__(self, tensor):
        self.tensor = tensor


class SavedTensorMeter:
    """Context manager measuring the peak bytes autograd holds for backward (CPU memory estimate).

    Every tensor saved for backward inside the ``with`` block counts its own bytes (a view counts
    the elements it covers, not its whole storage), once per distinct view (same address, shape and
    strides) while any autograd node still holds it; ``peak`` is the largest total seen, ``current``
    the total now. Tensors saved outside the block are not seen.

    Shape:
        not applicable (counts bytes).

    Example:
        >>> import torch
        >>> w = torch.ones(1000, requires_grad=True)
        >>> with SavedTensorMeter() as meter:
        ...     loss = (w.exp() * 2).sum()
        >>> meter.peak  # exp saves its result: 1000 float32
        4000
        >>> loss.backward(); del loss; meter.current
        0
    """

    def __init__(self):
        self.peak = 0
        self.current = 0
        self._live = {}  # (device, address, shape, strides) -> [reference count, bytes]
        self._context = None

    def _release(self, key):
        entry = self._live.get(key)
        if entry is None:
            return
        entry[0] -= 1
        if entry[0] == 0:
            del self._live[key]
            self.current -= entry[1]

    def _pack(self, tensor):
        key = (tensor.device, tensor.data_ptr(), tuple(tensor.shape), tuple(tensor.stride()))
        entry = self._live.get(key)
        if entry is None:
            entry = self._live[key] = [0, tensor.numel() * tensor.element_size()]
            self.current += entry[1]
            self.peak = max(self.peak, self.current)
        entry[0] += 1
        saved = _Saved(tensor)
        weakref.finalize(saved, self._release, key)
        return saved

    @staticmethod
    def _unpack(saved):
        return saved.tensor

    def __enter__(self):
        self._context = torch.autograd.graph.saved_tensors_hooks(self._pack, self._unpack)
        self._context.__enter__()
        return self

    def __exit__(self, *exc):
        if self._context is not None:
            self._context.__exit__(*exc)
        self._context = None
        return False
