"""Neuromorphic data sets read through tonic: N-MNIST, DVS128 Gesture and SHD, as frames or raw events.

tonic (GPL-3.0) is an optional extra: ``pip install 'snnlab[events]'``; it is imported only when a
data set is built. The files are read from ``root`` as tonic lays them out (below); nothing is
downloaded unless ``download=True`` (which needs a network).

- ``NMNIST``: ``root/NMNIST/Train/<digit>/<id>.bin`` (``Test`` for the test split), 34x34 pixels, 2 polarities;
- ``DVSGesture``: ``root/DVSGesture/ibmGestureTrain/user<NN>_<lighting>/<label>.npy`` (``ibmGestureTest``),
  128x128 pixels, 2 polarities, 11 classes;
- ``SHD``: ``root/SHD/shd_train.h5`` (``shd_test.h5``), 700 channels (``W = 700, H = 1``), one polarity.

Each sample is ``(frames, label)`` with frames ``[T, P, H, W]`` counted by ``snnlab.events.to_frames`` on
``device`` (``frames_number`` + ``split_by``, or ``time_window`` in the data set's time unit, microseconds),
or ``(Events, label)`` when neither is given. Frames are cached on disk under ``root/snnlab_frames`` (see
``FrameCache``: one folder per setting). ``pad_collate`` batches samples of different lengths.

Shape:
    a sample: ``[T, P, H, W]`` frames (batches: ``[T, N, P, H, W]``), an int label.

Example:
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as root:
    ...     try:
    ...         NMNIST(root)
    ...     except (FileNotFoundError, ImportError) as err:
    ...         print(type(err).__name__)
    FileNotFoundError
"""

import os

import torch

from ..checks import check_bool, check_int, describe
from ..events import Events, _check_mode, as_events, to_frames
from .cache import FrameCache

__all__ = ["NMNIST", "SHD", "DVSGesture", "EventDataset"]


def _import_tonic(owner: str):
    try:
        import tonic.datasets
    except ImportError as err:
        raise ImportError(
            f"{owner} reads its files with tonic, which is not installed: pip install 'snnlab[events]' "
            "(or pip install tonic)"
        ) from err
    return tonic.datasets


