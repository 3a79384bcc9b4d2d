"""FigureWidget: plotly's FigureWidget whose front-end code is loaded once per page, not once per figure.

plotly's ``go.FigureWidget`` is an anywidget whose front-end module is plotly's whole widget bundle
(about 5 MB); anywidget sends it with every figure and imports it from a fresh ``blob:`` URL, so the
browser parses and runs it again for each figure: half a second to a second and a half of blocked tab
per figure on a small machine. This subclass changes only which code arrives and how:

- a figure whose traces are all of plotly.js's cartesian types (scatter, heatmap, bar and 9 more: every
  panel's) gets plotly's widget code with plotly.js's cartesian build in place of the whole of plotly.js
  (``widgets._plotly_js``: 1.6 MB instead of 5 MB); any other figure, or ``plotly_build="full"``,
  plotly's bundle as it is;
- the bundle travels once per kernel, as the bytes of one shared model (:class:`PlotlyCode`, made
  on first use and referenced by every figure's ``_plotly_code`` trait); a page that opens later
  receives it once with the other models' states;
- each figure's own module (``figure_widget.js``, about 12 KB) imports the bundle once per page (the
  promise is kept page-wide under the bundle's digest) and then runs plotly's own widget code with
  the figure's model;
- the bundle's evaluation is one main-thread task, nearly all of it plotly.js's modules initialising
  (JupyterLab on a 2-core machine: 30-100 ms with the cartesian build, 0.08-0.43 s with the whole): it is
  compiled off the main thread (a compile hint) and runs without Error stack traces (plotly.js's
  start-up feature tests make errors, and each trace made V8 re-parse the bundle's outermost
  functions: 0.6 s);
- seven small figures are drawn off screen once per page, each in a task of its own (an empty plot,
  then one feature each: lines, a fill and legend, a heatmap with colour bar, bars, subplots with
  shapes, then all together), when the first figure is shown (not while the kernel still computes the
  panel), so that plotly's code is warm when that figure draws; each figure's first drawing is a task
  of its own, also when several figures appear at once;
- the evaluation, each warm-up and each figure's first drawing are User Timing measures ("snnlab:
  evaluate plotly", "snnlab: warm-up N", "snnlab: draw <title>"), seen in the browser's performance
  tools and read by ``benchmarks/browser.py``.

Everything else is ``go.FigureWidget``'s: ``batch_update``, ``on_click``, relayout, the messages a
figure sends and its display. One addition: ``fill_width`` (default True) makes the figure follow the
width of its output area, with its ``layout.width`` as its preferred width.

Shape:
    not applicable (a widget).

Example:
    >>> import plotly.graph_objects as go
    >>> a = FigureWidget(go.Figure(go.Scatter(x=[0, 1], y=[1, 0])))
    >>> b = FigureWidget()
    >>> isinstance(a, go.FigureWidget), a._plotly_code is b._plotly_code, len(a._esm) < 16_000
    (True, True, True)
    >>> a.plotly_build == plotly_code("cartesian").build, FigureWidget(go.Scatter3d(z=[1])).plotly_build
    (True, 'full')
    >>> (line,) = a.data
    >>> with a.batch_update():
    ...     line.y = [2, 3]
    >>> line.y
    (2, 3)
"""

import hashlib
import pathlib
import threading
from collections.abc import Mapping
from copy import deepcopy

import ipywidgets as W
import plotly.graph_objects as go
import traitlets
from plotly.basedatatypes import BaseFigure, BaseTraceType

from ._plotly_js import BUNDLE, CARTESIAN_TRACES, cartesian_bundle

__all__ = ["BUILDS", "FigureWidget", "PlotlyCode", "plotly_code"]

#: the builds of plotly's widget code a figure can load: plotly.js's cartesian build, or the whole of plotly.js
BUILDS = ("cartesian", "full")
LOADER = (pathlib.Path(__file__).parent / "figure_widget.js").read_text(encoding="utf-8")
# the synced state a view needs to draw the figure as it is now (sent again when a view asks)
RESENT = ("_widget_data", "_widget_layout", "_config", "_last_layout_edit_id", "_last_trace_edit_id", "fill_width")


