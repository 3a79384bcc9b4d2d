"""Back-propagation through time in bounded memory: time chunks with recomputation.

``chunked_bptt_forward(net, x_seq, chunk_size)`` returns what ``net(x_seq)`` returns for a
multi-step network, with the same gradients, but autograd keeps only ``x_seq``, the network state
at each chunk boundary and the output: the forward pass runs chunk by chunk without a graph,
carrying the neuron state (every memory of every ``MemoryModule``) from one chunk to the next, and
the backward pass re-runs one chunk at a time, last chunk first, with a graph, from the state saved
at its start. The gradient that reaches a chunk's start state is handed to the chunk before it, so
gradients flow across chunk boundaries exactly as in plain BPTT. The saved memory is about
``x_seq`` + ``T / chunk_size`` states + one chunk's activations instead of ``T`` steps' activations,
for one extra forward pass (``chunk_size`` near ``sqrt(T)`` balances the two terms).

Notes:
- After the call the network holds the state of the last step, detached from the graph (the next
  call starts from it, as after ``detach_net``).
- Modules that change something other than their memories while running (BatchNorm running
  statistics) are updated twice per chunk in training mode, as with ``torch.utils.checkpoint``.
- The random state is restored before each chunk is recomputed, so dropout masks repeat; a
  multi-step ``Dropout`` draws one mask per chunk (it is called once per chunk).
- Gradients are first order only (no double backward).

Shape:
    ``x_seq``: ``[T, N, *]`` -> the network's output ``[T, N, *']``.

Example:
    >>> import torch
    >>> from snnlab import functional, layer, neuron
    >>> from snnlab.training import chunked_bptt_forward
    >>> net = torch.nn.Sequential(layer.Linear(3, 2, step_mode='m'), neuron.LIFNode(step_mode='m'))
    >>> x = torch.rand(8, 4, 3)
    >>> y = chunked_bptt_forward(net, x, chunk_size=3)
    >>> functional.reset_net(net)
    >>> torch.equal(y, net(x)), y.grad_fn is not None
    (True, True)
"""

import torch
import torch.nn as nn

from ..base import MemoryModule
from ..checks import check_int, check_tensor, describe

__all__ = ["chunked_bptt_forward"]


def _memory_modules(net: nn.Module) -> list:
    return [m for m in net.modules() if isinstance(m, MemoryModule)]


def _state(modules: list) -> list:
    """Every module's memories, as a list of dicts (tensors detached)."""
    return [{k: (v.detach() if isinstance(v, torch.Tensor) else v) for k, v in m._memories.items()} for m in modules]


def _set_state(modules: list, state: list) -> None:
    for m, memories in zip(modules, state):
        m._memories.clear()
        m._memories.update(memories)


def _devices(x: torch.Tensor) -> list:
    return [x.device] if x.device.type == "cuda" else []


class _Run:
    """What the autograd function needs besides tensors: the network and how the sequence was cut."""

    def __init__(self, net: nn.Module, chunk_size: int, params: list):
        self.net, self.chunk_size, self.params = net, chunk_size, params
        self.modules = _memory_modules(net)
        self.rng = []  # random state before each chunk
        self.layout = []  # per chunk: the memories as (module index, name, index in saved tensors or value)
        self.n_chunks = 0


def _flatten_state(state: list, tensors: list) -> list:
    """Move the tensors of ``state`` into ``tensors``; return a layout that rebuilds it."""
    layout = []
    for i, memories in enumerate(state):
        for name, value in memories.items():
            if isinstance(value, torch.Tensor):
                layout.append((i, name, True, len(tensors)))
                tensors.append(value)
            else:
                layout.append((i, name, False, value))
    return layout


def _rebuild_state(run: _Run, layout: list, tensors: tuple) -> tuple:
    """The memories of ``layout`` with every floating tensor a fresh leaf that requires grad."""
    state = [{} for _ in run.modules]
    leaves = {}
    for i, name, is_tensor, ref in layout:
        value = ref
        if is_tensor:
            value = tensors[ref].detach()
            if value.is_floating_point():
                value = value.clone().requires_grad_(True)
                leaves[(i, name)] = value
        state[i][name] = value
    return state, leaves


