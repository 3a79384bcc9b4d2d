"""Panel: the update cycle, status line, error display, throttling, background work and repr."""

import re
import threading
import time

import ipywidgets as W
import pytest
import torch

from widgets._device import default_device
from widgets._panel import Panel, format_value

DEVICE = default_device()  # where a panel runs unless told: the GPU where there is one
STATUS_OK = re.compile(rf"^ran on {DEVICE} in \d+\.\d ms, drawn in \d+\.\d ms$")  # a panel on the default device
STATUS_CPU = re.compile(r"^ran on cpu in \d+\.\d ms, drawn in \d+\.\d ms$")  # one built with device="cpu"


class Square(Panel):
    """A minimal panel: squares x on the chosen device; fails on purpose for negative x."""

    _repr_fields = ("x", "label")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.x = W.FloatSlider(value=2.0, min=-5.0, max=5.0, description="x")
        self.label = "demo"
        self.computed = 0
        self.rendered = []
        self.fail_render = False
        self.set_controls([self.x])
        self.update()

    def compute(self):
        self.computed += 1
        if self.x.value < 0:
            raise ValueError(f"x must be >= 0, got {self.x.value}")
        return torch.tensor(self.x.value, device=self.device) ** 2

    def render(self, result):
        if self.fail_render:
            raise RuntimeError("figure broke")
        self.rendered.append(float(result))


def test_construction_lays_out_controls_figures_progress_and_status():
    panel = Square(throttle_ms=0)
    assert isinstance(panel, W.VBox)
    assert panel.children == (panel.controls_box, panel.figures_box, panel.progress_row, panel.status)
    assert panel.controls_box.children == (panel.x, panel.device_control)
    assert panel.device_control.options == (("cpu", "cuda") if torch.cuda.is_available() else ("cpu",))
    assert panel.progress_row.layout.display == "none"
    figure = W.HTML("fig")
    panel.set_figures([figure])
    assert panel.figures_box.children == (figure,)


def test_a_control_change_recomputes_and_reports_device_and_time():
    panel = Square(device="cpu", throttle_ms=0)
    assert panel.result.item() == 4.0 and panel.rendered == [4.0]
    panel.x.value = 3.0
    assert panel.result.item() == 9.0 and panel.rendered == [4.0, 9.0]
    assert STATUS_CPU.match(panel.status_text), panel.status_text
    assert panel.status_text in panel.status.value and panel.error is None
    assert panel.last_device == torch.device("cpu") and panel.compute_ms >= 0 and panel.render_ms >= 0


def test_a_failing_compute_shows_the_message_and_the_panel_keeps_working():
    panel = Square(throttle_ms=0)
    panel.x.value = -1.0
    assert panel.status_text == "ValueError: x must be >= 0, got -1.0"
    assert "#b00020" in panel.status.value and isinstance(panel.error, ValueError)
    assert panel.result.item() == 4.0  # the last good result stays
    panel.x.value = 1.5
    assert panel.error is None and panel.result.item() == 2.25 and STATUS_OK.match(panel.status_text)


def test_a_failing_render_shows_the_message_and_the_panel_keeps_working():
    panel = Square(throttle_ms=0)
    panel.fail_render = True
    assert panel.update() is False
    assert panel.status_text == "RuntimeError: figure broke"
    panel.fail_render = False
    assert panel.update() is True and panel.rendered[-1] == 4.0


def test_error_text_is_escaped_in_the_status_html():
    panel = Square(throttle_ms=0)
    panel.show_error(ValueError("<b>x</b> & y"))
    assert "&lt;b&gt;x&lt;/b&gt; &amp; y" in panel.status.value


def drag(control, value):
    """A change as the browser makes it (ipywidgets applies it under a property lock)."""
    control.set_state({"value": value})


def test_browser_changes_inside_the_throttle_window_merge_into_one_trailing_update():
    panel = Square(throttle_ms=60_000)  # a window far longer than the test
    assert panel.computed == 1
    drag(panel.x, 1.0)  # arrives right after the constructor's update: inside the window
    drag(panel.x, 3.0)
    assert panel.computed == 1 and panel.pending and panel.result.item() == 4.0
    assert panel.flush() is True
    assert panel.computed == 2 and not panel.pending and panel.result.item() == 9.0
    assert panel._timer is None


def test_python_changes_redraw_at_once_even_inside_the_window():
    panel = Square(throttle_ms=60_000)
    panel.x.value = 1.0
    panel.x.value = 3.0
    assert panel.computed == 3 and not panel.pending and panel.result.item() == 9.0


