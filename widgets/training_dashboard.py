"""TrainingDashboard: one spiking network trained with BPTT, FPTT and OTTT side by side, live.

The panel builds one :class:`snnlab.training.Trainer` per chosen method on the same data, with the
same architecture and initial weights, and advances them in turn, one update (mini-batch) each.
Two figures show the loss and the training accuracy of every update per method, against an x axis
you choose (``updates``, ``optimizer steps``, ``samples seen`` or ``wall time (s)``: BPTT takes one
optimizer step per update, FPTT and OTTT take ``T``); a table shows the test accuracy (at the end),
the optimizer steps, their speed and the peak memory of an update (on CUDA the peak of allocated
memory during the update, on CPU the bytes autograd saved for the backward pass: see
:mod:`snnlab.training`). A note under the table says how to read the curves.

Tasks (all offline): ``'digits'`` (the 8x8 digits shipped with snnlab, Poisson rate-encoded over
``T`` steps), ``'burst'`` (which of 4 noisy channels bursts, for ``min(6, T)`` steps) and ``'order'``
(which of two channels fires first: only timing tells), or ``'custom'`` with your own data.

Your own network and data: ``train_data=(x, labels)`` and ``test_data=(x_test, labels_test)`` (or the
older ``x=``/``labels=``/``x_test=``/``labels_test=``), and either ``model=`` (one network; every
method trains its own copy, so it must fit every chosen method as it is: BPTT runs whole sequences,
``step_mode='m'``, FPTT and OTTT one step per call, ``'s'``, and OTTT needs ``OTTTLIFNode`` neurons) or
``model_fn=`` (called with a method's name, returns a fresh network for it). The trained networks of
the last run are in ``panel.models``; the network you gave keeps its initial weights. The Trainer
hands a network ``[T, N, features]`` (BPTT) or ``[N, features]`` (per step), features flattened.

Start trains in a background thread (the notebook stays usable); Pause/Resume and Stop act
between two updates. ``wait()`` blocks until the run ends; ``blocking=True`` makes Start run to the
end in the calling thread (scripts, nbval). ``update()`` (called by the device dropdown) is Start:
it never trains outside a run that Stop, ``close()`` and Ctrl-C can end. A Start during a run
stops that run first; each run keeps its own result.

Shape:
    ``x``: ``[N, *]`` intensities in [0, 1] (``encoding='poisson'``) or ``[T, N, *]`` sequences
    (``encoding=None``); ``labels``: ``[N]``.

Example:
    >>> panel = TrainingDashboard(task="burst", T=6, hidden=8, batch_size=8, steps=2, device="cpu", blocking=True)
    >>> panel
    TrainingDashboard(task='burst', methods=('bptt', 'fptt', 'ottt'), T=6, steps=2)
    >>> panel.update()
    True
    >>> panel.result, panel.result.optimizer_steps
    (TrainingResult(methods=('bptt', 'fptt', 'ottt'), updates=2, device='cpu'), {'bptt': 2, 'fptt': 12, 'ottt': 12})
    >>> panel.status_text.split(" on ")[0]
    'finished 2 updates per method (BPTT 2, FPTT 12, OTTT 12 optimizer steps)'
"""

import copy
import importlib
import sys
import threading
import time
from collections.abc import Callable, Sequence

import ipywidgets as W
import torch
import torch.nn as nn

from snnlab import datasets
from snnlab.checks import check_choice, check_int, describe
from snnlab.training import METHODS, Trainer, model_problem
from snnlab.viz import plotly as vp

from ._bounds import check_number, check_seed
from ._device import synchronize
from ._panel import Panel
from ._training_result import X_AXES, Live, TrainingResult, results_table
from ._worker import BackgroundRun
from .figure_widget import FigureWidget

__all__ = ["TASKS", "X_AXES", "TrainingDashboard", "TrainingResult", "note_html", "prepare_optimizers"]

