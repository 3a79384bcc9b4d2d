"""Typed registries of the kinds snnlab knows: one table per family, read by every module.

Example:
    >>> from snnlab import registry
    >>> 'lif' in registry.neurons.NEURON_KINDS
    True
"""

from . import neurons

__all__ = ["neurons"]
