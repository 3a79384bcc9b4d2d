"""Typed registries of the kinds snnlab knows: one table per family, read by every module.

Example:
    >>> from snnlab import registry
    >>> 'sigmoid' in registry.surrogates.SURROGATE_KINDS
    True
"""

from . import surrogates

__all__ = ["surrogates"]