def test_the_trailing_update_runs_by_itself_after_the_window():
    panel = Square(throttle_ms=60_000)
    drag(panel.x, 4.0)  # inside the window: deferred to a timer
    assert panel.pending and panel._timer is not None and panel.computed == 1
    panel._timer.cancel()
    panel._timer.function()  # what the timer thread runs once the window has passed
    assert panel.result.item() == 16.0 and not panel.pending and panel.computed == 2


def test_a_short_window_redraws_without_help():
    panel = Square(throttle_ms=20)
    drag(panel.x, 4.0)
    deadline = time.monotonic() + 10
    while len(panel.rendered) < 2 and time.monotonic() < deadline:  # rendered after result is set
        time.sleep(0.01)
    assert panel.computed == 2 and panel.rendered == [4.0, 16.0]
    assert panel.result.item() == 16.0 and not panel.pending


def test_hold_updates_merges_programmatic_changes_into_one_update():
    panel = Square(throttle_ms=0)
    with panel.hold_updates():
        panel.x.value = 1.0
        panel.x.value = 2.5
        panel.label = "held"
    assert panel.computed == 2 and panel.result.item() == 6.25


def test_repr_is_short_and_deterministic():
    panel = Square(throttle_ms=0)
    panel.x.value = 0.1 + 0.2
    assert repr(panel) == "Square(x=0.3, label='demo')"
    assert panel._repr_mimebundle_()["text/plain"] == "Square(x=0.3, label='demo')"
    assert format_value((1.0, 2)) == "(1.0, 2)" and format_value((0.5,)) == "(0.5,)"


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(device="tpu"), ValueError, r"device must be one of 'cpu'.* on this machine, got 'tpu'"),
        (dict(device=3), TypeError, r"device must be a str or torch.device, got an object of type int"),
        (dict(throttle_ms=-1), ValueError, r"Square: throttle_ms must be a number >= 0, got -1"),
        (dict(blocking="yes"), TypeError, r"Square: blocking must be a bool, got 'yes'"),
    ],
)
def test_bad_panel_options_are_rejected(kwargs, error, match):
    with pytest.raises(error, match=match):
        Square(**kwargs)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message shown when no GPU is present")
def test_cuda_without_a_gpu_is_explained():
    with pytest.raises(ValueError, match=r"device must be one of 'cpu' on this machine, got 'cuda'"):
        Square(device="cuda")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_switching_to_cuda_runs_there_and_says_so():
    panel = Square(device="cpu", throttle_ms=0)
    panel.device_control.value = "cuda"
    assert panel.result.device.type == "cuda" and panel.status_text.startswith("ran on cuda in ")


def test_base_panel_explains_what_a_subclass_must_implement():
    panel = Panel(device="cpu", throttle_ms=0)
    assert panel.update() is False
    assert panel.status_text == "NotImplementedError: Panel must implement compute()"


def test_blocking_background_work_reports_progress_and_finish():
    panel = Square(throttle_ms=0, blocking=True)
    values = []
    run = panel.start_background(iter([1, 2, 3]), total=3, on_step=lambda r, v: values.append(v))
    assert run.state == "done" and values == [1, 2, 3]
    assert panel.progress_bar.value == 1.0 and panel.stop_button.disabled
    assert re.match(rf"^finished 3 steps on {DEVICE} in \d+\.\d ms$", panel.status_text), panel.status_text
    assert panel.wait(0) is True


def test_background_error_shows_in_the_status_line():
    panel = Square(throttle_ms=0, blocking=True)

    def work():
        yield 1
        raise ArithmeticError("diverged")

    run = panel.start_background(work(), total=4)
    assert run.state == "error" and panel.status_text == "ArithmeticError: diverged"
    assert panel.update() is True  # still usable


def test_the_stop_button_stops_a_threaded_run_within_a_step():
    panel = Square(throttle_ms=0)
    gate, entered = threading.Event(), threading.Event()

    def work():
        for i in range(1000):
            entered.set()
            gate.wait(5)
            gate.clear()
            yield i

    assert panel.stop_button.disabled and panel.stop_button.button_style == ""
    run = panel.start_background(work(), total=1000)
    assert entered.wait(5) and not panel.stop_button.disabled and panel.stop_button.button_style == "warning"
    panel.stop_button.click()
    gate.set()
    assert panel.wait(10) and run.state == "stopped" and run.steps_done == 1
    assert re.match(rf"^stopped after 1 steps on {DEVICE} in \d+\.\d ms$", panel.status_text), panel.status_text
    # once the run is over the button is greyed out, not a live-looking orange one
    assert panel.stop_button.disabled and panel.stop_button.button_style == ""


