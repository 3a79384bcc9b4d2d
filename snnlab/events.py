"""Event streams (DVS cameras, spike-encoded audio) and their integration into frames, on any device.

An event is ``(t, x, y, p)``: a time stamp (integer, usually microseconds), a pixel and a polarity
(0: intensity went down, 1: up). ``Events`` holds a stream as four 1-D int64 tensors in time order;
``as_events`` reads one from a NumPy structured array (what tonic returns: fields ``t``, ``x``,
``p`` and, for cameras, ``y``), a mapping of arrays, or an ``Events``.

``to_frames`` counts events per frame, polarity and pixel in one ``bincount`` on the tensors' device
(no Python loop over frames or events). The frames are cut like SpikingJelly's integration:

- ``frames_number=F, split_by='number'``: frame ``i`` holds events ``[i * (E // F), (i + 1) * (E // F))``
  in stream order; the last frame also takes the remainder;
- ``frames_number=F, split_by='time'``: with ``dt = (t_last - t_first) // F`` (integer division), frame
  ``i`` holds the events with ``t_first + i * dt <= t < t_first + (i + 1) * dt``; the last frame also takes
  every later event (so the last event is always counted);
- ``time_window=w``: frame ``k`` holds ``t_first + k * w <= t < t_first + (k + 1) * w``, for as many frames as
  it takes to reach the last event (``(t_last - t_first) // w + 1``).

Shape:
    ``Events``: four ``[E]`` tensors; ``to_frames``: ``[T, P, H, W]`` for a sensor ``(W, H, P)``.

Example:
    >>> import torch
    >>> from snnlab.events import Events, to_frames
    >>> ev = Events(t=torch.tensor([0, 1, 5, 9]), x=torch.tensor([0, 1, 1, 0]),
    ...             y=torch.tensor([0, 0, 1, 1]), p=torch.tensor([1, 1, 0, 1]))
    >>> to_frames(ev, (2, 2, 2), frames_number=2, split_by='number').sum((1, 2, 3)).tolist()
    [2.0, 2.0]
    >>> to_frames(ev, (2, 2, 2), time_window=4).sum((1, 2, 3)).tolist()
    [2.0, 1.0, 1.0]
"""

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
import torch

from .checks import check_choice, check_int, describe

__all__ = ["Events", "as_events", "frame_index", "to_frames", "to_frames_batch", "to_structured"]


class Events(NamedTuple):
    """An event stream: time stamps ``t``, pixel ``x`` / ``y`` and polarity ``p``, int64, in time order.

    Shape:
        each field ``[E]``.

    Example:
        >>> import torch
        >>> ev = Events(torch.tensor([3, 7]), torch.tensor([0, 2]), torch.tensor([1, 1]), torch.tensor([0, 1]))
        >>> ev.count, ev.to("cpu").p.tolist()
        (2, [0, 1])
    """

    t: torch.Tensor
    x: torch.Tensor
    y: torch.Tensor
    p: torch.Tensor

    def to(self, device: torch.device | str | None) -> "Events":
        """The same stream with every field on ``device``."""
        return Events(*(field.to(device) for field in self))

    @property
    def count(self) -> int:
        """The number of events (``len()`` of a tuple counts its four fields)."""
        return int(self.t.numel())

    def select(self, mask: torch.Tensor | slice) -> "Events":
        """The events where ``mask`` (a ``[E]`` bool tensor, an index tensor or a slice) selects them."""
        return Events(*(field[mask] for field in self))


def _field(owner: str, source, name: str, device) -> torch.Tensor:
    """One field as a 1-D integer tensor on ``device``, in its own integer dtype (bool becomes uint8)."""
    value = source[name]
    if isinstance(value, np.ndarray):
        value = np.ascontiguousarray(value)
        if value.dtype == np.bool_:
            value = value.view(np.uint8)
        elif value.dtype.kind not in "iuf" or (value.dtype.kind == "u" and value.itemsize > 1):
            value = value.astype(np.int64)  # torch computes with uint8 and signed integers only
        value = torch.from_numpy(value)
    if not isinstance(value, torch.Tensor):
        value = torch.as_tensor(value)
    if value.dtype == torch.bool:
        value = value.to(torch.uint8)
    if value.dtype.is_floating_point:
        if value.numel() and not bool((value == value.round()).all()):
            raise ValueError(f"{owner}: events[{name!r}] must hold whole numbers, got fractional values")
        value = value.to(torch.int64)
    return value.reshape(-1).to(device=device)


