"""snnlab: a SpikingJelly-compatible spiking neural network core on PyTorch.

Code written for ``spikingjelly.activation_based`` runs after changing the import::

    from snnlab import neuron, functional, surrogate, layer

The core imports torch only; figures live in ``snnlab.viz`` and are imported on demand.
"""
from . import base, errors, surrogate

__version__ = "0.1.0"

__all__ = ["base", "errors", "surrogate", "__version__"]
