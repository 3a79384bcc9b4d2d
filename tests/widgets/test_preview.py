"""Static previews: every panel's display bundle carries a PNG of its current figures beside the widget view."""

import base64
import io
import itertools
import sys
import warnings
from collections.abc import Callable
from typing import TypeVar

import ipywidgets as W
import numpy as np
import pytest
import torch
from IPython.core.formatters import DisplayFormatter
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from PIL import Image

import widgets
from snnlab import functional, layer, neuron
from snnlab.events import Events
from widgets import _preview
from widgets._panel import Panel
from widgets.delay_explorer import DelayResult
from widgets.similarity_explorer import SimilarityPanelResult
from widgets.training_dashboard import TrainingResult

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
MAX_PNG_BYTES = 60_000
T = TypeVar("T")


def _events(n: int = 2000, sensor: tuple[int, int, int] = (8, 8, 2), duration: int = 5000, seed: int = 0) -> Events:
    rng = np.random.default_rng(seed)
    columns = (np.sort(rng.integers(0, duration, n)),) + tuple(rng.integers(0, s, n) for s in sensor)
    return Events(*(torch.from_numpy(c) for c in columns))


def _spiking_net(*modules: torch.nn.Module) -> torch.nn.Sequential:
    torch.manual_seed(0)
    net = torch.nn.Sequential(*modules)
    functional.set_step_mode(net, "m")
    return net


def _debugger() -> Panel:
    net = _spiking_net(layer.Flatten(), layer.Linear(16, 12), neuron.LIFNode(), layer.Linear(12, 6), neuron.IFNode())
    x = torch.rand(10, 3, 1, 4, 4, generator=torch.Generator().manual_seed(1)) * 6.0
    return widgets.SpikeDebugger(net, x, device="cpu", throttle_ms=0)


def _event_viewer() -> widgets.EventViewer:
    net = _spiking_net(
        layer.Conv2d(2, 3, 3, padding=1), neuron.IFNode(v_threshold=0.5), layer.Flatten(), layer.Linear(192, 4)
    )
    return widgets.EventViewer(_events(), (8, 8, 2), net=net, window=1000, device="cpu", throttle_ms=0)


def _dashboard() -> Panel:
    panel = widgets.TrainingDashboard(methods=("ottt",), T=4, hidden=8, steps=2, blocking=True, device="cpu")
    panel.start()
    return panel


MAKERS: dict[str, Callable[[], Panel]] = {
    "DelayExplorer": lambda: widgets.DelayExplorer(T=30, device="cpu", throttle_ms=0),
    "EventViewer": _event_viewer,
    "NeuronPlayground": lambda: widgets.NeuronPlayground(T=40, device="cpu", throttle_ms=0),
    "RasterExplorer": lambda: widgets.RasterExplorer(N=40, T=50, device="cpu", throttle_ms=0),
    "SimilarityExplorer": lambda: widgets.SimilarityExplorer(device="cpu", throttle_ms=0),
    "SpikeDebugger": _debugger,
    "TrainingDashboard": _dashboard,
}


def _panel_classes(cls: type = Panel) -> set[type]:
    found: set[type] = set()
    for sub in cls.__subclasses__():
        # defined at module level in the widgets package (not in a doctest or a test)
        if sub.__module__.startswith("widgets.") and getattr(sys.modules[sub.__module__], sub.__name__, None) is sub:
            found |= {sub} | _panel_classes(sub)
    return found


def _bundle(panel: Panel, **kwargs: object) -> dict:
    bundle = panel._repr_mimebundle_(**kwargs)
    assert isinstance(bundle, dict)
    return bundle


def _result(panel: Panel, kind: type[T]) -> T:
    assert isinstance(panel.result, kind)
    return panel.result


def _image(ax: Axes) -> np.ndarray:
    array = ax.get_images()[0].get_array()
    assert array is not None
    return np.asarray(array)


def _png(bundle: dict) -> bytes:
    data = base64.b64decode(bundle["image/png"], validate=True)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return data


class Square(Panel):
    """A panel without a preview drawing: squares x."""

    _repr_fields = ("x",)

    def __init__(self) -> None:
        super().__init__(device="cpu", throttle_ms=0)
        self.x = W.FloatSlider(value=2.0, min=-5.0, max=5.0, description="x")
        self.set_controls([self.x])
        self.update()

    def compute(self) -> float:
        return self.x.value**2

    def render(self, result: float) -> None:
        del result  # nothing to draw


