"""The data of the surrogate gallery, shared by its matplotlib and plotly forms.

One panel per surrogate: its title, the sample points, Heaviside, the primitive and the gradient,
and the y-range that shows all three (primitives may be unbounded or negative, gradients may
exceed 1). ``surrogates=None`` means every kind of :mod:`snnlab.registry.surrogates` at its defaults.

Shape:
    ``x``: ``[K]`` or None (401 points on [-2, 2]); each panel's curves are ``[K]``.

Example:
    >>> panels = gallery_panels(None, None, "surrogate_gallery")
    >>> len(panels), panels[0].title, panels[0].x.shape
    (14, 'Sigmoid(alpha=4)', (401,))
"""

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from ..checks import check_int, describe
from ..registry.surrogates import SURROGATE_KINDS, spec
from ._series import surrogate_curves, surrogate_title

__all__ = ["GalleryPanel", "gallery_grid", "gallery_panels"]


class GalleryPanel(NamedTuple):
    """One small multiple of the gallery."""

    title: str
    x: np.ndarray
    heaviside: np.ndarray
    primitive: np.ndarray
    gradient: np.ndarray
    ylim: tuple[float, float]


def gallery_panels(surrogates, x, owner: str) -> list[GalleryPanel]:
    """The panels for ``surrogates``: None (every registered kind), or a sequence of surrogate objects
    and registered kind names."""
    if surrogates is None:
        surrogates = SURROGATE_KINDS
    if isinstance(surrogates, str) or not isinstance(surrogates, Sequence):
        raise TypeError(
            f"{owner}: surrogates must be None or a sequence of surrogates / kind names, got {describe(surrogates)}"
        )
    panels = []
    for item in surrogates:
        obj = spec(item).build() if isinstance(item, str) else item
        xs, h, p, g = surrogate_curves(obj, x, owner)
        panels.append(GalleryPanel(surrogate_title(obj), xs, h, p, g, _ylim(h, p, g)))
    return panels


def gallery_grid(n: int, ncols, owner: str) -> tuple[int, int]:
    """``(rows, cols)`` of the grid for ``n`` panels at most ``ncols`` wide."""
    ncols = check_int(owner, "ncols", ncols, minimum=1)
    cols = max(1, min(ncols, n))
    return max(1, -(-n // cols)), cols


def _ylim(*curves) -> tuple[float, float]:
    """A range holding [0, 1] and every finite value of ``curves``, padded by 6 %."""
    values = np.concatenate([c[np.isfinite(c)] for c in curves] + [np.array([0.0, 1.0])])
    lo, hi = float(values.min()), float(values.max())
    pad = 0.06 * (hi - lo)
    return lo - pad, hi + pad
