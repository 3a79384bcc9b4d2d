"""SpikeDebugger: probe the spiking layers of any network on your inputs and see where spikes go wrong.

``SpikeDebugger(net, inputs)`` attaches a :class:`snnlab.probe.SpikeProbe` to ``net`` and runs it once
on ``inputs`` (time-first ``[T, N, *]``) and shows, for the layer and sample you pick: the spike
raster (time x neuron, with each neuron's firing rate; or every layer stacked), the histogram of the layer's firing rates
(over all samples), the first-spike map, and a report of dead and saturated neurons of every layer
(:func:`snnlab.analysis.neuron_report`; thresholds adjustable). Rasters with more than
``canvas_cells`` cells are drawn by the canvas raster from bit-packed spikes.

``net`` may be an snnlab network, a SpikingJelly 0.14 or 2.x network, an snnTorch network (neurons
built with ``init_hidden=True``), a Norse network (called as ``net(x, state) -> (out, state)``), a NIR
file path or a ``nir.NIRGraph`` (loaded with :func:`snnlab.interop.from_nir`): no conversion is needed.
Its spiking layers are found by :func:`snnlab.interop.spiking_layers`, or named with ``layers=``.

The network runs in eval mode under ``torch.no_grad()``, on the chosen device (it is moved there),
with its state reset before and after; its train/eval mode is restored. A network that has a
multi-step module (``step_mode='m'``, or a multi-step container) gets the whole sequence in one
call; otherwise it is called once per time step (``step_mode=`` overrides the choice). Changing the
layer, the sample or the thresholds redraws without running the network again.

Shape:
    ``inputs``: ``[T, N, *]``; the records of a layer: ``[T, N, *neurons]``.

Example:
    >>> import torch
    >>> from snnlab import layer, neuron
    >>> net = torch.nn.Sequential(layer.Linear(3, 4), neuron.IFNode(), layer.Linear(4, 2), neuron.IFNode())
    >>> with torch.no_grad():
    ...     _ = net[0].weight.fill_(0.5), net[0].bias.zero_()  # the first layer fires at every step
    ...     _ = net[2].weight.fill_(-1.0)  # the second layer can never fire
    >>> debugger = SpikeDebugger(net, torch.ones(5, 2, 3), device="cpu")
    >>> debugger
    SpikeDebugger(layer='1', sample=0, T=5, N=2)
    >>> debugger.result.report['1'].n_saturated, debugger.result.report['3'], debugger.dead_layers
    (4, LayerReport(name='3', n_neurons=2, n_dead=2, n_saturated=0, mean_rate=0.0000), ['3'])
"""

import html
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple, cast

import ipywidgets as W
import torch
import torch.nn as nn

from snnlab.analysis import diagnose, first_spike_times, neuron_report
from snnlab.checks import check_choice, check_tensor, describe
from snnlab.interop import prepare_model, reset_state, run_sequence, spiking_layers
from snnlab.probe import SpikeProbe
from snnlab.viz import plotly as vp

from ._bounds import check_number
from ._panel import Panel
from .canvas_raster import CanvasRaster
from .figure_widget import FigureWidget
from .raster_view import CANVAS_CELLS, RasterView

if TYPE_CHECKING:  # nir is an optional dependency
    from nir import NIRGraph

__all__ = ["DebugResult", "SpikeDebugger"]


class DebugResult(NamedTuple):
    """What one run of the network recorded, and its analysis (CPU tensors).

    Shape:
        ``records[name]``: ``[T, N, *]``; ``first_spike[name]``: ``[N, *]``; ``output``: ``[T, N, ...]``.

    Example:
        >>> import torch
        >>> DebugResult(('sn',), {'sn': torch.zeros(4, 2, 3, dtype=torch.bool)}, {}, {}, {'sn': 0}, torch.zeros(4, 2))
        DebugResult(layers=('sn',), T=4, N=2)
    """

    layer_names: tuple  #: the recorded layers, in module order
    records: dict  #: ``{name: [T, N, *] bool}`` spikes
    report: dict  #: ``{name: LayerReport}`` dead / saturated neurons
    first_spike: dict  #: ``{name: [N, *] int64}`` first-spike step, -1 where a neuron never fired
    dropped_steps: dict  #: ``{name: steps}`` the probe's budget did not keep
    output: torch.Tensor  #: the network's output, ``[T, N, ...]``, detached
    diagnosis: object = None  #: :class:`snnlab.analysis.Diagnosis` of the run (None when not asked for)

    def __repr__(self):
        first = self.records[self.layer_names[0]] if self.layer_names else torch.zeros(0, 0)
        return f"DebugResult(layers={self.layer_names}, T={first.shape[0]}, N={first.shape[1]})"


