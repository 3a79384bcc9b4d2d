"""Raster data shared by the matplotlib and plotly figures (the one home of these rules).

This module holds what rasters need (tensors to numpy, stacking layers, binning, the marker or
image choice); arrays and layout of the small figures are in ``_series.py``, weight tiling in
``_weights.py``, tick positions in ``ticks.py``, colours in ``style.py``.

Everything a figure needs before drawing happens here: tensors or arrays become numpy arrays on
the CPU (spikes are made boolean on their own device first, so a GPU tensor crosses to the host as
one byte per cell), layers are stacked, long rasters are binned, and the choice between one marker
per spike and an image is made by :func:`raster_path`.

Thresholds:
    ``MARKER_MAX`` spikes at most take the marker path (hover per spike); more take the image path.
    ``IMAGE_MAX_COLS`` time bins and ``IMAGE_MAX_ROWS`` neuron bins at most in a raster image;
    longer axes are binned by an integer factor (each pixel = the fraction of its cells that spiked).

Shape:
    spikes: ``[T, N]`` (time x neuron); images: ``[rows, cols]`` = ``[neurons, time bins]``.

Example:
    >>> import torch
    >>> from snnlab.viz import data
    >>> m = data.spike_matrix(torch.tensor([[0., 1.], [1., 1.], [0., 0.]]), "raster")
    >>> m.shape, int(m.sum())
    ((3, 2), 3)
    >>> data.raster_path(int(m.sum()), marker_max=5000)
    'marker'
"""

import numbers
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import torch

from ..checks import describe

__all__ = [
    "IMAGE_MAX_COLS",
    "IMAGE_MAX_ROWS",
    "MARKER_MAX",
    "LayerStack",
    "RasterImage",
    "bin_counts",
    "bin_factor",
    "check_marker_max",
    "firing_rates",
    "raster_image",
    "raster_path",
    "rate_axis_max",
    "spike_matrix",
    "stack_layers",
    "to_numpy",
]

MARKER_MAX = 5000
IMAGE_MAX_ROWS = 2000
IMAGE_MAX_COLS = 2000


def to_numpy(x: torch.Tensor | np.ndarray | Sequence[Any], owner: str, name: str) -> np.ndarray:
    """A tensor, an ndarray or a sequence of numbers as a numpy array on the CPU (detached).

    Shape:
        the input's shape.

    Example:
        >>> to_numpy(torch.ones(2, dtype=torch.bfloat16), "f", "x").dtype
        dtype('float32')
    """
    if isinstance(x, torch.Tensor):
        x = x.detach()
        if x.dtype in (torch.bfloat16, torch.float16):
            x = x.float()
        return x.cpu().numpy()
    if isinstance(x, np.ndarray):
        return x
    if isinstance(x, Sequence) and not isinstance(x, (str, bytes)):
        try:
            return np.asarray(x, dtype=np.float64)
        except (TypeError, ValueError):
            pass
    raise TypeError(
        f"{owner}: {name} must be a torch.Tensor, a numpy array or a sequence of numbers, got {describe(x)}"
    )


def spike_matrix(spikes: torch.Tensor | np.ndarray | Sequence[Any], owner: str, name: str = "spikes") -> np.ndarray:
    """``spikes`` ``[T, N]`` as a boolean numpy matrix (nonzero = spike), made boolean on its device.

    Shape:
        ``[T, N]`` -> ``[T, N]`` bool.

    Example:
        >>> spike_matrix(np.eye(2), "raster").tolist()
        [[True, False], [False, True]]
    """
    if isinstance(spikes, torch.Tensor):
        if spikes.dim() != 2:
            raise ValueError(
                f"{owner}: {name} must be a 2-D [T, N] (time x neuron) array, got shape {list(spikes.shape)}"
            )
        bits = spikes.detach()
        return (bits if bits.dtype == torch.bool else bits != 0).cpu().numpy()
    arr = to_numpy(spikes, owner, name)
    if arr.ndim != 2:
        raise ValueError(f"{owner}: {name} must be a 2-D [T, N] (time x neuron) array, got shape {list(arr.shape)}")
    return arr != 0


class LayerStack(NamedTuple):
    """Layers stacked along the neuron axis: ``matrix`` [T, sum n_i], names and start offsets."""

    matrix: np.ndarray
    names: tuple
    offsets: tuple


