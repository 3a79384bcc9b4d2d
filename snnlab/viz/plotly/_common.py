"""Helpers shared by the plotly figures: figure identity, trace roles, the empty-figure message, PNG images.

Each figure function builds a fixed skeleton (traces, images, annotations) once and fills it with
data inside ``fig.batch_update()``; passing ``fig=`` (the Figure or a FigureWidget made from it)
refills the same skeleton in place, so a FigureWidget sends one message per update. The skeleton
is identified by ``fig.layout.meta == {"snnlab": kind, ...options that fix the skeleton}``.

Shape:
    not applicable (helpers).

Example:
    >>> fig = new_figure("raster", {"rate_margin": False})
    >>> fig.layout.meta
    {'snnlab': 'raster', 'rate_margin': False}
"""

import base64
import functools
import re
import struct
import zlib
from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from ...checks import describe
from .. import style

__all__ = [
    "bar_histogram",
    "check_figure",
    "f32",
    "fill_bars",
    "grid_for",
    "i32",
    "json_grid",
    "new_figure",
    "parse_color",
    "png_data_uri",
    "set_message",
    "tag_roles",
    "template",
    "trace",
]

MESSAGE_NAME = "snnlab-message"


@functools.cache
def template() -> Any:
    """plotly's "plotly_white" look with tick labels that are not measured one by one, built at the first figure.

    The margins (``style.MARGIN``) hold the axes' tick labels and titles, so every figure is laid out once.
    With automargin, plotly draws the whole figure a second time whenever the labels need more room than
    the margins give (as every titled x axis did with the old 50 px bottom margin), and the delay figure's
    drawing took twice as long even without that (benchmarks/plotly_draw.py: 92 -> 49 ms warm, 203 -> 138 ms
    for the first drawing in a page; the other figures measured the same either way). Axes whose labels are
    free text (a raster's layer names) turn it on.

    Tick labels may overflow (``ticklabeloverflow="allow"``, axes and colour bars) and stay horizontal
    (``tickangle=0``): with plotly's defaults, each label's placement measured every label of its axis
    again to hide those past the figure's edge (a quadratic number of forced layouts), and every x axis
    measured its labels once more to decide whether to rotate them. snnlab's labels are at most about a
    dozen numbers of at most five characters inside margins made for them (``tests/viz/test_readable.py``).
    Building the template takes about 150 ms, hence once and only when a figure is made.

    Example:
        >>> template().layout.xaxis.automargin, template().layout.xaxis.tickangle, template() is template()
        (False, 0, True)
    """
    made: Any = go.layout.Template(pio.templates["plotly_white"])  # plotly's types are generated at runtime
    made.layout.xaxis.automargin = False
    made.layout.yaxis.automargin = False
    for axis in (made.layout.xaxis, made.layout.yaxis, made.data.heatmap[0].colorbar):
        axis.ticklabeloverflow = "allow"
    made.layout.xaxis.tickangle = made.layout.yaxis.tickangle = 0
    return made


def f32(x):
    """A 1-D float32 numpy array (binary buffer for plotly)."""
    return np.ascontiguousarray(np.asarray(x, dtype=np.float32).ravel())


def i32(x):
    """A 1-D int32 numpy array (binary buffer for plotly)."""
    return np.ascontiguousarray(np.asarray(x, dtype=np.int32).ravel())


def json_grid(z):
    """A 2-D array as a numpy object array of Python numbers with ``None`` for NaN, for a FigureWidget.

    A FigureWidget sends heatmap grids to the browser as JSON, which has no NaN (a NaN makes the kernel
    print "Out of range float values are not JSON compliant" into the cell), while ``null`` draws as an
    empty cell. An array, not nested lists: plotly keeps a numpy array as it is and sends it with one
    ``tolist()``, while it walks nested lists number by number (20-30 ms per 10^4 cells here).

    Example:
        >>> json_grid(np.array([[1.0, np.nan]])).tolist(), json_grid(np.array([[0.5, np.nan]])).tolist()
        ([[1, None]], [[0.5, None]])
    """
    values = np.asarray(z, dtype=np.float64)
    missing = np.isnan(values)
    finite = values[~missing]
    whole = finite.size > 0 and bool(np.all(finite == np.round(finite))) and np.abs(finite).max() < 2**53
    # whole numbers (spike times, neuron indices) travel as "523", not "523.0": a fifth fewer bytes
    cells = (np.where(missing, 0, values).astype(np.int64) if whole else values).astype(object)
    cells[missing] = None
    return cells


