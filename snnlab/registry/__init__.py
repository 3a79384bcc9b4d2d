"""Typed registries of the kinds snnlab knows: one table per family, read by every module.

Example:
    >>> from snnlab import registry
    >>> 'sigmoid' in registry.surrogates.SURROGATE_KINDS, 'lif' in registry.neurons.NEURON_KINDS
    (True, True)
"""

from . import neurons, surrogates

__all__ = ["neurons", "surrogates"]
