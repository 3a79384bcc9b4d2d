"""Static previews of the panels: a matplotlib Figure of what a panel's figures show now, and its PNG.

A panel shows plotly FigureWidgets and canvases, which only a live kernel with the widget manager can
draw. ``preview_figure(panel)`` redraws the same content with the matplotlib twins of
``snnlab.viz.mpl`` (from the panel's current ``result``; canvases from the cells they hold), with the
status line as a caption; ``preview_png`` renders it once, small (``DPI`` dots per inch, a reduced
palette). ``Panel._repr_mimebundle_`` puts that PNG beside the widget view, so renderers without the
widget manager (GitHub, nbviewer, ``jupyter nbconvert --to html``, a notebook opened untrusted)
show the picture instead of a one-line repr.

Each panel class has one drawing function here, found through the class' method resolution order
(a subclass of a panel is previewed as that panel); ``has_preview`` says whether one exists.

Shape:
    not applicable (figures of widgets).

Example:
    >>> import torch
    >>> from widgets import DelayExplorer
    >>> panel = DelayExplorer(x_seq=torch.tensor([1., 0., 1., 0.]), delay_steps=1, device="cpu")
    >>> fig = preview_figure(panel)
    >>> [ax.get_xlabel() for ax in fig.axes][:1], preview_png(panel)[:8]
    (['time step'], b'\\x89PNG\\r\\n\\x1a\\n')
"""

import io
from collections.abc import Callable
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter
from PIL import Image

from snnlab.viz import mpl as vm

from ._panel import Panel
from .delay_explorer import DelayExplorer, DelayResult
from .event_canvas import EventCanvas
from .event_viewer import EventViewer
from .neuron_playground import NeuronPlayground, NeuronResult
from .raster_explorer import RasterExplorer, RasterResult
from .similarity_explorer import SimilarityExplorer, SimilarityPanelResult
from .spike_debugger import DebugResult, SpikeDebugger, _map_layout  # the live map's layout of a layer
from .training_dashboard import TrainingDashboard, TrainingResult

__all__ = ["DPI", "figure_png", "has_preview", "preview_figure", "preview_png"]

DPI = 100  #: dots per inch of the PNG (a 7 x 3 inch preview is 700 x 300 pixels)
COLORS = 128  #: palette size of the PNG (figures have few colours; an adaptive palette keeps them)
CAPTION_COLOR = "#555555"
ERROR_COLOR = "#b00020"
SELECTED_NEURON = "#ff7f0e"
SELECTED_TIME = "#2ca02c"

Drawer = Callable[[Panel, Figure], None]


def _size(
    fig: Figure,
    width: float,
    height: float,
    *,
    left: float = 0.65,
    right: float = 0.2,
    top: float = 0.35,
    bottom: float = 0.75,
    wspace: float = 0.35,
    hspace: float = 0.6,
) -> None:
    """Size ``fig`` (inches) and fix its margins in inches (no layout engine: it would double the drawing time)."""
    fig.set_size_inches(width, height)
    fig.subplots_adjust(
        left=left / width,
        right=1 - right / width,
        top=1 - top / height,
        bottom=bottom / height,
        wspace=wspace,
        hspace=hspace,
    )


def _no_result(fig: Figure, panel: Panel) -> None:
    ax = fig.subplots()
    ax.set_axis_off()
    ax.text(0.5, 0.5, f"{type(panel).__name__}: nothing computed yet", ha="center", va="center", color="#888888")


def _axes_row(fig: Figure, n: int, widths: list[float] | None = None) -> list[Axes]:
    """``n`` axes side by side (relative ``widths``)."""
    axes = fig.subplots(1, n, gridspec_kw={"width_ratios": widths} if widths else None, squeeze=False)
    return list(axes[0])


