"""The TrainingDashboard's record of a run: per-method histories, the x axes to compare them on, the table.

Shape:
    ``loss[m]``, ``accuracy[m]``, ``steps_at[m]``, ``seconds_at[m]``: ``[updates]`` lists.

Example:
    >>> r = TrainingResult(('fptt',), 'cpu', {'fptt': [2.0, 1.5]}, {'fptt': [0.5, 0.75]}, {'fptt': None},
    ...                    {'fptt': 100}, {'fptt': 8}, {'fptt': 0.5}, batch_size={'fptt': 16},
    ...                    steps_at={'fptt': [4, 8]}, seconds_at={'fptt': [0.25, 0.5]})
    >>> [r.x_values(axis, 'fptt') for axis in X_AXES]
    [[1.0, 2.0], [4.0, 8.0], [16.0, 32.0], [0.25, 0.5]]
"""

import html
from dataclasses import dataclass, field

import torch

__all__ = ["X_AXES", "TrainingResult", "results_table"]

# what the curves' x axis counts, for every method at the END of each update
X_AXES = ("updates", "optimizer steps", "samples seen", "wall time (s)")


@dataclass(repr=False)
class TrainingResult:
    """Per-method histories of one dashboard run (Python numbers, on the host).

    ``loss``/``accuracy``: one value per update; ``test_accuracy``: on the test set after the run
    (None without one); ``peak_bytes``: the largest per-update memory estimate; ``optimizer_steps``:
    ``optimizer.step()`` calls so far; ``seconds``: time spent in the method's updates (device work
    included). Per update, ``steps_at`` holds the optimizer steps and ``seconds_at`` the seconds so far;
    ``batch_size`` is the samples per update. :meth:`x_values` turns them into an x axis of ``X_AXES``.

    Shape:
        ``loss[m]``, ``accuracy[m]``, ``steps_at[m]``, ``seconds_at[m]``: ``[updates]`` lists.

    Example:
        >>> r = TrainingResult(('bptt',), 'cpu', {'bptt': [2.0]}, {'bptt': [0.5]}, {'bptt': None},
        ...                    {'bptt': 100}, {'bptt': 1}, {'bptt': 0.5})
        >>> r, r.steps_per_second(), r.updates
        (TrainingResult(methods=('bptt',), updates=1, device='cpu'), {'bptt': 2.0}, 1)
    """

    methods: tuple
    device: str
    loss: dict = field(default_factory=dict)
    accuracy: dict = field(default_factory=dict)
    test_accuracy: dict = field(default_factory=dict)
    peak_bytes: dict = field(default_factory=dict)
    optimizer_steps: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)
    batch_size: dict = field(default_factory=dict)
    steps_at: dict = field(default_factory=dict)
    seconds_at: dict = field(default_factory=dict)

    @property
    def updates(self) -> int:
        """Updates every method has finished (the fewest over the methods)."""
        return min((len(v) for v in self.loss.values()), default=0)

    def steps_per_second(self) -> dict:
        """Optimizer steps per second of each method."""
        return {m: (self.optimizer_steps[m] / self.seconds[m] if self.seconds[m] > 0 else 0.0) for m in self.methods}

    def x_values(self, axis: str, method: str) -> list:
        """The x value of each of ``method``'s updates on ``axis`` (one of ``X_AXES``), counted at its end.

        ``'updates'``: 1, 2, ...; ``'optimizer steps'``: ``optimizer.step()`` calls so far (BPTT one per
        update, FPTT and OTTT ``T``); ``'samples seen'``: updates times the batch size; ``'wall time (s)'``:
        seconds spent in the method's updates so far.
        """
        if axis not in X_AXES:
            raise ValueError(f"TrainingResult: axis must be one of {', '.join(map(repr, X_AXES))}, got {axis!r}")
        n = len(self.loss[method])
        if axis == "updates":
            return [float(i + 1) for i in range(n)]
        if axis == "optimizer steps":
            return [float(v) for v in self.steps_at[method][:n]]
        if axis == "samples seen":
            return [float((i + 1) * self.batch_size[method]) for i in range(n)]
        return [float(v) for v in self.seconds_at[method][:n]]

    def __repr__(self) -> str:
        return f"TrainingResult(methods={self.methods}, updates={self.updates}, device={self.device!r})"


