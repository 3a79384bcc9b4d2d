"""pad_collate: padding at the end, time first, lengths; bad batches are named."""

import pytest
import torch

from snnlab.datasets import pad_collate


def test_pads_with_zeros_after_each_sample():
    a, b = torch.arange(6.0).reshape(3, 2), torch.ones(1, 2)
    frames, labels, lengths = pad_collate([(a, 4), (b, 1)])
    assert frames.shape == (3, 2, 2) and lengths.tolist() == [3, 1] and labels.tolist() == [4, 1]
    torch.testing.assert_close(frames[:, 0], a)
    torch.testing.assert_close(frames[:, 1], torch.tensor([[1.0, 1.0], [0.0, 0.0], [0.0, 0.0]]))


def test_bad_batches():
    with pytest.raises(ValueError, match="pad_collate: batch must hold at least one"):
        pad_collate([])
    with pytest.raises(TypeError, match=r"pad_collate: batch\[0\] must be a \(frames tensor, label\) pair"):
        pad_collate([torch.ones(2)])
    with pytest.raises(
        ValueError, match=r"pad_collate: every sample's frames must be \[T, \*S\] with one S, got \[2, 3\] and \[2, 4\]"
    ):
        pad_collate([(torch.ones(2, 3), 0), (torch.ones(2, 4), 1)])
