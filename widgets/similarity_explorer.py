"""SimilarityExplorer: how ``spike_similar_loss`` sees a batch of spike patterns, and how it pulls them.

A batch of spike patterns with multi-hot labels (built-in demo: Poisson patterns around one random
rate profile per class; or your own ``spikes=``/``labels=``) is compared with a kernel (linear =
cosine, polynomial, sigmoid, gaussian) and a loss type (mse, l1, bce). The panel shows the predicted
similarity matrix beside the target one (1 where two samples share a label) with the loss. "Train"
runs a few gradient steps of ``spike_similar_loss`` on the spikes (Heaviside forward, ATan surrogate
backward, sign descent, in a background worker), so the predicted matrix visibly moves toward the target; "Reset"
returns to the original patterns.

Shape:
    ``spikes``: ``[N, *]`` (e.g. ``[N, T, M]``), ``labels``: ``[N, C]`` -> matrices ``[N, N]``.

Example:
    >>> panel = SimilarityExplorer(device="cpu")
    >>> panel
    SimilarityExplorer(kernel='linear', parameter=None, loss_type='mse', N=12)
    >>> panel.result.predicted.shape, panel.result.target.shape, round(panel.result.loss, 4)
    (torch.Size([12, 12]), torch.Size([12, 12]), 0.1562)
"""

from typing import NamedTuple

import ipywidgets as W
import torch

from snnlab import surrogate
from snnlab.analysis import similarity_matrices
from snnlab.checks import check_choice
from snnlab.encoding import PoissonEncoder
from snnlab.functional import spike_similar_loss
from snnlab.viz import plotly as vp

from ._bounds import check_number
from ._device import spikes_to_host, tensor_to_host
from ._panel import Panel
from .figure_widget import FigureWidget

__all__ = ["SimilarityExplorer", "SimilarityPanelResult", "demo_patterns"]

KERNELS = ("linear", "polynomial", "sigmoid", "gaussian")
LOSSES = ("mse", "l1", "bce")


class SimilarityPanelResult(NamedTuple):
    """The matrices and loss of the current patterns (CPU tensors), and the training history."""

    predicted: torch.Tensor  #: ``[N, N]`` kernel similarity (cosine for 'linear')
    target: torch.Tensor  #: ``[N, N]`` 1 where two samples share a label
    loss: float
    spikes: torch.Tensor  #: the patterns compared, ``[N, *]``
    losses: tuple  #: loss at each gradient step since the last reset


