"""RasterView: one spike raster that a panel shows, drawn by plotly when tiny and by the canvas beyond.

Both forms are children of the view from the start and stay there; the one not in use is hidden
(``display: none``) and emptied, so switching any number of times never shows stale data and no
figure view is ever re-created from an old state. ``show(spikes, ...)`` draws data (plotly
markers with a hover label per spike up to ``canvas_cells`` cells, by default ``CANVAS_CELLS``; the
bit-packed canvas beyond, spikes drawn as ticks while a time step is at least 3 px wide); ``mark(neuron=,
t=)`` moves only the selection marks (the selected neuron's row, the selected time step) and
sends no data. Both forms label the time axis from ``t_offset`` (a window's first step), put
neuron 0 at the bottom, and carry a rate margin. A click on either form calls the callbacks
given to ``on_select`` with ``(neuron, t)``.

Shape:
    ``spikes``: ``[T, N]``, or ``{layer name: [T, n_i]}`` stacked bottom-up.

Example:
    >>> import torch
    >>> view = RasterView(canvas_cells=100)
    >>> view.show(torch.eye(8)); view.mode, view.drawn_spikes()
    ('plotly', 8)
    >>> view.show(torch.eye(20), t_offset=5); view.mode, view.drawn_spikes()
    ('canvas', 20)
"""

from collections.abc import Callable
from typing import Any

import ipywidgets as W
import numpy as np
import torch

from snnlab.checks import check_int
from snnlab.viz import plotly as vp
from snnlab.viz import style
from snnlab.viz.ticks import nice_ticks

from .canvas_raster import CanvasRaster
from .figure_widget import FigureWidget

__all__ = ["CANVAS_CELLS", "CANVAS_MAX_COLS", "CANVAS_MAX_ROWS", "RasterView"]

#: Rasters with more cells (time steps x neurons) than this are drawn on the canvas. Plotly draws one SVG
#: element per spike marker: about 5000 spikes (a 100 x 100 raster at half its cells) took 0.5-0.7 s per
#: redraw in Chromium (benchmarks/RESULTS.md), the canvas a few milliseconds.
CANVAS_CELLS = 2_000
#: The canvas form bins longer windows and bigger populations to at most this many time bins (columns)
#: and neuron bins (rows): a panel's plot area is at most about 1100 px wide and under 350 px high, so
#: finer bins are not seen. A binned window sends two planes (bins with any spike, bins where at least
#: half of the cells spiked): 72 KB for a 2000 x 2000 window, 75 KB for 10^4 neurons x 1000 steps.
CANVAS_MAX_COLS = 1_000
CANVAS_MAX_ROWS = 300

SELECTED_NEURON = dict(fillcolor="rgba(255, 165, 0, 0.35)", line=dict(color="#ff7f0e", width=1))
SELECTED_TIME = "#2ca02c"


