"""plotly figures of snnlab: each returns a ``go.Figure`` and refills it in place when given ``fig=``.

Importing this module imports plotly. Data travel as 1-D float32 / int32 numpy arrays (binary
buffers in a FigureWidget); big rasters are images; axis ranges are fixed so updates do not jump.
Wrap a result in ``go.FigureWidget(fig)`` for a live figure and pass that widget back as ``fig=``:
the refill happens inside ``fig.batch_update()`` (one message per update). Each trace has a role
(its ``meta``, listed in each figure's docstring): find one with :func:`trace`, never by position.
Spike marks (and the first-spike map's crosses) are one SVG path each, a layout shape named after the
role of the trace that is their legend entry: :func:`marks` finds it, :func:`mark_positions` (and
:func:`cross_positions`) read the marks back.

Shape:
    see each figure; spike rasters are ``[T, N]`` (time x neuron).

Example:
    >>> import torch
    >>> from snnlab.viz import plotly as vp
    >>> fig = vp.raster(torch.zeros(10, 4))
    >>> fig.layout.annotations[0].text
    'no spikes'
"""

from ._common import trace
from .curves import firing_rate_histogram, training_curves
from .delay import delay_effect
from .first_spike import first_spike_map
from .isi import isi_histogram
from .mark_shapes import add_marks, cross_path, cross_positions, mark_path, mark_positions, marks, set_marks
from .membrane import membrane_trace
from .raster import raster
from .similarity import similarity_matrix
from .surrogate import surrogate
from .surrogate_gallery import surrogate_gallery
from .weights import weight_matrix

__all__ = [
    "add_marks",
    "cross_path",
    "cross_positions",
    "delay_effect",
    "firing_rate_histogram",
    "first_spike_map",
    "isi_histogram",
    "mark_path",
    "mark_positions",
    "marks",
    "membrane_trace",
    "raster",
    "set_marks",
    "similarity_matrix",
    "surrogate",
    "surrogate_gallery",
    "trace",
    "training_curves",
    "weight_matrix",
]
