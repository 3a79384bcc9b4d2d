"""Input encoders: turn intensities into spike trains (or constant input currents).

- ``PoissonEncoder``: rate coding; at every step each neuron spikes with probability equal to its
  intensity in ``[0, 1]`` (SpikingJelly's ``encoding.PoissonEncoder``, plus a ``generator``);
- ``LatencyEncoder(T, enc_function)``: time-to-first-spike coding; each neuron spikes exactly once
  in ``T`` steps, stronger inputs earlier (SpikingJelly's ``encoding.LatencyEncoder``);
- ``WeightedPhaseEncoder(K)``: phase coding; ``x`` in ``[0, 1 - 2^-K]`` as ``K`` binary digits, spike ``k``
  weighted ``2^-(k+1)`` (Kim et al. 2018);
- ``PeriodicEncoder(spike)``: replays a given ``[T, N, *]`` train, cycling;
- ``constant_current(value, T)``: the same input at every step (``[T, N, *]``), for direct encoding
  or to drive neurons with a fixed current.

``StatelessEncoder`` and ``StatefulEncoder`` are the base classes (SpikingJelly's): a stateful encoder
encodes its input into a ``[T, *]`` train on the first call after ``reset()`` (``single_step_encode``) and
returns the next step of that train at each call, cycling; later calls need no input (``enc(x); enc()``).

Every encoder can produce a whole ``[T, N, *]`` train in one call (``PoissonEncoder.encode(x, T)``,
``LatencyEncoder.encode(x)``), ready for multi-step networks.

Shape:
    intensities ``[N, *]`` -> spikes ``[N, *]`` per step, or ``[T, N, *]`` for a whole train.

Example:
    >>> import torch
    >>> from snnlab.encoding import LatencyEncoder, constant_current
    >>> LatencyEncoder(T=4).encode(torch.tensor([1.0, 0.5, 0.0])).T.tolist()
    [[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]]
    >>> constant_current(0.5, T=3, shape=(2,)).tolist()
    [[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]]
"""

import math
from collections.abc import Sequence
from typing import cast

import torch
import torch.nn as nn
import torch.nn.functional as F

from .base import MemoryModule, StepModule
from .checks import check_bool, check_choice, check_finite, check_int, check_tensor, describe
from .dvs import dvs_counts, emulate_dvs  # noqa: F401 (re-exported: the DVS emulator lives in snnlab.dvs)

__all__ = [
    "LatencyEncoder",
    "PeriodicEncoder",
    "PoissonEncoder",
    "StatefulEncoder",
    "StatelessEncoder",
    "WeightedPhaseEncoder",
    "constant_current",
]


def _check_intensity(owner: str, x, check_range: bool) -> torch.Tensor:
    check_tensor(owner, "x", x)
    if not torch.is_floating_point(x):
        raise TypeError(f"{owner}: x must be a floating-point tensor of intensities in [0, 1], got {describe(x)}")
    if check_range and x.numel() and bool(((x < 0) | (x > 1) | torch.isnan(x)).any()):
        raise ValueError(
            f"{owner}: x must hold intensities in [0, 1], got values in "
            f"[{x.min().item():.4g}, {x.max().item():.4g}] (NaN counts as out of range)"
        )
    return x


class StatelessEncoder(nn.Module, StepModule):
    """Base class of encoders without state: ``forward`` maps each input to spikes on its own.

    Subclasses define ``forward(x)``; 'm' mode gets a ``[T, N, *]`` input.

    Shape:
        's': ``[N, *]`` -> ``[N, *]``; 'm': ``[T, N, *]`` -> ``[T, N, *]``.

    Example:
        >>> import torch
        >>> class Threshold(StatelessEncoder):
        ...     def forward(self, x):
        ...         return (x >= 0.5).to(x)
        >>> Threshold()(torch.tensor([0.2, 0.7])).tolist()
        [0.0, 1.0]
    """

    def __init__(self, step_mode: str = "s") -> None:
        super().__init__()
        self.step_mode = step_mode

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError(f"{type(self).__name__} must define forward(x) (StatelessEncoder is a base class)")