# ----------------------------------------------------------------------------- one function per panel
def _delay(panel: Panel, fig: Figure) -> None:
    result = panel.result
    if not isinstance(result, DelayResult):
        return _no_result(fig, panel)
    _size(fig, 7.0, 3.0, right=0.7)
    ax = fig.subplots()
    vm.delay_effect(ax, result.x_seq, result.y_seq, result.delay_steps, channel=result.channel)
    grad = result.grad.reshape(result.grad.shape[0], -1)[:, result.channel].numpy().astype(np.float64)
    grad_ax = ax.twinx()  # what the gradient sees, as bars on their own axis (as the panel draws them)
    grad_ax.bar(np.arange(grad.size), grad, width=0.8, color=SELECTED_TIME, alpha=0.3, label="gradient reaching x[t]")
    top = max(float(np.abs(grad).max(initial=0.0)), 1.0)
    grad_ax.set_ylim(0.0, 1.5 * top)
    grad_ax.set_yticks([0.0, top], ["0", f"{top:g}"])
    grad_ax.set_ylabel("gradient")


def _playground(panel: Panel, fig: Figure) -> None:
    result = panel.result
    if not isinstance(result, NeuronResult):
        return _no_result(fig, panel)
    _size(fig, 7.5, 2.8, wspace=0.2)
    trace_ax, surrogate_ax = _axes_row(fig, 2, [2.2, 1.0])
    # v_reset=None (soft reset) is documented by membrane_trace; its annotation says float
    v_reset: Any = result.v_reset
    vm.membrane_trace(trace_ax, result.v_seq, result.spikes, result.v_threshold, v_reset, h=result.h_seq)
    a = result.compare
    if a is not None:  # compare mode: the pinned configuration A as a grey line under B
        steps = np.arange(a.v_seq.shape[0])
        trace_ax.plot(steps, a.v_seq.reshape(-1).numpy(), color="#7f7f7f", lw=1.0, ls="--", label=f"A: {a.label}")
        trace_ax.legend(loc="upper right", fontsize=7)
    if result.label:
        trace_ax.set_title(result.label, fontsize=8)
    vm.surrogate(surrogate_ax, result.surrogate_function)


def _raster_axes(fig: Figure, n_side: int, ratio: float) -> tuple[Axes, list[Axes]]:
    """A raster axes on the left (``ratio`` times as wide) and ``n_side`` axes stacked on its right."""
    grid = fig.add_gridspec(n_side, 2, width_ratios=[ratio, 1.0])
    side = [fig.add_subplot(grid[i, 1]) for i in range(n_side)]
    return fig.add_subplot(grid[:, 0]), side


def _raster_explorer(panel: Panel, fig: Figure) -> None:
    result = panel.result
    if not isinstance(result, RasterResult):
        return _no_result(fig, panel)
    _size(fig, 8.0, 3.3, right=0.85, top=0.45, wspace=0.55)
    raster_ax, (first_ax,) = _raster_axes(fig, 1, 1.9)
    first, last = result.window
    vm.raster(raster_ax, result.spikes[first : last + 1], rate_margin=True)
    raster_ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{x + first:g}"))  # absolute steps
    if first <= result.t <= last:
        raster_ax.axvline(result.t - first, color=SELECTED_TIME, lw=1.2)
    if result.neuron is not None:
        raster_ax.axhspan(result.neuron - 0.5, result.neuron + 0.5, color=SELECTED_NEURON, alpha=0.35, lw=0)
    count = int(result.spikes[first : last + 1].sum())
    raster_ax.set_title(f"steps {first}-{last}: {count} spikes; t={result.t}: {result.active_at_t} active", fontsize=8)
    image = vm.first_spike_map(first_ax, result.first_spike_times, t_max=max(last, 1))
    grid = image.get_array() if isinstance(image, AxesImage) else None  # a Text when nothing to draw
    if result.neuron is not None and grid is not None:  # the selected neuron's cell, as the panel marks it
        row, col = divmod(result.neuron, grid.shape[1])
        first_ax.add_patch(Rectangle((col - 0.5, row - 0.5), 1.0, 1.0, fill=False, edgecolor=SELECTED_NEURON, lw=2.0))


