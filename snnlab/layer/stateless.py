"""Step-mode-aware stateless layers: torch layers that also accept a whole sequence.

Each class takes the arguments of its ``torch.nn`` namesake plus ``step_mode='s'``.
In single-step mode ('s') it is exactly the torch layer. In multi-step mode ('m') it takes
``[T, N, *]``, folds time into the batch (``[T*N, *]``), applies the torch layer once and
unfolds the result (see ``snnlab.functional.forward.seq_to_ann_forward``). Convolutions,
batch norms and pools check the input rank in 'm' mode, with SpikingJelly's message.

Batch norms in 'm' mode compute their statistics over ``T*N`` samples at once, as in
SpikingJelly; 's' and 'm' agree exactly in eval mode.

Shape:
    's': ``[N, *]`` -> ``[N, *']`` (the torch layer); 'm': ``[T, N, *]`` -> ``[T, N, *']``.

Example:
    >>> import torch
    >>> from snnlab import layer
    >>> conv = layer.Conv2d(1, 4, kernel_size=3, padding=1, step_mode='m')
    >>> conv(torch.zeros(5, 2, 1, 8, 8)).shape
    torch.Size([5, 2, 4, 8, 8])
    >>> conv
    Conv2d(1, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), step_mode=m)
"""

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import torch
import torch.nn as nn

from ..base import StepModule

if TYPE_CHECKING:  # the mixins below are only ever combined with a torch.nn layer
    _TorchLayer = nn.Module
else:
    _TorchLayer = object

_Size = int | tuple[int, ...]  # torch's kernel sizes, strides, paddings: one int or one per dim
_Device = torch.device | str | None

__all__ = [
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveAvgPool3d",
    "AvgPool1d",
    "AvgPool2d",
    "AvgPool3d",
    "BatchNorm1d",
    "BatchNorm2d",
    "BatchNorm3d",
    "Conv1d",
    "Conv2d",
    "Conv3d",
    "ConvTranspose1d",
    "ConvTranspose2d",
    "ConvTranspose3d",
    "Flatten",
    "GroupNorm",
    "Linear",
    "MaxPool1d",
    "MaxPool2d",
    "MaxPool3d",
]

_RANK_TEXT = {3: "[T, N, C]", 4: "[T, N, C, L]", 5: "[T, N, C, H, W]", 6: "[T, N, C, D, H, W]"}


def seq_to_ann(x_seq: torch.Tensor, stateless_function: Callable[[torch.Tensor], torch.Tensor]) -> torch.Tensor:
    """Apply ``stateless_function`` to ``x_seq`` ``[T, N, *]`` with time folded into the batch.

    Shape:
        ``[T, N, *]`` -> ``[T, N, *']``.

    Example:
        >>> import torch
        >>> seq_to_ann(torch.ones(3, 2, 4), lambda y: y.sum(1, keepdim=True)).shape
        torch.Size([3, 2, 1])
    """
    from ..functional.forward import seq_to_ann_forward

    return seq_to_ann_forward(x_seq, stateless_function)


class _SequenceLayer(StepModule, _TorchLayer):
    """Shared forward: the torch layer in 's' mode, ``seq_to_ann`` in 'm' mode.

    ``_m_ranks`` lists the input ranks accepted in 'm' mode (empty: any rank).
    """

    _m_ranks = ()

    def _check_sequence(self, x: object) -> None:
        if self._m_ranks and (not isinstance(x, torch.Tensor) or x.dim() not in self._m_ranks):
            shapes = " or ".join(_RANK_TEXT[r] for r in sorted(self._m_ranks, reverse=True))
            got = x.shape if isinstance(x, torch.Tensor) else f"a {type(x).__name__}"
            raise ValueError(
                f"{type(self).__name__}: expected x with shape {shapes}, but got x with shape {got}! "
                f"(step_mode='m' takes a sequence [T, N, ...])"
            )

    def forward(self, x: torch.Tensor) -> Any:  # a tensor (a pool with return_indices: a pair in 's' mode)
        if self.step_mode == "s":
            return super().forward(x)
        self._check_sequence(x)
        return seq_to_ann(x, super().forward)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", step_mode={self.step_mode}"


