"""A DVS (event camera) emulator: frames or a video in, events out.

Each pixel remembers a reference log intensity, set by the first frame. At every later frame ``k``
(time ``times[k]``) the pixel compares its log intensity ``L = log(I + eps)`` with the reference:

- when ``L - ref >= threshold`` it emits ``n = floor((L - ref) / threshold)`` ON events (``p = 1``) and
  moves the reference up by ``n * threshold``; when ``ref - L >= threshold``, OFF events (``p = 0``) the
  same way down; all ``n`` events carry the frame's time stamp;
- a pixel that fired less than ``refractory`` time units ago stays silent and keeps its reference
  (the change builds up and fires after the refractory time);
- with ``noise_rate > 0`` every pixel also emits, at each frame after the first, one spurious event of
  random polarity with that probability (shot noise); noise leaves the reference alone.

Within a frame the signal events come in raster order (row ``y`` then column ``x``), then the noise
events in raster order. The whole video is processed at once per frame (tensors over all pixels).

Shape:
    video ``[T, H, W]`` (or ``[T, 1, H, W]``, or ``[T, 3, H, W]`` RGB, read as luma) -> ``Events`` on a
    ``(W, H, 2)`` sensor.

Example:
    >>> import torch
    >>> from snnlab.encoding import emulate_dvs
    >>> video = torch.tensor([[[1.0, 1.0]], [[3.0, 1.0]], [[1.0, 1.0]]])   # pixel 0 brightens, then dims
    >>> ev = emulate_dvs(video, threshold=0.5, dt=1000)
    >>> ev.t.tolist(), ev.x.tolist(), ev.p.tolist()
    ([1000, 1000, 2000, 2000], [0, 0, 0, 0], [1, 1, 0, 0])
"""

import torch

from .checks import check_int, check_real, check_tensor, describe
from .events import Events

__all__ = ["dvs_counts", "emulate_dvs", "events_from_counts", "events_from_counts_batch"]

_LUMA = (0.299, 0.587, 0.114)


def _as_video(owner: str, video) -> torch.Tensor:
    check_tensor(owner, "video", video)
    if not torch.is_floating_point(video):
        video = video.double()
    if video.dim() == 4 and video.shape[1] == 3:
        weights = torch.tensor(_LUMA, dtype=video.dtype, device=video.device)
        video = torch.einsum("tchw,c->thw", video, weights)
    elif video.dim() == 4 and video.shape[1] == 1:
        video = video[:, 0]
    if video.dim() != 3:
        raise ValueError(
            f"{owner}: video must be [T, H, W], [T, 1, H, W] or [T, 3, H, W], got shape {list(video.shape)}"
        )
    if video.numel() and bool(((video < 0) | torch.isnan(video)).any()):
        raise ValueError(f"{owner}: video must hold intensities >= 0, got values down to {float(video.min())}")
    return video


def _times(owner: str, times, dt, n_frames: int, device) -> torch.Tensor:
    if times is None:
        return torch.arange(n_frames, device=device, dtype=torch.int64) * check_int(owner, "dt", dt, minimum=1)
    check_tensor(owner, "times", times)
    times = times.to(device=device, dtype=torch.int64)
    if times.shape != (n_frames,):
        raise ValueError(f"{owner}: times must be a [T] tensor with T={n_frames}, got shape {list(times.shape)}")
    if n_frames > 1 and bool((times[1:] <= times[:-1]).any()):
        raise ValueError(f"{owner}: times must be strictly increasing, got {times.tolist()}")
    return times


