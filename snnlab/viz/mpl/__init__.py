"""matplotlib figures of snnlab: each takes an ``ax``, returns its artist and has an ``update_*`` twin.

Importing this module imports matplotlib (not pyplot: pass any Axes, e.g. from
``matplotlib.figure.Figure().subplots()`` or ``plt.subplots()``). Each ``update_*`` function takes
what the figure function (or a previous update) returned and returns the artist to keep: the same
one when the new data fit it, a new one when the figure had to be drawn again.

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

from .curves import firing_rate_histogram, training_curves, update_firing_rate_histogram, update_training_curves
from .delay import delay_effect, update_delay_effect
from .first_spike import first_spike_map, update_first_spike_map
from .membrane import membrane_trace, update_membrane_trace
from .raster import raster, update_raster
from .similarity import similarity_matrix, update_similarity_matrix
from .surrogate import surrogate, update_surrogate
from .surrogate_gallery import surrogate_gallery
from .weights import update_weight_matrix, weight_matrix

__all__ = [
    "delay_effect",
    "firing_rate_histogram",
    "first_spike_map",
    "membrane_trace",
    "raster",
    "similarity_matrix",
    "surrogate",
    "surrogate_gallery",
    "training_curves",
    "update_delay_effect",
    "update_firing_rate_histogram",
    "update_first_spike_map",
    "update_membrane_trace",
    "update_raster",
    "update_similarity_matrix",
    "update_surrogate",
    "update_training_curves",
    "update_weight_matrix",
    "weight_matrix",
]
