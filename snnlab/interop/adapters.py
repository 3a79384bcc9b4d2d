"""Foreign networks (SpikingJelly 0.14 and 2.x, snnTorch, Norse) seen through snnlab's tools, by duck typing.

Nothing here imports those frameworks: a module is recognised by what it has.

- SpikingJelly (both versions), and snnlab itself: a ``v_threshold`` and ``neuronal_charge`` (or
  ``neuronal_fire``, or a ``step_mode`` and a ``reset()``: SpikingJelly 2); reset by its own ``reset()``.
- snnTorch: a ``threshold``, a ``reset_mechanism`` and an ``init_hidden`` flag (neurons built with
  ``init_hidden=True`` keep their state and return the spikes); reset by ``reset_mem()`` (or the
  older ``reset_hidden`` / ``init_leaky``).
- Norse: a module with a parameter object ``p`` that has ``v_th`` (the cells); whole networks are
  called as ``model(x, state) -> (out, state)``: :class:`StatefulModel` keeps that state between steps.

Shape:
    not applicable (module discovery); :class:`StatefulModel` takes ``[N, *]`` per step.

Example:
    >>> import torch
    >>> from snnlab import layer, neuron
    >>> net = torch.nn.Sequential(layer.Linear(2, 3), neuron.LIFNode())
    >>> [(name, kind) for name, _, kind in spiking_layers(net)]
    [('1', 'snnlab')]
"""

import inspect
from typing import Any

import torch
import torch.nn as nn

from ..base import MemoryModule
from ..checks import describe

__all__ = [
    "StatefulModel",
    "framework_of",
    "needs_step_loop",
    "prepare_model",
    "reset_state",
    "run_sequence",
    "runs_whole_sequences",
    "spiking_layers",
]


def framework_of(module: nn.Module) -> str | None:
    """The framework whose spiking neuron ``module`` is (``'snnlab'``, ``'spikingjelly'``, ``'snntorch'``,
    ``'norse'``; ``'spikingjelly-like'`` for other classes with SpikingJelly's neuron interface), or ``None``.

    Example:
        >>> from snnlab import neuron
        >>> framework_of(neuron.IFNode()), framework_of(torch.nn.ReLU())
        ('snnlab', None)
    """
    origin = type(module).__module__.split(".")[0]
    neuron_like = hasattr(module, "neuronal_charge") or hasattr(module, "neuronal_fire")
    if hasattr(module, "v_threshold") and (
        neuron_like or (hasattr(module, "step_mode") and callable(getattr(module, "reset", None)))
    ):
        return origin if origin in ("snnlab", "spikingjelly") else "spikingjelly-like"
    if hasattr(module, "threshold") and hasattr(module, "reset_mechanism") and hasattr(module, "init_hidden"):
        return "snntorch"
    params = getattr(module, "p", None)
    if params is not None and hasattr(params, "v_th") and not isinstance(module, nn.Sequential):
        return "norse"
    return None


def spiking_layers(net: nn.Module) -> list[tuple[str, nn.Module, str]]:
    """``[(name, module, framework)]`` of the spiking neurons in ``net``, in module order.

    Example:
        >>> from snnlab import neuron
        >>> [n for n, _, _ in spiking_layers(torch.nn.Sequential(neuron.IFNode(), torch.nn.ReLU()))]
        ['0']
    """
    if not isinstance(net, nn.Module):
        raise TypeError(f"spiking_layers: net must be a torch.nn.Module, got {describe(net)}")
    found = []
    for name, module in net.named_modules():
        kind = framework_of(module)
        if kind is not None:
            found.append((name, module, kind))
    return found


def reset_state(net: nn.Module) -> None:
    """Reset every state of ``net``: snnlab and SpikingJelly memories, snnTorch hidden states, a StatefulModel.

    Example:
        >>> from snnlab import neuron
        >>> node = neuron.IFNode(); _ = node(torch.tensor([0.5])); reset_state(node); node.v
        0.0
    """
    for module in net.modules():
        if isinstance(module, MemoryModule):
            module.reset()
        elif framework_of(module) == "snntorch":
            for method in ("reset_mem", "reset_hidden", "init_leaky"):
                fn = getattr(module, method, None)
                if callable(fn):
                    fn()
                    break
        elif callable(reset := getattr(module, "reset", None)) and hasattr(module, "step_mode"):
            reset()  # SpikingJelly's memory modules


