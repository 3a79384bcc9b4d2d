"""Internals of :class:`snnlab.probe.SpikeProbe`: layer selection, per-layer records and the hooks.

Shape:
    not applicable (helpers; see ``SpikeProbe``).

Example:
    >>> import torch
    >>> from snnlab.probe._hooks import select_layers
    >>> [name for name, _ in select_layers(torch.nn.Sequential(torch.nn.ReLU()), ['0'])]
    ['0']
"""

import collections

import torch

from ..checks import describe

__all__ = [
    "MERGE_STEPS",
    "Chunk",
    "LayerRecord",
    "container_types",
    "fold_enter",
    "fold_exit",
    "folds_time",
    "post_hook",
    "pre_hook",
    "remove_handles",
    "select_layers",
]

Chunk = collections.namedtuple("Chunk", "spikes v steps nbytes")
# Short records (single steps) are merged into chunks of up to this many steps (and at most 1/8 of the
# window), so that a long run holds few large CPU tensors rather than one small tensor per step.
MERGE_STEPS = 64


class LayerRecord:
    """Per-layer record: chunks in time order, the per-step shape and counters."""

    def __init__(self, name, module, has_v):
        self.name, self.module, self.has_v = name, module, has_v
        self.chunks = collections.deque()  # on the CPU, oldest first
        self.pending = []  # newest short records, still on their device, waiting to be merged into one chunk
        self.pending_steps = 0
        self.step_shape = None
        self.step_bytes = None  # bytes stored per time step (spikes + v), known after the first output
        self.steps = 0
        self.dropped = 0
        self.nonbinary = None  # lazily a device bool tensor: some output was neither 0 nor 1
        self.v_seq_enabled = False
        self.warned = set()


def select_layers(net, layers):
    """``[(name, module)]`` chosen by ``layers`` (see ``SpikeProbe``); raises on bad or empty choices."""
    from ..neuron import BaseNode  # the neuron classes are only needed here

    named = list(net.named_modules())
    if layers is None:
        chosen = [(n, m) for n, m in named if isinstance(m, BaseNode)]
        what = "no spiking neuron module (snnlab.neuron.BaseNode); choose layers with layers="
    elif isinstance(layers, type) or (
        isinstance(layers, tuple) and layers and all(isinstance(t, type) for t in layers)
    ):
        chosen = [(n, m) for n, m in named if isinstance(m, layers)]
        what = f"no module of type {layers}"
    elif isinstance(layers, (list, tuple)) and all(isinstance(n, str) for n in layers):
        modules = dict(named)
        for n in layers:
            if n not in modules:
                shown = ", ".join(repr(k) for k in list(modules)[:12]) + (", ..." if len(modules) > 12 else "")
                raise ValueError(
                    f"SpikeProbe: layers must name modules of net (names from net.named_modules(): {shown}), got {n!r}"
                )
        chosen = [(n, modules[n]) for n in dict.fromkeys(layers)]
        what = "no layer"
    else:
        raise TypeError(
            f"SpikeProbe: layers must be None, a module type, a tuple of types or a list of module "
            f"names, got {describe(layers)}"
        )
    if not chosen:
        raise ValueError(f"SpikeProbe: net has {what}")
    return chosen


def container_types():
    """Containers that may fold time into the batch (the probe tracks their calls)."""
    from ..layer import SeqToANNContainer, StepModeContainer

    return SeqToANNContainer, StepModeContainer


def folds_time(module):
    """True when ``module`` runs its children on ``[T * N, *]`` (time folded into the batch)."""
    seq_to_ann, step_mode_container = container_types()
    if isinstance(module, seq_to_ann):
        return True
    return isinstance(module, step_mode_container) and module.step_mode == "m" and not module.stateful


def remove_handles(handles):
    """Remove every hook handle in ``handles`` (run by ``close()`` or when the probe is collected)."""
    for handle in handles:
        handle.remove()
    handles.clear()


# ----------------------------------------------------------------------------------- hooks
def fold_enter(ref):
    """Pre-hook of a container: push ``(T, N)`` while it folds time into the batch, else None."""

    def hook(module, args):
        probe = ref()
        if probe is not None:
            x = args[0] if args else None
            folding = isinstance(x, torch.Tensor) and x.dim() >= 2 and folds_time(module)
            probe._fold.append(tuple(x.shape[:2]) if isinstance(x, torch.Tensor) and folding else None)

    return hook


def fold_exit(ref):
    """Forward hook of a container (always called): pop what ``fold_enter`` pushed."""

    def hook(module, args, output):
        probe = ref()
        if probe is not None and probe._fold:
            probe._fold.pop()

    return hook


def pre_hook(ref, layer):
    """Pre-hook of a recorded layer: turn ``store_v_seq`` on for this multi-step call when ``v`` is wanted."""

    def hook(module, args):
        probe = ref()
        if (
            probe is not None
            and probe.record_v
            and layer.has_v
            and getattr(module, "step_mode", "s") == "m"
            and getattr(module, "store_v_seq", True) is False
        ):
            module.store_v_seq = True
            layer.v_seq_enabled = True

    return hook


def post_hook(ref, layer):
    """Forward hook of a recorded layer (always called): record the output, restore ``store_v_seq``."""

    def hook(module, args, output):
        probe = ref()
        try:
            if probe is not None and output is not None:
                probe._record(layer, output)
        finally:
            if layer.v_seq_enabled:
                module.store_v_seq = False
                module.v_seq = None
                layer.v_seq_enabled = False

    return hook
