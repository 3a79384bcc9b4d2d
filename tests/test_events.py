"""snnlab.events: reading event streams and integrating them into frames, against per-event reference loops."""

import numpy as np
import pytest
import torch

from snnlab.events import Events, as_events, frame_index, to_frames, to_frames_batch, to_structured


def reference_frames(t, x, y, p, sensor, frames_number=None, split_by="number", time_window=None):
    """SpikingJelly's cutting rules written out per frame and per event (plain Python ints)."""
    width, height, polarities = sensor
    t, x, y, p = (list(map(int, a)) for a in (t, x, y, p))
    n = len(t)
    if time_window is not None:
        count = (t[-1] - t[0]) // time_window + 1 if n else 0
        bounds = []
        for k in range(count):
            lo, hi = t[0] + k * time_window, t[0] + (k + 1) * time_window
            bounds.append([i for i in range(n) if lo <= t[i] < hi])
    elif split_by == "number":
        per = n // frames_number
        bounds = [list(range(k * per, (k + 1) * per)) for k in range(frames_number)]
        bounds[-1] = list(range((frames_number - 1) * per, n))
    else:
        dt = (t[-1] - t[0]) // frames_number
        bounds = []
        for k in range(frames_number):
            lo, hi = t[0] + k * dt, t[0] + (k + 1) * dt
            last = k == frames_number - 1
            bounds.append([i for i in range(n) if lo <= t[i] and (last or t[i] < hi)])
    frames = np.zeros((len(bounds), polarities, height, width))
    for k, members in enumerate(bounds):
        for i in members:
            frames[k, p[i], y[i], x[i]] += 1
    return torch.from_numpy(frames)


def _random(seed, n, sensor, duration):
    rng = np.random.default_rng(seed)
    return Events(
        torch.from_numpy(np.sort(rng.integers(0, duration, n))),
        torch.from_numpy(rng.integers(0, sensor[0], n)),
        torch.from_numpy(rng.integers(0, sensor[1], n)),
        torch.from_numpy(rng.integers(0, sensor[2], n)),
    )


@pytest.mark.parametrize(
    "n, settings",
    [
        (500, dict(frames_number=7, split_by="number")),
        (500, dict(frames_number=7, split_by="time")),
        (500, dict(time_window=130)),
        (3, dict(frames_number=5, split_by="number")),  # fewer events than frames: all in the last one
        (1, dict(time_window=10)),
        (200, dict(frames_number=1, split_by="time")),
    ],
)
def test_to_frames_matches_the_reference_loop(device, n, settings):
    sensor = (5, 4, 2)
    ev = _random(n, n, sensor, duration=1000)
    frames = to_frames(ev, sensor, device=device, dtype=torch.float64, **settings)
    assert frames.device.type == device
    torch.testing.assert_close(frames.cpu(), reference_frames(*ev, sensor, **settings))
    assert frames.sum() == n  # every event counted once


@pytest.mark.parametrize(
    "settings",
    [dict(frames_number=4, split_by="number"), dict(frames_number=4, split_by="time"), dict(time_window=90)],
)
def test_batches_cut_each_stream_on_its_own(device, settings):
    sensor = (4, 3, 2)
    streams = [
        _random(s, n, sensor, duration) for s, (n, duration) in enumerate([(40, 500), (2, 300), (0, 1), (77, 900)])
    ]
    streams[3] = streams[3]._replace(t=streams[3].t + 10_000)  # a late start: cut from its own first event
    streams[1] = streams[1]._replace(t=torch.tensor([5, 6]))  # 2 events, 1 time unit apart
    joined = Events(*(torch.cat(fields) for fields in zip(*streams)))
    sample = torch.cat([torch.full((s.count,), i) for i, s in enumerate(streams)])
    if settings.get("split_by") == "time":  # a 2-event stream is too short for 4 time frames: leave it out
        with pytest.raises(ValueError, match=r"to_frames_batch: split_by='time' needs .* \(sample 1\)"):
            to_frames_batch(joined, sample, 4, sensor, **settings)
        keep = sample != 1
        joined, sample = joined.select(keep), sample[keep]
        streams[1] = streams[1].select(torch.zeros(2, dtype=torch.bool))
    frames, lengths = to_frames_batch(joined, sample, 4, sensor, device=device, dtype=torch.float64, **settings)
    assert frames.shape[1] == 4 and frames.device.type == device
    for i, s in enumerate(streams):
        expected = (
            reference_frames(*s, sensor, **settings)
            if s.count
            else torch.zeros(0 if "time_window" in settings else 4, 2, 3, 4, dtype=torch.float64)
        )
        assert int(lengths[i]) == expected.shape[0]
        torch.testing.assert_close(frames[: expected.shape[0], i].cpu(), expected)
        assert frames[expected.shape[0] :, i].sum() == 0