def test_starting_new_work_stops_the_previous_run_first():
    panel = Square(throttle_ms=0)
    gate, entered = threading.Event(), threading.Event()

    def slow():
        while True:
            entered.set()
            gate.wait(0.01)
            yield 0

    first = panel.start_background(slow())
    assert entered.wait(5)
    second = panel.start_background(iter([1]), total=1)
    assert first.state == "stopped" and panel.wait(10) and second.state == "done"


def test_sync_controls_runs_before_each_compute():
    class Gated(Square):
        def sync_controls(self):
            self.x.disabled = self.label == "locked"
            self.synced_at = self.computed

    panel = Gated(throttle_ms=0)
    panel.label = "locked"
    panel.update()
    assert panel.x.disabled and panel.synced_at == 1 and panel.computed == 2


def test_value_changes_made_by_sync_controls_do_not_trigger_another_redraw():
    class Clamped(Square):
        def sync_controls(self):
            self.x.max = 1.0  # clamps x.value from 2.0 to 1.0

    panel = Clamped(throttle_ms=0)
    assert panel.x.value == 1.0 and panel.computed == 1 and panel.result.item() == 1.0 and not panel.pending
    panel.x.value = 0.5
    assert panel.computed == 2 and panel.result.item() == 0.25


@pytest.fixture
def strict_comm(monkeypatch):
    """Widgets created under this fixture send through a comm that checks messages as a kernel does."""
    import json

    import comm

    sent = []

    class StrictComm(comm.base_comm.BaseComm):
        def publish_msg(self, msg_type, data=None, metadata=None, buffers=None, **keys):
            json.dumps(data, default=str, allow_nan=False)  # NaN / inf are not JSON: the kernel would warn
            sent.append(msg_type)

    monkeypatch.setattr(comm, "create_comm", lambda *args, **kwargs: StrictComm(*args, **kwargs))
    return sent


def exercise(name):
    """Build a panel and move a few of its controls: (panel, list of changes)."""
    import widgets

    panel = getattr(widgets, name)(device="cpu", throttle_ms=0)
    changes = {
        "NeuronPlayground": [("input", "poisson"), ("reset", "soft"), ("model", "if"), ("T", 50)],
        "RasterExplorer": [
            ("window", (10, 60)),
            ("neuron", 3),
            ("encoder", "latency"),
            ("t", 20),
            ("canvas_cells", 100),
            ("window", (0, 99)),
            ("neuron", 7),
        ],
        "SimilarityExplorer": [("kernel", "gaussian"), ("sigma", 2.0), ("loss_type", "l1")],
        "DelayExplorer": [("delay_steps", 7), ("input", "signal"), ("T", 20)],
    }[name]
    for control, value in changes:
        if control == "canvas_cells":  # a plain option: from now on the window is drawn on the canvas
            panel.canvas_cells = value
        else:
            getattr(panel, control).value = value
        assert panel.error is None, f"{control}={value!r}: {panel.status_text}"
    return panel


@pytest.mark.parametrize("name", ["NeuronPlayground", "RasterExplorer", "SimilarityExplorer", "DelayExplorer"])
def test_every_panel_message_is_json_compliant_and_the_repr_fits_jupyters_plain_text(strict_comm, name):
    panel = exercise(name)
    assert panel.error is None, panel.status_text
    assert len(strict_comm) > 0  # the comm did see the messages
    text = panel._repr_mimebundle_()["text/plain"]
    assert text == repr(panel) and len(text) <= 110  # ipywidgets cuts longer text with an ellipsis


def test_displaying_a_panel_refreshes_the_synced_state_of_its_figures():
    # A FigureWidget inside a box keeps the synced state it had when built; the browser then patches
    # that stale state with later updates. Displaying the panel must first copy the current figure.
    from widgets import NeuronPlayground

    panel = NeuronPlayground(device="cpu", throttle_ms=0)
    panel.params["tau"].value = 3.0
    figure = panel.membrane_fig
    assert panel.figure_widgets() == [panel.membrane_fig, panel.surrogate_fig]
    bundle = panel._repr_mimebundle_()
    assert bundle["text/plain"] == repr(panel)
    synced_line = figure._widget_data[0]["y"]
    drawn = torch.stack((panel.result.h_seq, panel.result.v_seq), dim=1).flatten()  # the membrane sawtooth
    assert list(synced_line) == pytest.approx(drawn.tolist())
    assert figure._widget_layout["yaxis"]["range"] == list(figure.layout.yaxis.range)


