"""Interoperability: NIR export and import (optional extra ``snnlab[nir]``; ``nir`` is imported lazily).

- ``to_nir(net, sample_input, dt)`` / ``write_nir(path, graph)``: snnlab -> NIR;
- ``from_nir(graph_or_path, dt=None)`` / ``read_nir(path)``: NIR -> an ordinary snnlab module
  (:class:`NIRNetwork`), reset by ``functional.reset_net``, in either step mode;
- ``Scale``, ``Threshold``, ``SumPool2d``, ``Delay``: the NIR nodes that have no torch layer;
- ``spiking_layers``, ``reset_state``, ``run_sequence``, ``prepare_model``: SpikingJelly, snnTorch and
  Norse networks (and NIR files) seen by snnlab's tools, recognised by duck typing.

Shape:
    networks take ``[N, *]`` ('s') or ``[T, N, *]`` ('m').

Example:
    >>> import torch
    >>> from snnlab import interop, layer, neuron
    >>> net = torch.nn.Sequential(layer.Linear(2, 2), neuron.LIFNode())
    >>> back = interop.from_nir(interop.to_nir(net, torch.zeros(1, 2)))
    >>> x = torch.rand(4, 2) * 3
    >>> torch.equal(torch.stack([net(x[t:t+1]) for t in range(4)]), torch.stack([back(x[t:t+1]) for t in range(4)]))
    True
"""

from .adapters import (
    StatefulModel,
    framework_of,
    needs_step_loop,
    prepare_model,
    reset_state,
    run_sequence,
    runs_whole_sequences,
    spiking_layers,
)
from .nir_export import to_nir, write_nir
from .nir_import import KNOWN_DT_CONVENTIONS, from_nir, infer_dt, read_nir
from .nir_modules import Delay, Scale, SumPool2d, Threshold
from .nir_network import NIRNetwork

__all__ = [
    "KNOWN_DT_CONVENTIONS",
    "Delay",
    "NIRNetwork",
    "Scale",
    "StatefulModel",
    "SumPool2d",
    "Threshold",
    "framework_of",
    "from_nir",
    "infer_dt",
    "needs_step_loop",
    "prepare_model",
    "read_nir",
    "reset_state",
    "run_sequence",
    "runs_whole_sequences",
    "spiking_layers",
    "to_nir",
    "write_nir",
]
