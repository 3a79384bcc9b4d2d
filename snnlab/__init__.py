"""snnlab: a SpikingJelly-compatible spiking neural network core on PyTorch.

Code written for ``spikingjelly.activation_based`` runs after changing the import::

    from snnlab import neuron, functional, surrogate, layer

The core imports torch (and numpy) only; figures live in ``snnlab.viz`` (matplotlib / plotly),
imported on demand.

Example:
    >>> import torch, snnlab
    >>> lif = snnlab.neuron.LIFNode(step_mode='m')
    >>> lif(torch.full((4, 1), 1.5)).flatten().tolist()
    [0.0, 1.0, 0.0, 1.0]
"""

from . import (
    analysis,
    backends,
    base,
    bitpack,
    checks,
    datasets,
    dynamics,
    encoding,
    errors,
    functional,
    interop,
    layer,
    monitor,
    neuron,
    probe,
    surrogate,
    training,
)

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "analysis",
    "backends",
    "base",
    "bitpack",
    "checks",
    "datasets",
    "dynamics",
    "encoding",
    "errors",
    "functional",
    "interop",
    "layer",
    "monitor",
    "neuron",
    "probe",
    "surrogate",
    "training",
]