TASKS = ("digits", "burst", "order")
CUSTOM = "custom"
_N_SYNTHETIC = 512  # training samples of the synthetic tasks (and half as many test samples)
NOTES = {
    "curves": (
        "<b>Reading the curves.</b> Loss: the mean over the T time steps of each step's cross-entropy; "
        "accuracy: the time-averaged output against the label, on the training batch."
    ),
    "online": (
        "BPTT takes 1 optimizer step per update, FPTT and OTTT take T (pick the x axis to compare per "
        "update, per optimizer step, per sample or per second). FPTT's and OTTT's training loss and accuracy "
        "are measured while their weights move within the batch; the test accuracy in the table uses frozen "
        "weights."
    ),
    "ottt": (
        "<b>OTTT's loss can climb while its accuracy stays near 1:</b> it is what OTTT does here, not a "
        "measuring error (the test loss with frozen weights climbs too). Its T optimizer steps per update "
        "follow gradients through presynaptic traces, not the gradient of the loss shown, and nothing "
        "holds its weights back (FPTT's regulariser does): the outputs grow large, so the time steps that "
        "carry no evidence yet (before a burst) get confident, wrong answers and a cross-entropy above "
        "ln(classes), while the time-averaged output still picks the right class. A smaller lr for OTTT "
        "(about lr/T) slows the climb."
    ),
}


def note_html(methods: Sequence[str]) -> str:
    """How to read the curves of a run of ``methods``: the parts that concern them.

    Example:
        >>> "OTTT" in note_html(("bptt",)), "OTTT's loss can climb" in note_html(("bptt", "ottt"))
        (False, True)
    """
    parts = [NOTES["curves"]]
    if any(m != "bptt" for m in methods):
        parts.append(NOTES["online"])
    if "ottt" in methods:
        parts.append(NOTES["ottt"])
    return f'<div style="max-width:830px;font-size:12px;line-height:1.35;color:#333">{" ".join(parts)}</div>'


def _pair(owner: str, name: str, value: object) -> tuple:
    """``(x, labels)`` from a 2-sequence of tensors: x floating point, labels 1-D integers, one per sample."""
    if not isinstance(value, Sequence) or len(value) != 2 or not all(isinstance(v, torch.Tensor) for v in value):
        raise TypeError(f"{owner}: {name} must be a pair (x, labels) of tensors, got {describe(value)}")
    x, labels = value
    if not x.is_floating_point():
        raise TypeError(f"{owner}: {name}[0] must be a floating-point tensor, got {describe(x)}")
    if labels.dim() != 1 or labels.dtype.is_floating_point or labels.dtype == torch.bool:
        raise ValueError(f"{owner}: {name}[1] must be a 1-D integer tensor of labels, got {describe(labels)}")
    return x, labels


