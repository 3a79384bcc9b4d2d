"""A frame cache on disk, one folder per integration setting: a changed setting never reads old frames.

The folder's name ends in a hash of every setting that changes the frames (dataset, split, sensor,
``frames_number`` / ``split_by`` / ``time_window``, number of samples and the cache format); the folder
also holds those settings in ``settings.json`` for people. Each sample is one ``<index>.pt`` file
(int32 counts), written to a temporary name first and renamed, so an interrupted run leaves no half
file behind.

Shape:
    frames ``[T, P, H, W]`` in and out.

Example:
    >>> import tempfile, torch
    >>> with tempfile.TemporaryDirectory() as root:
    ...     cache = FrameCache(root, {"dataset": "demo", "frames_number": 4})
    ...     cache.put(0, torch.ones(4, 2, 3, 3))
    ...     other = FrameCache(root, {"dataset": "demo", "frames_number": 5})
    ...     cache.get(0).shape, other.get(0)
    (torch.Size([4, 2, 3, 3]), None)
"""

import hashlib
import json
import os

import torch

__all__ = ["FrameCache"]

_FORMAT = 1


class FrameCache:
    """Frames stored under ``root/<name>-<hash of settings>/<index>.pt``.

    Args:
        root: the folder that holds every cache folder (created when the first frame is written).
        settings: a JSON-serialisable dict of everything that changes the frames.

    Shape:
        ``put`` / ``get``: ``[T, P, H, W]``.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as root:
        ...     FrameCache(root, {"dataset": "NMNIST", "time_window": 1000}).folder.startswith(root)
        True
    """

    def __init__(self, root: str | os.PathLike, settings: dict):
        self.settings = {"format": _FORMAT, **settings}
        text = json.dumps(self.settings, sort_keys=True)
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        name = str(self.settings.get("dataset", "frames"))
        self.folder = os.path.join(os.fspath(root), f"{name}-{digest}")

    def path(self, index: int) -> str:
        """The file of sample ``index``."""
        return os.path.join(self.folder, f"{int(index)}.pt")

    def get(self, index: int) -> torch.Tensor | None:
        """The cached frames of sample ``index`` (int32, on the CPU), or None when not cached yet."""
        path = self.path(index)
        if not os.path.exists(path):
            return None
        return torch.load(path, weights_only=True)

    def put(self, index: int, frames: torch.Tensor) -> None:
        """Store the frames of sample ``index`` (as int32 counts on the CPU)."""
        if not os.path.isdir(self.folder):
            os.makedirs(self.folder, exist_ok=True)
            with open(os.path.join(self.folder, "settings.json"), "w") as f:
                json.dump(self.settings, f, indent=1, sort_keys=True)
        path = self.path(index)
        partial = f"{path}.{os.getpid()}.part"
        torch.save(frames.detach().to("cpu", torch.int32).contiguous(), partial)
        os.replace(partial, path)
