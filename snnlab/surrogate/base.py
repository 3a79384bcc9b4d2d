"""The machinery every surrogate shares: the spike, the two base classes, the function-form factories.

A surrogate class names its parameters (``param_names``) and defines its formulas once, as static
methods of ``(x, *params)``: ``primitive_function`` (the smooth curve) and ``derivative_function``
(its closed-form derivative, the surrogate gradient). Its function form (``sigmoid``, ``atan``, ...,
a ``torch.autograd.Function``) and its ``*_backward`` helper are made from ``derivative_function``
by :func:`spike_function` and :func:`backward_function`, so the gradient formula has one home.

A class written the SpikingJelly 0.14 way (``spiking_function`` returning its own autograd
Function, ``primitive_function``, no ``derivative_function``) works too: ``forward`` calls its
``spiking_function``, and ``derivative(x)`` differentiates that function with autograd.

Shape:
    ``x``: any shape; every output has ``x``'s shape and dtype.

Example:
    >>> import torch
    >>> from snnlab.surrogate import sigmoid
    >>> class MySigmoid(SurrogateFunctionBase):  # a 0.14-style subclass
    ...     @staticmethod
    ...     def spiking_function(x, alpha):
    ...         return sigmoid.apply(x, alpha)
    ...     @staticmethod
    ...     def primitive_function(x, alpha):
    ...         return torch.sigmoid(alpha * x)
    >>> sg = MySigmoid(4.0)
    >>> sg(torch.tensor([-0.5, 0.5])).tolist(), sg.derivative(torch.tensor([0.0])).tolist()
    ([0.0, 1.0], [1.0])
"""

from collections.abc import Callable
from typing import Any, ClassVar

import torch
import torch.nn as nn

from ..checks import check_bool, check_real

__all__ = [
    "MultiArgsSurrogateFunctionBase",
    "SurrogateFunctionBase",
    "SurrogateSpike",
    "backward_function",
    "heaviside",
    "nonzero_sign",
    "scalar_like",
    "spike_function",
    "traceable_spike",
]


def heaviside(x: torch.Tensor) -> torch.Tensor:
    """The spike function: 1 where ``x >= 0`` (a spike at exactly 0), else 0, in ``x``'s dtype.

    Example:
        >>> import torch
        >>> heaviside(torch.tensor([-1.0, 0.0, 2.0])).tolist()
        [0.0, 1.0, 1.0]
    """
    return (x >= 0).to(x)


def scalar_like(x: torch.Tensor, value: float | torch.Tensor) -> torch.Tensor:
    """``value`` as a tensor in ``x``'s dtype and device (0-d for a number), for ``torch.where``
    branches that must not fall back to the default dtype.

    Example:
        >>> import torch
        >>> scalar_like(torch.zeros(2, dtype=torch.float64), 0.1).dtype
        torch.float64
    """
    if isinstance(value, torch.Tensor):
        return value.to(dtype=x.dtype, device=x.device)
    return torch.tensor(value, dtype=x.dtype, device=x.device)


def nonzero_sign(x: torch.Tensor) -> torch.Tensor:
    """+1 where ``x >= 0``, -1 below (``sign(0) = +1``): ``nonzero_sign(x) * x`` is ``|x|`` with slope +1 at 0.

    Example:
        >>> import torch
        >>> nonzero_sign(torch.tensor([-2.0, 0.0, 3.0])).tolist()
        [-1.0, 1.0, 1.0]
    """
    return heaviside(x) * 2.0 - 1.0


class SurrogateSpike(torch.autograd.Function):
    """Heaviside forward, ``surrogate.derivative(x)`` backward (no gradient for the parameters).

    Example:
        >>> import torch
        >>> from snnlab.surrogate import Sigmoid
        >>> x = torch.tensor([0.0], requires_grad=True)
        >>> SurrogateSpike.apply(x, Sigmoid()).sum().backward(); x.grad.tolist()
        [1.0]
    """

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, surrogate: "_Surrogate") -> torch.Tensor:
        if x.requires_grad:
            ctx.save_for_backward(x)
            ctx.surrogate = surrogate
        return heaviside(x)

    @staticmethod
    def backward(ctx: Any, grad_output: torch.Tensor) -> tuple[torch.Tensor, None]:
        (x,) = ctx.saved_tensors
        return grad_output * ctx.surrogate.derivative(x), None


