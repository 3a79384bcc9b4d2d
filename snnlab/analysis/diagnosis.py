"""Say what is wrong with a spiking network, in words, with the numbers behind each claim.

``diagnose(net, x_seq)`` runs the network once on ``x_seq`` (any supported framework, see
:mod:`snnlab.interop.adapters`), records, for every spiking layer, its input current, its spikes and
its membrane potential, then runs one backward pass (``loss_fn(output)``, by default the mean output)
and measures the gradient reaching each layer's input. Each check gives a :class:`Finding` with the
numbers and a suggested fix:

- ``silent``: the layer fires (almost) never: rate < ``silent_rate``;
- ``saturated``: it fires (almost) always: rate > ``saturated_rate``;
- ``exploding``: the membrane runs away: its largest ``|v - v_reset|`` exceeds ``explode_factor`` times the
  reset-to-threshold distance (or is not finite) and is still growing (the second half of the run
  reaches over 1.2 times the first half's largest value; a leaky membrane that settles is not flagged);
- ``stuck_below``: the membrane stays far below threshold: its 99th percentile climbs less than
  ``stuck_fraction`` of the way from the reset value to the threshold;
- ``input_scale``: the input current is far from the threshold's scale: its 99th percentile of ``|I|``
  is below ``input_low`` or above ``input_high`` thresholds;
- ``vanishing_gradient``: the mean ``|dL/dI|`` falls by more than ``vanish_ratio`` from the last
  spiking layer to the first (reported at the layer where the largest drop happens).

The network's state is reset before and after; its train/eval mode is restored.

Shape:
    ``x_seq``: ``[T, N, *]``.

Example:
    >>> import torch
    >>> from snnlab import layer, neuron
    >>> torch.manual_seed(0)  # doctest: +ELLIPSIS
    <...>
    >>> net = torch.nn.Sequential(layer.Linear(4, 8), neuron.LIFNode())
    >>> with torch.no_grad():
    ...     _ = net[0].weight.mul_(0.01), net[0].bias.zero_()  # far too small for the threshold
    >>> d = diagnose(net, torch.rand(20, 4, 4))
    >>> [f.kind for f in d.findings]
    ['silent', 'stuck_below', 'input_scale']
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch

from ..checks import check_real, check_tensor, describe

__all__ = ["Diagnosis", "Finding", "LayerStats", "diagnose"]


@dataclass
class LayerStats:
    """The numbers measured for one spiking layer (floats; NaN where not measurable)."""

    name: str
    n_neurons: int
    rate: float  #: spikes per neuron per step
    v_threshold: float  #: the layer's (mean) threshold
    v_reset: float  #: the reset value (0 for a soft reset)
    v_p99: float  #: 99th percentile of the membrane potential
    v_max_abs: float  #: largest |v - v_reset|
    input_p99: float  #: 99th percentile of |input current|
    v_peak_median: float = float("nan")  #: median over neurons of each neuron's highest ``v - v_reset``
    growth: float = float("nan")  #: largest |v - v_reset| in the second half of the run / in the first half
    grad: float = float("nan")  #: mean |dL/d input current| after one backward pass
    surrogate: str = ""  #: the surrogate's description, where the layer has one


@dataclass
class Finding:
    """One problem: which layer, what kind, the sentence with its numbers, and a suggested fix."""

    layer: str
    kind: str
    message: str
    fix: str
    numbers: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return f"[{self.kind}] layer {self.layer!r}: {self.message} Fix: {self.fix}"


@dataclass
class Diagnosis:
    """Every layer's numbers and the findings; ``healthy`` when there is none.

    Example:
        >>> Diagnosis({}, []).healthy, str(Diagnosis({}, []))
        (True, 'No problem found.')
    """

    layers: dict
    findings: list

    @property
    def healthy(self) -> bool:
        return not self.findings

    def of(self, layer: str) -> list:
        """The findings about ``layer``."""
        return [f for f in self.findings if f.layer == layer]

    def kinds(self) -> dict:
        """``{layer: [kinds]}`` of the findings, in order."""
        out: dict = {}
        for f in self.findings:
            out.setdefault(f.layer, []).append(f.kind)
        return out

    def __str__(self) -> str:
        return "\n".join(str(f) for f in self.findings) if self.findings else "No problem found."


def _threshold_of(module) -> tuple[float, float, bool]:
    """``(v_threshold, v_reset, hard)`` of a neuron of any supported framework."""
    theta = getattr(module, "v_threshold", None)
    if theta is None:
        theta = getattr(module, "threshold", None)
    if theta is None and getattr(module, "p", None) is not None:
        theta = getattr(module.p, "v_th", None)
    theta = float(torch.as_tensor(theta, dtype=torch.float64).mean()) if theta is not None else 1.0
    if hasattr(module, "v_reset"):
        reset = module.v_reset
        return (
            theta,
            0.0 if reset is None else float(torch.as_tensor(reset, dtype=torch.float64).mean()),
            reset is not None,
        )
    if getattr(module, "p", None) is not None and hasattr(module.p, "v_reset"):
        return theta, float(torch.as_tensor(module.p.v_reset, dtype=torch.float64).mean()), True
    return theta, 0.0, getattr(module, "reset_mechanism", "subtract") != "subtract"


def _membrane(module):
    for name in ("v", "mem"):
        value = getattr(module, name, None)
        if isinstance(value, torch.Tensor):
            return value
    return None


def _quantile(x: torch.Tensor, q: float) -> float:
    x = x.detach().flatten().double()
    if x.numel() == 0:
        return float("nan")
    if x.numel() > 1_000_000:
        x = x[torch.linspace(0, x.numel() - 1, 1_000_000, device=x.device).long()]
    return float(torch.quantile(x, q))


def _fmt(x: float) -> str:
    return f"{x:.3g}"


def _surrogate_text(module) -> str:
    sg = getattr(module, "surrogate_function", None) or getattr(module, "spike_grad", None)
    alpha = getattr(sg, "alpha", None)
    if sg is None:
        return ""
    return f"{type(sg).__name__}(alpha={_fmt(float(alpha))})" if alpha is not None else type(sg).__name__


class _Recorder:
    """Hooks that keep each layer's inputs (retaining their gradients), spikes and membranes."""

    def __init__(self, layers, multi):
        self.inputs = {n: [] for n, _ in layers}
        self.spikes = {n: [] for n, _ in layers}
        self.membranes = {n: [] for n, _ in layers}
        self.handles, self.v_seq = [], {}
        for name, module in layers:
            if multi and hasattr(module, "store_v_seq"):
                self.v_seq[name] = module.store_v_seq
                try:
                    module.store_v_seq = True
                except Exception:
                    self.v_seq.pop(name)
            self.handles.append(module.register_forward_pre_hook(self._pre(name)))
            self.handles.append(module.register_forward_hook(self._post(name, multi)))
        self.modules = dict(layers)

    def _pre(self, name):
        def hook(module, args):
            x = args[0]
            if isinstance(x, torch.Tensor) and x.requires_grad:
                x.retain_grad()
            self.inputs[name].append(x)

        return hook

    def _post(self, name, multi):
        def hook(module, args, out):
            spikes = out[0] if isinstance(out, (tuple, list)) else out
            self.spikes[name].append(spikes.detach())
            v = getattr(module, "v_seq", None) if multi and name in self.v_seq else None
            if v is None and isinstance(out, tuple) and len(out) > 1:
                state = out[1]
                v = getattr(state, "v", None)
            if v is None:
                v = _membrane(module)
            if isinstance(v, torch.Tensor):
                self.membranes[name].append(v.detach())

        return hook

    def close(self):
        for h in self.handles:
            h.remove()
        for name, flag in self.v_seq.items():
            self.modules[name].store_v_seq = flag