def grid_for(fig, z):
    """Heatmap data for ``fig``: float32 numpy for a plain Figure, :func:`json_grid` for a FigureWidget."""
    return json_grid(z) if isinstance(fig, go.FigureWidget) else np.asarray(z, dtype=np.float32)


def new_figure(kind: str, options: dict, base: Any = None) -> Any:
    """A new figure (``base`` or an empty ``go.Figure``) tagged with ``kind`` and its skeleton options."""
    fig = go.Figure() if base is None else base
    fig.update_layout(
        meta={"snnlab": kind, **options},
        template=template(),
        margin=dict(style.MARGIN),
        annotations=[
            *fig.layout["annotations"],  # keep a base's subplot titles
            dict(
                name=MESSAGE_NAME,
                text="",
                visible=False,
                xref="paper",
                yref="paper",
                x=0.5,
                y=0.5,
                showarrow=False,
                font=dict(size=16, color="#666"),
                bgcolor="#f5f5f5",
                bordercolor="#bbb",
                borderpad=6,
            ),
        ],
    )
    return fig


def check_figure(owner: str, fig: Any, kind: str, options: dict) -> Any:
    """Check ``fig`` was made by ``kind`` with the same skeleton ``options``; return it."""
    if not isinstance(fig, go.Figure) and not hasattr(fig, "batch_update"):
        raise TypeError(f"{owner}: fig must be a plotly Figure or FigureWidget made by {kind}(), got {describe(fig)}")
    layout: Any = fig.layout
    meta = layout.meta
    if not isinstance(meta, dict) or meta.get("snnlab") != kind:
        raise ValueError(f"{owner}: fig must be a figure made by {kind}(), got one tagged {meta!r}")
    for key, value in options.items():
        if meta.get(key) != value:
            raise ValueError(
                f"{owner}: fig was made with {key}={meta.get(key)!r}, got {key}={value!r}; "
                f"make a new figure to change it"
            )
    return fig


def tag_roles(fig: Any) -> None:
    """Give every trace without a role its current name as its role (``trace.meta``); call once when building."""
    for t in fig.data:
        if t.meta is None:
            t.meta = t.name


def trace(fig: Any, role: str) -> Any:
    """The trace of ``fig`` with the role ``role`` (its ``meta``), as each figure's docstring lists them.

    Find traces by role, never by position: names shown in the legend may change with the data
    ("delayed by 3"), positions may change as figures grow; roles do not.

    Example:
        >>> fig = new_figure("demo", {})
        >>> _ = fig.add_scatter(name="v")
        >>> tag_roles(fig)
        >>> trace(fig, "v").name
        'v'
    """
    for t in fig.data:
        if t.meta == role:
            return t
    roles = [t.meta for t in fig.data]
    raise KeyError(f"trace: the figure has no trace with role {role!r}; its roles are {roles}")


def bar_histogram(kind: str, role: str, color: str, hover: str, xtitle: str, ytitle: str) -> Any:
    """The skeleton of a histogram drawn as precomputed bars: one bar trace (role ``role``), fixed ranges.

    Example:
        >>> fig = bar_histogram("demo", "bars", "#1f77b4", "%{y}", "value", "count")
        >>> trace(fig, "bars").type, fig.layout.bargap
        ('bar', 0)
    """
    fig = new_figure(kind, {})
    fig.add_trace(
        go.Bar(
            x=f32([]),
            y=np.zeros(0, dtype=np.int32),
            marker=dict(color=color, line=dict(width=0.5, color="white")),
            name=role,
            hovertemplate=hover,
        )
    )
    fig.update_layout(
        bargap=0,
        xaxis=dict(title=xtitle, autorange=False),
        yaxis=dict(title=ytitle, autorange=False),
    )
    tag_roles(fig)
    return fig