def traceable_spike(x: torch.Tensor, derivative: Callable) -> torch.Tensor:
    """The spike as plain operations, for ``torch.compile``: Heaviside value, ``derivative`` gradient.

    ``heaviside(c) + (x - c) * derivative(c)`` with ``c = x.detach()`` equals ``heaviside(x)``
    exactly for finite ``x`` (the added term is zero), and its gradient with respect to ``x`` is
    ``derivative(x)``. Dynamo does not trace repeated calls of one autograd Function whose backward
    reads a number that ``dynamic=True`` made symbolic (a surrogate's ``alpha``), which a multi-step
    neuron makes once per time step; these operations trace into the graph instead.

    Example:
        >>> import torch
        >>> x = torch.tensor([-0.5, 0.0, 0.5], requires_grad=True)
        >>> y = traceable_spike(x, lambda c: 2.0 * torch.ones_like(c))
        >>> y.sum().backward(); y.tolist(), x.grad.tolist()
        ([0.0, 1.0, 1.0], [2.0, 2.0, 2.0])
    """
    constant = x.detach()
    return heaviside(constant) + (x - constant) * derivative(constant)


class _Surrogate(nn.Module):
    """What both base classes share: parameters by name, spiking / primitive output, derivative."""

    kind: ClassVar[str | None] = None  # the registry key (snnlab.registry.surrogates); None: not registered
    param_names: ClassVar[tuple[str, ...]] = ()
    #: attributes checked on every assignment, in the constructor or later: name -> check(surrogate, value)
    _PARAM_CHECKS: ClassVar[dict[str, Callable[[Any, Any], Any]]] = {
        "spiking": lambda sg, value: check_bool(type(sg).__name__, "spiking", value),
    }

    def __setattr__(self, name: str, value: Any) -> None:
        check = self._PARAM_CHECKS.get(name)
        if check is not None:  # the constructor's message, for a later assignment too
            value = check(self, value)
        super().__setattr__(name, value)

    def surrogate_args(self) -> tuple:
        """The parameter values in ``param_names`` order: the ``*params`` of the static formulas."""
        return tuple(getattr(self, name) for name in self.param_names)

    def set_spiking_mode(self, spiking: bool) -> None:
        """Switch between spike output (True) and primitive output (False)."""
        self.spiking = check_bool(type(self).__name__, "spiking", spiking)

    def extra_repr(self) -> str:
        return ", ".join([f"{name}={getattr(self, name)}" for name in self.param_names] + [f"spiking={self.spiking}"])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.spiking:
            return self.primitive_function(x, *self.surrogate_args())
        if torch.compiler.is_compiling() and x.requires_grad and _overrides(type(self), "derivative_function"):
            return traceable_spike(x, self.derivative)
        if not _overrides(type(self), "spiking_function"):
            return SurrogateSpike.apply(x, self)  # a class that defines derivative_function only
        return self.spiking_function(x, *self.surrogate_args())

    def primitive(self, x: torch.Tensor) -> torch.Tensor:
        """The smooth curve whose derivative is the surrogate gradient (for plots)."""
        return self.primitive_function(x, *self.surrogate_args())

    def derivative(self, x: torch.Tensor) -> torch.Tensor:
        """The surrogate gradient at ``x`` (a plain tensor). Without a ``derivative_function`` (a
        0.14-style class), autograd differentiates the class' ``spiking_function``."""
        if _overrides(type(self), "derivative_function") or not _overrides(type(self), "spiking_function"):
            return self.derivative_function(x, *self.surrogate_args())
        with torch.enable_grad():
            xg = x.detach().requires_grad_(True)
            y = self.spiking_function(xg, *self.surrogate_args())
            (grad,) = torch.autograd.grad(y, xg, torch.ones_like(y))
        return grad

    @classmethod
    def backward(cls, grad_output: torch.Tensor, x: torch.Tensor, *params: Any) -> torch.Tensor:
        """``grad_output`` times the surrogate gradient at ``x`` (SpikingJelly's static ``backward``)."""
        return grad_output * cls.derivative_function(x, *params)

    @staticmethod
    def spiking_function(x: torch.Tensor, *params: Any) -> torch.Tensor:
        """Heaviside forward with the surrogate gradient backward; each surrogate class defines it."""
        raise NotImplementedError("a surrogate class must define spiking_function (or derivative_function)")

    @staticmethod
    def primitive_function(x: torch.Tensor, *params: Any) -> torch.Tensor:
        """The smooth primitive curve; each surrogate class defines it."""
        raise NotImplementedError("a surrogate class must define primitive_function")

    @staticmethod
    def derivative_function(x: torch.Tensor, *params: Any) -> torch.Tensor:
        """The closed-form surrogate gradient d primitive / dx; each built-in class defines it."""
        raise NotImplementedError("a surrogate class must define derivative_function (or spiking_function)")


def _overrides(cls: type, name: str) -> bool:
    """Whether ``cls`` defines its own ``name`` rather than the shared base's."""
    return getattr(cls, name) is not getattr(_Surrogate, name)


