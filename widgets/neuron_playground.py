"""NeuronPlayground: one spiking neuron (IF, LIF or parametric LIF) driven by an input you choose.

Sliders set the time constant, threshold, reset (hard to ``v_reset``, or soft), the surrogate
gradient and its sharpness ``alpha``, and the input (constant, a step, Poisson spikes of a given
rate, or a noisy current). The panel shows the membrane potential with the threshold and the spikes
(a sawtooth: the potential charges past the threshold, then drops to the reset level), and the
surrogate's primitive and gradient. Your own neuron (``node=``, any ``snnlab.neuron`` node)
and your own input (``x_seq=``, a ``[T]`` tensor) replace the built-in ones.

Shape:
    ``x_seq``: ``[T]``; ``result.spikes``, ``result.v_seq`` and ``result.h_seq``: ``[T]``.

Example:
    >>> panel = NeuronPlayground(model="LIF", tau=2.0, T=100, device="cpu")
    >>> panel
    NeuronPlayground(model='LIF', tau=2.0, v_threshold=1.0, reset='hard', input='constant', T=100)
    >>> int(panel.result.spikes.sum()), panel.result.v_seq.shape
    (33, torch.Size([100]))
"""

import copy
from typing import NamedTuple

import ipywidgets as W
import plotly.graph_objects as go
import torch

from snnlab import neuron, surrogate
from snnlab._checks import check_choice
from snnlab.analysis import charged_potential
from snnlab.encoding import PoissonEncoder, constant_current
from snnlab.viz import plotly as vp

from ._bounds import check_number, check_seed
from ._device import spikes_to_host, tensor_to_host
from ._panel import Panel

__all__ = ["NeuronPlayground", "NeuronResult", "input_sequence"]

MODELS = ("IF", "LIF", "PLIF")
SURROGATES = {"Sigmoid": surrogate.Sigmoid, "ATan": surrogate.ATan}
INPUTS = ("constant", "step", "poisson", "noise")
CUSTOM = "custom"


class NeuronResult(NamedTuple):
    """What one run of the playground produced (CPU tensors)."""

    x_seq: torch.Tensor  #: input current ``[T]``
    spikes: torch.Tensor  #: output spikes ``[T]``
    v_seq: torch.Tensor  #: membrane potential after each step's reset ``[T]``
    h_seq: torch.Tensor  #: membrane potential after charging, before the fire/reset ``[T]``
    v_threshold: float
    v_reset: float | None  #: ``None`` for a soft reset
    surrogate_function: torch.nn.Module


def input_sequence(kind, T, amplitude=1.0, *, rate=0.3, noise=0.3, onset=None, seed=0) -> torch.Tensor:
    """A ``[T]`` float32 input current: ``'constant'``, ``'step'``, ``'poisson'`` or ``'noise'``.

    ``'constant'`` is ``amplitude`` at every step; ``'step'`` is 0 before ``onset`` (default ``T // 4``)
    and ``amplitude`` from it on; ``'poisson'`` is ``amplitude`` at steps drawn with probability
    ``rate`` (Poisson spike input), else 0; ``'noise'`` is ``amplitude`` plus Gaussian noise of
    standard deviation ``noise``. Random draws use a CPU generator seeded with ``seed``, so the
    same arguments give the same sequence on every device.

    Shape:
        returns ``[T]``.

    Example:
        >>> input_sequence("step", 6, 2.0, onset=2).tolist()
        [0.0, 0.0, 2.0, 2.0, 2.0, 2.0]
        >>> input_sequence("poisson", 8, 1.0, rate=0.5, seed=0).tolist()
        [1.0, 0.0, 1.0, 1.0, 1.0, 0.0, 1.0, 0.0]
    """
    if kind not in INPUTS:
        raise ValueError(f"input_sequence: kind must be one of {', '.join(map(repr, INPUTS))}, got {kind!r}")
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"input_sequence: rate must be in [0, 1], got {rate!r}")
    generator = torch.Generator().manual_seed(int(seed))
    if kind == "constant":
        return constant_current(float(amplitude), T, shape=())
    if kind == "step":
        onset = T // 4 if onset is None else onset
        return (torch.arange(T) >= onset).float() * amplitude
    if kind == "poisson":
        return PoissonEncoder(generator=generator).encode(torch.tensor([float(rate)]), T)[:, 0] * amplitude
    return amplitude + noise * torch.randn(T, generator=generator)


def _fresh_copy(node: neuron.BaseNode) -> neuron.BaseNode:
    """A deep copy of ``node`` without its state: a ``v`` still holding a graph cannot be deep-copied."""
    state = [value for _, value in node.named_memories() if isinstance(value, torch.Tensor)]
    state += [b for name, b in node.named_buffers() if name in ("v", "trace")]
    return copy.deepcopy(node, memo={id(t): None for t in state})