class StatefulModel(MemoryModule):
    """Wrap a model called as ``model(x, state) -> (out, state)`` (Norse) so it is called as ``model(x)``.

    The state is a memory: ``reset()`` (and ``functional.reset_net``) clears it. Single-step: one call
    per time step; 'm' mode loops over ``[T, N, *]``.

    Example:
        >>> class Counter(torch.nn.Module):
        ...     def forward(self, x, state=None):
        ...         state = x if state is None else state + x
        ...         return state, state
        >>> m = StatefulModel(Counter())
        >>> m(torch.ones(1)).item(), m(torch.ones(1)).item()
        (1.0, 2.0)
    """

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model
        self.register_memory("state", None)

    def single_step_forward(self, x: torch.Tensor) -> torch.Tensor:
        out, self.state = self.model(x, self.state)
        return out


def _takes_state(net: nn.Module) -> bool:
    try:
        params = inspect.signature(net.forward).parameters
    except (TypeError, ValueError):
        return False
    return "state" in params


def prepare_model(net: Any) -> nn.Module:  # a module, a NIR file path or a nir.NIRGraph
    """What a tool needs to run any supported model: ``net`` itself, a :class:`StatefulModel` around a
    ``(x, state)`` model, or the snnlab network of a NIR file / ``nir.NIRGraph`` (:func:`from_nir`).

    Example:
        >>> from snnlab import neuron
        >>> net = torch.nn.Sequential(neuron.IFNode())
        >>> prepare_model(net) is net
        True
    """
    if isinstance(net, str) or hasattr(net, "__fspath__") or type(net).__name__ == "NIRGraph":
        from .nir_import import from_nir

        return from_nir(net)
    if not isinstance(net, nn.Module):
        raise TypeError(
            f"prepare_model: net must be a torch.nn.Module, a NIR file path or a nir.NIRGraph, got {describe(net)}"
        )
    if _takes_state(net) and not isinstance(net, MemoryModule):
        return StatefulModel(net)
    return net


def runs_whole_sequences(net: nn.Module) -> bool:
    """True when ``net`` has a module in multi-step mode (it then takes ``[T, N, *]`` in one call).

    Example:
        >>> from snnlab import neuron
        >>> runs_whole_sequences(neuron.IFNode(step_mode='m')), runs_whole_sequences(neuron.IFNode())
        (True, False)
    """
    from ..base import MultiStepModule

    return any(isinstance(m, MultiStepModule) or getattr(m, "step_mode", None) == "m" for m in net.modules())


def _first(y):
    return y[0] if isinstance(y, (tuple, list)) else y


def run_sequence(net: nn.Module, x_seq: torch.Tensor, step_mode: str | None = None) -> torch.Tensor:
    """Run any supported model on ``x_seq`` ``[T, N, *]``: one call in multi-step mode, else one per step.

    Tuple outputs (snnTorch ``(spk, mem)``, Norse ``(z, state)``, OTTT ``[spike, trace]``) give their
    first item. ``step_mode=None`` detects the mode (:func:`runs_whole_sequences`).

    Shape:
        ``[T, N, *]`` -> ``[T, N, *out]``.

    Example:
        >>> from snnlab import neuron
        >>> run_sequence(neuron.IFNode(), torch.full((3, 1), 0.6)).flatten().tolist()
        [0.0, 1.0, 0.0]
    """
    multi = runs_whole_sequences(net) if step_mode is None else step_mode == "m"
    if multi:
        return _first(net(x_seq))
    return torch.stack([_first(net(x_seq[t])) for t in range(x_seq.shape[0])])


def needs_step_loop(net: object) -> bool:
    """True when ``net`` has spiking layers but no multi-step module: it must be called once per step.

    Example:
        >>> from snnlab import neuron
        >>> needs_step_loop(neuron.IFNode()), needs_step_loop(neuron.IFNode(step_mode='m'))
        (True, False)
    """
    if not isinstance(net, nn.Module):
        return False
    return bool(spiking_layers(net) or isinstance(net, StatefulModel)) and not runs_whole_sequences(net)
