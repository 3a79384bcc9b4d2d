"""Whole-network operations on stateful modules: reset, detach, step mode and backend.

Each function walks every module of ``net`` (``net`` included, shared modules once) and validates its
arguments before changing anything.

Shape:
    not applicable (they change module state and settings in place).

Example:
    >>> import torch
    >>> from snnlab.base import MemoryModule
    >>> from snnlab.functional.network import reset_net
    >>> class Counter(MemoryModule):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.register_memory('count', 0.)
    ...     def single_step_forward(self, x):
    ...         self.count = self.count + x
    ...         return self.count
    >>> net = torch.nn.Sequential(Counter())
    >>> _ = net(torch.ones(2)); reset_net(net); net[0].count
    0.0
"""

import logging

import torch.nn as nn

from ..base import MemoryModule, StepModule
from ..checks import check_choice, describe

__all__ = ["detach_net", "reset_net", "set_backend", "set_step_mode"]

logger = logging.getLogger(__name__)

STEP_MODES = ("s", "m")
# Containers whose children keep their own step mode (the time-last variants are included if they exist).
_KEEP_STEP_MODE = (
    "StepModeContainer",
    "MultiStepContainer",
    "SeqToANNContainer",
    "ElementWiseRecurrentContainer",
    "LinearRecurrentContainer",
    "TLastMultiStepContainer",
    "TLastSeqToANNContainer",
)


def _check_net(owner: str, net) -> None:
    if not isinstance(net, nn.Module):
        raise TypeError(f"{owner}: net must be a torch.nn.Module, got {describe(net)}")


def _call_on_all(owner: str, net: nn.Module, method: str) -> None:
    """Call ``m.<method>()`` on every module that has it; warn for non-MemoryModules and non-callables."""
    for m in net.modules():
        if not hasattr(m, method):
            continue
        fn = getattr(m, method)
        if not callable(fn):
            logger.warning(f"{owner}: {m} has a non-callable `{method}` attribute ({describe(fn)}); it is skipped")
            continue
        if not isinstance(m, MemoryModule):
            logger.warning(f"Trying to call `{method}()` of {m}, which is not snnlab.base.MemoryModule")
        fn()


def reset_net(net: nn.Module) -> None:
    """Reset the state of every module of ``net`` that has a ``reset()`` method.

    Memory modules (neurons, recurrent containers) go back to their initial state, e.g. a neuron's
    membrane potential becomes its reset value. Call it between independent samples or batches, after
    ``optimizer.step()``. A warning is logged for modules with ``reset`` that are not ``MemoryModule``.

    Shape:
        not applicable.

    Example:
        >>> import torch
        >>> from snnlab import functional
        >>> from snnlab.layer import ElementWiseRecurrentContainer
        >>> rec = ElementWiseRecurrentContainer(torch.nn.Identity(), lambda y, x: y + x)
        >>> _ = rec(torch.ones(2)); rec(torch.ones(2)).tolist()
        [2.0, 2.0]
        >>> functional.reset_net(rec); rec(torch.ones(2)).tolist()
        [1.0, 1.0]
    """
    _check_net("reset_net", net)
    _call_on_all("reset_net", net, "reset")


def detach_net(net: nn.Module) -> None:
    """Cut the state of every module of ``net`` from the autograd graph of earlier time steps.

    Calls ``detach()`` on each module that has it (``MemoryModule.detach`` detaches its tensor state in
    place, or by replacement for views). Used by online learning between time steps. A warning is
    logged for modules with ``detach`` that are not ``MemoryModule``.

    Shape:
        not applicable.

    Example:
        >>> import torch
        >>> from snnlab import functional
        >>> from snnlab.layer import ElementWiseRecurrentContainer
        >>> rec = ElementWiseRecurrentContainer(torch.nn.Identity(), lambda y, x: y + x)
        >>> _ = rec(torch.ones(2, requires_grad=True)); rec.y.requires_grad
        True
        >>> functional.detach_net(rec); rec.y.requires_grad
        False
    """
    _check_net("detach_net", net)
    _call_on_all("detach_net", net, "detach")


def _keep_step_mode_types() -> tuple:
    from .. import layer  # imported here: snnlab.layer imports functional.forward

    return tuple(getattr(layer, name) for name in _KEEP_STEP_MODE if hasattr(layer, name))