def test_batch_validation():
    ev = Events(*(torch.tensor([0, 1]) for _ in range(4)))
    with pytest.raises(ValueError, match=r"to_frames_batch: sample must be non-decreasing sample indices in \[0, 2\)"):
        to_frames_batch(ev, torch.tensor([1, 0]), 2, (2, 2, 2), frames_number=1)
    with pytest.raises(ValueError, match=r"to_frames_batch: sample must be non-decreasing sample indices in \[0, 1\)"):
        to_frames_batch(ev, torch.tensor([0, 1]), 1, (2, 2, 2), frames_number=1)
    with pytest.raises(TypeError, match=r"to_frames_batch: sample must be an integer tensor of shape \[2\]"):
        to_frames_batch(ev, torch.tensor([0.0, 1.0]), 2, (2, 2, 2), frames_number=1)


def test_time_split_gives_the_last_frame_every_later_event():
    t = torch.tensor([0, 1, 2, 3, 4, 5, 6, 10])
    index, count = frame_index(t, frames_number=3, split_by="time")  # dt = 10 // 3 = 3
    assert count == 3 and index.tolist() == [0, 0, 0, 1, 1, 1, 2, 2]


def test_number_split_puts_the_remainder_in_the_last_frame():
    index, count = frame_index(torch.arange(10), frames_number=3)
    assert count == 3 and index.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2, 2]


def test_time_window_counts_from_the_first_event_and_reaches_the_last():
    index, count = frame_index(torch.tensor([100, 104, 105, 120]), time_window=5)
    assert count == 5 and index.tolist() == [0, 0, 1, 4]


def test_empty_streams_give_empty_frames():
    empty = Events(*(torch.zeros(0, dtype=torch.long) for _ in range(4)))
    assert to_frames(empty, (2, 2, 2), frames_number=3).shape == (3, 2, 2, 2)
    assert to_frames(empty, (2, 2, 2), frames_number=3, split_by="time").sum() == 0
    assert to_frames(empty, (2, 2, 2), time_window=3).shape == (0, 2, 2, 2)


def test_as_events_reads_structured_arrays_and_mappings():
    rec = np.zeros(3, dtype=[("x", np.int16), ("y", np.int16), ("p", bool), ("t", np.int64)])
    rec["x"], rec["y"], rec["p"], rec["t"] = [1, 2, 3], [4, 5, 6], [True, False, True], [7, 8, 9]
    ev = as_events(rec)
    assert [f.tolist() for f in ev] == [[7, 8, 9], [1, 2, 3], [4, 5, 6], [1, 0, 1]]
    assert all(f.dtype == torch.int64 for f in ev)
    back = to_structured(ev)
    assert back["t"].tolist() == [7, 8, 9] and back["p"].tolist() == [1, 0, 1]
    audio = as_events({"t": [0.0, 5.0], "x": np.array([699, 3]), "p": [0, 0]})
    assert audio.y.tolist() == [0, 0] and audio.t.tolist() == [0, 5]


def test_validation_messages():
    ev = Events(*(torch.tensor([0, 1]) for _ in range(4)))
    with pytest.raises(ValueError, match="to_frames: give exactly one of frames_number and time_window"):
        to_frames(ev, (2, 2, 2))
    with pytest.raises(ValueError, match="to_frames: give exactly one of frames_number and time_window"):
        to_frames(ev, (2, 2, 2), frames_number=2, time_window=3)
    with pytest.raises(ValueError, match="to_frames: split_by must be one of 'number', 'time', got 'count'"):
        to_frames(ev, (2, 2, 2), frames_number=2, split_by="count")
    with pytest.raises(ValueError, match="to_frames: frames_number must be an integer >= 1, got 0"):
        to_frames(ev, (2, 2, 2), frames_number=0)
    with pytest.raises(ValueError, match=r"to_frames: events\['x'\] must lie in \[0, 1\) for sensor_size \(1, 2, 2\)"):
        to_frames(ev, (1, 2, 2), frames_number=1)
    with pytest.raises(TypeError, match=r"to_frames: sensor_size must be a tuple \(W, H, P\), got 4"):
        to_frames(ev, 4, frames_number=1)
    with pytest.raises(
        ValueError,
        match="to_frames: split_by='time' needs a recording at least frames_number=5 time units long, got one of 1 units",
    ):
        to_frames(ev, (2, 2, 2), frames_number=5, split_by="time")
    with pytest.raises(
        ValueError, match=r"as_events: events must have the fields 't', 'x', 'p' \(and 'y'\), missing \['p'\]"
    ):
        as_events({"t": [1], "x": [1]})
    with pytest.raises(ValueError, match=r"as_events: events\['t'\] must hold whole numbers"):
        as_events({"t": [0.5], "x": [1], "p": [0]})
    with pytest.raises(ValueError, match=r"as_events: events\['x'\] must hold whole numbers"):
        as_events({"t": [0], "x": np.array([1.5]), "p": [0]})
    with pytest.raises(TypeError, match="as_events: events must be an Events, a NumPy structured array or a mapping"):
        as_events([1, 2, 3])
    with pytest.raises(ValueError, match="as_events: the fields must have one length, got t 2, x 1"):
        as_events({"t": [0, 1], "x": [1], "p": [0, 1]})
