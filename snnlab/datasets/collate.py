"""Batches of samples of different lengths: frames padded with zeros at the end, time first.

Shape:
    samples ``([T_i, C, H, W], label)`` -> frames ``[T_max, N, C, H, W]``, labels ``[N]``, lengths ``[N]``.

Example:
    >>> import torch
    >>> frames, labels, lengths = pad_collate([(torch.ones(2, 1, 1, 1), 3), (torch.ones(4, 1, 1, 1), 5)])
    >>> frames.shape, labels.tolist(), lengths.tolist(), frames[:, 0].flatten().tolist()
    (torch.Size([4, 2, 1, 1, 1]), [3, 5], [2, 4], [1.0, 1.0, 0.0, 0.0])
"""

from collections.abc import Sequence

import torch

from ..checks import describe

__all__ = ["pad_collate"]


def pad_collate(
    batch: Sequence[tuple[torch.Tensor, int | torch.Tensor]],
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Stack ``(frames, label)`` samples time-first, padding shorter ones with zero frames at the end.

    Use it as a ``DataLoader``'s ``collate_fn`` for event datasets integrated by ``time_window``
    (whose samples differ in length). ``lengths`` says how many frames of each sample are real.

    Shape:
        ``[T_i, *S]`` each -> ``[T_max, N, *S]``, ``[N]``, ``[N]``.

    Example:
        >>> import torch
        >>> pad_collate([(torch.zeros(3, 2), 0)])[0].shape
        torch.Size([3, 1, 2])
    """
    batch = list(batch)
    if not batch:
        raise ValueError("pad_collate: batch must hold at least one (frames, label) sample, got an empty batch")
    for i, sample in enumerate(batch):
        if not (isinstance(sample, (tuple, list)) and len(sample) == 2 and isinstance(sample[0], torch.Tensor)):
            raise TypeError(f"pad_collate: batch[{i}] must be a (frames tensor, label) pair, got {describe(sample)}")
        if sample[0].dim() < 1 or sample[0].shape[1:] != batch[0][0].shape[1:]:
            raise ValueError(
                f"pad_collate: every sample's frames must be [T, *S] with one S, got {list(batch[0][0].shape)} "
                f"and {list(sample[0].shape)} (batch[{i}])"
            )
    lengths = torch.tensor([sample[0].shape[0] for sample in batch])
    first = batch[0][0]
    frames = first.new_zeros((int(lengths.max()), len(batch), *first.shape[1:]))
    for i, (sample, _label) in enumerate(batch):
        frames[: sample.shape[0], i] = sample
    labels = torch.as_tensor([int(label) for _frames, label in batch])
    return frames, labels, lengths
