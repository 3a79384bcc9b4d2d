"""matplotlib figures of snnlab: each takes an ``ax``, returns its artist and has an ``update_*`` twin.

Importing this module imports matplotlib (not pyplot: pass any Axes, e.g. from
``matplotlib.figure.Figure().subplots()`` or ``plt.subplots()``).

Shape:
    see each figure; spike rasters are ``[T, N]`` (time x neuron).

Example:
    >>> import torch
    >>> from matplotlib.figure import Figure
    >>> from snnlab.viz import mpl
    >>> ax = Figure().subplots()
    >>> type(mpl.raster(ax, torch.zeros(10, 4))).__name__
    'PathCollection'
"""
from .membrane import membrane_trace, update_membrane_trace
from .raster import raster, update_raster
from .surrogate import surrogate, update_surrogate

__all__ = [
    "raster", "update_raster", "membrane_trace", "update_membrane_trace", "surrogate", "update_surrogate",
]
