"""Colours and colormap names of every figure, and the plotly figures' margins: one home for the look.

Both ``viz.mpl`` and ``viz.plotly`` take their default colours from here (as ``'#rrggbb'``
strings, which both libraries read), and the same keyword names (``color``, ``colormap``) in both
forms. Roles, not hues: the input of a figure is ``INPUT``, a derived output ``OUTPUT``, a
reference level or a mark the eye should find (threshold, spike mark, never-fired cross, layer
separator, the delay arrow) ``MARK``.

The margins (``MARGIN``, ``AXIS_ROOM``) are in pixels and hold an axis's tick labels and title, so
that plotly draws a figure once: when an axis's labels need more room than the margin gives, plotly's
first drawing measures them, widens the margin and draws the whole figure a second time.

Shape:
    not applicable (constants).

Example:
    >>> SPIKE, MARK, COLORMAP
    ('#000000', '#d62728', 'viridis')
"""

from collections.abc import Mapping
from types import MappingProxyType

__all__ = [
    "AXIS_ROOM",
    "COLORMAP",
    "GRADIENT",
    "GRID",
    "HEAVISIDE",
    "INPUT",
    "MARGIN",
    "MARK",
    "MESSAGE",
    "MUTED",
    "NEVER",
    "OUTPUT",
    "RATE",
    "SHADE",
    "SPIKE",
]

#: spikes of a raster (markers or the darkest image shade)
SPIKE = "#000000"
#: the input of a figure (delay input, membrane potential, histogram bars, a surrogate's primitive)
INPUT = "#1f77b4"
#: what a figure derives from its input (the delayed output, a surrogate's gradient)
OUTPUT = "#ff7f0e"
#: reference levels and marks: threshold, spike marks, never-fired crosses, layer separators, the delay arrow
MARK = "#d62728"
#: gradients reaching the input (the delay figure's bars)
GRADIENT = "#2ca02c"
#: firing rates in the raster's margin
RATE = "#1f77b4"
#: the reset level and other secondary lines
MUTED = "#666666"
#: Heaviside step of the surrogate figures
HEAVISIDE = "#333333"
#: neurons that never fired (first-spike map)
NEVER = "#d1d1d1"
#: shaded spans (the zero-filled head of a delayed sequence)
SHADE = "#e6e6e6"
#: zero lines and grids
GRID = "#cccccc"
#: the empty-figure message
MESSAGE = "#595959"
#: colormap of every heatmap (first-spike map, similarity, weights); any name both libraries know
COLORMAP = "viridis"
#: px beside a plot for a titled axis: tick labels of up to about five characters and a one-line title
#: (the panels' titled axes asked plotly for 53-54 px in Chromium's default fonts)
AXIS_ROOM = 60
#: the margins of a plotly figure with titled x and y axes, a one-line title and nothing on the right (px;
#: read-only: copy it, ``{**MARGIN, "t": 80}``, to change a side)
MARGIN: Mapping[str, int] = MappingProxyType({"l": AXIS_ROOM, "r": 20, "t": 40, "b": AXIS_ROOM})
