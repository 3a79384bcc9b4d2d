"""snnlab -> NIR: ``to_nir`` writes a network as a NIR graph; ``write_nir`` saves one atomically.

The network is walked as a chain (``nn.Sequential`` and snnlab's containers, nested), or taken as
the graph it is when it was built by ``from_nir``. Neurons become NIR's continuous-time nodes for
step ``dt``: an LIF with ``tau_steps`` and ``decay_input`` becomes ``LIF(tau = tau_steps dt,
r = 1 or tau_steps, v_leak = v_reset)``, an IF ``IF(r = 1/dt)``; parameters are per-neuron arrays.
``metadata`` records ``dt`` on the graph and snnlab's own settings on each neuron (surrogate,
detach_reset, learnable tau, exact tau in steps), so ``from_nir`` rebuilds the same network.
NIR has no soft reset: exporting one raises unless ``allow_lossy=True`` (then it is written as a hard
reset to 0, with a warning; snnlab's importer restores it from the metadata).

Shape:
    ``sample_input``: one time step ``[N, *]``; only ``*`` (the per-sample shape) is used.

Example:
    >>> import torch
    >>> from snnlab import layer, neuron
    >>> net = torch.nn.Sequential(layer.Linear(3, 2), neuron.LIFNode(tau=2.0))
    >>> g = to_nir(net, torch.zeros(1, 3), dt=1e-3)
    >>> sorted(g.nodes), g.nodes['1'].tau.tolist(), g.metadata['dt']
    (['0', '1', 'input', 'output'], [0.002, 0.002], 0.001)
"""

import os
import tempfile
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
import torch.nn as nn

from .. import layer, neuron
from ..checks import check_bool, check_real, check_tensor, describe
from .nir_modules import Delay, Scale, SumPool2d, Threshold
from .nir_network import NIRNetwork

if TYPE_CHECKING:  # nir is an optional dependency, imported when first used
    from nir import NIRGraph, NIRNode

__all__ = ["to_nir", "write_nir"]

_CONTAINERS = (
    nn.Sequential,
    layer.SeqToANNContainer,
    layer.MultiStepContainer,
    layer.StepModeContainer,
)
_SKIPPED = (nn.Identity, nn.Dropout, layer.Dropout)


