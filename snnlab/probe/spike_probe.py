"""Bounded recording of the spikes (and membrane potentials) of chosen layers, for visual debugging.

A :class:`SpikeProbe` hooks the chosen layers of any network and, after each of their forward
calls, stores a detached, compact copy of their output: the truth value ``output != 0``, bit-packed
on the output's own device (8 spikes per byte, :mod:`snnlab.bitpack`) before it is moved to the CPU.
Optionally it also stores the membrane potential ``v`` as a float16/float32 copy.

Memory is bounded: all layers share a budget of ``max_bytes`` (stored CPU bytes). Every layer is
a ring buffer over the same number of most recent time steps, the *window*
``max_bytes // (bytes of one time step of all recorded layers)``, so the layers stay aligned in
time and the total never exceeds the budget. Records are kept in chunks: a multi-step call gives
one chunk of ``T`` steps, while single steps wait on their device and are merged into chunks of up
to 64 steps (at most 1/8 of the window), so a long run holds few large CPU tensors and moves data
to the host in few large copies. The oldest whole chunks are dropped to make room, so a layer holds
between ``window - chunk length + 1`` and ``window`` steps; a call longer than the window is cut to
its last steps on the device, before anything is copied.

Time bookkeeping. A layer whose ``step_mode`` is ``'m'`` (or any ``MultiStepModule``) returns
``[T, N, *]``: its ``T`` steps are appended. Any other layer is taken to run one time step per call
(``[N, *]``), which is right for neurons in single-step mode and for the children of
``MultiStepContainer``, ``ElementWiseRecurrentContainer`` and similar per-step loops. Inside a
``SeqToANNContainer`` (or a stateless ``StepModeContainer`` in 'm' mode), where time is folded into
the batch, outputs ``[T * N, *]`` are unfolded back to ``[T, N, *]``. A layer that changes its
per-step shape (a new batch size) restarts its record; the earlier steps count as dropped.

Shape:
    ``probe.spikes(name)``: ``[T, N, *]`` bool (``T`` = steps held); ``probe.v(name)``: ``[T, N, *]``.

Example:
    >>> import torch
    >>> from snnlab import neuron
    >>> from snnlab.probe import SpikeProbe
    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 3), neuron.IFNode())
    >>> with torch.no_grad():
    ...     _ = net[0].weight.copy_(torch.tensor([[1., 0.], [0., 1.], [0.5, 0.5]]))
    ...     _ = net[0].bias.zero_()
    >>> with SpikeProbe(net) as probe:
    ...     for x in ([1., 0.], [0., 0.], [1., 1.]):
    ...         _ = net(torch.tensor([x]))
    >>> probe.layer_names
    ['1']
    >>> probe.spikes('1').int().tolist()  # [T=3, N=1, 3 neurons]
    [[[1, 0, 0]], [[0, 0, 0]], [[1, 1, 1]]]
"""

import math
import warnings
import weakref
from collections.abc import Sequence

import torch
import torch.nn as nn

from ..base import MultiStepModule
from ..bitpack import packbits, packed_length, unpackbits
from ..checks import check_bool, check_choice, check_int, describe
from ._hooks import (
    MERGE_STEPS,
    Chunk,
    LayerRecord,
    container_types,
    fold_enter,
    fold_exit,
    post_hook,
    pre_hook,
    remove_handles,
    select_layers,
)

__all__ = ["SpikeProbe"]