class SurrogateFunctionBase(_Surrogate):
    """Base class of one-parameter surrogates: ``alpha`` sets the shape, ``spiking`` the output.

    ``spiking=True`` returns ``spiking_function(x, alpha)`` (Heaviside forward, surrogate gradient
    backward); ``False`` returns ``primitive_function(x, alpha)``. ``alpha`` may be a tensor.
    ``alpha`` and ``spiking`` are checked on every assignment (``sg.alpha = -1.0`` raises the
    constructor's ``ValueError``).

    Example:
        >>> import torch
        >>> from snnlab.surrogate import ATan
        >>> ATan(alpha=3.0)
        ATan(alpha=3.0, spiking=True)
    """

    param_names: ClassVar[tuple[str, ...]] = ("alpha",)
    alpha_above: ClassVar[float | None] = None  # a class' strict lower bound on alpha (None: any real)
    _PARAM_CHECKS: ClassVar[dict[str, Callable[[Any, Any], Any]]] = _Surrogate._PARAM_CHECKS | {
        "alpha": lambda sg, value: check_real(
            type(sg).__name__, "alpha", value, greater_than=sg.alpha_above, allow_tensor=True
        ),
    }

    def __init__(self, alpha: float | torch.Tensor, spiking: bool = True):
        super().__init__()
        owner = type(self).__name__
        self.alpha = check_real(owner, "alpha", alpha, greater_than=self.alpha_above, allow_tensor=True)
        self.spiking = check_bool(owner, "spiking", spiking)


class MultiArgsSurrogateFunctionBase(_Surrogate):
    """Base class of surrogates with several parameters (``param_names`` lists them in order).

    SpikingJelly 0.14's signature: ``__init__(spiking, *args, **kwargs)``; subclasses store their
    parameters as attributes after calling it, and list their checks in ``_PARAM_CHECKS`` so that
    a later assignment (``sg.beta = float('nan')``) is refused as the constructor refuses it.

    Example:
        >>> from snnlab.surrogate import S2NN
        >>> S2NN(alpha=4.0, beta=1.0).surrogate_args()
        (4.0, 1.0)
    """

    def __init__(self, spiking: bool, *args: Any, **kwargs: Any):
        super().__init__()
        self.spiking = check_bool(type(self).__name__, "spiking", spiking)


def spike_function(name: str, derivative: Callable, param_names: tuple[str, ...], defaults: tuple = ()) -> type:
    """A ``torch.autograd.Function`` named ``name``: Heaviside forward, ``derivative(x, *params)`` backward.

    ``apply(x, *params)``; missing trailing parameters take ``defaults`` (aligned to the end of
    ``param_names``). ``x`` is saved only when it requires grad; the parameters get no gradient.

    Example:
        >>> import torch
        >>> step = spike_function("step", lambda x, a: torch.full_like(x, a), ("a",))
        >>> x = torch.tensor([0.5], requires_grad=True)
        >>> step.apply(x, 3.0).sum().backward(); x.grad.tolist()
        [3.0]
    """
    n = len(param_names)
    first_default = n - len(defaults)

    def forward(ctx: Any, x: torch.Tensor, *params: Any) -> torch.Tensor:
        if len(params) < first_default or len(params) > n:
            raise TypeError(f"{name}.apply takes x and {n} parameters {param_names}, got {len(params)}")
        params = params + tuple(defaults[len(params) - first_default :])
        if x.requires_grad:
            ctx.save_for_backward(x)
            ctx.params = params
        return heaviside(x)

    def backward(ctx: Any, grad_output: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        (x,) = ctx.saved_tensors
        grad_x = grad_output * derivative(x, *ctx.params) if ctx.needs_input_grad[0] else None
        return (grad_x,) + (None,) * len(ctx.params)

    doc = (
        f"Heaviside forward, the ``{name}`` surrogate gradient backward: ``{name}.apply(x, {', '.join(param_names)})``."
    )
    return type(
        name,
        (torch.autograd.Function,),
        {"forward": staticmethod(forward), "backward": staticmethod(backward), "__doc__": doc},
    )


def backward_function(name: str, derivative: Callable, n_params: int) -> Callable:
    """``name(grad_output, x, *params) -> (grad_x, None, ...)``: SpikingJelly's ``*_backward`` helpers.

    Example:
        >>> import torch
        >>> f = backward_function("f_backward", lambda x, a: a * x, 1)
        >>> f(torch.tensor([2.0]), torch.tensor([3.0]), 0.5)
        (tensor([3.]), None)
    """

    def backward(grad_output: torch.Tensor, x: torch.Tensor, *params: Any) -> tuple:
        if len(params) != n_params:
            raise TypeError(f"{name} takes grad_output, x and {n_params} parameter(s), got {len(params)}")
        return (grad_output * derivative(x, *params),) + (None,) * n_params

    backward.__name__ = backward.__qualname__ = name
    backward.__doc__ = f"``(grad_output * surrogate gradient at x, None...)`` for ``{name[: -len('_backward')]}``."
    return backward
