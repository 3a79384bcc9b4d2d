"""Containers that run single-step modules over a sequence ``[T, N, *]``.

- ``MultiStepContainer``: step by step (state carries over), like ``functional.multi_step_forward``;
- ``SeqToANNContainer``: all steps at once with time folded into the batch (stateless modules only);
- ``StepModeContainer(stateful, *modules)``: a Sequential with its own ``step_mode`` that picks one of
  the two above in 'm' mode;
- ``TLastMultiStepContainer`` / ``TLastSeqToANNContainer``: the first two for time-last data ``[N, *, T]``.

Their children must be in single-step mode: the constructor checks it (``InvalidParameterError``,
where SpikingJelly asserted), and so does ``forward`` (a child switched to 'm' afterwards would
otherwise give silently wrong values). ``functional.set_step_mode`` does not descend into them.
As in SpikingJelly, ``MultiStepContainer`` and ``SeqToANNContainer`` are multi-step only and have
no ``step_mode`` attribute; they log no warning for children that could also run in 'm' mode.

Shape:
    ``[T, N, *]`` -> ``[T, N, *']`` (``StepModeContainer`` in 's' mode: ``[N, *]`` -> ``[N, *']``).

Example:
    >>> import torch
    >>> from snnlab import layer
    >>> block = layer.SeqToANNContainer(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2))
    >>> block(torch.rand(4, 3, 1, 5, 5)).shape
    torch.Size([4, 3, 2, 3, 3])
"""

from collections.abc import Iterable
from typing import Any

import torch
import torch.nn as nn

from ..base import MultiStepModule, StepModule, step_mode_mismatches
from ..checks import check_bool, describe
from ..errors import InvalidParameterError, InvalidParameterTypeError

__all__ = [
    "MultiStepContainer",
    "SeqToANNContainer",
    "StepModeContainer",
    "TLastMultiStepContainer",
    "TLastSeqToANNContainer",
    "require_single_step",
]


def require_single_step(owner: str, modules: Iterable[Any]) -> None:
    """Raise ``InvalidParameterError`` if any of ``modules`` has a ``step_mode`` other than 's'.

    Plain torch modules (without a ``step_mode``) are searched: a module in another mode nested
    in an ``nn.Sequential`` is refused too.

    Shape:
        not applicable.

    Example:
        >>> from snnlab import layer
        >>> require_single_step('demo', [layer.Linear(2, 2)])
        >>> require_single_step('demo', [layer.Linear(2, 2, step_mode='m')])
        Traceback (most recent call last):
        ...
        snnlab.errors.InvalidParameterError: demo: every contained module must be in step_mode='s', got Linear (at index 0) with step_mode='m'
    """
    for index, m in enumerate(modules):
        try:
            mode = m.step_mode
        except AttributeError:
            # a plain torch container: the modules inside it run once per step too
            for path, bad in step_mode_mismatches(m, "s") if isinstance(m, nn.Module) else ():
                raise InvalidParameterError(
                    f"{owner}: every contained module must be in step_mode='s', got {type(bad).__name__} (at index "
                    f"{index}, path {path!r}) with step_mode={bad.step_mode!r}"
                ) from None
            continue
        if mode != "s":
            raise InvalidParameterError(
                f"{owner}: every contained module must be in step_mode='s', got {type(m).__name__} (at index {index}) "
                f"with step_mode={mode!r}"
            )


class MultiStepContainer(nn.Sequential, MultiStepModule):
    """Run the whole Sequential once per time step: ``y[t] = modules(x_seq[t])``.

    Stateful children (neurons) carry their state from one step to the next.

    Shape:
        ``[T, N, *]`` -> ``[T, N, *']``.

    Example:
        >>> import torch
        >>> class Accumulate(torch.nn.Module):
        ...     def forward(self, x):
        ...         self.total = getattr(self, 'total', 0.) + x
        ...         return self.total
        >>> MultiStepContainer(Accumulate())(torch.ones(3, 1)).flatten().tolist()
        [1.0, 2.0, 3.0]
    """

    def __init__(self, *modules: nn.Module):
        super().__init__(*modules)
        require_single_step(type(self).__name__, self)

    def forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        from ..functional.forward import multi_step_forward

        require_single_step(type(self).__name__, self)
        return multi_step_forward(x_seq, super().forward)


