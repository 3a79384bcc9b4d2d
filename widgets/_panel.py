"""Panel: the base of every snnlab widget panel (controls -> compute() -> render()).

A panel is an ``ipywidgets.VBox`` with four areas: controls, figures, a progress row (for work run in
the background) and a status line. A subclass creates its controls and figures, hands them to
``set_controls`` / ``set_figures`` and implements two methods:

- ``compute()``: one call into the core on ``self.device``; returns a small result object;
- ``render(result)``: one call into ``snnlab.viz`` that updates the figures in place.

A control that only changes the view (a selected neuron, a scrubbed time step, which layer is
shown) is watched with ``watch(control, render_only=True)``: its changes call ``redraw()``, which
runs ``select(result)`` (cheap, on the host: the part of the result that the view controls pick)
and ``render`` on the last result, without computing.

``update()`` runs both, times the computation on the chosen device and writes "ran on cpu in 1.2 ms"
into the status line, or the exception's message when either step fails; the panel stays usable and
the next change of a control tries again. ``result`` holds the last successful result.

Changes made in the browser are throttled: the first one redraws at once, those that arrive within
``throttle_ms`` of the previous redraw are merged into one trailing redraw with the latest values
(a slider drag sends many). Changes made from Python (``panel.tau.value = 3.0``) redraw at once, so
``panel.result`` is current on the next line; ``with panel.hold_updates(): ...`` merges several of
them into one redraw. ``flush()`` runs a pending trailing redraw now.

Shape:
    not applicable (a widget).

Example:
    >>> import ipywidgets as W
    >>> class Doubler(Panel):
    ...     _repr_fields = ("x",)
    ...     def __init__(self, **kwargs):
    ...         super().__init__(**kwargs)
    ...         self.x = W.FloatSlider(value=1.0, min=0.0, max=10.0, description="x")
    ...         self.set_controls([self.x])
    ...         self.update()
    ...     def compute(self):
    ...         return 2 * self.x.value
    ...     def render(self, result):
    ...         pass
    >>> panel = Doubler(throttle_ms=0)
    >>> panel.x.value = 3.0
    >>> panel, panel.result, panel.status_text.startswith("ran on cpu in")
    (Doubler(x=3.0), 6.0, True)
"""

import base64
import html
import math
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

import ipywidgets as W
import torch

from ._bounds import control_bounds, refuse_out_of_range
from ._device import Stopwatch, available_devices, default_device, resolve_device
from ._worker import BackgroundRun

if TYPE_CHECKING:  # matplotlib is imported when a preview is drawn, not with the widgets
    from matplotlib.figure import Figure

__all__ = ["Panel", "format_value", "refresh_figure_widget"]


