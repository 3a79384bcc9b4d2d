"""Stop, close and interrupt of background work: every run ends once, in a final state, and nothing hangs."""

import threading
import time

import ipywidgets as W
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from widgets._panel import Panel
from widgets._worker import BackgroundRun
from widgets.training_dashboard import TrainingDashboard

FINAL = ("done", "stopped", "error")


class Steps:
    """``n`` steps; step ``fail_at`` raises ``error`` (an exception class) instead of yielding."""

    def __init__(self, n, fail_at=None, error=RuntimeError):
        self.n, self.fail_at, self.error, self.done = n, fail_at, error, 0

    def __iter__(self):
        for i in range(self.n):
            if i == self.fail_at:
                raise self.error("step failed")
            self.done += 1
            yield i


@given(
    n=st.integers(0, 8),
    blocking=st.booleans(),
    stop_at=st.one_of(st.none(), st.integers(-1, 8)),  # -1: stop before start
    fail_at=st.one_of(st.none(), st.integers(0, 8)),
    interrupt=st.booleans(),
    keep=st.sampled_from([False, True, 2]),
)
def test_every_run_ends_once_in_a_final_state(n, blocking, stop_at, fail_at, interrupt, keep):
    interrupt = interrupt and blocking and fail_at is not None
    steps = Steps(n, fail_at, KeyboardInterrupt if interrupt else RuntimeError)
    finishes = []

    def on_step(run, value):
        if stop_at is not None and run.steps_done == stop_at:
            run.stop()

    run = BackgroundRun(
        iter(steps), total=n, blocking=blocking, keep_history=keep, on_step=on_step, on_finish=finishes.append
    )
    if stop_at == -1:
        run.stop()
    else:
        try:
            run.start()
        except KeyboardInterrupt:
            assert interrupt
    assert run.wait(10) is True
    assert run.state in FINAL and run.finished and not run.running
    assert finishes == [run]
    assert run.steps_done <= n and run.steps_done == steps.done
    if keep is True:
        assert len(run.history) == run.steps_done
    else:
        assert len(run.history) <= (2 if keep == 2 else 0)
    stops = stop_at is not None and 1 <= stop_at <= n  # on_step sees steps_done >= 1
    failed = fail_at is not None and fail_at < n and (not stops or fail_at < stop_at)
    if stop_at == -1:
        assert run.state == "stopped" and run.steps_done == 0
    elif failed and not interrupt:
        assert run.state == "error" and run.message == "RuntimeError: step failed"
    elif failed and interrupt:
        assert run.state == "stopped" and run.message == "interrupted (KeyboardInterrupt)"
    with pytest.raises(RuntimeError, match="start\\(\\) needs state 'idle'"):
        run.start()
    state = run.state
    run.stop()
    assert run.state == state and finishes == [run]


class Counter(Panel):
    """A minimal panel for background work."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.x = W.FloatSlider(value=1.0, min=0.0, max=2.0)
        self.set_controls([self.x])

    def compute(self):
        return self.x.value

    def render(self, result):
        pass


def _endless(counter):
    while True:
        counter.append(1)
        time.sleep(0.0005)
        yield len(counter)


@settings(max_examples=8)
@given(action=st.sampled_from(["close", "stop", "restart"]), after=st.integers(0, 5))
def test_close_stop_or_restart_of_a_panel_ends_its_run(action, after):
    panel = Counter(throttle_ms=0)
    panel.stop()  # nothing to stop yet: no error
    counter = []
    run = panel.start_background(_endless(counter))
    deadline = time.monotonic() + 5
    while len(counter) < after and time.monotonic() < deadline:
        time.sleep(0.0005)
    if action == "close":
        panel.close()
    elif action == "stop":
        panel.stop()
    else:
        second = panel.start_background(iter([1, 2]), total=2)
        assert panel.wait(5) and second.state == "done"
    assert run.wait(5) and run.state == "stopped"
    count = len(counter)
    time.sleep(0.02)
    assert len(counter) == count
    assert panel.stop_button.disabled


@settings(max_examples=4)
@given(at=st.integers(0, 3))
def test_ctrl_c_during_a_blocking_panel_run_leaves_it_restartable(at):
    panel = Counter(throttle_ms=0, blocking=True)
    with pytest.raises(KeyboardInterrupt):
        panel.start_background(iter(Steps(5, fail_at=at, error=KeyboardInterrupt)), total=5)
    assert panel.run.state == "stopped" and panel.run.steps_done == at
    restarted = []
    worker = threading.Thread(target=lambda: restarted.append(panel.start_background(iter([1]), total=1).state))
    worker.start()
    worker.join(5)
    assert not worker.is_alive() and restarted == ["done"]


@settings(max_examples=3)
@given(stop_after=st.integers(1, 3))
def test_dashboard_stop_then_start_gives_each_run_its_own_result(stop_after):
    panel = TrainingDashboard(task="order", methods=("ottt",), T=2, hidden=4, batch_size=8, steps=10_000, device="cpu")
    first = panel.start()
    deadline = time.monotonic() + 30
    while first.steps_done < stop_after and time.monotonic() < deadline:
        time.sleep(0.002)
    panel.steps.value = 2
    second = panel.start()
    assert first.state == "stopped"
    kept = len(panel.result.loss["ottt"])
    assert kept == first.steps_done
    assert panel.wait(30) and second.state == "done"
    assert len(panel.result.loss["ottt"]) == 2 and kept == first.steps_done
    assert not panel.start_button.disabled
    panel.close()