class Scaled(Square):
    """Square plus a view-only control: ``scale`` multiplies what is drawn, never what is computed."""

    def __init__(self, **kwargs):
        self.scale = W.FloatSlider(value=1.0, min=0.0, max=10.0, description="scale")
        super().__init__(**kwargs)
        self.watch(self.scale, render_only=True)

    def select(self, result):
        return result * self.scale.value


def test_a_render_only_control_redraws_without_computing():
    panel = Scaled(device="cpu", throttle_ms=0)
    assert (panel.computed, panel.rendered) == (1, [4.0])
    panel.scale.value = 3.0
    assert panel.computed == 1 and panel.rendered[-1] == 12.0 and float(panel.result) == 12.0
    assert re.match(r"^drawn in \d+\.\d ms \(view only, nothing computed\)$", panel.status_text)
    panel.x.value = 1.0  # a computing control: compute, then select with the current scale
    assert panel.computed == 2 and panel.rendered[-1] == 3.0 and STATUS_CPU.match(panel.status_text)


def test_held_view_and_compute_changes_merge_into_one_computing_update():
    panel = Scaled(device="cpu", throttle_ms=0)
    with panel.hold_updates():
        panel.scale.value = 2.0
        panel.x.value = 3.0
        panel.scale.value = 0.5
    assert panel.computed == 2 and panel.rendered[-2:] == [4.0, 4.5]
    with panel.hold_updates():
        panel.scale.value = 1.0
    assert panel.computed == 2 and panel.rendered[-1] == 9.0


def test_a_failing_render_only_redraw_shows_its_error_and_keeps_the_last_result():
    panel = Scaled(device="cpu", throttle_ms=0)
    panel.fail_render = True
    panel.scale.value = 2.0
    assert panel.status_text == "RuntimeError: figure broke" and float(panel.result) == 4.0
    panel.fail_render = False
    panel.scale.value = 2.5
    assert panel.error is None and float(panel.result) == 10.0 and panel.computed == 1


# ----------------------------------------------------------------------------- close, interrupt, out-of-range values
def test_close_stops_the_background_run():
    panel = Square(throttle_ms=0)
    steps = []

    def endless():
        while True:
            steps.append(1)
            time.sleep(0.001)
            yield 0

    run = panel.start_background(endless())
    deadline = time.monotonic() + 5
    while not steps and time.monotonic() < deadline:
        time.sleep(0.001)
    panel.close()
    assert run.wait(5) and run.state == "stopped"
    count = len(steps)
    time.sleep(0.05)
    assert len(steps) == count


def test_ctrl_c_during_a_blocking_run_leaves_the_panel_usable():
    panel = Square(throttle_ms=0, blocking=True)

    def interrupted():
        yield 0
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        panel.start_background(interrupted(), total=3)
    assert panel.run.state == "stopped" and not panel.run.running
    assert panel.stop_button.disabled and panel.status_text.startswith("stopped after 1 steps")
    done = []
    worker = threading.Thread(target=lambda: done.append(panel.start_background(iter([1, 2]), total=2).state))
    worker.start()
    worker.join(5)
    assert not worker.is_alive() and done == ["done"]


@pytest.mark.parametrize("value", [7.5, -6.0, float("nan")])
def test_a_browser_value_outside_the_range_is_refused_in_the_status_line(value):
    panel = Square(throttle_ms=0)
    drag(panel.x, value)
    assert panel.x.value == 2.0 and panel.computed == 1
    assert panel.status_text == f"ValueError: x: {value!r} is outside the control's range [-5, 5]; it keeps 2.0"
    assert isinstance(panel.error, ValueError)
    drag(panel.x, 3.0)
    assert panel.x.value == 3.0 and panel.error is None and STATUS_OK.match(panel.status_text)


def test_a_python_value_outside_the_range_is_refused_too():
    panel = Square(throttle_ms=0)
    panel.x.value = 100.0
    assert panel.x.value == 2.0 and "x: 100.0 is outside the control's range [-5, 5]" in panel.status_text


def test_a_panel_whose_constructor_refused_its_arguments_closes_quietly():
    class Refusing(Panel):
        def __init__(self):
            raise ValueError("Refusing: x must be >= 0, got -1")

    with pytest.raises(ValueError, match="x must be >= 0"):
        Refusing()
    panel = Refusing.__new__(Refusing)
    panel.close()  # what the garbage collector does with the half-built widget: no AttributeError