class Linear(_SequenceLayer, nn.Linear):
    """``nn.Linear`` with a step mode; it acts on the last dim, so both modes give the same values.

    Shape:
        's': ``[N, *, in_features]`` -> ``[N, *, out_features]``; 'm': ``[T, N, *, in]`` -> ``[T, N, *, out]``.

    Example:
        >>> import torch
        >>> fc = Linear(3, 2, step_mode='m')
        >>> fc(torch.zeros(4, 5, 3)).shape
        torch.Size([4, 5, 2])
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        step_mode: str = "s",
        *,
        device: _Device = None,
        dtype: torch.dtype | None = None,
    ):
        super().__init__(in_features, out_features, bias, device=device, dtype=dtype)
        self.step_mode = step_mode

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.Linear.forward(self, x)


class Flatten(_SequenceLayer, nn.Flatten):
    """``nn.Flatten`` with a step mode ('m' flattens each ``x_seq[t]`` from ``start_dim`` on).

    Shape:
        's': ``[N, C, H, W]`` -> ``[N, C*H*W]``; 'm': ``[T, N, C, H, W]`` -> ``[T, N, C*H*W]``.

    Example:
        >>> import torch
        >>> Flatten(step_mode='m')(torch.zeros(4, 2, 3, 5, 5)).shape
        torch.Size([4, 2, 75])
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1, step_mode: str = "s"):
        super().__init__(start_dim, end_dim)
        self.step_mode = step_mode

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # the dims start_dim and end_dim name must exist in each step's [N, ...] (plus T in 'm' mode)
        need = max(d + 1 if d >= 0 else -d for d in (self.start_dim, self.end_dim))
        need += self.step_mode == "m"
        if not isinstance(x, torch.Tensor) or x.dim() < need:
            got = list(x.shape) if isinstance(x, torch.Tensor) else f"a {type(x).__name__}"
            layout = "[T, N, ...]" if self.step_mode == "m" else "[N, ...]"
            raise ValueError(
                f"Flatten: expected x with at least {need} dimensions ({layout} with start_dim={self.start_dim}, "
                f"end_dim={self.end_dim} in step_mode={self.step_mode!r}), got shape {got}"
            )
        if self.step_mode == "m" and self.start_dim % (x.dim() - 1) == 0:
            raise ValueError(
                f"Flatten: start_dim={self.start_dim} would merge the batch dim N of each step in step_mode='m' "
                f"(input shape {list(x.shape)}); flatten from dim 1 on"
            )
        return super().forward(x)


def _conv(name: str, torch_cls: type[nn.Module], rank: int) -> type:
    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: _Size,
        stride: _Size = 1,
        padding: _Size | str = 0,
        dilation: _Size = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        step_mode: str = "s",
        *,
        device: _Device = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        torch_cls.__init__(
            self,
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            device=device,
            dtype=dtype,
        )
        self.step_mode = step_mode

    doc = f"""``nn.{name}`` with a step mode; 'm' needs {_RANK_TEXT[rank]}.

    Shape:
        's': ``[N, C_in, ...]`` -> ``[N, C_out, ...]``; 'm': ``{_RANK_TEXT[rank]}`` -> same rank, ``C_out`` channels.

    Example:
        >>> import torch
        >>> layer = {name}(2, 3, kernel_size=1, step_mode='m')
        >>> layer(torch.zeros({", ".join(["4", "5", "2"] + ["6"] * (rank - 3))})).shape[:3]
        torch.Size([4, 5, 3])
    """
    return type(
        name,
        (_SequenceLayer, torch_cls),
        {"__init__": __init__, "__doc__": doc, "_m_ranks": (rank,), "__module__": __name__},
    )


Conv1d = _conv("Conv1d", nn.Conv1d, 4)
Conv2d = _conv("Conv2d", nn.Conv2d, 5)
Conv3d = _conv("Conv3d", nn.Conv3d, 6)


def _conv_transpose(name: str, torch_cls: type[nn.Module], rank: int) -> type:
    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: _Size,
        stride: _Size = 1,
        padding: _Size = 0,
        output_padding: _Size = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: _Size = 1,
        padding_mode: str = "zeros",
        step_mode: str = "s",
        *,
        device: _Device = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        torch_cls.__init__(
            self,
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            output_padding,
            groups,
            bias,
            dilation,
            padding_mode,
            device=device,
            dtype=dtype,
        )
        self.step_mode = step_mode

    doc = f"""``nn.{name}`` with a step mode; 'm' needs {_RANK_TEXT[rank]}.

    The arguments keep torch's order (``output_padding`` and ``groups`` before ``bias``, ``dilation`` after).

    Shape:
        's': ``[N, C_in, ...]`` -> ``[N, C_out, ...']``; 'm': ``{_RANK_TEXT[rank]}`` -> same rank.

    Example:
        >>> import torch
        >>> layer = {name}(2, 3, kernel_size=2, stride=2, step_mode='m')
        >>> layer(torch.zeros({", ".join(["4", "5", "2"] + ["3"] * (rank - 3))})).shape
        torch.Size([{", ".join(["4", "5", "3"] + ["6"] * (rank - 3))}])
    """
    return type(
        name,
        (_SequenceLayer, torch_cls),
        {"__init__": __init__, "__doc__": doc, "_m_ranks": (rank,), "__module__": __name__},
    )


ConvTranspose1d = _conv_transpose("ConvTranspose1d", nn.ConvTranspose1d, 4)
ConvTranspose2d = _conv_transpose("ConvTranspose2d", nn.ConvTranspose2d, 5)
ConvTranspose3d = _conv_transpose("ConvTranspose3d", nn.ConvTranspose3d, 6)


