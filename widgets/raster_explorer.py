"""RasterExplorer: the spikes of a neuron population, with linked raster, first-spike map and rate margin.

A population of LIF neurons is driven by an encoder of per-neuron intensities (Poisson rate coding,
latency coding, or a constant current; neuron ``i`` gets intensity ``(i + 0.5) / N`` unless you pass
``intensities=``), or by your own network (``net=``), or the panel shows your own spike tensor
(``spikes=``). Every view follows the selection: the time window (``window``, inclusive steps)
sets what the raster shows and what its firing-rate margin and the first-spike map are computed
over; the selected neuron (``neuron``, -1 for none) is highlighted and summarised; the time
scrubber (``t``) marks a step in the raster. Clicking a spike selects its neuron and step.

Windows of more than ``canvas_cells`` cells (2000 by default, so already N = T = 100) are drawn by
the canvas raster, which receives bit-packed bytes (and spikes leave a GPU bit-packed too), with the
same axes, rate margin, marks and a hover readout; smaller ones by plotly, with a hover label per
spike (:class:`widgets.raster_view.RasterView` switches between the two). The neuron
and the scrubber only change the view: they redraw the marks and the summary without computing.

Shape:
    ``spikes``: ``[T, N]``; ``intensities``: ``[N]``; ``net``: ``[T, 1, N]`` -> ``[T, 1, N_out]``.

Example:
    >>> panel = RasterExplorer(encoder="latency", N=50, T=60, device="cpu")
    >>> panel
    RasterExplorer(encoder='latency', N=50, T=60, window=(0, 59), neuron=-1)
    >>> panel.result.first_spike_times[:3].tolist(), panel.result.first_spike_times[-1].item()
    ([58, 57, 56], 1)
"""

import math
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple, cast

import ipywidgets as W
import torch

from snnlab import neuron as snn_neuron
from snnlab.analysis import firing_rate, first_spike_times
from snnlab.checks import check_choice, check_finite
from snnlab.encoding import LatencyEncoder, PoissonEncoder, constant_current
from snnlab.interop import needs_step_loop, prepare_model, reset_state, run_sequence
from snnlab.viz import plotly as vp
from snnlab.viz.style import AXIS_ROOM

from ._bounds import check_number, check_seed
from ._device import fused_backend, spikes_to_host, tensor_to_host
from ._panel import Panel
from .canvas_raster import CanvasRaster
from .figure_widget import FigureWidget
from .raster_view import CANVAS_CELLS, RasterView

if TYPE_CHECKING:  # nir is an optional dependency
    from nir import NIRGraph

__all__ = ["RasterExplorer", "RasterResult", "encode_population"]

ENCODERS = ("poisson", "latency", "current")
CUSTOM = "custom"
SELECTED = "selected neuron"  # the name of the first-spike map's band over the selected neuron


class RasterResult(NamedTuple):
    """The population's spikes and what the selection shows of them (CPU tensors)."""

    spikes: torch.Tensor  #: ``[T, N]`` the whole recording (0/1)
    window: tuple  #: ``(first, last)`` time steps, inclusive
    rates: torch.Tensor  #: ``[N]`` firing rate of each neuron within the window
    first_spike_times: torch.Tensor  #: ``[N]`` first spike step within the window (absolute), -1 if none
    neuron: int | None  #: the selected neuron, or None
    neuron_spike_times: torch.Tensor  #: the selected neuron's spike steps within the window
    t: int  #: the scrubber's step
    active_at_t: int  #: number of neurons spiking at step ``t``