def _series(membranes, multi):
    """The membrane as ``[T, N, ...]`` (float64), or None when the records do not line up."""
    try:
        if multi:
            return torch.cat([m.double() for m in membranes]) if membranes and membranes[0].dim() >= 2 else None
        return torch.stack([m.double() for m in membranes]) if membranes else None
    except RuntimeError:
        return None


def _peak_median(series, reset) -> float:
    if series is None or series.shape[0] == 0:
        return float("nan")
    peaks = (series - reset).flatten(2).amax(dim=(0, 1)) if series.dim() > 2 else (series - reset).amax(0)
    return float(peaks.median())


def _growth(series, reset) -> float:
    if series is None or series.shape[0] < 4:
        return float("nan")
    half = series.shape[0] // 2
    first = float((series[:half] - reset).abs().max())
    second = float((series[half:] - reset).abs().max())
    return second / first if first > 0 else float("inf")


def _cat(tensors):
    return torch.cat([t.reshape(-1) for t in tensors]) if tensors else torch.zeros(0)


def diagnose(
    net: torch.nn.Module,
    x_seq: torch.Tensor,
    *,
    layers: Sequence[str] | None = None,
    step_mode: str | None = None,
    loss_fn: Callable[[torch.Tensor], torch.Tensor] | None = None,
    backward: bool = True,
    silent_rate: float = 1e-3,
    saturated_rate: float = 0.9,
    explode_factor: float = 10.0,
    stuck_fraction: float = 0.5,
    input_low: float = 0.05,
    input_high: float = 20.0,
    vanish_ratio: float = 1e-3,
) -> Diagnosis:
    """Run ``net`` once on ``x_seq`` (and one backward pass) and report what is wrong, layer by layer.

    ``layers``: names from ``net.named_modules()`` (default: every spiking layer found). ``loss_fn``
    maps the output ``[T, N, ...]`` to a scalar (default: its mean). See the module docstring for the
    checks and their thresholds.

    Example:
        >>> import torch
        >>> from snnlab import layer, neuron
        >>> net = torch.nn.Sequential(layer.Linear(3, 5), neuron.IFNode())
        >>> with torch.no_grad():
        ...     _ = net[0].weight.fill_(2.0), net[0].bias.zero_()
        >>> d = diagnose(net, torch.ones(10, 2, 3))
        >>> print(d.of('1')[0])  # doctest: +ELLIPSIS
        [saturated] layer '1': fires at 1 spikes per neuron per step (100% of neurons fire at >= 90% of steps). Fix: ...
    """
    from ..interop.adapters import prepare_model, reset_state, run_sequence, runs_whole_sequences, spiking_layers

    net = prepare_model(net)
    check_tensor("diagnose", "x_seq", x_seq, min_dim=2)
    for name, value in (("silent_rate", silent_rate), ("saturated_rate", saturated_rate)):
        check_real("diagnose", name, value)
    if loss_fn is not None and not callable(loss_fn):
        raise TypeError(f"diagnose: loss_fn must be callable, got {describe(loss_fn)}")
    modules = dict(net.named_modules())
    if layers is None:
        chosen = [(n, m) for n, m, _ in spiking_layers(net)]
    else:
        missing = [n for n in layers if n not in modules]
        if missing:
            raise ValueError(f"diagnose: layers must name modules of net, got unknown names {missing}")
        chosen = [(n, modules[n]) for n in layers]
    if not chosen:
        raise ValueError("diagnose: net has no spiking layer that snnlab recognises; name them with layers=[...]")
    multi = runs_whole_sequences(net) if step_mode is None else step_mode == "m"
    was_training = net.training
    net.eval()
    reset_state(net)
    recorder = _Recorder(chosen, multi)
    try:
        with torch.set_grad_enabled(backward):
            out = run_sequence(net, x_seq, "m" if multi else "s")
            if backward and out.requires_grad:
                loss = loss_fn(out) if loss_fn is not None else out.float().mean()
                loss.backward()
    finally:
        recorder.close()
        reset_state(net)
        net.train(was_training)
        if backward:
            net.zero_grad(set_to_none=True)
    stats = {}
    for name, module in chosen:
        spikes = _cat(recorder.spikes[name]).double()
        inputs = [x for x in recorder.inputs[name] if isinstance(x, torch.Tensor)]
        current = _cat([x.detach() for x in inputs]).double()
        grads = [x.grad for x in inputs if x.grad is not None]
        theta, reset, _ = _threshold_of(module)
        v = _cat(recorder.membranes[name]).double()
        series = _series(recorder.membranes[name], multi)
        per_step = recorder.spikes[name][0]
        n_neurons = int(per_step.shape[2:].numel()) if multi else int(per_step.shape[1:].numel())
        stats[name] = LayerStats(
            name=name,
            n_neurons=n_neurons,
            rate=float(spikes.mean()) if spikes.numel() else float("nan"),
            v_threshold=theta,
            v_reset=reset,
            v_p99=_quantile(v, 0.99),
            v_max_abs=float((v - reset).abs().max()) if v.numel() else float("nan"),
            input_p99=_quantile(current.abs(), 0.99),
            v_peak_median=_peak_median(series, reset),
            growth=_growth(series, reset),
            grad=float(_cat([g.abs() for g in grads]).double().mean()) if grads else float("nan"),
            surrogate=_surrogate_text(module),
        )
    findings = []
    for name, _ in chosen:
        findings += _layer_findings(
            stats[name],
            recorder.spikes[name],
            multi,
            silent_rate,
            saturated_rate,
            explode_factor,
            stuck_fraction,
            input_low,
            input_high,
        )
    findings += _gradient_findings([stats[n] for n, _ in chosen], vanish_ratio)
    return Diagnosis(stats, findings)