def dvs_counts(
    video: torch.Tensor,
    *,
    threshold: float = 0.2,
    times: torch.Tensor | None = None,
    dt: int = 1000,
    refractory: int = 0,
    noise_rate: float = 0.0,
    eps: float = 1e-3,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per frame and pixel: the signed number of signal events, and the signed noise event (the module's rules).

    ``video`` is ``[T, *pixels]`` intensities (any pixel shape, e.g. ``[T, N, H, W]`` for a batch of
    videos: pixels are independent). Positive counts are ON events, negative OFF; frame 0 is all zeros.

    Shape:
        ``[T, *P]`` -> two int64 ``[T, *P]`` tensors (signal counts, noise in ``{-1, 0, 1}``).

    Example:
        >>> import torch
        >>> signal, noise = dvs_counts(torch.tensor([[1.0], [8.0], [8.0]]), threshold=1.0)
        >>> signal.flatten().tolist(), noise.abs().sum().item()
        ([0, 2, 0], 0)
    """
    owner = "dvs_counts"
    check_tensor(owner, "video", video, min_dim=1)
    threshold = check_real(owner, "threshold", threshold, greater_than=0.0)
    refractory = check_int(owner, "refractory", refractory, minimum=0)
    noise_rate = check_real(owner, "noise_rate", noise_rate)
    if not 0.0 <= noise_rate <= 1.0:
        raise ValueError(f"{owner}: noise_rate must be a probability in [0, 1], got {noise_rate!r}")
    eps = check_real(owner, "eps", eps, greater_than=0.0)
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"{owner}: generator must be a torch.Generator or None, got {describe(generator)}")
    n_frames = video.shape[0]
    times = _times(owner, times, dt, n_frames, video.device)
    if video.numel() and bool(((video < 0) | torch.isnan(video)).any()):
        raise ValueError(f"{owner}: video must hold intensities >= 0, got values down to {float(video.min())}")
    log = torch.log(video.double() + eps)
    signal = torch.zeros(log.shape, dtype=torch.int64, device=video.device)
    if n_frames == 0:
        return signal, signal.clone()
    ref = log[0].clone()
    last = torch.full(log.shape[1:], torch.iinfo(torch.int64).min // 2, dtype=torch.int64, device=video.device)
    for k in range(1, n_frames):
        diff = log[k] - ref
        n = torch.trunc(diff / threshold).to(torch.int64)  # toward zero: floor of |diff| / threshold, signed
        ready = (times[k] - last) >= refractory
        n = torch.where(ready, n, 0)
        ref = ref + n.to(ref.dtype) * threshold
        last = torch.where(n != 0, times[k], last)
        signal[k] = n
    noise = torch.zeros_like(signal)
    if noise_rate > 0 and n_frames > 1:
        shape = (n_frames - 1, *log.shape[1:])
        fires = torch.rand(shape, generator=generator, device=video.device, dtype=torch.float64) < noise_rate
        up = torch.rand(shape, generator=generator, device=video.device, dtype=torch.float64) < 0.5
        noise[1:] = torch.where(fires, torch.where(up, 1, -1), 0)
    return signal, noise


def events_from_counts(signal: torch.Tensor, noise: torch.Tensor, times: torch.Tensor) -> Events:
    """Expand per-frame signed counts ``[T, H, W]`` (``dvs_counts``'s) into an ``Events`` stream in the module's order.

    Shape:
        ``signal``, ``noise``: ``[T, H, W]``, ``times``: ``[T]`` -> ``Events``.

    Example:
        >>> import torch
        >>> signal = torch.tensor([[[0, 0]], [[2, -1]]])
        >>> ev = events_from_counts(signal, torch.zeros_like(signal), torch.tensor([0, 10]))
        >>> ev.t.tolist(), ev.x.tolist(), ev.p.tolist()
        ([10, 10, 10], [0, 0, 1], [1, 1, 0])
    """
    owner = "events_from_counts"
    if signal.dim() != 3 or noise.shape != signal.shape or times.shape != signal.shape[:1]:
        raise ValueError(
            f"{owner}: signal and noise must be [T, H, W] and times [T], got shapes {list(signal.shape)}, "
            f"{list(noise.shape)} and {list(times.shape)}"
        )
    events, _sample = events_from_counts_batch(signal[:, None], noise[:, None], times)
    return events


def events_from_counts_batch(
    signal: torch.Tensor, noise: torch.Tensor, times: torch.Tensor
) -> tuple[Events, torch.Tensor]:
    """``events_from_counts`` for ``N`` videos at once: the streams one after the other, and each event's video.

    Shape:
        ``signal``, ``noise``: ``[T, N, H, W]``, ``times``: ``[T]`` -> ``Events`` and ``sample`` ``[E]``
        (non-decreasing), what ``snnlab.events.to_frames_batch`` takes.

    Example:
        >>> import torch
        >>> signal = torch.zeros(2, 3, 1, 1, dtype=torch.long); signal[1, 0] = 1; signal[1, 2] = -2
        >>> ev, sample = events_from_counts_batch(signal, torch.zeros_like(signal), torch.tensor([0, 5]))
        >>> sample.tolist(), ev.p.tolist()
        ([0, 2, 2], [1, 0, 0])
    """
    owner = "events_from_counts_batch"
    if signal.dim() != 4 or noise.shape != signal.shape or times.shape != signal.shape[:1]:
        raise ValueError(
            f"{owner}: signal and noise must be [T, N, H, W] and times [T], got shapes {list(signal.shape)}, "
            f"{list(noise.shape)} and {list(times.shape)}"
        )
    n_frames = signal.shape[0]
    parts = []
    for counts in (signal, noise):
        counts = counts.transpose(0, 1)  # [N, T, H, W]: nonzero() then lists (video, frame, y, x) in order
        index = counts.nonzero()
        n = counts[index[:, 0], index[:, 1], index[:, 2], index[:, 3]].long()
        repeats = n.abs()
        parts.append((index.repeat_interleave(repeats, dim=0), (n > 0).long().repeat_interleave(repeats)))
    index = torch.cat([parts[0][0], parts[1][0]])
    polarity = torch.cat([parts[0][1], parts[1][1]])
    if len(parts[1][0]):  # merge the noise in: per video and frame, signal first (a stable sort keeps raster order)
        key = (index[:, 0] * n_frames + index[:, 1]) * 2
        key[len(parts[0][0]) :] += 1
        order = torch.argsort(key, stable=True)
        index, polarity = index[order], polarity[order]
    events = Events(times.to(signal.device)[index[:, 1]], index[:, 3].contiguous(), index[:, 2].contiguous(), polarity)
    return events, index[:, 0].contiguous()


def emulate_dvs(
    video: torch.Tensor,
    *,
    threshold: float = 0.2,
    times: torch.Tensor | None = None,
    dt: int = 1000,
    refractory: int = 0,
    noise_rate: float = 0.0,
    eps: float = 1e-3,
    generator: torch.Generator | None = None,
) -> Events:
    """The events a DVS camera would record from ``video`` (the rules of the module doc).

    Args:
        video: intensities ``>= 0``, ``[T, H, W]`` (or ``[T, 1, H, W]``, or RGB ``[T, 3, H, W]``).
        threshold: the log-intensity change (contrast) of one event, ``> 0``.
        times: each frame's time stamp, ``[T]`` strictly increasing integers; default ``k * dt``.
        dt: time between frames when ``times`` is not given (e.g. microseconds).
        refractory: time a pixel stays silent after it fired.
        noise_rate: probability of a spurious event per pixel and frame.
        eps: added to intensities before the log (so black pixels have a finite log).
        generator: random generator of the noise.

    Shape:
        video ``[T, H, W]`` -> ``Events`` on a ``(W, H, 2)`` sensor.

    Example:
        >>> import torch
        >>> bar = torch.zeros(4, 1, 4)
        >>> for k in range(4): bar[k, 0, k] = 1.0            # a bright dot moving right
        >>> ev = emulate_dvs(bar, threshold=1.0)
        >>> on = ev.select(ev.p == 1)                        # ON events where the dot arrives
        >>> sorted(set(zip(on.t.tolist(), on.x.tolist())))
        [(1000, 1), (2000, 2), (3000, 3)]
    """
    owner = "emulate_dvs"
    video = _as_video(owner, video)
    signal, noise = dvs_counts(
        video,
        threshold=threshold,
        times=times,
        dt=dt,
        refractory=refractory,
        noise_rate=noise_rate,
        eps=eps,
        generator=generator,
    )
    return events_from_counts(signal, noise, _times(owner, times, dt, video.shape[0], video.device))
