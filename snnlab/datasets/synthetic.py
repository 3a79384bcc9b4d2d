"""Small offline datasets for tutorials and tests: no download, deterministic, seconds on a CPU.

- ``load_digits``: the 8x8 hand-written digits (1797 images, 10 classes) shipped inside snnlab,
  split into train / test tensors with intensities in ``[0, 1]``, ready for Poisson rate coding;
- ``burst_channel_task``: spike trains on ``C`` channels of background noise, one of which carries a
  burst; the class is the bursting channel (solvable from spike counts);
- ``spike_order_task``: two channels fire one spike each; the class says which fired first
  (both classes have the same spike counts, so only timing tells them apart).

Synthetic tasks return ``(spikes, labels)`` with spikes batch-first ``[N, T, C]`` (like a DataLoader
batch) or time-first ``[T, N, C]`` (``time_first=True``, what multi-step networks take), and a
balanced set of int64 labels. The same ``seed`` gives the same tensors on every machine.

Shape:
    ``load_digits``: ``x`` ``[N, 64]`` (or ``[N, 1, 8, 8]``), ``y`` ``[N]``; tasks: ``[N, T, C]``, ``[N]``.

Example:
    >>> from snnlab.datasets import load_digits, burst_channel_task
    >>> digits = load_digits()
    >>> digits.x_train.shape, digits.x_test.shape, float(digits.x_train.max())
    (torch.Size([1347, 64]), torch.Size([450, 64]), 1.0)
    >>> spikes, labels = burst_channel_task(8, n_channels=4, T=20)
    >>> spikes.shape, labels.tolist()
    (torch.Size([8, 20, 4]), [0, 0, 3, 3, 2, 1, 1, 2])
"""

import importlib.resources
from typing import NamedTuple

import numpy as np
import torch

from ..checks import check_bool, check_int, check_real

__all__ = ["Digits", "burst_channel_task", "load_digits", "spike_order_task"]

_DIGITS_FILE = "digits8x8.npz"
_DIGITS_LEVELS = 16.0  # grey levels 0..16


class Digits(NamedTuple):
    """Train / test split of the 8x8 digits (unpacks as ``x_train, y_train, x_test, y_test``).

    Shape:
        ``x_*``: ``[N, 64]`` or ``[N, 1, 8, 8]`` floats in ``[0, 1]``; ``y_*``: ``[N]`` int64.

    Example:
        >>> x_train, y_train, x_test, y_test = load_digits(test_fraction=0.5)
        >>> len(y_train) + len(y_test)
        1797
    """

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor


def _read_digits() -> tuple[np.ndarray, np.ndarray]:
    resource = importlib.resources.files("snnlab").joinpath("data").joinpath(_DIGITS_FILE)
    with resource.open("rb") as f, np.load(f) as data:
        return data["images"].copy(), data["labels"].copy()


def load_digits(
    test_fraction: float = 0.25,
    seed: int = 0,
    *,
    flatten: bool = True,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str | None = None,
) -> Digits:
    """The 8x8 digits as a stratified, seeded train / test split, intensities scaled to ``[0, 1]``.

    Each class is shuffled with ``seed`` and its first ``round(test_fraction * count)`` images go to
    the test set; both sets are then shuffled. ``flatten=False`` keeps images as ``[N, 1, 8, 8]``.

    Shape:
        ``x_train``: ``[N_train, 64]`` (or ``[N_train, 1, 8, 8]``), ``y_train``: ``[N_train]``; same for test.

    Example:
        >>> d = load_digits(flatten=False)
        >>> d.x_train.shape[1:], d.y_train.dtype, sorted(set(d.y_test.tolist())) == list(range(10))
        (torch.Size([1, 8, 8]), torch.int64, True)
    """
    test_fraction = check_real("load_digits", "test_fraction", test_fraction)
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"load_digits: test_fraction must be a number in (0, 1), got {test_fraction!r}")
    seed = check_int("load_digits", "seed", seed)
    check_bool("load_digits", "flatten", flatten)
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(f"load_digits: dtype must be a floating-point torch.dtype, got {dtype!r}")
    images, labels = _read_digits()
    x = torch.from_numpy(images).to(dtype) / _DIGITS_LEVELS
    y = torch.from_numpy(labels).long()
    g = torch.Generator().manual_seed(seed)
    train_idx, test_idx = [], []
    for c in range(10):
        members = (y == c).nonzero().flatten()
        members = members[torch.randperm(len(members), generator=g)]
        n_test = round(test_fraction * len(members))
        test_idx.append(members[:n_test])
        train_idx.append(members[n_test:])
    train_idx, test_idx = torch.cat(train_idx), torch.cat(test_idx)
    train_idx = train_idx[torch.randperm(len(train_idx), generator=g)]
    test_idx = test_idx[torch.randperm(len(test_idx), generator=g)]
    x = x.flatten(1) if flatten else x.unsqueeze(1)
    return Digits(x[train_idx].to(device), y[train_idx].to(device), x[test_idx].to(device), y[test_idx].to(device))


