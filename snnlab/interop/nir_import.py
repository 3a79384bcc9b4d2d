"""NIR -> snnlab: ``from_nir`` builds an ordinary snnlab network from a NIR graph or file.

NIR neurons are continuous-time equations without a time step. With step ``dt``, Euler gives
``v <- v + (dt/tau)(v_leak - v) + (r dt/tau) I`` for LIF and ``v <- v + r dt I`` for IF; snnlab's
LIFNode leaks toward ``v_reset`` with ``tau_steps = tau / dt`` and an input gain of ``1/tau_steps``
(``decay_input=True``) or 1 (``False``). The importer picks the ``decay_input`` whose gain matches;
a gain neither can hold is folded into the preceding weights (or a ``Scale`` node), with a warning.

dt comes from, in order: the ``dt`` argument, the graph's ``metadata['dt']`` (snnlab writes it), the
exporter's convention recognised from the parameters (logged), else an error listing the candidates.
Nodes written by snnlab carry their exact settings in ``metadata['snnlab']``; they are restored as
written (surrogate, detach_reset, learnable tau, soft reset), so snnlab -> NIR -> snnlab is exact.

Shape:
    the network takes ``[N, *]`` ('s') or ``[T, N, *]`` ('m'), ``*`` the NIR input type.

Example:
    >>> import numpy as np, nir, torch
    >>> g = nir.NIRGraph.from_list(nir.Affine(np.eye(2, dtype=np.float32), np.zeros(2, np.float32)),
    ...     nir.IF(r=np.ones(2), v_threshold=np.ones(2), v_reset=np.zeros(2)))
    >>> net = from_nir(g, dt=1.0)
    >>> net(torch.tensor([[0.6, 1.2]])).tolist()
    [[0.0, 1.0]]
"""

import logging
import math
import os
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
import torch.nn as nn

from .. import layer, neuron, surrogate
from ..checks import check_real, describe
from .nir_modules import Delay, Scale, SumPool2d, Threshold
from .nir_network import NIRNetwork

if TYPE_CHECKING:  # nir is an optional dependency, imported when first used
    from nir import NIRGraph

__all__ = ["KNOWN_DT_CONVENTIONS", "from_nir", "infer_dt", "read_nir"]

logger = logging.getLogger("snnlab.interop")

# dt of the exporters whose files carry no dt (INTEROP measurements); listed in the error message
KNOWN_DT_CONVENTIONS = {
    "snnTorch 1.0 (r = tau/dt)": 1e-4,
    "SpikingJelly 2.0 default": 1e-4,
    "Norse 1.1": 1e-3,
    "Sinabs (tau in steps)": 1.0,
}
_SPIKING = ("LIF", "IF", "CubaLIF")


def _nir():
    try:
        import nir
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("snnlab.interop needs the 'nir' package: pip install 'snnlab[nir]'") from err
    return nir


