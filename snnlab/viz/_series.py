"""Arrays and layout for the small figures (traces, curves, maps, matrices), shared by both forms.

Each helper validates its inputs (messages name the figure, the argument, the expected form and
what was received) and returns plain numpy arrays on the CPU, so both forms draw the same numbers;
layout arithmetic that follows from the data (axis ranges, where a note goes, how a second axis
lines up with the first) lives here too, once. Rasters and their binning are in ``data.py``,
weight tiling in ``_weights.py``, tick positions in ``ticks.py``, colours in ``style.py``.

Shape:
    see each helper.

Example:
    >>> from snnlab.viz import _series
    >>> _series.curve_array([1, 0.5], "training_curves", "runs['a']").tolist()
    [1.0, 0.5]
"""

from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np
import torch

from ..checks import describe
from ..surrogate import heaviside
from .data import to_numpy

__all__ = [
    "DelayLayout",
    "FirstSpikeGrid",
    "Intervals",
    "check_real_pair",
    "curve_array",
    "curve_limits",
    "curve_positions",
    "curves",
    "delay_arrays",
    "delay_layout",
    "first_spike_array",
    "first_spike_grid",
    "gradient_array",
    "histogram",
    "inter_spike_intervals",
    "is_spike_train",
    "membrane_arrays",
    "membrane_levels",
    "membrane_path",
    "rate_summary",
    "sequence_path",
    "similarity_arrays",
    "surrogate_curves",
    "surrogate_title",
]


def histogram(values, bins: int, value_range, owner: str):
    """Counts of ``values`` (any shape, flattened; NaN dropped) in ``bins`` equal bins over ``value_range``.

    ``value_range=None`` uses ``(0, 1)`` when every value lies in [0, 1] (firing rates), else
    ``(min, max)``. Returns ``(counts int64 [bins], edges float64 [bins + 1])``.

    Shape:
        any -> ``[bins]``, ``[bins + 1]``.

    Example:
        >>> c, e = histogram(torch.tensor([0.0, 0.1, 0.9, 1.0]), 2, None, "h")
        >>> c.tolist(), e.tolist()
        ([2, 2], [0.0, 0.5, 1.0])
    """
    arr = to_numpy(values, owner, "rates").astype(np.float64).ravel()
    arr = arr[np.isfinite(arr)]
    if value_range is None:
        if arr.size == 0 or (arr.min() >= 0.0 and arr.max() <= 1.0):
            value_range = (0.0, 1.0)
        else:
            lo, hi = float(arr.min()), float(arr.max())
            value_range = (lo, hi if hi > lo else lo + 1.0)
    lo, hi = (float(v) for v in value_range)
    if not hi > lo:
        raise ValueError(f"{owner}: range must be (low, high) with high > low, got {tuple(value_range)!r}")
    counts, edges = np.histogram(arr, bins=bins, range=(lo, hi))
    return counts.astype(np.int64), edges


def first_spike_array(times, owner: str) -> np.ndarray:
    """First-spike times (``[N]`` or ``[H, W]``; negative = never fired) as float64 numpy.

    Shape:
        ``[N]`` or ``[H, W]`` unchanged.

    Example:
        >>> first_spike_array(torch.tensor([3, -1, 0]), "f").tolist()
        [3.0, -1.0, 0.0]
    """
    arr = to_numpy(times, owner, "times").astype(np.float64)
    if arr.ndim not in (1, 2):
        raise ValueError(
            f"{owner}: times must be [N] (neurons) or [H, W] (one feature map; pick a channel of "
            f"[C, H, W]), got shape {list(arr.shape)}"
        )
    return arr


def curve_array(values, owner: str, name: str) -> np.ndarray:
    """One run's curve (a sequence, tensor or array of numbers) as float32 numpy ``[K]``.

    Shape:
        ``[K]`` (a 0-d value becomes ``[1]``).

    Example:
        >>> curve_array([1, 0.5], "c", "runs['a']").tolist()
        [1.0, 0.5]
    """
    arr = to_numpy(values, owner, name)
    if arr.ndim > 1:
        raise ValueError(f"{owner}: {name} must be 1-D (one value per step), got shape {list(arr.shape)}")
    return np.atleast_1d(arr).astype(np.float32)


