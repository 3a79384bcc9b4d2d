"""plotly figures of snnlab: each returns a ``go.Figure`` and refills it in place when given ``fig=``.

Importing this module imports plotly. Data travel as 1-D float32 / int32 numpy arrays (binary
buffers in a FigureWidget); big rasters are images; axis ranges are fixed so updates do not jump.
Wrap a result in ``go.FigureWidget(fig)`` for a live figure and pass that widget back as ``fig=``.

Shape:
    see each figure; spike rasters are ``[T, N]`` (time x neuron).

Example:
    >>> import torch
    >>> from snnlab.viz import plotly as vp
    >>> fig = vp.raster(torch.zeros(10, 4))
    >>> fig.layout.annotations[0].text
    'no spikes'
"""
from .membrane import membrane_trace
from .raster import raster
from .surrogate import surrogate

__all__ = ["raster", "membrane_trace", "surrogate"]