def _map_layout(times):
    """First-spike times of one sample as a vector ``[n]`` or a 2-D map ``[H, W]`` (one channel)."""
    if times.dim() == 2:
        return times
    if times.dim() == 3 and times.shape[0] == 1:
        return times[0]
    return times.flatten()


class SpikeDebugger(Panel):
    """Probe a network's spiking layers on ``inputs``: raster, rate histogram, first spikes, dead/saturated report.

    Args:
        net: any ``nn.Module`` with spiking layers (snnlab, SpikingJelly, snnTorch, Norse), a NIR file
            path or a ``nir.NIRGraph``.
        inputs: ``[T, N, *]`` input sequence.
        layers: what to record (see :class:`snnlab.probe.SpikeProbe`): ``None`` for every spiking
            layer found (any of the frameworks above), a type / tuple of types, or a list of names from
            ``net.named_modules()``.
        step_mode: ``None`` (detect), ``'s'`` (call once per step) or ``'m'`` (one call).
        dead_rate, saturated_rate: initial thresholds of the report.
        max_bytes: the probe's memory budget (the oldest steps are dropped beyond it).
        canvas_cells: rasters with more cells (time steps x neurons) are drawn by the canvas raster
            (bit-packed, binned) instead of the plotly figure.
        diagnose: also run :func:`snnlab.analysis.diagnose` (one more forward and one backward pass)
            and show what is wrong, layer by layer, with the numbers and a suggested fix (off by default:
            it costs about two more runs of the network).

    Shape:
        ``inputs``: ``[T, N, *]``.

    Example:
        >>> import torch
        >>> from snnlab import neuron
        >>> d = SpikeDebugger(torch.nn.Sequential(neuron.IFNode()), torch.tensor([[[0.6]], [[0.6]]]), device="cpu")
        >>> d.result.records['0'].flatten().tolist(), d.result.first_spike['0'].tolist()
        ([False, True], [[1]])
    """

    _repr_fields = ("layer", "sample", "T", "N")

    def __init__(
        self,
        net: "nn.Module | NIRGraph | str | os.PathLike",
        inputs: torch.Tensor,
        *,
        layers: type[nn.Module] | tuple[type[nn.Module], ...] | Sequence[str] | None = None,
        step_mode: str | None = None,
        dead_rate: float = 0.0,
        saturated_rate: float = 1.0,
        max_bytes: int = 64 * 2**20,
        canvas_cells: int = CANVAS_CELLS,
        diagnose: bool = False,
        device: str | torch.device | None = None,
        throttle_ms: float = 50.0,
    ) -> None:
        owner = type(self).__name__
        is_path = isinstance(net, str) or hasattr(net, "__fspath__")
        if not isinstance(net, nn.Module) and not is_path and type(net).__name__ != "NIRGraph":
            raise TypeError(
                f"{owner}: net must be a torch.nn.Module, a NIR file path or a nir.NIRGraph, got {describe(net)}"
            )
        net = prepare_model(net)
        check_tensor(owner, "inputs", inputs, min_dim=2)
        if inputs.shape[0] == 0 or inputs.shape[1] == 0:
            raise ValueError(
                f"{owner}: inputs must be [T, N, *] with T >= 1 and N >= 1, got shape {list(inputs.shape)}"
            )
        if step_mode is not None:
            check_choice(owner, "step_mode", step_mode, ("s", "m"))
        dead_rate = check_number(owner, "dead_rate", dead_rate, 0.0, 1.0)
        saturated_rate = check_number(owner, "saturated_rate", saturated_rate, 0.0, 1.0)
        max_bytes = check_number(owner, "max_bytes", max_bytes, 1, None, integer=True)
        if not dead_rate < saturated_rate:
            raise ValueError(
                f"{owner}: need 0 <= dead_rate < saturated_rate <= 1, got dead_rate={dead_rate!r}, "
                f"saturated_rate={saturated_rate!r}"
            )
        super().__init__(device=device, throttle_ms=throttle_ms)
        self.net = net
        self.inputs = inputs.detach()
        if layers is None:
            layers = [name for name, _, _ in spiking_layers(net)] or None
        self.layers = layers
        self.step_mode = step_mode
        self.max_bytes = max_bytes
        self.canvas_cells = int(canvas_cells)
        if not isinstance(diagnose, bool):
            raise TypeError(f"{owner}: diagnose must be a bool, got {describe(diagnose)}")
        self.diagnose = diagnose
        self._syncing = False
        style, wide = {"description_width": "90px"}, W.Layout(width="320px")
        self.layer = W.Dropdown(options=[], description="layer", style=style, layout=wide)
        self.sample = W.IntSlider(
            value=0, min=0, max=inputs.shape[1] - 1, description="sample", style=style, layout=wide
        )
        self.dead_rate = W.FloatSlider(
            value=dead_rate,
            min=0.0,
            max=1.0,
            step=0.01,
            description="dead rate <=",
            style=style,
            layout=wide,
            continuous_update=False,
        )
        self.all_layers = W.Checkbox(value=False, description="raster: every layer", indent=False)
        self.saturated_rate = W.FloatSlider(
            value=saturated_rate,
            min=0.0,
            max=1.0,
            step=0.01,
            description="saturated >=",
            style=style,
            layout=wide,
            continuous_update=False,
        )
        self.raster = RasterView(width=520, height=340, canvas_cells=self.canvas_cells)
        self.hist_fig = FigureWidget(vp.firing_rate_histogram(torch.zeros(0)))
        # 310 px: the title ("2304 neurons, mean rate 0.0659, 1089 silent") fits at 13 px, not at plotly's 17
        self.hist_fig.layout.update(width=310, height=250, title_font_size=13)
        self.first_fig = FigureWidget(vp.first_spike_map(torch.zeros(0, dtype=torch.long)))
        self.first_fig.layout.update(width=310, height=310)
        self.table = W.HTML(value="", layout=W.Layout(width="520px"))  # long neuron lists wrap, not widen
        self.diagnosis_box = W.HTML(value="", layout=W.Layout(width="520px"))
        self.set_controls(
            [W.VBox([self.layer, self.sample, self.all_layers]), W.VBox([self.dead_rate, self.saturated_rate])],
            watch=False,
        )
        for control in (self.layer, self.sample, self.all_layers):
            control.observe(self._on_selection, names="value")
        self.dead_rate.observe(self._on_thresholds, names="value")
        self.saturated_rate.observe(self._on_thresholds, names="value")
        self.set_figures(
            [W.VBox([self.raster, self.table, self.diagnosis_box]), W.VBox([self.hist_fig, self.first_fig])]
        )
        self.update()

    # ----------------------------------------------------------------------------- sizes
    @property
    def T(self) -> int:
        """Number of time steps of the inputs."""
        return self.inputs.shape[0]

    @property
    def N(self) -> int:
        """Number of samples of the inputs."""
        return self.inputs.shape[1]

    @property
    def dead_layers(self) -> list:
        """Names of the layers whose neurons are all dead (in the last result)."""
        if self.result is None:
            return []
        return [n for n, r in self.result.report.items() if r.n_neurons > 0 and r.n_dead == r.n_neurons]

    # ----------------------------------------------------------------------------- compute
    def run_network(self) -> tuple[dict[str, torch.Tensor], dict[str, int], torch.Tensor]:
        """Run ``net`` on ``inputs`` on ``self.device`` with a probe; return ``(records, dropped, output)``."""
        device = self.device
        net = self.net.to(device)
        x = self.inputs.to(device)
        was_training = net.training
        net.eval()
        reset_state(net)
        # SpikeProbe takes types too (its docstring, select_layers); its annotation names only Sequence[str] | None
        layers = cast("Sequence[str] | None", self.layers)
        try:
            with torch.no_grad(), SpikeProbe(net, layers, max_bytes=self.max_bytes) as probe:
                output = run_sequence(net, x, self.step_mode)
                dropped_all = probe.dropped_steps
                starved = [name for name, steps in probe.num_steps.items() if steps == 0 and dropped_all[name] > 0]
                held = {name: steps for name, steps in probe.num_steps.items() if steps > 0}
                records = {name: probe.spikes(name) for name in held}
                dropped = {name: probe.dropped_steps[name] for name in held}
        finally:
            reset_state(net)
            net.train(was_training)
        if not records and starved:
            raise ValueError(
                f"{type(self).__name__}: max_bytes={self.max_bytes} is too small to hold one time step of the "
                f"recorded layers {starved}; give a larger max_bytes"
            )
        if not records:
            raise ValueError(
                f"{type(self).__name__}: no spiking layer produced a record; name the layers to "
                f"probe with layers=[...] (names from net.named_modules())"
            )
        return records, dropped, output.detach().cpu()

    def analyse(self, records: Mapping[str, torch.Tensor]) -> tuple:
        """``(report, first_spike)`` of ``records`` with the current thresholds."""
        report = neuron_report(records, self.dead_rate.value, self.saturated_rate.value)
        return report, {name: first_spike_times(seq) for name, seq in records.items()}

    def compute(self) -> DebugResult:
        records, dropped, output = self.run_network()
        report, first_spike = self.analyse(records)
        diagnosis = None
        if self.diagnose:
            diagnosis = diagnose(self.net, self.inputs.to(self.device), layers=list(records), step_mode=self.step_mode)
        return DebugResult(tuple(records), records, report, first_spike, dropped, output, diagnosis)

    # ----------------------------------------------------------------------------- render
    def render(self, result: DebugResult) -> None:
        self._sync_selection(result)
        name, sample = str(self.layer.value), self.sample.value
        spikes = result.records[name][:, sample]
        if self.all_layers.value:
            shown = {n: seq[:, sample].reshape(seq.shape[0], -1) for n, seq in result.records.items()}
            title = f"every layer, sample {sample}"
        else:
            shown = {name: spikes.reshape(spikes.shape[0], -1)}
            title = f"layer {name!r}, sample {sample}"
        self._render_raster(shown, title)
        vp.firing_rate_histogram(result.report[name].rates, fig=self.hist_fig)
        vp.first_spike_map(_map_layout(result.first_spike[name][sample]), t_max=spikes.shape[0] - 1, fig=self.first_fig)
        self.table.value = _report_table(result, name)
        self.diagnosis_box.value = _diagnosis_html(result.diagnosis)

    def uses_canvas(self, shown: dict) -> bool:
        """True when the raster has more than ``canvas_cells`` cells: the canvas raster draws it."""
        return sum(seq.numel() for seq in shown.values()) > self.canvas_cells

    @property
    def raster_fig(self) -> FigureWidget:
        """The plotly form of the raster (hidden and empty while the canvas draws)."""
        return self.raster.figure

    @property
    def canvas(self) -> CanvasRaster:
        """The canvas form of the raster (hidden and empty while plotly draws)."""
        return self.raster.canvas

    def _render_raster(self, shown, title):
        self.raster.show(shown if len(shown) > 1 else next(iter(shown.values())), title=title)

    def _sync_selection(self, result):
        self._syncing = True
        try:
            if tuple(self.layer.options) != result.layer_names:
                current = self.layer.value
                self.layer.options = result.layer_names
                self.layer.value = current if current in result.layer_names else result.layer_names[0]
        finally:
            self._syncing = False

    def _on_selection(self, change=None):
        if not self._syncing:
            self.redraw()

    def _on_thresholds(self, change=None):
        if self.result is None:
            return
        try:
            report, first_spike = self.analyse(self.result.records)
        except Exception as exc:
            self.show_error(exc)
            return
        self.set_result(self.result._replace(report=report, first_spike=first_spike))
        if self.redraw():
            self.set_status(
                f"report updated: dead rate <= {self.dead_rate.value:g}, "
                f"saturated rate >= {self.saturated_rate.value:g}"
            )


