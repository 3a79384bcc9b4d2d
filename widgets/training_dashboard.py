"""TrainingDashboard: one small spiking network trained with BPTT, FPTT and OTTT side by side, live.

The panel builds one :class:`snnlab.training.Trainer` per chosen method on the same data, with the
same architecture and initial weights, and advances them in turn, one update (mini-batch) each.
Two figures show the loss and the training accuracy of every update per method; a table shows
the test accuracy (at the end), the optimizer steps, their speed and the peak memory of an update
(on CUDA the peak of allocated memory during the update, on CPU the bytes autograd saved for the
backward pass: see :mod:`snnlab.training`).

Tasks (all offline): ``'digits'`` (the 8x8 digits shipped with snnlab, Poisson rate-encoded over
``T`` steps), ``'burst'`` (which of 4 noisy channels bursts, for ``min(6, T)`` steps) and ``'order'`` (which of two channels
fires first: only timing tells), or ``'custom'`` with your own ``x``/``labels``.

Start trains in a background thread (the notebook stays usable); Pause/Resume and Stop act
between two updates. ``wait()`` blocks until the run ends; ``blocking=True`` makes Start run to the
end in the calling thread (scripts, nbval). ``update()`` (called by the device dropdown) is Start:
it never trains outside a run that Stop, ``close()`` and Ctrl-C can end. A Start during a run
stops that run first; each run keeps its own result.

Shape:
    custom ``x``: ``[N, *]`` intensities in [0, 1] (``encoding='poisson'``) or ``[T, N, *]``
    sequences (``encoding=None``); ``labels``: ``[N]``.

Example:
    >>> panel = TrainingDashboard(task="burst", T=6, hidden=8, batch_size=8, steps=2, device="cpu", blocking=True)
    >>> panel
    TrainingDashboard(task='burst', methods=('bptt', 'fptt', 'ottt'), T=6, steps=2)
    >>> panel.update()
    True
    >>> panel.result, panel.result.optimizer_steps
    (TrainingResult(methods=('bptt', 'fptt', 'ottt'), updates=2, device='cpu'), {'bptt': 2, 'fptt': 12, 'ottt': 12})
"""

import html
import time
from dataclasses import dataclass, field

import ipywidgets as W
import torch

from snnlab import datasets
from snnlab.checks import check_choice, check_int
from snnlab.training import METHODS, Trainer
from snnlab.viz import plotly as vp

from ._bounds import check_number, check_seed
from ._device import synchronize
from ._panel import Panel
from .figure_widget import FigureWidget

__all__ = ["TASKS", "TrainingDashboard", "TrainingResult"]

TASKS = ("digits", "burst", "order")
CUSTOM = "custom"
_N_SYNTHETIC = 512  # training samples of the synthetic tasks (and half as many test samples)


@dataclass(repr=False)
class TrainingResult:
    """Per-method histories of one dashboard run (Python numbers, on the host).

    ``loss``/``accuracy``: one value per update; ``test_accuracy``: on the test set after the run
    (None without one); ``peak_bytes``: the largest per-update memory estimate; ``seconds``: time
    spent in the method's updates (device work included).

    Shape:
        ``loss[m]``, ``accuracy[m]``: ``[updates]`` lists.

    Example:
        >>> r = TrainingResult(('bptt',), 'cpu', {'bptt': [2.0]}, {'bptt': [0.5]}, {'bptt': None},
        ...                    {'bptt': 100}, {'bptt': 1}, {'bptt': 0.5})
        >>> r, r.steps_per_second()
        (TrainingResult(methods=('bptt',), updates=1, device='cpu'), {'bptt': 2.0})
    """

    methods: tuple
    device: str
    loss: dict = field(default_factory=dict)
    accuracy: dict = field(default_factory=dict)
    test_accuracy: dict = field(default_factory=dict)
    peak_bytes: dict = field(default_factory=dict)
    optimizer_steps: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)

    def steps_per_second(self) -> dict:
        """Optimizer steps per second of each method."""
        return {m: (self.optimizer_steps[m] / self.seconds[m] if self.seconds[m] > 0 else 0.0) for m in self.methods}

    def __repr__(self):
        updates = min((len(v) for v in self.loss.values()), default=0)
        return f"TrainingResult(methods={self.methods}, updates={updates}, device={self.device!r})"


