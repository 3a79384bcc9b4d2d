"""Device choice for panels, wall-clock timing, and compact transfer of results to the host.

A panel computes on the device picked in its dropdown (CUDA when available, else CPU) and draws on
the host. Spike tensors are binary, so on a GPU they are bit-packed on the device before the copy
(eight spikes per byte, see ``snnlab.bitpack``) and unpacked on the CPU; on the CPU nothing is
copied at all.

Shape:
    ``spikes_to_host(spikes)``: any shape in, the same shape out (on the CPU).

Example:
    >>> import torch
    >>> from widgets._device import available_devices, resolve_device, spikes_to_host
    >>> available_devices()[0]
    'cpu'
    >>> resolve_device("cpu")
    device(type='cpu')
    >>> spikes_to_host(torch.tensor([[0., 1.], [1., 0.]]))
    tensor([[0., 1.],
            [1., 0.]])
"""

import time

import torch

from snnlab.bitpack import packbits, unpackbits

__all__ = [
    "Stopwatch",
    "available_devices",
    "default_device",
    "fused_backend",
    "resolve_device",
    "spikes_to_host",
    "synchronize",
    "tensor_to_host",
]


def available_devices() -> list:
    """Device names a panel may offer: ``'cpu'``, then ``'cuda'`` when a CUDA device is present.

    Shape:
        not applicable (returns a list of strings).

    Example:
        >>> 'cpu' in available_devices()
        True
    """
    names = ["cpu"]
    if torch.cuda.is_available():
        names.append("cuda")
    return names


def default_device() -> str:
    """``'cuda'`` when available, else ``'cpu'``.

    Shape:
        not applicable (returns a string).

    Example:
        >>> default_device() in available_devices()
        True
    """
    return available_devices()[-1]


def fused_backend(device: torch.device | str) -> str:
    """The backend of the neurons a panel builds itself on ``device``: ``'triton'`` on a CUDA device where
    Triton is installed, else ``'torch'``.

    On a GPU the torch backend launches a few small kernels per time step; at 10^4 neurons x 1000 steps
    that loop took 64 ms of an H200's RasterExplorer update, where the fused kernels run the whole
    sequence at once (the first use compiles them, once per machine: Triton keeps them on disk).

    Shape:
        not applicable (returns a string).

    Example:
        >>> fused_backend("cpu")
        'torch'
    """
    from snnlab import backends

    device = torch.device(device)
    return "triton" if device.type == "cuda" and "triton" in backends.available_backends() else "torch"


def resolve_device(device) -> torch.device:
    """Turn a device name (or ``torch.device``) into a ``torch.device`` this machine can run on.

    Raises ``ValueError`` for a name that is not offered here (e.g. ``'cuda'`` without a GPU) and
    ``TypeError`` for anything that is not a string or a ``torch.device``.

    Shape:
        not applicable (returns a ``torch.device``).

    Example:
        >>> resolve_device(torch.device("cpu"))
        device(type='cpu')
    """
    if isinstance(device, torch.device):
        name = device.type
    elif isinstance(device, str):
        name = device.split(":")[0]
    else:
        raise TypeError(f"device must be a str or torch.device, got an object of type {type(device).__name__}")
    valid = available_devices()
    if name not in valid:
        raise ValueError(f"device must be one of {', '.join(repr(v) for v in valid)} on this machine, got {device!r}")
    return torch.device(device)


def synchronize(device: torch.device) -> None:
    """Wait for queued work on ``device`` (a no-op on the CPU), so that a clock reading is honest.

    Shape:
        not applicable.

    Example:
        >>> synchronize(torch.device("cpu"))
    """
    if device.type == "cuda":
        torch.cuda.synchronize(device)


class Stopwatch:
    """Measures the wall-clock time of a block of work on a device, GPU queue included.

    Shape:
        not applicable.

    Example:
        >>> watch = Stopwatch(torch.device("cpu"))
        >>> with watch:
        ...     _ = torch.ones(3).sum()
        >>> watch.elapsed_ms >= 0.0
        True
    """

    def __init__(self, device: torch.device):
        self.device = device
        self.elapsed_ms = 0.0
        self._start = 0.0

    def __enter__(self):
        synchronize(self.device)
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc_info):
        synchronize(self.device)
        self.elapsed_ms = (time.perf_counter() - self._start) * 1e3
        return False


def tensor_to_host(x: torch.Tensor) -> torch.Tensor:
    """A detached CPU copy of ``x`` (no copy when it already lives on the CPU).

    Shape:
        any shape; the output has the same shape and dtype.

    Example:
        >>> tensor_to_host(torch.ones(2, requires_grad=True))
        tensor([1., 1.])
    """
    return x.detach().cpu()


def spikes_to_host(spikes: torch.Tensor, *, pack=None) -> torch.Tensor:
    """A detached CPU copy of a binary spike tensor, bit-packed for the transfer when off the CPU.

    Any nonzero value counts as a spike; the result has the input's dtype and holds 0/1 values.
    ``pack`` forces (True) or forbids (False) the packing; by default a tensor off the CPU is
    packed on its device (8 spikes per byte) and unpacked on the host, and a CPU tensor is
    returned as it is.

    Shape:
        any shape; the output has the same shape and dtype.

    Example:
        >>> spikes_to_host(torch.tensor([True, False, True]))
        tensor([ True, False,  True])
        >>> spikes_to_host(torch.tensor([[0., 1., 1.]]), pack=True)
        tensor([[0., 1., 1.]])
    """
    if not isinstance(spikes, torch.Tensor):
        raise TypeError(f"spikes_to_host: spikes must be a torch.Tensor, got an object of type {type(spikes).__name__}")
    spikes = spikes.detach()
    if pack is None:
        pack = spikes.device.type != "cpu"
    if not pack:
        return spikes.cpu()
    packed = packbits((spikes != 0).reshape(-1))
    return unpackbits(packed.cpu(), spikes.numel()).reshape(spikes.shape).to(spikes.dtype)