def read_nir(path: str | os.PathLike) -> "NIRGraph":
    """Read a NIR file (HDF5) into a ``nir.NIRGraph``.

    Example:
        >>> import nir, numpy as np, tempfile, os
        >>> from snnlab.interop import write_nir
        >>> p = os.path.join(tempfile.mkdtemp(), 'g.nir')
        >>> write_nir(p, nir.NIRGraph.from_list(nir.Scale(np.ones(2))))
        >>> sorted(read_nir(p).nodes)
        ['input', 'output', 'scale']
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f"read_nir: path must name an existing NIR file, got {os.fspath(path)!r}")
    return _nir().read(os.fspath(path))


def _arr(value) -> np.ndarray:
    return np.asarray(value, dtype=np.float64) if not isinstance(value, np.ndarray) else value.astype(np.float64)


def _uniform(node_name: str, field: str, value) -> float:
    a = _arr(value)
    if a.size == 0:
        raise ValueError(f"from_nir: node {node_name!r}: {field} is empty")
    first = float(a.flat[0])
    if not np.allclose(a, first, rtol=1e-6, atol=0.0):
        raise ValueError(
            f"from_nir: node {node_name!r}: {field} must be the same for every neuron (snnlab neurons hold one "
            f"value), got values from {a.min()} to {a.max()}"
        )
    return first


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=0.0)


def infer_dt(graph: "NIRGraph") -> tuple[float, str]:
    """``(dt, how)``: the time step a graph was written for, from its metadata or its exporter's convention.

    Raises ``ValueError`` listing the candidates when nothing tells.

    Example:
        >>> import nir, numpy as np
        >>> g = nir.NIRGraph.from_list(nir.LIF(tau=np.full(2, 5e-4), r=np.full(2, 5.0), v_leak=np.zeros(2),
        ...                                    v_threshold=np.ones(2), v_reset=np.zeros(2)))
        >>> infer_dt(g)
        (0.0001, 'tau / r of the leaky neurons (snnTorch 1.0 and SpikingJelly 2.0 decay_input=False write r = tau/dt)')
    """
    if "dt" in graph.metadata:
        return float(graph.metadata["dt"]), "the graph's metadata"
    leaky, integrators = [], []
    for name, node in _walk(graph):
        kind = type(node).__name__
        if kind == "LIF" and not np.allclose(_arr(node.r), 1.0):
            leaky.append((name, _arr(node.tau) / _arr(node.r)))
        elif kind == "CubaLIF" and not np.allclose(_arr(node.r), 1.0):
            leaky.append((name, _arr(node.tau_mem) / _arr(node.r)))
        elif kind == "IF" and not np.allclose(_arr(node.r), 1.0):
            integrators.append((name, 1.0 / _arr(node.r)))
    for found, how in (
        (leaky, "tau / r of the leaky neurons (snnTorch 1.0 and SpikingJelly 2.0 decay_input=False write r = tau/dt)"),
        (integrators, "1 / r of the IF neurons (SpikingJelly 2.0 writes r = 1/dt)"),
    ):
        if found:
            values = np.concatenate([v.ravel() for _, v in found])
            dt = float(np.median(values))
            if not np.allclose(values, dt, rtol=1e-5):
                raise ValueError(
                    f"from_nir: the neurons disagree on dt ({how}): values from {values.min()} to {values.max()}; "
                    f"pass dt=..."
                )
            return float(f"{dt:.6g}"), how  # exporters store float32: 9.9999995e-05 means 1e-4
    candidates = ", ".join(f"{k}: dt={v:g}" for k, v in KNOWN_DT_CONVENTIONS.items())
    raise ValueError(
        "from_nir: the graph does not say its time step (no metadata['dt'], and r = 1 fits every exporter's "
        f"convention); pass dt=... Candidates: {candidates}"
    )


def _walk(graph, prefix=""):
    for name, node in graph.nodes.items():
        if type(node).__name__ == "NIRGraph":
            yield from _walk(node, prefix + name + "_")
        else:
            yield prefix + name, node


def _flatten_graph(graph):
    """Inline nested subgraphs: ``(nodes, edges, inputs, outputs)`` with names joined by '_'."""
    nodes, edges, inputs, outputs = {}, [], [], []

    def ends(sub, prefix, kind):
        return [prefix + n for n, v in sub.nodes.items() if type(v).__name__ == kind]

    def add(sub, prefix):
        for name, node in sub.nodes.items():
            if type(node).__name__ == "NIRGraph":
                add(node, prefix + name + "_")
            else:
                nodes[prefix + name] = node
        for src, dst in sub.edges:
            s, d = sub.nodes.get(src), sub.nodes.get(dst)
            srcs = ends(s, prefix + src + "_", "Output") if type(s).__name__ == "NIRGraph" else [prefix + src]
            dsts = ends(d, prefix + dst + "_", "Input") if type(d).__name__ == "NIRGraph" else [prefix + dst]
            edges.extend((a, b) for a in srcs for b in dsts)

    add(graph, "")
    for name, node in graph.nodes.items():
        if type(node).__name__ == "Input":
            inputs.append(name)
        elif type(node).__name__ == "Output":
            outputs.append(name)
    return nodes, edges, inputs, outputs


def _safe(name: str) -> str:
    out = "".join(c if c.isalnum() or c == "_" else "_" for c in str(name))
    return out or "_"


def _tensor(value, dtype=torch.float32) -> torch.Tensor:
    if isinstance(value, torch.Tensor):  # some exporters store tensors
        return value.detach().clone().to(dtype)
    return torch.from_numpy(np.array(value)).to(dtype)


def _threshold(name, node):
    a = _arr(node.v_threshold)
    if np.allclose(a, a.flat[0], rtol=0, atol=0):
        return float(a.flat[0])
    return torch.from_numpy(a.astype(np.float32))


def _v_reset(name, node):
    if getattr(node, "v_reset", None) is None:
        return 0.0
    return _uniform(name, "v_reset", node.v_reset)


def _surrogate(meta):
    kind = meta.get("surrogate")
    if kind is None:
        return surrogate.Sigmoid()
    cls = getattr(surrogate, str(kind), None)
    if cls is None:
        warnings.warn(f"from_nir: unknown surrogate {kind!r} in the metadata; using Sigmoid()", stacklevel=3)
        return surrogate.Sigmoid()
    return cls(alpha=float(meta["surrogate_alpha"]))


def _common(meta: dict, node: Any, name: str) -> dict[str, Any]:
    soft = bool(meta.get("soft_reset", False))
    return dict(
        v_threshold=_threshold(name, node),
        v_reset=None if soft else _v_reset(name, node),
        surrogate_function=_surrogate(meta),
        detach_reset=bool(meta.get("detach_reset", False)),
    )


def _map_lif(name, node, dt):
    """``(module, input gain to fold)`` for a NIR LIF."""
    meta = dict(node.metadata.get("snnlab", {}))
    tau_steps = _uniform(name, "tau", node.tau) / dt
    v_leak = _uniform(name, "v_leak", node.v_leak)
    common = _common(meta, node, name)
    target = 0.0 if common["v_reset"] is None else common["v_reset"]
    if not _close(v_leak, target) and not (v_leak == target):
        raise ValueError(
            f"from_nir: node {name!r}: v_leak must equal v_reset (snnlab leaks toward the reset value), "
            f"got v_leak={v_leak}, v_reset={target}"
        )
    if "tau_steps" in meta and _close(float(meta["tau_steps"]), tau_steps):
        tau_steps = float(meta["tau_steps"])
    if not tau_steps > 1.0:
        raise ValueError(
            f"from_nir: node {name!r}: tau / dt must be > 1 (snnlab's LIF), got tau={_uniform(name, 'tau', node.tau)}"
            f" with dt={dt}: is dt right?"
        )
    r = _arr(node.r)
    gain = r / tau_steps  # r dt / tau
    if "decay_input" in meta:
        decay_input = bool(meta["decay_input"])
    elif np.allclose(r, 1.0, rtol=1e-6):
        decay_input = True
    else:
        decay_input = False
    fold = gain * tau_steps if decay_input else gain
    if meta.get("learnable_tau"):
        module = neuron.ParametricLIFNode(init_tau=tau_steps, decay_input=decay_input, **common)
        if "plif_w" in meta:
            with torch.no_grad():
                module.w.fill_(float(meta["plif_w"]))
    else:
        module = neuron.LIFNode(tau=tau_steps, decay_input=decay_input, **common)
    return module, fold


def _map_if(name, node, dt):
    meta = dict(node.metadata.get("snnlab", {}))
    module = neuron.IFNode(**_common(meta, node, name))
    return module, _arr(node.r) * dt


def _map_cubalif(name, node, dt):
    cls = neuron.CubaLIFNode
    meta = dict(node.metadata.get("snnlab", {}))
    tau_syn = _uniform(name, "tau_syn", node.tau_syn) / dt
    tau_mem = _uniform(name, "tau_mem", node.tau_mem) / dt
    if "tau_syn_steps" in meta and _close(float(meta["tau_syn_steps"]), tau_syn):
        tau_syn = float(meta["tau_syn_steps"])
    if "tau_mem_steps" in meta and _close(float(meta["tau_mem_steps"]), tau_mem):
        tau_mem = float(meta["tau_mem_steps"])
    common = _common(meta, node, name)
    target = 0.0 if common["v_reset"] is None else common["v_reset"]
    v_leak = _uniform(name, "v_leak", node.v_leak)
    if not _close(v_leak, target) and v_leak != target:
        raise ValueError(f"from_nir: node {name!r}: v_leak must equal v_reset, got {v_leak} and {target}")
    # total input-to-membrane gain of the NIR node relative to decay_input=True: r * w_in
    total = _arr(node.r) * _arr(node.w_in)
    if "decay_input" in meta:
        decay_input = bool(meta["decay_input"])
    else:
        decay_input = bool(np.allclose(total, 1.0, rtol=1e-6)) or not np.allclose(total, tau_syn * tau_mem, rtol=1e-6)
    fold = total if decay_input else total / (tau_syn * tau_mem)
    module = cls(tau_syn=tau_syn, tau_mem=tau_mem, decay_input=decay_input, **common)
    return module, fold


def _pair(v: object) -> tuple[int, ...]:
    a = np.asarray(v).astype(int).ravel()
    return (int(a[0]), int(a[0])) if a.size == 1 else tuple(int(x) for x in a)


def _map_layer(name, node, dt):
    kind = type(node).__name__
    if kind in ("Affine", "Linear"):
        w = _tensor(node.weight)
        m = layer.Linear(w.shape[1], w.shape[0], bias=kind == "Affine")
        with torch.no_grad():
            m.weight.copy_(w)
            if kind == "Affine":
                m.bias.copy_(_tensor(node.bias))
        return m
    if kind in ("Conv1d", "Conv2d"):
        w = _tensor(node.weight)
        cls = layer.Conv1d if kind == "Conv1d" else layer.Conv2d
        pad = (
            node.padding
            if isinstance(node.padding, str)
            else (int(np.asarray(node.padding).ravel()[0]) if kind == "Conv1d" else _pair(node.padding))
        )
        conv = (lambda v: int(np.asarray(v).ravel()[0])) if kind == "Conv1d" else _pair
        bias = node.bias is not None and np.asarray(node.bias).size > 0
        m = cls(
            w.shape[1] * int(node.groups), w.shape[0], tuple(w.shape[2:]), stride=conv(node.stride), padding=pad,
            dilation=conv(node.dilation), groups=int(node.groups), bias=bool(bias),
        )  # fmt: skip
        with torch.no_grad():
            m.weight.copy_(w)
            if bias:
                b = _tensor(node.bias)
                m.bias.copy_(b if b.numel() == w.shape[0] else torch.zeros(w.shape[0]) + b)
        return m
    if kind == "Flatten":
        start = int(node.start_dim)
        end = int(node.end_dim)
        return layer.Flatten(start + 1 if start >= 0 else start, end + 1 if end >= 0 else end)
    if kind == "AvgPool2d":
        return layer.AvgPool2d(_pair(node.kernel_size), _pair(node.stride), _pair(node.padding))
    if kind == "SumPool2d":
        return SumPool2d(_pair(node.kernel_size), _pair(node.stride), _pair(node.padding))
    if kind == "Scale":
        return Scale(_tensor(node.scale))
    if kind == "Threshold":
        return Threshold(_tensor(node.threshold))
    if kind == "Delay":
        steps = _arr(node.delay) / dt
        rounded = np.rint(steps)
        if not np.allclose(steps, rounded, atol=1e-6):
            raise ValueError(
                f"from_nir: node {name!r}: delay / dt must be whole steps, got {steps.ravel()[:4].tolist()} (dt={dt})"
            )
        return Delay(torch.from_numpy(rounded.astype(np.int64)))
    supported = "Input, Output, Affine, Linear, Conv1d, Conv2d, Flatten, AvgPool2d, SumPool2d, Scale, Threshold, "
    raise NotImplementedError(
        f"from_nir: node {name!r} has type {kind}, which snnlab does not import; supported: {supported}"
        "Delay, IF, LIF, CubaLIF"
    )


def _fold_gain(name, gain, nodes, modules, edges, out_edges):
    """Fold a neuron's input ``gain`` into the one weight layer before it, else insert a Scale node."""
    preds = [s for s, d in edges if d == name]
    g = torch.from_numpy(np.asarray(gain, dtype=np.float64))
    if len(preds) == 1 and preds[0] in modules and len(out_edges.get(preds[0], [])) == 1:
        prev = modules[preds[0]]
        if isinstance(prev, (nn.Linear, nn.Conv1d, nn.Conv2d)):
            n_out = prev.weight.shape[0]
            flat = g.reshape(-1)
            per_out = None
            if flat.numel() == 1 or bool((flat == flat[0]).all()):
                per_out = flat[:1].expand(n_out)
            elif isinstance(prev, nn.Linear) and flat.numel() == n_out:
                per_out = flat
            elif (
                g.dim() >= 2
                and g.shape[0] == n_out
                and bool((g.reshape(n_out, -1) == g.reshape(n_out, -1)[:, :1]).all())
            ):
                per_out = g.reshape(n_out, -1)[:, 0]
            if per_out is not None:
                with torch.no_grad():
                    shape = (n_out,) + (1,) * (prev.weight.dim() - 1)
                    prev.weight.mul_(per_out.reshape(shape).to(prev.weight.dtype))
                    if prev.bias is not None:
                        prev.bias.mul_(per_out.to(prev.bias.dtype))
                warnings.warn(
                    f"from_nir: node {name!r} has an input gain snnlab's neuron cannot hold "
                    f"({_describe_gain(g)}); folded into the weights of {preds[0]!r}",
                    stacklevel=3,
                )
                return
    scale_name = _safe(name) + "_input_gain"
    modules[scale_name] = Scale(g.to(torch.float32))
    for i, (s, d) in enumerate(edges):
        if d == name:
            edges[i] = (s, scale_name)
    edges.append((scale_name, name))
    warnings.warn(
        f"from_nir: node {name!r} has an input gain snnlab's neuron cannot hold ({_describe_gain(g)}); "
        f"inserted a Scale node {scale_name!r} before it",
        stacklevel=3,
    )


