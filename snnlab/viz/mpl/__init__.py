"""matplotlib figures of snnlab: each takes an ``ax`` first and returns its artists; calling it again updates them.

Importing this module imports matplotlib (not pyplot: pass any Axes, e.g. from
``matplotlib.figure.Figure().subplots()`` or ``plt.subplots()``). The lifecycle is the plotly
form's: the first call on an ``ax`` builds the figure, a later call of the same figure on the
same ``ax`` updates its artists in place (no new artists, limits, titles and ticks refreshed) and
returns them, as ``viz.plotly`` refills the figure given as ``fig=``. Artists are made again only
when the new data no longer fit them (another shape, marker raster turned image, empty input).

Shape:
    see each figure; spike rasters are ``[T, N]`` (time x neuron).

Example:
    >>> import torch
    >>> from matplotlib.figure import Figure
    >>> from snnlab.viz import mpl
    >>> ax = Figure().subplots()
    >>> art = mpl.raster(ax, torch.zeros(10, 4))
    >>> type(art).__name__, mpl.raster(ax, torch.eye(10, 4)) is art  # the same artist, new data
    ('PathCollection', True)
"""

from .curves import firing_rate_histogram, training_curves
from .delay import delay_effect
from .first_spike import first_spike_map
from .isi import isi_histogram
from .membrane import membrane_trace
from .raster import raster
from .similarity import similarity_matrix
from .surrogate import surrogate
from .surrogate_gallery import surrogate_gallery
from .weights import weight_matrix

__all__ = [
    "delay_effect",
    "firing_rate_histogram",
    "first_spike_map",
    "isi_histogram",
    "membrane_trace",
    "raster",
    "similarity_matrix",
    "surrogate",
    "surrogate_gallery",
    "training_curves",
    "weight_matrix",
]
