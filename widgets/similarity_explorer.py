"""SimilarityExplorer: how ``spike_similar_loss`` sees a batch of spike patterns, and how it pulls them.

A batch of spike patterns with multi-hot labels (built-in demo: Poisson patterns around one random
rate profile per class; or your own ``spikes=``/``labels=``) is compared with a kernel (linear =
cosine, polynomial, sigmoid, gaussian) and a loss type (mse, l1, bce). The panel shows the predicted
similarity matrix beside the target one (1 where two samples share a label) with the loss, each
heatmap with its own labelled colour bar. "Train" runs a few gradient steps of ``spike_similar_loss``
on the spikes (Heaviside forward, ATan surrogate backward, sign descent, in a background worker), so
the predicted matrix visibly moves toward the target; "Reset" returns to the original patterns.

A kernel or loss change keeps the patterns shown (original or trained), so one can see how another
kernel judges a trained batch; the figure's title says which patterns are shown. The status line
explains kernel values outside the target's [0, 1] (the polynomial kernel's grow as a power of the
patterns' dot products: thousands and more on the demo batch, and the colour bar of the predicted
heatmap then has its own range) and a batch with silent patterns (a training run that silences every
pattern cannot recover: silent patterns get no gradient).

Shape:
    ``spikes``: ``[N, *]`` (e.g. ``[N, T, M]``), ``labels``: ``[N, C]`` -> matrices ``[N, N]``.

Example:
    >>> panel = SimilarityExplorer(device="cpu")
    >>> panel
    SimilarityExplorer(kernel='linear', parameter=None, loss_type='mse', N=12)
    >>> panel.result.predicted.shape, panel.result.target.shape, round(panel.result.loss, 4)
    (torch.Size([12, 12]), torch.Size([12, 12]), 0.1562)
"""

from collections.abc import Iterator
from typing import Any, NamedTuple, cast

import ipywidgets as W
import torch

from snnlab import surrogate
from snnlab.analysis import similarity_matrices
from snnlab.checks import check_choice
from snnlab.encoding import PoissonEncoder
from snnlab.functional import spike_similar_loss
from snnlab.functional.losses import KERNELS, LOSS_TYPES
from snnlab.viz import plotly as vp
from snnlab.viz.style import MARGIN

from ._bounds import check_number
from ._device import spikes_to_host, tensor_to_host
from ._panel import Panel
from ._worker import BackgroundRun
from .figure_widget import FigureWidget

__all__ = ["SimilarityExplorer", "SimilarityPanelResult", "demo_patterns"]

#: the largest kernel value drawn on the target's scale; above it the values are explained
IN_RANGE = 1.0 + 1e-6


class SimilarityPanelResult(NamedTuple):
    """The matrices and loss of the current patterns (CPU tensors), the training history and what they mean."""

    predicted: torch.Tensor  #: ``[N, N]`` kernel similarity (cosine for 'linear')
    target: torch.Tensor  #: ``[N, N]`` 1 where two samples share a label
    loss: float
    spikes: torch.Tensor  #: the patterns compared, ``[N, *]``
    losses: tuple[float, ...]  #: loss at each gradient step since the last reset
    state: str  #: which patterns are shown: "original patterns" or "patterns after n Train steps (...)"
    silent: int  #: number of patterns without a spike
    note: str  #: why the values look as they do (kernel values beyond [0, 1], silent patterns), or ""


