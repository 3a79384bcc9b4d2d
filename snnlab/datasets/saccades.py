"""SaccadeDigits: an N-MNIST-like event data set made from the shipped 8x8 digits, no download.

N-MNIST filmed MNIST digits with an event camera moved in three saccades (a triangle). Here each
8x8 digit is upsampled (bilinear, ``scale``), drawn bright on a dim background (intensity
``0.1 + 0.9 * digit``) in the middle of a canvas, moved along a triangle of side ``amplitude``
pixels in three saccades of ``steps_per_saccade`` video frames each (defaults: the 8x8 digit on a 12x12 canvas, 3 x 100 ms) (sub-pixel moves by bilinear
resampling), and seen by :func:`snnlab.encoding.emulate_dvs` (``threshold``, ``refractory``,
``noise_rate``). Frames are ``dt`` microseconds apart. The train / test split is
:func:`load_digits`'s (stratified, seeded).

Samples are ``(frames, label)`` integrated like the tonic-backed data sets (``frames_number`` +
``split_by``, or ``time_window``), or ``(Events, label)`` when neither is given. ``tensors()`` gives the
whole split at once, time first, ready for a multi-step network.

Shape:
    a sample: ``[T, 2, S, S]`` frames with ``S = 8 * scale + 2 * margin``; ``tensors()``: ``[T, N, 2, S, S]``, ``[N]``.

Example:
    >>> ds = SaccadeDigits(train=False, frames_number=4)
    >>> frames, label = ds[0]
    >>> len(ds), frames.shape, ds.sensor_size
    (450, torch.Size([4, 2, 12, 12]), (12, 12, 2))
"""

import math

import torch
import torch.nn.functional as F

from ..checks import check_bool, check_int, check_real, describe
from ..dvs import dvs_counts, events_from_counts, events_from_counts_batch
from ..events import Events, _check_mode, to_frames, to_frames_batch
from .synthetic import load_digits

__all__ = ["SaccadeDigits", "saccade_path"]


def saccade_path(steps_per_saccade: int, amplitude: float) -> torch.Tensor:
    """The ``(dx, dy)`` offset in pixels at each video frame: three straight saccades around a triangle.

    The triangle's corners are ``(-a/2, a/2)``, ``(a/2, a/2)``, ``(0, -a/2)`` (``a = amplitude``); the path
    starts and ends at the first corner.

    Shape:
        ``[3 * steps_per_saccade + 1, 2]``.

    Example:
        >>> saccade_path(2, 2.0).tolist()
        [[-1.0, 1.0], [0.0, 1.0], [1.0, 1.0], [0.5, 0.0], [0.0, -1.0], [-0.5, 0.0], [-1.0, 1.0]]
    """
    steps_per_saccade = check_int("saccade_path", "steps_per_saccade", steps_per_saccade, minimum=1)
    a = check_real("saccade_path", "amplitude", amplitude) / 2
    corners = torch.tensor([[-a, a], [a, a], [0.0, -a], [-a, a]], dtype=torch.float64)
    fraction = torch.arange(steps_per_saccade, dtype=torch.float64)[:, None] / steps_per_saccade
    legs = [corners[i] + fraction * (corners[i + 1] - corners[i]) for i in range(3)]
    return torch.cat(legs + [corners[3:]]).float()


def _shifted(images: torch.Tensor, offset: torch.Tensor) -> torch.Tensor:
    """``images`` ``[N, 1, S, S]`` moved by ``offset = (dx, dy)`` pixels (bilinear; outside is 0)."""
    size = images.shape[-1]
    theta = torch.zeros(1, 2, 3, dtype=images.dtype, device=images.device)
    theta[0, 0, 0] = theta[0, 1, 1] = 1.0
    theta[0, 0, 2] = -2.0 * float(offset[0]) / size
    theta[0, 1, 2] = -2.0 * float(offset[1]) / size
    grid = F.affine_grid(theta, [1, *images.shape[1:]], align_corners=False)  # one grid serves every image
    return F.grid_sample(images, grid.expand(images.shape[0], -1, -1, -1), align_corners=False)