class _ChunkedBPTT(torch.autograd.Function):
    @staticmethod
    def forward(ctx, run, x_seq, *params):
        outputs, boundary = [], []
        for chunk in torch.split(x_seq, run.chunk_size):
            run.layout.append(_flatten_state(_state(run.modules), boundary))
            run.rng.append((torch.get_rng_state(), [torch.cuda.get_rng_state(d) for d in _devices(x_seq)]))
            outputs.append(run.net(chunk))
        run.n_chunks = len(outputs)
        ctx.run = run
        ctx.save_for_backward(x_seq, *boundary)
        return torch.cat(outputs, 0)

    @staticmethod
    def backward(ctx, grad_y):
        run = ctx.run
        x_seq, *boundary = ctx.saved_tensors
        final_state = _state(run.modules)
        grad_x = torch.zeros_like(x_seq) if ctx.needs_input_grad[1] else None
        grad_params: list[torch.Tensor | None] = [None] * len(run.params)
        carried = {}  # (module index, name) -> dL/d(memory at the end of the chunk being recomputed)
        starts = list(range(0, x_seq.shape[0], run.chunk_size))
        try:
            for c in range(run.n_chunks - 1, -1, -1):
                start = starts[c]
                stop = min(start + run.chunk_size, x_seq.shape[0])
                state, leaves = _rebuild_state(run, run.layout[c], tuple(boundary))
                _set_state(run.modules, state)
                x_chunk = x_seq[start:stop].detach().requires_grad_(grad_x is not None)
                cpu_rng, cuda_rng = run.rng[c]
                with torch.random.fork_rng(devices=_devices(x_seq)), torch.enable_grad():
                    torch.set_rng_state(cpu_rng)
                    for d, s in zip(_devices(x_seq), cuda_rng):
                        torch.cuda.set_rng_state(s, d)
                    y_chunk = run.net(x_chunk)
                outputs, grad_outputs = [y_chunk], [grad_y[start:stop]]
                for (i, name), g in carried.items():
                    end = run.modules[i]._memories.get(name)
                    if isinstance(end, torch.Tensor) and end.requires_grad:
                        outputs.append(end)
                        grad_outputs.append(g)
                leaf_keys = list(leaves)
                inputs = [leaves[k] for k in leaf_keys] + list(run.params)
                if grad_x is not None:
                    inputs.append(x_chunk)
                grads = torch.autograd.grad(outputs, inputs, grad_outputs, allow_unused=True)
                n = len(leaf_keys)
                carried = {k: g for k, g in zip(leaf_keys, grads[:n]) if g is not None}
                for j, g in enumerate(grads[n : n + len(run.params)]):
                    if g is not None:
                        before = grad_params[j]
                        grad_params[j] = g if before is None else before + g
                if grad_x is not None and grads[-1] is not None:
                    grad_x[start:stop] = grads[-1]
                del outputs, grad_outputs, grads, y_chunk, state, leaves
        finally:
            _set_state(run.modules, final_state)
        return (None, grad_x, *grad_params)


def chunked_bptt_forward(net: nn.Module, x_seq: torch.Tensor, chunk_size: int) -> torch.Tensor:
    """Run the multi-step ``net`` on ``x_seq`` for BPTT in chunks of ``chunk_size`` steps, recomputed in backward.

    The output and the gradients (w.r.t. ``x_seq`` and every parameter of ``net``) equal those of
    ``net(x_seq)``; autograd keeps ``x_seq``, the state at each chunk start and the output instead
    of every step's activations (see the module docstring). Without gradients (``torch.no_grad()``
    or nothing requiring grad) it runs the chunks directly.

    Shape:
        ``x_seq``: ``[T, N, *]`` -> ``net``'s output ``[T, N, *']``.

    Example:
        >>> import torch
        >>> from snnlab import layer, neuron
        >>> net = torch.nn.Sequential(layer.Linear(2, 2, step_mode='m'), neuron.IFNode(step_mode='m'))
        >>> chunked_bptt_forward(net, torch.ones(5, 1, 2), chunk_size=2).shape
        torch.Size([5, 1, 2])
    """
    owner = "chunked_bptt_forward"
    if not isinstance(net, nn.Module):
        raise TypeError(f"{owner}: net must be a torch.nn.Module, got {describe(net)}")
    check_tensor(owner, "x_seq", x_seq, min_dim=1)
    if x_seq.shape[0] == 0:
        raise ValueError(f"{owner}: x_seq must have at least one time step, got shape {list(x_seq.shape)}")
    chunk_size = check_int(owner, "chunk_size", chunk_size, minimum=1)
    params = [p for p in net.parameters() if p.requires_grad]
    if not torch.is_grad_enabled() or not (x_seq.requires_grad or params):
        return torch.cat([net(chunk) for chunk in torch.split(x_seq, chunk_size)], 0)
    return _ChunkedBPTT.apply(_Run(net, chunk_size, params), x_seq, *params)
