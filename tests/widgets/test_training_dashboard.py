"""TrainingDashboard: results equal direct Trainer runs; blocking and background runs; stop, pause, errors."""

import copy
import re
import subprocess
import sys
import time

import pytest
import torch

from snnlab import datasets, functional, layer, neuron
from snnlab.training import Trainer, build_model
from tests.widgets.messages import count_messages
from widgets.training_dashboard import X_AXES, TrainingDashboard, TrainingResult

TINY = dict(T=4, hidden=8, batch_size=8, steps=3)


pytestmark = pytest.mark.usefixtures("one_thread")  # tiny tensors: one intra-op thread (tests/conftest.py)


def _table_rows(html):
    """The results table as rows of cell texts (header first)."""
    return [re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", row) for row in re.findall(r"<tr>(.*?)</tr>", html)]


def test_construct_repr_and_nothing_runs_before_start():
    panel = TrainingDashboard(device="cpu")
    assert repr(panel) == "TrainingDashboard(task='digits', methods=('bptt', 'fptt', 'ottt'), T=8, steps=100)"
    assert panel.result is None and panel.run is None and panel.status_text == "ready: press Start"
    panel.method_boxes["fptt"].value = False
    panel.T.value = 5
    assert panel.methods == ("bptt", "ottt") and panel.result is None
    assert repr(panel) == "TrainingDashboard(task='digits', methods=('bptt', 'ottt'), T=5, steps=100)"


def test_result_equals_direct_trainer_runs(device):
    panel = TrainingDashboard(task="burst", device=device, **TINY)
    panel.lr.value, panel.seed.value = 0.03, 4
    assert panel.update() and panel.wait(120) and panel.error is None
    result = panel.result
    assert panel.status_text.startswith(
        f"finished 3 updates per method (BPTT 3, FPTT 12, OTTT 12 optimizer steps) on {device} in "
    )
    x, y = datasets.burst_channel_task(512, T=4, burst_length=4, seed=4, time_first=True, device=device)
    x_test, y_test = datasets.burst_channel_task(256, T=4, burst_length=4, seed=10_004, time_first=True, device=device)
    for method in ("bptt", "fptt", "ottt"):
        trainer = Trainer(
            method,
            x,
            y,
            encoding=None,
            hidden=8,
            batch_size=8,
            lr=0.03,
            alpha=0.5,
            seed=4,
            n_classes=4,
            x_test=x_test,
            labels_test=y_test,
        )
        direct = [m.as_dict() for m in trainer.run(3)]
        assert result.loss[method] == pytest.approx([d["loss"] for d in direct], rel=1e-6)
        assert result.accuracy[method] == [d["accuracy"] for d in direct]
        assert result.optimizer_steps[method] == direct[-1]["optimizer_steps"]
        assert result.peak_bytes[method] == max(d["peak_bytes"] for d in direct) > 0
        assert result.test_accuracy[method] == pytest.approx(float(trainer.evaluate()[1]))
        assert result.seconds[method] > 0
    assert [t.name for t in panel.loss_fig.data] == ["BPTT", "FPTT", "OTTT"]
    assert list(panel.accuracy_fig.data[2].y) == pytest.approx(result.accuracy["ottt"])
    rows = _table_rows(panel.table.value)
    assert rows[0][:4] == ["method", "updates", "optimizer steps", "steps/s"]
    assert rows[3][:3] == ["OTTT", "3", "12"]
    assert 'style="padding' in panel.table.value  # header cells are padded apart, not run together


def test_blocking_start_runs_to_the_end_on_digits():
    panel = TrainingDashboard(methods=("bptt", "ottt"), blocking=True, device="cpu", **TINY)
    run = panel.start()
    assert run.state == "done" and run.steps_done == 6 and panel.wait(0)
    assert isinstance(panel.result, TrainingResult)
    assert repr(panel.result) == "TrainingResult(methods=('bptt', 'ottt'), updates=3, device='cpu')"
    assert panel.result.optimizer_steps == {"bptt": 3, "ottt": 12}
    assert 0.0 <= panel.result.test_accuracy["bptt"] <= 1.0
    assert panel.status_text.startswith("finished 3 updates per method (BPTT 3, OTTT 12 optimizer steps) on cpu in ")
    assert not panel.start_button.disabled and panel.pause_button.disabled


def test_background_run_pause_resume_and_stop_within_a_step():
    panel = TrainingDashboard(task="order", methods=("ottt",), device="cpu", **(TINY | dict(steps=100_000)))
    run = panel.start()
    deadline = time.monotonic() + 30
    while run.steps_done < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert run.state == "running" and panel.start_button.disabled
    panel.toggle_pause()
    assert panel.pause_button.description == "Resume"
    held = run.steps_done
    while time.monotonic() < deadline:  # the update in flight (if any) ends, then the worker holds
        time.sleep(0.3)
        if run.steps_done == held:
            break
        held = run.steps_done
    time.sleep(0.3)
    assert run.state == "paused" and run.steps_done == held
    panel.toggle_pause()
    assert run.state == "running" and panel.pause_button.description == "Pause"
    panel.stop()
    assert panel.wait(timeout=30)
    assert run.state == "stopped" and run.steps_done < 100_000
    assert len(panel.result.loss["ottt"]) == run.steps_done
    assert panel.status_text.startswith(
        f"stopped after {run.steps_done} updates per method (OTTT {4 * run.steps_done} optimizer steps) on cpu"
    )
    assert not panel.start_button.disabled


def test_errors_show_in_the_status_line_and_the_panel_stays_usable(monkeypatch):
    panel = TrainingDashboard(blocking=True, device="cpu", **TINY)
    for box in panel.method_boxes.values():
        box.value = False
    assert panel.start() is None
    assert panel.status_text == "ValueError: TrainingDashboard: check at least one method"

    def broken(self):
        raise RuntimeError("boom")

    panel.method_boxes["bptt"].value = True
    monkeypatch.setattr(Trainer, "step", broken)
    run = panel.start()
    assert run.state == "error" and panel.status_text == "RuntimeError: boom"
    assert not panel.start_button.disabled
    monkeypatch.undo()
    assert panel.start().state == "done" and panel.error is None


def test_user_tensors_as_a_custom_task():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(20, 2, 3, generator=g)
    labels = torch.arange(20) % 3
    panel = TrainingDashboard(x=x, labels=labels, methods=("fptt",), blocking=True, device="cpu", **TINY)
    assert panel.task.value == "custom" and panel.task.disabled
    panel.start()
    direct = Trainer("fptt", x, labels, T=4, hidden=8, batch_size=8, lr=1e-2, alpha=0.5).run(3)
    assert panel.result.loss["fptt"] == pytest.approx([float(m.loss) for m in direct], rel=1e-6)
    assert panel.result.test_accuracy == {"fptt": None}
    sequences = TrainingDashboard(x=torch.rand(3, 20, 2), labels=labels, encoding=None, device="cpu")
    sequences.sync_controls()
    assert sequences.T.disabled


def test_bad_arguments():
    with pytest.raises(
        ValueError, match="TrainingDashboard: task must be one of 'digits', 'burst', 'order', got 'mnist'"
    ):
        TrainingDashboard(task="mnist", device="cpu")
    with pytest.raises(
        ValueError, match="TrainingDashboard: methods must be one of 'bptt', 'fptt', 'ottt', got 'rtrl'"
    ):
        TrainingDashboard(methods=("rtrl",), device="cpu")
    with pytest.raises(TypeError, match="TrainingDashboard: methods must be a tuple of method names"):
        TrainingDashboard(methods="bptt", device="cpu")
    with pytest.raises(ValueError, match="TrainingDashboard: x and labels must be given together"):
        TrainingDashboard(x=torch.rand(4, 2), device="cpu")


# ----------------------------------------------------------------------------- run lifecycle and argument ranges
def _wait_steps(run, n, timeout=30):
    deadline = time.monotonic() + timeout
    while run.steps_done < n and not run.finished and time.monotonic() < deadline:
        time.sleep(0.005)


def test_update_trains_in_the_background_and_honours_stop():
    panel = TrainingDashboard(task="order", methods=("ottt",), device="cpu", **(TINY | dict(steps=300)))
    assert panel.update() is True
    run = panel.run
    assert run is not None and panel.start_button.disabled
    _wait_steps(run, 1)
    panel.stop()
    assert panel.wait(30) and run.state == "stopped" and run.steps_done < 300
    assert not panel.start_button.disabled


def test_a_second_start_during_a_run_keeps_start_disabled_and_results_apart():
    panel = TrainingDashboard(task="order", methods=("ottt",), device="cpu", **(TINY | dict(steps=100_000)))
    first = panel.start()
    _wait_steps(first, 2)
    panel.steps.value = 3
    second = panel.start()
    assert first.state == "stopped" and second is not first
    assert panel.start_button.disabled or second.finished
    stopped = panel.result
    assert stopped is not None and len(stopped.loss["ottt"]) == first.steps_done
    assert panel.wait(30) and second.state == "done"
    assert len(stopped.loss["ottt"]) == first.steps_done  # the first run's result is not the second's
    assert len(panel.result.loss["ottt"]) == 3 and panel.result is not stopped
    assert not panel.start_button.disabled


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(T=0), r"TrainingDashboard: T must be an integer >= 1, got 0"),
        (dict(hidden=0), r"TrainingDashboard: hidden must be an integer >= 1, got 0"),
        (dict(batch_size=-2), r"TrainingDashboard: batch_size must be an integer >= 1, got -2"),
        (dict(lr=5.0), r"TrainingDashboard: lr must be a number in \[1e-05, 1\], got 5.0"),
        (dict(lr=0.0), r"TrainingDashboard: lr must be a number in \[1e-05, 1\], got 0.0"),
        (dict(alpha=1e3), r"TrainingDashboard: alpha must be a number in \[0.001, 100\], got 1000.0"),
        (dict(steps=0), r"TrainingDashboard: steps must be an integer >= 1, got 0"),
        (dict(seed=2**80), r"TrainingDashboard: seed must be an integer in \[0, 9.22337e\+18\]"),
        (dict(lr="fast"), r"TrainingDashboard: lr must be a number, got 'fast'"),
    ],
)
def test_out_of_range_constructor_arguments_are_refused_by_name(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        TrainingDashboard(device="cpu", **kwargs)


def test_constructor_arguments_at_the_ends_of_the_ranges_are_kept():
    panel = TrainingDashboard(device="cpu", lr=1e-5, alpha=100.0, T=1, hidden=1, batch_size=1)
    assert (panel.lr.value, panel.alpha.value, panel.T.value) == pytest.approx((1e-5, 100.0, 1))
    panel = TrainingDashboard(device="cpu", lr=1.0, alpha=1e-3)
    assert (panel.lr.value, panel.alpha.value) == pytest.approx((1.0, 1e-3))


# ----------------------------------------------------------------------------- the user's network and data
def _data(n=24, features=6, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, features, generator=g)
    return x, (x[:, 0] > 0.5).long()


def test_a_user_model_is_trained_as_a_copy_equal_to_a_direct_trainer_run():
    x, y = _data()
    x_test, y_test = _data(12, seed=1)
    net = build_model("bptt", 6, 2, 5, seed=3)
    before = copy.deepcopy(net.state_dict())
    panel = TrainingDashboard(
        train_data=(x, y),
        test_data=(x_test, y_test),
        model=net,
        T=3,
        batch_size=8,
        steps=3,
        blocking=True,
        device="cpu",
    )
    assert panel.methods == ("bptt",) and panel.task.value == "custom"
    assert panel.method_boxes["fptt"].disabled and panel.method_boxes["ottt"].disabled
    assert panel.start().state == "done" and panel.hidden.disabled
    assert panel.hidden.layout.display == "none" and panel.alpha.layout.display == "none"  # FPTT cannot run
    assert [c.layout.display for c in (panel.T, panel.batch_size, panel.lr)] == [None, None, None]
    trained = panel.models["bptt"]
    assert trained is not net
    for name, value in net.state_dict().items():  # the network given keeps its initial weights
        torch.testing.assert_close(value, before[name])
    changed = [name for name, value in trained.state_dict().items() if not torch.equal(value, before[name])]
    assert changed == ["0.weight", "0.bias", "2.weight", "2.bias"]
    reference = copy.deepcopy(net)
    direct = Trainer("bptt", x, y, T=3, batch_size=8, x_test=x_test, labels_test=y_test, model=reference).run(3)
    assert panel.result.loss["bptt"] == pytest.approx([float(m.loss) for m in direct], rel=1e-6)
    for name, value in reference.state_dict().items():
        torch.testing.assert_close(trained.state_dict()[name], value)
    assert panel.result.test_accuracy["bptt"] is not None


def test_model_fn_builds_one_network_per_method_and_run():
    x, y = _data()
    calls = []

    def model_fn(method):
        calls.append(method)
        return build_model(method, 6, 2, 5, seed=0)

    panel = TrainingDashboard(train_data=(x, y), model_fn=model_fn, T=3, batch_size=8, steps=2, blocking=True)
    assert panel.methods == ("bptt", "fptt", "ottt") and calls == ["bptt", "fptt", "ottt"]  # checked up front
    panel.start()
    assert calls[3:] == ["bptt", "fptt", "ottt"]
    initial = build_model("bptt", 6, 2, 5, seed=0)[0].weight
    for method in ("bptt", "fptt", "ottt"):
        assert not torch.equal(panel.models[method][0].weight.cpu(), initial)
    assert panel.result.optimizer_steps == {"bptt": 2, "fptt": 6, "ottt": 6}


def _multi_step_net():
    net = torch.nn.Sequential(layer.Linear(6, 4), neuron.LIFNode(), layer.Linear(4, 2))
    functional.set_step_mode(net, "m")
    return net


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(train_data=torch.rand(4, 2)), TypeError, r"TrainingDashboard: train_data must be a pair \(x, labels\)"),
        (
            dict(train_data=(torch.rand(4, 2), torch.ones(4)), x=torch.rand(4, 2)),
            ValueError,
            "TrainingDashboard: give train_data or x and labels, not both",
        ),
        (
            dict(train_data=(torch.ones(4, 2, dtype=torch.long), torch.ones(4, dtype=torch.long))),
            TypeError,
            r"TrainingDashboard: train_data\[0\] must be a floating-point tensor",
        ),
        (
            dict(train_data=(torch.rand(4, 2), torch.ones(4))),
            ValueError,
            r"TrainingDashboard: train_data\[1\] must be a 1-D integer tensor of labels",
        ),
        (
            dict(test_data=(torch.rand(4, 2), torch.ones(4, dtype=torch.long))),
            ValueError,
            "TrainingDashboard: test_data needs train_data",
        ),
        (dict(model="net"), TypeError, r"TrainingDashboard: model must be a torch.nn.Module, got 'net' \(str\)"),
        (
            dict(model=torch.nn.Linear(2, 2), model_fn=lambda m: None),
            ValueError,
            "TrainingDashboard: give model or model_fn, not both",
        ),
        (
            dict(model_fn=torch.nn.Linear(2, 2)),
            TypeError,
            "TrainingDashboard: model_fn must be a function of the method",
        ),
        (
            dict(model_fn=lambda method: "net"),
            TypeError,
            r"TrainingDashboard: model_fn\('bptt'\) must return a torch.nn.Module, got 'net' \(str\)",
        ),
        (
            dict(model=_multi_step_net(), methods=("bptt", "ottt")),
            ValueError,
            r"TrainingDashboard: methods must be ones the network fits, got 'ottt': model does not fit it "
            r"\(model must run one step per call \(step_mode='s'\) for method 'ottt'",
        ),
        (
            dict(model=build_model("fptt", 6, 2, 4), methods=("ottt",)),
            ValueError,
            r"got 'ottt': model does not fit it \(OTTT needs an snnlab.neuron.OTTTLIFNode in the model",
        ),
        (
            dict(model=torch.nn.Sequential(neuron.LIFNode(step_mode="m"), neuron.IFNode(step_mode="s"))),
            ValueError,
            r"TrainingDashboard: model must fit at least one method, got none: bptt: model must run whole sequences",
        ),
        (dict(x_axis="epochs"), ValueError, r"TrainingDashboard: x_axis must be one of 'updates', 'optimizer steps'"),
        (dict(encoding="latency"), ValueError, r"TrainingDashboard: encoding must be one of 'poisson', got 'latency'"),
    ],
)
def test_bad_user_model_and_data_arguments_are_refused_by_name(kwargs, error, match):
    with pytest.raises(error, match=match):
        TrainingDashboard(device="cpu", **kwargs)