class RasterView(W.VBox):
    """A raster that switches between a plotly FigureWidget and a :class:`CanvasRaster` by size.

    Args:
        width, height: size of the figure in CSS pixels (both forms; narrower output areas shrink it).
        canvas_cells: rasters with more cells (time steps x neurons) are drawn on the canvas.
        rate_margin: draw each neuron's firing rate on the right.

    Shape:
        ``show``: ``[T, N]`` or ``{name: [T, n_i]}``.

    Example:
        >>> import torch
        >>> view = RasterView()
        >>> view.show(torch.eye(4), title="four neurons"); view.mark(neuron=2, t=1)
        >>> [s.type for s in view.figure.layout.shapes]
        ['line', 'rect']
    """

    def __init__(
        self, *, width: int = 720, height: int = 420, canvas_cells: int = CANVAS_CELLS, rate_margin: bool = True
    ):
        super().__init__()
        self.canvas_cells = check_int("RasterView", "canvas_cells", canvas_cells, minimum=0)
        self.rate_margin = bool(rate_margin)
        self.figure = FigureWidget(vp.raster(torch.zeros(0, 0), rate_margin=self.rate_margin))
        self.figure.layout.update(
            width=int(width), height=int(height), margin=dict(l=64, r=12, t=36, b=style.AXIS_ROOM)
        )
        self.canvas = CanvasRaster(
            width=int(width),
            height=int(height),
            on_color=style.SPIKE,
            max_rows=CANVAS_MAX_ROWS,
            max_cols=CANVAS_MAX_COLS,
            layout=W.Layout(display="none"),
        )
        vp.trace(self.figure, "spikes").on_click(self._on_figure_click)
        self.canvas.observe(self._on_canvas_click, names="clicked")
        self.mode = "plotly"
        self.t_offset = 0
        self.n_steps = 0
        self.n_neurons = 0
        self._figure_shapes = ()
        self._callbacks = []
        self.figure_box = W.Box([self.figure])  # a FigureWidget's own .layout is plotly's: hide its box
        self.figure_box.add_class("snnlab-raster-plotly")
        self.children = (self.figure_box, self.canvas)

    # ----------------------------------------------------------------------------- data
    def show(self, spikes: torch.Tensor | dict[str, torch.Tensor], *, t_offset: int = 0, title: str = "") -> None:
        """Draw ``spikes`` (``[T, N]`` or ``{name: [T, n_i]}``; the first row is step ``t_offset``).

        The marks are cleared; call ``mark`` after ``show`` to draw the selection.
        """
        layers = spikes if isinstance(spikes, dict) else None
        matrix = torch.cat([s.reshape(s.shape[0], -1) for s in spikes.values()], dim=1) if layers else spikes
        if not isinstance(matrix, torch.Tensor) or matrix.dim() != 2:
            raise ValueError(f"RasterView.show: spikes must be a [T, N] tensor or a dict of them, got {spikes!r:.80}")
        t_offset = check_int("RasterView.show", "t_offset", t_offset, minimum=0)
        steps, neurons = matrix.shape
        self.t_offset, self.n_steps, self.n_neurons = t_offset, int(steps), int(neurons)
        mode = "canvas" if steps * neurons > self.canvas_cells else "plotly"
        if mode != self.mode:  # show the new form; hide and empty the old one: no view keeps old data
            shown, hidden = (self.canvas, self.figure_box) if mode == "canvas" else (self.figure_box, self.canvas)
            shown.layout.display = None
            hidden.layout.display = "none"
            if mode == "canvas":
                self._fill_figure(torch.zeros(0, 0), 0, "")
            else:
                self.canvas.set_spikes(torch.zeros(0, 0))
            self.mode = mode
        if mode == "canvas":
            offsets, start = [], 0
            for name, seq in (layers or {}).items():
                offsets.append((start, name))
                start += seq.reshape(seq.shape[0], -1).shape[1]
            with self.canvas.hold_sync():
                self.canvas.set_spikes(matrix, t_offset=t_offset, rate_margin=self.rate_margin, layers=offsets)
                self.canvas.title = title
                self.canvas.highlight, self.canvas.selected_row = [], -1
        else:
            self._fill_figure(layers if layers else matrix, t_offset, title)

    def _fill_figure(self, spikes, t_offset, title):
        fig = self.figure
        layout: Any = fig.layout  # plotly's generated layout classes are untyped
        with fig.batch_update():
            vp.raster(spikes, rate_margin=self.rate_margin, fig=fig)
            self._figure_shapes = tuple(layout.shapes)  # the figure's own (layer separators)
            layout.title.text = title
            if self.n_steps:
                ticks = nice_ticks(t_offset, t_offset + self.n_steps - 1, 10, integer=True)
                layout.xaxis.update(
                    tickmode="array", tickvals=[v - t_offset for v in ticks], ticktext=[str(v) for v in ticks]
                )
            if not isinstance(spikes, dict) and self.n_neurons:
                ticks = nice_ticks(0, self.n_neurons - 1, 10, integer=True)
                layout.yaxis.update(tickmode="array", tickvals=ticks, ticktext=[str(v) for v in ticks])
            layout.yaxis.title.text = "neuron (0 at the bottom)" if not isinstance(spikes, dict) else "layer"
            layout.shapes = self._figure_shapes

    # ----------------------------------------------------------------------------- marks
    def mark(self, *, neuron: int | None = None, t: int | None = None) -> None:
        """Mark the selected ``neuron`` (its row) and time step ``t`` (absolute); None: no mark."""
        # the step inside the shown window (relative to its start) and the neuron shown, else None
        x = t - self.t_offset if t is not None and self.t_offset <= t < self.t_offset + self.n_steps else None
        row = neuron if neuron is not None and 0 <= neuron < self.n_neurons else None
        if self.mode == "canvas":
            canvas = self.canvas
            with canvas.hold_sync():
                column = None if x is None else x // canvas.t_factor
                canvas.highlight = [] if column is None else [column, column + 1]
                canvas.selected_row = -1 if row is None else row // canvas.n_factor
            return
        marks = []
        if x is not None:
            line = dict(color=SELECTED_TIME, width=1.5)
            marks.append(dict(type="line", xref="x", yref="paper", x0=x, x1=x, y0=0, y1=1, line=line))
        if row is not None:
            marks.append(dict(type="rect", xref="paper", yref="y", x0=0, x1=1, y0=row - 0.5, y1=row + 0.5))
            marks[-1].update(SELECTED_NEURON)
        self.figure.layout.shapes = self._figure_shapes + tuple(marks)

    # ----------------------------------------------------------------------------- what is drawn
    def drawn_spikes(self) -> int:
        """The number of spikes (or spiking image cells) the form in use holds now."""
        if self.mode == "canvas":
            return self.canvas.spike_count()
        markers = vp.trace(self.figure, "spikes").x
        layout: Any = self.figure.layout  # plotly's generated layout classes are untyped
        image = layout.images[0]
        if image.visible:
            return -1  # drawn as an image: counts are not kept
        return 0 if markers is None else int(np.asarray(markers).size)

    # ----------------------------------------------------------------------------- clicks
    def on_select(self, callback: Callable[[int, int], object]) -> None:
        """Call ``callback(neuron, t)`` when a spike (plotly) or a cell (canvas) is clicked in the browser."""
        self._callbacks.append(callback)

    def _emit(self, neuron, t):
        for callback in self._callbacks:
            callback(neuron, t)

    def _on_figure_click(self, trace, points, selector=None):
        if points.xs:
            self._emit(int(points.ys[0]), round(points.xs[0]) + self.t_offset)

    def _on_canvas_click(self, change):
        cell = change["new"]
        if cell and "row" in cell and "col" in cell:
            neuron = min(int(cell["row"]) * self.canvas.n_factor, max(self.n_neurons - 1, 0))
            t = min(self.t_offset + int(cell["col"]) * self.canvas.t_factor, self.t_offset + self.n_steps - 1)
            self._emit(neuron, t)

    def __repr__(self):
        return f"RasterView(mode={self.mode!r}, steps={self.n_steps}, neurons={self.n_neurons})"