class EventDataset(torch.utils.data.Dataset):
    """The shared part of the tonic-backed data sets (a ``torch.utils.data.Dataset``).

    Args:
        root: the folder that holds the data set's folder (tonic's ``save_to``).
        train: the training split (else the test split).
        frames_number: integrate each sample into this many frames (with ``split_by``) ...
        split_by: ``'number'`` (equal event counts) or ``'time'`` (equal durations).
        time_window: ... or into frames of this duration (time stamps' unit). Neither: raw ``Events``.
        cache: keep integrated frames on disk under ``root/snnlab_frames`` (True), under a folder you
            name (a path), or not at all (False).
        download: let tonic download the files when they are missing (needs a network).
        device: where frames are counted and returned (default: CPU).
        dtype: the frames' dtype.

    Shape:
        a sample: ``[T, P, H, W]`` frames or ``Events``, and an int label.
    """

    #: tonic's class name, the sensor (W, H, P), and the data set's folder name under root
    tonic_name = ""
    sensor_size = (1, 1, 1)

    def __init__(
        self,
        root: str | os.PathLike,
        train: bool = True,
        *,
        frames_number: int | None = None,
        split_by: str = "number",
        time_window: int | None = None,
        cache: bool | str | os.PathLike = True,
        download: bool = False,
        device: torch.device | str | None = None,
        dtype: torch.dtype = torch.float32,
    ):
        owner = type(self).__name__
        if not isinstance(root, (str, os.PathLike)):
            raise TypeError(f"{owner}: root must be a folder path, got {describe(root)}")
        self.root = os.fspath(root)
        self.train = check_bool(owner, "train", train)
        check_bool(owner, "download", download)
        self.integrate = frames_number is not None or time_window is not None
        if self.integrate:
            frames_number, time_window = _check_mode(owner, frames_number, split_by, time_window)
        self.frames_number, self.split_by, self.time_window = frames_number, split_by, time_window
        if not isinstance(cache, (bool, str, os.PathLike)):
            raise TypeError(f"{owner}: cache must be a bool or a folder path, got {describe(cache)}")
        if not isinstance(dtype, torch.dtype):
            raise TypeError(f"{owner}: dtype must be a torch.dtype, got {describe(dtype)}")
        self.device = torch.device("cpu") if device is None else torch.device(device)
        self.dtype = dtype
        if not download:
            missing = self._missing_files()
            if missing:
                raise FileNotFoundError(
                    f"{owner}: no {'training' if train else 'test'} files under {self.root!r}: {missing}. "
                    f"Put the extracted files there as {self.layout}, or pass download=True where a network "
                    "is available."
                )
        datasets = _import_tonic(owner)
        base = getattr(datasets, self.tonic_name)
        if download:
            self.source = base(self.root, train=train)
        else:  # the files were checked above; tonic's own check also wants the downloaded archive.
            # Same class name: tonic reads from root/<class name>.
            offline = type(self.tonic_name, (base,), {"_check_exists": lambda _self: True})
            self.source = offline(self.root, train=train)
        self.labels = self._read_labels()
        self.cache = None
        if self.integrate and cache is not False:
            cache_root = os.path.join(self.root, "snnlab_frames") if cache is True else os.fspath(cache)
            settings = {
                "dataset": self.tonic_name,
                "train": self.train,
                "sensor_size": list(self.sensor_size),
                "frames_number": frames_number,
                "split_by": split_by if frames_number is not None else None,
                "time_window": time_window,
                "samples": len(self.source),
            }
            self.cache = FrameCache(cache_root, settings)

    #: the on-disk layout, for the missing-files message
    layout = ""

    def _missing_files(self) -> str:
        """An empty string when the split's files are present, else what is missing (each dataset defines it)."""
        raise NotImplementedError(f"{type(self).__name__} must define _missing_files()")

    def _read_labels(self) -> list[int]:
        """Every sample's label, without reading its events (tonic's ``targets``)."""
        return [int(label) for label in self.source.targets]

    def __len__(self) -> int:
        return len(self.labels)

    def events(self, index: int) -> tuple[Events, int]:
        """Sample ``index`` as raw ``Events`` (int64, time order, on ``device``) and its label."""
        index = check_int(type(self).__name__, "index", index)
        if not -len(self) <= index < len(self):
            raise IndexError(f"{type(self).__name__}: index must be in [{-len(self)}, {len(self)}), got {index}")
        records, label = self.source[index % len(self)]
        events = as_events(records, device=self.device)
        if self.sensor_size[2] == 1:  # one polarity: tonic marks every event 1 (SHD) or keeps a 0/1 flag
            events = events._replace(p=torch.zeros_like(events.p))
        if events.count > 1 and bool((events.t[1:] < events.t[:-1]).any()):
            events = events.select(torch.argsort(events.t, stable=True))
        return events, int(label)

    def frames(self, index: int) -> tuple[torch.Tensor, int]:
        """Sample ``index`` integrated into ``[T, P, H, W]`` frames (read from the cache when there)."""
        owner = type(self).__name__
        if not self.integrate:
            raise ValueError(f"{owner}: frames need frames_number or time_window, got neither (raw events only)")
        index = check_int(owner, "index", index) % max(len(self), 1)
        cached = self.cache.get(index) if self.cache is not None else None
        if cached is not None:
            return cached.to(self.device, self.dtype), self.labels[index]
        events, label = self.events(index)
        frames = to_frames(
            events,
            self.sensor_size,
            frames_number=self.frames_number,
            split_by=self.split_by,
            time_window=self.time_window,
            dtype=self.dtype,
        )
        if self.cache is not None:
            self.cache.put(index, frames)
        return frames, label

    def __getitem__(self, index: int):
        return self.frames(index) if self.integrate else self.events(index)

    def __repr__(self) -> str:
        mode = (
            f"frames_number={self.frames_number}, split_by={self.split_by!r}"
            if self.frames_number is not None
            else (f"time_window={self.time_window}" if self.time_window is not None else "raw events")
        )
        split = "train" if self.train else "test"
        return f"{type(self).__name__}({split}, {len(self)} samples, {mode})"


