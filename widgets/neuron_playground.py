"""NeuronPlayground: one spiking neuron of any model in the zoo, driven by an input you choose.

The model dropdown offers every neuron of :mod:`snnlab.registry.neurons`; its own parameters
appear as controls built from that table (ranges and defaults included), with a hard / soft
reset switch for ``v_reset``. The surrogate dropdown offers every surrogate class with a
``kind``, with its sharpness ``alpha``. The input is constant, a step, Poisson spikes of a given
rate, or a noisy current. The panel shows the membrane potential with the threshold and the
spikes (a sawtooth: the potential charges past the threshold, then drops to the reset level),
and the surrogate's primitive and gradient. **Compare**: switching it on pins the current
configuration as A; the controls then edit B, and both run on the same input, A's membrane
(grey) and spikes overlaid on B's. Your own neuron (``node=``, any ``snnlab.neuron`` node) and
your own input (``x_seq=``, a ``[T]`` tensor) replace the built-in ones.

Shape:
    ``x_seq``: ``[T]``; ``result.spikes``, ``result.v_seq`` and ``result.h_seq``: ``[T]``.

Example:
    >>> panel = NeuronPlayground(model="LIF", tau=2.0, T=100, device="cpu")
    >>> panel
    NeuronPlayground(model='lif', surrogate='Sigmoid', reset='hard', input='constant', T=100, compare=False)
    >>> int(panel.result.spikes.sum()), panel.result.v_seq.shape
    (33, torch.Size([100]))
"""

import copy
import inspect
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple, cast

import ipywidgets as W
import torch

from snnlab import neuron, surrogate
from snnlab.analysis import charged_potential
from snnlab.checks import check_choice
from snnlab.encoding import PoissonEncoder, constant_current
from snnlab.registry import neurons as neuron_registry
from snnlab.registry.surrogates import SURROGATES
from snnlab.viz import plotly as vp

from ._bounds import check_number, check_seed
from ._device import spikes_to_host, tensor_to_host
from ._panel import Panel
from .figure_widget import FigureWidget

__all__ = ["NeuronPlayground", "NeuronResult", "input_sequence", "run_neuron", "surrogate_classes"]

MODELS = neuron_registry.NEURON_KINDS
INPUTS = ("constant", "step", "poisson", "noise")
CUSTOM = "custom"
#: roles (trace meta) of the pinned configuration's traces in the membrane figure
COMPARE_V = "compare v"
COMPARE_SPIKE = "compare spike"


class NeuronResult(NamedTuple):
    """What one run of the playground produced (CPU tensors)."""

    x_seq: torch.Tensor  #: input current ``[T]``
    spikes: torch.Tensor  #: output spikes ``[T]``
    v_seq: torch.Tensor  #: membrane potential after each step's reset ``[T]``
    h_seq: torch.Tensor | None  #: membrane potential after charging, before the fire/reset ``[T]``
    v_threshold: float
    v_reset: float | None  #: ``None`` for a soft reset
    surrogate_function: Callable[..., Any]  #: the node's surrogate (a module or a function)
    label: str = ""  #: the configuration, e.g. ``"lif tau=2 ..."``
    compare: "NeuronResult | None" = None  #: the pinned configuration A in compare mode


def surrogate_classes() -> dict:
    """``{class name: class}`` of every surrogate kind in :data:`snnlab.registry.surrogates.SURROGATES`.

    Example:
        >>> 'Sigmoid' in surrogate_classes() and 'PiecewiseLeakyReLU' in surrogate_classes()
        True
    """
    return {spec.cls.__name__: spec.cls for spec in SURROGATES.values()}


def _make_surrogate(cls, alpha):
    """``cls(alpha=alpha)`` when the class takes an ``alpha``, else its defaults."""
    return cls(alpha=alpha) if "alpha" in inspect.signature(cls).parameters else cls()


def _model_kind(model: str) -> str:
    """A registry kind from a kind or a class name, any case ('LIF', 'LIFNode', 'cuba_lif', 'CubaLIF')."""
    key = model.lower() if isinstance(model, str) else model
    for kind, spec in neuron_registry.NEURONS.items():
        if key in (kind, spec.class_name.lower(), spec.class_name.lower().removesuffix("node")):
            return kind
    return model