def _debugger(panel: Panel, fig: Figure) -> None:
    result = panel.result
    if not isinstance(result, DebugResult) or not isinstance(panel, SpikeDebugger):
        return _no_result(fig, panel)
    _size(fig, 7.5, 5.4, right=0.75, wspace=0.45, hspace=0.45)
    grid = fig.add_gridspec(2, 2, height_ratios=[1.2, 1.0])
    raster_ax, hist_ax, first_ax = (
        fig.add_subplot(grid[0, :]),
        fig.add_subplot(grid[1, 0]),
        fig.add_subplot(grid[1, 1]),
    )
    name, sample = panel.layer.value, panel.sample.value
    spikes = result.records[name][:, sample]
    if panel.all_layers.value:
        shown = {n: seq[:, sample].reshape(seq.shape[0], -1) for n, seq in result.records.items()}
        vm.raster(raster_ax, shown, rate_margin=True)
        raster_ax.set_title(f"every layer, sample {sample}", fontsize=8)
    else:
        vm.raster(raster_ax, spikes.reshape(spikes.shape[0], -1), rate_margin=True)
        raster_ax.set_title(f"layer {name!r}, sample {sample}", fontsize=8)
    vm.firing_rate_histogram(hist_ax, result.report[name].rates)
    vm.first_spike_map(first_ax, _map_layout(result.first_spike[name][sample]), t_max=spikes.shape[0] - 1)


def _dashboard(panel: Panel, fig: Figure) -> None:
    if not isinstance(panel, TrainingDashboard):
        return _no_result(fig, panel)
    result, axis = panel.result, str(panel.x_axis.value)  # the x axis the live figures use
    _size(fig, 7.5, 2.8, wspace=0.3)
    loss_ax, accuracy_ax = _axes_row(fig, 2)
    runs: dict[str, dict] = {"loss": {}, "training accuracy": {}}  # before a run: "no data"
    x: dict[str, list] | None = None
    if isinstance(result, TrainingResult):
        runs = {
            "loss": {m.upper(): result.loss[m] for m in result.methods},
            "training accuracy": {m.upper(): result.accuracy[m] for m in result.methods},
        }
        x = {m.upper(): result.x_values(axis, m) for m in result.methods}
    for ax, (label, curves) in zip((loss_ax, accuracy_ax), runs.items()):
        vm.training_curves(ax, curves, x=x, xlabel=axis, ylabel=label)


def _similarity(panel: Panel, fig: Figure) -> None:
    result = panel.result
    if not isinstance(result, SimilarityPanelResult):
        return _no_result(fig, panel)
    _size(fig, 7.0, 3.0, right=0.5, wspace=0.3)
    vm.similarity_matrix(_axes_row(fig, 2), result.predicted, result.target, loss=result.loss)


def _canvas_image(canvas: EventCanvas) -> np.ndarray:
    """The RGB image an EventCanvas draws: each cell its ON or OFF colour, faded by its brightness."""
    cells = np.frombuffer(canvas.cells, dtype=np.uint8).reshape(canvas.rows, canvas.cols)
    level = (cells & 127).astype(np.float64)[..., None] / 127.0
    on = (cells & 128).astype(bool)[..., None]
    color = np.where(on, np.array(to_rgb(canvas.on_color)), np.array(to_rgb(canvas.off_color)))
    background = np.array(to_rgb(canvas.background))
    return background + level * (color - background)


def _event_viewer(panel: Panel, fig: Figure) -> None:
    canvases = [c for c in panel.figures_box.children if isinstance(c, EventCanvas)]
    _size(fig, 3.4 * max(len(canvases), 1), 3.8, left=0.6, bottom=1.05, wspace=0.3)
    for ax, canvas in zip(_axes_row(fig, max(len(canvases), 1)), canvases, strict=False):
        if canvas.rows and canvas.cols:  # square cells, unless the image is a strip (a one-row sensor)
            square = 0.25 <= canvas.cols / canvas.rows <= 4
            ax.imshow(_canvas_image(canvas), interpolation="nearest", aspect="equal" if square else "auto")
        ax.set_title(canvas.title, fontsize=8)
        # the canvas's own axes: a tick's place runs from 0 to 1 over the image, whose cells sit at 0, 1, ...
        ax.set_xticks([where * canvas.cols - 0.5 for where, _ in canvas.x_ticks], [t for _, t in canvas.x_ticks])
        ax.set_yticks([where * canvas.rows - 0.5 for where, _ in canvas.y_ticks], [t for _, t in canvas.y_ticks])
        ax.tick_params(labelsize=7)
        ax.set_xlabel(canvas.x_title, fontsize=7)
        ax.set_ylabel(canvas.y_title, fontsize=7)
        ax.text(0, -0.2 if canvas.x_ticks else -0.04, canvas.scale_text, transform=ax.transAxes, fontsize=7,
                va="top", wrap=True)  # fmt: skip


