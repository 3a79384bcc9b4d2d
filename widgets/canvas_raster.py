"""CanvasRaster: a small anywidget that draws big spike rasters on a <canvas> from bit-packed bytes.

A ``[T, N]`` raster is turned into bits on the tensor's own device (``spikes != 0``), transposed
to ``[N, T]`` (a row per neuron, time to the right), binned by "any spike" when longer than
``max_cols`` time bins or ``max_rows`` neurons, packed with :func:`snnlab.bitpack.packbits`
(``numpy.packbits`` order: big-endian, row-major, no per-row padding) and sent as one binary
buffer: 125 KB for a 1000 x 1000 raster. The browser side (``canvas_raster.js``) paints one
pixel per cell; neuron 0 is the bottom row.

Shape:
    ``set_spikes(spikes)``: ``[T, N]`` -> ``rows = ceil(N / fn)``, ``cols = ceil(T / t_factor)``.

Example:
    >>> import torch
    >>> from widgets.canvas_raster import CanvasRaster
    >>> w = CanvasRaster()
    >>> w.set_spikes(torch.eye(4, 3))
    >>> w
    CanvasRaster(rows=3, cols=4, t_factor=1, n_factor=1)
    >>> list(w.bits)  # rows: neuron 0 = 1000, neuron 1 = 0100, neuron 2 = 0010
    [132, 32]
"""

import pathlib

import anywidget
import numpy as np
import torch
import traitlets

from snnlab._checks import check_int, describe
from snnlab.bitpack import packbits
from snnlab.viz._data import IMAGE_MAX_COLS, IMAGE_MAX_ROWS, bin_any, bin_factor

__all__ = ["CanvasRaster"]


class CanvasRaster(anywidget.AnyWidget):
    """A raster drawn from bit-packed spikes on a canvas (time on x, neuron on y, neuron 0 at the bottom).

    Traits (synced): ``bits`` (bytes, packed ``[rows, cols]`` bool matrix), ``rows``, ``cols``,
    ``on_color`` / ``off_color`` (CSS colours of spike / no-spike cells), ``highlight``
    (``[start, stop)`` column window tinted with ``highlight_color``, or ``[]``), ``height``
    (CSS pixels) and ``clicked`` (``{"row": neuron bin, "col": time bin}`` set by the browser
    on a click: time step ``col * t_factor``, neuron ``row * n_factor``). ``t_factor`` / ``n_factor`` (not synced) are the bin factors of the last update.

    Shape:
        ``set_spikes``: ``[T, N]``.

    Example:
        >>> import torch
        >>> w = CanvasRaster(on_color="#1f77b4", height=200)
        >>> w.set_spikes(torch.ones(10, 2)); (w.rows, w.cols, len(w.bits))
        (2, 10, 3)
    """

    _esm = pathlib.Path(__file__).with_name("canvas_raster.js")
    bits = traitlets.Bytes(b"").tag(sync=True)
    rows = traitlets.Int(0).tag(sync=True)
    cols = traitlets.Int(0).tag(sync=True)
    on_color = traitlets.Unicode("#000000").tag(sync=True)
    off_color = traitlets.Unicode("#ffffff").tag(sync=True)
    highlight = traitlets.List(traitlets.Int(), default_value=[]).tag(sync=True)
    highlight_color = traitlets.Unicode("rgba(255, 165, 0, 0.3)").tag(sync=True)
    height = traitlets.Int(300).tag(sync=True)
    clicked = traitlets.Dict().tag(sync=True)

    def __init__(self, spikes=None, *, max_rows=IMAGE_MAX_ROWS, max_cols=IMAGE_MAX_COLS, **kwargs):
        super().__init__(**kwargs)
        self.max_rows = check_int("CanvasRaster", "max_rows", max_rows, minimum=1)
        self.max_cols = check_int("CanvasRaster", "max_cols", max_cols, minimum=1)
        self.t_factor = 1
        self.n_factor = 1
        if spikes is not None:
            self.set_spikes(spikes)

    @traitlets.validate("highlight")
    def _check_highlight(self, proposal):
        value = list(proposal["value"])
        if len(value) not in (0, 2) or (len(value) == 2 and value[1] < value[0]):
            raise traitlets.TraitError(
                f"CanvasRaster: highlight must be [] or [start, stop] with stop >= start, got {value!r}"
            )
        return value

    def set_spikes(self, spikes):
        """Pack ``spikes`` ``[T, N]`` on its device and send them in one update (bits, rows, cols together).

        Shape:
            ``spikes``: ``[T, N]`` (tensor or numpy array; nonzero = spike).

        Example:
            >>> import torch
            >>> w = CanvasRaster(max_cols=2)
            >>> w.set_spikes(torch.tensor([[1], [0], [0], [0]])); (w.cols, w.t_factor, list(w.bits))
            (2, 2, [128])
        """
        if isinstance(spikes, np.ndarray):
            spikes = torch.from_numpy(np.ascontiguousarray(spikes))
        if not isinstance(spikes, torch.Tensor):
            raise TypeError(
                f"CanvasRaster.set_spikes: spikes must be a torch.Tensor or a numpy array, got {describe(spikes)}"
            )
        if spikes.dim() != 2:
            raise ValueError(
                f"CanvasRaster.set_spikes: spikes must be a 2-D [T, N] (time x neuron) array, "
                f"got shape {list(spikes.shape)}"
            )
        steps, neurons = spikes.shape
        cells = spikes.detach()
        cells = cells if cells.dtype == torch.bool else cells != 0
        cells = bin_any(bin_any(cells, 0, self.max_cols), 1, self.max_rows)  # [T', N'] time and neuron bins
        cells = cells.t().contiguous()  # [N', T'] a row per neuron
        packed = packbits(cells.reshape(-1)) if cells.numel() else cells.new_zeros(0, dtype=torch.uint8)
        payload = packed.cpu().numpy().tobytes()
        self.t_factor = bin_factor(steps, self.max_cols)
        self.n_factor = bin_factor(neurons, self.max_rows)
        with self.hold_sync():
            self.rows, self.cols = int(cells.shape[0]), int(cells.shape[1])
            self.bits = payload

    def __repr__(self):
        return f"CanvasRaster(rows={self.rows}, cols={self.cols}, t_factor={self.t_factor}, n_factor={self.n_factor})"