def _task_data(task: str, T: int, seed: int, device: torch.device) -> tuple:
    """``(x, labels, x_test, labels_test, encoding)`` of a built-in task, on ``device``."""
    if task == "digits":
        x, y, x_test, y_test = datasets.load_digits(seed=seed, device=device)
        return x, y, x_test, y_test, "poisson"
    n, test_seed = _N_SYNTHETIC, seed + 10_000
    if task == "burst":
        length = min(6, T)
        x, y = datasets.burst_channel_task(n, T=T, burst_length=length, seed=seed, time_first=True, device=device)
        x_test, y_test = datasets.burst_channel_task(
            n // 2, T=T, burst_length=length, seed=test_seed, time_first=True, device=device
        )
    else:
        x, y = datasets.spike_order_task(n, T=T, seed=seed, time_first=True, device=device)
        x_test, y_test = datasets.spike_order_task(n // 2, T=T, seed=test_seed, time_first=True, device=device)
    return x, y, x_test, y_test, None


_PREPARING: list[threading.Thread] = []


def prepare_optimizers() -> threading.Thread | None:
    """Start, once per process, the import that building the first ``torch.optim`` optimizer waits for.

    ``torch.optim`` imports ``torch._dynamo`` the first time an optimizer is built: 2.6 s on a 2-core
    machine, paid by the first click on Start (its figures then changed 2-12 s after the click in
    Chromium). A dashboard starts that import on a daemon thread when it is built, while its reader
    looks at it; a Start clicked before the import ends waits only for the rest of it. Returns the
    thread, or None when there is nothing to do (the import is done or already under way).

    Example:
        >>> thread = prepare_optimizers()
        >>> thread is None or thread.join(timeout=60) is None
        True
    """
    if _PREPARING or "torch._dynamo" in sys.modules:
        return None
    thread = threading.Thread(
        target=importlib.import_module, args=("torch._dynamo",), name="snnlab-prepare-optimizers", daemon=True
    )
    _PREPARING.append(thread)
    thread.start()
    return thread


class TrainingDashboard(Panel):
    """Train one network with BPTT, FPTT and OTTT on one task; live curves, memory and speed per method.

    Args:
        task: ``'digits'``, ``'burst'`` or ``'order'`` (``'custom'`` when you give data).
        methods: the methods to run, a subset of ``('bptt', 'fptt', 'ottt')``; default all three, or
            with ``model=`` / ``model_fn=`` the ones the network fits.
        T, hidden, batch_size, lr, alpha, steps, seed: see :class:`snnlab.training.Trainer`;
            ``steps`` is the number of updates per method; ``alpha`` is FPTT's regulariser.
        train_data, test_data: your own data, ``(x, labels)`` pairs (``x``/``labels``/``x_test``/
            ``labels_test`` are the same, one by one); ``encoding``: ``'poisson'`` or None (sequences).
        model: your network (each method trains a copy; it must fit every method as it is).
        model_fn: ``model_fn(method) -> nn.Module``, a fresh network per method and run.
        x_axis: what the curves' x axis counts, one of ``X_AXES`` (a view-only control).
        redraw_s: minimum time between two redraws of the live figures.

    Shape:
        see the module docstring.

    Example:
        >>> from snnlab.training import build_model
        >>> x = torch.rand(16, 5, generator=torch.Generator().manual_seed(0)); y = torch.arange(16) % 2
        >>> panel = TrainingDashboard(train_data=(x, y), model=build_model("bptt", 5, 2, 8), T=4, batch_size=8,
        ...                           steps=2, blocking=True, device="cpu")
        >>> panel.methods, panel.start().state, len(panel.result.loss['bptt'])
        (('bptt',), 'done', 2)
        >>> panel.x_axis.value = "samples seen"
        >>> vp.trace(panel.loss_fig, "BPTT").x.tolist()  # each method's curve has its name as its role
        [8.0, 16.0]
    """

    _repr_fields = ("task", "methods", "T", "steps")

    def __init__(
        self,
        task: str = "digits",
        methods: Sequence[str] | None = None,
        *,
        T: int = 8,
        hidden: int = 64,
        batch_size: int = 32,
        lr: float = 1e-2,
        alpha: float = 0.5,
        steps: int = 100,
        seed: int = 0,
        train_data: Sequence[torch.Tensor] | None = None,
        test_data: Sequence[torch.Tensor] | None = None,
        model: nn.Module | None = None,
        model_fn: Callable[[str], nn.Module] | None = None,
        x: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        x_test: torch.Tensor | None = None,
        labels_test: torch.Tensor | None = None,
        encoding: str | None = "poisson",
        x_axis: str = "updates",
        redraw_s: float = 0.25,
        device: str | torch.device | None = None,
        blocking: bool = False,
    ) -> None:
        owner = type(self).__name__
        if train_data is not None:
            if x is not None or labels is not None:
                raise ValueError(f"{owner}: give train_data or x and labels, not both")
            x, labels = _pair(owner, "train_data", train_data)
        if test_data is not None:
            if x_test is not None or labels_test is not None:
                raise ValueError(f"{owner}: give test_data or x_test and labels_test, not both")
            x_test, labels_test = _pair(owner, "test_data", test_data)
        if (x is None) != (labels is None):
            raise ValueError(f"{owner}: x and labels must be given together")
        if x is None and x_test is not None:
            raise ValueError(f"{owner}: test_data needs train_data (the built-in tasks have their own test sets)")
        if x is not None:
            task = CUSTOM
        else:
            check_choice(owner, "task", task, TASKS)
        if encoding is not None:
            check_choice(owner, "encoding", encoding, ("poisson",))
        check_choice(owner, "x_axis", x_axis, X_AXES)
        if model is not None and model_fn is not None:
            raise ValueError(f"{owner}: give model or model_fn, not both")
        if model is not None and not isinstance(model, nn.Module):
            raise TypeError(f"{owner}: model must be a torch.nn.Module, got {describe(model)}")
        if model_fn is not None and (isinstance(model_fn, nn.Module) or not callable(model_fn)):
            raise TypeError(
                f"{owner}: model_fn must be a function of the method name that returns a new torch.nn.Module, "
                f"got {describe(model_fn)}"
            )
        if methods is not None:
            if isinstance(methods, str) or not all(isinstance(m, str) for m in methods):
                raise TypeError(f"{owner}: methods must be a tuple of method names, got {methods!r}")
            for m in methods:
                check_choice(owner, "methods", m, METHODS)
        methods = self._fitting_methods(owner, methods, model, model_fn)
        if x is not None and encoding is None and x.dim() >= 3:
            T = x.shape[0]  # sequences bring their own number of time steps (the T slider shows it, disabled)
        # the ranges of the controls below: a value outside is refused here, not clamped by the control
        T = int(check_number(owner, "T", T, 1, None, integer=True))
        hidden = int(check_number(owner, "hidden", hidden, 1, None, integer=True))
        batch_size = int(check_number(owner, "batch_size", batch_size, 1, None, integer=True))
        lr = check_number(owner, "lr", lr, 1e-5, 1.0)
        alpha = check_number(owner, "alpha", alpha, 1e-3, 100.0)
        steps = int(check_number(owner, "steps", steps, 1, None, integer=True))
        seed = check_seed(owner, seed)
        redraw_s = check_number(owner, "redraw_s", redraw_s, 0.0, None)
        super().__init__(device=device, throttle_ms=0.0, blocking=blocking)
        self.user_data: tuple | None = None if x is None else (x, labels, x_test, labels_test, encoding)
        self.user_model = model
        self.model_fn = model_fn
        self.models: dict = {}
        self.redraw_s = float(redraw_s)
        self._build_controls(task, methods, T, hidden, batch_size, lr, alpha, steps, seed, x_axis)
        self._live: Live | None = None
        self._n_methods = 1
        self._last_draw = 0.0
        self.set_status("ready: press Start")
        prepare_optimizers()

    @staticmethod
    def _fitting_methods(owner, methods, model, model_fn) -> tuple:
        """The methods to run: checked against the user's network (or all of them without one)."""
        if model is None and model_fn is None:
            return METHODS if methods is None else tuple(methods)
        problems = {}
        for m in METHODS if methods is None else methods:
            net = model if model is not None else model_fn(m)
            if not isinstance(net, nn.Module):
                raise TypeError(f"{owner}: model_fn({m!r}) must return a torch.nn.Module, got {describe(net)}")
            problem = model_problem(m, net)
            if problem is not None:
                problems[m] = problem
        name = "model" if model is not None else "model_fn's network"
        if methods is None:
            fitting = tuple(m for m in METHODS if m not in problems)
            if not fitting:
                found = "; ".join(f"{m}: {p}" for m, p in problems.items())
                raise ValueError(f"{owner}: {name} must fit at least one method, got none: {found}")
            return fitting
        if problems:
            m, problem = next(iter(problems.items()))
            raise ValueError(
                f"{owner}: methods must be ones the network fits, got {m!r}: {name} does not fit it ({problem}); "
                f"leave {m!r} out, or give model_fn=lambda method: ... to build one network per method"
            )
        return tuple(methods)

    def _build_controls(self, task, methods, T, hidden, batch_size, lr, alpha, steps, seed, x_axis) -> None:
        custom = self.user_data is not None
        style = {"description_width": "70px"}

        def wide() -> W.Layout:  # one Layout per control: hiding one must not hide the others
            return W.Layout(width="300px")

        self.task = W.Dropdown(
            options=TASKS + ((CUSTOM,) if custom else ()),
            value=task,
            description="task",
            style=style,
            disabled=custom,
        )
        usable = methods if self.user_model is not None else METHODS
        self.method_boxes = {
            m: W.Checkbox(
                value=m in methods,
                description=m.upper(),
                indent=False,
                disabled=m not in usable,
                layout=W.Layout(width="80px"),
            )
            for m in METHODS
        }
        self.T = W.IntSlider(
            value=T, min=1, max=max(64, T), description="T", style=style, layout=wide(), continuous_update=False
        )
        self.hidden = W.IntSlider(
            value=hidden,
            min=1,
            max=max(512, hidden),
            description="hidden",
            style=style,
            layout=wide(),
            continuous_update=False,
        )
        self.batch_size = W.IntSlider(
            value=batch_size,
            min=1,
            max=max(256, batch_size),
            description="batch",
            style=style,
            layout=wide(),
            continuous_update=False,
        )
        self.lr = W.FloatLogSlider(
            value=lr,
            base=10,
            min=-5,
            max=0,
            description="lr",
            style=style,
            layout=wide(),
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
        self.x_axis = W.Dropdown(
            options=X_AXES, value=x_axis, description="x axis", style=style, layout=W.Layout(width="240px")
        )
        self.steps = W.IntText(value=steps, description="updates", style=style, layout=W.Layout(width="160px"))
        self.seed = W.IntText(value=seed, description="seed", style=style, layout=W.Layout(width="160px"))
        self.start_button = W.Button(description="Start", button_style="success", layout=W.Layout(width="80px"))
        self.pause_button = W.Button(description="Pause", disabled=True, layout=W.Layout(width="80px"))
        self.start_button.on_click(lambda _b: self.start())
        self.pause_button.on_click(lambda _b: self.toggle_pause())
        # one empty curve per checked method: the legend names them, and Start only refills the curves
        empty = {m.upper(): [] for m in methods}
        self.loss_fig = FigureWidget(vp.training_curves(empty, xlabel=x_axis, ylabel="loss"))
        self.accuracy_fig = FigureWidget(vp.training_curves(empty, xlabel=x_axis, ylabel="training accuracy"))
        for fig in (self.loss_fig, self.accuracy_fig):
            fig.layout.update(width=415, height=300)
        self.table = W.HTML(value="")
        self.note = W.HTML(value=note_html(methods))
        self.set_controls(
            [
                W.VBox([self.task, W.HBox(list(self.method_boxes.values())), self.steps, self.seed]),
                W.VBox([self.T, self.hidden, self.batch_size]),
                W.VBox([self.lr, self.alpha, self.x_axis]),
                W.VBox([self.start_button, self.pause_button]),
            ],
            watch=False,
        )
        self.watch(self.x_axis, render_only=True)
        for box in self.method_boxes.values():  # the note and the enabled controls follow the checked methods
            box.observe(lambda _change: self.sync_controls(), names="value")
        self.sync_controls()
        self.set_figures([W.VBox([W.HBox([self.loss_fig, self.accuracy_fig]), self.table, self.note])])

    # ----------------------------------------------------------------------------- controls
    @property
    def methods(self) -> tuple:
        """The checked methods, in the order ``('bptt', 'fptt', 'ottt')``."""
        return tuple(m for m, box in self.method_boxes.items() if box.value)

    def sync_controls(self) -> None:
        self.alpha.disabled = "fptt" not in self.methods
        self.T.disabled = self.user_data is not None and self.user_data[4] is None
        own_network = self.user_model is not None or self.model_fn is not None
        self.hidden.disabled = own_network
        # controls that cannot matter are hidden, not just greyed: your network has its own size
        self.hidden.layout.display = "none" if own_network else None
        self.alpha.layout.display = "none" if self.method_boxes["fptt"].disabled else None
        self.note.value = note_html(self.methods)

    # ----------------------------------------------------------------------------- training
    def _network(self, method: str) -> nn.Module | None:
        """A fresh network for ``method``: a copy of ``model``, ``model_fn(method)``, or None (the built-in one)."""
        owner = type(self).__name__
        if self.user_model is not None:
            net = copy.deepcopy(self.user_model)
        elif self.model_fn is not None:
            net = self.model_fn(method)
            if not isinstance(net, nn.Module):
                raise TypeError(f"{owner}: model_fn({method!r}) must return a torch.nn.Module, got {describe(net)}")
        else:
            return None
        problem = model_problem(method, net)
        if problem is not None:
            raise ValueError(f"{owner}: the network for {method!r} does not fit it: {problem}")
        return net

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
            if x_test is not None and labels_test is not None:
                x_test, labels_test = x_test.to(device), labels_test.to(device)
        else:
            x, labels, x_test, labels_test, encoding = _task_data(
                str(self.task.value), int(self.T.value), int(self.seed.value), device
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
                model=self._network(m),
            )
            for m in methods
        }

    def _session(self, trainers: dict, live: Live):
        """A generator: one update of each trainer in turn, ``steps`` rounds; yields ``(method, metrics)``."""
        for _ in range(self.steps.value):
            for method, trainer in trainers.items():
                started = time.perf_counter()
                metrics = trainer.step()
                synchronize(trainer.device)
                live.add(metrics, time.perf_counter() - started)
                yield method, metrics

    def _begin(self) -> tuple[dict, Live]:
        """Build the trainers and a fresh live record (errors surface here, before any thread starts)."""
        self.sync_controls()
        trainers = self.make_trainers()
        live = self._live = Live(trainers, self.device.type)
        self._n_methods = len(trainers)
        self.models = {m: t.model for m, t in trainers.items()}
        return trainers, live

    def compute(self) -> TrainingResult:
        """Train every checked method for ``steps`` updates, here and now; return the result.

        Nothing can stop this call but Ctrl-C: the panel's ``update()`` and Start use a run instead.
        """
        trainers, live = self._begin()
        for _ in self._session(trainers, live):
            pass
        return live.finish()

    def update(self) -> bool:
        """Start training (as Start does): in the background, or to the end with ``blocking=True``.

        True when the run started (blocking: when it finished); errors go to the status line.
        """
        run = self.start()
        return run is not None and run.state in ("running", "paused", "done")

    def redraw(self) -> bool:
        """Draw the run on view again (the x axis changed), without training; True on success."""
        self._pending = False
        if self._live is None:
            return True
        try:
            self.render(self._live.result)
        except Exception as exc:
            self.show_error(exc)
            return False
        return True

    def render(self, result: TrainingResult) -> None:
        axis = str(self.x_axis.value)
        for fig, values, label in (
            (self.loss_fig, result.loss, "loss"),
            (self.accuracy_fig, result.accuracy, "training accuracy"),
        ):
            vp.training_curves(
                {m.upper(): values[m] for m in result.methods},
                x={m.upper(): result.x_values(axis, m) for m in result.methods},
                xlabel=axis,
                ylabel=label,
                fig=fig,
            )
        self.table.value = results_table(result)

    def start(self) -> BackgroundRun | None:
        """Start training in the background (or to the end with ``blocking=True``); returns the run.

        A run still going is stopped (and its result kept) before the new one is built.
        """
        self.stop()
        if self.run is not None:
            self.run.wait()
        try:
            trainers, live = self._begin()
        except Exception as exc:
            self.show_error(exc)
            return None
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

    def toggle_pause(self) -> None:
        """Pause a running run, or resume a paused one."""
        if self.run is None or self.run.finished:
            return
        if self.run.state == "paused":
            self.run.resume()
            self.pause_button.description = "Pause"
        else:
            self.run.pause()
            self.pause_button.description = "Resume"

    def _on_step(self, run, value, live: Live) -> None:
        now = time.perf_counter()
        if now - self._last_draw >= self.redraw_s:
            self._last_draw = now
            self.render(live.snapshot())

    def _on_finish(self, run, live: Live) -> None:
        self.result = live.finish()
        self.last_device = self.device
        self.render(self.result)

    def _show_progress(self, run) -> None:
        super()._show_progress(run)
        self.set_status(f"training: update {run.steps_done // self._n_methods + 1}/{self.steps.value} per method")

    def _show_finished(self, run) -> None:
        self.start_button.disabled = False
        self.pause_button.disabled = True
        self.pause_button.description = "Pause"
        super()._show_finished(run)
        result = self._live.result if self._live is not None else None
        if run.state in ("done", "stopped") and result is not None:
            verb = "finished" if run.state == "done" else "stopped after"
            steps = ", ".join(f"{m.upper()} {result.optimizer_steps[m]}" for m in result.methods)
            self.set_status(
                f"{verb} {result.updates} updates per method ({steps} optimizer steps) on {self.device.type} "
                f"in {run.elapsed_s:.1f} s"
            )
