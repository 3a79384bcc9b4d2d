"""EventViewer: play an event stream as frames, with what a network's first spiking layer makes of them.

``EventViewer(events, sensor_size, net=None)`` shows the events of one time window as an image (ON
events red, OFF events blue, brighter where more fell) and, with ``net``, the spikes of the network's
first spiking layer (its first ``BaseNode``) for that window beside it, channels tiled. Controls: the
window's position (a slider over windows), its length (``window``, in the stream's time unit), a
Play button that steps the slider in the browser (with a speed choice), and the device.

Each update looks the window's events up by binary search on the time-sorted stream and counts them
with one ``bincount`` on the chosen device (``snnlab.events.to_frames``), so a 10^6-event stream
redraws as fast as a small one; images bigger than the canvas budget are binned on the device before
they are sent (one byte per cell, see ``EventCanvas``). The network runs once per window length (in
eval mode, without gradients, on the stream cut into windows: ``[T, 1, P, H, W]``) and its first
layer's spikes are kept; moving the slider only picks a step.

Shape:
    ``events``: ``[E]`` (``snnlab.events.Events`` or a structured array); a sensor ``(W, H, P)``.

Example:
    >>> import torch
    >>> from snnlab.events import Events
    >>> ev = Events(torch.arange(0, 1000, 10), torch.arange(100) % 4, torch.zeros(100, dtype=torch.long),
    ...             torch.arange(100) % 2)
    >>> viewer = EventViewer(ev, (4, 1, 2), window=250, device="cpu")
    >>> viewer
    EventViewer(position=0, window=250, speed='1x')
    >>> viewer.position.value = 2
    >>> viewer.result.n_events, viewer.result.t_start, viewer.events_canvas.rows
    (25, 500, 1)
"""

import math
from dataclasses import dataclass

import ipywidgets as W
import torch
import torch.nn as nn

from snnlab.checks import check_int, describe
from snnlab.events import as_events, to_frames
from snnlab.functional import reset_net
from snnlab.neuron import BaseNode
from snnlab.probe import SpikeProbe

from ._panel import Panel
from .event_canvas import MAX_CELLS, EventCanvas

__all__ = ["EventViewer", "ViewerResult"]

SPEEDS = {"0.5x": 400, "1x": 200, "2x": 100, "4x": 50}  # ms between two steps of the Play button


@dataclass(repr=False)
class ViewerResult:
    """One window: its counts ``[P, H, W]`` (on the device), its time span, and the layer's spikes ``[*]`` or None."""

    counts: torch.Tensor
    t_start: int
    t_stop: int
    n_events: int
    spikes: torch.Tensor | None

    def __repr__(self):
        return f"ViewerResult(t=[{self.t_start}, {self.t_stop}), n_events={self.n_events})"


def _tile(spikes: torch.Tensor) -> torch.Tensor:
    """A layer's spikes of one step as one 2-D image: channels ``[C, H, W]`` tiled, vectors made square."""
    if spikes.dim() == 3:
        channels, height, width = spikes.shape
        cols = math.ceil(math.sqrt(channels))
        rows = math.ceil(channels / cols)
        grid = spikes.new_zeros(rows * (height + 1) - 1, cols * (width + 1) - 1)
        for c in range(channels):
            r, k = divmod(c, cols)
            grid[r * (height + 1) : r * (height + 1) + height, k * (width + 1) : k * (width + 1) + width] = spikes[c]
        return grid
    flat = spikes.reshape(-1)
    side = math.ceil(math.sqrt(flat.numel()))
    return torch.cat([flat, flat.new_zeros(side * side - flat.numel())]).reshape(side, side)