class SeqToANNContainer(nn.Sequential, MultiStepModule):
    """Apply stateless children to all time steps at once (time folded into the batch).

    Shape:
        ``[T, N, *]`` -> ``[T, N, *']``.

    Example:
        >>> import torch
        >>> SeqToANNContainer(torch.nn.Flatten(), torch.nn.Linear(6, 2))(torch.zeros(4, 3, 2, 3)).shape
        torch.Size([4, 3, 2])
    """

    def __init__(self, *modules: nn.Module):
        super().__init__(*modules)
        require_single_step(type(self).__name__, self)

    def forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        from ..functional.forward import seq_to_ann_forward

        require_single_step(type(self).__name__, self)
        return seq_to_ann_forward(x_seq, super().forward)


class StepModeContainer(nn.Sequential, StepModule):
    """A Sequential of single-step modules with a step mode of its own.

    In 's' mode it is a plain Sequential. In 'm' mode it runs step by step when ``stateful``
    (children keep state, e.g. neurons) and with time folded into the batch otherwise.
    ``step_mode`` may also be given by keyword (SpikingJelly 2.0 passes it second).

    Shape:
        's': ``[N, *]`` -> ``[N, *']``; 'm': ``[T, N, *]`` -> ``[T, N, *']``.

    Example:
        >>> import torch
        >>> c = StepModeContainer(False, torch.nn.Linear(3, 2), step_mode='m')
        >>> c(torch.zeros(5, 4, 3)).shape
        torch.Size([5, 4, 2])
    """

    def __init__(self, stateful: bool, *modules: nn.Module, step_mode: str = "s"):
        owner = type(self).__name__
        if isinstance(stateful, nn.Module):
            raise InvalidParameterTypeError(
                f"{owner}: stateful must be a bool given before the modules, got {describe(stateful)}"
            )
        check_bool(owner, "stateful", stateful)
        super().__init__(*modules)
        require_single_step(owner, self)
        self.stateful = stateful
        self.step_mode = step_mode

    def extra_repr(self) -> str:
        return f"stateful={self.stateful}, step_mode={self.step_mode}"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.step_mode == "s":
            return super().forward(x)
        from ..functional.forward import multi_step_forward, seq_to_ann_forward

        require_single_step(type(self).__name__, self)
        if self.stateful:
            return multi_step_forward(x, super().forward)
        return seq_to_ann_forward(x, super().forward)


def _time_last(owner: str, x_seq: object) -> torch.Tensor:
    if not isinstance(x_seq, torch.Tensor) or x_seq.dim() < 2:
        raise ValueError(f"{owner}: x_seq must be a time-last tensor [N, *, T], got {describe(x_seq)}")
    return x_seq.movedim(-1, 0)


class TLastMultiStepContainer(MultiStepContainer):
    """``MultiStepContainer`` for time-last sequences: ``y[..., t] = modules(x_seq[..., t])``.

    Shape:
        ``[N, *, T]`` -> ``[N, *', T]``.

    Example:
        >>> import torch
        >>> TLastMultiStepContainer(torch.nn.Linear(3, 2))(torch.zeros(4, 3, 7)).shape
        torch.Size([4, 2, 7])
    """

    def forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        return super().forward(_time_last(type(self).__name__, x_seq)).movedim(0, -1)


class TLastSeqToANNContainer(SeqToANNContainer):
    """``SeqToANNContainer`` for time-last sequences ``[N, *, T]`` (time folded into the batch).

    Shape:
        ``[N, *, T]`` -> ``[N, *', T]``.

    Example:
        >>> import torch
        >>> TLastSeqToANNContainer(torch.nn.Conv1d(2, 5, 3))(torch.zeros(4, 2, 9, 6)).shape
        torch.Size([4, 5, 7, 6])
    """

    def forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        return super().forward(_time_last(type(self).__name__, x_seq)).movedim(0, -1)
