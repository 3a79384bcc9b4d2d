"""DelayExplorer: ``functional.delay`` on a spike train or a signal, and where its gradient goes.

A slider sets ``delay_steps``; the panel shows the input beside the delayed output and the gradient
that ``y.sum()`` sends back to each input step: 1 for the steps that still reach the output, 0 for
the last ``delay_steps`` steps, which fall off the end. Inputs: a Poisson spike train, a sine
signal, or your own ``[T, *]`` tensor (``x_seq=``; ``channel`` picks the feature shown).

Shape:
    ``x_seq``: ``[T, *]``; ``result.y_seq`` and ``result.grad``: ``[T, *]``.

Example:
    >>> import torch
    >>> panel = DelayExplorer(x_seq=torch.tensor([1., 2., 3., 4., 5.]), delay_steps=2, device="cpu")
    >>> panel
    DelayExplorer(input='custom', delay_steps=2, T=5)
    >>> panel.result.y_seq.tolist(), panel.result.grad.tolist()
    ([0.0, 0.0, 1.0, 2.0, 3.0], [1.0, 1.0, 1.0, 0.0, 0.0])
"""

import math
from typing import NamedTuple, cast

import ipywidgets as W
import torch

from snnlab.checks import check_choice, check_int
from snnlab.encoding import PoissonEncoder
from snnlab.functional import delay
from snnlab.viz import plotly as vp

from ._bounds import check_number, check_seed
from ._device import tensor_to_host
from ._panel import Panel
from .figure_widget import FigureWidget

__all__ = ["DelayExplorer", "DelayResult", "delay_input"]

INPUTS = ("spikes", "signal")
CUSTOM = "custom"
T_MAX = 200


class DelayResult(NamedTuple):
    """Input, delayed output and the input's gradient of ``y.sum()`` (CPU tensors, ``[T, *]``)."""

    x_seq: torch.Tensor
    y_seq: torch.Tensor
    grad: torch.Tensor
    delay_steps: int
    channel: int  #: the flattened feature the figure shows


def delay_input(kind: str, T: int, *, rate: float = 0.3, period: float = 16, seed: int = 0) -> torch.Tensor:
    """A ``[T]`` float32 demo input: ``'spikes'`` (Poisson, ``rate`` per step) or ``'signal'`` (a sine).

    The sine is ``sin(2 pi t / period)``; the spikes use a CPU generator seeded with ``seed``.

    Shape:
        returns ``[T]``.

    Example:
        >>> delay_input("signal", 4, period=4).round(decimals=3).tolist()
        [0.0, 1.0, -0.0, -1.0]
    """
    check_choice("delay_input", "kind", kind, INPUTS)
    if kind == "spikes":
        generator = torch.Generator().manual_seed(int(seed))
        return PoissonEncoder(generator=generator).encode(torch.tensor([float(rate)]), T)[:, 0]
    return torch.sin(torch.arange(T, dtype=torch.float32) * (2 * math.pi / period))