def _gain_to_fire(s, span) -> float:
    peak = s.v_peak_median if math.isfinite(s.v_peak_median) else s.v_p99 - s.v_reset
    return span / max(peak, 1e-3 * span)


def _layer_findings(s, spikes, multi, silent_rate, saturated_rate, explode_factor, stuck_fraction, low, high):
    out = []
    span = abs(s.v_threshold - s.v_reset) or 1.0
    if s.rate < silent_rate:
        out.append(
            Finding(
                s.name,
                "silent",
                f"fires {_fmt(s.rate)} spikes per neuron per step ({s.n_neurons} neurons); the membrane's 99th "
                f"percentile is {_fmt(s.v_p99)} against a threshold of {_fmt(s.v_threshold)}.",
                f"scale the preceding weights up (about x{_fmt(_gain_to_fire(s, span))}, which brings the median "
                f"neuron's peak potential to threshold) or lower v_threshold; check the input encoding.",
                {
                    "rate": s.rate,
                    "v_p99": s.v_p99,
                    "v_threshold": s.v_threshold,
                    "weight_scale": _gain_to_fire(s, span),
                },
            )
        )
    if s.rate > saturated_rate:
        seq = torch.cat([t.reshape(-1, *t.shape[(2 if multi else 1) :]) for t in spikes]).double()
        per_neuron = seq.reshape(seq.shape[0], -1).mean(0) if not multi else seq.flatten(1).mean(0)
        share = float((per_neuron >= saturated_rate).double().mean())
        out.append(
            Finding(
                s.name,
                "saturated",
                f"fires at {_fmt(s.rate)} spikes per neuron per step ({share:.0%} of neurons fire at >= "
                f"{saturated_rate:.0%} of steps).",
                f"raise v_threshold (now {_fmt(s.v_threshold)}), scale the preceding weights down, or normalise "
                "the layer's input (BatchNorm before the neuron).",
                {"rate": s.rate, "share_saturated": share},
            )
        )
    runaway = not math.isfinite(s.growth) or s.growth > 1.2
    if not math.isfinite(s.v_max_abs) or (s.v_max_abs > explode_factor * span and runaway):
        out.append(
            Finding(
                s.name,
                "exploding",
                f"the membrane reaches |v - v_reset| = {_fmt(s.v_max_abs)}, {_fmt(s.v_max_abs / span)} times the "
                f"distance from reset to threshold ({_fmt(span)}), and still grows (x{_fmt(s.growth)} from the first "
                "half of the run to the second).",
                "normalise or scale down the input current, use a hard reset (v_reset=0.) or a leaky neuron "
                "(LIFNode) so the potential cannot run away.",
                {"v_max_abs": s.v_max_abs, "ratio": s.v_max_abs / span, "growth": s.growth},
            )
        )
    elif (
        math.isfinite(s.v_p99)
        and s.rate < 0.1  # a layer that fires often is not stuck (its recorded potential is post-reset)
        and s.v_p99 - s.v_reset < stuck_fraction * (s.v_threshold - s.v_reset)
    ):
        reach = (s.v_p99 - s.v_reset) / (s.v_threshold - s.v_reset) if s.v_threshold != s.v_reset else 0.0
        out.append(
            Finding(
                s.name,
                "stuck_below",
                f"the membrane stays far below threshold: its 99th percentile is {_fmt(s.v_p99)}, "
                f"{reach:.0%} of the way from reset ({_fmt(s.v_reset)}) to threshold ({_fmt(s.v_threshold)}).",
                "scale the preceding weights up or lower v_threshold; with decay_input=True the input is divided "
                "by tau, so weights need to be larger than for an IF neuron.",
                {"v_p99": s.v_p99, "reach": reach},
            )
        )
    if math.isfinite(s.input_p99) and not low * span <= s.input_p99 <= high * span:
        side = "tiny" if s.input_p99 < low * span else "huge"
        out.append(
            Finding(
                s.name,
                "input_scale",
                f"the input current is {side} against the threshold: 99th percentile of |I| = {_fmt(s.input_p99)}, "
                f"{_fmt(s.input_p99 / span)} x the reset-to-threshold distance {_fmt(span)}.",
                f"rescale the preceding weights by about x{_fmt(span / max(s.input_p99, 1e-12))} (or normalise the "
                "layer's input) so that |I| is of the order of the threshold.",
                {"input_p99": s.input_p99, "ratio": s.input_p99 / span},
            )
        )
    return out