#: nodes run as one multi-step call: their charge depends on ``v`` and the input only, so
#: :func:`snnlab.analysis.charged_potential` recovers ``h`` exactly from the stored ``v_seq``. Other nodes (extra
#: state, subclasses with their own charge) are stepped one by one. A LIF run of T = 2000 steps takes 54 ms
#: this way and 127 ms step by step (2-core CPU).
_WHOLE_RUN = (neuron.IFNode, neuron.LIFNode, neuron.ParametricLIFNode)


def run_neuron(node: neuron.BaseNode, x_seq: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """Step a copy of ``node`` through ``x_seq`` ``[T, *]``: ``(spikes, v_seq, h_seq)``, each ``[T, *]``.

    ``h_seq`` is the potential after each charge, before the fire and reset (None for a neuron
    whose own step skips ``neuronal_charge``); spikes are what fire and reset returned (a LIAF
    neuron's output is its activation, not these spikes).

    Example:
        >>> import torch
        >>> s, v, h = run_neuron(neuron.IFNode(), torch.tensor([[0.5], [0.7]]))
        >>> s.flatten().tolist(), v.flatten().tolist(), [round(x, 4) for x in h.flatten().tolist()]
        ([0.0, 1.0], [0.5, 0.0], [0.5, 1.2])
    """
    node = copy.deepcopy(node)
    node.reset()
    if type(node) in _WHOLE_RUN:
        node.step_mode, node.store_v_seq = "m", True
        with torch.no_grad():
            spikes = node(x_seq)
        return spikes, node.v_seq, charged_potential(node, x_seq, node.v_seq)
    return _run_stepwise(node, x_seq)


def _run_stepwise(node: neuron.BaseNode, x_seq: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """:func:`run_neuron` one step at a time, recording each charge and fire (``node``: a reset copy)."""
    node.step_mode = "s"
    T = x_seq.shape[0]
    # each step's values are copied into [T, *] buffers made at the first step: no per-step tensors are
    # kept alive (thousands of them made the kernel's garbage collector pause for 0.25 s now and then)
    seqs: dict[str, torch.Tensor] = {}
    counts = {"h": 0, "spike": 0}
    charge, fire_reset = node.neuronal_charge, node.fire_and_reset

    def keep(name: str, t: int, value: torch.Tensor) -> None:
        if t >= T:  # a neuron that charges or fires more than once per step: its sequence is not used
            return
        if name not in seqs:
            seqs[name] = torch.empty((T, *value.shape), dtype=value.dtype, device=value.device)
        seqs[name][t] = value

    def recording_charge(x):
        charge(x)
        keep("h", counts["h"], node.v.detach())
        counts["h"] += 1

    def recording_fire_reset():
        spike = fire_reset()
        keep("spike", counts["spike"], spike.detach())
        counts["spike"] += 1
        return spike

    node.neuronal_charge, node.fire_and_reset = recording_charge, recording_fire_reset
    with torch.no_grad():
        for t, x in enumerate(x_seq):
            keep("out", t, node(x))
            keep("v", t, torch.as_tensor(node.v).detach())
    spike_seq = seqs["spike"] if counts["spike"] == T else seqs["out"]
    return spike_seq, seqs["v"], seqs["h"] if counts["h"] == T else None


def input_sequence(
    kind: str,
    T: int,
    amplitude: float = 1.0,
    *,
    rate: float = 0.3,
    noise: float = 0.3,
    onset: int | None = None,
    seed: int = 0,
) -> torch.Tensor:
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
    """An interactive single neuron: controls -> a neuron run -> membrane and surrogate figures.

    Args:
        model: a kind of :data:`snnlab.registry.neurons.NEURONS` or its class name (``'LIF'``,
            ``'cuba_lif'``, ``'IzhikevichNode'``, ...; initial control value).
        params: initial values of the model's parameters, e.g. ``{'tau_syn': 5.0}``.
        tau, v_threshold, v_reset: shortcuts for those parameters (``tau`` also sets PLIF's ``init_tau``).
        reset: ``'hard'`` or ``'soft'`` (``v_reset=None``: subtract the threshold).
        surrogate_name, alpha: a surrogate class name (see :func:`surrogate_classes`) and its sharpness.
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
        >>> panel.compare.value = True; panel.model.value = 'lif'  # A: the user's IF, B: a LIF
        >>> panel.result.compare.label, panel.result.label.split()[0]
        ('custom', 'lif')
    """

    _repr_fields = ("model", "surrogate", "reset", "input", "T", "compare")  # <= 110 characters

    def __init__(
        self,
        model: str = "LIF",
        tau: float | None = None,
        v_threshold: float | None = None,
        v_reset: float | None = None,
        reset: str = "hard",
        surrogate_name: str = "Sigmoid",
        alpha: float = 4.0,
        input_kind: str = "constant",
        amplitude: float = 1.2,
        rate: float = 0.3,
        noise: float = 0.3,
        T: int = 100,
        seed: int = 0,
        *,
        params: Mapping[str, float | bool | None] | None = None,
        node: neuron.BaseNode | None = None,
        x_seq: torch.Tensor | None = None,
        device: str | torch.device | None = None,
        throttle_ms: float = 50.0,
        blocking: bool = False,
    ) -> None:
        owner = type(self).__name__
        kind = _model_kind(model)
        check_choice(owner, "model", kind, MODELS)
        check_choice(owner, "reset", reset, ("hard", "soft"))
        surrogates = surrogate_classes()
        check_choice(owner, "surrogate_name", surrogate_name, tuple(surrogates))
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
        overrides = dict(params or {})
        for name, value in (("tau", tau), ("init_tau", tau), ("v_threshold", v_threshold), ("v_reset", v_reset)):
            if value is not None:
                overrides.setdefault(name, value)
        # the ranges of the controls: a value outside is refused here, not clamped by the control
        for name, value in overrides.items():
            for p in (p for spec in neuron_registry.NEURONS.values() for p in spec.params if p.name == name):
                if p.low is not None and not (value is None and p.nullable):
                    check_number(owner, name, value, p.low, p.high)
        alpha = check_number(owner, "alpha", alpha, 0.5, 10.0)
        amplitude = check_number(owner, "amplitude", amplitude, -1.0, 3.0)
        rate = check_number(owner, "rate", rate, 0.0, 1.0)
        noise = check_number(owner, "noise", noise, 0.0, 2.0)
        T = check_number(owner, "T", T, 1, None, integer=True)
        seed = check_seed(owner, seed)
        super().__init__(device=device, throttle_ms=throttle_ms, blocking=blocking)
        self.node = node
        self.x_seq = None if x_seq is None else x_seq.detach().float()
        self._surrogates = surrogates
        self._overrides = overrides
        self._param_controls = {}  # kind -> {parameter name: control}
        self._pinned = None  # the configuration A of compare mode
        style, wide = {"description_width": "80px"}, W.Layout(width="300px")
        self._style, self._wide = style, wide
        labels = [(spec.class_name, k) for k, spec in neuron_registry.NEURONS.items()]
        self.model = W.Dropdown(
            options=labels + ([(CUSTOM, CUSTOM)] if node is not None else []),
            value=CUSTOM if node is not None else kind,
            description="model",
            style=style,
        )
        self.reset = W.ToggleButtons(options=("hard", "soft"), value=reset, description="reset", style=style)
        self.params_box = W.VBox([])
        self.surrogate = W.Dropdown(
            options=tuple(surrogates), value=surrogate_name, description="surrogate", style=style
        )
        self.alpha = W.FloatSlider(
            value=alpha, min=0.5, max=10.0, step=0.1, description="alpha", style=style, layout=wide
        )
        self.compare = W.ToggleButton(
            value=False, description="compare", tooltip="pin this configuration as A; the controls then edit B"
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
        self.membrane_fig = FigureWidget(vp.membrane_trace([]))
        for name, role, line in (  # the pinned configuration A, found by role (vp.trace), never by position
            ("A: v", COMPARE_V, dict(color="#888", width=1.5, dash="dot")),
            ("A: spike", COMPARE_SPIKE, dict(color="#888", width=2)),
        ):
            self.membrane_fig.add_scatter(
                x=[], y=[], mode="lines", name=name, meta=role, line=line, visible=False, hoverinfo="skip"
            )
        vp.add_marks(self.membrane_fig, COMPARE_SPIKE)
        self.surrogate_fig = FigureWidget(vp.surrogate(surrogate.Sigmoid()))
        self._drawn_surrogate = None
        self.membrane_fig.layout.update(width=510, height=320)
        self.surrogate_fig.layout.update(width=320, height=320)
        self.set_controls(
            [
                W.VBox([self.model, self.reset, self.params_box]),
                W.VBox(
                    [self.surrogate, self.alpha, self.compare, self.input, self.amplitude, self.rate, self.noise]
                    + [self.T, self.seed]
                ),
            ],
            watch=False,
        )
        self.watch(self.model, self.reset, self.surrogate, self.alpha, self.input, self.amplitude, self.rate)
        self.watch(self.noise, self.T, self.seed)
        self.compare.observe(self._on_compare, names="value")
        self.set_figures([self.membrane_fig, self.surrogate_fig])
        self.sync_controls()
        self.update()

    # ----------------------------------------------------------------------------- controls
    @property
    def params(self) -> dict:
        """``{parameter name: control}`` of the model shown (empty for a custom node)."""
        kind = self.model.value
        return {} if kind == CUSTOM else self._controls_for(str(kind))

    def _controls_for(self, kind: str) -> dict:
        """The controls of ``kind``'s parameters, built once from the registry (and watched)."""
        if kind not in self._param_controls:
            controls = {}
            for p in neuron_registry.NEURONS[kind].params:
                value = self._overrides.get(p.name, p.default)
                if isinstance(p.default, bool):
                    control = W.Checkbox(value=bool(value), description=p.name, tooltip=p.doc, indent=False)
                else:
                    if value is None:  # v_reset=None given: the reset switch says soft, the slider keeps the default
                        value = p.default
                    value = float(value)  # in [low, high]: the constructor refused anything else
                    control = W.FloatSlider(
                        value=value, min=p.low, max=p.high, step=p.step, description=p.name, tooltip=p.doc,
                        style=self._style, layout=self._wide,
                    )  # fmt: skip
                controls[p.name] = control
                self.watch(control)
            self._param_controls[kind] = controls
        return self._param_controls[kind]

    def sync_controls(self) -> None:
        custom_node = self.model.value == CUSTOM
        controls = self.params
        self.params_box.children = tuple(controls.values())
        nullable = [p.name for p in neuron_registry.NEURONS[self.model.value].params if p.nullable] if controls else []
        for name in nullable:
            controls[name].disabled = self.reset.value == "soft"
        self.reset.disabled = custom_node or not nullable
        self.surrogate.disabled = custom_node
        takes_alpha = "alpha" in inspect.signature(self._surrogates[self.surrogate.value]).parameters
        self.alpha.disabled = custom_node or not takes_alpha
        custom_input = self.input.value == CUSTOM
        self.amplitude.disabled = custom_input
        self.T.disabled = custom_input
        self.rate.disabled = self.input.value != "poisson"
        self.noise.disabled = self.input.value != "noise"
        self.seed.disabled = self.input.value not in ("poisson", "noise")

    def _on_compare(self, change):
        self._pinned = self.configuration() if change["new"] else None
        self._on_control_change(change)

    # ----------------------------------------------------------------------------- the run
    def configuration(self) -> tuple:
        """What the model controls describe: ``(kind, {param: value}, surrogate name, alpha)``;
        ``kind`` is ``'custom'`` for the user's node."""
        kind = self.model.value
        values = {name: control.value for name, control in self.params.items()}
        nullable = [p.name for p in neuron_registry.NEURONS[kind].params if p.nullable] if kind != CUSTOM else []
        for name in nullable:
            if self.reset.value == "soft":
                values[name] = None
        return kind, values, self.surrogate.value, self.alpha.value

    def make_node(self, config: tuple | None = None) -> neuron.BaseNode:
        """The neuron a configuration (default: the controls') describes, or a copy of the user's."""
        kind, values, sg_name, alpha = self.configuration() if config is None else config
        if kind == CUSTOM and self.node is not None:  # offered only with node=
            return _fresh_copy(self.node)
        # v_reset >= v_threshold is run as the core runs it (see snnlab.neuron.BaseNode)
        sg = _make_surrogate(self._surrogates[sg_name], alpha)
        return neuron_registry.NEURONS[kind].build(**values, surrogate_function=sg)

    def make_input(self) -> torch.Tensor:
        """The ``[T]`` input the controls describe (or the user's)."""
        if self.input.value == CUSTOM and self.x_seq is not None:  # offered only with x_seq=
            return self.x_seq
        return input_sequence(
            cast(str, self.input.value),  # a Dropdown with options always holds one of them
            self.T.value,
            self.amplitude.value,
            rate=self.rate.value,
            noise=self.noise.value,
            seed=self.seed.value,
        )

    def _run(self, config, x_seq) -> NeuronResult:
        node = self.make_node(config).to(self.device)
        spikes, v_seq, h_seq = run_neuron(node, x_seq.to(self.device).unsqueeze(1))
        threshold = node.v_threshold
        kind, values = config[0], config[1]
        label = (
            kind
            if kind == CUSTOM
            else " ".join([kind] + [f"{k}={v:g}" for k, v in values.items() if isinstance(v, float)])
        )
        return NeuronResult(
            x_seq=x_seq,
            spikes=spikes_to_host(spikes[:, 0]),
            v_seq=tensor_to_host(v_seq[:, 0]),
            h_seq=None if h_seq is None else tensor_to_host(h_seq[:, 0]),
            v_threshold=float(threshold) if not isinstance(threshold, torch.Tensor) else float(threshold.mean()),
            v_reset=node.v_reset,
            surrogate_function=node.surrogate_function,
            label=label,
        )

    def compute(self) -> NeuronResult:
        x_seq = self.make_input()
        result = self._run(self.configuration(), x_seq)
        if self._pinned is not None:
            result = result._replace(compare=self._run(self._pinned, x_seq))
        return result

    def render(self, result: NeuronResult) -> None:
        fig = self.membrane_fig
        with fig.batch_update():
            vp.membrane_trace(result.v_seq, result.spikes, result.v_threshold, result.v_reset, h=result.h_seq, fig=fig)
            a = result.compare
            a_v, a_spike, b_v = vp.trace(fig, COMPARE_V), vp.trace(fig, COMPARE_SPIKE), vp.trace(fig, "v")
            a_v.visible = a_spike.visible = a is not None  # A's marks: set_marks below
            if a is None:
                vp.set_marks(fig, COMPARE_SPIKE, None)
                b_v.name = "v"
            else:
                path = vp.membrane_trace(a.v_seq, a.spikes, a.v_threshold, a.v_reset, h=a.h_seq)
                a_v.x, a_v.y = vp.trace(path, "v").x, vp.trace(path, "v").y
                vp.set_marks(fig, COMPARE_SPIKE, vp.marks(path, "spike").path)
                # short legend names (the full configurations are in result.label / result.compare.label)
                a_v.name, b_v.name = f"A: {a.label.split()[0]} v", f"B: {result.label.split()[0]} v"
                lows = [min(float(d.min()), a.v_threshold) for d in (a.v_seq, result.v_seq)]
                highs = [max(float(d.max()), a.v_threshold, result.v_threshold) + 0.3 for d in (a.v_seq, result.v_seq)]
                fig.update_yaxes(range=[min(lows) - 0.1, max(highs)])
        sg = result.surrogate_function
        key = (type(sg), repr(sg))
        if key != self._drawn_surrogate:  # the curve depends on the surrogate only: skip redraws of the same one
            vp.surrogate(sg, fig=self.surrogate_fig)
            self._drawn_surrogate = key
