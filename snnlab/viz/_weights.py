"""Weight matrices as images: the tiling rule, its tick labels and the colour range (one home for both forms).

A weight matrix ``[out, in]`` is drawn as is (rows = output neurons), or, with ``image_shape=(H, W)``
(``H * W == in``), as one ``H x W`` tile per output neuron (its receptive field). Tiles wrap into a
near-square grid, ``ceil(sqrt(out))`` tiles per row, neuron 0 at the top left, reading row by row,
with a one-cell gap of NaN between tiles; each tile reads as an image (pixel row 0 at the top).
Ticks of a tiled figure sit at tile centres: the y labels give the first neuron of each tile row,
the x labels the tile column, so a tile's neuron is its row label plus its column label.

Shape:
    ``weights``: ``[out, in]`` (``[in]`` counts as one output neuron) -> image ``[rows, cols]``.

Example:
    >>> import torch
    >>> grid = weight_grid(torch.arange(8.).view(2, 4), (2, 2), "weight_matrix")
    >>> grid.shape, grid[0].tolist()
    ((2, 5), [0.0, 1.0, nan, 4.0, 5.0])
    >>> weight_grid(torch.zeros(3, 4), (2, 2), "weight_matrix").shape  # 3 tiles: 2 per row, 2 rows
    (5, 5)
"""

import math
from typing import Any, NamedTuple

import numpy as np

from ..checks import describe
from .data import to_numpy
from .ticks import nice_ticks

__all__ = ["TileTicks", "color_range", "tile_columns", "tile_ticks", "weight_grid"]


def tile_columns(n: int) -> int:
    """Tiles per row for ``n`` receptive fields: ``ceil(sqrt(n))`` (at least 1).

    Example:
        >>> tile_columns(64), tile_columns(3), tile_columns(0)
        (8, 2, 1)
    """
    return max(1, math.ceil(math.sqrt(n)))


def weight_grid(weights: Any, image_shape: Any, owner: str) -> np.ndarray:
    """The image of ``weights`` (float64, NaN in the gaps between tiles)."""
    w = to_numpy(weights, owner, "weights").astype(np.float64)
    if w.ndim == 1:
        w = w[None, :]
    if w.ndim != 2:
        raise ValueError(f"{owner}: weights must be [out, in] (or [in]), got shape {list(w.shape)}")
    if image_shape is None:
        return w
    if (
        not isinstance(image_shape, (tuple, list))
        or len(image_shape) != 2
        or not all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in image_shape)
    ):
        raise ValueError(
            f"{owner}: image_shape must be None or (height, width) of positive ints, got {describe(image_shape)}"
        )
    h, wd = image_shape
    if h * wd != w.shape[1]:
        raise ValueError(
            f"{owner}: image_shape {tuple(image_shape)} holds {h * wd} inputs, but weights have {w.shape[1]} inputs per neuron"
        )
    n = w.shape[0]
    cols = tile_columns(n)
    rows = -(-n // cols) if n else 0
    grid = np.full((max(rows * (h + 1) - 1, 0), max(cols * (wd + 1) - 1, 0) if n else 0), np.nan)
    for i in range(n):
        r, c = divmod(i, cols)
        grid[r * (h + 1) : r * (h + 1) + h, c * (wd + 1) : c * (wd + 1) + wd] = w[i].reshape(h, wd)
    return grid


class TileTicks(NamedTuple):
    """Tick positions (tile centres, in image cells) and labels of a tiled weight image."""

    x: list
    x_labels: list
    y: list
    y_labels: list


def tile_ticks(n: int, image_shape: tuple, most_x: int, most_y: int) -> TileTicks:
    """Ticks of ``n`` tiles of ``image_shape``: at most ``most_x`` / ``most_y`` (chosen by ``nice_ticks``).

    Example:
        >>> tile_ticks(64, (4, 4), 10, 10).y_labels[:3]
        ['0', '8', '16']
    """
    h, wd = image_shape
    cols = tile_columns(n)
    rows = -(-n // cols) if n else 0
    xs = nice_ticks(0, max(min(cols, n) - 1, 0), max(most_x, 2), integer=True) if most_x >= 1 else []
    ys = nice_ticks(0, max(rows - 1, 0), max(most_y, 2), integer=True) if most_y >= 1 else []
    xs, ys = (xs if most_x >= 2 else xs[:1]), (ys if most_y >= 2 else ys[:1])
    return TileTicks(
        [c * (wd + 1) + (wd - 1) / 2 for c in xs],
        [str(c) for c in xs],
        [r * (h + 1) + (h - 1) / 2 for r in ys],
        [str(r * cols) for r in ys],
    )


def color_range(grid: np.ndarray, vmin: Any, vmax: Any) -> tuple:
    """``(vmin, vmax)``: the given bounds, or the finite range of ``grid`` (never empty)."""
    finite = grid[np.isfinite(grid)]
    lo = float(vmin) if vmin is not None else (float(finite.min()) if finite.size else 0.0)
    hi = float(vmax) if vmax is not None else (float(finite.max()) if finite.size else 1.0)
    if not hi > lo:
        lo, hi = lo - 0.5, hi + 0.5
    return lo, hi