DRAWERS: dict[type, Drawer] = {
    DelayExplorer: _delay,
    EventViewer: _event_viewer,
    NeuronPlayground: _playground,
    RasterExplorer: _raster_explorer,
    SimilarityExplorer: _similarity,
    SpikeDebugger: _debugger,
    TrainingDashboard: _dashboard,
}


def _drawer(panel: Panel) -> Drawer | None:
    for cls in type(panel).__mro__:
        if cls in DRAWERS:
            return DRAWERS[cls]
    return None


# ----------------------------------------------------------------------------- public
def has_preview(panel: Panel) -> bool:
    """True when ``panel``'s class (or a base) has a preview drawing here.

    Example:
        >>> from widgets import SimilarityExplorer
        >>> has_preview(SimilarityExplorer(device="cpu")), has_preview(Panel(device="cpu"))
        (True, False)
    """
    return _drawer(panel) is not None


def preview_figure(panel: Panel) -> Figure:
    """A new matplotlib Figure of what ``panel``'s figures show now, with its status line as a caption.

    Drawn from ``panel.result`` with ``snnlab.viz.mpl`` (canvases from the cells they hold); the figure
    belongs to no pyplot state (nothing is shown twice in a notebook).

    Raises:
        TypeError: ``panel`` is not a Panel, or its class has no preview.

    Example:
        >>> from widgets import SimilarityExplorer
        >>> fig = preview_figure(SimilarityExplorer(device="cpu"))
        >>> len(fig.axes) >= 2, fig.get_supxlabel().startswith("ran on cpu")
        (True, True)
    """
    if not isinstance(panel, Panel):
        raise TypeError(f"preview_figure: panel must be a widgets Panel, got an object of type {type(panel).__name__}")
    drawer = _drawer(panel)
    if drawer is None:
        raise TypeError(f"preview_figure: {type(panel).__name__} has no preview (override its preview() method)")
    fig = Figure(dpi=DPI)
    drawer(panel, fig)
    for ax in fig.axes:  # a preview is small: the twins' labels at a size that fits beside their axes
        ax.xaxis.label.set_fontsize(8)
        ax.yaxis.label.set_fontsize(8)
        ax.title.set_fontsize(min(ax.title.get_fontsize(), 8.5))
        ax.tick_params(labelsize=7)
    if panel.status_text:
        color = ERROR_COLOR if panel.error is not None else CAPTION_COLOR
        fig.supxlabel(
            panel.status_text, x=0.01, y=0.02, ha="left", va="bottom", fontsize=8, family="monospace", color=color
        )
    return fig


def figure_png(fig: Figure, *, dpi: int = DPI) -> bytes:
    """``fig`` as PNG bytes, at ``dpi``, with an adaptive palette of ``COLORS`` colours (small files).

    Example:
        >>> fig = Figure(figsize=(2, 1)); _ = fig.subplots().plot([0, 1])
        >>> Image.open(io.BytesIO(figure_png(fig))).size
        (200, 100)
    """
    canvas = FigureCanvasAgg(fig)
    fig.set_dpi(dpi)
    canvas.draw()
    image = Image.fromarray(np.asarray(canvas.buffer_rgba())[..., :3])
    out = io.BytesIO()
    image.quantize(COLORS, method=Image.Quantize.FASTOCTREE).save(out, format="png")
    return out.getvalue()


def preview_png(panel: Panel) -> bytes:
    """PNG bytes of ``preview_figure(panel)`` (``DPI`` dots per inch, ``COLORS`` colours).

    Example:
        >>> from widgets import SimilarityExplorer
        >>> Image.open(io.BytesIO(preview_png(SimilarityExplorer(device="cpu")))).size
        (700, 300)
    """
    return figure_png(panel.preview())