def encode_population(
    encoder: str, intensities: torch.Tensor, T: int, *, generator: torch.Generator | None = None
) -> torch.Tensor:
    """The ``[T, 1, N]`` input the ``encoder`` makes of ``[N]`` intensities in [0, 1].

    ``'poisson'``: Poisson spikes (probability = intensity per step, drawn with ``generator``);
    ``'latency'``: one spike per neuron, stronger intensity earlier; ``'current'``: the intensity
    itself at every step.

    Shape:
        ``intensities``: ``[N]`` -> ``[T, 1, N]``.

    Example:
        >>> import torch
        >>> encode_population("latency", torch.tensor([1.0, 0.0]), 3)[:, 0].tolist()
        [[1.0, 0.0], [0.0, 0.0], [0.0, 1.0]]
    """
    check_choice("encode_population", "encoder", encoder, ENCODERS)
    x = intensities.reshape(1, -1)
    if encoder == "poisson":
        return PoissonEncoder(generator=generator).encode(x, T)
    if encoder == "latency":
        return LatencyEncoder(T).encode(x)
    return constant_current(x, T)


class RasterExplorer(Panel):
    """Linked raster, firing-rate margin and first-spike map of a population, with selection and scrubber.

    Args:
        encoder: ``'poisson'``, ``'latency'`` or ``'current'`` (see :func:`encode_population`).
        N, T, seed: population size, time steps and the seed of the Poisson draws.
        tau, gain: time constant of the LIF population and the weight of its input.
        spikes: your own ``[T, N]`` recording (the encoder and population controls are then disabled).
        net: your own network, run on the encoded ``[T, 1, N]`` input instead of the LIF population (it
            is moved to the panel's device and reset before each run): a multi-step snnlab / SpikingJelly
            network, or a single-step one (snnlab, SpikingJelly, snnTorch, Norse: called once per step),
            or a NIR file path / ``nir.NIRGraph``.
        intensities: your own ``[N]`` intensities in [0, 1].
        canvas_cells: windows with more cells than this are drawn by the canvas raster (plotly below: one
            SVG element per spike, too slow to redraw beyond a few thousand spikes).
        device, throttle_ms, blocking: see :class:`widgets._panel.Panel`.

    Shape:
        ``spikes``: ``[T, N]``.

    Example:
        >>> import torch
        >>> panel = RasterExplorer(spikes=torch.eye(4), device="cpu")
        >>> panel.neuron.value = 2
        >>> panel.result.neuron_spike_times.tolist(), panel.result.rates.tolist()
        ([2], [0.25, 0.25, 0.25, 0.25])
    """

    _repr_fields = ("encoder", "N", "T", "window", "neuron")

    def __init__(
        self,
        encoder: str = "poisson",
        N: int = 100,
        T: int = 100,
        seed: int = 0,
        tau: float = 2.0,
        gain: float = 2.5,
        *,
        spikes: torch.Tensor | None = None,
        net: "torch.nn.Module | Callable[[torch.Tensor], Any] | NIRGraph | str | os.PathLike | None" = None,
        intensities: torch.Tensor | None = None,
        canvas_cells: int = CANVAS_CELLS,
        device: str | torch.device | None = None,
        throttle_ms: float = 50.0,
        blocking: bool = False,
    ) -> None:
        owner = type(self).__name__
        check_choice(owner, "encoder", encoder, ENCODERS)
        if spikes is not None:
            if not isinstance(spikes, torch.Tensor) or spikes.dim() != 2 or 0 in spikes.shape:
                got = f"shape {list(spikes.shape)}" if isinstance(spikes, torch.Tensor) else type(spikes).__name__
                raise ValueError(f"{owner}: spikes must be a non-empty [T, N] tensor, got {got}")
            if net is not None or intensities is not None:
                raise ValueError(f"{owner}: give spikes, or net/intensities to make them, not both")
            check_finite(owner, "spikes", spikes)
            T, N = spikes.shape
        if net is not None and (isinstance(net, (str, torch.nn.Module)) or hasattr(net, "__fspath__")):
            net = prepare_model(net)  # NIR files, Norse (x, state) models
        elif net is not None and type(net).__name__ == "NIRGraph":
            net = prepare_model(net)
        if net is not None and not callable(net):
            raise TypeError(f"{owner}: net must be a callable multi-step module, got {type(net).__name__}")
        if intensities is not None:
            if not isinstance(intensities, torch.Tensor) or intensities.dim() != 1 or intensities.numel() == 0:
                got = (
                    f"shape {list(intensities.shape)}"
                    if isinstance(intensities, torch.Tensor)
                    else type(intensities).__name__
                )
                raise ValueError(f"{owner}: intensities must be a non-empty [N] tensor, got {got}")
            N = intensities.numel()
        # the ranges of the controls below: a value outside is refused here, not clamped by the control
        N = check_number(owner, "N", N, 1, None, integer=True)
        T = check_number(owner, "T", T, 1, None, integer=True)
        tau = check_number(owner, "tau", tau, 1.1, 20.0)
        gain = check_number(owner, "gain", gain, 0.0, 10.0)
        seed = check_seed(owner, seed)
        super().__init__(device=device, throttle_ms=throttle_ms, blocking=blocking)
        self.user_spikes = None if spikes is None else spikes.detach()
        self.net = net
        self.intensities = None if intensities is None else intensities.detach().float()
        self.canvas_cells = int(canvas_cells)
        self._cache_key, self._cache = None, None
        self._input_key, self._input = None, None
        self._scaled_key, self._scaled = None, None
        style, wide = {"description_width": "60px"}, W.Layout(width="270px")
        fixed_size = spikes is not None or intensities is not None
        self.encoder = W.Dropdown(
            options=ENCODERS + ((CUSTOM,) if spikes is not None else ()),
            value=CUSTOM if spikes is not None else encoder,
            description="encoder",
            style=style,
        )
        self.N = W.IntSlider(
            value=N,
            min=min(2, N),
            max=max(2000, N),
            description="N",
            style=style,
            layout=wide,
            continuous_update=False,
            disabled=fixed_size,
        )
        self.T = W.IntSlider(
            value=T,
            min=min(2, T),
            max=max(2000, T),
            description="T",
            style=style,
            layout=wide,
            continuous_update=False,
            disabled=spikes is not None,
        )
        self.seed = W.IntText(value=seed, description="seed", style=style, layout=W.Layout(width="160px"))
        self.tau = W.FloatSlider(value=tau, min=1.1, max=20.0, step=0.1, description="tau", style=style, layout=wide)
        self.gain = W.FloatSlider(value=gain, min=0.0, max=10.0, step=0.1, description="gain", style=style, layout=wide)
        self.window = W.IntRangeSlider(
            value=(0, T - 1), min=0, max=T - 1, description="window", style=style, layout=wide
        )
        self.neuron = W.IntSlider(value=-1, min=-1, max=N - 1, description="neuron", style=style, layout=wide)
        self.t = W.IntSlider(value=0, min=0, max=T - 1, description="t", style=style, layout=wide)
        self.raster = RasterView(width=520, height=360, canvas_cells=self.canvas_cells)
        self.first_fig = FigureWidget(vp.first_spike_map(torch.zeros(0, dtype=torch.long)))
        self.first_fig.layout.update(width=310, height=360, margin=dict(l=56, r=10, t=40, b=AXIS_ROOM))
        # the selected neuron's band: one named shape beside the map's crosses, moved in place by render
        self.first_fig.add_shape(name=SELECTED, visible=False, **_highlight(xref="x", yref="y", x0=0, x1=1, y=0))
        self.raster.on_select(self._on_raster_select)
        self.summary = W.HTML(value="")
        self._drawn_key = None
        self.set_controls(
            [
                W.VBox([self.encoder, self.N, self.T, self.seed]),
                W.VBox([self.tau, self.gain]),
                W.VBox([self.window, self.neuron, self.t]),
            ],
            watch=False,
        )
        self.watch(self.encoder, self.N, self.T, self.seed, self.tau, self.gain, self.window)
        self.watch(self.neuron, self.t, render_only=True)
        self.set_figures([W.VBox([self.summary, self.raster]), self.first_fig])
        self.update()

    # ----------------------------------------------------------------------------- controls
    def sync_controls(self) -> None:
        custom = self.encoder.value == CUSTOM
        for control in (self.seed, self.tau, self.gain):
            control.disabled = custom
        self.seed.disabled = custom or self.encoder.value != "poisson"
        self.tau.disabled = custom or self.net is not None
        T, N = self.T.value, self.N.value
        if self.window.max != T - 1:  # T changed: the selection follows
            self.window.max = T - 1
            self.window.value = (0, T - 1)
            self.t.max = T - 1
        if self.neuron.max != N - 1:
            self.neuron.max = N - 1

    # ----------------------------------------------------------------------------- compute
    def population_spikes(self) -> torch.Tensor:
        """The ``[T, N]`` recording on the panel's device (cached until a generating control changes)."""
        device = self.device
        if self.encoder.value == CUSTOM and self.user_spikes is not None:  # offered only with spikes=
            return self.user_spikes.to(device)
        key = (
            self.encoder.value,
            self.N.value,
            self.T.value,
            self.seed.value,
            self.tau.value,
            self.gain.value,
            str(device),
        )
        if key == self._cache_key and self._cache is not None:
            return self._cache
        T = self.T.value
        x_seq = self._scaled_input()
        net = self.net
        if net is None:
            net = snn_neuron.LIFNode(tau=self.tau.value, step_mode="m", backend=fused_backend(device))
        if isinstance(net, torch.nn.Module):
            net = net.to(device)
            reset_state(net)
        with torch.no_grad():
            if isinstance(net, torch.nn.Module) and needs_step_loop(net):
                out = run_sequence(net, x_seq)
            else:
                out = net(x_seq)
        if isinstance(net, torch.nn.Module):
            reset_state(net)
        if not isinstance(out, torch.Tensor):
            raise TypeError(f"net must return a [T, 1, N_out] spike tensor, got {type(out).__name__}")
        if out.dim() < 2 or out.shape[0] != T:
            raise ValueError(f"net must return a [T, 1, N_out] spike sequence with T={T}, got shape {list(out.shape)}")
        spikes = out.reshape(T, -1)
        self._cache_key, self._cache = key, spikes
        return spikes

    def _scaled_input(self) -> torch.Tensor:
        """The network's input, the encoder's times the gain, cached: a tau change reuses it (scaling
        10^7 values took 17 ms of a tau change at N = 10^4, T = 1000)."""
        raw = self._encoded_input()
        key = (self._input_key, self.gain.value)
        if key != self._scaled_key or self._scaled is None:
            self._scaled_key, self._scaled = None, None  # freed before the new one is made
            self._scaled = raw * self.gain.value
            self._scaled_key = key
        return self._scaled

    def _encoded_input(self) -> torch.Tensor:
        """The encoder's ``[T, 1, N]`` input before the gain, cached: tau and gain changes reuse it.

        At N = 10^4, T = 1000 drawing it takes 130 ms of a tau change's 300 ms on a 2-core machine.
        """
        device = self.device
        key = (self.encoder.value, self.N.value, self.T.value, self.seed.value, str(device))
        if key == self._input_key and self._input is not None:
            return self._input
        N, T = self.N.value, self.T.value
        if self.intensities is not None:
            intensities = self.intensities.to(device)
        else:
            intensities = (torch.arange(N, device=device, dtype=torch.float32) + 0.5) / N
        generator = torch.Generator(device=device).manual_seed(check_seed(type(self).__name__, self.seed.value))
        encoder = cast(str, self.encoder.value)  # a Dropdown with options always holds one of them
        self._input_key, self._input = None, None  # the old input is freed before the new one is drawn
        self._input = encode_population(encoder, intensities, T, generator=generator)
        self._input_key = key
        return self._input

    def compute(self) -> RasterResult:
        spikes = self.population_spikes()
        T = spikes.shape[0]
        first, last = self.window.value
        last = min(last, T - 1)
        first = min(first, last)
        in_window = spikes[first : last + 1].unsqueeze(1)  # [steps, 1, N], the layout analysis expects
        rates = firing_rate(in_window)
        times = first_spike_times(in_window, never=-1)[0]
        times = torch.where(times >= 0, times + first, times)
        return RasterResult(
            spikes=spikes_to_host(spikes),
            window=(first, last),
            rates=tensor_to_host(rates),
            first_spike_times=tensor_to_host(times),
            neuron=None,
            neuron_spike_times=torch.zeros(0, dtype=torch.long),
            t=0,
            active_at_t=0,
        )

    def select(self, result: RasterResult) -> RasterResult:
        """The selected neuron's spikes and the activity at the scrubber, from the host copy (no compute)."""
        spikes = result.spikes
        T, N = spikes.shape
        first, last = result.window
        selected = self.neuron.value if 0 <= self.neuron.value < N else None
        t = min(self.t.value, T - 1)
        neuron_times = (
            torch.nonzero(spikes[first : last + 1, selected])[:, 0] + first
            if selected is not None
            else torch.zeros(0, dtype=torch.long)
        )
        return result._replace(
            neuron=selected, neuron_spike_times=neuron_times, t=t, active_at_t=int((spikes[t] != 0).sum())
        )

    # ----------------------------------------------------------------------------- render
    def uses_canvas(self, result: RasterResult) -> bool:
        """True when the window has more cells than ``canvas_cells``: the canvas raster draws it."""
        first, last = result.window
        return (last - first + 1) * result.spikes.shape[1] > self.canvas_cells

    @property
    def raster_fig(self) -> FigureWidget:
        """The plotly form of the raster (a FigureWidget; hidden and empty while the canvas draws)."""
        return self.raster.figure

    @property
    def canvas(self) -> CanvasRaster:
        """The canvas form of the raster (hidden and empty while plotly draws)."""
        return self.raster.canvas

    def render(self, result: RasterResult) -> None:
        first, last = result.window
        # the data drawn depend on the recording and the window only: a neuron or scrubber change
        # redraws the selection marks and leaves the figures' data alone
        data_key = (result.spikes.data_ptr(), tuple(result.spikes.shape), first, last)
        same_data = data_key == self._drawn_key
        self.summary.value = f"<code>{_summary(result)}</code>"
        if not same_data:
            self.raster.show(result.spikes[first : last + 1], t_offset=first, title="spikes (time x neuron)")
        self.raster.mark(neuron=result.neuron, t=result.t)
        fig = self.first_fig
        with fig.batch_update():
            if not same_data:  # the figure function refills the widget in place (ticks, ranges and titles too)
                vp.first_spike_map(result.first_spike_times, t_max=max(last, 1), fig=fig)
            layout: Any = fig.layout  # plotly's generated layout classes are untyped
            band = next(shape for shape in layout.shapes if shape.name == SELECTED)
            if result.neuron is None:
                band.visible = False
            else:
                # the map's width, ceil(sqrt(N)) as first_spike_map lays [N] out (its z, read inside this
                # batch, is still the previous recording's)
                width = math.isqrt(max(result.first_spike_times.numel() - 1, 0)) + 1
                row, col = divmod(result.neuron, width)
                band.update(x0=col - 0.5, x1=col + 0.5, y0=row - 0.5, y1=row + 0.5, visible=True)
        self._drawn_key = data_key

    def _on_raster_select(self, neuron, t):
        """A click on the raster (either form) selects the neuron and step (browser only)."""
        with self.hold_updates():
            self.neuron.value = min(neuron, self.neuron.max)
            self.t.value = min(max(t, 0), self.t.max)


def _highlight(xref, yref, x0, x1, y):
    """An orange band over row ``y`` from ``x0`` to ``x1`` (the selected neuron)."""
    return dict(
        type="rect",
        xref=xref,
        yref=yref,
        x0=x0,
        x1=x1,
        y0=y - 0.5,
        y1=y + 0.5,
        fillcolor="rgba(255, 165, 0, 0.35)",
        line=dict(color="#ff7f0e", width=1),
    )


def _summary(result):
    """The raster's title: spikes in the window, activity at the scrubber, the selected neuron."""
    first, last = result.window
    count = int(result.spikes[first : last + 1].sum())
    text = f"steps {first}-{last}: {count} spikes; t={result.t}: {result.active_at_t} active"
    if result.neuron is not None:
        times = result.neuron_spike_times
        text += f"; neuron {result.neuron}: {times.numel()} spikes"
        if times.numel():
            text += f", first at {int(times[0])}"
    return text
