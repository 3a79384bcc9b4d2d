"""BackgroundRun: steps, progress, pause/resume/stop, wait, blocking mode, errors captured."""

import threading

import pytest

from widgets._worker import RUN_STATES, BackgroundRun


def gated_steps(n, gate, entered):
    """A generator whose every step waits for ``gate`` (lets a test hold the worker mid-run)."""
    for i in range(n):
        entered.set()
        gate.wait(5)
        gate.clear()
        yield i


def test_blocking_run_visits_every_step_in_order_in_the_calling_thread():
    threads, seen = [], []

    def on_step(run, value):
        threads.append(threading.current_thread())
        seen.append((run.steps_done, value))

    run = BackgroundRun((10 * i for i in range(5)), total=5, on_step=on_step, blocking=True, keep_history=True)
    assert run.state == "idle" and run.progress == 0.0
    assert run.start() is run
    assert run.state == "done" and run.finished and not run.running
    assert seen == [(1, 0), (2, 10), (3, 20), (4, 30), (5, 40)]
    assert threads == [threading.current_thread()] * 5
    assert run.history == [0, 10, 20, 30, 40] and run.last_value == 40
    assert run.progress == 1.0 and run.wait(0) is True
    assert repr(run) == "BackgroundRun(state='done', steps=5/5)"


def test_threaded_run_finishes_and_calls_on_finish_once_in_the_worker():
    finishes = []
    run = BackgroundRun(
        range(3), total=3, keep_history=True, on_finish=lambda r: finishes.append((r.state, threading.current_thread()))
    )
    run.start()
    assert run.wait(timeout=10) is True
    assert run.state == "done" and run.history == [0, 1, 2]
    assert len(finishes) == 1 and finishes[0][0] == "done"
    assert finishes[0][1] is not threading.current_thread()


def test_stop_takes_effect_before_the_next_step():
    gate, entered = threading.Event(), threading.Event()
    run = BackgroundRun(gated_steps(100, gate, entered), total=100).start()
    assert entered.wait(5)
    run.stop()  # the worker is inside step 1: it finishes that step and then ends
    gate.set()
    assert run.wait(timeout=10)
    assert run.state == "stopped" and run.steps_done == 1 and run.progress == pytest.approx(0.01)


def test_pause_holds_the_worker_and_resume_continues():
    gate, entered = threading.Event(), threading.Event()
    run = BackgroundRun(gated_steps(3, gate, entered), total=3).start()
    assert entered.wait(5)
    run.pause()
    assert run.state == "paused" and run.running
    entered.clear()
    gate.set()  # step 1 completes; the worker must now hold before step 2
    assert not entered.wait(0.3)
    assert run.steps_done == 1 and run.state == "paused"
    run.resume()
    assert run.state == "running"
    for _ in range(2):
        assert entered.wait(5)
        entered.clear()
        gate.set()
    assert run.wait(timeout=10) and run.state == "done" and run.steps_done == 3


def test_stop_of_a_paused_run_ends_it_without_another_step():
    gate, entered = threading.Event(), threading.Event()
    run = BackgroundRun(gated_steps(5, gate, entered), total=5).start()
    assert entered.wait(5)
    run.pause()
    gate.set()
    run.stop()
    assert run.wait(timeout=10)
    assert run.state == "stopped" and run.steps_done == 1


def test_an_exception_in_the_work_is_captured_not_raised():
    def broken():
        yield 1
        raise ZeroDivisionError("bad step 2")

    finishes = []
    run = BackgroundRun(broken(), on_finish=lambda r: finishes.append(r.state), blocking=True).start()
    assert run.state == "error" and run.steps_done == 1
    assert isinstance(run.error, ZeroDivisionError)
    assert run.message == "ZeroDivisionError: bad step 2"
    assert finishes == ["error"] and run.progress is None


def test_an_exception_in_a_callback_ends_the_run_in_error(capsys):
    def on_step(run, value):
        raise KeyError("widget gone")

    run = BackgroundRun(range(5), on_step=on_step).start()
    assert run.wait(timeout=10)
    assert run.state == "error" and run.steps_done == 1 and run.message == "KeyError: 'widget gone'"
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""  # a worker never prints


def test_generator_is_closed_when_the_run_is_stopped():
    closed = threading.Event()

    def work():
        try:
            while True:
                yield 0
        finally:
            closed.set()

    run = BackgroundRun(work(), on_step=lambda r, v: r.stop() if r.steps_done == 3 else None, blocking=True)
    run.start()
    assert run.state == "stopped" and run.steps_done == 3 and closed.is_set()


def test_wait_on_an_unstarted_run_returns_false_and_stop_marks_it_stopped():
    run = BackgroundRun(range(3))
    assert run.wait(0.01) is False
    run.stop()
    assert run.state == "stopped" and run.wait(0) is True and run.steps_done == 0


def test_start_twice_is_refused():
    run = BackgroundRun(range(2), blocking=True).start()
    with pytest.raises(RuntimeError, match=r"start\(\) needs state 'idle', got 'done'"):
        run.start()


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(steps=5), TypeError, r"steps must be an iterable \(e.g. a generator\), got an object of type int"),
        (dict(steps=[], total=-1), ValueError, r"total must be an int >= 0 or None, got -1"),
        (dict(steps=[], total=2.5), ValueError, r"total must be an int >= 0 or None, got 2.5"),
        (dict(steps=[], on_step=3), TypeError, r"on_step must be callable or None, got int"),
        (dict(steps=[], blocking=1), TypeError, r"blocking must be a bool, got 1"),
    ],
)
def test_bad_arguments_are_rejected_with_a_clear_message(kwargs, error, match):
    with pytest.raises(error, match=match):
        BackgroundRun(**kwargs)


def test_states_are_the_documented_ones():
    assert RUN_STATES == ("idle", "running", "paused", "done", "stopped", "error")


# ----------------------------------------------------------------------------- stop, interrupt, history
def test_stop_before_start_ends_the_run_and_calls_on_finish_once():
    finishes = []
    run = BackgroundRun(range(3), on_finish=lambda r: finishes.append(r.state))
    run.stop()
    assert run.state == "stopped" and run.finished and run.wait(0) is True
    assert finishes == ["stopped"] and run.steps_done == 0
    with pytest.raises(RuntimeError, match="start\\(\\) needs state 'idle', got 'stopped'"):
        run.start()
    assert finishes == ["stopped"]


def test_history_is_bounded_by_default():
    run = BackgroundRun(range(10_000), blocking=True).start()
    assert run.history == [] and run.last_value == 9_999
    run = BackgroundRun(range(10), blocking=True, keep_history=3).start()
    assert list(run.history) == [7, 8, 9]
    with pytest.raises(ValueError, match="keep_history must be a bool or an int >= 1, got 0"):
        BackgroundRun(range(3), keep_history=0)


def test_keyboard_interrupt_in_a_blocking_run_ends_it_stopped_and_propagates():
    finishes = []

    def steps():
        yield 1
        yield 2
        raise KeyboardInterrupt

    run = BackgroundRun(steps(), total=5, blocking=True, on_finish=lambda r: finishes.append(r.state))
    with pytest.raises(KeyboardInterrupt):
        run.start()
    assert run.state == "stopped" and run.finished and run.steps_done == 2
    assert run.message == "interrupted (KeyboardInterrupt)" and finishes == ["stopped"]
    assert run.wait(0) is True