def _task_data(task, T, seed, device):
    """``(x, labels, x_test, labels_test, encoding)`` of a built-in task, on ``device``."""
    if task == "digits":
        x, y, x_test, y_test = datasets.load_digits(seed=seed, device=device)
        return x, y, x_test, y_test, "poisson"
    if task == "burst":
        make, options = datasets.burst_channel_task, {"burst_length": min(6, T)}
    else:
        make, options = datasets.spike_order_task, {}
    x, y = make(_N_SYNTHETIC, T=T, seed=seed, time_first=True, device=device, **options)
    x_test, y_test = make(_N_SYNTHETIC // 2, T=T, seed=seed + 10_000, time_first=True, device=device, **options)
    return x, y, x_test, y_test, None


class TrainingDashboard(Panel):
    """Train one network with BPTT, FPTT and OTTT on one task; live curves, memory and speed per method.

    Args:
        task: ``'digits'``, ``'burst'`` or ``'order'`` (``'custom'`` when ``x`` is given).
        methods: the methods to run, a subset of ``('bptt', 'fptt', 'ottt')``.
        T, hidden, batch_size, lr, alpha, steps, seed: see :class:`snnlab.training.Trainer`;
            ``steps`` is the number of updates per method; ``alpha`` is FPTT's regulariser.
        x, labels, x_test, labels_test, encoding: your own data (``task='custom'``).
        redraw_s: minimum time between two redraws of the live figures.

    Shape:
        see the module docstring.

    Example:
        >>> panel = TrainingDashboard(methods=("ottt",), T=4, hidden=8, steps=1, blocking=True, device="cpu")
        >>> panel.start().state, len(panel.result.loss['ottt'])
        ('done', 1)
    """

    _repr_fields = ("task", "methods", "T", "steps")

    def __init__(
        self,
        task="digits",
        methods=METHODS,
        *,
        T=8,
        hidden=64,
        batch_size=32,
        lr=1e-2,
        alpha=0.5,
        steps=100,
        seed=0,
        x=None,
        labels=None,
        x_test=None,
        labels_test=None,
        encoding="poisson",
        redraw_s=0.25,
        device=None,
        blocking=False,
    ):
        owner = type(self).__name__
        if x is not None:
            task = CUSTOM
        else:
            check_choice(owner, "task", task, TASKS)
        if isinstance(methods, str) or not all(isinstance(m, str) for m in methods):
            raise TypeError(f"{owner}: methods must be a tuple of method names, got {methods!r}")
        for m in methods:
            check_choice(owner, "methods", m, METHODS)
        if (x is None) != (labels is None):
            raise ValueError(f"{owner}: x and labels must be given together")
        # the ranges of the controls below: a value outside is refused here, not clamped by the control
        T = check_number(owner, "T", T, 1, None, integer=True)
        hidden = check_number(owner, "hidden", hidden, 1, None, integer=True)
        batch_size = check_number(owner, "batch_size", batch_size, 1, None, integer=True)
        lr = check_number(owner, "lr", lr, 1e-5, 1.0)
        alpha = check_number(owner, "alpha", alpha, 1e-3, 100.0)
        steps = check_number(owner, "steps", steps, 1, None, integer=True)
        seed = check_seed(owner, seed)
        redraw_s = check_number(owner, "redraw_s", redraw_s, 0.0, None)
        super().__init__(device=device, throttle_ms=0.0, blocking=blocking)
        self.user_data = None if x is None else (x, labels, x_test, labels_test, encoding)
        self.redraw_s = float(redraw_s)
        style, wide = {"description_width": "70px"}, W.Layout(width="300px")
        self.task = W.Dropdown(
            options=TASKS + ((CUSTOM,) if x is not None else ()),
            value=task,
            description="task",
            style=style,
            disabled=x is not None,
        )
        self.method_boxes = {
            m: W.Checkbox(value=m in methods, description=m.upper(), indent=False, layout=W.Layout(width="80px"))
            for m in METHODS
        }
        self.T = W.IntSlider(
            value=T, min=1, max=max(64, T), description="T", style=style, layout=wide, continuous_update=False
        )
        self.hidden = W.IntSlider(
            value=hidden,
            min=1,
            max=max(512, hidden),
            description="hidden",
            style=style,
            layout=wide,
            continuous_update=False,
        )
        self.batch_size = W.IntSlider(
            value=batch_size,
            min=1,
            max=max(256, batch_size),
            description="batch",
            style=style,
            layout=wide,
            continuous_update=False,
        )
        self.lr = W.FloatLogSlider(
            value=lr,
            base=10,
            min=-5,
            max=0,
            description="lr",
            style=style,
            layout=wide,
            readout_format=".1e",
            continuous_update=False,
        )
        self.alpha = W.FloatLogSlider(
            value=alpha,
            base=10,
            min=-3,
            max=2,
            description="FPTT alpha",
            style={"description_width": "85px"},
            layout=W.Layout(width="315px"),
            readout_format=".2g",
            continuous_update=False,
        )
        self.steps = W.IntText(value=steps, description="updates", style=style, layout=W.Layout(width="160px"))
        self.seed = W.IntText(value=seed, description="seed", style=style, layout=W.Layout(width="160px"))
        self.start_button = W.Button(description="Start", button_style="success", layout=W.Layout(width="80px"))
        self.pause_button = W.Button(description="Pause", disabled=True, layout=W.Layout(width="80px"))
        self.start_button.on_click(lambda _b: self.start())
        self.pause_button.on_click(lambda _b: self.toggle_pause())
        self.loss_fig = FigureWidget(vp.training_curves({}, xlabel="update", ylabel="loss"))
        self.accuracy_fig = FigureWidget(vp.training_curves({}, xlabel="update", ylabel="training accuracy"))
        for fig in (self.loss_fig, self.accuracy_fig):
            fig.layout.update(width=415, height=300)
        self.table = W.HTML(value="")
        self.set_controls(
            [
                W.VBox([self.task, W.HBox(list(self.method_boxes.values())), self.steps, self.seed]),
                W.VBox([self.T, self.hidden, self.batch_size]),
                W.VBox([self.lr, self.alpha]),
                W.VBox([self.start_button, self.pause_button]),
            ],
            watch=False,
        )
        self.set_figures([W.VBox([W.HBox([self.loss_fig, self.accuracy_fig]), self.table])])
        self._live = None
        self._last_draw = 0.0
        self.set_status("ready: press Start")

    # ----------------------------------------------------------------------------- controls
    @property
    def methods(self) -> tuple:
        """The checked methods, in the order ``('bptt', 'fptt', 'ottt')``."""
        return tuple(m for m, box in self.method_boxes.items() if box.value)

    def sync_controls(self):
        self.alpha.disabled = "fptt" not in self.methods
        self.T.disabled = self.user_data is not None and self.user_data[4] is None

    # ----------------------------------------------------------------------------- training
    def make_trainers(self) -> dict:
        """One :class:`Trainer` per checked method, on ``self.device``, from the controls' values."""
        owner = type(self).__name__
        methods = self.methods
        if not methods:
            raise ValueError(f"{owner}: check at least one method")
        check_int(owner, "steps", self.steps.value, minimum=1)
        device = self.device
        if self.user_data is not None:
            x, labels, x_test, labels_test, encoding = self.user_data
            x, labels = x.to(device), labels.to(device)
            if x_test is not None:
                x_test, labels_test = x_test.to(device), labels_test.to(device)
        else:
            x, labels, x_test, labels_test, encoding = _task_data(
                self.task.value, self.T.value, self.seed.value, device
            )
        n_classes = 1 + max(int(labels.max()), -1 if labels_test is None else int(labels_test.max()))
        return {
            m: Trainer(
                m,
                x,
                labels,
                T=self.T.value,
                hidden=self.hidden.value,
                batch_size=min(self.batch_size.value, labels.shape[0]),
                lr=self.lr.value,
                alpha=self.alpha.value,
                seed=self.seed.value,
                encoding=encoding,
                n_classes=max(n_classes, 2),
                x_test=x_test,
                labels_test=labels_test,
            )
            for m in methods
        }

    def _session(self, trainers, live):
        """A generator: one update of each trainer in turn, ``steps`` rounds; yields ``(method, metrics)``."""
        for _ in range(self.steps.value):
            for method, trainer in trainers.items():
                started = time.perf_counter()
                metrics = trainer.step()
                synchronize(trainer.device)
                live.seconds[method] += time.perf_counter() - started
                live.pending.append(metrics)
                yield method, metrics

    def _begin(self):
        """Build the trainers and a fresh live record (errors surface here, before any thread starts)."""
        self.sync_controls()
        trainers = self.make_trainers()
        self._live = _Live(trainers, self.device.type)
        return trainers

    def compute(self) -> TrainingResult:
        """Train every checked method for ``steps`` updates, here and now; return the result.

        Nothing can stop this call but Ctrl-C: the panel's ``update()`` and Start use a run instead.
        """
        trainers = self._begin()
        for _ in self._session(trainers, self._live):
            pass
        return self._live.finish()

    def update(self) -> bool:
        """Start training (as Start does): in the background, or to the end with ``blocking=True``.

        True when the run started (blocking: when it finished); errors go to the status line.
        """
        run = self.start()
        return run is not None and run.state in ("running", "paused", "done")

    def render(self, result: TrainingResult):
        names = {m: m.upper() for m in result.methods}
        vp.training_curves(
            {names[m]: result.loss[m] for m in result.methods}, xlabel="update", ylabel="loss", fig=self.loss_fig
        )
        vp.training_curves(
            {names[m]: result.accuracy[m] for m in result.methods},
            xlabel="update",
            ylabel="training accuracy",
            fig=self.accuracy_fig,
        )
        self.table.value = _table(result)

    def start(self):
        """Start training in the background (or to the end with ``blocking=True``); returns the run.

        A run still going is stopped (and its result kept) before the new one is built.
        """
        self.stop()
        if self.run is not None:
            self.run.wait()
        try:
            trainers = self._begin()
        except Exception as exc:
            self.show_error(exc)
            return None
        live = self._live
        self._last_draw = 0.0
        self.pause_button.disabled = False
        self.pause_button.description = "Pause"
        self.start_button.disabled = True
        total = self.steps.value * len(trainers)

        def on_step(run, value):
            self._on_step(run, value, live)

        def on_finish(run):
            self._on_finish(run, live)

        return self.start_background(self._session(trainers, live), total=total, on_step=on_step, on_finish=on_finish)

    def toggle_pause(self):
        """Pause a running run, or resume a paused one."""
        if self.run is None or self.run.finished:
            return
        if self.run.state == "paused":
            self.run.resume()
            self.pause_button.description = "Pause"
        else:
            self.run.pause()
            self.pause_button.description = "Resume"

    def _on_step(self, run, value, live):
        now = time.perf_counter()
        if now - self._last_draw >= self.redraw_s:
            self._last_draw = now
            self.render(live.snapshot())

    def _on_finish(self, run, live):
        self.result = live.finish()
        self.last_device = self.device
        self.render(self.result)

    def _show_finished(self, run):
        self.start_button.disabled = False
        self.pause_button.disabled = True
        self.pause_button.description = "Pause"
        super()._show_finished(run)


class _Live:
    """Metrics gathered while the trainers run; device values are read in batches, at redraw time."""

    def __init__(self, trainers, device):
        self.trainers = trainers
        self.result = TrainingResult(
            tuple(trainers),
            device,
            *({m: [] for m in trainers} for _ in range(2)),
            dict.fromkeys(trainers),
            dict.fromkeys(trainers, 0),
            dict.fromkeys(trainers, 0),
            dict.fromkeys(trainers, 0.0),
        )
        self.pending = []
        self.seconds = self.result.seconds

    def snapshot(self) -> TrainingResult:
        pending, self.pending = self.pending, []
        if pending:
            values = torch.stack([torch.stack([m.loss, m.accuracy]) for m in pending]).cpu().tolist()
            for metrics, (loss, accuracy) in zip(pending, values):
                r = self.result
                r.loss[metrics.method].append(loss)
                r.accuracy[metrics.method].append(accuracy)
                r.peak_bytes[metrics.method] = max(r.peak_bytes[metrics.method], metrics.peak_bytes)
                r.optimizer_steps[metrics.method] = metrics.optimizer_steps
        return self.result

    def finish(self) -> TrainingResult:
        result = self.snapshot()
        for method, trainer in self.trainers.items():
            if trainer.x_test is not None:
                result.test_accuracy[method] = float(trainer.evaluate()[1])
        return result


def _bytes(n):
    for unit in ("B", "KiB", "MiB"):
        if n < 1024:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


def _table(result: TrainingResult) -> str:
    """The per-method summary as an HTML table."""
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
        rows.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    header = "<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr>"
    return f'<table style="font-family:monospace">{header}{"".join(rows)}</table>'
