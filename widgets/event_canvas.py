"""EventCanvas: an event frame (or any count image) drawn on a canvas from one byte per cell.

``set_counts(on, off)`` turns two count images into one byte per cell on their device: 0 where no
event fell, else bit 7 = "ON dominates" and bits 0-6 = brightness (the cell's count over the
image's ``vmax``, 1..127). Images bigger than ``max_cells`` are summed over square bins first, so a
message stays small (``max_cells`` bytes plus a few hundred of JSON) whatever the sensor.

The picture explains itself: with ``axes=True`` (sensor images) it has pixel axes, x to the right and
y down from 0 at the top (the sensor's row order), their ticks chosen by ``snnlab.viz.ticks.nice_ticks``;
below it, a count scale: the colour of each polarity from its faintest (one ``unit``) to its brightest
shade (the image's largest count, per pixel or per bin of ``factor`` x ``factor`` pixels).

Shape:
    ``set_counts``: ``on`` and ``off`` ``[H, W]`` (``off`` optional).

Example:
    >>> import torch
    >>> w = EventCanvas(title="events")
    >>> w.set_counts(torch.tensor([[2.0, 0.0]]), torch.tensor([[0.0, 1.0]]))
    >>> (w.rows, w.cols, list(w.cells))
    (1, 2, [255, 64])
    >>> w.vmax, w.scale_text
    (2, 'events per pixel: 1 (faint) to 2 (bright); colour: the polarity with more')
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
from snnlab.viz.ticks import nice_ticks

__all__ = ["EventCanvas", "encode_counts", "pixel_ticks"]

MAX_CELLS = 128 * 1024  # bytes of one image message (one per cell)
AXIS_TICKS = 6  # the most tick labels on a pixel axis (the canvas is a few hundred CSS pixels wide)


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
    cells, factor, _ = _encode("encode_counts", on, off, max_cells)
    return cells, factor


def _encode(owner: str, on, off, max_cells: int) -> tuple[torch.Tensor, int, float]:
    """``encode_counts``, and the count that the brightest shade stands for (``vmax``, 0 for an empty image)."""
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
    return cells, factor, vmax


def pixel_ticks(pixels: int, factor: int, cells: int, most: int = AXIS_TICKS) -> list[list]:
    """Ticks of a pixel axis ``0 .. pixels - 1`` drawn as ``cells`` bins of ``factor`` pixels: ``[where, label]``.

    ``where`` is the tick's place along the drawn image, 0 at its first edge and 1 at its far edge (the
    middle of the pixel named by ``label``; a binned image's last bin may be padded past the sensor).

    Example:
        >>> pixel_ticks(4, 1, 4, most=3)
        [[0.125, '0'], [0.625, '2']]
    """
    ticks = nice_ticks(0, pixels - 1, most, integer=True)
    return [[(k + 0.5) / (cells * factor), str(k)] for k in ticks]


class EventCanvas(anywidget.AnyWidget):
    """A canvas that draws one byte per cell: ON cells in ``on_color``, OFF cells in ``off_color``.

    Traits (synced): ``cells`` (bytes, ``rows * cols``, row-major), ``rows``, ``cols``, ``on_color``,
    ``off_color``, ``background`` (CSS colours), ``height`` (CSS pixels), ``title``; what explains the
    picture: ``x_ticks`` and ``y_ticks`` (``[where, label]``, ``where`` from 0 to 1 along the image; none
    without ``axes``), ``x_title``, ``y_title``, ``on_name`` and ``off_name`` (the colours' names in the
    scale; an empty ``off_name`` shows one colour), ``vmax`` (the brightest shade's count) and
    ``scale_text`` (what the shades count). ``factor`` (not synced): the bin factor of the last image.

    Args:
        max_cells: the most cells of an image sent; bigger images are binned.
        axes: pixel axes (for a sensor image; not for tiled channels, whose pixels are no positions).
        unit: what the image counts ("event"), named in the scale.
        cell: what one image cell is ("pixel"; "neuron" for a layer's spikes), named in the scale.

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
    x_ticks = traitlets.List().tag(sync=True)
    y_ticks = traitlets.List().tag(sync=True)
    x_title = traitlets.Unicode("").tag(sync=True)
    y_title = traitlets.Unicode("").tag(sync=True)
    on_name = traitlets.Unicode("ON").tag(sync=True)
    off_name = traitlets.Unicode("OFF").tag(sync=True)
    vmax = traitlets.Int(0).tag(sync=True)
    scale_text = traitlets.Unicode("").tag(sync=True)

    def __init__(
        self, *, max_cells: int = MAX_CELLS, axes: bool = True, unit: str = "event", cell: str = "pixel", **kwargs: Any
    ):
        owner = type(self).__name__
        if not isinstance(axes, bool):
            raise TypeError(f"{owner}: axes must be a bool, got {describe(axes)}")
        for name, value in (("unit", unit), ("cell", cell)):
            if not isinstance(value, str) or not value:
                raise TypeError(f"{owner}: {name} must be a non-empty str, got {describe(value)}")
        max_cells = check_int(owner, "max_cells", max_cells, minimum=1)
        super().__init__(**kwargs)
        self.max_cells = max_cells
        self.axes = axes
        self.unit = unit
        self.cell = cell
        self.factor = 1

    def set_counts(self, on: torch.Tensor, off: torch.Tensor | None = None) -> None:
        """Encode ``on`` (and ``off``) count images on their device and send them in one update."""
        cells, self.factor, vmax = _encode("EventCanvas.set_counts", on, off, self.max_cells)
        payload = cells.cpu().numpy().tobytes()
        rows, cols = int(cells.shape[0]), int(cells.shape[1])
        height, width = (int(n) for n in on.shape)
        with self.hold_sync():
            self.rows, self.cols = rows, cols
            self.cells = payload
            if self.axes:  # a one-row sensor (SHD's 700 channels) has no y to show
                self.x_ticks = pixel_ticks(width, self.factor, cols)
                self.y_ticks = pixel_ticks(height, self.factor, rows) if height > 1 else []
                self.x_title = "x (pixel)"
                self.y_title = "y (pixel, 0 at the top)" if height > 1 else ""
            self.vmax = max(1, round(vmax)) if vmax > 0 else 0  # a count image's largest count (at least 1 if any)
            self.scale_text = self._scale_text(self.vmax)

    def _scale_text(self, vmax: int) -> str:
        """What the shades count: per pixel (or bin), from one to the brightest cell's count."""
        where = self.cell if self.factor == 1 else f"{self.factor}x{self.factor}-{self.cell} bin"
        if vmax <= 0:
            return f"no {self.unit}s in this image"
        if vmax == 1:
            colour = "; colour: its polarity" if self.off_name else ""
            return f"1 {self.unit} per marked {where}{colour}"
        colour = "; colour: the polarity with more" if self.off_name else ""
        return f"{self.unit}s per {where}: 1 (faint) to {vmax:,} (bright){colour}"

    def __repr__(self):
        return f"EventCanvas(rows={self.rows}, cols={self.cols}, factor={self.factor})"
