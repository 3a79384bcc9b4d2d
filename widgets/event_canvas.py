"""EventCanvas: an event frame (or any count image) drawn on a canvas from one byte per cell.

``set_counts(on, off)`` turns two count images into one byte per cell on their device: 0 where no
event fell, else bit 7 = "ON dominates" and bits 0-6 = brightness (the cell's count over the
image's ``vmax``, 1..127). Images bigger than ``max_cells`` are summed over square bins first, so a
message stays small (``max_cells`` bytes plus a few hundred of JSON) whatever the sensor.

Shape:
    ``set_counts``: ``on`` and ``off`` ``[H, W]`` (``off`` optional).

Example:
    >>> import torch
    >>> w = EventCanvas(title="events")
    >>> w.set_counts(torch.tensor([[2.0, 0.0]]), torch.tensor([[0.0, 1.0]]))
    >>> (w.rows, w.cols, list(w.cells))
    (1, 2, [255, 64])
"""

import math
import pathlib
from typing import Any

import anywidget
import numpy as np
import torch
import torch.nn.functional as F
import traitlets

from snnlab.checks import check_int, describe

__all__ = ["EventCanvas", "encode_counts"]

MAX_CELLS = 128 * 1024  # bytes of one image message (one per cell)


def _as_image(owner: str, name: str, value) -> torch.Tensor:
    if isinstance(value, np.ndarray):
        value = torch.from_numpy(np.ascontiguousarray(value))
    if not isinstance(value, torch.Tensor) or value.dim() != 2:
        raise TypeError(f"{owner}: {name} must be a 2-D [H, W] tensor or numpy array, got {describe(value)}")
    return value.detach().float()


def encode_counts(
    on: torch.Tensor, off: torch.Tensor | None = None, *, max_cells: int = MAX_CELLS
) -> tuple[torch.Tensor, int]:
    """One byte per cell (see the module doc) and the bin factor used, computed on the images' device.

    Shape:
        ``[H, W]`` each -> ``[ceil(H / f), ceil(W / f)]`` uint8, ``f``.

    Example:
        >>> import torch
        >>> cells, factor = encode_counts(torch.ones(4, 4), max_cells=4)
        >>> cells.tolist(), factor
        ([[255, 255], [255, 255]], 2)
    """
    owner = "encode_counts"
    on = _as_image(owner, "on", on)
    off = torch.zeros_like(on) if off is None else _as_image(owner, "off", off).to(on.device)
    if off.shape != on.shape:
        raise ValueError(f"{owner}: on and off must have one shape, got {list(on.shape)} and {list(off.shape)}")
    max_cells = check_int(owner, "max_cells", max_cells, minimum=1)
    height, width = on.shape
    factor = max(1, math.ceil(math.sqrt(height * width / max_cells)))
    while math.ceil(height / factor) * math.ceil(width / factor) > max_cells:
        factor += 1
    if factor > 1:  # sum over factor x factor bins (the image padded with zeros at the far edges)
        pad = (0, -width % factor, 0, -height % factor)
        pair = F.pad(torch.stack([on, off])[None], pad)
        on, off = (F.avg_pool2d(pair, factor)[0] * factor * factor).unbind(0)
    total = on + off
    vmax = float(total.max()) if total.numel() else 0.0
    level = torch.zeros_like(total) if vmax <= 0 else torch.ceil(127 * total / vmax)
    cells = level.to(torch.uint8) | ((on >= off) & (total > 0)).to(torch.uint8) << 7
    return cells, factor


class EventCanvas(anywidget.AnyWidget):
    """A canvas that draws one byte per cell: ON cells in ``on_color``, OFF cells in ``off_color``.

    Traits (synced): ``cells`` (bytes, ``rows * cols``, row-major), ``rows``, ``cols``, ``on_color``,
    ``off_color``, ``background`` (CSS colours), ``height`` (CSS pixels), ``title``. ``factor`` (not
    synced): the bin factor of the last image.

    Shape:
        ``set_counts``: ``[H, W]``.

    Example:
        >>> w = EventCanvas(height=120)
        >>> w.height, w.rows
        (120, 0)
    """

    _esm = pathlib.Path(__file__).with_name("event_canvas.js")
    cells = traitlets.Bytes(b"").tag(sync=True)
    rows = traitlets.Int(0).tag(sync=True)
    cols = traitlets.Int(0).tag(sync=True)
    on_color = traitlets.Unicode("#d62728").tag(sync=True)
    off_color = traitlets.Unicode("#1f77b4").tag(sync=True)
    background = traitlets.Unicode("#ffffff").tag(sync=True)
    height = traitlets.Int(240).tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)

    def __init__(self, *, max_cells: int = MAX_CELLS, **kwargs: Any):
        super().__init__(**kwargs)
        self.max_cells = check_int("EventCanvas", "max_cells", max_cells, minimum=1)
        self.factor = 1

    def set_counts(self, on: torch.Tensor, off: torch.Tensor | None = None) -> None:
        """Encode ``on`` (and ``off``) count images on their device and send them in one update."""
        cells, self.factor = encode_counts(on, off, max_cells=self.max_cells)
        payload = cells.cpu().numpy().tobytes()
        with self.hold_sync():
            self.rows, self.cols = int(cells.shape[0]), int(cells.shape[1])
            self.cells = payload

    def __repr__(self):
        return f"EventCanvas(rows={self.rows}, cols={self.cols}, factor={self.factor})"