def test_every_panel_class_has_a_preview_and_a_test_here() -> None:
    classes = _panel_classes()
    assert {cls.__name__ for cls in classes} == set(MAKERS)
    assert set(_preview.DRAWERS) == classes


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_display_bundle_carries_widget_view_text_and_png(name: str) -> None:
    panel = MAKERS[name]()
    try:
        # the path IPython takes to display the last expression of a cell
        bundle, _metadata = DisplayFormatter().format(panel)
        assert bundle[WIDGET_VIEW]["model_id"] == panel.model_id
        assert bundle["text/plain"] == repr(panel)[:110] and bundle["text/plain"].startswith(f"{name}(")
        data = _png(bundle)
        assert 1_000 < len(data) <= MAX_PNG_BYTES, len(data)
        image = Image.open(io.BytesIO(data))
        image.load()
        assert 300 <= image.width <= 1000 and 200 <= image.height <= 700, image.size
        # not a blank picture: figures were drawn
        pixels = np.asarray(image.convert("L"))
        assert (pixels < 128).mean() > 0.01
    finally:
        panel.close()


def test_the_preview_follows_the_panel_state() -> None:
    panel = widgets.DelayExplorer(x_seq=torch.tensor([1.0, 0.0, 2.0, 0.0, 0.0, 0.0]), delay_steps=1, device="cpu")
    first = _png(_bundle(panel))
    panel.delay_steps.value = 3
    second = _png(_bundle(panel))
    assert first != second
    # the figure holds the current result: the delayed line is the input shifted by 3 (step drawing)
    fig = panel.preview()
    delayed = fig.axes[0].get_lines()[1].get_ydata()
    assert np.asarray(delayed).max() == 2.0 and _result(panel, DelayResult).y_seq.tolist() == [
        0.0,
        0.0,
        0.0,
        1.0,
        0.0,
        2.0,
    ]
    assert fig.get_supxlabel() == panel.status_text


def test_a_view_only_change_shows_in_the_preview() -> None:
    panel = widgets.RasterExplorer(N=30, T=40, device="cpu", throttle_ms=0)
    before = _png(_bundle(panel))
    panel.neuron.value = 7  # render-only: a mark on the raster, nothing recomputed
    after = _png(_bundle(panel))
    assert before != after
    (raster_ax,) = [ax for ax in panel.preview().axes if ax.get_title().startswith("steps 0-39")]
    assert [(p.get_y(), p.get_height()) for p in raster_ax.patches if isinstance(p, Rectangle)] == [(6.5, 1.0)]
    (first_ax,) = [ax for ax in panel.preview().axes if ax.get_title().startswith("first spike")]
    row, col = divmod(7, _image(first_ax).shape[1])  # the map lays neurons out row by row
    assert [p.get_xy() for p in first_ax.patches if isinstance(p, Rectangle)] == [(col - 0.5, row - 0.5)]


def test_dashboard_preview_draws_the_curves_on_the_panels_x_axis() -> None:
    panel = _dashboard()
    panel.x_axis.value = "optimizer steps"  # OTTT: T = 4 optimizer steps per update
    loss_ax, accuracy_ax = panel.preview().axes[:2]
    assert [line.get_xdata().tolist() for line in loss_ax.get_lines()] == [[4.0, 8.0]]
    assert loss_ax.get_xlabel() == accuracy_ax.get_xlabel() == "optimizer steps"
    result = _result(panel, TrainingResult)
    np.testing.assert_allclose(accuracy_ax.get_lines()[0].get_ydata(), result.accuracy["ottt"])


def test_similarity_preview_draws_the_result_matrices() -> None:
    panel = widgets.SimilarityExplorer(device="cpu", throttle_ms=0)
    fig = panel.preview()
    result = _result(panel, SimilarityPanelResult)
    np.testing.assert_allclose(_image(fig.axes[0]), result.predicted.numpy(), rtol=1e-6)
    np.testing.assert_allclose(_image(fig.axes[1]), result.target.numpy())
    before = _png(_bundle(panel))
    panel.kernel.value = "gaussian"
    assert _png(_bundle(panel)) != before


def test_event_viewer_preview_decodes_its_canvas_cells() -> None:
    panel = _event_viewer()
    image = _image(panel.preview().axes[0])
    cells = np.frombuffer(panel.events_canvas.cells, dtype=np.uint8).reshape(panel.events_canvas.rows, -1)
    assert image.shape[:2] == cells.shape
    white = np.all(np.isclose(image, 1.0), axis=-1)
    np.testing.assert_array_equal(white, cells & 127 == 0)  # blank exactly where the canvas has no event


