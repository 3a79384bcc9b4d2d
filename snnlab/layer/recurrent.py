"""Recurrent wrappers: feed a module's previous output back into its input.

- ``ElementWiseRecurrentContainer``: ``y[t] = sub_module(f(y[t-1], x[t]))`` for an element-wise ``f``;
- ``LinearRecurrentContainer``: ``y[t] = sub_module(rc(cat(x[t], y[t-1])))`` with a learnt
  ``rc = nn.Linear(in_features + out_features, in_features)``.

Both start from ``y[-1] = 0`` (the memory ``y`` is ``None`` until the first call and after
``reset()``). The wrapped module must be in single-step mode; ``functional.set_step_mode``
changes the container's mode, never the wrapped module's. 'm' mode loops over ``x_seq[t]``.

Shape:
    's': ``[N, *]`` -> ``[N, *']``; 'm': ``[T, N, *]`` -> ``[T, N, *']``.

Example:
    >>> import torch
    >>> from snnlab import layer
    >>> rec = layer.ElementWiseRecurrentContainer(torch.nn.Identity(), lambda y, x: y + x, step_mode='m')
    >>> rec(torch.ones(3, 1)).flatten().tolist()     # y[t] = y[t-1] + x[t]
    [1.0, 2.0, 3.0]
"""

from collections.abc import Callable

import torch
import torch.nn as nn

from ..base import MemoryModule
from ..checks import check_int, describe
from .containers import require_single_step

__all__ = ["ElementWiseRecurrentContainer", "LinearRecurrentContainer"]


def _check_batch(container, x, batch_shape) -> None:
    """Refuse an input whose batch shape differs from that of the output ``y`` kept from the last step."""
    y = container.y
    if isinstance(y, torch.Tensor) and tuple(y.shape[: len(batch_shape)]) != tuple(batch_shape):
        raise ValueError(
            f"{type(container).__name__}: the input has batch shape {list(batch_shape)} but the output y kept "
            f"from earlier calls has shape {list(y.shape)}; call functional.reset_net(net) before a batch of "
            f"another size"
        )


class ElementWiseRecurrentContainer(MemoryModule):
    """``y[t] = sub_module(element_wise_function(y[t-1], x[t]))`` with ``y[-1] = 0``.

    Shape:
        's': ``[N, *]`` -> ``[N, *]``; 'm': ``[T, N, *]`` -> ``[T, N, *]``.

    Example:
        >>> import torch
        >>> rec = ElementWiseRecurrentContainer(torch.nn.Identity(), torch.mul)
        >>> rec(torch.full((1,), 2.)).tolist()          # 0 * 2
        [0.0]
    """

    def __init__(
        self,
        sub_module: Callable[[torch.Tensor], torch.Tensor],
        element_wise_function: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
        step_mode: str = "s",
    ):
        super().__init__()
        owner = type(self).__name__
        if not callable(sub_module):
            raise TypeError(f"{owner}: sub_module must be a module or a callable, got {describe(sub_module)}")
        if not callable(element_wise_function):
            raise TypeError(
                f"{owner}: element_wise_function must be a callable f(y, x), got {describe(element_wise_function)}"
            )
        require_single_step(owner, [sub_module])
        self.step_mode = step_mode
        self.sub_module = sub_module
        self.element_wise_function = element_wise_function
        self.register_memory("y", None)

    def extra_repr(self) -> str:
        return f"element-wise function={self.element_wise_function}, step_mode={self.step_mode}"

    def single_step_forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_batch(self, x, x.shape[:1])
        y = torch.zeros_like(x.detach()) if self.y is None else self.y
        self.y = self.sub_module(self.element_wise_function(y, x))
        return self.y


class LinearRecurrentContainer(MemoryModule):
    """``y[t] = sub_module(rc(cat(x[t], y[t-1], dim=-1)))`` with ``y[-1] = 0``.

    ``rc`` is ``nn.Linear(in_features + out_features, in_features, bias)``; ``sub_module`` maps
    ``in_features`` to ``out_features`` features (e.g. a neuron, with ``in == out``).

    Shape:
        's': ``[N, *, in_features]`` -> ``[N, *, out_features]``; 'm': with a leading ``T``.

    Example:
        >>> import torch
        >>> rec = LinearRecurrentContainer(torch.nn.Linear(3, 2), in_features=3, out_features=2)
        >>> rec(torch.zeros(4, 3)).shape, rec.rc
        (torch.Size([4, 2]), Linear(in_features=5, out_features=3, bias=True))
    """

    def __init__(
        self,
        sub_module: Callable[[torch.Tensor], torch.Tensor],
        in_features: int,
        out_features: int,
        bias: bool = True,
        step_mode: str = "s",
    ):
        super().__init__()
        owner = type(self).__name__
        if not callable(sub_module):
            raise TypeError(f"{owner}: sub_module must be a module or a callable, got {describe(sub_module)}")
        in_features = check_int(owner, "in_features", in_features, minimum=1)
        out_features = check_int(owner, "out_features", out_features, minimum=1)
        require_single_step(owner, [sub_module])
        self.step_mode = step_mode
        self.sub_module_out_features = out_features
        self.rc = nn.Linear(in_features + out_features, in_features, bias)
        self.sub_module = sub_module
        self.register_memory("y", None)

    def extra_repr(self) -> str:
        return f"step_mode={self.step_mode}"

    def single_step_forward(self, x: torch.Tensor) -> torch.Tensor:
        in_features = self.rc.out_features
        if x.dim() == 0 or x.shape[-1] != in_features:
            raise ValueError(
                f"{type(self).__name__}: x must have in_features={in_features} features in its last dim, "
                f"got shape {list(x.shape)}"
            )
        _check_batch(self, x, x.shape[:-1])
        y = x.new_zeros(x.shape[:-1] + (self.sub_module_out_features,)) if self.y is None else self.y
        out = self.sub_module(self.rc(torch.cat((x, y), dim=-1)))
        expected = tuple(x.shape[:-1]) + (self.sub_module_out_features,)
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != expected:
            got = list(out.shape) if isinstance(out, torch.Tensor) else f"a {type(out).__name__}"
            raise ValueError(
                f"{type(self).__name__}: sub_module must map [N, *, {self.rc.out_features}] to "
                f"[N, *, {self.sub_module_out_features}], got an output of shape {got} for input shape "
                f"{list(x.shape)}"
            )
        self.y = out
        return self.y
