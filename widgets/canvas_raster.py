"""CanvasRaster: an anywidget that draws big spike rasters on a <canvas> from bit-packed bytes, as a full figure.

A ``[T, N]`` raster is turned into bits on the tensor's own device (``spikes != 0``), transposed
to ``[N, T]`` (a row per neuron, time to the right), packed with :func:`snnlab.bitpack.packbits`
(``numpy.packbits`` order: big-endian, row-major, no per-row padding) and sent as one binary
buffer: 125 KB for a 1000 x 1000 raster. Longer than ``max_cols`` time steps or more than
``max_rows`` neurons, it is binned, and two planes travel: the bins holding any spike, and the
bins in which at least half of the cells spiked (``dense``); the canvas draws the first light and
the second dark, so a busy population does not turn into a solid block. Each neuron bin's firing
rate travels beside it as float32 bytes (4 KB for 1000 rows).

The browser side (``canvas_raster.js``) draws a figure ``height`` CSS pixels high and as wide as
its box (``width`` when the box is narrower than 200 px; a panel's box follows the output area): the raster image in a plot area with a time
axis (bottom) and a neuron axis (left, neuron 0 at the bottom, as in the plotly raster), ticks
chosen from the range (at most about ten per axis), axis titles, a rate margin on the right,
the selected neuron's row and the selected time step highlighted. The image is decoded once per
new ``bits``; a change of the selection only repaints the marks.

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
from collections.abc import Sequence
from typing import Any

import anywidget
import numpy as np
import torch
import traitlets

from snnlab.bitpack import packbits
from snnlab.checks import check_int, describe
from snnlab.viz.data import IMAGE_MAX_COLS, IMAGE_MAX_ROWS, bin_counts, bin_factor

__all__ = ["CanvasRaster"]


class CanvasRaster(anywidget.AnyWidget):
    """A raster figure drawn from bit-packed spikes on a canvas (time on x, neuron on y, neuron 0 at the bottom).

    Traits (synced): ``bits`` (bytes, packed ``[rows, cols]`` bool matrix: a spike, or a bin with any
    spike), ``dense`` (the same packing: bins in which at least half of the cells spiked; empty when
    not binned), ``rows``, ``cols``,
    ``t_factor`` / ``n_factor`` (time steps / neurons per bin), ``t_offset`` (the time step of
    column 0), ``n_neurons`` / ``n_steps`` (sizes before binning), ``rates`` (float32 bytes, the
    firing rate of each row; empty: no rate margin), ``layers`` (``[[first_neuron, name], ...]``:
    dashed separators and names for stacked layers), ``on_color`` / ``off_color`` (CSS colours of
    spike / no-spike cells), ``highlight`` (``[start, stop)`` column window tinted with
    ``highlight_color``, or ``[]``: the selected time), ``selected_row`` (row bin of the selected
    neuron, -1 for none), ``title``, ``width`` / ``height`` (CSS pixels of the whole figure) and
    ``clicked`` (``{"row": neuron bin, "col": time bin}`` set by the browser on a click inside the
    plot area: time step ``t_offset + col * t_factor``, neuron ``row * n_factor``).

    Shape:
        ``set_spikes``: ``[T, N]``.

    Example:
        >>> import torch
        >>> w = CanvasRaster(on_color="#1f77b4", height=200)
        >>> w.set_spikes(torch.ones(10, 2)); (w.rows, w.cols, len(w.bits), len(w.rates))
        (2, 10, 3, 8)
    """

    _esm = pathlib.Path(__file__).with_name("canvas_raster.js")
    bits = traitlets.Bytes(b"").tag(sync=True)
    dense = traitlets.Bytes(b"").tag(sync=True)
    rows = traitlets.Int(0).tag(sync=True)
    cols = traitlets.Int(0).tag(sync=True)
    t_factor = traitlets.Int(1).tag(sync=True)
    n_factor = traitlets.Int(1).tag(sync=True)
    t_offset = traitlets.Int(0).tag(sync=True)
    n_neurons = traitlets.Int(0).tag(sync=True)
    n_steps = traitlets.Int(0).tag(sync=True)
    rates = traitlets.Bytes(b"").tag(sync=True)
    layers = traitlets.List(default_value=[]).tag(sync=True)
    on_color = traitlets.Unicode("#000000").tag(sync=True)
    off_color = traitlets.Unicode("#ffffff").tag(sync=True)
    highlight = traitlets.List(traitlets.Int(), default_value=[]).tag(sync=True)
    highlight_color = traitlets.Unicode("rgba(44, 160, 44, 0.6)").tag(sync=True)
    selected_row = traitlets.Int(-1).tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    width = traitlets.Int(720).tag(sync=True)
    height = traitlets.Int(420).tag(sync=True)
    clicked = traitlets.Dict().tag(sync=True)

    def __init__(
        self,
        spikes: torch.Tensor | np.ndarray | None = None,
        *,
        max_rows: int = IMAGE_MAX_ROWS,
        max_cols: int = IMAGE_MAX_COLS,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.max_rows = check_int("CanvasRaster", "max_rows", max_rows, minimum=1)
        self.max_cols = check_int("CanvasRaster", "max_cols", max_cols, minimum=1)
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

    def set_spikes(
        self,
        spikes: torch.Tensor | np.ndarray,
        *,
        t_offset: int = 0,
        rate_margin: bool = True,
        layers: Sequence[tuple[int, str]] = (),
    ) -> None:
        """Pack ``spikes`` ``[T, N]`` on its device and send them in one update (bits, sizes, rates together).

        ``t_offset`` is the time step of the first row of ``spikes`` (a window's start: the time axis
        is labelled from there); ``rate_margin`` sends each row's firing rate for the margin;
        ``layers`` (``[(first_neuron, name), ...]``) marks stacked layers.

        Shape:
            ``spikes``: ``[T, N]`` (tensor or numpy array; nonzero = spike).

        Example:
            >>> import torch
            >>> w = CanvasRaster(max_cols=2)
            >>> w.set_spikes(torch.tensor([[1], [0], [0], [0]]), t_offset=5); (w.cols, w.t_factor, list(w.bits))
            (2, 2, [128])
            >>> np.frombuffer(w.rates, dtype=np.float32).tolist(), list(w.dense)  # 1 of 2 cells: half
            ([0.25], [128])
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
        t_offset = check_int("CanvasRaster.set_spikes", "t_offset", t_offset, minimum=0)
        marks = [[int(start), str(name)] for start, name in layers]
        steps, neurons = spikes.shape
        cells = spikes.detach()
        cells = cells if cells.dtype == torch.bool else cells != 0
        n_factor = bin_factor(neurons, self.max_rows)
        t_factor = bin_factor(steps, self.max_cols)
        binned = t_factor * n_factor > 1 and cells.numel() > 0
        counts = bin_counts(cells, t_factor, n_factor) if binned else cells  # [T', N'] spikes per bin
        rates = b""
        if rate_margin and steps and neurons:
            # each row bin's mean rate: its spikes over all steps / (steps x its neurons), from the bins' counts
            # (a float sum over time; a bool or integer column sum is several times slower in torch)
            per_row = counts.to(torch.float64).sum(dim=0)
            sizes = torch.full_like(per_row, float(n_factor))
            sizes[-1] = neurons - (sizes.numel() - 1) * n_factor  # the last bin may hold fewer neurons
            rates = (per_row / (sizes * steps)).cpu().numpy().astype(np.float32).tobytes()
        dense = b""
        if binned:
            cells = counts > 0
            dense = _packed((2 * counts >= t_factor * n_factor).t())
        payload = _packed(cells.t())  # [N', T'] a row per neuron
        with self.hold_sync():
            self.t_factor = t_factor
            self.n_factor = n_factor
            self.t_offset, self.n_steps, self.n_neurons = t_offset, int(steps), int(neurons)
            self.rows, self.cols = int(cells.shape[1]), int(cells.shape[0])  # cells: [T', N']
            self.rates = rates
            self.layers = marks
            self.dense = dense
            self.bits = payload

    def spike_count(self) -> int:
        """The number of set cells in ``bits`` (spikes, or spiking bins when binned): what the canvas draws.

        Example:
            >>> import torch
            >>> CanvasRaster(torch.eye(5)).spike_count()
            5
        """
        total = self.rows * self.cols
        return int(np.unpackbits(np.frombuffer(self.bits, dtype=np.uint8))[:total].sum())

    def __repr__(self):
        return f"CanvasRaster(rows={self.rows}, cols={self.cols}, t_factor={self.t_factor}, n_factor={self.n_factor})"


def _packed(cells: torch.Tensor) -> bytes:
    """A bool ``[rows, cols]`` matrix as numpy.packbits bytes (row-major, big-endian, no row padding)."""
    flat = cells.contiguous().reshape(-1)
    return (packbits(flat) if flat.numel() else flat.new_zeros(0, dtype=torch.uint8)).cpu().numpy().tobytes()
