"""FrameCache: one folder per setting, atomic writes, settings written beside the frames."""

import json
import os

import torch

from snnlab.datasets import FrameCache


def test_round_trip_and_settings_file(tmp_path):
    cache = FrameCache(tmp_path, {"dataset": "NMNIST", "frames_number": 4, "split_by": "time"})
    assert cache.get(3) is None
    frames = torch.arange(24.0).reshape(2, 3, 4)
    cache.put(3, frames)
    back = cache.get(3)
    assert back.dtype == torch.int32 and torch.equal(back, frames.int())
    with open(os.path.join(cache.folder, "settings.json")) as f:
        assert json.load(f) == {"format": 1, "dataset": "NMNIST", "frames_number": 4, "split_by": "time"}
    assert sorted(os.listdir(cache.folder)) == ["3.pt", "settings.json"]  # no partial file left


def test_every_setting_changes_the_folder(tmp_path):
    base = {"dataset": "SHD", "train": True, "frames_number": 4, "split_by": "number", "time_window": None}
    folders = {FrameCache(tmp_path, base).folder}
    for key, value in [("train", False), ("frames_number", 5), ("split_by", "time"), ("time_window", 10)]:
        folders.add(FrameCache(tmp_path, {**base, key: value}).folder)
    assert len(folders) == 5
    assert FrameCache(tmp_path, dict(reversed(base.items()))).folder == FrameCache(tmp_path, base).folder