# ----------------------------------------------------------------------------- the x axis
def test_x_axis_counts_per_method_match_a_hand_count_and_change_only_the_view():
    panel = TrainingDashboard(
        task="burst", methods=("bptt", "fptt"), T=4, hidden=8, batch_size=8, steps=3, blocking=True, device="cpu"
    )
    panel.start()
    result, weights = panel.result, panel.models["fptt"][0].weight.clone()
    status = panel.status_text
    T, batch = 4, 8
    expected = {
        "updates": {"BPTT": [1, 2, 3], "FPTT": [1, 2, 3]},
        "optimizer steps": {"BPTT": [1, 2, 3], "FPTT": [T, 2 * T, 3 * T]},  # FPTT: T optimizer steps per update
        "samples seen": {"BPTT": [batch, 2 * batch, 3 * batch], "FPTT": [batch, 2 * batch, 3 * batch]},
    }
    assert panel.x_axis.options == X_AXES
    for axis, xs in expected.items():
        panel.x_axis.value = axis
        for fig in (panel.loss_fig, panel.accuracy_fig):
            assert {t.name: list(t.x) for t in fig.data} == xs
            assert fig.layout.xaxis.title.text == axis
        assert panel.loss_fig.layout.xaxis.range[1] == pytest.approx(max(xs["FPTT"]))
    panel.x_axis.value = "wall time (s)"
    for method in ("bptt", "fptt"):
        seconds = list(panel.loss_fig.data[("bptt", "fptt").index(method)].x)
        assert seconds == sorted(seconds) and seconds[-1] == pytest.approx(result.seconds[method])
    assert panel.result is result and panel.status_text == status  # nothing trained again
    torch.testing.assert_close(panel.models["fptt"][0].weight, weights)