def check_real_pair(owner, name, value):
    """Return ``value`` as a ``(low, high)`` float pair with ``low < high`` (None passes).

    Shape:
        scalars only.

    Example:
        >>> check_real_pair("h", "range", (0, 2))
        (0.0, 2.0)
    """
    if value is None:
        return None
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        raise TypeError(
            f"{owner}: {name} must be a (low, high) pair of numbers or None, got {describe(value)}"
        ) from None
    if not hi > lo:
        raise ValueError(f"{owner}: {name} must be (low, high) with high > low, got {(lo, hi)!r}")
    return lo, hi


def surrogate_curves(surrogate_function, x, owner):
    """``(x, heaviside, primitive, gradient)`` as float64 numpy ``[K]`` (for the surrogate figures).

    Shape:
        ``x``: ``[K]`` or None (401 points on [-2, 2]) -> four ``[K]`` arrays.

    Example:
        >>> from snnlab.surrogate import ATan
        >>> xs, h, p, g = surrogate_curves(ATan(), [0.0], "surrogate")
        >>> h.tolist(), p.tolist(), g.tolist()
        ([1.0], [0.5], [1.0])
    """
    if not (hasattr(surrogate_function, "primitive") and hasattr(surrogate_function, "derivative")):
        raise TypeError(
            f"{owner}: surrogate_function must be a surrogate (with .primitive(x) and .derivative(x)), "
            f"got {describe(surrogate_function)}"
        )
    if x is None:
        xt = torch.arange(-200, 201, dtype=torch.float64) / 100.0  # exact 0 at the centre
    else:
        xt = torch.as_tensor(to_numpy(x, owner, "x"), dtype=torch.float64).flatten()
    with torch.no_grad():
        curves = [heaviside(xt), surrogate_function.primitive(xt), surrogate_function.derivative(xt)]
    return (xt.numpy(),) + tuple(c.detach().double().cpu().numpy() for c in curves)


def membrane_arrays(v, spikes, owner):
    """``v`` as float32 ``[T]`` and the int64 indices of the steps where ``spikes`` is nonzero.

    Shape:
        ``v``: ``[T]`` or ``[T, 1]``; ``spikes``: the same or None -> ``[T]``, ``[n_spikes]``.

    Example:
        >>> v, t = membrane_arrays([0.5, 1.0, 0.0], [0, 1, 0], "membrane_trace")
        >>> v.tolist(), t.tolist()
        ([0.5, 1.0, 0.0], [1])
    """
    v = to_numpy(v, owner, "v").astype(np.float32)
    if v.ndim == 2 and v.shape[1] == 1:
        v = v[:, 0]
    if v.ndim != 1:
        raise ValueError(f"{owner}: v must be [T] (one neuron's membrane potential), got shape {list(v.shape)}")
    times = np.zeros(0, dtype=np.int64)
    if spikes is not None:
        s = to_numpy(spikes, owner, "spikes")
        if s.ndim == 2 and s.shape[1] == 1:
            s = s[:, 0]
        if s.shape != v.shape:
            raise ValueError(f"{owner}: spikes must have the shape of v {list(v.shape)}, got {list(s.shape)}")
        times = np.flatnonzero(s != 0)
    return v, times


def membrane_path(v, h, owner):
    """The drawn potential line: ``v`` per step, or with ``h`` a sawtooth up to ``h[t]`` and down to ``v[t]``.

    ``h`` is the potential after charging and before the reset (see
    ``snnlab.analysis.charged_potential``); at a spike step the line climbs past the threshold and
    falls to the reset level, as in a textbook figure. Without ``h``, one point per step.

    Shape:
        ``v``: ``[T]`` float32; ``h``: ``[T]`` (``[T, 1]`` accepted) or None -> ``xs``, ``ys``: ``[T]`` or ``[2T]``.

    Example:
        >>> xs, ys = membrane_path(np.array([0.5, 0.0], np.float32), [0.5, 1.25], "membrane_trace")
        >>> xs.tolist(), ys.tolist()
        ([0.0, 0.0, 1.0, 1.0], [0.5, 0.5, 1.25, 0.0])
    """
    steps = np.arange(v.size, dtype=np.float32)
    if h is None:
        return steps, v
    h = to_numpy(h, owner, "h").astype(np.float32)
    if h.ndim == 2 and h.shape[1] == 1:
        h = h[:, 0]
    if h.shape != v.shape:
        raise ValueError(f"{owner}: h must have the shape of v {list(v.shape)}, got {list(h.shape)}")
    return np.repeat(steps, 2), np.stack((h, v), axis=1).ravel()


