"""snnlab widgets: interactive ipywidgets panels over the snnlab core and its figures.

Each panel is an ``ipywidgets`` box: controls -> ``compute()`` (one core call, on CPU or CUDA) ->
``render(result)`` (one figure update). ``panel.result`` holds the last result; errors show in the
panel's status line. ``BackgroundRun`` runs long work off the kernel's main thread.

Example:
    >>> from widgets import Panel, BackgroundRun
    >>> BackgroundRun(range(3), total=3, blocking=True).start().state
    'done'
"""

# The static previews' drawing code (matplotlib, PIL), imported with the package rather than by the first
# display: importing it there took 0.7 s of the first panel's display, while the browser was already loading
# plotly's code for the panel's figures (both on a 2-core machine); here it is part of the import cell.
from . import _preview  # noqa: F401
from ._panel import Panel
from ._worker import BackgroundRun
from .canvas_raster import CanvasRaster
from .delay_explorer import DelayExplorer
from .event_canvas import EventCanvas
from .event_viewer import EventViewer
from .figure_widget import FigureWidget
from .neuron_playground import NeuronPlayground
from .raster_explorer import RasterExplorer
from .similarity_explorer import SimilarityExplorer
from .spike_debugger import SpikeDebugger
from .training_dashboard import TrainingDashboard

__all__ = [
    "BackgroundRun",
    "CanvasRaster",
    "DelayExplorer",
    "EventCanvas",
    "EventViewer",
    "FigureWidget",
    "NeuronPlayground",
    "Panel",
    "RasterExplorer",
    "SimilarityExplorer",
    "SpikeDebugger",
    "TrainingDashboard",
]
