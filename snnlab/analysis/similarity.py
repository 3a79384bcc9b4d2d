"""Similarity matrices of spike patterns, as ``spike_similar_loss`` sees them, ready to draw.

Shape:
    ``spikes``: ``[N, *]``, ``labels``: ``[N, C]`` -> ``predicted``, ``target``: ``[N, N]``; ``loss``: ``[]``.

Example:
    >>> import torch
    >>> from snnlab.analysis import similarity_matrices
    >>> similarity_matrices(torch.eye(2), torch.eye(2)).loss
    tensor(0.)
"""

from typing import NamedTuple

import torch

from ..functional.losses import predicted_similarity, spike_similar_loss, target_similarity

__all__ = ["SimilarityResult", "similarity_matrices"]


class SimilarityResult(NamedTuple):
    """The two matrices ``spike_similar_loss`` compares, and the loss between them.

    Attributes:
        predicted: ``[N, N]`` kernel similarity of the samples' spike patterns (cosine for ``'linear'``).
        target: ``[N, N]`` float32, 1 where two samples share a label (``None`` without labels).
        loss: 0-d ``spike_similar_loss`` value (``None`` without labels).

    Shape:
        ``predicted``, ``target``: ``[N, N]``; ``loss``: ``[]``.

    Example:
        >>> import torch
        >>> r = SimilarityResult(torch.eye(2), torch.eye(2), torch.tensor(0.))
        >>> r.predicted.shape, r.loss
        (torch.Size([2, 2]), tensor(0.))
    """

    predicted: torch.Tensor
    target: torch.Tensor | None
    loss: torch.Tensor | None


def similarity_matrices(
    spikes: torch.Tensor, labels: torch.Tensor, kernel_type: str = "linear", *args: float, loss_type: str = "mse"
) -> "SimilarityResult":
    """Predicted and target similarity matrices of a batch, with their ``spike_similar_loss``.

    The matrices come from ``snnlab.functional.losses.predicted_similarity`` and
    ``target_similarity`` and the loss from ``spike_similar_loss``, so they are exactly what that
    loss compares. Computed without gradients, on ``spikes``' device.

    Args:
        spikes: ``[N, *]`` spike patterns, one per sample (samples first, as in
            ``spike_similar_loss``). For a recorded ``[T, N, *]`` sequence pass
            ``spike_seq.transpose(0, 1)`` (patterns over time) or a per-sample summary.
        labels: ``[N, C]`` multi-hot labels, or ``None`` for the predicted matrix only.
        kernel_type: ``'linear'``, ``'polynomial'``, ``'sigmoid'`` or ``'gaussian'``.
        *args: the kernel's parameter (degree, slope or sigma), as for ``kernel_dot_product``.
        loss_type: ``'mse'``, ``'l1'`` or ``'bce'``.

    Returns:
        ``SimilarityResult(predicted, target, loss)``; ``target`` and ``loss`` are ``None`` when
        ``labels`` is ``None``.

    Shape:
        ``spikes``: ``[N, *]``, ``labels``: ``[N, C]`` -> ``[N, N]``, ``[N, N]``, ``[]``.

    Example:
        >>> import torch
        >>> spikes = torch.tensor([[1., 0., 1.], [1., 0., 1.], [0., 1., 0.]])
        >>> labels = torch.tensor([[1, 0], [0, 1], [0, 1]])
        >>> r = similarity_matrices(spikes, labels)
        >>> r.predicted.round(decimals=4)  # cosine similarity
        tensor([[1., 1., 0.],
                [1., 1., 0.],
                [0., 0., 1.]])
        >>> r.target
        tensor([[1., 0., 0.],
                [0., 1., 1.],
                [0., 1., 1.]])
        >>> r.loss  # 4 of the 9 entries differ by 1
        tensor(0.4444)
    """
    with torch.no_grad():
        if labels is None:
            return SimilarityResult(predicted_similarity(spikes, kernel_type, *args), None, None)
        loss = spike_similar_loss(spikes, labels, kernel_type, loss_type, *args)
        return SimilarityResult(predicted_similarity(spikes, kernel_type, *args), target_similarity(labels), loss)
