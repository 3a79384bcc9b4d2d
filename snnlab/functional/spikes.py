"""Spike-train utilities: first-spike masks, time delays and redundant one-hot targets.

Shape:
    ``first_spike_index``: ``[*, T]`` (time LAST) -> bool ``[*, T]``; ``delay``: ``[T, *]`` -> ``[T, *]``;
    ``redundant_one_hot``: ``[*]`` -> ``[*, num_classes * n]``.

Example:
    >>> import torch
    >>> from snnlab.functional.spikes import delay
    >>> delay(torch.tensor([1., 2., 3.]), 1).tolist()
    [0.0, 1.0, 2.0]
"""

import torch
import torch.nn.functional as F

from .. import backends
from ..checks import check_int, check_tensor, describe

__all__ = ["delay", "first_spike_index", "redundant_one_hot"]


def first_spike_index(spikes: torch.Tensor) -> torch.Tensor:
    """Mark, for every neuron, the time step of its first spike.

    Time is the LAST dimension here (unlike the ``[T, ...]`` layout used elsewhere). The first spike is
    the first nonzero entry along that dimension; neurons that never spike get an all-False row. On
    binary spikes (float, int or bool) this is exactly SpikingJelly's result; on graded input it still
    marks one entry per row, the first nonzero one. The result carries no gradient. On a CUDA tensor
    with triton available, a fused kernel computes the same mask.

    Shape:
        ``spikes``: ``[*, T]`` -> bool ``[*, T]`` (same shape and device).

    Example:
        >>> import torch
        >>> from snnlab.functional import first_spike_index
        >>> spikes = torch.tensor([[0., 0., 0., 0.],
        ...                        [1., 0., 1., 0.],
        ...                        [0., 1., 0., 1.]])
        >>> first_spike_index(spikes)
        tensor([[False, False, False, False],
                [ True, False, False, False],
                [False,  True, False, False]])
    """
    check_tensor("first_spike_index", "spikes", spikes)
    with torch.no_grad():
        if spikes.is_cuda and backends.triton_available():
            from ..backends import triton_spikes

            return triton_spikes.first_spike_index(spikes)
        nonzero = spikes != 0  # 1 byte per element
        if nonzero.dim() == 0 or nonzero.shape[-1] == 0 or nonzero.numel() == 0:
            return nonzero
        first = nonzero.view(torch.uint8).argmax(dim=-1, keepdim=True)  # first maximum = first nonzero
        return torch.zeros_like(nonzero).scatter_(-1, first, nonzero.gather(-1, first))


def delay(x_seq: torch.Tensor, delay_steps: int) -> torch.Tensor:
    """Shift a sequence later in time by ``delay_steps`` steps: ``y[t] = x[t - delay_steps]``, zeros before.

    Divergences from SpikingJelly, which returned a malformed sequence for these inputs: a delay longer
    than the sequence gives all zeros of the input's shape; a negative delay raises ``ValueError``; a
    non-integer delay raises ``TypeError``. ``delay_steps=0`` returns a new tensor equal to ``x_seq``.
    The gradient flows to the steps that are kept.

    Shape:
        ``x_seq``: ``[T, *]`` -> ``[T, *]``.

    Example:
        >>> import torch
        >>> from snnlab.functional import delay
        >>> x = torch.tensor([[0.1084, 0.5698], [0.4563, 0.3623], [0.0556, 0.4704], [0., 0.], [0., 0.]],
        ...                  requires_grad=True)
        >>> y = delay(x, 1)
        >>> y
        tensor([[0.0000, 0.0000],
                [0.1084, 0.5698],
                [0.4563, 0.3623],
                [0.0556, 0.4704],
                [0.0000, 0.0000]], grad_fn=<CatBackward0>)
        >>> y.sum().backward(); x.grad
        tensor([[1., 1.],
                [1., 1.],
                [1., 1.],
                [1., 1.],
                [0., 0.]])
    """
    check_tensor("delay", "x_seq", x_seq, min_dim=1)
    d = check_int("delay", "delay_steps", delay_steps, minimum=0)
    T = x_seq.shape[0]
    d = min(d, T)
    return torch.cat((torch.zeros_like(x_seq[:d].detach()), x_seq[: T - d]), 0)


def redundant_one_hot(labels: torch.Tensor, num_classes: int, n: int) -> torch.Tensor:
    """One-hot code with ``n`` redundant positions per class: class ``c`` lights ``[c * n, (c + 1) * n)``.

    The result has the default float dtype and the labels' device. Labels may have any shape (SpikingJelly
    accepted only ``[B]``) and any integer dtype.

    Shape:
        ``labels``: ``[*]`` -> ``[*, num_classes * n]``.

    Example:
        >>> import torch
        >>> from snnlab.functional import redundant_one_hot
        >>> redundant_one_hot(torch.tensor([0, 1, 1, 0]), num_classes=3, n=2)
        tensor([[1., 1., 0., 0., 0., 0.],
                [0., 0., 1., 1., 0., 0.],
                [0., 0., 1., 1., 0., 0.],
                [1., 1., 0., 0., 0., 0.]])
    """
    owner = "redundant_one_hot"
    check_tensor(owner, "labels", labels)
    if labels.dtype == torch.bool or labels.is_floating_point() or labels.is_complex():
        raise TypeError(f"{owner}: labels must be an integer tensor of class indices, got {describe(labels)}")
    num_classes = check_int(owner, "num_classes", num_classes, minimum=1)
    n = check_int(owner, "n", n, minimum=0)
    if labels.numel() > 0:
        low, high = torch.aminmax(labels)
        if bool(low < 0) or bool(high >= num_classes):
            raise ValueError(
                f"{owner}: labels must lie in [0, {num_classes - 1}] (num_classes={num_classes}), "
                f"got values in [{int(low)}, {int(high)}]"
            )
    codes = F.one_hot(labels.long(), num_classes).repeat_interleave(n, dim=-1)
    return codes.to(torch.get_default_dtype())