def test_the_curves_exist_before_start_and_each_redraw_is_one_update_per_figure():
    # the page draws a redraw once: the curves and their x positions in one update, no trace added by a Start
    panel = TrainingDashboard(task="burst", methods=("bptt", "ottt"), blocking=True, device="cpu", **TINY)
    for fig in (panel.loss_fig, panel.accuracy_fig):
        assert [(t.name, len(t.x)) for t in fig.data] == [("BPTT", 0), ("OTTT", 0)]
    calls = count_messages(panel.loss_fig, panel.accuracy_fig)
    panel.start()
    assert panel.error is None and calls and {name for _, name in calls} == {"_send_update_msg"}
    calls.clear()
    panel.x_axis.value = "samples seen"
    assert calls == [(0, "_send_update_msg"), (1, "_send_update_msg")]
    assert [list(t.x) for t in panel.loss_fig.data] == [[8, 16, 24]] * 2
    panel.method_boxes["fptt"].value = True  # a method not drawn yet gets its curve when it runs
    calls.clear()
    panel.start()
    assert [t.name for t in panel.accuracy_fig.data] == ["BPTT", "OTTT", "FPTT"]
    assert (0, "_send_addTraces_msg") in calls and len(panel.accuracy_fig.data[2].y) == 3


def test_changing_the_x_axis_before_any_run_trains_nothing():
    panel = TrainingDashboard(task="burst", T=4, hidden=8, batch_size=8, steps=3, blocking=True, device="cpu")
    panel.x_axis.value = "optimizer steps"
    assert panel.run is None and panel.result is None and panel.status_text == "ready: press Start"


