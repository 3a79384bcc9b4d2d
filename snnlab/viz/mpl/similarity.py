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

import numpy as np
from matplotlib.figure import Figure

from ...checks import describe
from .. import _series
from ._common import attach, check_axes, remove_created, show_message, state_of

__all__ = ["similarity_matrix", "update_similarity_matrix"]

ANNOTATE_MAX = 10


def _two_axes(owner, axes):
    if isinstance(axes, Figure):
        return tuple(axes.subplots(1, 2))
    if isinstance(axes, (tuple, list, np.ndarray)) and len(axes) == 2:
        return check_axes(owner, axes[0], "axes[0]"), check_axes(owner, axes[1], "axes[1]")
    raise TypeError(f"{owner}: axes must be a pair of matplotlib Axes or a Figure, got {describe(axes)}")


def similarity_matrix(axes, predicted, target=None, loss=None, *, colormap="viridis"):
    """Draw ``predicted`` and ``target`` on two axes with one colour scale; return the two images.

    ``axes`` is a pair of Axes or a Figure (two subplots are made). The loss, when given, is in
    the left title. Cells carry their values when B <= 10. ``predicted`` may also be a result
    with ``.predicted``, ``.target`` and ``.loss`` (``snnlab.analysis.similarity_matrices``).
    B = 0 shows "no data" on both axes.

    Shape:
        ``predicted``, ``target``: ``[B, B]``.

    Example:
        >>> import torch
        >>> from matplotlib.figure import Figure
        >>> ims = similarity_matrix(Figure().subplots(1, 2), torch.rand(20, 20), torch.eye(20))
        >>> [im.get_array().shape for im in ims], ims[0].get_clim() == ims[1].get_clim()
        ([(20, 20), (20, 20)], True)
    """
    owner = "similarity_matrix"
    ax_p, ax_t = _two_axes(owner, axes)
    p, t, loss = _series.similarity_arrays(predicted, target, loss, owner)
    return _draw(ax_p, ax_t, p, t, loss, {"cmap": colormap})


def update_similarity_matrix(images, predicted, target=None, loss=None):
    """Show new matrices (and loss) in the images of :func:`similarity_matrix`; returns the images to keep.

    Shape:
        ``predicted``, ``target``: ``[B, B]``.

    Example:
        >>> import torch
        >>> from matplotlib.figure import Figure
        >>> ims = similarity_matrix(Figure(), torch.eye(2), torch.eye(2), loss=1.0)
        >>> ims = update_similarity_matrix(ims, torch.ones(2, 2), torch.eye(2), loss=0.5)
        >>> ims[0].axes.get_title(), ims[0].get_array().tolist()
        ('predicted (loss 0.5)', [[1.0, 1.0], [1.0, 1.0]])
    """
    owner = "update_similarity_matrix"
    state = state_of(images, "similarity_matrix", owner)
    p, t, loss = _series.similarity_arrays(predicted, target, loss, owner)
    ax_p, ax_t = state["ax"]
    if state["parts"].get("shape") != p.shape or p.size == 0 or p.shape[0] <= ANNOTATE_MAX:
        remove_created(state)
        return _draw(ax_p, ax_t, p, t, loss, state["options"])
    lo, hi = _clim(p, t)
    for im, m in zip(images, (p, t)):
        im.set_data(m)
        im.set_clim(lo, hi)
    _titles(ax_p, ax_t, loss)
    return images


def _clim(p, t):
    both = np.concatenate([p.ravel(), t.ravel()])
    both = both[np.isfinite(both)]
    lo, hi = (float(both.min()), float(both.max())) if both.size else (0.0, 1.0)
    return (lo, hi) if hi > lo else (lo - 0.5, hi + 0.5)


def _titles(ax_p, ax_t, loss):
    ax_p.set_title("predicted" + ("" if loss is None else f" (loss {loss:.4g})"), fontsize=10)
    ax_t.set_title("target", fontsize=10)


def _draw(ax_p, ax_t, p, t, loss, opts):
    if p.size == 0:
        texts = (show_message(ax_p, "no data"), show_message(ax_t, "no data"))
        attach(texts, "similarity_matrix", (ax_p, ax_t), opts, list(texts))
        texts[0]._snnlab["parts"] = {}
        return texts
    lo, hi = _clim(p, t)
    created = []
    images = []
    for ax, m in ((ax_p, p), (ax_t, t)):
        im = ax.imshow(m, cmap=opts["cmap"], vmin=lo, vmax=hi, interpolation="nearest")
        ax.set_xlabel("sample")
        ax.set_ylabel("sample")
        images.append(im)
        created.append(im)
        if m.shape[0] <= ANNOTATE_MAX:
            mid = (lo + hi) / 2
            for (i, j), value in np.ndenumerate(m):
                created.append(
                    ax.text(
                        j,
                        i,
                        f"{value:.2g}",
                        ha="center",
                        va="center",
                        fontsize=7,
                        color="white" if value < mid else "black",
                    )
                )
    _titles(ax_p, ax_t, loss)
    images = tuple(images)
    attach(images, "similarity_matrix", (ax_p, ax_t), opts, created)
    images[0]._snnlab["parts"] = {"shape": p.shape}
    return images