def _batch_norm(name: str, torch_cls: type[nn.Module], ranks: tuple[int, ...]) -> type:
    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        step_mode: str = "s",
        **factory_kwargs: Any,
    ) -> None:
        # factory_kwargs: device, dtype (and bias where this torch version has it)
        torch_cls.__init__(self, num_features, eps, momentum, affine, track_running_stats, **factory_kwargs)
        self.step_mode = step_mode

    rank = max(ranks)
    doc = f"""``nn.{name}`` with a step mode; 'm' needs {" or ".join(_RANK_TEXT[r] for r in sorted(ranks, reverse=True))}.

    In 'm' mode the batch statistics are taken over all ``T*N`` samples (as in SpikingJelly).

    Shape:
        's': ``[N, C, ...]`` -> same; 'm': ``[T, N, C, ...]`` -> same.

    Example:
        >>> import torch
        >>> bn = {name}(2, step_mode='m')
        >>> bn(torch.rand({", ".join(["4", "5", "2"] + ["3"] * (rank - 3))})).shape[:3]
        torch.Size([4, 5, 2])
    """
    return type(
        name,
        (_SequenceLayer, torch_cls),
        {"__init__": __init__, "__doc__": doc, "_m_ranks": ranks, "__module__": __name__},
    )


BatchNorm1d = _batch_norm("BatchNorm1d", nn.BatchNorm1d, (3, 4))
BatchNorm2d = _batch_norm("BatchNorm2d", nn.BatchNorm2d, (5,))
BatchNorm3d = _batch_norm("BatchNorm3d", nn.BatchNorm3d, (6,))


class GroupNorm(_SequenceLayer, nn.GroupNorm):
    """``nn.GroupNorm`` with a step mode; 'm' normalises each sample of each step on its own.

    Group norm has no batch statistics, so 's' and 'm' give the same values step by step.

    Shape:
        's': ``[N, C, *]`` -> same; 'm': ``[T, N, C, *]`` -> same.

    Example:
        >>> import torch
        >>> gn = GroupNorm(2, 4, step_mode='m')
        >>> y = gn(torch.rand(3, 2, 4, 5))
        >>> y.shape, round(float(y[0, 0, :2].detach().mean()), 4) == 0.0
        (torch.Size([3, 2, 4, 5]), True)
    """

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        step_mode: str = "s",
        *,
        device: _Device = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__(num_groups, num_channels, eps, affine, device=device, dtype=dtype)
        self.step_mode = step_mode


class _NoIndices(_TorchLayer):
    """Pools that can return indices refuse to do so in 'm' mode (a tuple cannot be unfolded)."""

    step_mode: str
    return_indices: bool

    def forward(self, x: torch.Tensor) -> Any:
        if self.step_mode == "m" and self.return_indices:
            raise ValueError(f"{type(self).__name__}: return_indices must be False in step_mode='m', got True")
        return super().forward(x)


def _pool(name: str, torch_cls: type[nn.Module], rank: int) -> type:
    torch_params = list(inspect.signature(torch_cls.__init__).parameters.values())[1:]
    n_torch = len(torch_params)
    bases = (
        (_NoIndices, _SequenceLayer, torch_cls)
        if "return_indices" in (p.name for p in torch_params)
        else (_SequenceLayer, torch_cls)
    )

    def __init__(self, *args: Any, step_mode: str = "s", **kwargs: Any) -> None:
        if len(args) > n_torch:
            # SpikingJelly order: the torch arguments, then step_mode.
            step_mode, args = args[n_torch], args[:n_torch]
        torch_cls.__init__(self, *args, **kwargs)
        self.step_mode = step_mode

    step_param = inspect.Parameter("step_mode", inspect.Parameter.POSITIONAL_OR_KEYWORD, default="s", annotation=str)
    __init__.__signature__ = inspect.Signature(
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)] + torch_params + [step_param]
    )
    example_shape = ", ".join(["3", "2", "1"] + ["4"] * (rank - 3))
    doc = f"""``nn.{name}`` plus ``step_mode='s'`` (last, as in SpikingJelly); 'm' needs {_RANK_TEXT[rank]}.

    Shape:
        's': ``[N, C, ...]`` -> ``[N, C, ...']``; 'm': ``{_RANK_TEXT[rank]}`` -> same rank.

    Example:
        >>> import torch
        >>> pool = {name}(2, step_mode='m')
        >>> pool(torch.zeros({example_shape})).shape[:3]
        torch.Size([3, 2, 1])
    """
    return type(name, bases, {"__init__": __init__, "__doc__": doc, "_m_ranks": (rank,), "__module__": __name__})


MaxPool1d = _pool("MaxPool1d", nn.MaxPool1d, 4)
MaxPool2d = _pool("MaxPool2d", nn.MaxPool2d, 5)
MaxPool3d = _pool("MaxPool3d", nn.MaxPool3d, 6)
AvgPool1d = _pool("AvgPool1d", nn.AvgPool1d, 4)
AvgPool2d = _pool("AvgPool2d", nn.AvgPool2d, 5)
AvgPool3d = _pool("AvgPool3d", nn.AvgPool3d, 6)
AdaptiveAvgPool1d = _pool("AdaptiveAvgPool1d", nn.AdaptiveAvgPool1d, 4)
AdaptiveAvgPool2d = _pool("AdaptiveAvgPool2d", nn.AdaptiveAvgPool2d, 5)
AdaptiveAvgPool3d = _pool("AdaptiveAvgPool3d", nn.AdaptiveAvgPool3d, 6)