class SaccadeDigits(torch.utils.data.Dataset):
    """The shipped digits moved in three saccades and seen by the DVS emulator (see the module doc).

    Args:
        train: the training split (else the test split) of ``load_digits(test_fraction, seed)``.
        frames_number, split_by, time_window: integration of each sample (neither: raw ``Events``).
        scale: upsampling factor of the 8x8 digits.
        amplitude: side of the saccade triangle, in pixels (the canvas margin grows with it).
        steps_per_saccade: video frames per saccade.
        dt: microseconds between video frames.
        threshold, refractory, noise_rate: the emulator's settings (see ``emulate_dvs``).
        test_fraction, seed: the digit split; ``seed`` also seeds the emulator's noise.
        device: where frames are counted and returned; dtype: the frames' dtype.

    Shape:
        a sample: ``[T, 2, S, S]`` frames or ``Events``, and a label in 0..9.

    Example:
        >>> ds = SaccadeDigits(train=False)            # raw events
        >>> events, label = ds[0]
        >>> events.count > 100, int(events.t.max()) <= 15 * 20_000
        (True, True)
    """

    def __init__(
        self,
        train: bool = True,
        *,
        frames_number: int | None = None,
        split_by: str = "number",
        time_window: int | None = None,
        scale: int = 1,
        amplitude: float = 2.0,
        steps_per_saccade: int = 5,
        dt: int = 20_000,
        threshold: float = 0.2,
        refractory: int = 0,
        noise_rate: float = 0.0,
        test_fraction: float = 0.25,
        seed: int = 0,
        device: torch.device | str | None = None,
        dtype: torch.dtype = torch.float32,
    ):
        owner = "SaccadeDigits"
        self.train = check_bool(owner, "train", train)
        self.integrate = frames_number is not None or time_window is not None
        if self.integrate:
            frames_number, time_window = _check_mode(owner, frames_number, split_by, time_window)
        self.frames_number, self.split_by, self.time_window = frames_number, split_by, time_window
        self.scale = check_int(owner, "scale", scale, minimum=1)
        amplitude = check_real(owner, "amplitude", amplitude)
        if amplitude < 0:
            raise ValueError(f"{owner}: amplitude must be a number >= 0, got {amplitude!r}")
        dt = check_int(owner, "dt", dt, minimum=1)
        if not isinstance(dtype, torch.dtype):
            raise TypeError(f"{owner}: dtype must be a torch.dtype, got {describe(dtype)}")
        self.device = torch.device("cpu") if device is None else torch.device(device)
        self.dtype = dtype
        margin = math.ceil(amplitude / 2) + 1
        size = 8 * self.scale + 2 * margin
        self.sensor_size = (size, size, 2)
        digits = load_digits(test_fraction, seed, flatten=False)
        x, y = (digits.x_train, digits.y_train) if train else (digits.x_test, digits.y_test)
        images = F.interpolate(x, scale_factor=self.scale, mode="bilinear", align_corners=False).clamp(0.0, 1.0)
        images = F.pad(images, (margin,) * 4)  # [N, 1, S, S]
        path = saccade_path(steps_per_saccade, amplitude)
        video = torch.stack([_shifted(images, offset)[:, 0] for offset in path])  # [T, N, S, S]
        video = 0.1 + 0.9 * video
        self.times = torch.arange(len(path), dtype=torch.int64) * dt
        generator = torch.Generator().manual_seed(seed + (0 if train else 1))
        signal, noise = dvs_counts(
            video,
            threshold=threshold,
            times=self.times,
            refractory=refractory,
            noise_rate=noise_rate,
            generator=generator,
        )
        # int16 counts per video frame and pixel: a few MB for the whole split
        self._signal = signal.to(torch.int16)
        self._noise = noise.to(torch.int8)
        self.labels = y.tolist()

    def __len__(self) -> int:
        return len(self.labels)

    def events(self, index: int) -> tuple[Events, int]:
        """Sample ``index`` as ``Events`` (on ``device``) and its label."""
        index = check_int("SaccadeDigits", "index", index)
        if not -len(self) <= index < len(self):
            raise IndexError(f"SaccadeDigits: index must be in [{-len(self)}, {len(self)}), got {index}")
        signal = self._signal[:, index].to(self.device, torch.int64)
        noise = self._noise[:, index].to(self.device, torch.int64)
        return events_from_counts(signal, noise, self.times.to(self.device)), self.labels[index]

    def __getitem__(self, index: int):
        events, label = self.events(index)
        if not self.integrate:
            return events, label
        frames = to_frames(
            events,
            self.sensor_size,
            frames_number=self.frames_number,
            split_by=self.split_by,
            time_window=self.time_window,
            dtype=self.dtype,
        )
        return frames, label

    def tensors(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Every sample integrated, time first (padded with zero frames where lengths differ).

        Shape:
            ``[T, N, 2, S, S]``, ``[N]``.
        """
        if not self.integrate:
            raise ValueError("SaccadeDigits: tensors() needs frames_number or time_window, got neither")
        signal, noise = self._signal.to(self.device, torch.int64), self._noise.to(self.device, torch.int64)
        events, sample = events_from_counts_batch(signal, noise, self.times)
        frames, _lengths = to_frames_batch(
            events,
            sample,
            len(self),
            self.sensor_size,
            frames_number=self.frames_number,
            split_by=self.split_by,
            time_window=self.time_window,
            dtype=self.dtype,
        )
        return frames, torch.tensor(self.labels, device=self.device)

    def __repr__(self) -> str:
        mode = (
            f"frames_number={self.frames_number}, split_by={self.split_by!r}"
            if self.frames_number is not None
            else (f"time_window={self.time_window}" if self.time_window is not None else "raw events")
        )
        return f"SaccadeDigits({'train' if self.train else 'test'}, {len(self)} samples, {mode})"
