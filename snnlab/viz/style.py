"""Colours and colormap names of every figure: one home, so both forms draw the same colours.

Both ``viz.mpl`` and ``viz.plotly`` take their default colours from here (as ``'#rrggbb'``
strings, which both libraries read), and the same keyword names (``color``, ``colormap``) in both
forms. Roles, not hues: the input of a figure is ``INPUT``, a derived output ``OUTPUT``, a
reference level or a mark the eye should find (threshold, spike mark, never-fired cross, layer
separator, the delay arrow) ``MARK``.

Shape:
    not applicable (constants).

Example:
    >>> SPIKE, MARK, COLORMAP
    ('#000000', '#d62728', 'viridis')
"""

__all__ = [
    "COLORMAP",
    "GRADIENT",
    "GRID",
    "HEAVISIDE",
    "INPUT",
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