def _report_table(result: DebugResult, selected: str) -> str:
    """The dead / saturated report of every layer as an HTML table (the selected layer in bold)."""
    head = ["layer", "neurons", "dead", "saturated", "mean rate", "steps dropped"]
    rows = []
    for name, r in result.report.items():
        cells = [
            name,
            str(r.n_neurons),
            str(r.n_dead),
            str(r.n_saturated),
            f"{r.mean_rate:.4f}",
            str(result.dropped_steps[name]),
        ]
        style = ' style="color:#b00020"' if r.n_dead == r.n_neurons or r.n_saturated == r.n_neurons else ""
        weight = "font-weight:bold;" if name == selected else ""
        rows.append(f"<tr{style}>" + "".join(f'<td style="{weight}">{html.escape(c)}</td>' for c in cells) + "</tr>")
    r = result.report[selected]
    notes = []
    for label, index in (("dead", r.dead_index), ("saturated", r.saturated_index)):
        shown = index[:20].tolist()
        more = f" (+{index.numel() - 20} more)" if index.numel() > 20 else ""
        notes.append(f"{label} neurons of {html.escape(repr(selected), quote=False)}: {shown}{more}")
    header = "<tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>"
    table_style = "font-family:monospace; border-collapse:separate; border-spacing:12px 2px"  # spaced columns
    return (
        f'<table style="{table_style}">{header}{"".join(rows)}</table>'
        f'<div style="font-family:monospace">{"<br>".join(notes)}</div>'
    )


def _diagnosis_html(diagnosis) -> str:
    """The findings as an HTML list: layer, what is wrong (with numbers) and the suggested fix."""
    if diagnosis is None:
        return ""
    if diagnosis.healthy:
        return '<div style="color:#1b5e20"><b>Diagnosis:</b> no problem found.</div>'
    items = "".join(
        f"<li><b>{html.escape(f.layer)}</b> [{html.escape(f.kind)}]: {html.escape(f.message)}"
        f"<br><i>fix:</i> {html.escape(f.fix)}</li>"
        for f in diagnosis.findings
    )
    count = len(diagnosis.findings)
    label = f"{count} finding" + ("s" if count != 1 else "")
    return f'<div><b>Diagnosis</b> ({label}):<ul style="margin-top:2px">{items}</ul></div>'
