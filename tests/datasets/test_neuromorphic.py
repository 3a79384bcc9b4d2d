"""NMNIST, DVSGesture and SHD read through tonic from small files written in each data set's real format."""

import os

import numpy as np
import pytest
import torch

from snnlab.datasets import NMNIST, SHD, DVSGesture, pad_collate
from snnlab.events import Events
from tests.datasets.writers import random_events, write_dvs_gesture, write_nmnist, write_shd
from tests.test_events import reference_frames

pytest.importorskip("tonic")


def _samples(seed, sensor, labels, duration, quantum=1):
    rng = np.random.default_rng(seed)
    out = []
    for i, label in enumerate(labels):
        ev = random_events(rng, 60 + 13 * i, *sensor, duration // quantum)
        ev["t"] = ev["t"] * quantum
        out.append((ev, label))
    return out


CASES = {
    # class, writer, labels, quantum of time stamps (DVS Gesture stores ms, SHD seconds as floats)
    "NMNIST": (NMNIST, write_nmnist, [3, 0, 7], 1),
    "DVSGesture": (DVSGesture, write_dvs_gesture, [10, 2, 5], 1000),
    "SHD": (SHD, write_shd, [19, 4, 0], 15625),
}


def _check_events(ev, expected, sensor):
    assert isinstance(ev, Events)
    assert ev.t.tolist() == expected["t"].tolist()
    assert ev.x.tolist() == expected["x"].tolist()
    assert ev.y.tolist() == expected["y"].tolist()
    assert ev.p.tolist() == (expected["p"] if sensor[2] > 1 else 0 * expected["p"]).tolist()


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("train", [True, False])
def test_raw_events_and_labels_come_back_as_written(tmp_path, name, train):
    cls, writer, labels, quantum = CASES[name]
    samples = _samples(len(name), cls.sensor_size, labels, 300_000, quantum)
    writer(str(tmp_path), samples, train=train)
    ds = cls(tmp_path, train=train)
    assert len(ds) == len(samples)
    # tonic lists N-MNIST by digit folder and DVS Gesture by user folder: match samples by label
    by_label = {label: ev for ev, label in samples}
    for i in range(len(ds)):
        ev, label = ds[i]
        _check_events(ev, by_label[label], cls.sensor_size)
    assert sorted(ds.labels) == sorted(labels)


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize(
    "settings",
    [dict(frames_number=4, split_by="number"), dict(frames_number=4, split_by="time"), dict(time_window=40_000)],
)
def test_frames_equal_the_reference_loop_on_the_written_events(tmp_path, name, settings):
    cls, writer, labels, quantum = CASES[name]
    samples = _samples(7, cls.sensor_size, labels, 300_000, quantum)
    writer(str(tmp_path), samples)
    by_label = {label: ev for ev, label in samples}
    ds = cls(tmp_path, dtype=torch.float64, cache=False, **settings)
    for i in range(len(ds)):
        frames, label = ds[i]
        ev = by_label[label]
        p = ev["p"] if cls.sensor_size[2] > 1 else 0 * ev["p"]
        torch.testing.assert_close(frames, reference_frames(ev["t"], ev["x"], ev["y"], p, cls.sensor_size, **settings))
        assert frames.shape[1:] == cls.sensor_size[::-1]


def test_frame_cache_is_keyed_by_the_settings(tmp_path):
    samples = _samples(1, NMNIST.sensor_size, [1, 2], 300_000)
    write_nmnist(str(tmp_path), samples)
    a = NMNIST(tmp_path, frames_number=3)
    first = a[0][0]
    assert os.path.exists(a.cache.path(0))
    # a poisoned cache file is what a later read returns: proof the cache is read, not recomputed
    torch.save(torch.full((3, 2, 34, 34), 7, dtype=torch.int32), a.cache.path(0))
    again = NMNIST(tmp_path, frames_number=3)
    assert again.cache.folder == a.cache.folder and bool((again[0][0] == 7).all())
    assert again[0][1] == a.labels[0]
    # any changed setting uses another folder and recomputes
    for other in (
        NMNIST(tmp_path, frames_number=4),
        NMNIST(tmp_path, frames_number=3, split_by="time"),
        NMNIST(tmp_path, time_window=30_000),
    ):
        assert other.cache.folder != a.cache.folder
        assert not bool((other[0][0] == 7).all())
    fresh = NMNIST(tmp_path, frames_number=3, cache=False)
    torch.testing.assert_close(fresh[0][0], first)
    assert fresh.cache is None
    custom = NMNIST(tmp_path, frames_number=3, cache=tmp_path / "elsewhere")
    custom[1]
    assert custom.cache.folder.startswith(str(tmp_path / "elsewhere"))


def test_variable_lengths_batch_through_pad_collate(tmp_path):
    rng = np.random.default_rng(0)
    short = random_events(rng, 50, 34, 34, 2, 100_000)
    long = random_events(rng, 50, 34, 34, 2, 250_000)
    write_nmnist(str(tmp_path), [(short, 1), (long, 2)])
    ds = NMNIST(tmp_path, time_window=50_000, cache=False)
    loader = torch.utils.data.DataLoader(ds, batch_size=2, collate_fn=pad_collate)
    frames, labels, lengths = next(iter(loader))
    assert lengths.tolist() == [ds[0][0].shape[0], ds[1][0].shape[0]] and lengths[0] < lengths[1]
    assert frames.shape == (int(lengths.max()), 2, 2, 34, 34) and labels.tolist() == [1, 2]
    assert frames[int(lengths[0]) :, 0].sum() == 0


@pytest.mark.parametrize("cls", [NMNIST, DVSGesture, SHD])
def test_missing_files_say_where_to_put_them(tmp_path, cls):
    with pytest.raises(
        FileNotFoundError,
        match=rf"{cls.__name__}: no training files under .*Put the extracted files there as root/.*download=True",
    ):
        cls(tmp_path)


def test_validation_messages(tmp_path):
    write_nmnist(str(tmp_path), _samples(0, NMNIST.sensor_size, [1], 1000))
    with pytest.raises(ValueError, match="NMNIST: give exactly one of frames_number and time_window"):
        NMNIST(tmp_path, frames_number=2, time_window=5)
    with pytest.raises(ValueError, match="NMNIST: split_by must be one of 'number', 'time', got 'x'"):
        NMNIST(tmp_path, frames_number=2, split_by="x")
    with pytest.raises(TypeError, match="NMNIST: root must be a folder path, got 3"):
        NMNIST(3)
    with pytest.raises(TypeError, match="NMNIST: cache must be a bool or a folder path"):
        NMNIST(tmp_path, frames_number=2, cache=1)
    raw = NMNIST(tmp_path)
    with pytest.raises(ValueError, match="NMNIST: frames need frames_number or time_window"):
        raw.frames(0)
    with pytest.raises(IndexError, match=r"NMNIST: index must be in \[-1, 1\), got 5"):
        raw[5]
    assert repr(raw) == "NMNIST(train, 1 samples, raw events)"


def test_a_missing_tonic_says_how_to_install_it(tmp_path, monkeypatch):
    write_nmnist(str(tmp_path), _samples(0, NMNIST.sensor_size, [1], 1000))
    monkeypatch.setitem(__import__("sys").modules, "tonic", None)
    monkeypatch.setitem(__import__("sys").modules, "tonic.datasets", None)
    with pytest.raises(
        ImportError, match=r"NMNIST reads its files with tonic, which is not installed: pip install 'snnlab\[events\]'"
    ):
        NMNIST(tmp_path)


def test_shd_without_a_labels_dataset_is_refused(tmp_path):
    import h5py

    path = write_shd(str(tmp_path), _samples(3, SHD.sensor_size, [1, 2], 300_000, 15625))
    with h5py.File(path, "a") as f:
        del f["labels"]
        f.create_group("labels")
    with pytest.raises(ValueError, match=r"SHD: .*shd_train.h5 must hold a 'labels' dataset, got"):
        SHD(tmp_path).labels