class PlotlyCode(W.Widget):
    """plotly's widget code as one model: the bytes (``code``) and their SHA-256 prefix (``digest``).

    A plain model without a view (``@jupyter-widgets/base`` ``WidgetModel``); the bytes travel as one
    binary buffer. ``build`` (not synced) says which plotly.js is inside: ``"cartesian"`` or ``"full"``.
    Use :func:`plotly_code` for the kernel's shared instances.

    Shape:
        not applicable (a widget).

    Example:
        >>> code = plotly_code()
        >>> code is plotly_code(), code.build, len(code.digest), code.code[:3] != b""
        (True, 'full', 16, True)
    """

    code = traitlets.Bytes(b"").tag(sync=True)
    digest = traitlets.Unicode("").tag(sync=True)
    build = traitlets.Enum(BUILDS, "full")

    def __repr__(self) -> str:
        return f"PlotlyCode(build={self.build!r}, digest={self.digest!r}, bytes={len(self.code)})"


_shared: dict[str, PlotlyCode] = {}
_shared_lock = threading.Lock()


def _code(build: str) -> tuple[bytes, str]:
    """The bytes of ``build`` and the build they really are (the cartesian one falls back to the full one)."""
    full = BUNDLE.read_bytes()
    if build == "cartesian":
        composed = cartesian_bundle(full)
        if composed is not None:
            return composed, "cartesian"
    return full, "full"


def plotly_code(build: str = "full") -> PlotlyCode:
    """The kernel's one :class:`PlotlyCode` of ``build`` (``"cartesian"`` or ``"full"``), made on first use.

    Made again if it was closed. The cartesian build is the full one (the same instance) when plotly's
    installed bundle cannot take the shipped cartesian plotly.js (another plotly.js version).

    Shape:
        not applicable (returns a widget).

    Example:
        >>> plotly_code().digest == plotly_code("full").digest, plotly_code("cartesian").build in BUILDS
        (True, True)
    """
    if build not in BUILDS:
        raise ValueError(f"plotly_code: build must be one of {BUILDS}, got {build!r}")
    with _shared_lock:
        shared = _shared.get(build)
        if shared is None or shared.comm is None:
            code, actual = _code(build)
            shared = _shared.get(actual)
            if shared is None or shared.comm is None:
                shared = PlotlyCode(code=code, digest=hashlib.sha256(code).hexdigest()[:16], build=actual)
                _shared[actual] = shared
            _shared[build] = shared
        return shared


def _trace_types(data: object) -> set[str]:
    """The trace types of a figure argument as ``go.FigureWidget`` takes it (a figure, a dict, traces).

    A trace is a trace object (its ``plotly_name`` is its type) or a dict (plotly's default type: scatter);
    anything else is left to plotly's own errors.
    """
    if isinstance(data, BaseFigure | Mapping):
        data = data.data if isinstance(data, BaseFigure) else data.get("data")
    traces = data if isinstance(data, list | tuple) else [data]
    return {
        str(trace.plotly_name) if isinstance(trace, BaseTraceType) else str(trace.get("type", "scatter"))
        for trace in traces
        if isinstance(trace, BaseTraceType | Mapping)
    }