def _describe_gain(g: torch.Tensor) -> str:
    return (
        f"{float(g.min()):.6g}" if float(g.min()) == float(g.max()) else f"{float(g.min()):.6g}..{float(g.max()):.6g}"
    )


def from_nir(
    graph_or_path: "NIRGraph | str | os.PathLike", dt: float | None = None, step_mode: str = "s"
) -> NIRNetwork:
    """Build an snnlab network from a ``nir.NIRGraph`` or a NIR file path.

    ``dt`` (seconds) converts NIR's continuous time constants to steps; ``None`` reads it from the
    graph's metadata, else recognises the exporter's convention (logged on ``snnlab.interop``), else
    raises listing the candidates. Returns an :class:`NIRNetwork` whose submodules are named after the
    NIR nodes (characters other than letters, digits and '_' become '_'; ``net._modules['0']`` for
    digit names).

    Example:
        >>> import numpy as np, nir, torch
        >>> g = nir.NIRGraph.from_list(nir.LIF(tau=np.full(1, 2e-4), r=np.ones(1), v_leak=np.zeros(1),
        ...                                    v_threshold=np.ones(1), v_reset=np.zeros(1)))
        >>> net = from_nir(g, dt=1e-4, step_mode='m')
        >>> net.lif.tau, net.lif.decay_input
        (2.0, True)
        >>> net(torch.full((4, 1, 1), 1.5)).flatten().tolist()
        [0.0, 1.0, 0.0, 1.0]
    """
    nir = _nir()
    if isinstance(graph_or_path, (str, os.PathLike)):
        graph = read_nir(graph_or_path)
    elif isinstance(graph_or_path, nir.NIRGraph):
        graph = graph_or_path
    else:
        raise TypeError(f"from_nir: graph_or_path must be a nir.NIRGraph or a file path, got {describe(graph_or_path)}")
    if dt is None:
        dt, how = infer_dt(graph)
        logger.info("from_nir: dt = %g, from %s", dt, how)
    else:
        dt = check_real("from_nir", "dt", dt, greater_than=0.0)
    nodes, edges, inputs, outputs = _flatten_graph(graph)
    rename = {n: _safe(n) for n in nodes}
    if len(set(rename.values())) != len(rename):
        raise ValueError(f"from_nir: node names collide after making them attribute names: {sorted(rename)}")
    modules: dict[str, nn.Module] = {}
    gains = {}
    for name, node in nodes.items():
        kind = type(node).__name__
        if kind in ("Input", "Output"):
            continue
        if kind in _SPIKING:
            mapper = {"LIF": _map_lif, "IF": _map_if, "CubaLIF": _map_cubalif}[kind]
            module, gain = mapper(name, node, dt)
            if not np.allclose(np.asarray(gain, dtype=np.float64), 1.0, rtol=1e-6, atol=0.0):
                gains[rename[name]] = gain
            modules[rename[name]] = module
        else:
            modules[rename[name]] = _map_layer(name, node, dt)
    ends = {n: _safe(n) for n in set(inputs) | set(outputs)}
    rename.update(ends)
    edges = [(rename.get(s, _safe(s)), rename.get(d, _safe(d))) for s, d in edges]
    out_edges: dict[str, list] = {}
    for s, d in edges:
        out_edges.setdefault(s, []).append(d)
    for name, gain in gains.items():
        _fold_gain(name, gain, nodes, modules, edges, out_edges)
    net = NIRNetwork(modules, edges, [ends[n] for n in inputs], [ends[n] for n in outputs])
    net.dt = dt
    if step_mode != "s":
        from ..functional import set_step_mode

        set_step_mode(net, step_mode)
    return net