def demo_patterns(n_samples=12, n_classes=3, T=20, n_neurons=16, max_rate=0.5, seed=0):
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
        >>> panel.result.predicted.tolist(), round(panel.result.loss, 4)
        ([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], 0.2222)
    """

    _repr_fields = ("kernel", "parameter", "loss_type", "N")

    def __init__(
        self,
        spikes=None,
        labels=None,
        *,
        kernel="linear",
        degree=2,
        slope=0.05,
        sigma=4.0,
        loss_type="mse",
        steps=10,
        lr=0.05,
        device=None,
        throttle_ms=50.0,
        blocking=False,
    ):
        owner = type(self).__name__
        check_choice(owner, "kernel", kernel, KERNELS)
        check_choice(owner, "loss_type", loss_type, LOSSES)
        if (spikes is None) != (labels is None):
            raise ValueError(f"{owner}: give both spikes and labels, or neither (for the demo batch)")
        if spikes is None:
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
        degree = check_number(owner, "degree", degree, 1, 5, integer=True)
        slope = check_number(owner, "slope", slope, 0.005, 1.0)
        sigma = check_number(owner, "sigma", sigma, 0.5, 20.0)
        steps = check_number(owner, "steps", steps, 1, 100, integer=True)
        lr = check_number(owner, "lr", lr, 1e-4, 1.0)
        super().__init__(device=device, throttle_ms=throttle_ms, blocking=blocking)
        self.original_spikes = spikes.detach().float().cpu()
        self.spikes = self.original_spikes.clone()
        self.labels = labels.detach().cpu()
        self.losses = []
        style = {"description_width": "70px"}
        self.kernel = W.Dropdown(options=KERNELS, value=kernel, description="kernel", style=style)
        self.degree = W.IntSlider(value=degree, min=1, max=5, description="degree", style=style)
        self.slope = W.FloatSlider(
            value=slope, min=0.005, max=1.0, step=0.005, readout_format=".3f", description="slope", style=style
        )
        self.sigma = W.FloatSlider(value=sigma, min=0.5, max=20.0, step=0.5, description="sigma", style=style)
        self.loss_type = W.Dropdown(options=LOSSES, value=loss_type, description="loss", style=style)
        self.steps = W.IntSlider(value=steps, min=1, max=100, description="steps", style=style)
        self.lr = W.BoundedFloatText(value=lr, min=1e-4, max=1.0, step=0.01, description="lr", style=style)
        self.train_button = W.Button(description="Train", button_style="primary", layout=W.Layout(width="90px"))
        self.reset_button = W.Button(description="Reset", layout=W.Layout(width="90px"))
        self.train_button.on_click(lambda _button: self.train())
        self.reset_button.on_click(lambda _button: self.reset_patterns())
        self.matrix_fig = FigureWidget(vp.similarity_matrix(torch.zeros(0, 0), torch.zeros(0, 0)))
        self.matrix_fig.layout.update(width=830, height=380)
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

    @property
    def N(self) -> int:
        """Number of samples in the batch."""
        return self.spikes.shape[0]

    @property
    def parameter(self):
        """The current kernel's parameter (``None`` for the linear kernel)."""
        return {
            "linear": None,
            "polynomial": self.degree.value,
            "sigmoid": self.slope.value,
            "gaussian": self.sigma.value,
        }[self.kernel.value]

    def kernel_args(self) -> tuple:
        """The ``*args`` of ``spike_similar_loss`` / ``kernel_dot_product`` for the chosen kernel."""
        return () if self.parameter is None else (self.parameter,)

    def sync_controls(self):
        self.degree.disabled = self.kernel.value != "polynomial"
        self.slope.disabled = self.kernel.value != "sigmoid"
        self.sigma.disabled = self.kernel.value != "gaussian"

    def compute(self) -> SimilarityPanelResult:
        device = self.device
        sim = similarity_matrices(
            self.spikes.to(device),
            self.labels.to(device),
            self.kernel.value,
            *self.kernel_args(),
            loss_type=self.loss_type.value,
        )
        return SimilarityPanelResult(
            predicted=tensor_to_host(sim.predicted),
            target=tensor_to_host(sim.target),
            loss=float(sim.loss),
            spikes=self.spikes,
            losses=tuple(self.losses),
        )

    def render(self, result: SimilarityPanelResult):
        vp.similarity_matrix(result.predicted, result.target, loss=result.loss, fig=self.matrix_fig)

    # ----------------------------------------------------------------------------- gradient steps
    def gradient_steps(self, n_steps: int):
        """A generator of ``n_steps`` gradient steps of ``spike_similar_loss`` on the patterns; yields each loss.

        The patterns are the Heaviside of a free pre-activation ``u`` (initially ``0.2 * (spikes - 0.5)``),
        with the ATan surrogate gradient. Each step moves every entry of ``u`` by ``lr`` against the
        sign of its gradient (sign descent: the step size does not depend on the loss' scale, which
        varies by orders of magnitude between kernels). Each yielded loss is the one the step
        started from; after every step ``self.spikes`` holds the new binary patterns.
        """
        device, kernel, args, loss_type = self.device, self.kernel.value, self.kernel_args(), self.loss_type.value
        labels = self.labels.to(device)
        u = (0.2 * (self.spikes.to(device) - 0.5)).requires_grad_(True)
        spike_fn = surrogate.ATan()
        lr = self.lr.value
        for _ in range(n_steps):
            loss = spike_similar_loss(spike_fn(u), labels, kernel, loss_type, *args)
            (grad,) = torch.autograd.grad(loss, u)
            with torch.no_grad():
                u -= lr * grad.sign()
            self.spikes = spikes_to_host(u.detach() >= 0).float()
            self.losses.append(float(loss.detach()))
            yield self.losses[-1]

    def train(self):
        """Run ``steps`` gradient steps in the background, redrawing after each; returns the run."""

        def redraw(run, loss):
            self.update()

        return self.start_background(
            self.gradient_steps(self.steps.value),
            total=self.steps.value,
            on_step=redraw,
            on_finish=lambda run: self.update(),
        )

    def reset_patterns(self):
        """Stop any training and return to the original patterns."""
        self.stop()
        self.wait()
        self.spikes = self.original_spikes.clone()
        self.losses = []
        self.update()
