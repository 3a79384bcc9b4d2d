"""Weight matrices as images (the one home of the tiling rule shared by both figure twins).

A weight matrix ``[out, in]`` is drawn as is (rows = output neurons), or, with ``image_shape=(H, W)``
(``H * W == in``), as one ``H x W`` tile per output neuron (its receptive field), side by side with a
one-column gap of NaN between tiles.

Shape:
    ``weights``: ``[out, in]`` (``[in]`` counts as one output neuron) -> image ``[rows, cols]``.

Example:
    >>> import torch
    >>> grid = weight_grid(torch.arange(8.).view(2, 4), (2, 2), "weight_matrix")
    >>> grid.shape, grid[0].tolist()
    ((2, 5), [0.0, 1.0, nan, 4.0, 5.0])
"""

import numpy as np

from ..checks import describe
from .data import to_numpy

__all__ = ["color_range", "weight_grid"]


def weight_grid(weights, image_shape, owner: str) -> np.ndarray:
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
    grid = np.full((h, max(n * (wd + 1) - 1, 0)), np.nan)
    for i in range(n):
        grid[:, i * (wd + 1) : i * (wd + 1) + wd] = w[i].reshape(h, wd)
    return grid


def color_range(grid: np.ndarray, vmin, vmax) -> tuple:
    """``(vmin, vmax)``: the given bounds, or the finite range of ``grid`` (never empty)."""
    finite = grid[np.isfinite(grid)]
    lo = float(vmin) if vmin is not None else (float(finite.min()) if finite.size else 0.0)
    hi = float(vmax) if vmax is not None else (float(finite.max()) if finite.size else 1.0)
    if not hi > lo:
        lo, hi = lo - 0.5, hi + 0.5
    return lo, hi
