"""BackgroundRun: long work (training, sweeps) off the kernel's main thread, step by step.

The work is an iterable (typically a generator): each ``next()`` is one step and whatever it yields
is that step's value (metrics, a partial result). A worker thread advances it and, between two steps,
honours ``pause()`` and ``stop()``: a stop takes effect within one step. torch releases the GIL inside
its kernels, so the notebook stays responsive while a step runs.

The worker never prints: it reports through callbacks (``on_step(run, value)`` after every step,
``on_finish(run)`` once at the end), which update widgets. An exception raised by the work or by a
callback ends the run in state ``'error'``; it is kept in ``run.error`` and its text in
``run.message``. ``wait(timeout)`` blocks until the run ends (for nbval and scripts), and
``blocking=True`` runs everything in the calling thread.

States: ``'idle'`` -> ``'running'`` <-> ``'paused'`` -> ``'done'`` | ``'stopped'`` | ``'error'``.

Shape:
    not applicable (runs arbitrary work).

Example:
    >>> run = BackgroundRun((i * i for i in range(4)), total=4)
    >>> run.start().wait(timeout=10)
    True
    >>> run.state, run.steps_done, run.last_value, run.progress
    ('done', 4, 9, 1.0)
"""

import collections
import contextlib
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["RUN_STATES", "BackgroundRun"]

RUN_STATES = ("idle", "running", "paused", "done", "stopped", "error")
_FINAL = ("done", "stopped", "error")
_NOTHING = object()