def stack_layers(
    spikes: torch.Tensor | np.ndarray | Sequence[Any] | Mapping[Any, Any],
    layer_names: Sequence[str] | None,
    owner: str,
) -> LayerStack:
    """One ``[T, N]`` array, a ``{name: [T, n_i]}`` dict or a list of ``[T, n_i]`` arrays, stacked.

    A single array has ``names == ()``. ``layer_names`` names the arrays of a list (default
    ``'layer 0'``, ...); with a dict the keys are the names and ``layer_names`` must be None.

    Shape:
        each layer ``[T, n_i]`` -> ``matrix`` ``[T, sum n_i]``.

    Example:
        >>> s = stack_layers({"a": np.ones((4, 2)), "b": np.zeros((4, 3))}, None, "raster")
        >>> s.matrix.shape, s.names, s.offsets
        ((4, 5), ('a', 'b'), (0, 2))
    """
    if isinstance(spikes, Mapping):
        if layer_names is not None:
            raise ValueError(
                f"{owner}: layer_names must be None when spikes is a dict (its keys name the "
                f"layers), got {describe(layer_names)}"
            )
        names, layers = [str(k) for k in spikes], list(spikes.values())
    elif isinstance(spikes, (list, tuple)):
        layers = list(spikes)
        names = [f"layer {i}" for i in range(len(layers))] if layer_names is None else [str(n) for n in layer_names]
        if len(names) != len(layers):
            raise ValueError(
                f"{owner}: layer_names must have one name per layer ({len(layers)}), got {len(names)} names"
            )
    else:
        if layer_names is not None:
            raise ValueError(
                f"{owner}: layer_names needs a dict or list of layers, got a single array and {describe(layer_names)}"
            )
        return LayerStack(spike_matrix(spikes, owner), (), ())
    if not layers:
        return LayerStack(np.zeros((0, 0), dtype=bool), (), ())
    mats = [spike_matrix(x, owner, f"spikes[{n!r}]") for n, x in zip(names, layers)]
    steps = {m.shape[0] for m in mats}
    if len(steps) != 1:
        shapes = ", ".join(f"{n}: {list(m.shape)}" for n, m in zip(names, mats))
        raise ValueError(f"{owner}: every layer must have the same number of time steps T, got {shapes}")
    offsets = tuple(int(o) for o in np.cumsum([0] + [m.shape[1] for m in mats[:-1]]))
    return LayerStack(np.concatenate(mats, axis=1), tuple(names), offsets)


def raster_path(n_spikes: int, marker_max: int) -> str:
    """``'marker'`` (one marker per spike) when ``n_spikes <= marker_max``, else ``'image'``.

    Shape:
        scalars only.

    Example:
        >>> raster_path(6000, marker_max=5000)
        'image'
    """
    return "marker" if n_spikes <= marker_max else "image"