def membrane_levels(ys, v_threshold, v_reset):
    """``(y_min, spike_top, y_max)`` of a membrane figure: room for the line, both levels and the spike marks.

    Spike marks rise from the threshold to ``spike_top`` (15 % of the span above the highest value);
    the y axis runs from 8 % of the span below the lowest value to 22 % above ``spike_top``.

    Shape:
        ``ys``: ``[K]`` (the drawn line's values; NaN ignored) -> three floats.

    Example:
        >>> [round(v, 3) for v in membrane_levels(np.array([0.0, 0.5], np.float32), 1.0, 0.0)]
        [-0.08, 1.15, 1.37]
    """
    levels = [v_threshold] + ([v_reset] if v_reset is not None else [])
    finite = ys[np.isfinite(ys)]
    lo = min([float(finite.min())] + levels) if finite.size else min(levels)
    hi = max([float(finite.max())] + levels) if finite.size else max(levels)
    span = max(hi - lo, 1e-3)
    top = hi + 0.15 * span
    return lo - 0.08 * span, top, top + 0.22 * span


def surrogate_title(sf):
    """A short title for a surrogate: its class name and its parameters (``param_names``, else alpha).

    Shape:
        not applicable.

    Example:
        >>> from snnlab.surrogate import S2NN, Sigmoid
        >>> surrogate_title(Sigmoid(alpha=4.0)), surrogate_title(S2NN())
        ('Sigmoid(alpha=4)', 'S2NN(alpha=4, beta=1)')
    """
    names = getattr(sf, "param_names", None) or ("alpha",)
    parts = []
    for name in names:
        value = getattr(sf, name, None)
        if isinstance(value, torch.Tensor) and value.numel() == 1:
            value = float(value)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            parts.append(f"{name}={value:g}")
    return f"{type(sf).__name__}({', '.join(parts)})" if parts else type(sf).__name__


class FirstSpikeGrid(NamedTuple):
    """First-spike times laid out as an image: ``times`` (NaN = never fired or padding), masks and ids."""

    times: np.ndarray
    never: np.ndarray
    pad: np.ndarray
    neuron: np.ndarray
    flat: bool


