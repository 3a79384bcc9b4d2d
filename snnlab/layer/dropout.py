"""Dropout for spiking networks: one mask per sample, shared by every time step.

As in SpikingJelly, the mask is drawn on the first training call after a reset and kept
(a memory named ``mask``) until ``reset()`` / ``functional.reset_net``: in 's' mode the
same neurons stay silenced across the successive calls of one sample, in 'm' mode the
same mask multiplies every ``x_seq[t]``. Kept values are scaled by ``1 / (1 - p)``. In
eval mode the input is returned unchanged. Drawing uses torch's global generator, so the
's' and 'm' forms give identical masks under the same seed.

Shape:
    's': ``[N, *]`` -> ``[N, *]``; 'm': ``[T, N, *]`` -> ``[T, N, *]``.

Example:
    >>> import torch
    >>> from snnlab.layer import Dropout
    >>> _ = torch.manual_seed(0)
    >>> drop = Dropout(p=0.5, step_mode='m')
    >>> y = drop(torch.ones(4, 1, 6))
    >>> bool((y == y[0]).all())      # the same mask at every step
    True
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..base import MemoryModule
from ..checks import check_bool, check_int, check_real, describe
from ..errors import InvalidParameterError

__all__ = ["DropConnectLinear", "Dropout", "Dropout2d"]


class Dropout(MemoryModule):
    """Element-wise dropout whose mask is shared across time steps until ``reset()``.

    Shape:
        's': ``[N, *]`` -> ``[N, *]``; 'm': ``[T, N, *]`` -> ``[T, N, *]``.

    Example:
        >>> import torch
        >>> _ = torch.manual_seed(1)
        >>> drop = Dropout(p=0.5)
        >>> a, b = drop(torch.ones(2, 8)), drop(torch.ones(2, 8))
        >>> torch.equal(a, b), sorted(set(a.flatten().tolist()))
        (True, [0.0, 2.0])
        >>> drop.eval()(torch.ones(1, 2))
        tensor([[1., 1.]])
    """

    def __init__(self, p: float = 0.5, step_mode: str = "s"):
        super().__init__()
        p = check_real(type(self).__name__, "p", p)
        if not 0.0 <= p < 1.0:
            raise InvalidParameterError(f"{type(self).__name__}: p must be a number in [0, 1), got {p!r}")
        self.step_mode = step_mode
        self.p = p
        self.register_memory("mask", None)

    def extra_repr(self) -> str:
        return f"p={self.p}, step_mode={self.step_mode}"

    def _draw(self, x: torch.Tensor) -> torch.Tensor:
        return F.dropout(torch.ones_like(x.detach()), self.p, training=True)

    def _mask_for(self, x: torch.Tensor) -> torch.Tensor:
        if self.mask is None:
            self.mask = self._draw(x)
        elif self.mask.shape != x.shape:
            raise ValueError(
                f"{type(self).__name__}: the dropout mask was drawn for samples of shape {list(self.mask.shape)}, "
                f"got shape {list(x.shape)}; call functional.reset_net(net) before a new batch"
            )
        return self.mask

    def single_step_forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return x
        return x * self._mask_for(x)

    def multi_step_forward(self, x_seq: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return x_seq
        if x_seq.dim() < 1 or x_seq.shape[0] == 0:
            raise ValueError(
                f"{type(self).__name__}: x_seq must have at least one time step, got shape {list(x_seq.shape)}"
            )
        return x_seq * self._mask_for(x_seq[0])


class Dropout2d(Dropout):
    """Channel-wise dropout (whole feature maps) whose mask is shared across time steps.

    Shape:
        's': ``[N, C, H, W]`` -> same; 'm': ``[T, N, C, H, W]`` -> same.

    Example:
        >>> import torch
        >>> _ = torch.manual_seed(0)
        >>> y = Dropout2d(p=0.5)(torch.ones(1, 6, 2, 2))
        >>> bool((y == y[:, :, :1, :1]).all())   # constant over each feature map
        True
    """

    def __init__(self, p: float = 0.2, step_mode: str = "s"):
        super().__init__(p, step_mode)

    def _draw(self, x: torch.Tensor) -> torch.Tensor:
        return F.dropout2d(torch.ones_like(x.detach()), self.p, training=True)


class DropConnectLinear(MemoryModule):
    """A linear layer whose weights (and biases) are dropped with probability ``p``, per sample (Wan et al. 2013).

    Training: every sample of the batch gets its own Bernoulli masks on ``weight`` and ``bias`` (no rescaling);
    with ``invariant=True`` the masks are drawn once and kept until ``reset()``, otherwise at every call.
    The result goes through ``activation`` (None: none). Evaluation follows the paper's inference rule:
    the pre-activation is Gaussian with mean ``(1 - p) * (W x + b)`` and variance
    ``p (1 - p) * (W^2 x^2 + b^2)``; ``samples_num`` samples of it go through ``activation`` and are averaged.

    ``state_mode`` is SpikingJelly's name for the step mode of this class; it sets ``step_mode``.

    Shape:
        's': ``[N, in_features]`` -> ``[N, out_features]``; 'm': ``[T, N, in_features]`` -> ``[T, N, out_features]``.

    Example:
        >>> import torch
        >>> _ = torch.manual_seed(0)
        >>> fc = DropConnectLinear(4, 3, p=0.5, activation=None)
        >>> fc(torch.ones(2, 4)).shape, fc.dropped_w.shape
        (torch.Size([2, 3]), torch.Size([2, 3, 4]))
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        p: float = 0.5,
        samples_num: int = 1024,
        invariant: bool = False,
        activation: nn.Module | None = nn.ReLU(),  # noqa: B008 - SpikingJelly's default; ReLU holds no state
        state_mode: str = "s",
    ) -> None:
        super().__init__()
        name = "DropConnectLinear"
        self.in_features = check_int(name, "in_features", in_features, minimum=1)
        self.out_features = check_int(name, "out_features", out_features, minimum=1)
        check_bool(name, "bias", bias)
        p = check_real(name, "p", p)
        if not 0.0 <= p < 1.0:
            raise InvalidParameterError(f"{name}: p must be a number in [0, 1), got {p!r}")
        self.samples_num = check_int(name, "samples_num", samples_num, minimum=1)
        self.invariant = check_bool(name, "invariant", invariant)
        if activation is not None and not callable(activation):
            raise TypeError(f"{name}: activation must be a callable (an nn.Module) or None, got {describe(activation)}")
        self.state_mode = state_mode
        self.step_mode = state_mode
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        if bias:
            self.bias = nn.Parameter(torch.empty(out_features))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()
        self.p = p
        self.register_memory("dropped_w", None)
        if self.bias is not None:
            self.register_memory("dropped_b", None)
        self.activation = activation

    def reset_parameters(self) -> None:
        """``nn.Linear``'s initialisation."""
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1.0 / math.sqrt(self.in_features)
            nn.init.uniform_(self.bias, -bound, bound)

    def reset(self) -> None:
        """Forget the masks (and reset ``activation`` when it has state)."""
        super().reset()
        reset = getattr(self.activation, "reset", None)
        if reset is not None:
            reset()

    def drop(self, batch_size: int) -> None:
        """Draw one weight mask (and bias mask) per sample."""
        mask_w = (
            torch.rand((batch_size,) + tuple(self.weight.shape), device=self.weight.device, dtype=self.weight.dtype)
            > self.p
        )
        self.dropped_w = self.weight * mask_w
        if self.bias is not None:
            mask_b = (
                torch.rand((batch_size,) + tuple(self.bias.shape), device=self.bias.device, dtype=self.bias.dtype)
                > self.p
            )
            self.dropped_b = self.bias * mask_b

    def single_step_forward(self, input: torch.Tensor) -> torch.Tensor:
        if self.training:
            if not self.invariant or self.dropped_w is None:
                self.drop(input.shape[0])
            out = torch.bmm(self.dropped_w, input.unsqueeze(-1)).squeeze(-1)
            if self.bias is not None:
                out = out + self.dropped_b
            return out if self.activation is None else self.activation(out)
        mu = (1.0 - self.p) * F.linear(input, self.weight, self.bias)
        bias2 = None if self.bias is None else self.bias.square()
        sigma2 = self.p * (1.0 - self.p) * F.linear(input.square(), self.weight.square(), bias2)
        samples = torch.distributions.normal.Normal(mu, sigma2.sqrt()).sample(torch.Size([self.samples_num]))
        if self.activation is not None:
            samples = self.activation(samples)
        return samples.mean(dim=0)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}, "
            f"p={self.p}, invariant={self.invariant}, step_mode={self.step_mode}"
        )