def _gradient_findings(stats, vanish_ratio):
    grads = [(s.name, s.grad, s.surrogate) for s in stats if math.isfinite(s.grad)]
    if len(grads) < 2:
        return []
    last_name, last = grads[-1][0], grads[-1][1]
    first_name, first = grads[0][0], grads[0][1]
    if last <= 0.0 or first / last >= vanish_ratio:
        return []
    drops = [(grads[i][1] / max(grads[i + 1][1], 1e-300), grads[i][0], grads[i + 1][0]) for i in range(len(grads) - 1)]
    worst, at, after = min(drops)
    chain = ", ".join(f"{n}: {_fmt(g)}" for n, g, _ in grads)
    surrogates = sorted({sg for _, _, sg in grads if sg})
    hop = (first / last) ** (1.0 / (len(grads) - 1))
    return [
        Finding(
            at,
            "vanishing_gradient",
            f"surrogate gradients vanish through depth: mean |dL/dI| falls from {_fmt(last)} at {last_name!r} to "
            f"{_fmt(first)} at {first_name!r} (x{_fmt(first / last)}); the largest drop is x{_fmt(worst)} from "
            f"{after!r} to {at!r}. Per layer: {chain}.",
            f"each layer passes about x{_fmt(hop)} of the gradient back. Check the surrogate's width (now "
            f"{', '.join(surrogates) or 'unknown'}): a too wide surrogate has a flat, low peak (raise alpha), a too "
            "narrow one passes gradient only right at threshold (lower alpha); or normalise the layers so that "
            "membranes sit near threshold where the surrogate's slope is large.",
            {"first": first, "last": last, "ratio": first / last, "worst_drop": worst, "per_layer": hop},
        )
    ]