def _has_step_mode(m) -> bool:
    return hasattr(m, "step_mode")


def set_step_mode(net: nn.Module, step_mode: str) -> None:
    """Set ``step_mode`` ('s' single-step or 'm' multi-step) on every module of ``net`` that has one.

    The walk does not enter ``StepModeContainer``, ``MultiStepContainer``, ``SeqToANNContainer``,
    ``ElementWiseRecurrentContainer`` or ``LinearRecurrentContainer``: their contents keep the step mode
    the container relies on (SpikingJelly 0.0.0.0.14 switched the children of ``MultiStepContainer`` and
    ``SeqToANNContainer`` too, which broke them). Containers that have a ``step_mode`` are set
    themselves. Every target is checked before any is changed, so an invalid mode changes nothing. A
    warning is logged for modules with ``step_mode`` that are not ``StepModule``.

    Shape:
        not applicable.

    Example:
        >>> import torch
        >>> from snnlab import functional, layer
        >>> net = torch.nn.Sequential(layer.Linear(4, 3), layer.SeqToANNContainer(layer.Linear(3, 2)))
        >>> functional.set_step_mode(net, 'm')
        >>> net[0].step_mode, net[1][0].step_mode
        ('m', 's')
        >>> net(torch.rand(5, 2, 4)).shape
        torch.Size([5, 2, 2])
    """
    owner = "set_step_mode"
    _check_net(owner, net)
    check_choice(owner, "step_mode", step_mode, STEP_MODES)
    keep = _keep_step_mode_types()
    targets, seen, stack = [], set(), [net]
    while stack:  # depth-first, pre-order, each module once
        m = stack.pop()
        if id(m) in seen:
            continue
        seen.add(id(m))
        if _has_step_mode(m):
            targets.append(m)
        if not isinstance(m, keep):
            stack.extend(reversed(list(m.children())))
    for m in targets:
        if isinstance(m, StepModule) and step_mode not in m.supported_step_mode():
            raise ValueError(
                f"{owner}: {type(m).__name__} supports step_mode in {tuple(m.supported_step_mode())} only, "
                f"got {step_mode!r}; nothing was changed"
            )
    for m in targets:
        if not isinstance(m, StepModule):
            logger.warning(f"Trying to set the step mode for {m}, which is not snnlab.base.StepModule")
        m.step_mode = step_mode


def set_backend(net: nn.Module, backend: str, instance: type | tuple[type, ...] = (nn.Module,)) -> None:
    """Set ``backend`` on every module of ``net`` that is an ``instance`` and has a ``backend``.

    A module whose ``supported_backends`` (which may depend on its current step mode) lacks ``backend``
    keeps its backend, and a warning names the module, its step mode and the backends it supports; no
    exception is raised, as in SpikingJelly. Set the step mode first when a backend exists only in
    multi-step mode. A warning is also logged for modules with ``backend`` that are not ``MemoryModule``.

    Shape:
        not applicable.

    Example:
        >>> import torch
        >>> from snnlab import functional
        >>> from snnlab.layer import ElementWiseRecurrentContainer
        >>> rec = ElementWiseRecurrentContainer(torch.nn.Identity(), lambda y, x: y + x)
        >>> functional.set_backend(rec, 'torch'); rec.backend
        'torch'
    """
    owner = "set_backend"
    _check_net(owner, net)
    if not isinstance(backend, str):
        raise TypeError(f"{owner}: backend must be a str, got {describe(backend)}")
    types = instance if isinstance(instance, tuple) else (instance,)
    if not types or not all(isinstance(t, type) for t in types):
        raise TypeError(f"{owner}: instance must be a class or a tuple of classes, got {describe(instance)}")
    for m in net.modules():
        if not isinstance(m, types) or not hasattr(m, "backend"):
            continue
        if not isinstance(m, MemoryModule):
            logger.warning(f"Trying to set the backend for {m}, which is not snnlab.base.MemoryModule")
        supported = tuple(getattr(m, "supported_backends", ()))
        if backend in supported:
            m.backend = backend
        else:
            mode = getattr(m, "step_mode", None) if _has_step_mode(m) else None
            logger.warning(
                f"{m} does not support backend={backend!r} in step_mode={mode!r} (supported: {supported}). "
                f"It will still use backend={m.backend!r}."
            )