def _count_files(folder: str, suffix: str) -> int:
    total = 0
    for _path, _dirs, files in os.walk(folder):
        total += sum(name.endswith(suffix) for name in files)
    return total


class NMNIST(EventDataset):
    """N-MNIST: MNIST digits seen by an ATIS camera moved in three saccades (34x34, 2 polarities, 10 classes).

    Files: ``root/NMNIST/Train/<digit>/<id>.bin`` and ``root/NMNIST/Test/<digit>/<id>.bin`` (the
    extracted ``Train.zip`` / ``Test.zip``). Time stamps are microseconds. See ``EventDataset``.

    Shape:
        a sample: ``[T, 2, 34, 34]`` frames or ``Events``, and a label in 0..9.

    Example:
        >>> NMNIST.sensor_size
        (34, 34, 2)
    """

    tonic_name = "NMNIST"
    sensor_size = (34, 34, 2)
    layout = "root/NMNIST/Train/<digit>/<id>.bin and root/NMNIST/Test/<digit>/<id>.bin"

    def _missing_files(self) -> str:
        folder = os.path.join(self.root, "NMNIST", "Train" if self.train else "Test")
        return "" if _count_files(folder, ".bin") else f"no .bin file under {folder}"


class DVSGesture(EventDataset):
    """IBM DVS128 Gesture: 11 hand and arm gestures by 29 people under 3 lightings (128x128, 2 polarities).

    Files: tonic's preprocessed recordings, ``root/DVSGesture/ibmGestureTrain/user<NN>_<lighting>/<label>.npy``
    (``ibmGestureTest`` for the test split), one ``[E, 4]`` array per gesture with columns x, y, p and t in
    milliseconds (read as microseconds). See ``EventDataset``.

    Shape:
        a sample: ``[T, 2, 128, 128]`` frames or ``Events``, and a label in 0..10.

    Example:
        >>> DVSGesture.sensor_size
        (128, 128, 2)
    """

    tonic_name = "DVSGesture"
    sensor_size = (128, 128, 2)
    layout = "root/DVSGesture/ibmGestureTrain/user<NN>_<lighting>/<label>.npy (ibmGestureTest for the test split)"

    def _missing_files(self) -> str:
        folder = os.path.join(self.root, "DVSGesture", "ibmGestureTrain" if self.train else "ibmGestureTest")
        return "" if _count_files(folder, ".npy") else f"no .npy file under {folder}"


class SHD(EventDataset):
    """Spiking Heidelberg Digits: spoken digits 0-9 in English and German (20 classes) on 700 cochlea channels.

    Files: ``root/SHD/shd_train.h5`` and ``root/SHD/shd_test.h5`` (the extracted ``.h5.zip`` files; tonic
    reads them with h5py). Time stamps are microseconds. Channels run along ``W`` (``H = 1``, one
    polarity). See ``EventDataset``.

    Shape:
        a sample: ``[T, 1, 1, 700]`` frames or ``Events``, and a label in 0..19.

    Example:
        >>> SHD.sensor_size
        (700, 1, 1)
    """

    tonic_name = "SHD"
    sensor_size = (700, 1, 1)
    layout = "root/SHD/shd_train.h5 and root/SHD/shd_test.h5"

    def _missing_files(self) -> str:
        path = os.path.join(self.root, "SHD", "shd_train.h5" if self.train else "shd_test.h5")
        return "" if os.path.isfile(path) else f"{path} does not exist"

    def _read_labels(self) -> list[int]:
        import h5py  # installed with tonic

        path = os.path.join(self.source.location_on_system, self.source.data_filename)
        with h5py.File(path, "r") as f:
            labels = f.get("labels")
            if not isinstance(labels, h5py.Dataset):
                raise ValueError(f"SHD: {path} must hold a 'labels' dataset, got {describe(labels)}")
            return [int(label) for label in labels[()]]