class DelayExplorer(Panel):
    """Delay a sequence by a slider's number of steps; show input, output and the gradient mask.

    Args:
        input_kind: ``'spikes'`` or ``'signal'`` (see :func:`delay_input`).
        delay_steps: the delay, ``0 <= delay_steps`` (beyond ``T`` the output is all zeros).
        T, rate, period, seed: the demo input.
        x_seq: your own ``[T, *]`` tensor (the input controls are then disabled).
        device, throttle_ms, blocking: see :class:`widgets._panel.Panel`.

    Shape:
        ``x_seq``: ``[T, *]``.

    Example:
        >>> panel = DelayExplorer(input_kind="spikes", T=20, delay_steps=3, device="cpu")
        >>> int(panel.result.grad.sum())
        17
    """

    _repr_fields = ("input", "delay_steps", "T")

    def __init__(
        self,
        input_kind: str = "spikes",
        delay_steps: int = 3,
        T: int = 40,
        rate: float = 0.3,
        period: int = 16,
        seed: int = 0,
        *,
        x_seq: torch.Tensor | None = None,
        device: str | torch.device | None = None,
        throttle_ms: float = 50.0,
        blocking: bool = False,
    ) -> None:
        owner = type(self).__name__
        check_choice(owner, "input_kind", input_kind, INPUTS)
        delay_steps = check_int(owner, "delay_steps", delay_steps, minimum=0)
        if x_seq is not None:
            if not isinstance(x_seq, torch.Tensor):
                raise TypeError(
                    f"{owner}: x_seq must be a torch.Tensor [T, *], got an object of type {type(x_seq).__name__}"
                )
            if x_seq.dim() < 1 or x_seq.shape[0] == 0 or (x_seq.dim() > 1 and x_seq[0].numel() == 0):
                raise ValueError(
                    f"{owner}: x_seq must be a [T, *] tensor with T >= 1 and at least one channel, got shape "
                    f"{list(x_seq.shape)}"
                )
            T = x_seq.shape[0]
        # the ranges of the controls below: a value outside is refused here, not clamped by the control
        T = check_number(owner, "T", T, 1, None, integer=True)
        rate = check_number(owner, "rate", rate, 0.0, 1.0)
        period = check_number(owner, "period", period, 2, 64, integer=True)
        seed = check_seed(owner, seed)
        super().__init__(device=device, throttle_ms=throttle_ms, blocking=blocking)
        self.x_seq = None if x_seq is None else x_seq.detach()
        n_channels = 1 if x_seq is None else max(x_seq[0].numel(), 1)
        style, wide = {"description_width": "80px"}, W.Layout(width="320px")
        self.input = W.Dropdown(
            options=INPUTS + ((CUSTOM,) if x_seq is not None else ()),
            value=CUSTOM if x_seq is not None else input_kind,
            description="input",
            style=style,
        )
        self.delay_steps = W.IntSlider(
            value=delay_steps,
            min=0,
            max=max(T_MAX, T, delay_steps),
            description="delay steps",
            style=style,
            layout=wide,
        )
        self.T = W.IntSlider(value=T, min=min(2, T), max=max(T_MAX, T), description="T", style=style, layout=wide)
        self.rate = W.FloatSlider(value=rate, min=0.0, max=1.0, step=0.01, description="rate", style=style, layout=wide)
        self.period = W.IntSlider(value=period, min=2, max=64, description="period", style=style, layout=wide)
        self.seed = W.IntText(value=seed, description="seed", style=style, layout=W.Layout(width="160px"))
        self.channel = W.IntSlider(value=0, min=0, max=n_channels - 1, description="channel", style=style, layout=wide)
        # refilled by update(); the gradient d sum(y) / d x[t] is drawn by the figure on its right axis
        self.figure = FigureWidget(vp.delay_effect(torch.zeros(1), torch.zeros(1), 0, gradient=torch.zeros(1)))
        self.figure.layout.update(width=830, height=380)
        self.set_controls(
            [W.VBox([self.input, self.delay_steps, self.T]), W.VBox([self.rate, self.period, self.seed, self.channel])],
            watch=False,
        )
        self.watch(self.input, self.delay_steps, self.T, self.rate, self.period, self.seed, self.channel)
        self.set_figures([self.figure])
        self.update()

    def sync_controls(self) -> None:
        custom = self.input.value == CUSTOM
        self.T.disabled = custom
        self.rate.disabled = self.input.value != "spikes"
        self.seed.disabled = self.input.value != "spikes"
        self.period.disabled = self.input.value != "signal"
        self.channel.disabled = self.channel.max == 0

    def make_input(self) -> torch.Tensor:
        """The ``[T, *]`` input the controls describe (or the user's)."""
        if self.input.value == CUSTOM and self.x_seq is not None:  # offered only with x_seq=
            return self.x_seq
        return delay_input(
            cast(str, self.input.value),  # a Dropdown with options always holds one of them
            self.T.value,
            rate=self.rate.value,
            period=self.period.value,
            seed=self.seed.value,
        )

    def compute(self) -> DelayResult:
        x_seq = self.make_input()
        dtype = x_seq.dtype if x_seq.is_floating_point() else torch.float32  # integer steps get float gradients
        x = x_seq.detach().to(self.device, dtype).requires_grad_(True)
        y = delay(x, self.delay_steps.value)
        (grad,) = torch.autograd.grad(y.sum(), x)
        return DelayResult(
            x_seq=tensor_to_host(x),
            y_seq=tensor_to_host(y),
            grad=tensor_to_host(grad),
            delay_steps=self.delay_steps.value,
            channel=self.channel.value,
        )

    def render(self, result: DelayResult) -> None:
        vp.delay_effect(
            result.x_seq,
            result.y_seq,
            result.delay_steps,
            channel=result.channel,
            gradient=result.grad,
            fig=self.figure,
        )