def format_value(value) -> str:
    """The deterministic text of a control value in a panel's ``repr`` (floats to 6 significant digits).

    Shape:
        not applicable (returns a string).

    Example:
        >>> format_value(0.1 + 0.2), format_value('LIF'), format_value(3)
        ('0.3', "'LIF'", '3')
    """
    if isinstance(value, float):
        return repr(float(f"{value:.6g}"))
    if isinstance(value, tuple):
        return "(" + ", ".join(format_value(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    return repr(value)


def _from_frontend(change) -> bool:
    """True when a trait change came from the browser (ipywidgets applies those under a property lock)."""
    owner = change.get("owner") if change else None
    return bool(getattr(owner, "_property_lock", None))


def _is_round_off(change) -> bool:
    """True when a change only moves a float value by round-off (a slider echoing its snapped value).

    A browser slider sends back the value it computes on its step grid, e.g. ``0.05`` comes back as
    ``0.049999999999999996``: that is no change of the user's and must not redraw.
    """
    old, new = (change.get("old"), change.get("new")) if change else (None, None)
    olds, news = (old, new) if isinstance(old, tuple) and isinstance(new, tuple) else ((old,), (new,))
    if len(olds) != len(news) or not all(isinstance(v, float) for v in olds + news):
        return False
    return all(math.isclose(cast(float, a), cast(float, b), rel_tol=1e-9, abs_tol=1e-12) for a, b in zip(olds, news))


def _is_figure_widget(widget) -> bool:
    """True for a plotly FigureWidget (recognised without importing plotly)."""
    return hasattr(widget, "_widget_data") and hasattr(widget, "_layout_obj")


def _preferred_width(widget: object) -> int:
    """The width a figure widget asks for in CSS pixels (a box: its widest figure; 0: none)."""
    if _is_figure_widget(widget):
        return int(getattr(getattr(widget, "layout", None), "width", None) or 0)
    if isinstance(widget, W.Box):
        return max((_preferred_width(child) for child in widget.children), default=0)
    width = getattr(widget, "width", None)  # a canvas figure's synced width
    return width if isinstance(width, int) and not isinstance(width, bool) else 0


def refresh_figure_widget(figure):
    """Copy a plotly FigureWidget's current figure into its synced state, as its own display does.

    Call it before a FigureWidget that changed while off screen is shown again (e.g. swapped back
    into a box): a new view starts from that state.
    """
    figure._repr_mimebundle_()


class Panel(W.VBox):
    """Base class of the panels: controls, figures, progress row, status line and the update cycle.

    Args:
        device: ``'cpu'`` or ``'cuda'`` (default: CUDA when available, else CPU).
        throttle_ms: minimum time between two redraws caused by browser changes (0: redraw on every change;
            changes made from Python always redraw at once).
        blocking: run background work (``start_background``) in the calling thread, for headless use.

    Shape:
        not applicable (a widget).

    Example:
        >>> Panel(device="cpu").device
        device(type='cpu')
    """

    #: attribute names shown by ``repr``, in order (controls show their ``.value``)
    _repr_fields = ()
    #: put a PNG of ``preview()`` in the display bundle (for renderers without a kernel); it costs about
    #: one matplotlib drawing per display: set ``Panel.static_preview = False`` to skip it
    static_preview: bool = True

    def __init__(
        self, *, device: str | torch.device | None = None, throttle_ms: float = 50.0, blocking: bool = False
    ) -> None:
        device = default_device() if device is None else device
        resolve_device(device)  # validates before anything is built
        if isinstance(throttle_ms, bool) or not isinstance(throttle_ms, (int, float)) or throttle_ms < 0:
            raise ValueError(f"{type(self).__name__}: throttle_ms must be a number >= 0, got {throttle_ms!r}")
        if not isinstance(blocking, bool):
            raise TypeError(f"{type(self).__name__}: blocking must be a bool, got {blocking!r}")
        self.throttle_s = float(throttle_ms) / 1e3
        self.blocking = blocking
        self.result = None
        self._computed = None  # the last compute() result, before select()
        self.error = None
        self.status_text = ""
        self.last_device = None
        self.compute_ms = None
        self.render_ms = None
        self.run = None
        self._update_lock = threading.RLock()
        self._held = 0
        self._muted = 0
        self._pending = False
        self._pending_compute = False
        self._timer = None
        self._last_update_end = float("-inf")

        self.device_control = W.Dropdown(
            options=available_devices(),
            value=str(resolve_device(device).type),
            description="device",
            layout=W.Layout(width="160px"),
        )
        self.status = W.HTML(value="")
        self.progress_bar = W.FloatProgress(value=0.0, min=0.0, max=1.0, layout=W.Layout(width="240px"))
        self.stop_button = W.Button(description="Stop", button_style="", disabled=True, layout=W.Layout(width="80px"))
        self.stop_button.on_click(lambda _button: self.stop())
        self.progress_row = W.HBox([self.progress_bar, self.stop_button], layout=W.Layout(display="none"))
        self.controls_box = W.HBox([self.device_control], layout=W.Layout(flex_flow="row wrap"))
        self.figures_box = W.HBox([], layout=W.Layout(flex_flow="row wrap", align_items="flex-start"))
        # sized to sit side by side in about 850 px of output width (1280 x 800 with the file browser open)
        self.controls_box.add_class("snnlab-controls")
        self.figures_box.add_class("snnlab-figures")
        self.status.add_class("snnlab-status")
        super().__init__(children=[self.controls_box, self.figures_box, self.progress_row, self.status])
        self.watch(self.device_control)

    # ----------------------------------------------------------------------------- layout
    def set_controls(self, controls: Iterable[W.Widget], *, watch: bool = True) -> None:
        """Lay out ``controls`` (a list of widgets) before the device dropdown; observe their values.

        Every bounded control among them (boxes are searched) refuses a value outside its range
        instead of clamping it, and the status line says what was refused and why.
        """
        controls = list(controls)
        self.controls_box.children = tuple(controls) + (self.device_control,)
        stack = list(controls)
        while stack:
            control = stack.pop()
            refuse_out_of_range(control, self._refused)
            stack.extend(getattr(control, "children", ()))
        if watch:
            self.watch(*controls)

    def _control_name(self, control) -> str:
        for name, value in vars(self).items():
            if value is control and not name.startswith("_"):
                return name
        return control.description or type(control).__name__

    def _refused(self, control, value, kept):
        """Report a value a control refused (out of its range) in the status line."""
        low, high = control_bounds(control)
        self.show_error(
            ValueError(
                f"{self._control_name(control)}: {format_value(value)} is outside the control's range "
                f"[{low:g}, {high:g}]; it keeps {format_value(kept)}"
            )
        )

    def set_figures(self, figures: "Sequence[W.Widget]") -> None:
        """Lay out the figure widgets (plotly FigureWidgets, canvases, boxes of them, ...) to fill the width.

        Figures sit side by side when their preferred widths fit the output area and wrap below each
        other when they do not; each then grows, in proportion to its preferred width, to fill its row.
        A figure's preferred width is its ``layout.width`` (plotly) or ``width`` (canvas); a box of
        figures takes the widest of its own (the figure widgets size themselves; boxes get a flex basis).
        """
        figures = tuple(figures)
        for figure in figures:
            preferred = _preferred_width(figure)
            if isinstance(figure, W.Box) and preferred:
                figure.layout.flex = f"{preferred} 1 {preferred}px"
                figure.layout.min_width = f"min({preferred}px, 100%)"
        self.figures_box.children = figures

    def watch(self, *controls: W.Widget, render_only: bool = False) -> None:
        """Redraw (throttled) when the ``value`` of any of ``controls`` changes.

        ``render_only=True``: the controls only change the view; their changes run ``redraw()``
        (``select`` + ``render`` of the last result), not ``compute``.
        """
        handler = self._on_view_change if render_only else self._on_control_change
        for control in controls:
            if hasattr(control, "value"):
                control.observe(handler, names="value")

    # ----------------------------------------------------------------------------- the cycle
    @property
    def device(self) -> torch.device:
        """The ``torch.device`` chosen in the dropdown."""
        return resolve_device(self.device_control.value)

    def sync_controls(self) -> None:
        """Adjust controls that depend on others (called before each ``compute``).

        Enable or disable them, or move their ranges: value changes made here do not trigger
        another redraw.
        """

    def compute(self) -> Any:
        """Run the core on ``self.device`` and return a result object (implemented by each panel)."""
        raise NotImplementedError(f"{type(self).__name__} must implement compute()")

    def select(self, result: Any) -> Any:
        """The result as the view-only controls pick it (default: unchanged); runs before each ``render``.

        Keep it cheap and on the host: a render-only change runs it on the last result.
        """
        return result

    def render(self, result: Any) -> None:
        """Draw ``result`` into the figures, in place (implemented by each panel)."""
        raise NotImplementedError(f"{type(self).__name__} must implement render(result)")

    def set_result(self, result: Any) -> None:
        """Replace the computed result (e.g. re-analysed on the host); the next ``redraw`` selects from it."""
        self._computed = result
        self.result = result

    def redraw(self) -> bool:
        """Select and render the last result again, without computing; True on success.

        Errors go to the status line; with no result yet, this computes (``update()``).
        """
        with self._update_lock:
            if self._computed is None or self._pending_compute:
                return self.update()
            self._cancel_timer()
            self._pending = False
            try:
                started = time.perf_counter()
                result = self.select(self._computed)
                self.render(result)
                self.result = result
                self.render_ms = (time.perf_counter() - started) * 1e3
            except Exception as exc:
                self.show_error(exc)
                return False
            finally:
                self._last_update_end = time.monotonic()
            self.error = None
            self.set_status(f"drawn in {self.render_ms:.1f} ms (view only, nothing computed)")
            return True

    def update(self) -> bool:
        """Compute and render now; True on success. Errors go to the status line, never upward."""
        with self._update_lock:
            self._cancel_timer()
            self._pending = False
            self._pending_compute = False
            try:
                self._muted += 1
                try:
                    self.sync_controls()
                finally:
                    self._muted -= 1
                device = self.device
                watch = Stopwatch(device)
                with watch:
                    result = self.compute()
                self.last_device = device
                self.compute_ms = watch.elapsed_ms
                started = time.perf_counter()
                self._computed = result
                result = self.select(result)
                self.result = result
                self.render(result)
                self.render_ms = (time.perf_counter() - started) * 1e3
            except Exception as exc:
                self.show_error(exc)
                return False
            finally:
                self._last_update_end = time.monotonic()
            self.error = None
            self.set_status(f"ran on {device.type} in {self.compute_ms:.1f} ms, drawn in {self.render_ms:.1f} ms")
            return True

    def set_status(self, text: str, *, error: bool = False) -> None:
        """Write ``text`` into the status line (red when ``error``)."""
        self.status_text = text
        color = "#b00020" if error else "#555"
        self.status.value = f'<span style="color:{color}; font-family:monospace">{html.escape(text)}</span>'

    def show_error(self, exc: BaseException) -> None:
        """Record ``exc`` as the panel's error and show its type and message in the status line."""
        self.error = exc
        self.set_status(f"{type(exc).__name__}: {exc}", error=True)

    # ----------------------------------------------------------------------------- throttling
    def _on_control_change(self, change=None):
        self._request(change, compute=True)

    def _on_view_change(self, change=None):
        self._request(change, compute=False)

    def _request(self, change, *, compute):
        if self._muted or (_from_frontend(change) and _is_round_off(change)):
            return
        self._pending_compute = self._pending_compute or compute
        if self._held:
            self._pending = True
            return
        wait = self.throttle_s - (time.monotonic() - self._last_update_end)
        if wait <= 0 or not _from_frontend(change):
            self._run_pending()
            return
        self._pending = True
        if self._timer is None:
            self._timer = threading.Timer(wait, self._trailing_update)
            self._timer.daemon = True
            self._timer.start()

    def _run_pending(self) -> bool:
        """Compute and render when a computing control changed, else render only."""
        return self.update() if self._pending_compute else self.redraw()

    def _trailing_update(self):
        with self._update_lock:
            self._timer = None
            if self._pending:
                self._run_pending()

    def _cancel_timer(self):
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    @property
    def pending(self) -> bool:
        """True when a control changed and its redraw has not run yet."""
        return self._pending

    def flush(self) -> bool:
        """Run a pending (throttled or held) redraw now; True when nothing failed."""
        with self._update_lock:
            if self._pending:
                return self._run_pending()
            return self.error is None

    @contextmanager
    def hold_updates(self) -> Iterator["Panel"]:
        """Merge every control change made inside the block into one redraw at its end."""
        self._held += 1
        try:
            yield self
        finally:
            self._held -= 1
            if self._held == 0 and self._pending:
                self._run_pending()

    # ----------------------------------------------------------------------------- background work
    def start_background(
        self,
        steps: Iterable[Any],
        *,
        total: int | None = None,
        on_step: Callable[[BackgroundRun, Any], object] | None = None,
        on_finish: Callable[[BackgroundRun], object] | None = None,
        blocking: bool | None = None,
    ) -> BackgroundRun:
        """Run ``steps`` (an iterable; each ``next()`` is one step) as a ``BackgroundRun``.

        The progress bar and Stop button show while it runs; ``on_step(run, value)`` is called after
        each step (update figures there), ``on_finish(run)`` once at the end. A run still going is
        stopped first. With ``blocking=True`` (the panel option, or this call's ``blocking``) it runs
        to the end before returning; Ctrl-C then stops it (the panel stays usable) and is raised again.
        """
        blocking = self.blocking if blocking is None else blocking
        self.stop()
        if self.run is not None:
            self.run.wait()

        def step_hook(run, value):
            if on_step is not None:
                on_step(run, value)
            self._show_progress(run)

        def finish_hook(run):
            try:
                if on_finish is not None and run.state != "error":
                    on_finish(run)
            finally:
                self._show_finished(run)

        run = BackgroundRun(steps, total=total, on_step=step_hook, on_finish=finish_hook, blocking=blocking)
        self.run = run
        self.progress_bar.value = 0.0
        self.progress_row.layout.display = "flex"
        self._arm_stop_button(True)
        self.set_status("running ...")
        run.start()
        return run

    def stop(self) -> None:
        """Stop the background run, if any (it ends before its next step)."""
        if self.run is not None and not self.run.finished:
            self.run.stop()

    def close(self) -> None:
        """Stop the background run and any pending redraw, then close the widgets."""
        if "run" in self.__dict__:  # not yet set when a constructor refused its arguments
            self.stop()
        if "_timer" in self.__dict__:
            self._cancel_timer()
            self._pending = False
        super().close()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the background run ends (True), or ``timeout`` seconds pass (False)."""
        if self.run is None:
            return True
        return self.run.wait(timeout)

    def _show_progress(self, run):
        if run.progress is not None:
            self.progress_bar.value = run.progress
        total = "?" if run.total is None else run.total
        self.set_status(f"step {run.steps_done}/{total}")

    def _arm_stop_button(self, running):
        """Stop is orange and clickable only while a run goes (a disabled orange button still looks live)."""
        self.stop_button.disabled = not running
        self.stop_button.button_style = "warning" if running else ""

    def _show_finished(self, run):
        self._arm_stop_button(False)
        if run.state == "error":
            self.show_error(run.error)
            return
        self.error = None
        if run.state == "done":
            self.progress_bar.value = 1.0
        verb = "finished" if run.state == "done" else "stopped after"
        how = f" ({run.message})" if run.message else ""
        self.set_status(f"{verb} {run.steps_done} steps on {self.device.type} in {run.elapsed_s * 1e3:.1f} ms{how}")

    # ----------------------------------------------------------------------------- display
    def _repr_mimebundle_(self, **kwargs):
        """Display the panel; its plotly figures first copy their current state into their synced state.

        A plotly FigureWidget sends later changes as patches that only a view already on screen applies;
        it refreshes its full state when displayed by itself, but not inside a box. Without this, a
        panel updated before display (every panel: the constructor draws) shows stale figures.
        """
        for figure in self.figure_widgets():
            refresh_figure_widget(figure)
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is not None and self.static_preview and self._wants_png(kwargs):
            bundle.update(self._preview_bundle())
        return bundle

    def _wants_png(self, kwargs: dict) -> bool:
        include, exclude = kwargs.get("include"), kwargs.get("exclude")
        return (not include or "image/png" in include) and not (exclude and "image/png" in exclude)

    def _preview_bundle(self) -> dict:
        """``{'image/png': base64 text}`` of ``preview()``, built once per display; empty without a preview.

        Renderers without the widget manager (GitHub, nbviewer, nbconvert without widget state, an
        untrusted notebook in JupyterLab) show this picture; JupyterLab with a kernel shows the widget.
        A preview that fails is reported as a warning and the panel is shown without it.
        """
        from . import _preview

        if not _preview.has_preview(self) and type(self).preview is Panel.preview:
            return {}
        try:
            png = _preview.figure_png(self.preview())
        except Exception as exc:  # a picture must never stop the live panel from showing
            warnings.warn(f"{type(self).__name__}: no static preview ({type(exc).__name__}: {exc})", stacklevel=3)
            return {}
        return {"image/png": base64.b64encode(png).decode("ascii")}

    def preview(self) -> "Figure":
        """A matplotlib Figure of what the panel's figures show now, with the status line as a caption.

        Drawn from ``result`` with the matplotlib twins (``snnlab.viz.mpl``), on a new Figure outside
        pyplot. Displaying the panel puts this picture (as PNG) beside the live widget, for renderers
        without a kernel. A panel class without a drawing in ``widgets._preview`` overrides this.

        Example:
            >>> from widgets import DelayExplorer
            >>> fig = DelayExplorer(device="cpu").preview()
            >>> type(fig).__name__, fig.get_supxlabel().startswith("ran on cpu")
            ('Figure', True)
        """
        from ._preview import preview_figure

        return preview_figure(self)

    def figure_widgets(self) -> list[Any]:
        """The plotly FigureWidgets inside the figures area (nested boxes included)."""
        found, stack = [], list(self.figures_box.children)
        while stack:
            child = stack.pop(0)
            if _is_figure_widget(child):
                found.append(child)
            stack.extend(getattr(child, "children", ()))
        return found

    # ----------------------------------------------------------------------------- repr
    def __repr__(self):
        parts = []
        for name in self._repr_fields:
            value = getattr(self, name)
            if isinstance(value, W.ValueWidget):
                value = value.value
            parts.append(f"{name}={format_value(value)}")
        return f"{type(self).__name__}({', '.join(parts)})"
