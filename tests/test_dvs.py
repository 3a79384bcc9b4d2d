"""snnlab.dvs: the DVS emulator against a per-pixel, per-frame reference loop in plain Python."""

import math

import pytest
import torch

from snnlab.dvs import dvs_counts, events_from_counts
from snnlab.encoding import emulate_dvs


def reference_events(video, threshold, times, refractory=0, eps=1e-3):
    """Each pixel on its own: a reference log level, threshold crossings, a refractory clock."""
    frames, height, width = video.shape
    per_frame = [[] for _ in range(frames)]
    for y in range(height):
        for x in range(width):
            ref = math.log(float(video[0, y, x]) + eps)
            last = None
            for k in range(1, frames):
                level = math.log(float(video[k, y, x]) + eps)
                if last is not None and times[k] - last < refractory:
                    continue
                n = 0
                while level - ref >= threshold * (n + 1):
                    n += 1
                m = 0
                while ref - level >= threshold * (m + 1):
                    m += 1
                if n:
                    ref += n * threshold
                    per_frame[k] += [(y, x, 1)] * n
                elif m:
                    ref -= m * threshold
                    per_frame[k] += [(y, x, 0)] * m
                if n or m:
                    last = times[k]
    out = []
    for k in range(frames):
        for y, x, p in sorted(per_frame[k], key=lambda e: (e[0], e[1])):  # raster order, stable
            out.append((times[k], x, y, p))
    return out


def _as_list(ev):
    return list(zip(ev.t.tolist(), ev.x.tolist(), ev.y.tolist(), ev.p.tolist()))


@pytest.mark.parametrize("refractory", [0, 2500])
@pytest.mark.parametrize("threshold", [0.15, 0.4])
def test_events_match_the_reference_loop(device, refractory, threshold):
    g = torch.Generator().manual_seed(int(threshold * 100) + refractory)
    video = torch.rand(9, 5, 6, generator=g, dtype=torch.float64) ** 2  # dark pixels too
    times = torch.tensor([0, 700, 1500, 2000, 3100, 4000, 4200, 6000, 9000])
    ev = emulate_dvs(video.to(device), threshold=threshold, times=times, refractory=refractory)
    assert ev.t.device.type == device
    expected = reference_events(video, threshold, times.tolist(), refractory)
    assert len(expected) > 20
    assert _as_list(ev) == expected


def test_rgb_and_channel_videos_are_read_as_luma():
    g = torch.Generator().manual_seed(0)
    rgb = torch.rand(5, 3, 4, 4, generator=g)
    luma = 0.299 * rgb[:, 0] + 0.587 * rgb[:, 1] + 0.114 * rgb[:, 2]
    assert _as_list(emulate_dvs(rgb)) == _as_list(emulate_dvs(luma))
    assert _as_list(emulate_dvs(luma[:, None])) == _as_list(emulate_dvs(luma))


def test_a_constant_video_is_silent_and_a_step_fires_once_per_threshold():
    assert emulate_dvs(torch.ones(6, 3, 3)).count == 0
    step = torch.ones(3, 1, 1)
    step[1:] = math.exp(1.0)  # log change of (about) 1 with eps -> 0
    ev = emulate_dvs(step, threshold=0.3, eps=1e-12)
    assert ev.t.tolist() == [1000, 1000, 1000] and ev.p.tolist() == [1, 1, 1]


def test_noise_is_seeded_leaves_the_signal_alone_and_has_its_rate():
    video = torch.ones(201, 20, 20)
    video[100:] = 10.0
    quiet = emulate_dvs(video, threshold=0.5)
    noisy = emulate_dvs(video, threshold=0.5, noise_rate=0.05, generator=torch.Generator().manual_seed(1))
    again = emulate_dvs(video, threshold=0.5, noise_rate=0.05, generator=torch.Generator().manual_seed(1))
    assert _as_list(noisy) == _as_list(again)
    signal, noise = dvs_counts(video, threshold=0.5, noise_rate=0.05, generator=torch.Generator().manual_seed(1))
    assert _as_list(events_from_counts(signal, torch.zeros_like(noise), torch.arange(201) * 1000)) == _as_list(quiet)
    n_noise = noisy.count - quiet.count
    assert n_noise == int(noise.abs().sum())
    expected = 0.05 * 200 * 400
    assert abs(n_noise - expected) < 5 * math.sqrt(expected)
    assert abs(int((noise == 1).sum()) - n_noise / 2) < 5 * math.sqrt(n_noise / 4)
    assert int(noise[0].abs().sum()) == 0
    # in each frame the signal events come first, then the noise events
    frame = noisy.select(noisy.t == 100_000)
    assert _as_list(frame)[: quiet.select(quiet.t == 100_000).count] == _as_list(quiet.select(quiet.t == 100_000))


def test_counts_work_on_a_batch_of_videos():
    g = torch.Generator().manual_seed(3)
    batch = torch.rand(6, 4, 5, 5, generator=g)  # [T, N, H, W]
    signal, _ = dvs_counts(batch, threshold=0.3)
    for i in range(4):
        one, _ = dvs_counts(batch[:, i], threshold=0.3)
        assert torch.equal(signal[:, i], one)


def test_validation_messages():
    video = torch.ones(3, 2, 2)
    with pytest.raises(
        ValueError,
        match=r"emulate_dvs: video must be \[T, H, W\], \[T, 1, H, W\] or \[T, 3, H, W\], got shape \[3, 2\]",
    ):
        emulate_dvs(torch.ones(3, 2))
    with pytest.raises(ValueError, match="emulate_dvs: video must hold intensities >= 0, got values down to -1.0"):
        emulate_dvs(-video)
    with pytest.raises(ValueError, match="dvs_counts: threshold must be a number > 0.0, got 0.0"):
        emulate_dvs(video, threshold=0)
    with pytest.raises(ValueError, match=r"dvs_counts: noise_rate must be a probability in \[0, 1\], got 2.0"):
        emulate_dvs(video, noise_rate=2)
    with pytest.raises(ValueError, match=r"dvs_counts: times must be strictly increasing, got \[0, 5, 5\]"):
        emulate_dvs(video, times=torch.tensor([0, 5, 5]))
    with pytest.raises(ValueError, match=r"dvs_counts: times must be a \[T\] tensor with T=3, got shape \[2\]"):
        emulate_dvs(video, times=torch.tensor([0, 5]))
    with pytest.raises(ValueError, match="dvs_counts: refractory must be an integer >= 0, got -1"):
        emulate_dvs(video, refractory=-1)
    with pytest.raises(TypeError, match="dvs_counts: generator must be a torch.Generator or None, got 3"):
        emulate_dvs(video, generator=3)
    with pytest.raises(TypeError, match="emulate_dvs: video must be a torch.Tensor"):
        emulate_dvs([1.0])