def _balanced_labels(n_samples: int, n_classes: int, g: torch.Generator) -> torch.Tensor:
    return (torch.arange(n_samples) % n_classes)[torch.randperm(n_samples, generator=g)]


def _check_rate(owner: str, name: str, value: object) -> float:
    value = check_real(owner, name, value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{owner}: {name} must be a probability in [0, 1], got {value!r}")
    return value


def _finish(
    spikes: torch.Tensor,
    labels: torch.Tensor,
    time_first: bool,
    dtype: torch.dtype,
    device: torch.device | str | None,
) -> tuple[torch.Tensor, torch.Tensor]:
    spikes = spikes.to(dtype=dtype, device=device)
    return (spikes.transpose(0, 1).contiguous() if time_first else spikes), labels.to(device)


def burst_channel_task(
    n_samples: int,
    n_channels: int = 4,
    T: int = 30,
    *,
    burst_length: int = 6,
    burst_rate: float = 0.8,
    noise_rate: float = 0.05,
    seed: int = 0,
    time_first: bool = False,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Which channel bursts? ``n_channels`` noisy spike trains, one with a burst; label = that channel.

    Every channel fires at ``noise_rate`` per step. In the labelled channel, a window of
    ``burst_length`` steps starting at a random step fires at ``burst_rate`` instead.
    Labels are balanced (``n_samples % n_channels`` classes get one extra sample).

    Shape:
        spikes ``[N, T, C]`` (``[T, N, C]`` with ``time_first``), labels ``[N]`` int64.

    Example:
        >>> spikes, labels = burst_channel_task(100, n_channels=3, T=25, noise_rate=0.0)
        >>> bool((spikes.sum(1).argmax(1) == labels).all())     # without noise, counts give the class
        True
    """
    owner = "burst_channel_task"
    n_samples = check_int(owner, "n_samples", n_samples, minimum=1)
    n_channels = check_int(owner, "n_channels", n_channels, minimum=2)
    T = check_int(owner, "T", T, minimum=1)
    burst_length = check_int(owner, "burst_length", burst_length, minimum=1)
    if burst_length > T:
        raise ValueError(f"{owner}: burst_length must be an integer <= T={T}, got {burst_length}")
    burst_rate = _check_rate(owner, "burst_rate", burst_rate)
    noise_rate = _check_rate(owner, "noise_rate", noise_rate)
    check_bool(owner, "time_first", time_first)
    g = torch.Generator().manual_seed(check_int(owner, "seed", seed))
    labels = _balanced_labels(n_samples, n_channels, g)
    start = torch.randint(0, T - burst_length + 1, (n_samples,), generator=g)
    steps = torch.arange(T)
    in_window = (steps >= start[:, None]) & (steps < start[:, None] + burst_length)  # [N, T]
    is_label = torch.nn.functional.one_hot(labels, n_channels).bool()  # [N, C]
    rate = torch.where(in_window[:, :, None] & is_label[:, None, :], burst_rate, noise_rate)  # [N, T, C]
    spikes = torch.rand(rate.shape, generator=g) < rate
    return _finish(spikes, labels, time_first, dtype, device)


def spike_order_task(
    n_samples: int,
    T: int = 20,
    *,
    noise_rate: float = 0.0,
    seed: int = 0,
    time_first: bool = False,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Which of two channels fires first? Label 1 if channel 0 spikes before channel 1, else 0.

    Each channel fires exactly one "signal" spike, at two distinct random steps; optional background
    spikes at ``noise_rate`` are added on top. Both classes have the same spike counts, so a
    network must use timing to solve it.

    Shape:
        spikes ``[N, T, 2]`` (``[T, N, 2]`` with ``time_first``), labels ``[N]`` int64.

    Example:
        >>> spikes, labels = spike_order_task(4, T=6, seed=1)
        >>> spikes.sum(1).tolist() == [[1.0, 1.0]] * 4
        True
        >>> (spikes[:, :, 0].argmax(1) < spikes[:, :, 1].argmax(1)).long().tolist() == labels.tolist()
        True
    """
    owner = "spike_order_task"
    n_samples = check_int(owner, "n_samples", n_samples, minimum=1)
    T = check_int(owner, "T", T, minimum=2)
    noise_rate = _check_rate(owner, "noise_rate", noise_rate)
    check_bool(owner, "time_first", time_first)
    g = torch.Generator().manual_seed(check_int(owner, "seed", seed))
    labels = _balanced_labels(n_samples, 2, g)
    # two distinct steps, ordered early < late
    early = torch.randint(0, T - 1, (n_samples,), generator=g)
    late = early + 1 + (torch.rand(n_samples, generator=g) * (T - 1 - early)).long()
    first_channel = 1 - labels  # label 1: channel 0 first
    times = torch.stack(
        [torch.where(first_channel == 0, early, late), torch.where(first_channel == 0, late, early)], dim=1
    )  # [N, 2]
    spikes = torch.nn.functional.one_hot(times, T).transpose(1, 2).bool()  # [N, T, 2]
    if noise_rate > 0:
        spikes |= torch.rand(spikes.shape, generator=g) < noise_rate
    return _finish(spikes, labels, time_first, dtype, device)