class StatefulEncoder(MemoryModule):
    """Base class of encoders that encode once and then replay: a ``[T, *]`` train in the memory ``spike``.

    The first call after ``reset()`` calls ``single_step_encode(x)``, which sets ``self.spike`` ``[T, *x.shape]``;
    each call returns ``spike[t]`` and advances ``t`` (cycling after ``T``). Calls after the first may omit ``x``.

    Shape:
        's': ``[N, *]`` (or nothing) -> ``[N, *]``; 'm': ``[T', N, *]`` -> ``[T', N, *]`` (``x_seq[0]`` is encoded).

    Example:
        >>> import torch
        >>> class Repeat(StatefulEncoder):
        ...     def single_step_encode(self, x):
        ...         self.spike = torch.stack([x, 1 - x])
        >>> enc = Repeat(T=2)
        >>> enc(torch.tensor([1.0])).tolist(), enc().tolist(), enc().tolist()
        ([1.0], [0.0], [1.0])
    """

    def __init__(self, T: int, step_mode: str = "s") -> None:
        super().__init__()
        self.T = check_int(type(self).__name__, "T", T, minimum=1)
        self.step_mode = step_mode
        self.register_memory("spike", None)
        self.register_memory("t", 0)

    def extra_repr(self) -> str:
        return f"T={self.T}, step_mode={self.step_mode}"

    def single_step_encode(self, x: torch.Tensor) -> None:
        """Set ``self.spike`` (``[T, *x.shape]``) from ``x``; subclasses define it."""
        raise NotImplementedError(
            f"{type(self).__name__} must define single_step_encode(x) (StatefulEncoder is a base class)"
        )

    def single_step_forward(self, x: torch.Tensor | None = None) -> torch.Tensor:
        if self.spike is None:
            if x is None:
                raise ValueError(
                    f"{type(self).__name__}: x must be given on the first call after reset() (nothing is encoded yet), got None"
                )
            self.single_step_encode(x)
        spike = cast(torch.Tensor, self.spike)  # single_step_encode has set it
        t = self.t
        self.t = (t + 1) % self.T
        return spike[t]


class PoissonEncoder(StatelessEncoder):
    """Rate coding: ``spike = 1`` with probability ``x`` at every step, independently.

    'm' mode encodes each ``x_seq[t]`` (the same rule element-wise). ``encode(x, T)`` draws a whole
    ``[T, N, *]`` train from one static input. ``generator`` (a ``torch.Generator`` on the input's
    device) makes the draws reproducible. A spike is drawn where ``u < x`` for ``u`` uniform in
    ``[0, 1)``, so ``x = 0`` never and ``x = 1`` always spikes (SpikingJelly used ``u <= x``).
    ``check_range`` (default True) verifies ``0 <= x <= 1`` at every call, at the cost of one
    device-to-host sync.

    Shape:
        's': ``[N, *]`` -> ``[N, *]``; 'm': ``[T, N, *]`` -> ``[T, N, *]``; ``encode``: ``[N, *]`` -> ``[T, N, *]``.

    Example:
        >>> import torch
        >>> enc = PoissonEncoder(generator=torch.Generator().manual_seed(0))
        >>> train = enc.encode(torch.tensor([0.0, 0.25, 1.0]), T=1000)
        >>> train.shape, train.mean(0).tolist()[0], train.mean(0).tolist()[2]
        (torch.Size([1000, 3]), 0.0, 1.0)
    """

    def __init__(self, step_mode: str = "s", *, generator: torch.Generator | None = None, check_range: bool = True):
        super().__init__(step_mode)
        if generator is not None and not isinstance(generator, torch.Generator):
            raise TypeError(f"PoissonEncoder: generator must be a torch.Generator or None, got {describe(generator)}")
        self.step_mode = step_mode
        self.generator = generator
        self.check_range = check_bool("PoissonEncoder", "check_range", check_range)

    def extra_repr(self) -> str:
        return f"step_mode={self.step_mode}, check_range={self.check_range}"

    def _draw(self, shape, x: torch.Tensor) -> torch.Tensor:
        g = self.generator
        if g is not None and g.device.type != x.device.type:
            raise ValueError(
                f"PoissonEncoder: generator is on {g.device}, but x is on {x.device}; "
                f"use a generator on the input's device"
            )
        u = torch.rand(shape, generator=g, device=x.device, dtype=x.dtype)
        return (u < x).to(x.dtype)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_intensity("PoissonEncoder", x, self.check_range)
        return self._draw(x.shape, x)

    def encode(self, x: torch.Tensor, T: int) -> torch.Tensor:
        """A ``[T, *x.shape]`` spike train from the static intensities ``x``."""
        T = check_int("PoissonEncoder", "T", T, minimum=1)
        _check_intensity("PoissonEncoder", x, self.check_range)
        return self._draw((T,) + tuple(x.shape), x)


