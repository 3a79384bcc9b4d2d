"""snnlab.datasets: shipped digits split, synthetic temporal tasks (shapes, determinism, semantics)."""

import os

import numpy as np
import pytest
import torch

import snnlab
from snnlab.datasets import Digits, burst_channel_task, load_digits, spike_order_task


def test_digits_split_shapes_ranges_and_stratification():
    d = load_digits()
    assert isinstance(d, Digits)
    assert d.x_train.shape == (1347, 64) and d.x_test.shape == (450, 64)
    assert d.x_train.dtype == torch.float32 and d.y_train.dtype == torch.int64
    for x in (d.x_train, d.x_test):
        assert x.min() == 0.0 and x.max() == 1.0
        torch.testing.assert_close(x * 16, (x * 16).round())  # grey levels 0..16
    counts = torch.bincount(torch.cat([d.y_train, d.y_test]), minlength=10)
    assert counts.tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    expected_test = [round(0.25 * c) for c in counts.tolist()]
    assert torch.bincount(d.y_test, minlength=10).tolist() == expected_test


def test_digits_train_and_test_partition_the_data_set():
    d = load_digits(test_fraction=0.3, seed=4)
    rows = torch.cat([torch.cat([d.x_train, d.x_test]) * 16, torch.cat([d.y_train, d.y_test])[:, None]], 1)
    rows = rows.round().long().numpy()
    images = np.load(os.path.join(os.path.dirname(snnlab.__file__), "data", "digits8x8.npz"))
    ref = np.concatenate([images["images"].reshape(-1, 64), images["labels"][:, None]], 1).astype(np.int64)
    order = lambda a: a[np.lexsort(a.T[::-1])]  # noqa: E731
    np.testing.assert_array_equal(order(rows), order(ref))


@pytest.mark.slow
def test_shipped_digits_equal_scikit_learn_and_stay_small():
    path = os.path.join(os.path.dirname(snnlab.__file__), "data", "digits8x8.npz")
    assert os.path.getsize(path) < 200_000
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    ref = sklearn_datasets.load_digits()
    with np.load(path) as data:
        np.testing.assert_array_equal(data["images"], ref.images.astype(np.uint8))
        np.testing.assert_array_equal(data["labels"], ref.target)


def test_digits_are_deterministic_and_seed_dependent():
    a, b, c = load_digits(seed=1), load_digits(seed=1), load_digits(seed=2)
    assert all(torch.equal(u, v) for u, v in zip(a, b))
    assert not torch.equal(a.y_train, c.y_train)


def test_digits_image_layout_dtype_and_device(device):
    d = load_digits(flatten=False, dtype=torch.float64, device=device)
    assert d.x_train.shape == (1347, 1, 8, 8) and d.x_train.dtype == torch.float64
    assert d.x_test.device.type == device and d.y_test.device.type == device
    torch.testing.assert_close(d.x_train.flatten(1), load_digits(dtype=torch.float64).x_train.to(device))


def test_digits_validation():
    with pytest.raises(ValueError, match=r"load_digits: test_fraction must be a number in \(0, 1\), got 1.0"):
        load_digits(test_fraction=1)
    with pytest.raises(TypeError, match="load_digits: dtype must be a floating-point torch.dtype, got torch.int64"):
        load_digits(dtype=torch.int64)
    with pytest.raises(TypeError, match="load_digits: seed must be an integer"):
        load_digits(seed=0.5)


def test_burst_task_shapes_layout_and_determinism(device):
    spikes, labels = burst_channel_task(10, n_channels=3, T=12, seed=3, device=device)
    assert spikes.shape == (10, 12, 3) and spikes.dtype == torch.float32 and labels.shape == (10,)
    assert spikes.device.type == labels.device.type == device
    assert set(spikes.unique().tolist()) <= {0.0, 1.0}
    assert torch.bincount(labels.cpu(), minlength=3).tolist() == [4, 3, 3]
    tf, tf_labels = burst_channel_task(10, n_channels=3, T=12, seed=3, time_first=True, device=device)
    assert torch.equal(tf, spikes.transpose(0, 1)) and torch.equal(tf_labels, labels)
    again = burst_channel_task(10, n_channels=3, T=12, seed=3, device=device)
    assert torch.equal(again[0], spikes) and not torch.equal(burst_channel_task(10, 3, 12, seed=4)[0], spikes.cpu())


def test_burst_task_semantics():
    spikes, labels = burst_channel_task(60, n_channels=4, T=20, burst_length=5, burst_rate=1.0, noise_rate=0.0)
    counts = spikes.sum(1)  # [N, C]
    assert counts.gather(1, labels[:, None]).flatten().tolist() == [5.0] * 60
    assert counts.sum().item() == 5 * 60  # nothing outside the burst
    burst = spikes.gather(2, labels[:, None, None].expand(60, 20, 1)).squeeze(2)
    assert bool((burst.diff(dim=1).abs().sum(1) <= 2).all())  # one contiguous window
    noisy, _ = burst_channel_task(400, n_channels=4, T=50, burst_length=1, burst_rate=0.0, noise_rate=0.1)
    assert abs(noisy.mean().item() - 0.1) < 0.01


def test_spike_order_semantics():
    spikes, labels = spike_order_task(200, T=15, seed=2)
    assert spikes.shape == (200, 15, 2)
    assert spikes.sum(1).tolist() == [[1.0, 1.0]] * 200  # one spike per channel, both classes
    t0, t1 = spikes[:, :, 0].argmax(1), spikes[:, :, 1].argmax(1)
    assert bool((t0 != t1).all())
    assert torch.equal((t0 < t1).long(), labels)
    assert torch.bincount(labels).tolist() == [100, 100]
    assert (t0.min() == 0 and t0.max() == 14) or t1.min() == 0 or t1.max() == 14
    noisy, noisy_labels = spike_order_task(200, T=15, seed=2, noise_rate=0.2)
    assert torch.equal(noisy_labels, labels) and bool((noisy >= spikes).all()) and noisy.sum() > spikes.sum()
    tf, _ = spike_order_task(200, T=15, seed=2, time_first=True)
    assert torch.equal(tf, spikes.transpose(0, 1))


@pytest.mark.parametrize(
    "call, exc, text",
    [
        (lambda: burst_channel_task(0), ValueError, "burst_channel_task: n_samples must be an integer >= 1, got 0"),
        (lambda: burst_channel_task(4, n_channels=1), ValueError, "n_channels must be an integer >= 2, got 1"),
        (
            lambda: burst_channel_task(4, T=5, burst_length=6),
            ValueError,
            "burst_length must be an integer <= T=5, got 6",
        ),
        (
            lambda: burst_channel_task(4, burst_rate=1.5),
            ValueError,
            r"burst_rate must be a probability in \[0, 1\], got 1.5",
        ),
        (lambda: burst_channel_task(4, time_first="yes"), TypeError, "time_first must be a bool"),
        (lambda: spike_order_task(4, T=1), ValueError, "spike_order_task: T must be an integer >= 2, got 1"),
        (lambda: spike_order_task(4, noise_rate=-0.1), ValueError, "noise_rate must be a probability"),
    ],
)
def test_task_validation(call, exc, text):
    with pytest.raises(exc, match=text):
        call()