def demo_patterns(
    n_samples: int = 12, n_classes: int = 3, T: int = 20, n_neurons: int = 16, max_rate: float = 0.5, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """A labelled batch of Poisson spike patterns: each class has its own random rate profile.

    Rates are drawn once per class, uniform in ``[0, max_rate)`` per step and neuron; sample ``i``
    belongs to class ``i % n_classes`` and is one Poisson draw of its class' profile.

    Shape:
        returns spikes ``[n_samples, T, n_neurons]`` (float32) and one-hot labels ``[n_samples, n_classes]``.

    Example:
        >>> spikes, labels = demo_patterns(4, 2, T=3, n_neurons=2)
        >>> spikes.shape, labels.tolist()
        (torch.Size([4, 3, 2]), [[1, 0], [0, 1], [1, 0], [0, 1]])
    """
    generator = torch.Generator().manual_seed(int(seed))
    profiles = torch.rand(n_classes, T, n_neurons, generator=generator) * max_rate
    classes = torch.arange(n_samples) % n_classes
    spikes = PoissonEncoder(generator=generator)(profiles[classes])
    return spikes, torch.nn.functional.one_hot(classes, n_classes)


class SimilarityExplorer(Panel):
    """Predicted vs target similarity of spike patterns under ``spike_similar_loss``, with gradient steps.

    Args:
        spikes, labels: your own batch (``[N, *]`` spikes, ``[N, C]`` multi-hot labels); default: ``demo_patterns()``.
        kernel: ``'linear'``, ``'polynomial'``, ``'sigmoid'`` or ``'gaussian'``.
        degree, slope, sigma: the parameter of the polynomial, sigmoid and gaussian kernels.
        loss_type: ``'mse'``, ``'l1'`` or ``'bce'``.
        steps, lr: number of gradient steps per "Train" click and their learning rate.
        device, throttle_ms, blocking: see :class:`widgets._panel.Panel`.

    Shape:
        ``spikes``: ``[N, *]``; ``labels``: ``[N, C]``.

    Example:
        >>> import torch
        >>> panel = SimilarityExplorer(torch.eye(3), torch.tensor([[1, 0], [1, 0], [0, 1]]), device="cpu")
        >>> panel.result.predicted.tolist(), round(panel.result.loss, 4), panel.result.state
        ([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], 0.2222, 'original patterns')
    """

    _repr_fields = ("kernel", "parameter", "loss_type", "N")

    def __init__(
        self,
        spikes: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        *,
        kernel: str = "linear",
        degree: int = 2,
        slope: float = 0.05,
        sigma: float = 4.0,
        loss_type: str = "mse",
        steps: int = 10,
        lr: float = 0.05,
        device: str | torch.device | None = None,
        throttle_ms: float = 50.0,
        blocking: bool = False,
    ) -> None:
        owner = type(self).__name__
        check_choice(owner, "kernel", kernel, KERNELS)
        check_choice(owner, "loss_type", loss_type, LOSS_TYPES)
        if (spikes is None) != (labels is None):
            raise ValueError(f"{owner}: give both spikes and labels, or neither (for the demo batch)")
        if spikes is None or labels is None:
            spikes, labels = demo_patterns()
        for name, value, dims in (("spikes", spikes, "[N, *]"), ("labels", labels, "[N, C]")):
            if not isinstance(value, torch.Tensor):
                raise TypeError(
                    f"{owner}: {name} must be a torch.Tensor {dims}, got an object of type {type(value).__name__}"
                )
        if spikes.dim() < 2 or labels.dim() != 2 or spikes.shape[0] != labels.shape[0] or spikes.shape[0] < 2:
            raise ValueError(
                f"{owner}: spikes must be [N, *] and labels [N, C] with the same N >= 2, got shapes "
                f"{list(spikes.shape)} and {list(labels.shape)}"
            )
        # the ranges of the controls below: a value outside is refused here, not clamped by the control
        degree = int(check_number(owner, "degree", degree, 1, 5, integer=True))
        slope = check_number(owner, "slope", slope, 0.005, 1.0)
        sigma = check_number(owner, "sigma", sigma, 0.5, 20.0)
        steps = int(check_number(owner, "steps", steps, 1, 100, integer=True))
        lr = check_number(owner, "lr", lr, 1e-4, 1.0)
        super().__init__(device=device, throttle_ms=throttle_ms, blocking=blocking)
        self.original_spikes = spikes.detach().float().cpu()
        self.spikes = self.original_spikes.clone()
        self.labels = labels.detach().cpu()
        self.losses: list[float] = []
        self.trained_with: list[str] = []  # "kernel/loss" of each Train run since the last reset, in order
        style = {"description_width": "70px"}
        self.kernel = W.Dropdown(options=KERNELS, value=kernel, description="kernel", style=style)
        self.degree = W.IntSlider(value=degree, min=1, max=5, description="degree", style=style)
        self.slope = W.FloatSlider(
            value=slope, min=0.005, max=1.0, step=0.005, readout_format=".3f", description="slope", style=style
        )
        self.sigma = W.FloatSlider(value=sigma, min=0.5, max=20.0, step=0.5, description="sigma", style=style)
        self.loss_type = W.Dropdown(options=LOSS_TYPES, value=loss_type, description="loss", style=style)
        self.steps = W.IntSlider(value=steps, min=1, max=100, description="steps", style=style)
        self.lr = W.BoundedFloatText(value=lr, min=1e-4, max=1.0, step=0.01, description="lr", style=style)
        self.train_button = W.Button(description="Train", button_style="primary", layout=W.Layout(width="90px"))
        self.reset_button = W.Button(description="Reset", layout=W.Layout(width="90px"))
        self.train_button.on_click(lambda _button: self.train())
        self.reset_button.on_click(lambda _button: self.reset_patterns())
        self.matrix_fig = FigureWidget(vp.similarity_matrix(torch.zeros(0, 0), torch.zeros(0, 0)))
        self._label_figure()
        self.set_controls(
            [
                W.VBox([self.kernel, self.degree, self.slope, self.sigma, self.loss_type]),
                W.VBox([self.steps, self.lr, W.HBox([self.train_button, self.reset_button])]),
            ],
            watch=False,
        )
        self.watch(self.kernel, self.degree, self.slope, self.sigma, self.loss_type)
        self.set_figures([self.matrix_fig])
        self.update()

    def _label_figure(self) -> None:
        """Name both heatmaps and their axes, and give each its own colour bar (the target's is fixed at [0, 1])."""
        fig: Any = self.matrix_fig  # plotly's layout properties are generated at runtime
        with fig.batch_update():
            fig.layout.update(width=830, height=400, margin={**MARGIN, "t": 80})
            fig.layout.xaxis.domain, fig.layout.xaxis2.domain = (0.0, 0.38), (0.54, 0.92)
            fig.update_xaxes(title_text="sample j")
            fig.update_yaxes(title_text="sample i")
            vp.trace(fig, "target").coloraxis = "coloraxis2"
            bar = dict(thickness=12, len=0.9, y=0.45, exponentformat="e")
            fig.layout.coloraxis.update(colorbar=dict(title=dict(text="predicted", side="right"), x=0.39, **bar))
            fig.layout.coloraxis2 = dict(
                colorscale=fig.layout.coloraxis.colorscale,
                cmin=0.0,
                cmax=1.0,
                colorbar=dict(title=dict(text="target", side="right"), x=0.93, tickvals=[0, 1], **bar),
            )
        # the subplot titles (``predicted``, ``target``) say what each heatmap holds, over each heatmap's centre
        described = {
            "predicted": (0.19, "predicted: kernel similarity of samples i, j"),
            "target": (0.73, "target: 1 where samples i, j share a label"),
        }
        for note in fig.layout.annotations:
            if note.text in described:
                x, text = described[note.text]
                note.update(name="heatmap title", x=x, text=text, font=dict(size=13))

    @property
    def N(self) -> int:
        """Number of samples in the batch."""
        return self.spikes.shape[0]

    @property
    def parameter(self) -> int | float | None:
        """The current kernel's parameter (``None`` for the linear kernel)."""
        return {
            "linear": None,
            "polynomial": self.degree.value,
            "sigmoid": self.slope.value,
            "gaussian": self.sigma.value,
        }[str(self.kernel.value)]

    def kernel_args(self) -> tuple:
        """The ``*args`` of ``spike_similar_loss`` / ``kernel_dot_product`` for the chosen kernel."""
        return () if self.parameter is None else (self.parameter,)

    def sync_controls(self) -> None:
        self.degree.disabled = self.kernel.value != "polynomial"
        self.slope.disabled = self.kernel.value != "sigmoid"
        self.sigma.disabled = self.kernel.value != "gaussian"

    @property
    def state(self) -> str:
        """Which patterns are shown: the original ones, or those after the Train runs since the last reset."""
        if not self.losses:
            return "original patterns"
        return f"patterns after {len(self.losses)} Train steps ({', '.join(self.trained_with)})"

    def compute(self) -> SimilarityPanelResult:
        device = self.device
        spikes = self.spikes.to(device)
        kernel, args, loss_type = str(self.kernel.value), self.kernel_args(), str(self.loss_type.value)
        sim = similarity_matrices(spikes, self.labels.to(device), kernel, *args, loss_type=loss_type)
        predicted = tensor_to_host(sim.predicted)
        loss = float(cast(torch.Tensor, sim.loss))  # never None: labels are given
        silent = int((self.spikes.flatten(1).abs().sum(1) == 0).sum())
        notes = []
        top = float(predicted.max())
        if top > IN_RANGE:
            flat = spikes.flatten(1)
            largest_dot = float(tensor_to_host(flat.mm(flat.t()).max()))
            notes.append(self.out_of_range_note(top, largest_dot, loss))
        if silent:
            notes.append(self.silent_note(silent))
        return SimilarityPanelResult(
            predicted=predicted,
            target=tensor_to_host(cast(torch.Tensor, sim.target)),
            loss=loss,
            spikes=self.spikes,
            losses=tuple(self.losses),
            state=self.state,
            silent=silent,
            note="; ".join(notes),
        )

    def out_of_range_note(self, top: float, largest_dot: float, loss: float) -> str:
        """Why the kernel values leave the target's [0, 1], and what it does to the loss and to training."""
        kernel = self.kernel.value
        if kernel == "polynomial":
            what = (
                f"polynomial kernel of degree {self.degree.value} on patterns whose dot products "
                f"(shared spikes) reach {largest_dot:.4g} gives values up to {top:.3g}"
            )
        else:
            what = f"{kernel} kernel gives values up to {top:.3g}"
        return (
            f"the {what}, while the target is 0 or 1: the {self.loss_type.value} loss {loss:.4g} is dominated "
            f"by that gap, and Train pushes every pattern to silence to close it (the predicted heatmap has its "
            f"own colour bar); the linear, sigmoid and gaussian kernels stay in [0, 1]"
        )

    def silent_note(self, silent: int) -> str:
        """What silent patterns mean for the matrices and for training."""
        if silent < self.N:
            return f"{silent} of {self.N} patterns are silent (no spike): their rows and columns are 0"
        how = "Train silenced every pattern" if self.losses else "every pattern is silent"
        why = (
            " (the polynomial kernel's values far above the target's 1 push every spike down, at any lr)"
            if any(name.startswith("polynomial/") for name in self.trained_with)
            else ""
        )
        return (
            f"{how}{why}: all {self.N} spike counts are 0, every predicted similarity is 0 and silent "
            f"patterns get no gradient, so training cannot recover; press Reset, then try another kernel "
            f"(or a lower lr or fewer steps)"
        )

    def render(self, result: SimilarityPanelResult) -> None:
        fig: Any = vp.similarity_matrix(result.predicted, result.target, loss=result.loss, fig=self.matrix_fig)
        title = f"{result.state}: {fig.layout.title.text}"
        with fig.batch_update():
            if result.predicted.numel():
                # the target keeps its fixed [0, 1] bar; the prediction shares that range while it fits
                low, high = float(result.predicted.min()), float(result.predicted.max())
                if low >= 0.0 and high <= IN_RANGE:
                    low, high = 0.0, 1.0
                elif not high > low:
                    low, high = low - 0.5, high + 0.5
                fig.layout.coloraxis.update(cmin=low, cmax=high)
                fig.layout.coloraxis.colorbar.title.text = (
                    "predicted" if high <= IN_RANGE else "predicted<br>(own scale)"
                )
            fig.layout.title.text = title

    def update(self) -> bool:
        """Compute and render now (see :meth:`Panel.update`); the status line adds the result's note."""
        done = super().update()
        note = cast(SimilarityPanelResult, self.result).note if done else ""
        if note:
            self.set_status(f"{self.status_text}; {note}")
        return done

    # ----------------------------------------------------------------------------- gradient steps
    def gradient_steps(self, n_steps: int) -> Iterator[float]:
        """A generator of ``n_steps`` gradient steps of ``spike_similar_loss`` on the patterns; yields each loss.

        The patterns are the Heaviside of a free pre-activation ``u`` (initially ``0.2 * (spikes - 0.5)``),
        with the ATan surrogate gradient. Each step moves every entry of ``u`` by ``lr`` against the
        sign of its gradient (sign descent: the step size does not depend on the loss' scale, which
        varies by orders of magnitude between kernels). Each yielded loss is the one the step
        started from; after every step ``self.spikes`` holds the new binary patterns.
        """
        device, kernel, args = self.device, str(self.kernel.value), self.kernel_args()
        loss_type = str(self.loss_type.value)
        labels = self.labels.to(device)
        u = (0.2 * (self.spikes.to(device) - 0.5)).requires_grad_(True)
        spike_fn = surrogate.ATan()
        lr = self.lr.value
        run_name = f"{kernel}/{loss_type}"
        if run_name not in self.trained_with:
            self.trained_with.append(run_name)
        for _ in range(n_steps):
            loss = spike_similar_loss(spike_fn(u), labels, kernel, loss_type, *args)
            (grad,) = torch.autograd.grad(loss, u)
            with torch.no_grad():
                u -= lr * grad.sign()
            self.spikes = spikes_to_host(u.detach() >= 0).float()
            self.losses.append(float(loss.detach()))
            yield self.losses[-1]

    def train(self) -> BackgroundRun:
        """Run ``steps`` gradient steps in the background, redrawing after each; returns the run.

        When the run ends, its message (shown in the status line) carries the result's note: a run
        that silenced every pattern says so and what to do.
        """

        def redraw(run: BackgroundRun, loss: float) -> None:
            self.update()

        def finish(run: BackgroundRun) -> None:
            if self.update():
                run.message = cast(SimilarityPanelResult, self.result).note

        return self.start_background(
            self.gradient_steps(self.steps.value),
            total=self.steps.value,
            on_step=redraw,
            on_finish=finish,
        )

    def reset_patterns(self) -> None:
        """Stop any training and return to the original patterns."""
        self.stop()
        self.wait()
        self.spikes = self.original_spikes.clone()
        self.losses = []
        self.trained_with = []
        self.update()