def _np(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().numpy().copy()


def _leaves(module: nn.Module, prefix: str):
    """``(name, module)`` of each leaf of a chain, in order."""
    if isinstance(module, _CONTAINERS) and not isinstance(module, NIRNetwork):
        for name, child in module.named_children():
            yield from _leaves(child, f"{prefix}.{name}" if prefix else name)
    else:
        yield prefix or "net", module


def _full(shape, value) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        return np.broadcast_to(_np(value).astype(np.float64), shape).copy()
    return np.full(shape, float(value), dtype=np.float64)


def _neuron_meta(m) -> dict:
    sg = m.surrogate_function
    meta = {"class": type(m).__name__, "detach_reset": bool(m.detach_reset), "soft_reset": m.v_reset is None}
    if getattr(sg, "alpha", None) is not None and not isinstance(sg.alpha, torch.Tensor):
        meta["surrogate"] = type(sg).__name__
        meta["surrogate_alpha"] = float(sg.alpha)
    return meta


def _check_reset(name, m, allow_lossy):
    if m.v_reset is None:
        if not allow_lossy:
            raise ValueError(
                f"to_nir: {name!r} ({type(m).__name__}) uses a soft reset (v_reset=None), which NIR cannot express; "
                "pass allow_lossy=True to write it as a hard reset to 0 (other tools will then simulate it differently)"
            )
        warnings.warn(
            f"to_nir: {name!r} has a soft reset; written as a hard reset to 0 (lossy for every tool but snnlab)",
            stacklevel=4,
        )
        return 0.0
    return float(m.v_reset)


def _neuron_node(nir, name, m, shape, dt, allow_lossy):
    v_reset = _check_reset(name, m, allow_lossy)
    meta = _neuron_meta(m)
    thr = _full(shape, m.v_threshold)
    reset = np.full(shape, v_reset)
    if isinstance(m, neuron.CubaLIFNode):
        ts, tm = float(m.tau_syn), float(m.tau_mem)
        meta.update(tau_syn_steps=ts, tau_mem_steps=tm, decay_input=bool(m.decay_input))
        r, w_in = (1.0, 1.0) if m.decay_input else (tm, ts)
        return nir.CubaLIF(
            tau_syn=np.full(shape, ts * dt), tau_mem=np.full(shape, tm * dt), r=np.full(shape, r),
            v_leak=reset.copy(), v_threshold=thr, v_reset=reset, w_in=np.full(shape, w_in), metadata={"snnlab": meta},
        )  # fmt: skip
    if isinstance(m, neuron.ParametricLIFNode):
        w = float(m.w.detach())
        tau = 1.0 / float(torch.sigmoid(m.w.detach().double()))
        meta.update(learnable_tau=True, plif_w=w, tau_steps=tau, decay_input=bool(m.decay_input))
    elif isinstance(m, neuron.LIFNode):
        tau = float(m.tau)
        meta.update(learnable_tau=False, tau_steps=tau, decay_input=bool(m.decay_input))
    elif isinstance(m, neuron.IFNode):
        return nir.IF(r=np.full(shape, 1.0 / dt), v_threshold=thr, v_reset=reset, metadata={"snnlab": meta})
    else:
        raise NotImplementedError(f"to_nir: {name!r}: no NIR form for {type(m).__name__}")
    r = 1.0 if m.decay_input else tau
    return nir.LIF(
        tau=np.full(shape, tau * dt), r=np.full(shape, r), v_leak=reset.copy(), v_threshold=thr, v_reset=reset,
        metadata={"snnlab": meta},
    )  # fmt: skip


def _layer_node(nir, name, m, in_shape, dt):
    if isinstance(m, nn.Linear):
        if m.bias is None:
            return nir.Linear(weight=_np(m.weight))
        return nir.Affine(weight=_np(m.weight), bias=_np(m.bias))
    if isinstance(m, (nn.Conv1d, nn.Conv2d)):
        if m.padding_mode != "zeros":
            raise NotImplementedError(f"to_nir: {name!r}: padding_mode must be 'zeros', got {m.padding_mode!r}")
        bias = _np(m.bias) if m.bias is not None else np.zeros(m.out_channels, dtype=_np(m.weight).dtype)
        if isinstance(m, nn.Conv1d):
            return nir.Conv1d(
                input_shape=int(in_shape[-1]), weight=_np(m.weight), stride=m.stride[0],
                padding=m.padding if isinstance(m.padding, str) else m.padding[0], dilation=m.dilation[0],
                groups=m.groups, bias=bias,
            )  # fmt: skip
        return nir.Conv2d(
            input_shape=tuple(int(s) for s in in_shape[-2:]), weight=_np(m.weight), stride=m.stride,
            padding=m.padding, dilation=m.dilation, groups=m.groups, bias=bias,
        )  # fmt: skip
    if isinstance(m, nn.Flatten):
        start = m.start_dim - 1 if m.start_dim > 0 else m.start_dim
        end = m.end_dim - 1 if m.end_dim > 0 else m.end_dim
        if start < 0 and m.start_dim > 0:
            raise NotImplementedError(f"to_nir: {name!r}: a Flatten over the batch dimension has no NIR form")
        return nir.Flatten(input_type={"input": np.array(in_shape)}, start_dim=start, end_dim=end)
    if isinstance(m, nn.AvgPool2d):
        if not m.count_include_pad or m.ceil_mode or m.divisor_override is not None:
            raise NotImplementedError(f"to_nir: {name!r}: only the default AvgPool2d options have a NIR form")
        k = np.broadcast_to(np.asarray(m.kernel_size), (2,)).copy()
        s = np.broadcast_to(np.asarray(m.stride if m.stride is not None else m.kernel_size), (2,)).copy()
        p = np.broadcast_to(np.asarray(m.padding), (2,)).copy()
        return nir.AvgPool2d(kernel_size=k, stride=s, padding=p)
    if isinstance(m, SumPool2d):
        return nir.SumPool2d(
            kernel_size=np.array(m.kernel_size), stride=np.array(m.stride), padding=np.array(m.padding)
        )
    if isinstance(m, Scale):
        return nir.Scale(scale=_full(in_shape, m.scale))
    if isinstance(m, Threshold):
        return nir.Threshold(threshold=_full(in_shape, m.threshold))
    if isinstance(m, Delay):
        return nir.Delay(delay=_full(in_shape, m.delay.double() * dt))
    raise NotImplementedError(
        f"to_nir: {name!r} is a {type(m).__name__}, which has no NIR form here; supported: Linear, Conv1d, "
        "Conv2d, Flatten, AvgPool2d, SumPool2d, Scale, Threshold, Delay, IFNode, LIFNode, ParametricLIFNode, "
        "CubaLIFNode"
    )


def _shape_after(m: nn.Module, shape: tuple) -> tuple:
    if isinstance(m, (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Flatten, nn.AvgPool2d, SumPool2d)):
        from .nir_network import _torch_forward

        dtype = next(iter(m.parameters()), torch.zeros(())).dtype
        with torch.no_grad():
            return tuple(_torch_forward(m, torch.zeros((1,) + shape, dtype=dtype)).shape[1:])
    return shape


def _is_neuron(m) -> bool:
    return isinstance(m, neuron.BaseNode)


def _graph_nodes(
    nir: Any, net: NIRNetwork, shape: tuple[int, ...], dt: float, allow_lossy: bool
) -> tuple[dict[str, "NIRNode"], list[tuple[str, str]]]:
    """Nodes and edges of a network built by ``from_nir`` (any wiring, recurrence included)."""
    nodes: dict[str, NIRNode] = {n: nir.Input(input_type={"input": np.array(shape)}) for n in net.input_names}
    shapes = dict.fromkeys(net.input_names, shape)
    for name in net._order:
        if name in shapes:
            continue
        preds = [s for s, d in net.edges if d == name and (s, d) not in net._back]
        in_shape = shapes[preds[0]] if preds else shape
        if name in net.output_names:
            nodes[name] = nir.Output(output_type={"output": np.array(in_shape)})
            shapes[name] = in_shape
            continue
        m = net.get_submodule(name)  # module names have no dots: a plain lookup
        nodes[name] = (
            _neuron_node(nir, name, m, in_shape, dt, allow_lossy)
            if _is_neuron(m)
            else (_layer_node(nir, name, m, in_shape, dt))
        )
        shapes[name] = _shape_after(m, in_shape)
    return nodes, list(net.edges)


def to_nir(net: nn.Module, sample_input: torch.Tensor, dt: float = 1e-4, *, allow_lossy: bool = False) -> "NIRGraph":
    """Write ``net`` as a ``nir.NIRGraph`` for time step ``dt`` (seconds).

    ``sample_input`` is one time step ``[N, *]``: its per-sample shape ``*`` fixes the shapes of
    the per-neuron arrays. ``allow_lossy=True`` lets soft-reset neurons through as hard resets.

    Example:
        >>> import torch
        >>> from snnlab import neuron
        >>> to_nir(torch.nn.Sequential(neuron.IFNode(v_reset=None)), torch.zeros(1, 2))
        Traceback (most recent call last):
        ...
        ValueError: to_nir: '0' (IFNode) uses a soft reset (v_reset=None), which NIR cannot express; ...
    """
    from .nir_import import _nir

    nir = _nir()
    nodes: dict[str, NIRNode]
    edges: list[tuple[str, str]]
    if not isinstance(net, nn.Module):
        raise TypeError(f"to_nir: net must be a torch.nn.Module, got {describe(net)}")
    check_tensor("to_nir", "sample_input", sample_input, min_dim=1)
    dt = check_real("to_nir", "dt", dt, greater_than=0.0)
    check_bool("to_nir", "allow_lossy", allow_lossy)
    shape = tuple(int(s) for s in sample_input.shape[1:])
    if isinstance(net, NIRNetwork):
        nodes, edges = _graph_nodes(nir, net, shape, dt, allow_lossy)
    else:
        nodes = {"input": nir.Input(input_type={"input": np.array(shape)})}
        edges, prev, cur = [], "input", shape
        for name, m in _leaves(net, ""):
            if isinstance(m, _SKIPPED):
                continue
            key = name.replace(".", "_")
            nodes[key] = (
                _neuron_node(nir, name, m, cur, dt, allow_lossy)
                if _is_neuron(m)
                else (_layer_node(nir, name, m, cur, dt))
            )
            edges.append((prev, key))
            prev, cur = key, _shape_after(m, cur)
        nodes["output"] = nir.Output(output_type={"output": np.array(cur)})
        edges.append((prev, "output"))
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata={"dt": dt, "exporter": "snnlab"})


def write_nir(path: str | os.PathLike, graph: "NIRGraph") -> None:
    """Write ``graph`` to ``path`` atomically: a temporary file in the same folder, then ``os.replace``.

    A write that fails leaves no file (and an existing file at ``path`` untouched).

    Example:
        >>> import nir, numpy as np, os, tempfile
        >>> p = os.path.join(tempfile.mkdtemp(), 'net.nir')
        >>> write_nir(p, nir.NIRGraph.from_list(nir.Scale(np.ones(2))))
        >>> os.path.isfile(p)
        True
    """
    from .nir_import import _nir

    nir = _nir()
    if not isinstance(graph, nir.NIRGraph):
        raise TypeError(f"write_nir: graph must be a nir.NIRGraph, got {describe(graph)}")
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".nir-", suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        nir.write(tmp, graph)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