class FigureWidget(go.FigureWidget):
    """A plotly ``go.FigureWidget`` whose front-end bundle is sent and evaluated once per page.

    Takes what ``go.FigureWidget`` takes (a figure, or ``data`` and ``layout``) and behaves the same;
    only its front-end module is a small loader, and ``_plotly_code`` references the shared bundle.
    ``plotly_build``: ``"auto"`` (default) loads plotly.js's cartesian build when every trace of the
    figure is of a cartesian type (:data:`widgets._plotly_js.CARTESIAN_TRACES`), else the whole of
    plotly.js; ``"cartesian"`` or ``"full"`` choose. A figure on the cartesian build refuses to add a trace
    of another type (ValueError); the build in use is :attr:`plotly_build`.

    Shape:
        not applicable (a widget).

    Example:
        >>> fig = FigureWidget(layout={"title": {"text": "v"}})
        >>> fig.layout.title.text, fig._plotly_code is plotly_code("cartesian")
        ('v', True)
    """

    _esm = LOADER
    _plotly_code = traitlets.Instance(PlotlyCode).tag(sync=True, **W.widget_serialization)
    #: fill the width of the box the figure sits in: ``layout.width`` is then the preferred width (the
    #: flex basis: side by side when the preferred widths fit, growing in proportion to them, never
    #: narrower than it unless the box is) and plotly autosizes the width; False: plotly's fixed width
    fill_width = traitlets.Bool(True).tag(sync=True)

    def __init__(
        self,
        data: object = None,
        layout: object = None,
        frames: object = None,
        skip_invalid: bool = False,
        *,
        fill_width: bool = True,
        plotly_build: str = "auto",
        **kwargs: object,
    ) -> None:
        if not isinstance(fill_width, bool):
            raise TypeError(f"FigureWidget: fill_width must be a bool, got {fill_width!r}")
        if plotly_build not in ("auto", *BUILDS):
            raise ValueError(f"FigureWidget: plotly_build must be 'auto', 'cartesian' or 'full', got {plotly_build!r}")
        others = sorted(_trace_types(data) - CARTESIAN_TRACES)
        if plotly_build == "cartesian" and others:
            raise ValueError(
                f"FigureWidget: plotly_build='cartesian' cannot draw trace type(s) {others}; "
                "use plotly_build='full' (or 'auto')"
            )
        # chosen before plotly's constructor, which opens the model and sends _plotly_code
        self._build = "full" if plotly_build == "full" or others else "cartesian"
        super().__init__(data=data, layout=layout, frames=frames, skip_invalid=skip_invalid, **kwargs)
        self.fill_width = fill_width
        self.on_msg(self._on_frontend_message)

    def _on_frontend_message(self, _widget: object, content: object, _buffers: object) -> None:
        """Answer a view that asks for the figure: send the whole figure again, then say so.

        The front end asks (``{"snnlab": "resend state"}``) when an edit of the figure reached its
        model before plotly's code was there to apply it (the first figures of a page, while plotly
        loads); it draws once ``{"snnlab": "state resent"}`` arrives.
        """
        if not (isinstance(content, dict) and content.get("snnlab") == "resend state"):
            return
        self._widget_layout = deepcopy(self._layout)  # the layout as it is now (the layout object's own dict)
        self._widget_data = deepcopy(self._data)
        self.send_state(list(RESENT))
        self.send({"snnlab": "state resent"})

    @property
    def plotly_build(self) -> str:
        """The plotly.js this figure loads in the browser: ``"cartesian"`` or ``"full"``.

        Example:
            >>> FigureWidget(plotly_build="full").plotly_build
            'full'
        """
        return self._plotly_code.build

    def add_traces(
        self,
        data: object,
        rows: object = None,
        cols: object = None,
        secondary_ys: object = None,
        exclude_empty_subplots: bool = False,
    ) -> "FigureWidget":
        """``go.FigureWidget.add_traces``; on the cartesian build, a trace of another type is a ValueError.

        Example:
            >>> fig = FigureWidget(plotly_build="cartesian").add_traces([go.Bar(y=[1])])
            >>> fig.add_traces(go.Scatter3d(z=[1]))  # doctest: +ELLIPSIS
            Traceback (most recent call last):
            ...
            ValueError: FigureWidget.add_traces: this figure loads plotly.js's cartesian build, which cannot draw trace type(s) ['scatter3d']; ...
        """
        others = sorted(_trace_types(data if isinstance(data, list | tuple) else [data]) - CARTESIAN_TRACES)
        if others and self.plotly_build == "cartesian":
            raise ValueError(
                f"FigureWidget.add_traces: this figure loads plotly.js's cartesian build, which cannot draw "
                f"trace type(s) {others}; make the figure with FigureWidget(..., plotly_build='full')"
            )
        super().add_traces(data, rows, cols, secondary_ys, exclude_empty_subplots)
        return self

    @traitlets.default("_plotly_code")
    def _default_plotly_code(self) -> PlotlyCode:
        return plotly_code(getattr(self, "_build", "full"))
