"""Data sets: small offline ones shipped inside snnlab, and neuromorphic ones read from disk.

- shipped, no download: ``load_digits`` (8x8 digits), ``burst_channel_task``, ``spike_order_task``
  (see ``snnlab.datasets.synthetic``), and ``SaccadeDigits``, N-MNIST-like events made from the digits by
  the DVS emulator (see ``snnlab.datasets.saccades``);
- event data through tonic (optional extra ``snnlab[events]``): ``NMNIST``, ``DVSGesture``, ``SHD`` as
  ``[T, P, H, W]`` frames or raw events, with ``pad_collate`` for batches and ``FrameCache`` on disk
  (see ``snnlab.datasets.neuromorphic``).

Example:
    >>> from snnlab.datasets import load_digits, burst_channel_task
    >>> digits = load_digits()
    >>> digits.x_train.shape, digits.x_test.shape, float(digits.x_train.max())
    (torch.Size([1347, 64]), torch.Size([450, 64]), 1.0)
    >>> spikes, labels = burst_channel_task(8, n_channels=4, T=20)
    >>> spikes.shape, labels.tolist()
    (torch.Size([8, 20, 4]), [0, 0, 3, 3, 2, 1, 1, 2])
"""

from .cache import FrameCache
from .collate import pad_collate
from .neuromorphic import NMNIST, SHD, DVSGesture, EventDataset
from .saccades import SaccadeDigits, saccade_path
from .synthetic import Digits, burst_channel_task, load_digits, spike_order_task

__all__ = [
    "NMNIST",
    "SHD",
    "DVSGesture",
    "Digits",
    "EventDataset",
    "FrameCache",
    "SaccadeDigits",
    "burst_channel_task",
    "load_digits",
    "pad_collate",
    "saccade_path",
    "spike_order_task",
]