def bin_factor(n: int, limit: int) -> int:
    """The smallest integer factor that brings ``n`` cells to at most ``limit`` bins (>= 1).

    Shape:
        scalars only.

    Example:
        >>> bin_factor(10000, 2000), bin_factor(1000, 2000)
        (5, 1)
    """
    return max(1, -(-int(n) // int(limit)))


class RasterImage(NamedTuple):
    """A raster as an image: ``values`` [neuron bins, time bins] in [0, 1] and the two bin factors."""

    values: np.ndarray
    t_factor: int
    n_factor: int

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """``(left, right, bottom, top)`` in time-step and neuron units (cell centres on integers)."""
        rows, cols = self.values.shape
        return (-0.5, cols * self.t_factor - 0.5, -0.5, rows * self.n_factor - 0.5)


def raster_image(matrix: np.ndarray, max_rows: int = IMAGE_MAX_ROWS, max_cols: int = IMAGE_MAX_COLS) -> RasterImage:
    """Bool ``[T, N]`` -> float32 image ``[neuron bins, time bins]``: fraction of each bin's cells that spiked.

    Without binning the values are exactly the spikes (0 or 1). Axes are padded with no-spike
    cells up to a multiple of the factor.

    Shape:
        ``[T, N]`` -> ``[ceil(N / fn), ceil(T / ft)]``.

    Example:
        >>> img = raster_image(np.array([[1, 0], [1, 1], [0, 0], [0, 1]], dtype=bool), max_cols=2)
        >>> img.values.tolist(), img.t_factor
        ([[1.0, 0.0], [0.5, 0.5]], 2)
    """
    t, n = matrix.shape
    ft, fn = bin_factor(t, max_cols), bin_factor(n, max_rows)
    if ft == 1 and fn == 1:
        return RasterImage(matrix.T.astype(np.float32), 1, 1)
    counts = bin_counts(torch.from_numpy(np.ascontiguousarray(matrix, dtype=bool)), ft, fn).numpy()
    return RasterImage((counts.T / np.float32(fn * ft)).astype(np.float32), ft, fn)


def firing_rates(matrix: np.ndarray) -> np.ndarray:
    """Spikes per time step of each neuron (the mean over time), float32, for the rate margin.

    Shape:
        ``[T, N]`` -> ``[N]``.

    Example:
        >>> firing_rates(np.array([[1, 0], [1, 1]], dtype=bool)).tolist()
        [1.0, 0.5]
    """
    if matrix.shape[0] == 0:
        return np.zeros(matrix.shape[1], dtype=np.float32)
    return matrix.mean(axis=0, dtype=np.float64).astype(np.float32)


def rate_axis_max(rates: np.ndarray) -> float:
    """The upper end of the rate margin's axis: 10 % above the highest rate, or 1 when no neuron fired.

    A silent layer gets the full 0..1 scale (a flat line at 0), not a cramped 0..0.001 axis.

    Shape:
        ``[N]`` -> a float.

    Example:
        >>> rate_axis_max(np.array([0.2, 0.5], np.float32)), rate_axis_max(np.zeros(3, np.float32))
        (0.55, 1.0)
    """
    top = float(rates.max(initial=0.0))
    return round(top * 1.1, 6) if top > 0 else 1.0


def bin_counts(bits: torch.Tensor, t_factor: int, n_factor: int) -> torch.Tensor:
    """Spikes per bin of ``t_factor`` time steps x ``n_factor`` neurons, int32, on the tensor's device.

    Used by :func:`raster_image` and, on the tensor's device, by the canvas raster: the last bins
    along each axis are padded with no-spike cells. The bins are summed as ``t_factor + n_factor``
    strided additions in the narrowest integer type that holds a full bin: torch's reduction over a
    short inner axis is slow (23 ms against 8-11 for 10^4 neurons x 1000 steps in bins of 5 neurons).

    Shape:
        bool ``[T, N]`` -> ``[ceil(T / t_factor), ceil(N / n_factor)]``.

    Example:
        >>> bits = torch.tensor([[1, 0, 1], [1, 1, 0], [0, 0, 1]], dtype=torch.bool)
        >>> bin_counts(bits, 2, 2).tolist()
        [[3, 1], [0, 1]]
    """
    steps, neurons = bits.shape
    cols, rows = -(-steps // t_factor), -(-neurons // n_factor)
    cells = bits.view(torch.uint8)
    if (cols * t_factor, rows * n_factor) != (steps, neurons):
        cells = torch.nn.functional.pad(cells, (0, rows * n_factor - neurons, 0, cols * t_factor - steps))
    per_bin = t_factor * n_factor
    narrow = torch.uint8 if per_bin <= 255 else torch.int16 if per_bin <= 32767 else torch.int32
    grid = cells.reshape(cols, t_factor, rows, n_factor)
    by_neurons = grid[..., 0].to(narrow, copy=True)  # [cols, t_factor, rows]: neuron bins first (never the input)
    for j in range(1, n_factor):
        by_neurons += grid[..., j]
    counts = by_neurons[:, 0].clone() if t_factor > 1 else by_neurons[:, 0]  # [cols, rows]
    for i in range(1, t_factor):
        counts += by_neurons[:, i]
    return counts.to(torch.int32)


def check_marker_max(owner: str, marker_max: int) -> int:
    """Return ``marker_max`` after checking it is an int >= 0.

    Shape:
        scalars only.

    Example:
        >>> check_marker_max("raster", 10)
        10
    """
    if isinstance(marker_max, bool) or not isinstance(marker_max, numbers.Integral):
        raise TypeError(f"{owner}: marker_max must be an integer >= 0, got {describe(marker_max)}")
    if marker_max < 0:
        raise ValueError(f"{owner}: marker_max must be an integer >= 0, got {describe(marker_max)}")
    return int(marker_max)