class NeuronPlayground(Panel):
    """An interactive single neuron: controls -> a multi-step neuron run -> membrane and surrogate figures.

    Args:
        model: ``'IF'``, ``'LIF'`` or ``'PLIF'`` (initial control value).
        tau: membrane time constant (LIF) or initial one (PLIF), > 1.
        v_threshold, v_reset: threshold and hard-reset level.
        reset: ``'hard'`` or ``'soft'`` (subtract the threshold).
        surrogate_name, alpha: ``'Sigmoid'`` or ``'ATan'`` and its sharpness.
        input_kind, amplitude, rate, noise, T, seed: the input (see :func:`input_sequence`).
        node: your own neuron module (a copy is run; the model controls are then disabled).
        x_seq: your own ``[T]`` input (the input controls are then disabled).
        device, throttle_ms, blocking: see :class:`widgets._panel.Panel`.

    Shape:
        ``x_seq``: ``[T]``.

    Example:
        >>> import torch
        >>> from snnlab import neuron
        >>> panel = NeuronPlayground(node=neuron.IFNode(), x_seq=torch.tensor([0.5, 0.5, 0.5, 1.0, 2.0]))
        >>> panel.result.spikes.tolist(), panel.result.v_seq.tolist()
        ([0.0, 1.0, 0.0, 1.0, 1.0], [0.5, 0.0, 0.5, 0.0, 0.0])
    """

    _repr_fields = ("model", "tau", "v_threshold", "reset", "input", "T")  # <= 110 characters: Jupyter cuts longer

    def __init__(
        self,
        model="LIF",
        tau=2.0,
        v_threshold=1.0,
        v_reset=0.0,
        reset="hard",
        surrogate_name="Sigmoid",
        alpha=4.0,
        input_kind="constant",
        amplitude=1.2,
        rate=0.3,
        noise=0.3,
        T=100,
        seed=0,
        *,
        node=None,
        x_seq=None,
        device=None,
        throttle_ms=50.0,
        blocking=False,
    ):
        owner = type(self).__name__
        check_choice(owner, "model", model, MODELS)
        check_choice(owner, "reset", reset, ("hard", "soft"))
        check_choice(owner, "surrogate_name", surrogate_name, tuple(SURROGATES))
        check_choice(owner, "input_kind", input_kind, INPUTS)
        if node is not None and not isinstance(node, neuron.BaseNode):
            raise TypeError(
                f"{owner}: node must be a snnlab.neuron node (e.g. LIFNode()), "
                f"got an object of type {type(node).__name__}"
            )
        if x_seq is not None:
            if not isinstance(x_seq, torch.Tensor) or x_seq.dim() != 1 or x_seq.numel() == 0:
                got = f"shape {list(x_seq.shape)}" if isinstance(x_seq, torch.Tensor) else type(x_seq).__name__
                raise ValueError(f"{owner}: x_seq must be a non-empty 1-D tensor [T], got {got}")
            T = x_seq.numel()
        # the ranges of the controls below: a value outside is refused here, not clamped by the control
        tau = check_number(owner, "tau", tau, 1.1, 20.0)
        v_threshold = check_number(owner, "v_threshold", v_threshold, 0.1, 3.0)
        v_reset = check_number(owner, "v_reset", v_reset, -1.0, 1.0)
        alpha = check_number(owner, "alpha", alpha, 0.5, 10.0)
        amplitude = check_number(owner, "amplitude", amplitude, -1.0, 3.0)
        rate = check_number(owner, "rate", rate, 0.0, 1.0)
        noise = check_number(owner, "noise", noise, 0.0, 2.0)
        T = check_number(owner, "T", T, 1, None, integer=True)
        seed = check_seed(owner, seed)
        super().__init__(device=device, throttle_ms=throttle_ms, blocking=blocking)
        self.node = node
        self.x_seq = None if x_seq is None else x_seq.detach().float()
        style, wide = {"description_width": "80px"}, W.Layout(width="300px")
        self.model = W.Dropdown(
            options=MODELS + ((CUSTOM,) if node is not None else ()),
            value=CUSTOM if node is not None else model,
            description="model",
            style=style,
        )
        self.tau = W.FloatSlider(value=tau, min=1.1, max=20.0, step=0.1, description="tau", style=style, layout=wide)
        self.v_threshold = W.FloatSlider(
            value=v_threshold, min=0.1, max=3.0, step=0.05, description="threshold", style=style, layout=wide
        )
        self.reset = W.ToggleButtons(options=("hard", "soft"), value=reset, description="reset", style=style)
        self.v_reset = W.FloatSlider(
            value=v_reset, min=-1.0, max=1.0, step=0.05, description="v_reset", style=style, layout=wide
        )
        self.surrogate = W.Dropdown(
            options=tuple(SURROGATES), value=surrogate_name, description="surrogate", style=style
        )
        self.alpha = W.FloatSlider(
            value=alpha, min=0.5, max=10.0, step=0.1, description="alpha", style=style, layout=wide
        )
        self.input = W.Dropdown(
            options=INPUTS + ((CUSTOM,) if x_seq is not None else ()),
            value=CUSTOM if x_seq is not None else input_kind,
            description="input",
            style=style,
        )
        self.amplitude = W.FloatSlider(
            value=amplitude, min=-1.0, max=3.0, step=0.05, description="amplitude", style=style, layout=wide
        )
        self.rate = W.FloatSlider(value=rate, min=0.0, max=1.0, step=0.01, description="rate", style=style, layout=wide)
        self.noise = W.FloatSlider(
            value=noise, min=0.0, max=2.0, step=0.05, description="noise", style=style, layout=wide
        )
        self.T = W.IntSlider(
            value=T,
            min=min(10, T),
            max=max(1000, T),
            description="T",
            style=style,
            layout=wide,
            continuous_update=False,
        )
        self.seed = W.IntText(value=seed, description="seed", style=style, layout=W.Layout(width="160px"))
        self.membrane_fig = go.FigureWidget(vp.membrane_trace([]))
        self.surrogate_fig = go.FigureWidget(vp.surrogate(surrogate.Sigmoid()))
        self._drawn_surrogate = None
        self.membrane_fig.layout.update(width=620, height=340)
        self.surrogate_fig.layout.update(width=420, height=340)
        self.set_controls(
            [
                W.VBox([self.model, self.tau, self.v_threshold, self.reset, self.v_reset]),
                W.VBox(
                    [self.surrogate, self.alpha, self.input, self.amplitude, self.rate, self.noise, self.T, self.seed]
                ),
            ],
            watch=False,
        )
        self.watch(
            self.model,
            self.tau,
            self.v_threshold,
            self.reset,
            self.v_reset,
            self.surrogate,
            self.alpha,
            self.input,
            self.amplitude,
            self.rate,
            self.noise,
            self.T,
            self.seed,
        )
        self.set_figures([self.membrane_fig, self.surrogate_fig])
        self.update()

    def sync_controls(self):
        custom_node = self.model.value == CUSTOM
        self.tau.disabled = custom_node or self.model.value == "IF"
        for control in (self.v_threshold, self.reset, self.surrogate, self.alpha):
            control.disabled = custom_node
        self.v_reset.disabled = custom_node or self.reset.value == "soft"
        custom_input = self.input.value == CUSTOM
        self.amplitude.disabled = custom_input
        self.T.disabled = custom_input
        self.rate.disabled = self.input.value != "poisson"
        self.noise.disabled = self.input.value != "noise"
        self.seed.disabled = self.input.value not in ("poisson", "noise")

    def make_node(self) -> neuron.BaseNode:
        """The neuron the controls describe (or a copy of the user's), in multi-step mode, recording ``v``."""
        if self.model.value == CUSTOM:
            node = _fresh_copy(self.node)
        else:
            # v_reset >= v_threshold is run as the core runs it (see snnlab.neuron.BaseNode)
            v_reset = None if self.reset.value == "soft" else self.v_reset.value
            common = dict(
                v_threshold=self.v_threshold.value,
                v_reset=v_reset,
                surrogate_function=SURROGATES[self.surrogate.value](alpha=self.alpha.value),
            )
            if self.model.value == "IF":
                node = neuron.IFNode(**common)
            elif self.model.value == "LIF":
                node = neuron.LIFNode(tau=self.tau.value, **common)
            else:
                node = neuron.ParametricLIFNode(init_tau=self.tau.value, **common)
        node.reset()
        node.step_mode = "m"
        node.store_v_seq = True
        return node

    def make_input(self) -> torch.Tensor:
        """The ``[T]`` input the controls describe (or the user's)."""
        if self.input.value == CUSTOM:
            return self.x_seq
        return input_sequence(
            self.input.value,
            self.T.value,
            self.amplitude.value,
            rate=self.rate.value,
            noise=self.noise.value,
            seed=self.seed.value,
        )

    def compute(self) -> NeuronResult:
        node = self.make_node().to(self.device)
        x_seq = self.make_input()
        x_dev = x_seq.to(self.device).unsqueeze(1)
        with torch.no_grad():
            spikes = node(x_dev)
        h_seq = charged_potential(node, x_dev, node.v_seq)
        threshold = node.v_threshold
        return NeuronResult(
            x_seq=x_seq,
            spikes=spikes_to_host(spikes[:, 0]),
            v_seq=tensor_to_host(node.v_seq[:, 0]),
            h_seq=tensor_to_host(h_seq[:, 0]),
            v_threshold=float(threshold) if not isinstance(threshold, torch.Tensor) else float(threshold.mean()),
            v_reset=node.v_reset,
            surrogate_function=node.surrogate_function,
        )

    def render(self, result: NeuronResult):
        vp.membrane_trace(
            result.v_seq, result.spikes, result.v_threshold, result.v_reset, h=result.h_seq, fig=self.membrane_fig
        )
        sg = result.surrogate_function
        key = (type(sg), repr(sg))
        if key != self._drawn_surrogate:  # the curve depends on the surrogate only: skip redraws of the same one
            vp.surrogate(sg, fig=self.surrogate_fig)
            self._drawn_surrogate = key
