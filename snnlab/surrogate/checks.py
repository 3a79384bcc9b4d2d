"""SpikingJelly 0.14's two gradient-checking helpers: a hand-written backward against autograd of the
primitive (``check_manual_grad``), and a fused neuron backend against the step-by-step one
(``check_cuda_grad``; snnlab's fused GPU backend is ``'triton'``).

Both print their report as 0.14 does; snnlab also returns the largest absolute difference.

Shape:
    not applicable (diagnostic printers).

Example:
    >>> from snnlab.surrogate import Sigmoid, sigmoid
    >>> err = check_manual_grad(Sigmoid.primitive_function, sigmoid.apply, 4.0)  # doctest: +ELLIPSIS
    auto   grad ...
    >>> err < 1e-6
    True
"""

from collections.abc import Callable
from typing import Any

import torch

__all__ = ["check_cuda_grad", "check_manual_grad"]


def _report(name_a: str, grad_a: torch.Tensor, name_b: str, grad_b: torch.Tensor, x: torch.Tensor) -> float:
    """Print both gradients and where they differ most; return that difference."""
    error = (grad_b - grad_a).abs()
    idx = int(error.argmax())
    print(f"{name_a} grad", grad_a)
    print(f"{name_b} grad", grad_b)
    print("max error", error[idx], "occurs at")
    print(f"x[{idx}] = {x[idx]}")
    print(f"{name_a} grad", grad_a[idx])
    print(f"{name_b} grad", grad_b[idx])
    return float(error[idx])


def check_manual_grad(primitive_function: Callable, spiking_function: Callable, *args: Any, **kwargs: Any) -> float:
    """Compare ``spiking_function``'s backward with autograd of ``primitive_function`` on [-2, 2).

    Both are called as ``f(x, *args, **kwargs)`` on 1024 points spaced 1/256 apart; prints the two
    gradients and the largest difference, and returns it.

    Example:
        >>> from snnlab.surrogate import ATan, atan
        >>> check_manual_grad(ATan.primitive_function, atan.apply, 2.0) < 1e-6  # doctest: +ELLIPSIS
        auto   grad ...
        True
    """
    x = (torch.arange(-512, 512) / 256.0).requires_grad_(True)
    (auto,) = torch.autograd.grad(primitive_function(x, *args, **kwargs).sum(), x)
    (manual,) = torch.autograd.grad(spiking_function(x, *args, **kwargs).sum(), x)
    return _report("auto  ", auto, "manual", manual, x.detach())


def check_cuda_grad(
    neu: type, surrogate_function: type, device: str | torch.device, *args: Any, **kwargs: Any
) -> float:
    """Compare a multi-step neuron's input gradient on the ``'torch'`` and ``'triton'`` backends.

    ``neu(surrogate_function=surrogate_function(*args, **kwargs), step_mode='m')`` runs one step
    on 1024 inputs in [-2, 2) in float32 and float16 on ``device``; prints each comparison and
    returns the largest difference over both dtypes.

    Example:
        >>> from snnlab import neuron, surrogate
        >>> check_cuda_grad(neuron.IFNode, surrogate.S2NN, 'cuda', alpha=4.0, beta=1.0)  # doctest: +SKIP
    """
    worst = 0.0
    for dtype in (torch.float32, torch.float16):
        print(dtype)
        net = neu(surrogate_function=surrogate_function(*args, **kwargs), step_mode="m").to(device)
        x = (torch.arange(-512, 512, device=device) / 256.0).to(dtype).requires_grad_(True)
        grads = []
        for backend in ("torch", "triton"):
            net.reset()
            net.backend = backend
            (grad,) = torch.autograd.grad(net(x.unsqueeze(0)).sum(), x)
            grads.append(grad)
        worst = max(worst, _report("torch ", grads[0].float(), "triton", grads[1].float(), x.detach()))
    return worst