def test_the_note_explains_the_curves_and_ottts_rising_loss_when_it_runs():
    panel = TrainingDashboard(device="cpu")
    text = re.sub("<[^>]+>", "", panel.note.value)
    assert text.startswith("Reading the curves. Loss: the mean over the T time steps")
    assert "BPTT takes 1 optimizer step per update, FPTT and OTTT take T" in text
    assert "OTTT's loss can climb while its accuracy stays near 1" in text
    panel.method_boxes["ottt"].value = False  # the note follows the checked methods at once
    assert "OTTT's loss can climb" not in panel.note.value and "FPTT and OTTT take T" in panel.note.value
    bptt_only = TrainingDashboard(methods=("bptt",), device="cpu")
    assert "optimizer step" not in bptt_only.note.value


def test_sequences_show_their_own_number_of_time_steps():
    x, y = torch.rand(5, 12, 3), torch.arange(12) % 2
    panel = TrainingDashboard(train_data=(x, y), encoding=None, methods=("bptt",), T=8, device="cpu")
    assert panel.T.value == 5 and repr(panel).endswith("T=5, steps=100)")


def test_building_a_dashboard_starts_the_optimizer_import_that_start_would_wait_for():
    # a fresh process: torch.optim imports torch._dynamo the first time an optimizer is built (seconds)
    code = (
        "import sys\n"
        "from widgets import TrainingDashboard\n"
        "import widgets.training_dashboard as td\n"
        "before = 'torch._dynamo' in sys.modules\n"
        "TrainingDashboard(device='cpu')\n"
        "td._PREPARING[0].join(120)\n"
        "print(before, len(td._PREPARING), 'torch._dynamo' in sys.modules, td.prepare_optimizers())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300)
    assert out.stdout.split() == ["False", "1", "True", "None"], out.stderr[-2000:]