class SpikeProbe:
    """Record chosen layers' spikes (and optionally ``v``) during forward passes, within a memory budget.

    Args:
        net: any ``nn.Module``.
        layers: ``None`` (every ``snnlab.neuron.BaseNode`` in ``net``), a module type or tuple of
            types, or a list of qualified names from ``net.named_modules()`` (any module whose
            output is a spike tensor; non-binary outputs are stored as ``output != 0`` with a warning
            when read). A tuple/list output (e.g. ``OTTTLIFNode``'s ``[spike, trace]``) records its first item.
        record_v: also store the membrane potential ``v`` (post-reset) of layers that have one. In
            multi-step mode the probe turns ``store_v_seq`` on for the duration of each call only.
        max_bytes: budget, in bytes, for everything stored (all layers together).
        pack: bit-pack spikes (8 per byte) on the device; ``False`` stores one bool byte per spike.
        v_dtype: floating dtype of the stored ``v`` (``torch.float16`` halves its memory).

    Shape:
        ``spikes(name)``, ``v(name)``: ``[T, N, *]``, ``T`` = the time steps currently held.

    Example:
        >>> import torch
        >>> from snnlab import neuron
        >>> node = neuron.IFNode(step_mode='m')
        >>> probe = SpikeProbe(node, record_v=True)
        >>> _ = node(torch.tensor([[0.5], [0.7], [0.2]]))  # T=3, N=1
        >>> probe.spikes('').flatten().tolist(), probe.v('').flatten().tolist()
        ([False, True, False], [0.5, 0.0, 0.20000000298023224])
        >>> probe
        SpikeProbe(layers=1, steps=3, nbytes=15, max_bytes=67108864, pack=True, record_v=True)
        >>> probe.close()
    """

    def __init__(
        self,
        net: nn.Module,
        layers: Sequence[str] | None = None,
        *,
        record_v: bool = False,
        max_bytes: int = 64 * 2**20,
        pack: bool = True,
        v_dtype: torch.dtype = torch.float32,
    ):
        if not isinstance(net, nn.Module):
            raise TypeError(f"SpikeProbe: net must be a torch.nn.Module, got {describe(net)}")
        self._record_v = check_bool("SpikeProbe", "record_v", record_v)
        self._pack = check_bool("SpikeProbe", "pack", pack)
        self._max_bytes = check_int("SpikeProbe", "max_bytes", max_bytes, minimum=1)
        if not isinstance(v_dtype, torch.dtype) or not v_dtype.is_floating_point:
            raise TypeError(f"SpikeProbe: v_dtype must be a floating torch.dtype, got {describe(v_dtype)}")
        self._v_dtype = v_dtype
        chosen = select_layers(net, layers)
        self._layers = {
            name: LayerRecord(name, m, isinstance(getattr(m, "v", None), (torch.Tensor, float))) for name, m in chosen
        }
        self._nbytes = 0
        self._window = self._max_bytes  # recomputed whenever a layer's bytes per step change
        self._fold = []  # stack of (T, N) or None while inside containers that fold time
        self._cuda_devices = set()
        self._handles = []
        self._finalizer = weakref.finalize(self, remove_handles, self._handles)
        ref = weakref.ref(self)
        recorded = {id(m) for _, m in chosen}
        for module in net.modules():
            if isinstance(module, container_types()) and any(
                id(sub) in recorded for sub in module.modules() if sub is not module
            ):
                self._handles.append(module.register_forward_pre_hook(fold_enter(ref)))
                self._handles.append(module.register_forward_hook(fold_exit(ref), always_call=True))
        for layer in self._layers.values():
            self._handles.append(layer.module.register_forward_pre_hook(pre_hook(ref, layer)))
            self._handles.append(layer.module.register_forward_hook(post_hook(ref, layer), always_call=True))

    # settings are fixed at construction (the stored layout depends on them)
    @property
    def record_v(self) -> bool:
        """Whether membrane potentials are recorded."""
        return self._record_v

    @property
    def pack(self) -> bool:
        """Whether spikes are stored bit-packed."""
        return self._pack

    @property
    def max_bytes(self) -> int:
        """The budget, in bytes, shared by all layers."""
        return self._max_bytes

    @property
    def v_dtype(self) -> torch.dtype:
        """The dtype of stored potentials."""
        return self._v_dtype

    # ------------------------------------------------------------------------------- lifecycle
    def close(self) -> None:
        """Remove the hooks (records stay readable). Calling it twice is harmless."""
        self._finalizer()

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def clear(self) -> None:
        """Forget every record and counter; the hooks stay in place."""
        for layer in self._layers.values():
            layer.chunks.clear()
            layer.pending, layer.pending_steps = [], 0
            layer.step_shape, layer.step_bytes, layer.nonbinary = None, None, None
            layer.steps, layer.dropped = 0, 0
        self._nbytes = 0
        self._window = self._max_bytes

    # ------------------------------------------------------------------------------- recording
    def _record(self, layer, out):
        if isinstance(out, (tuple, list)) and out and isinstance(out[0], torch.Tensor):
            out = out[0]
        if not isinstance(out, torch.Tensor) or out.dim() == 0:
            self._warn_once(
                layer,
                "type",
                f"SpikeProbe: layer {layer.name!r} returned {describe(out)}, "
                f"not a [N, *] or [T, N, *] tensor; nothing recorded",
            )
            return
        out = out.detach()
        module = layer.module
        fold = self._fold[-1] if self._fold else None
        if isinstance(module, MultiStepModule) or getattr(module, "step_mode", "s") == "m":
            seq = out
        elif fold is not None and out.shape[0] == fold[0] * fold[1]:
            seq = out.unflatten(0, fold)
        else:
            seq = out.unsqueeze(0)
        if layer.step_shape is None and not layer.has_v:  # e.g. OTTTLIFNode creates v at its first step
            layer.has_v = isinstance(getattr(module, "v", None), torch.Tensor)
        v_seq = self._v_of(layer, seq) if (self.record_v and layer.has_v) else None
        step_shape = tuple(seq.shape[1:])
        if layer.step_shape != step_shape:
            if layer.step_shape is not None:
                self._warn_once(
                    layer,
                    "shape",
                    f"SpikeProbe: layer {layer.name!r} changed its per-step shape "
                    f"from {list(layer.step_shape)} to {list(step_shape)}; earlier "
                    f"steps were dropped",
                )
            self._trim(layer, 0)
            count = math.prod(step_shape)
            layer.step_shape = step_shape
            layer.step_bytes = (packed_length(count) if self.pack else count) + (
                count * self.v_dtype.itemsize if v_seq is not None else 0
            )
            self._window = self._max_bytes // max(self._step_bytes(), 1)
            for other in self._layers.values():  # the shared window may have shrunk
                self._trim(other, self._window)
        window = self._window
        if window < seq.shape[0]:
            layer.dropped += seq.shape[0] - window
            if window == 0:
                self._warn_once(
                    layer,
                    "budget",
                    f"SpikeProbe: one time step of the recorded layers needs "
                    f"{self._step_bytes()} bytes, more than max_bytes="
                    f"{self.max_bytes}; nothing is kept",
                )
                return
            seq = seq[-window:]  # cut on the device, before anything is copied
            v_seq = v_seq[-window:] if v_seq is not None else None
        bits = seq if seq.dtype == torch.bool else seq != 0
        if seq.dtype != torch.bool:  # remember (on the device, without syncing) if values were not 0/1
            flag = torch.ne(seq, bits).any()
            layer.nonbinary = flag if layer.nonbinary is None else layer.nonbinary | flag
        if self.pack:
            stored = packbits(bits.reshape(bits.shape[0], -1))
        else:
            stored = bits.clone() if bits is seq else bits  # never keep the network's own tensor
        v_part = None if v_seq is None else v_seq.to(self.v_dtype, copy=True)
        steps = seq.shape[0]
        self._trim(layer, window - steps)
        layer.pending.append((stored, v_part))
        layer.pending_steps += steps
        layer.steps += steps
        self._nbytes += steps * layer.step_bytes
        if layer.pending_steps >= max(1, min(MERGE_STEPS, window // 8)):
            self._flush(layer)

    def _flush(self, layer, keep=None):
        """Merge the pending records of ``layer`` into one CPU chunk (only its last ``keep`` steps)."""
        if not layer.pending:
            return
        spikes = torch.cat([p[0] for p in layer.pending])
        v = None if layer.pending[0][1] is None else torch.cat([p[1] for p in layer.pending])
        layer.pending, layer.pending_steps = [], 0
        if keep is not None and keep < spikes.shape[0]:
            cut = spikes.shape[0] - keep
            layer.steps -= cut
            layer.dropped += cut
            self._nbytes -= cut * layer.step_bytes
            if keep == 0:
                return
            spikes, v = spikes[cut:].clone(), (v[cut:].clone() if v is not None else None)
        layer.chunks.append(
            Chunk(
                self._to_cpu(spikes),
                None if v is None else self._to_cpu(v),
                spikes.shape[0],
                spikes.shape[0] * layer.step_bytes,
            )
        )

    def _step_bytes(self) -> int:
        return sum(layer.step_bytes for layer in self._layers.values() if layer.step_bytes is not None)

    @property
    def window(self) -> int:
        """Time steps each layer may hold: ``max_bytes // (bytes of one step of every recorded layer)``.

        Layers that have not produced output yet do not count; before any output it is ``max_bytes``.
        """
        return self._window

    def _trim(self, layer, keep):
        """Drop the oldest whole chunks of ``layer`` until it holds at most ``keep`` steps."""
        keep = max(keep, 0)
        while layer.chunks and layer.steps > keep:
            old = layer.chunks.popleft()
            layer.steps -= old.steps
            layer.dropped += old.steps
            self._nbytes -= old.nbytes
        if layer.steps > keep:  # only pending records are left: keep their newest steps
            self._flush(layer, keep)

    def _v_of(self, layer, seq):
        """The potential matching the chunk ``seq`` ``[T, N, *]``; NaN where the layer exposes none."""
        module = layer.module
        multi_step = getattr(module, "step_mode", "s") == "m"
        v = module.v_seq if multi_step and getattr(module, "store_v_seq", False) else module.v
        if isinstance(v, torch.Tensor) and v.numel() == seq.numel():
            return v.detach().reshape(seq.shape)
        return torch.full(seq.shape, float("nan"), dtype=self.v_dtype, device=seq.device)

    def _to_cpu(self, tensor):
        """``tensor`` (private to the probe) on the CPU; CUDA copies are asynchronous."""
        if tensor.device.type == "cpu":
            return tensor.contiguous()
        if tensor.device.type != "cuda":
            return tensor.to("cpu")
        self._cuda_devices.add(tensor.device)
        host = torch.empty(tensor.shape, dtype=tensor.dtype, pin_memory=True)
        host.copy_(tensor, non_blocking=True)  # no host sync here; readers synchronize first
        return host

    @staticmethod
    def _warn_once(layer, key, message):
        if key not in layer.warned:
            layer.warned.add(key)
            warnings.warn(message, RuntimeWarning, stacklevel=4)

    # ------------------------------------------------------------------------------- reading
    @property
    def layer_names(self) -> list:
        """Names (from ``net.named_modules()``) of the recorded layers, in module order."""
        return list(self._layers)

    @property
    def nbytes(self) -> int:
        """Bytes currently stored (spikes and potentials of all layers); never above ``max_bytes``."""
        return self._nbytes

    @property
    def dropped_steps(self) -> dict:
        """``{layer name: number of time steps dropped}`` (budget, or a change of per-step shape)."""
        return {name: layer.dropped for name, layer in self._layers.items()}

    @property
    def num_steps(self) -> dict:
        """``{layer name: number of time steps currently held}``."""
        return {name: layer.steps for name, layer in self._layers.items()}

    def _layer(self, name):
        check_choice("SpikeProbe", "name", name, tuple(self._layers))
        layer = self._layers[name]
        self._flush(layer)
        for device in self._cuda_devices:
            torch.cuda.synchronize(device)
        return layer

    def spikes(self, name: str) -> torch.Tensor:
        """The held spikes of layer ``name`` as a CPU bool tensor ``[T, N, *]`` (``T`` may be 0)."""
        layer = self._layer(name)
        if not layer.chunks:
            return torch.zeros((0,) + (layer.step_shape or ()), dtype=torch.bool)
        if layer.nonbinary is not None and bool(layer.nonbinary):
            self._warn_once(
                layer,
                "binary",
                f"SpikeProbe: layer {name!r} produced values other than 0 and 1; they were recorded as output != 0",
            )
        stored = torch.cat([c.spikes for c in layer.chunks])
        if not self.pack:
            return stored
        step_shape = layer.step_shape or ()  # set with the first recorded chunk
        return unpackbits(stored, math.prod(step_shape)).reshape((stored.shape[0], *step_shape))

    def v(self, name: str) -> torch.Tensor:
        """The held membrane potentials of layer ``name``, CPU ``[T, N, *]`` in ``v_dtype``."""
        layer = self._layer(name)
        if not (self.record_v and layer.has_v):
            reason = "record_v=False" if not self.record_v else "the layer has no membrane potential v"
            raise ValueError(f"SpikeProbe: no potential recorded for layer {name!r} ({reason})")
        if not layer.chunks:
            return torch.zeros((0,) + (layer.step_shape or ()), dtype=self.v_dtype)
        return torch.cat([c.v for c in layer.chunks])

    def records(self) -> dict:
        """``{layer name: spikes(name)}`` for every recorded layer (the input of ``snnlab.analysis``)."""
        return {name: self.spikes(name) for name in self._layers}

    def __repr__(self) -> str:
        steps = max((layer.steps for layer in self._layers.values()), default=0)
        closed = ", closed" if self.closed else ""
        return (
            f"SpikeProbe(layers={len(self._layers)}, steps={steps}, nbytes={self._nbytes}, "
            f"max_bytes={self.max_bytes}, pack={self.pack}, record_v={self.record_v}{closed})"
        )