def first_spike_grid(times, owner: str) -> FirstSpikeGrid:
    """Lay first-spike times out as a grid: ``[H, W]`` as is, ``[N]`` row by row, ``ceil(sqrt(N))`` wide.

    Negative times (``never=-1`` of ``snnlab.analysis.first_spike_times``) mean "never fired".
    ``neuron`` holds each cell's neuron index (flat index for ``[H, W]``, -1 for padding).

    Shape:
        ``[N]`` -> ``[ceil(N / w), w]`` with ``w = ceil(sqrt(N))``; ``[H, W]`` -> ``[H, W]``.

    Example:
        >>> g = first_spike_grid(torch.tensor([2, -1, 0]), "first_spike_map")
        >>> g.times.tolist()[0], g.never.tolist(), g.neuron.tolist()
        ([2.0, nan], [[False, True], [False, False]], [[0, 1], [2, -1]])
    """
    arr = first_spike_array(times, owner)
    flat = arr.ndim == 1
    if flat:
        n = arr.size
        width = max(1, int(np.ceil(np.sqrt(n))))
        rows = -(-n // width) if n else 0
        grid = np.full(rows * width, np.nan)
        grid[:n] = arr
        neuron = np.full(rows * width, -1, dtype=np.int64)
        neuron[:n] = np.arange(n)
        grid, neuron = grid.reshape(rows, width), neuron.reshape(rows, width)
    else:
        grid, neuron = arr.copy(), np.arange(arr.size, dtype=np.int64).reshape(arr.shape)
    pad = neuron < 0
    never = ~pad & ~(grid >= 0)
    grid[never | pad] = np.nan
    return FirstSpikeGrid(grid, never, pad, neuron, flat)


def similarity_arrays(predicted, target, loss, owner: str):
    """``(predicted, target, loss)`` as float64 ``[B, B]`` arrays and a float (or None).

    ``predicted`` may be a result with ``.predicted``, ``.target`` and ``.loss`` (as returned by
    ``snnlab.analysis.similarity_matrices``) when ``target`` is None.

    Shape:
        ``[B, B]`` each.

    Example:
        >>> p, t, l = similarity_arrays(torch.eye(2), torch.ones(2, 2), torch.tensor(0.5), "s")
        >>> p.shape, t.shape, l
        ((2, 2), (2, 2), 0.5)
    """
    if target is None and all(hasattr(predicted, k) for k in ("predicted", "target", "loss")):
        predicted, target, loss = predicted.predicted, predicted.target, predicted.loss if loss is None else loss
    if target is None:
        raise TypeError(
            f"{owner}: target must be a [B, B] matrix (or predicted a result with .predicted, "
            f".target and .loss), got None"
        )
    p = to_numpy(predicted, owner, "predicted").astype(np.float64)
    t = to_numpy(target, owner, "target").astype(np.float64)
    for name, m in (("predicted", p), ("target", t)):
        if m.ndim != 2 or m.shape[0] != m.shape[1]:
            raise ValueError(f"{owner}: {name} must be a square [B, B] matrix, got shape {list(m.shape)}")
    if p.shape != t.shape:
        raise ValueError(
            f"{owner}: predicted and target must have the same shape, got {list(p.shape)} and {list(t.shape)}"
        )
    if loss is not None:
        arr = to_numpy(loss, owner, "loss") if not isinstance(loss, (int, float)) else np.asarray(loss)
        if np.size(arr) != 1:
            raise ValueError(
                f"{owner}: loss must be a number, a 1-element tensor or None, got shape {list(np.shape(arr))}"
            )
        loss = float(np.asarray(arr, dtype=np.float64).reshape(()))
    return p, t, loss


def delay_arrays(x_seq, delayed, delay_steps, owner: str, channel: int = 0):
    """``(x, y, d, t0)``: input and delayed sequences of one channel as float32 ``[T]``, the delay, and
    the first input event ``t0`` whose delayed copy lies inside the window (None if there is none).

    ``[T, *]`` sequences are flattened to ``[T, C]`` and channel ``channel`` is shown.

    Shape:
        ``x_seq``, ``delayed``: ``[T]`` or ``[T, *]`` (same shape) -> ``[T]`` each.

    Example:
        >>> x, y, d, t0 = delay_arrays([0, 1, 0, 0], [0, 0, 0, 1], 2, "delay_effect")
        >>> y.tolist(), d, t0
        ([0.0, 0.0, 0.0, 1.0], 2, 1)
    """
    x = to_numpy(x_seq, owner, "x_seq")
    y = to_numpy(delayed, owner, "delayed")
    if x.shape != y.shape:
        raise ValueError(
            f"{owner}: x_seq and delayed must have the same shape, got {list(x.shape)} and {list(y.shape)}"
        )
    if x.ndim == 0:
        raise ValueError(f"{owner}: x_seq must be [T] or [T, *], got a 0-d value")
    if isinstance(delay_steps, bool) or not isinstance(delay_steps, (int, np.integer)) or delay_steps < 0:
        raise ValueError(f"{owner}: delay_steps must be an integer >= 0, got {describe(delay_steps)}")
    if x.size == 0:
        x, y = np.zeros(0), np.zeros(0)
    else:
        x, y = x.reshape(x.shape[0], -1), y.reshape(y.shape[0], -1)
        if not 0 <= channel < x.shape[1]:
            raise ValueError(f"{owner}: channel must be in [0, {x.shape[1] - 1}], got {channel}")
        x, y = x[:, channel], y[:, channel]
    d = int(delay_steps)
    events = np.flatnonzero(x[: max(x.size - d, 0)] != 0)
    t0 = int(events[0]) if events.size else None
    return x.astype(np.float32), y.astype(np.float32), d, t0


def curves(runs, owner: str) -> dict:
    """``{name: float32 [K_i]}`` from ``{name: sequence}`` (runs of a training, any number of steps each).

    Shape:
        each run ``[K_i]``.

    Example:
        >>> {k: v.tolist() for k, v in curves({"a": [1.0, 0.5], "b": torch.tensor([2.0])}, "c").items()}
        {'a': [1.0, 0.5], 'b': [2.0]}
    """
    if not isinstance(runs, Mapping):
        raise TypeError(f"{owner}: runs must be a dict {{name: sequence of values}}, got {describe(runs)}")
    return {str(name): curve_array(values, owner, f"runs[{name!r}]") for name, values in runs.items()}


def curve_positions(x, arrays: dict, owner: str) -> dict:
    """``{name: float32 [K_i]}``: where each run's values lie on the x axis (``x=None``: 0, 1, ..., K_i - 1).

    ``x`` names the same runs as ``arrays``, with one finite position per value.

    Shape:
        each run ``[K_i]``, as in ``arrays``.

    Example:
        >>> a = curves({"a": [1.0, 0.5]}, "c")
        >>> curve_positions(None, a, "c")["a"].tolist(), curve_positions({"a": [8, 16]}, a, "c")["a"].tolist()
        ([0.0, 1.0], [8.0, 16.0])
    """
    if x is None:
        return {name: np.arange(values.size, dtype=np.float32) for name, values in arrays.items()}
    if not isinstance(x, Mapping):
        raise TypeError(f"{owner}: x must be None or a dict {{name: sequence of positions}}, got {describe(x)}")
    if sorted(map(str, x)) != sorted(arrays):
        raise ValueError(f"{owner}: x must name the runs {sorted(arrays)}, got {sorted(map(str, x))}")
    positions = {str(name): curve_array(values, owner, f"x[{name!r}]") for name, values in x.items()}
    for name, values in arrays.items():
        where = positions[name]
        if where.size != values.size:
            raise ValueError(f"{owner}: x[{name!r}] must hold one position per value ({values.size}), got {where.size}")
        if not np.isfinite(where).all():
            raise ValueError(f"{owner}: x[{name!r}] must be finite, got {where.tolist()}")
    return {name: positions[name] for name in arrays}


def curve_limits(arrays: dict, positions: dict, logy: bool):
    """``(x_range, y_range)`` that holds every curve (finite values; positive ones when ``logy``), or None.

    The x range runs from 0 (or the lowest position, if below) to the highest position (to 1 when that
    is 0).

    Shape:
        not applicable.

    Example:
        >>> a = {"a": np.array([1.0, 3.0])}
        >>> curve_limits(a, curve_positions(None, a, "c"), False)
        ((0.0, 1.0), (0.9, 3.1))
    """
    values = [a[np.isfinite(a) & ((a > 0) if logy else True)] for a in arrays.values()]
    values = [v for v in values if v.size]
    if not values:
        return None
    lo, hi = min(float(v.min()) for v in values), max(float(v.max()) for v in values)
    if logy:
        lo, hi = np.log10(lo), np.log10(hi)
    pad = 0.05 * (hi - lo) if hi > lo else 0.5
    lo, hi = lo - pad, hi + pad
    if logy:
        lo, hi = 10.0**lo, 10.0**hi
    where = [p for p in positions.values() if p.size]
    left = min(0.0, min(float(p.min()) for p in where))
    right = max(float(p.max()) for p in where)
    return (left, right if right > left else left + 1.0), (float(lo), float(hi))


def rate_summary(finite: np.ndarray) -> str:
    """A one-line summary of firing rates: count, mean and how many are exactly 0 (silent).

    Shape:
        ``finite``: ``[K]`` finite rates.

    Example:
        >>> rate_summary(np.array([0.0, 0.5]))
        '2 neurons, mean rate 0.25, 1 silent'
    """
    return (
        f"{finite.size} neurons, mean rate {float(finite.mean(dtype=np.float64)):.3g}, "
        f"{int((finite == 0).sum())} silent"
    )


def sequence_path(values: np.ndarray, stems: bool):
    """How a sequence is drawn: one tick per spike (``stems``), else a step line; returns ``(xs, ys)``.

    Ticks (``x = t, t, nan``; ``y = 0, 1, nan`` for every ``t`` with a 1) keep neighbouring spikes
    apart instead of merging them into one plateau. Pass ``stems=is_spike_train(a, b, ...)`` so the
    sequences of one figure are drawn alike.

    Shape:
        ``[T]`` -> two 1-D arrays (``3 * spikes`` long for ticks, ``T`` long for steps).

    Example:
        >>> xs, ys = sequence_path(np.array([0.0, 1.0, 1.0]), stems=True)
        >>> xs.tolist()[:2], ys.tolist()[:2]
        ([1.0, 1.0], [0.0, 1.0])
        >>> sequence_path(np.array([0.5, 0.2]), stems=False)[1].tolist()
        [0.5, 0.2]
    """
    values = np.asarray(values, dtype=np.float64)
    steps = np.arange(values.size, dtype=np.float64)
    if not stems:
        return steps, values
    t = steps[values == 1]
    xs = np.stack([t, t, np.full_like(t, np.nan)], axis=1).ravel()
    ys = np.stack([np.zeros_like(t), np.ones_like(t), np.full_like(t, np.nan)], axis=1).ravel()
    return xs, ys


def is_spike_train(*sequences) -> bool:
    """True when every value of every sequence is 0 or 1 (and there is at least one value).

    Example:
        >>> is_spike_train(np.array([0, 1]), np.array([1, 1])), is_spike_train(np.array([0.5]))
        (True, False)
    """
    arrays = [np.asarray(s, dtype=np.float64) for s in sequences]
    return any(a.size for a in arrays) and all(np.all((a == 0) | (a == 1)) for a in arrays)


class DelayLayout(NamedTuple):
    """Where the delay figure puts things (both forms): ranges, the shift arrow and its note, the gradient axis."""

    y_range: tuple
    level: float
    note_x: float
    note_align: str
    shade_end: float
    gradient_range: tuple
    gradient_ticks: list


def delay_layout(x: np.ndarray, y: np.ndarray, d: int, t0: int | None, gradient: np.ndarray | None) -> DelayLayout:
    """The delay figure's layout from its data: one rule for both forms.

    The y axis runs from 8 % of the span below the lowest value to 45 % above the highest (room for
    the arrow at 12 % and its note). The note sits over the arrow's middle, or starts right of
    the input event for ``d == 0`` (a zero-length arrow), always inside the plot so it never meets
    a tick label. The gradient axis (right) is the left axis scaled by ``top / hi`` (``top`` the
    largest gradient magnitude, at least 1): its 0 and its ``top`` sit at the heights of the left
    axis' 0 and ``hi``, so both axes line up.

    Shape:
        ``x``, ``y``: ``[T]``; ``gradient``: ``[T]`` or None.

    Example:
        >>> lay = delay_layout(np.array([0, 1, 0.0]), np.array([0, 0, 1.0]), 1, 1, np.array([1, 1, 0.0]))
        >>> lay.y_range, lay.note_x, lay.gradient_range, lay.gradient_ticks
        ((-0.08, 1.45), 1.5, (-0.08, 1.45), [0, 1])
    """
    finite = np.concatenate([x[np.isfinite(x)], y[np.isfinite(y)], [0.0]])
    lo, hi = float(finite.min()), float(finite.max())
    span = max(hi - lo, 1e-3)
    y_range = (lo - 0.08 * span, hi + 0.45 * span)
    level = hi + 0.12 * span
    if t0 is None:
        note_x, align = 0.0, "center"
    elif d == 0:
        note_x, align = t0 + 0.5, "left"
    else:
        note_x, align = t0 + d / 2, "center"
    top = 1.0
    if gradient is not None and gradient.size:
        top = max(float(np.abs(gradient[np.isfinite(gradient)]).max(initial=0.0)), 1.0)
    scale = top / hi if hi > 0 else top
    return DelayLayout(
        y_range,
        level,
        note_x,
        align,
        float(min(d, x.size)) - 0.5,
        (y_range[0] * scale, y_range[1] * scale),
        [0, int(top) if float(top).is_integer() else top],
    )


def gradient_array(gradient, shape: tuple, owner: str, channel: int) -> np.ndarray | None:
    """The gradient reaching each input step, one channel as float32 ``[T]`` (None passes).

    Shape:
        ``gradient``: the shape of ``x_seq`` (``[T]`` or ``[T, *]``) -> ``[T]``.

    Example:
        >>> gradient_array(torch.ones(3, 2), (3, 2), "delay_effect", 1).tolist()
        [1.0, 1.0, 1.0]
    """
    if gradient is None:
        return None
    g = to_numpy(gradient, owner, "gradient")
    if tuple(g.shape) != tuple(shape):
        raise ValueError(f"{owner}: gradient must have the shape of x_seq {list(shape)}, got {list(g.shape)}")
    if g.size == 0:
        return np.zeros(0, dtype=np.float32)
    return g.reshape(g.shape[0], -1)[:, channel].astype(np.float32)


class Intervals(NamedTuple):
    """Inter-spike intervals of a raster, binned: counts, bin edges, the intervals and a one-line summary."""

    counts: np.ndarray
    edges: np.ndarray
    intervals: np.ndarray
    title: str


def inter_spike_intervals(spikes: Any, bins: int, owner: str) -> Intervals:
    """Intervals between consecutive spikes of each neuron of ``spikes`` ``[T, N]``, pooled and binned.

    An interval is ``t[k+1] - t[k]`` for successive spike steps of one neuron (1 = spikes on
    neighbouring steps). Bins are whole steps: ``bins`` equal bins over ``[0.5, max + 0.5]``,
    widened to whole steps, so every bin holds whole intervals. The summary gives the interval
    count, the mean and the coefficient of variation (std / mean: about 1 for Poisson-like firing,
    0 for a clock).

    Shape:
        ``spikes``: ``[T, N]`` (or ``[T]``, one neuron) -> ``counts`` ``[b]``, ``edges`` ``[b + 1]``.

    Example:
        >>> s = torch.zeros(10, 2); s[[0, 2, 4], 0] = 1; s[[1, 7], 1] = 1
        >>> isi = inter_spike_intervals(s, 20, "isi_histogram")
        >>> sorted(isi.intervals.tolist()), isi.title
        ([2, 2, 6], '3 intervals, mean 3.33 steps, CV 0.57')
    """
    m = to_numpy(spikes, owner, "spikes")
    if m.ndim == 1:
        m = m[:, None]
    if m.ndim != 2:
        raise ValueError(f"{owner}: spikes must be [T, N] (time x neuron) or [T], got shape {list(m.shape)}")
    if isinstance(bins, bool) or not isinstance(bins, int) or bins < 1:
        raise ValueError(f"{owner}: bins must be an int >= 1, got {describe(bins)}")
    neuron, step = np.nonzero(m.T != 0)  # sorted by neuron, then by time step
    same = np.diff(neuron) == 0  # consecutive spikes of one neuron
    intervals = np.diff(step)[same].astype(np.int64)
    top = int(intervals.max()) if intervals.size else 1
    width = max(1, -(-top // bins))  # whole steps per bin
    edges = np.arange(0.5, top + width + 0.5, width, dtype=np.float64)[: -(-top // width) + 1]
    counts = np.histogram(intervals, bins=edges)[0].astype(np.int64)
    if intervals.size:
        mean = float(intervals.mean())
        cv = float(intervals.std()) / mean
        title = f"{intervals.size} intervals, mean {mean:.3g} steps, CV {cv:.2g}"
    else:
        title = "no neuron spiked twice"
    return Intervals(counts, edges, intervals, title)
