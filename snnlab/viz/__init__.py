"""Figures of snnlab: drawing only (tensors in, matplotlib artists or plotly figures out).

``snnlab.viz.mpl`` (imports matplotlib) and ``snnlab.viz.plotly`` (imports plotly) hold the same
figure names: ``raster``, ``first_spike_map``, ``similarity_matrix``, ``delay_effect``,
``membrane_trace``, ``training_curves``, ``firing_rate_histogram``, ``isi_histogram``, ``surrogate``,
``surrogate_gallery`` and ``weight_matrix``. Importing ``snnlab.viz`` itself loads neither library;
each submodule is imported on first attribute access. ``snnlab.viz.style`` holds the colours of
both forms, ``snnlab.viz.ticks`` the tick rule.

Shape:
    see each figure; spike rasters are ``[T, N]`` (time x neuron).

Example:
    >>> import sys, snnlab.viz
    >>> 'plotly' in snnlab.viz.__all__
    True
"""

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from . import mpl, plotly, style, ticks

__all__ = ["mpl", "plotly", "style", "ticks"]


def __getattr__(name: str) -> object:
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
