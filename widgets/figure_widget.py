"""FigureWidget: plotly's FigureWidget whose front-end code is loaded once per page, not once per figure.

plotly's ``go.FigureWidget`` is an anywidget whose front-end module is plotly's whole widget bundle
(about 5 MB); anywidget sends it with every figure and imports it from a fresh ``blob:`` URL, so the
browser parses and runs it again for each figure: half a second to a second and a half of blocked tab
per figure on a small machine. This subclass changes only how the code arrives:

- the bundle travels once per kernel, as the bytes of one shared model (:class:`PlotlyCode`, made
  on first use and referenced by every figure's ``_plotly_code`` trait); a page that opens later
  receives it once with the other models' states;
- each figure's own module (``figure_widget.js``, about 12 KB) imports the bundle once per page (the
  promise is kept page-wide under the bundle's digest) and then runs plotly's own widget code with
  the figure's model;
- the bundle's evaluation is one main-thread task (0.12-0.14 s in a bare page, 0.15-0.3 s in
  JupyterLab on a 2-core machine; nearly all of it is plotly.js's modules initialising): it is
  compiled off the main thread (a compile hint) and runs without Error stack traces (plotly.js's
  start-up feature tests make errors, and each trace made V8 re-parse the bundle's outermost
  functions: 0.6 s);
- seven small figures are drawn off screen once per page, each in a task of its own (an empty plot,
  then one feature each: lines, a fill and legend, a heatmap with colour bar, bars, subplots with
  shapes, then all together), so that plotly's code is warm when the first real figure draws; each
  figure's first drawing is a task of its own, also when several figures appear at once;
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
    >>> (line,) = a.data
    >>> with a.batch_update():
    ...     line.y = [2, 3]
    >>> line.y
    (2, 3)
"""

import hashlib
import pathlib
import threading
from copy import deepcopy

import ipywidgets as W
import plotly
import plotly.graph_objects as go
import traitlets

__all__ = ["FigureWidget", "PlotlyCode", "plotly_code"]

BUNDLE = pathlib.Path(plotly.__file__).parent / "package_data" / "widgetbundle.js"
LOADER = (pathlib.Path(__file__).parent / "figure_widget.js").read_text(encoding="utf-8")
# the synced state a view needs to draw the figure as it is now (sent again when a view asks)
RESENT = ("_widget_data", "_widget_layout", "_config", "_last_layout_edit_id", "_last_trace_edit_id", "fill_width")


class PlotlyCode(W.Widget):
    """plotly's widget bundle as one model: the bytes (``code``) and their SHA-256 prefix (``digest``).

    A plain model without a view (``@jupyter-widgets/base`` ``WidgetModel``); the bytes travel as one
    binary buffer. Use :func:`plotly_code` for the kernel's shared instance.

    Shape:
        not applicable (a widget).

    Example:
        >>> code = plotly_code()
        >>> code is plotly_code(), len(code.digest), code.code[:3] != b""
        (True, 16, True)
    """

    code = traitlets.Bytes(b"").tag(sync=True)
    digest = traitlets.Unicode("").tag(sync=True)

    def __repr__(self) -> str:
        return f"PlotlyCode(digest={self.digest!r}, bytes={len(self.code)})"


_shared: PlotlyCode | None = None
_shared_lock = threading.Lock()


def plotly_code() -> PlotlyCode:
    """The kernel's one :class:`PlotlyCode` (made on first use, again if it was closed).

    Shape:
        not applicable (returns a widget).

    Example:
        >>> plotly_code().digest == plotly_code().digest
        True
    """
    global _shared
    with _shared_lock:
        if _shared is None or _shared.comm is None:
            code = BUNDLE.read_bytes()
            _shared = PlotlyCode(code=code, digest=hashlib.sha256(code).hexdigest()[:16])
        return _shared


class FigureWidget(go.FigureWidget):
    """A plotly ``go.FigureWidget`` whose front-end bundle is sent and evaluated once per page.

    Takes what ``go.FigureWidget`` takes (a figure, or ``data`` and ``layout``) and behaves the same;
    only its front-end module is a small loader, and ``_plotly_code`` references the shared bundle.

    Shape:
        not applicable (a widget).

    Example:
        >>> fig = FigureWidget(layout={"title": {"text": "v"}})
        >>> fig.layout.title.text, fig._plotly_code is plotly_code()
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
        **kwargs: object,
    ) -> None:
        if not isinstance(fill_width, bool):
            raise TypeError(f"FigureWidget: fill_width must be a bool, got {fill_width!r}")
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

    @traitlets.default("_plotly_code")
    def _default_plotly_code(self) -> PlotlyCode:
        return plotly_code()