def _fields(
    owner: str, events: object, device: torch.device | str | None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(t, x, y, p)`` of any accepted stream, each in its own integer dtype (``t`` as int64)."""
    if isinstance(events, Events):
        t, x, y, p = (field.to(device) for field in events)
        return t, x, y, p
    if isinstance(events, np.ndarray) and events.dtype.names is not None:
        names = events.dtype.names
    elif isinstance(events, Mapping):
        names = tuple(events.keys())
    else:
        raise TypeError(
            f"{owner}: events must be an Events, a NumPy structured array or a mapping with keys 't', 'x', 'p' "
            f"(and 'y'), got {describe(events)}"
        )
    missing = [name for name in ("t", "x", "p") if name not in names]
    if missing:
        raise ValueError(f"{owner}: events must have the fields 't', 'x', 'p' (and 'y'), missing {missing}")
    t, x, p = (_field(owner, events, name, device) for name in ("t", "x", "p"))
    y = _field(owner, events, "y", device) if "y" in names else torch.zeros_like(x)
    if not len(t) == len(x) == len(y) == len(p):
        raise ValueError(
            f"{owner}: the fields must have one length, got t {len(t)}, x {len(x)}, y {len(y)}, p {len(p)}"
        )
    return t.to(torch.int64), x, y, p


def as_events(events: object, device: torch.device | str | None = None) -> Events:
    """Read an event stream into an ``Events`` of int64 tensors on ``device``.

    Accepts an ``Events``, a NumPy structured array (tonic's samples: fields ``t``, ``x``, ``p`` and
    optionally ``y``) or a mapping with those keys; a missing ``y`` (1-D sensors such as SHD's 700
    channels) becomes zeros, and boolean polarities become 0 / 1.

    Shape:
        ``[E]`` records -> four ``[E]`` tensors.

    Example:
        >>> import numpy as np
        >>> rec = np.zeros(2, dtype=[('x', int), ('t', int), ('p', bool)])
        >>> rec['x'], rec['t'], rec['p'] = [5, 6], [10, 20], [True, False]
        >>> ev = as_events(rec); ev.t.tolist(), ev.y.tolist(), ev.p.tolist()
        ([10, 20], [0, 0], [1, 0])
    """
    if isinstance(events, Events) and device is None:
        return events
    return Events(*(field.to(torch.int64) for field in _fields("as_events", events, device)))


def to_structured(events: Events) -> np.ndarray:
    """The stream as a NumPy structured array with fields ``x, y, t, p`` (int64), tonic's sample type.

    Example:
        >>> import torch
        >>> ev = Events(*(torch.tensor([1]) for _ in range(4)))
        >>> to_structured(ev).dtype.names
        ('x', 'y', 't', 'p')
    """
    events = as_events(events)
    out = np.zeros(events.count, dtype=[("x", np.int64), ("y", np.int64), ("t", np.int64), ("p", np.int64)])
    for name in ("x", "y", "t", "p"):
        out[name] = getattr(events, name).cpu().numpy()
    return out


def _check_mode(
    owner: str, frames_number: object, split_by: object, time_window: object
) -> tuple[int, None] | tuple[None, int]:
    """``(frames_number, None)`` or ``(None, time_window)``: exactly one of the two is given."""
    if (frames_number is None) == (time_window is None):
        raise ValueError(
            f"{owner}: give exactly one of frames_number and time_window, "
            f"got frames_number={frames_number!r}, time_window={time_window!r}"
        )
    check_choice(owner, "split_by", split_by, ("number", "time"))
    if frames_number is not None:
        return check_int(owner, "frames_number", frames_number, minimum=1), None
    return None, check_int(owner, "time_window", time_window, minimum=1)


def _segment_frame_index(
    t: torch.Tensor,
    sample: torch.Tensor,
    n_samples: int,
    frames_number: int | None,
    split_by: str,
    time_window: int | None,
    owner: str,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Frame index of every event and frame count of every sample; ``sample`` groups the events (sorted).

    One stream (no ``sample``) is :func:`_single_frame_index`, computed with scalars and fewer passes.
    """
    counts = torch.bincount(sample, minlength=n_samples)
    has_events = counts > 0
    if time_window is None and split_by == "number":
        assert frames_number is not None  # _check_mode: exactly one of the two is given
        lengths = torch.full((n_samples,), frames_number, dtype=torch.int64, device=t.device)
        per_frame = (counts // frames_number)[sample]
        position = torch.arange(t.numel(), device=t.device) - (torch.cumsum(counts, 0) - counts)[sample]
        index = (position // per_frame.clamp(min=1)).clamp_(max=frames_number - 1)
        # fewer events than frames: every event lands in the last frame
        return torch.where(per_frame == 0, frames_number - 1, index), lengths
    # by time (a window, or frames of equal duration): offsets from each sample's first event
    big = torch.iinfo(torch.int64).max
    first = torch.full((n_samples,), big, dtype=torch.int64, device=t.device).scatter_reduce(0, sample, t, "amin")
    last = torch.full((n_samples,), -big, dtype=torch.int64, device=t.device).scatter_reduce(0, sample, t, "amax")
    offset = t - first[sample]
    if time_window is not None:
        lengths = torch.where(has_events, (last - first) // time_window + 1, 0)
        return torch.div(offset, time_window, rounding_mode="floor"), lengths
    assert frames_number is not None  # _check_mode: exactly one of the two is given
    lengths = torch.full((n_samples,), frames_number, dtype=torch.int64, device=t.device)
    dt = torch.where(has_events, (last - first) // frames_number, 1)
    if bool((dt == 0).any()):
        bad = int((dt == 0).nonzero()[0, 0])
        raise _time_error(owner, frames_number, int(last[bad] - first[bad]), f" (sample {bad})")
    return (offset // dt[sample]).clamp_(max=frames_number - 1), lengths


def _time_error(owner: str, frames_number: int, duration: int, where: str = "") -> ValueError:
    return ValueError(
        f"{owner}: split_by='time' needs a recording at least frames_number={frames_number} time units long, "
        f"got one of {duration} units{where} (use split_by='number' or fewer frames)"
    )


def _single_frame_index(
    t: torch.Tensor, frames_number: int | None, split_by: str, time_window: int | None, owner: str
) -> tuple[torch.Tensor, int]:
    n_events = int(t.numel())
    if frames_number is not None and split_by == "number":
        per_frame = n_events // frames_number
        sizes = torch.full((frames_number,), per_frame, dtype=torch.int64, device=t.device)
        sizes[-1] = n_events - per_frame * (frames_number - 1)  # the last frame takes the remainder
        frames = torch.arange(frames_number, dtype=torch.int32, device=t.device)
        return torch.repeat_interleave(frames, sizes, output_size=n_events), frames_number
    if n_events == 0:
        return t.new_zeros(0), 0 if frames_number is None else frames_number
    in_order = bool((t[1:] >= t[:-1]).all())
    first, last = (int(t[0]), int(t[-1])) if in_order else (int(v) for v in torch.aminmax(t))
    if time_window is not None:
        step, n_frames = time_window, (last - first) // time_window + 1
    else:
        assert frames_number is not None  # _check_mode: exactly one of the two is given
        step, n_frames = (last - first) // frames_number, frames_number
        if step == 0:
            raise _time_error(owner, frames_number, last - first)
    if not in_order:
        return (t - first).floor_divide_(step).clamp_(max=n_frames - 1), n_frames
    # in time order: find the frame edges by binary search, then write each frame's index once
    edges = first + step * torch.arange(1, n_frames, dtype=torch.int64, device=t.device)
    cuts = torch.searchsorted(t, edges)
    bounds = torch.cat([cuts.new_zeros(1), cuts, cuts.new_full((1,), n_events)])
    frames = torch.arange(n_frames, dtype=torch.int32, device=t.device)
    return torch.repeat_interleave(frames, bounds.diff(), output_size=n_events), n_frames


def frame_index(
    t: torch.Tensor, *, frames_number: int | None = None, split_by: str = "number", time_window: int | None = None
) -> tuple[torch.Tensor, int]:
    """The frame each event falls in, and the number of frames (the cutting rules of the module doc).

    Shape:
        ``t``: ``[E]`` integer time stamps in time order -> ``[E]`` int64 frame indices, an int.

    Example:
        >>> import torch
        >>> index, n = frame_index(torch.tensor([0, 1, 2, 3, 9]), frames_number=2, split_by='time')
        >>> index.tolist(), n
        ([0, 0, 0, 0, 1], 2)
    """
    owner = "frame_index"
    frames_number, time_window = _check_mode(owner, frames_number, split_by, time_window)
    index, n_frames = _single_frame_index(t, frames_number, split_by, time_window, owner)
    return index.long(), n_frames


def _check_sensor(owner: str, sensor_size) -> tuple[int, int, int]:
    if not isinstance(sensor_size, (tuple, list)) or len(sensor_size) != 3:
        raise TypeError(f"{owner}: sensor_size must be a tuple (W, H, P), got {describe(sensor_size)}")
    width, height, polarities = (check_int(owner, f"sensor_size[{i}]", v, minimum=1) for i, v in enumerate(sensor_size))
    return width, height, polarities


def to_frames(
    events: object,
    sensor_size: tuple[int, int, int],
    *,
    frames_number: int | None = None,
    split_by: str = "number",
    time_window: int | None = None,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """Count events per frame, polarity and pixel, in one ``bincount`` on ``device``.

    ``sensor_size`` is ``(W, H, P)`` (tonic's order); the frames are cut as the module doc says.
    Events outside the sensor raise a ``ValueError`` (nothing is dropped in silence).

    Shape:
        events ``[E]`` -> ``[T, P, H, W]``.

    Example:
        >>> import torch
        >>> ev = Events(torch.arange(6), torch.tensor([0, 1, 2, 0, 1, 2]), torch.zeros(6, dtype=torch.long),
        ...             torch.tensor([0, 0, 0, 1, 1, 1]))
        >>> to_frames(ev, (3, 1, 2), frames_number=3, split_by='number')[:, :, 0, :].tolist()
        [[[1.0, 1.0, 0.0], [0.0, 0.0, 0.0]], [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]], [[0.0, 0.0, 0.0], [0.0, 1.0, 1.0]]]
    """
    owner = "to_frames"
    width, height, polarities = _check_sensor(owner, sensor_size)
    frames_number, time_window = _check_mode(owner, frames_number, split_by, time_window)
    t, x, y, p = _fields(owner, events, device)
    _check_pixels(owner, (x, y, p), sensor_size)
    index, n_frames = _single_frame_index(t, frames_number, split_by, time_window, owner)
    return _count(index, None, (x, y, p), 1, n_frames, (width, height, polarities), dtype)[:, 0]


def _check_pixels(owner: str, pixels, sensor_size) -> None:
    """Every ``x``, ``y``, ``p`` inside the sensor (one min/max pass per field)."""
    for name, values, size in zip(("x", "y", "p"), pixels, sensor_size):
        if not values.numel():
            continue
        low, high = (int(v) for v in torch.aminmax(values))
        if low < 0 or high >= size:
            raise ValueError(
                f"{owner}: events[{name!r}] must lie in [0, {size}) for sensor_size {tuple(sensor_size)}, "
                f"got values in [{low}, {high}]"
            )


def _count(index, sample, pixels, n_samples, n_frames, sensor, dtype):
    """One bincount over (frame, sample, polarity, y, x); 32-bit indices while they fit (half the memory traffic)."""
    width, height, polarities = sensor
    x, y, p = pixels
    bins = n_frames * n_samples * polarities * height * width
    wide = torch.int32 if bins < 2**31 else torch.int64
    flat = p.to(wide)
    flat.mul_(height).add_(y).mul_(width).add_(x)
    frame = index.to(wide) if sample is None else index.to(wide).mul_(n_samples).add_(sample)
    flat.add_(frame.mul_(polarities * height * width))
    counts = torch.bincount(flat, minlength=bins)
    return counts.reshape(n_frames, n_samples, polarities, height, width).to(dtype)


def to_frames_batch(
    events: object,
    sample: torch.Tensor,
    n_samples: int,
    sensor_size: tuple[int, int, int],
    *,
    frames_number: int | None = None,
    split_by: str = "number",
    time_window: int | None = None,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``to_frames`` of many streams at once: one ``bincount`` for a whole batch, time first.

    ``events`` holds the streams one after the other, ``sample[i]`` says which stream event ``i``
    belongs to (non-decreasing, in ``[0, n_samples)``); each stream is cut on its own (its own first
    event, count and duration). Streams shorter than the longest get zero frames at the end;
    ``lengths`` says how many frames each has.

    Shape:
        events ``[E]``, ``sample`` ``[E]`` -> frames ``[T_max, n_samples, P, H, W]``, lengths ``[n_samples]``.

    Example:
        >>> import torch
        >>> ev = Events(torch.tensor([0, 5, 7, 100]), torch.zeros(4, dtype=torch.long),
        ...             torch.zeros(4, dtype=torch.long), torch.ones(4, dtype=torch.long))
        >>> frames, lengths = to_frames_batch(ev, torch.tensor([0, 0, 1, 1]), 2, (1, 1, 2), time_window=10)
        >>> frames[:, :, 1, 0, 0].T.tolist(), lengths.tolist()
        ([[2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]], [1, 10])
    """
    owner = "to_frames_batch"
    width, height, polarities = _check_sensor(owner, sensor_size)
    frames_number, time_window = _check_mode(owner, frames_number, split_by, time_window)
    n_samples = check_int(owner, "n_samples", n_samples, minimum=1)
    t, x, y, p = _fields(owner, events, device)
    _check_pixels(owner, (x, y, p), sensor_size)
    if not isinstance(sample, torch.Tensor) or sample.shape != t.shape or sample.is_floating_point():
        raise TypeError(
            f"{owner}: sample must be an integer tensor of shape {list(t.shape)} (one entry per event), "
            f"got {describe(sample)}"
        )
    sample = sample.to(device=t.device, dtype=torch.int64)
    if sample.numel() and (
        int(sample.min()) < 0 or int(sample.max()) >= n_samples or bool((sample[1:] < sample[:-1]).any())
    ):
        raise ValueError(f"{owner}: sample must be non-decreasing sample indices in [0, {n_samples})")
    index, lengths = _segment_frame_index(t, sample, n_samples, frames_number, split_by, time_window, owner)
    n_frames = int(lengths.max()) if n_samples else 0
    return _count(index, sample, (x, y, p), n_samples, n_frames, (width, height, polarities), dtype), lengths
