"""SaccadeDigits: the shipped digits moved in saccades and seen by the DVS emulator."""

import pytest
import torch
import torch.nn.functional as F

from snnlab.datasets import SaccadeDigits, load_digits, saccade_path
from snnlab.encoding import emulate_dvs
from snnlab.events import Events

SMALL = dict(steps_per_saccade=3)


def test_a_sample_is_the_emulator_on_the_moved_digit():
    quiet = SaccadeDigits(train=False, **SMALL)
    noisy = SaccadeDigits(train=False, noise_rate=0.01, **SMALL)
    digits = load_digits(flatten=False)
    for i in (0, 7):
        events, label = quiet[i]
        assert isinstance(events, Events) and label == int(digits.y_test[i])
        canvas = F.pad(digits.x_test[i : i + 1], (2, 2, 2, 2))[0, 0]  # margin ceil(2 / 2) + 1 = 2
        video = torch.stack([_moved(canvas, offset) for offset in saccade_path(3, 2.0)])
        expected = emulate_dvs(0.1 + 0.9 * video, threshold=0.2, times=quiet.times)
        assert expected.count > 50
        assert [f.tolist() for f in events] == [f.tolist() for f in expected]
        with_noise = noisy[i][0]
        assert with_noise.count > events.count
        assert [f.tolist() for f in with_noise] == [f.tolist() for f in noisy[i][0]]  # seeded


def _moved(canvas, offset):
    size = canvas.shape[-1]
    theta = torch.tensor([[[1.0, 0.0, -2 * float(offset[0]) / size], [0.0, 1.0, -2 * float(offset[1]) / size]]])
    grid = F.affine_grid(theta, [1, 1, size, size], align_corners=False)
    return F.grid_sample(canvas[None, None], grid, align_corners=False)[0, 0]


@pytest.mark.parametrize(
    "settings", [dict(frames_number=3), dict(frames_number=3, split_by="time"), dict(time_window=25_000)]
)
def test_tensors_equal_the_per_sample_frames(settings):
    ds = SaccadeDigits(train=False, noise_rate=0.002, **SMALL, **settings)
    frames, labels = ds.tensors()
    assert labels.tolist() == ds.labels and len(labels) == 450
    for i in range(0, 450, 15):  # every 15th sample against its own integration
        expected, label = ds[i]
        assert label == int(labels[i])
        torch.testing.assert_close(frames[: len(expected), i], expected)
        assert frames[len(expected) :, i].sum() == 0
    assert frames.shape[1:] == (450, 2, 12, 12) and ds.sensor_size == (12, 12, 2)


def test_path_is_a_closed_triangle():
    path = saccade_path(4, 3.0)
    assert path.shape == (13, 2)
    torch.testing.assert_close(path[0], path[-1])
    torch.testing.assert_close(path[[0, 4, 8]], torch.tensor([[-1.5, 1.5], [1.5, 1.5], [0.0, -1.5]]))


def test_the_split_and_the_seed():
    a = SaccadeDigits(train=False, **SMALL)
    b = SaccadeDigits(train=False, seed=1, **SMALL)
    assert a.labels != b.labels and len(a) == 450
    assert repr(a) == "SaccadeDigits(test, 450 samples, raw events)"


def test_validation_messages():
    with pytest.raises(ValueError, match="SaccadeDigits: give exactly one of frames_number and time_window"):
        SaccadeDigits(frames_number=2, time_window=3)
    with pytest.raises(ValueError, match="SaccadeDigits: amplitude must be a number >= 0, got -1.0"):
        SaccadeDigits(amplitude=-1)
    with pytest.raises(ValueError, match="SaccadeDigits: scale must be an integer >= 1, got 0"):
        SaccadeDigits(scale=0)
    ds = SaccadeDigits(train=False, **SMALL)
    with pytest.raises(ValueError, match="SaccadeDigits: tensors\\(\\) needs frames_number or time_window"):
        ds.tensors()
    with pytest.raises(IndexError, match=r"SaccadeDigits: index must be in \[-450, 450\), got 450"):
        ds[450]