class EventViewer(Panel):
    """Play an event stream window by window, with a network's first-layer spikes beside it (module doc).

    Args:
        events: the stream (``Events``, a structured array or a mapping), in time order.
        sensor_size: ``(W, H, P)``.
        net: optional multi-step network taking ``[T, N, P, H, W]`` frames; its first ``BaseNode`` is shown.
        window: the window length (default: a tenth of the stream's duration).
        height: the canvases' height in CSS pixels.
        max_cells: the canvas budget (bytes per image).
        device, throttle_ms: see ``Panel``.

    Shape:
        ``events``: ``[E]``.
    """

    _repr_fields = ("position", "window", "speed")

    def __init__(
        self,
        events: object,
        sensor_size: tuple[int, int, int],
        *,
        net: nn.Module | None = None,
        window: int | None = None,
        height: int = 260,
        max_cells: int = MAX_CELLS,
        device: torch.device | str | None = None,
        throttle_ms: float = 50.0,
    ):
        owner = type(self).__name__
        stream = as_events(events)
        if stream.count == 0:
            raise ValueError(f"{owner}: events must hold at least one event, got an empty stream")
        if stream.count > 1 and bool((stream.t[1:] < stream.t[:-1]).any()):
            raise ValueError(f"{owner}: events must be in time order (t non-decreasing)")
        if not isinstance(sensor_size, (tuple, list)) or len(sensor_size) != 3:
            raise TypeError(f"{owner}: sensor_size must be a tuple (W, H, P), got {describe(sensor_size)}")
        if net is not None and not isinstance(net, nn.Module):
            raise TypeError(f"{owner}: net must be a torch.nn.Module or None, got {describe(net)}")
        sensor_w, sensor_h, sensor_p = (check_int(owner, "sensor_size", v, minimum=1) for v in sensor_size)
        self.sensor_size = (sensor_w, sensor_h, sensor_p)
        self.t_first, self.t_last = int(stream.t[0]), int(stream.t[-1])
        duration = self.t_last - self.t_first + 1
        window = max(1, duration // 10) if window is None else check_int(owner, "window", window, minimum=1)
        height = check_int(owner, "height", height, minimum=16)
        super().__init__(device=device, throttle_ms=throttle_ms)
        self.net = net
        self._stream = stream
        self._device_stream = None
        self._spike_cache = {}
        style = {"description_width": "60px"}
        self.window = W.BoundedIntText(
            value=window,
            min=1,
            max=max(duration, window),
            description="window",
            style=style,
            layout=W.Layout(width="200px"),
        )
        self.position = W.IntSlider(
            value=0,
            min=0,
            max=self._n_windows(window) - 1,
            description="time",
            readout=False,  # its value is the window's index; the picture's title gives the window's times
            style=style,
            layout=W.Layout(width="360px"),
        )
        self.play = W.Play(value=0, min=0, max=self.position.max, step=1, interval=SPEEDS["1x"], description="play")
        W.jslink((self.play, "value"), (self.position, "value"))
        W.jslink((self.play, "max"), (self.position, "max"))
        self.speed = W.Dropdown(
            options=list(SPEEDS), value="1x", description="speed", style=style, layout=W.Layout(width="150px")
        )
        self.speed.observe(lambda change: setattr(self.play, "interval", SPEEDS[change["new"]]), names="value")
        # one polarity (SHD): one colour, named by what it counts, in the scale
        on_name, off_name = ("ON", "OFF") if sensor_p > 1 else ("events", "")
        self.events_canvas = EventCanvas(
            height=height, max_cells=max_cells, title="events", on_name=on_name, off_name=off_name
        )
        self.spikes_canvas = EventCanvas(
            height=height,
            max_cells=max_cells,
            axes=False,  # tiled channels: a cell is a neuron, not a sensor position
            unit="spike",
            cell="neuron",
            title="first spiking layer",
            on_color="#222222",
            off_color="#222222",
            on_name="spikes",
            off_name="",
        )
        self.set_controls([self.play, self.position, self.speed, self.window])
        self.set_figures([self.events_canvas] + ([self.spikes_canvas] if net is not None else []))
        self.update()

    def _n_windows(self, window: int) -> int:
        return (self.t_last - self.t_first) // window + 1

    def sync_controls(self) -> None:
        n = self._n_windows(self.window.value)
        self.position.max = n - 1
        self.play.max = n - 1
        if self.position.value > n - 1:
            self.position.value = n - 1

    def _stream_on(self, device):
        if self._device_stream is None or self._device_stream.t.device != device:
            self._device_stream = self._stream.to(device)
            self._spike_cache = {}
        return self._device_stream

    def _layer_spikes(self, stream, window: int, device) -> torch.Tensor | None:
        """The first BaseNode's spikes ``[T, *]`` for the stream cut into windows (cached per window length)."""
        if self.net is None:
            return None
        if window not in self._spike_cache:
            names = [name for name, m in self.net.named_modules() if isinstance(m, BaseNode)]
            if not names:
                raise ValueError("EventViewer: net has no spiking layer (snnlab.neuron.BaseNode) to show")
            frames = to_frames(stream, self.sensor_size, time_window=window)  # [T, P, H, W]
            net = self.net.to(device)
            was_training = net.training
            net.eval()
            reset_net(net)
            try:
                with torch.no_grad(), SpikeProbe(net, [names[0]], pack=False) as probe:
                    net(frames[:, None])
                    spikes = probe.spikes(names[0])[:, 0]
            finally:
                reset_net(net)
                net.train(was_training)
            self._spike_cache = {window: spikes}
        return self._spike_cache[window]

    def compute(self) -> ViewerResult:
        device = self.device
        stream = self._stream_on(device)
        window = int(self.window.value)
        k = int(self.position.value)
        t_start = self.t_first + k * window
        t_stop = t_start + window
        lo, hi = (int(i) for i in torch.searchsorted(stream.t, torch.tensor([t_start, t_stop], device=device)))
        part = stream.select(slice(lo, hi))
        counts = to_frames(part, self.sensor_size, frames_number=1)[0] if hi > lo else None
        if counts is None:
            counts = torch.zeros(self.sensor_size[::-1], device=device)
        spikes = self._layer_spikes(stream, window, device)
        step = None if spikes is None else spikes[min(k, spikes.shape[0] - 1)].float()
        return ViewerResult(counts, t_start, t_stop, hi - lo, step)

    def render(self, result: ViewerResult) -> None:
        counts = result.counts
        on = counts[1] if counts.shape[0] > 1 else counts[0]
        off = counts[0] if counts.shape[0] > 1 else None
        self.events_canvas.title = f"{result.n_events:,} events in t = [{result.t_start}, {result.t_stop})"
        self.events_canvas.set_counts(on, off)
        if result.spikes is not None:
            image = _tile(result.spikes)
            tiled = f", {result.spikes.shape[0]} channels tiled" if result.spikes.dim() == 3 else ""
            self.spikes_canvas.title = f"first spiking layer: {int(result.spikes.sum()):,} spikes{tiled}"
            self.spikes_canvas.set_counts(image)