class Live:
    """Metrics gathered while the trainers run; device values are read in batches, at redraw time."""

    def __init__(self, trainers: dict, device: str) -> None:
        self.trainers = trainers
        methods = tuple(trainers)
        self.result = TrainingResult(
            methods,
            device,
            loss={m: [] for m in methods},
            accuracy={m: [] for m in methods},
            test_accuracy=dict.fromkeys(methods),
            peak_bytes=dict.fromkeys(methods, 0),
            optimizer_steps=dict.fromkeys(methods, 0),
            seconds=dict.fromkeys(methods, 0.0),
            batch_size={m: t.batch_size for m, t in trainers.items()},
            steps_at={m: [] for m in methods},
            seconds_at={m: [] for m in methods},
        )
        self.pending: list = []
        self.seconds = self.result.seconds

    def add(self, metrics, seconds: float) -> None:
        """Record one update's metrics and the seconds it took (read from the device at the next snapshot)."""
        self.seconds[metrics.method] += seconds
        self.result.seconds_at[metrics.method].append(self.seconds[metrics.method])
        self.pending.append(metrics)

    def snapshot(self) -> TrainingResult:
        pending, self.pending = self.pending, []
        if pending:
            values = torch.stack([torch.stack([m.loss, m.accuracy]) for m in pending]).cpu().tolist()
            r = self.result
            for metrics, (loss, accuracy) in zip(pending, values):
                r.loss[metrics.method].append(loss)
                r.accuracy[metrics.method].append(accuracy)
                r.peak_bytes[metrics.method] = max(r.peak_bytes[metrics.method], metrics.peak_bytes)
                r.optimizer_steps[metrics.method] = metrics.optimizer_steps
                r.steps_at[metrics.method].append(metrics.optimizer_steps)
        return self.result

    def finish(self) -> TrainingResult:
        result = self.snapshot()
        for method, trainer in self.trainers.items():
            if trainer.x_test is not None:
                result.test_accuracy[method] = float(trainer.evaluate()[1])
        return result


def _bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB"):
        if n < 1024:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


_CELL = "padding:2px 10px;text-align:right;border-bottom:1px solid #ddd"
_HEAD = "padding:2px 10px;text-align:right;border-bottom:2px solid #888;font-weight:600;white-space:nowrap"


def results_table(result: TrainingResult) -> str:
    """The per-method summary as an HTML table with padded, ruled cells.

    Example:
        >>> r = TrainingResult(('bptt',), 'cpu', {'bptt': [2.0]}, {'bptt': [0.5]}, {'bptt': 0.25},
        ...                    {'bptt': 2048}, {'bptt': 1}, {'bptt': 0.5})
        >>> '<td style="' in results_table(r), '2.0 KiB' in results_table(r)
        (True, True)
    """
    memory = "peak CUDA memory / update" if result.device == "cuda" else "saved for backward / update"
    head = ["method", "updates", "optimizer steps", "steps/s", "last loss", "train acc", "test acc", memory]
    rows = []
    speed = result.steps_per_second()
    for m in result.methods:
        losses, accuracies, test = result.loss[m], result.accuracy[m], result.test_accuracy[m]
        cells = [
            m.upper(),
            str(len(losses)),
            str(result.optimizer_steps[m]),
            f"{speed[m]:.0f}",
            f"{losses[-1]:.3f}" if losses else "-",
            f"{accuracies[-1]:.2f}" if accuracies else "-",
            "-" if test is None else f"{test:.3f}",
            _bytes(result.peak_bytes[m]),
        ]
        rows.append("<tr>" + "".join(f'<td style="{_CELL}">{html.escape(c)}</td>' for c in cells) + "</tr>")
    header = "<tr>" + "".join(f'<th style="{_HEAD}">{html.escape(h)}</th>' for h in head) + "</tr>"
    return (
        f'<table style="font-family:monospace;border-collapse:collapse;margin-top:6px">{header}{"".join(rows)}</table>'
    )
