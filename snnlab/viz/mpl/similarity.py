"""Predicted vs target similarity matrices side by side, with the loss (matplotlib).

Shape:
    ``predicted``, ``target``: ``[B, B]``.

Example:
    >>> import torch
    >>> from matplotlib.figure import Figure
    >>> p_im, t_im = similarity_matrix(Figure(), torch.eye(3) * 0.5, torch.eye(3), loss=0.25)
    >>> p_im.axes.get_title(), t_im.get_array()[0, 0]
    ('predicted (loss 0.25)', np.float64(1.0))
"""

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.text import Text

from ...checks import describe
from .. import _series, style
from ._common import attach, check_axes, held, nice_axes, remove_created, show_message, state_of

__all__ = ["similarity_matrix"]

ANNOTATE_MAX = 10


def _two_axes(owner: str, axes: Any) -> tuple[Axes, Axes]:
    if isinstance(axes, Figure):
        held_axes = getattr(axes, "_snnlab_similarity_axes", None)
        if held_axes is None or any(a not in axes.axes for a in held_axes):
            held_axes = tuple(axes.subplots(1, 2))
            axes.__dict__["_snnlab_similarity_axes"] = held_axes
        return held_axes
    if isinstance(axes, (tuple, list, np.ndarray)) and len(axes) == 2:
        return check_axes(owner, axes[0], "axes[0]"), check_axes(owner, axes[1], "axes[1]")
    raise TypeError(f"{owner}: axes must be a pair of matplotlib Axes or a Figure, got {describe(axes)}")


def similarity_matrix(
    axes: Any, predicted: Any, target: Any = None, loss: Any = None, *, colormap: str = style.COLORMAP
) -> tuple[AxesImage, AxesImage] | tuple[Text, Text]:
    """Draw ``predicted`` and ``target`` on two axes with one shared colour scale; return the two images.

    ``axes`` is a pair of Axes or a Figure (two subplots are made once). Both panels are titled
    ("predicted", with the loss when given, and "target") and share one colour scale, shown by one
    colour bar labelled "similarity (both panels)". Cells carry their values when B <= 10.
    ``predicted`` may also be a result with ``.predicted``, ``.target`` and ``.loss``
    (``snnlab.analysis.similarity_matrices``). B = 0 shows "no data" on both axes. Called again on
    the same axes, the images (and cell values) are updated in place.

    Shape:
        ``predicted``, ``target``: ``[B, B]``.

    Example:
        >>> import torch
        >>> from matplotlib.figure import Figure
        >>> axes = Figure().subplots(1, 2)
        >>> ims = similarity_matrix(axes, torch.rand(20, 20), torch.eye(20))
        >>> [im.get_array().shape for im in ims], ims[0].get_clim() == ims[1].get_clim()
        ([(20, 20), (20, 20)], True)
        >>> similarity_matrix(axes, torch.eye(20), torch.eye(20), loss=0.5) == ims, axes[0].get_title()
        (True, 'predicted (loss 0.5)')
    """
    owner = "similarity_matrix"
    ax_p, ax_t = _two_axes(owner, axes)
    p, t, loss = _series.similarity_arrays(predicted, target, loss, owner)
    state = held((ax_p, ax_t), "similarity_matrix", {"cmap": colormap}, owner)
    if state is not None and state["parts"].get("shape") == p.shape and p.size:
        _fill(state, p, t, loss)
        return state["result"]
    if state is not None:
        remove_created(state)
    return _draw(ax_p, ax_t, p, t, loss, {"cmap": colormap})


def _clim(p: np.ndarray, t: np.ndarray) -> tuple[float, float]:
    both = np.concatenate([p.ravel(), t.ravel()])
    both = both[np.isfinite(both)]
    lo, hi = (float(both.min()), float(both.max())) if both.size else (0.0, 1.0)
    return (lo, hi) if hi > lo else (lo - 0.5, hi + 0.5)


def _fill(state: dict, p: np.ndarray, t: np.ndarray, loss: float | None) -> None:
    ax_p, ax_t = state["ax"]
    lo, hi = _clim(p, t)
    mid = (lo + hi) / 2
    for im, m, texts in zip(state["result"], (p, t), state["parts"]["texts"]):
        im.set_data(m)
        im.set_clim(lo, hi)
        for (i, j), value in np.ndenumerate(m) if texts else ():
            cell = texts[i * m.shape[1] + j]
            cell.set_text(f"{value:.2g}")
            cell.set_color("white" if value < mid else "black")
    ax_p.set_title("predicted" + ("" if loss is None else f" (loss {loss:.4g})"), fontsize=10)
    ax_t.set_title("target", fontsize=10)
    for ax in (ax_p, ax_t):
        nice_axes(ax)


def _draw(ax_p: Axes, ax_t: Axes, p: np.ndarray, t: np.ndarray, loss: float | None, opts: dict) -> tuple:
    if p.size == 0:
        texts = (show_message(ax_p, "no data"), show_message(ax_t, "no data"))
        attach(texts, "similarity_matrix", (ax_p, ax_t), opts, list(texts))
        return texts
    lo, hi = _clim(p, t)
    created: list = []
    images = []
    cells: list = []
    for ax, m in ((ax_p, p), (ax_t, t)):
        im = ax.imshow(m, cmap=opts["cmap"], vmin=lo, vmax=hi, interpolation="nearest")
        ax.set_xlabel("sample")
        ax.set_ylabel("sample")
        images.append(im)
        created.append(im)
        texts = []
        if m.shape[0] <= ANNOTATE_MAX:
            texts = [ax.text(j, i, "", ha="center", va="center", fontsize=7) for (i, j), _ in np.ndenumerate(m)]
        cells.append(texts)
        created += texts
    bar = ax_t.figure.colorbar(images[1], ax=[ax_p, ax_t], fraction=0.046, pad=0.04, shrink=0.8)
    bar.set_label("similarity (both panels)")
    created.append(bar)
    result = tuple(images)
    attach(result, "similarity_matrix", (ax_p, ax_t), opts, created)
    state = state_of(images[0])
    state["parts"] = {"shape": p.shape, "texts": cells}
    _fill(state, p, t, loss)
    return result