def test_an_error_shows_as_a_red_caption() -> None:
    panel = widgets.DelayExplorer(x_seq=torch.ones(4), device="cpu", throttle_ms=0)
    panel.show_error(ValueError("broken on purpose"))
    fig = panel.preview()
    assert fig.get_supxlabel() == "ValueError: broken on purpose"
    (caption,) = [t for t in fig.findobj(Text) if isinstance(t, Text) and t.get_text() == fig.get_supxlabel()]
    assert caption.get_color() == _preview.ERROR_COLOR


def test_a_panel_without_a_drawing_displays_without_png() -> None:
    panel = Square()
    bundle = _bundle(panel)
    assert set(bundle) == {"text/plain", WIDGET_VIEW} and bundle["text/plain"] == "Square(x=2.0)"
    with pytest.raises(TypeError, match=r"preview_figure: Square has no preview \(override its preview\(\) method\)"):
        panel.preview()
    with pytest.raises(TypeError, match="preview_figure: panel must be a widgets Panel, got an object of type int"):
        _preview.preview_figure(3)  # type: ignore[arg-type]


def test_an_overridden_preview_is_used() -> None:
    class Drawn(Square):
        def preview(self) -> Figure:
            fig = Figure(figsize=(4, 2))
            fig.subplots().plot([0, self.x.value])
            return fig

    assert Image.open(io.BytesIO(_png(_bundle(Drawn())))).size == (400, 200)


def test_a_failing_preview_warns_and_keeps_the_widget() -> None:
    class Broken(Square):
        def preview(self) -> Figure:
            raise RuntimeError("no picture today")

    with pytest.warns(UserWarning, match=r"Broken: no static preview \(RuntimeError: no picture today\)"):
        bundle = _bundle(Broken())
    assert set(bundle) == {"text/plain", WIDGET_VIEW}


def test_excluded_png_is_not_built(monkeypatch: pytest.MonkeyPatch) -> None:
    panel = widgets.DelayExplorer(x_seq=torch.ones(4), device="cpu", throttle_ms=0)
    monkeypatch.setattr(type(panel), "preview", lambda self: pytest.fail("preview built although excluded"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert "image/png" not in _bundle(panel, exclude=["image/png"])
        assert "image/png" not in _bundle(panel, include=["text/plain"])


def test_static_preview_can_be_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    panel = widgets.DelayExplorer(x_seq=torch.ones(4), device="cpu", throttle_ms=0)
    monkeypatch.setattr(Panel, "static_preview", False)
    assert set(_bundle(panel)) == {"text/plain", WIDGET_VIEW}
    monkeypatch.setattr(Panel, "static_preview", True)
    assert "image/png" in _bundle(panel)


def test_debugger_preview_of_a_convolutional_layer_draws_one_map() -> None:
    # a [C, H, W] layer: the live panel lays its first spikes out as the panel does, and so must the preview
    net = torch.nn.Sequential(layer.Conv2d(2, 3, 3, step_mode="m"), neuron.IFNode(v_threshold=0.5, step_mode="m"))
    panel = widgets.SpikeDebugger(net, torch.rand(4, 2, 2, 6, 6), device="cpu")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a failed preview warns: make it fail here
        fig = panel.preview()
    titles = [ax.get_title() for ax in fig.axes]
    first_map = next(ax for ax in fig.axes if ax.get_title().startswith("first spike"))
    assert first_map.images, titles  # drawn as the map, not as the "no preview" warning
    assert (
        int(np.ma.count(first_map.images[0].get_array())) + int(np.ma.count_masked(first_map.images[0].get_array()))
        >= 3 * 4 * 4
    )


READABLE = {
    **MAKERS,
    # one spike per neuron: the rate column's axis ends near 0.018 (its labels ran together as "0.000.01")
    "RasterExplorer latency": lambda: widgets.RasterExplorer(encoder="latency", N=64, T=60, device="cpu"),
}


@pytest.mark.parametrize("name", sorted(READABLE))
def test_preview_tick_labels_never_overlap(name: str) -> None:
    fig = _preview.preview_figure(READABLE[name]())
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            labels = [t for t in axis.get_ticklabels() if t.get_visible() and t.get_text()]
            # at least 3 px between neighbours (labels 1 px apart read as one: "0.000.01")
            boxes = sorted(
                (t.get_window_extent(renderer).expanded(1, 1).padded(1.5) for t in labels), key=lambda b: (b.x0, b.y0)
            )
            for a, b in itertools.pairwise(boxes):
                assert not a.overlaps(b), (name, axis.axis_name, [t.get_text() for t in labels])