def fill_bars(fig: Any, role: str, counts: np.ndarray, edges: np.ndarray) -> None:
    """Put ``counts`` on the bars between ``edges`` and fit both ranges to them (inside a batch update).

    Example:
        >>> fig = bar_histogram("demo", "bars", "#1f77b4", "%{y}", "value", "count")
        >>> fill_bars(fig, "bars", np.array([2, 5]), np.array([0.0, 1.0, 2.0]))
        >>> trace(fig, "bars").x.tolist(), fig.layout.yaxis.range
        ([0.5, 1.5], (0, 5.4))
    """
    trace(fig, role).update(x=f32((edges[:-1] + edges[1:]) / 2), y=counts.astype(np.int32), width=f32(np.diff(edges)))
    fig.layout.xaxis.range = [float(edges[0]), float(edges[-1])]
    fig.layout.yaxis.range = [0, max(int(counts.max(initial=0)), 1) * 1.08]


def set_message(fig, text):
    """Show ``text`` centred on the figure (the empty-figure message), or hide it when None."""
    for ann in fig.layout.annotations:
        if ann.name == MESSAGE_NAME:
            ann.update(text=text or "", visible=text is not None)


_HEX = re.compile(r"^#([0-9a-fA-F]{6})$")
_RGB = re.compile(r"^rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*(,\s*[\d.]+\s*)?\)$")
_NAMED = {
    "black": (0, 0, 0),
    "white": (255, 255, 255),
    "red": (214, 39, 40),
    "blue": (31, 119, 180),
    "green": (44, 160, 44),
    "orange": (255, 127, 14),
    "gray": (128, 128, 128),
    "grey": (128, 128, 128),
}


def parse_color(owner, name, color):
    """``'#rrggbb'``, ``'rgb(r, g, b)'`` or a basic name (black, white, red, ...) -> ``(r, g, b)`` ints."""
    if isinstance(color, str):
        m = _HEX.match(color)
        if m:
            return tuple(int(m.group(1)[i : i + 2], 16) for i in (0, 2, 4))
        m = _RGB.match(color)
        if m:
            return tuple(min(int(m.group(i)), 255) for i in (1, 2, 3))
        if color.lower() in _NAMED:
            return _NAMED[color.lower()]
    raise ValueError(
        f"{owner}: {name} must be '#rrggbb', 'rgb(r, g, b)' or one of {sorted(_NAMED)}, got {describe(color)}"
    )


def _chunk(tag, data):
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)


def png_data_uri(values, color, binary):
    """A ``data:image/png;base64`` URI of ``values`` ``[rows, cols]`` in [0, 1] (row 0 = top), white -> ``color``.

    ``binary=True`` writes a 1-bit palette PNG (0/1 values), else an 8-bit palette PNG with 256 shades.

    Shape:
        ``values``: ``[rows, cols]``.

    Example:
        >>> png_data_uri(np.eye(2), (0, 0, 0), True)[:22]
        'data:image/png;base64,'
    """
    rows, cols = values.shape
    if binary:
        packed = np.packbits(values != 0, axis=1)
        depth, palette = 1, [(255, 255, 255), color]
    else:
        packed = np.rint(np.clip(values, 0.0, 1.0) * 255.0).astype(np.uint8)
        shade = np.linspace(0.0, 1.0, 256)[:, None]
        depth = 8
        palette = np.rint(255.0 * (1.0 - shade) + shade * np.asarray(color, dtype=np.float64)[None, :])
        palette = [tuple(int(c) for c in p) for p in palette]
    raw = np.hstack([np.zeros((rows, 1), dtype=np.uint8), packed]).tobytes()
    header = struct.pack(">IIBBBBB", cols, rows, depth, 3, 0, 0, 0)
    plte = bytes(c for p in palette for c in p)
    png = (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"PLTE", plte)
        + _chunk(b"IDAT", zlib.compress(raw, 1))
        + _chunk(b"IEND", b"")
    )
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