class LatencyEncoder(StatefulEncoder):
    """Latency coding over ``T`` steps: exactly one spike per neuron, at ``t_f(x)``.

    ``enc_function='linear'``: ``t_f = round((T - 1) * (1 - x))``; ``'log'``:
    ``t_f = round(T - 1 - ln(alpha * x + 1))`` with ``alpha = e^(T-1) - 1``, evaluated as
    ``-ln(x + (1 - x) * e^-(T-1))`` in log space so that it stays finite for any ``T`` (SpikingJelly overflowed
    in float32 beyond ``T`` of about 89). ``x = 1`` spikes at step 0, ``x = 0`` at step ``T - 1``.

    As in SpikingJelly the module is stateful: the first call after ``reset()`` encodes its input
    (``single_step_encode``) and every call returns the next step of that train (cycling after ``T``);
    later calls may omit the input (``enc(x); enc()``). A call with a different input (other values or
    another shape) encodes that input and starts its train at step 0 (SpikingJelly kept replaying the
    first input's train). In 'm' mode ``x_seq[0]`` is encoded and ``x_seq.shape[0]`` steps of its train
    are returned. ``encode(x)`` returns the whole train at once. ``alpha`` (``'log'`` only) is
    ``e^(T-1) - 1`` (``inf`` where that overflows a float, beyond ``T`` = 710).

    Shape:
        's': ``[N, *]`` -> ``[N, *]`` (one step); 'm': ``[T', N, *]`` -> ``[T', N, *]``;
        ``encode``: ``[N, *]`` -> ``[T, N, *]``.

    Example:
        >>> import torch
        >>> enc = LatencyEncoder(T=3)
        >>> x = torch.tensor([0.9, 0.4])
        >>> [enc(x).tolist() for _ in range(3)]
        [[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]
        >>> LatencyEncoder(T=3, enc_function='log').encode(x).T.tolist()
        [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    """

    def __init__(self, T: int, enc_function: str = "linear", step_mode: str = "s", *, check_range: bool = True):
        T = check_int("LatencyEncoder", "T", T, minimum=1)
        enc_function = check_choice("LatencyEncoder", "enc_function", enc_function, ("linear", "log"))
        check_range = check_bool("LatencyEncoder", "check_range", check_range)
        super().__init__(T, step_mode)
        self.enc_function = enc_function
        self.check_range = check_range
        self.register_memory("encoded", None)
        if enc_function == "log":
            self.alpha = math.exp(T - 1.0) - 1.0 if T - 1 < 709 else math.inf

    def extra_repr(self) -> str:
        return f"T={self.T}, enc_function={self.enc_function}, step_mode={self.step_mode}"

    def firing_step(self, x: torch.Tensor) -> torch.Tensor:
        """The step (int64, same shape as ``x``) at which each neuron spikes."""
        _check_intensity("LatencyEncoder", x, self.check_range)
        if self.enc_function == "linear":
            t_f = (self.T - 1.0) * (1.0 - x)
        else:
            # -ln(x + (1 - x) e^-(T-1)) in log space: finite even where e^-(T-1) underflows
            t_f = -torch.logaddexp(torch.log(x), torch.log1p(-x) - (self.T - 1.0))
        return t_f.round().long().clamp_(0, self.T - 1)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The whole ``[T, *x.shape]`` train (in ``x``'s dtype); the module's state is not used."""
        return F.one_hot(self.firing_step(x), num_classes=self.T).movedim(-1, 0).to(x.dtype)

    def single_step_encode(self, x: torch.Tensor) -> None:
        """Encode ``x`` into ``self.spike`` (``[T, *x.shape]``) and start from step 0 of it."""
        spike = self.encode(x)  # checks x before the state changes
        self.spike, self.t, self.encoded = spike, 0, x.detach().clone()

    def _is_encoded(self, x: torch.Tensor) -> bool:
        old = self.encoded
        return (
            old is not None
            and old.shape == x.shape
            and old.dtype == x.dtype
            and old.device == x.device
            and bool(torch.equal(old, x))
        )

    def single_step_forward(self, x: torch.Tensor | None = None) -> torch.Tensor:
        if x is not None and self.spike is not None and not self._is_encoded(x):
            self.single_step_encode(x)  # a new input starts its own train
        return super().single_step_forward(x)

    def multi_step_forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        check_tensor("LatencyEncoder", "x_seq", x_seq, min_dim=1)
        if x_seq.shape[0] == 0:
            raise ValueError(f"LatencyEncoder: x_seq must have at least one time step, got shape {list(x_seq.shape)}")
        return torch.stack([self.single_step_forward(x_seq[0]) for _ in range(x_seq.shape[0])])


class WeightedPhaseEncoder(StatefulEncoder):
    """Phase coding with ``K`` phases: spike ``k`` is the ``k``-th binary digit of ``x`` (weight ``2^-(k+1)``).

    ``x`` must lie in ``[0, 1 - 2^-K]`` so that ``K`` digits represent it; then
    ``x = sum_k spike[k] * 2^-(k+1)`` up to ``2^-K``. The train has ``x``'s dtype.

    Shape:
        's': ``[N, *]`` (or nothing) -> ``[N, *]``; the train is ``[K, N, *]``.

    Example:
        >>> import torch
        >>> enc = WeightedPhaseEncoder(K=3)
        >>> [enc(torch.tensor([0.625])).item()] + [enc().item() for _ in range(2)]   # 0.625 = 0.101 in binary
        [1.0, 0.0, 1.0]
    """

    def __init__(self, K: int, step_mode: str = "s") -> None:
        super().__init__(K, step_mode)

    def single_step_encode(self, x: torch.Tensor) -> None:
        check_tensor("WeightedPhaseEncoder", "x", x)
        top = 1.0 - 2.0 ** (-self.T)
        if x.numel() and bool(((x < 0) | (x > top) | torch.isnan(x)).any()):
            raise ValueError(
                f"WeightedPhaseEncoder: x must lie in [0, 1 - 2^-K] = [0, {top}] for K={self.T}, got values in "
                f"[{x.min().item():.6g}, {x.max().item():.6g}]"
            )
        rest = x.clone()
        spike = torch.empty((self.T,) + tuple(x.shape), device=x.device, dtype=x.dtype)
        w = 0.5
        for k in range(self.T):
            spike[k] = rest >= w
            rest -= w * spike[k]
            w *= 0.5
        self.spike = spike


class PeriodicEncoder(StatefulEncoder):
    """Replay the spike train ``spike`` (``[T, N, *]``) step by step, cycling after ``T`` steps.

    As in SpikingJelly, a tensor passed at the first call after ``reset()`` replaces the train (and ``T``);
    a call without input replays the train given to the constructor.

    Shape:
        's': nothing (or a ``[T, N, *]`` train) -> ``[N, *]``.

    Example:
        >>> import torch
        >>> enc = PeriodicEncoder(torch.tensor([[1.0], [0.0]]))
        >>> [enc().item() for _ in range(3)]
        [1.0, 0.0, 1.0]
    """

    def __init__(self, spike: torch.Tensor, step_mode: str = "s") -> None:
        check_tensor("PeriodicEncoder", "spike", spike, min_dim=1)
        super().__init__(spike.shape[0], step_mode)
        self.default_spike = spike

    def single_step_encode(self, spike: torch.Tensor) -> None:
        check_tensor("PeriodicEncoder", "spike", spike, min_dim=1)
        if spike.shape[0] < 1:
            raise ValueError(f"PeriodicEncoder: spike must have at least one time step, got shape {list(spike.shape)}")
        self.spike = spike
        self.T = spike.shape[0]

    def single_step_forward(self, x: torch.Tensor | None = None) -> torch.Tensor:
        if self.spike is None and x is None:
            self.single_step_encode(self.default_spike)
        return super().single_step_forward(x)


def constant_current(
    value: float | torch.Tensor,
    T: int,
    shape: Sequence[int] | None = None,
    *,
    dtype: torch.dtype | None = None,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """The same input at each of ``T`` steps: ``[T, *shape]`` filled with a number, or ``value`` repeated.

    ``value`` is a number (``shape`` required) or a tensor ``[N, *]`` (then ``shape`` must be None and
    ``dtype`` / ``device`` default to the tensor's). The result is a fresh tensor (not a view).

    Shape:
        number: ``[T, *shape]``; tensor ``[N, *]``: ``[T, N, *]``.

    Example:
        >>> import torch
        >>> constant_current(torch.tensor([[1., 2.]]), T=2).tolist()
        [[[1.0, 2.0]], [[1.0, 2.0]]]
    """
    T = check_int("constant_current", "T", T, minimum=1)
    if isinstance(value, torch.Tensor):
        if shape is not None:
            raise ValueError(
                f"constant_current: shape must be None when value is a tensor (its shape is used), got {shape!r}"
            )
        check_finite("constant_current", "value", value)
        value = value.to(dtype=dtype or value.dtype, device=device or value.device)
        return value.unsqueeze(0).repeat((T,) + (1,) * value.dim())
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"constant_current: value must be a number or a tensor, got {describe(value)}")
    if not math.isfinite(value):
        raise ValueError(f"constant_current: value must be finite, got {value!r}")
    if shape is None:
        raise ValueError("constant_current: shape must be given (e.g. (N, features)) when value is a number, got None")
    try:
        shape = tuple(
            check_int("constant_current", "shape", s, minimum=0)
            for s in ((shape,) if not isinstance(shape, (tuple, list, torch.Size)) else shape)
        )
    except (TypeError, ValueError):
        raise ValueError(f"constant_current: shape must be a tuple of non-negative ints, got {shape!r}") from None
    return torch.full((T,) + shape, float(value), dtype=dtype, device=device)