class BackgroundRun:
    """Advance an iterable of steps in a worker thread, with pause, resume, stop and wait.

    Args:
        steps: an iterable (or iterator, e.g. a generator); each ``next()`` is one step.
        total: number of steps expected, for ``progress`` (``None`` when unknown).
        on_step: ``on_step(run, value)``, called in the worker after each step.
        on_finish: ``on_finish(run)``, called in the worker once, when the run ends for any reason.
        blocking: run in the calling thread: ``start()`` returns when the run has ended. A
            ``KeyboardInterrupt`` (Ctrl-C) during a blocking run ends it in state ``'stopped'``
            (``on_finish`` is called) and is then raised again.
        keep_history: ``False`` (the default) keeps only ``run.last_value``; ``True`` keeps every
            yielded value in ``run.history``; an int ``n`` keeps the last ``n`` values.

    Shape:
        not applicable.

    Example:
        >>> seen = []
        >>> run = BackgroundRun(iter([1, 2, 3]), total=3, blocking=True, keep_history=2,
        ...                     on_step=lambda run, value: seen.append(value))
        >>> run.start().state, seen, list(run.history)
        ('done', [1, 2, 3], [2, 3])
    """

    def __init__(
        self,
        steps: Iterable[Any],
        *,
        total: int | None = None,
        on_step: "Callable[[BackgroundRun, Any], object] | None" = None,
        on_finish: "Callable[[BackgroundRun], object] | None" = None,
        blocking: bool = False,
        keep_history: bool | int = False,
    ):
        try:
            iterator = iter(steps)
        except TypeError:
            raise TypeError(
                f"BackgroundRun: steps must be an iterable (e.g. a generator), got an object of type "
                f"{type(steps).__name__}"
            ) from None
        if total is not None and (isinstance(total, bool) or not isinstance(total, int) or total < 0):
            raise ValueError(f"BackgroundRun: total must be an int >= 0 or None, got {total!r}")
        for name, callback in (("on_step", on_step), ("on_finish", on_finish)):
            if callback is not None and not callable(callback):
                raise TypeError(f"BackgroundRun: {name} must be callable or None, got {type(callback).__name__}")
        if not isinstance(blocking, bool):
            raise TypeError(f"BackgroundRun: blocking must be a bool, got {blocking!r}")
        if not isinstance(keep_history, (bool, int)) or (not isinstance(keep_history, bool) and keep_history < 1):
            raise ValueError(f"BackgroundRun: keep_history must be a bool or an int >= 1, got {keep_history!r}")
        self._iterator = iterator
        self.total = total
        self.on_step = on_step
        self.on_finish = on_finish
        self.blocking = blocking
        self.keep_history = keep_history
        limit = None if isinstance(keep_history, bool) else keep_history
        self.history = collections.deque(maxlen=limit) if limit else []
        self.last_value = None
        self.steps_done = 0
        self.error = None
        self.message = ""
        self.elapsed_s = 0.0
        self._state = "idle"
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._resume = threading.Event()
        self._resume.set()
        self._finished = threading.Event()
        self._thread = None

    # ----------------------------------------------------------------------------- status
    @property
    def state(self) -> str:
        """One of ``RUN_STATES``."""
        return self._state

    @property
    def running(self) -> bool:
        """True between ``start()`` and the end of the run (paused included)."""
        return self._state in ("running", "paused")

    @property
    def finished(self) -> bool:
        """True once the run has ended (done, stopped or error)."""
        return self._state in _FINAL

    @property
    def progress(self) -> float | None:
        """Fraction of ``total`` done, in [0, 1]; ``None`` when ``total`` is unknown (1.0 once done)."""
        if self._state == "done":
            return 1.0
        if not self.total:
            return None
        return min(1.0, self.steps_done / self.total)

    def __repr__(self):
        total = "?" if self.total is None else self.total
        return f"BackgroundRun(state={self._state!r}, steps={self.steps_done}/{total})"

    # ----------------------------------------------------------------------------- control
    def start(self) -> "BackgroundRun":
        """Begin the run (in a worker thread, or here when ``blocking``); returns ``self``."""
        with self._lock:
            if self._state != "idle":
                raise RuntimeError(f"BackgroundRun: start() needs state 'idle', got {self._state!r}")
            self._state = "paused" if not self._resume.is_set() else "running"
        if self.blocking:
            self._loop()
        else:
            self._thread = threading.Thread(target=self._loop, name="snnlab-background-run", daemon=True)
            self._thread.start()
        return self

    def pause(self) -> "BackgroundRun":
        """Hold the run before its next step (the current step finishes first)."""
        with self._lock:
            self._resume.clear()
            if self._state == "running":
                self._state = "paused"
        return self

    def resume(self) -> "BackgroundRun":
        """Continue a paused run."""
        with self._lock:
            self._resume.set()
            if self._state == "paused":
                self._state = "running"
        return self

    def stop(self) -> "BackgroundRun":
        """Ask the run to end before its next step; a paused run ends at once. Returns ``self``.

        A run stopped before ``start()`` ends at once too, and ``on_finish`` is called for it.
        """
        self._stop.set()
        self._resume.set()
        with self._lock:
            never_started = self._state == "idle"
            if never_started:
                self._state = "stopped"
        if never_started:
            self._close_iterator()
            self._call_on_finish()
            self._finished.set()
        return self

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the run ends or ``timeout`` seconds pass; True when it has ended.

        An idle run that was never started returns False at once, instead of waiting forever.
        """
        if self._state == "idle":
            return False
        return self._finished.wait(timeout)

    # ----------------------------------------------------------------------------- worker
    def _loop(self):
        start = time.perf_counter()
        outcome, interrupt = "done", None
        try:
            while True:
                self._resume.wait()
                if self._stop.is_set():
                    outcome = "stopped"
                    break
                value = next(self._iterator, _NOTHING)
                if value is _NOTHING:
                    break
                self.steps_done += 1
                self.last_value = value
                if self.keep_history:
                    self.history.append(value)
                if self.on_step is not None:
                    self.on_step(self, value)
        except Exception as exc:
            self.error = exc
            self.message = f"{type(exc).__name__}: {exc}"
            outcome = "error"
        except BaseException as exc:  # Ctrl-C in a blocking run: end cleanly, then let it propagate
            interrupt = exc
            self.message = f"interrupted ({type(exc).__name__})"
            outcome = "stopped"
        finally:
            self.elapsed_s = time.perf_counter() - start
            self._close_iterator()
            with self._lock:
                self._state = outcome
            self._call_on_finish()
            self._finished.set()
        if interrupt is not None:
            raise interrupt

    def _call_on_finish(self):
        if self.on_finish is not None:
            try:
                self.on_finish(self)
            except Exception as exc:
                self.error = exc
                self.message = f"{type(exc).__name__}: {exc}"
                self._state = "error"

    def _close_iterator(self):
        close = getattr(self._iterator, "close", None)
        if close is not None:
            with contextlib.suppress(Exception):
                close()
