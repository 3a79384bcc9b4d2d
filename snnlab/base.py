"""Step modes and stateful modules: the base classes every snnlab layer and neuron builds on.

``StepModule`` gives a module a validated ``step_mode`` ('s' = one time step per call with
input ``[N, *]``, 'm' = a whole sequence per call with input ``[T, N, *]``). ``MemoryModule``
adds registered state ("memories", e.g. a neuron's membrane potential ``v``): kept out of
``state_dict``, restored by ``reset()``, detached by ``detach()``, and moved by ``.to()``
together with its reset value.

Shape:
    ``forward`` takes ``[N, *]`` in 's' mode and ``[T, N, *]`` in 'm' mode.

Example:
    >>> import torch
    >>> from snnlab.base import MemoryModule
    >>> class Counter(MemoryModule):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.register_memory('count', 0.)
    ...     def single_step_forward(self, x):
    ...         self.count = self.count + x
    ...         return self.count
    >>> c = Counter()
    >>> c(torch.ones(2)).tolist(), c(torch.ones(2)).tolist()
    ([1.0, 1.0], [2.0, 2.0])
    >>> c.reset(); c.count
    0.0
"""

import copy
import importlib.util
from collections.abc import Iterator
from typing import Any

import torch
import torch.nn as nn

from .checks import describe
from .errors import InvalidParameterError, UnknownOptionError

__all__ = [
    "MemoryModule",
    "MultiStepModule",
    "SingleModule",
    "SingleStepModule",
    "StepModule",
    "check_backend_library",
    "step_mode_mismatches",
]

# backend name -> (module that must be importable, what to install); 'torch' needs nothing more.
_BACKEND_LIBRARIES = {
    "torch": None,
    "triton": ("triton", "Triton is not installed: pip install triton (Linux, for CUDA devices)."),
    "cupy": ("cupy", "CuPy is not installed (https://github.com/cupy/cupy); snnlab itself has no CuPy backend."),
    "lava": ("lava.lib.dl.slayer", "Lava-DL is not installed (https://github.com/lava-nc/lava-dl)."),
}


def check_backend_library(backend: str) -> None:
    """Raise ``ImportError`` if the library that ``backend`` needs cannot be imported.

    Known backends: ``'torch'`` (always available), ``'triton'``, ``'cupy'`` and ``'lava'``; another name
    raises ``UnknownOptionError`` (a ``ValueError`` and, as in SpikingJelly, a ``NotImplementedError``).
    The check looks the module up without importing it.

    Shape:
        not applicable.

    Example:
        >>> check_backend_library('torch')
        >>> check_backend_library('tpu')
        Traceback (most recent call last):
        ...
        snnlab.errors.UnknownOptionError: check_backend_library: backend must be one of 'torch', 'triton', 'cupy', 'lava', got 'tpu' (str)
    """
    if not isinstance(backend, str) or backend not in _BACKEND_LIBRARIES:
        valid = ", ".join(repr(b) for b in _BACKEND_LIBRARIES)
        raise UnknownOptionError(f"check_backend_library: backend must be one of {valid}, got {describe(backend)}")
    needed = _BACKEND_LIBRARIES[backend]
    if needed is None:
        return
    module, message = needed
    try:
        found = importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a parent package is missing
        found = False
    if not found:
        raise ImportError(message)


class StepModule:
    """Mixin for modules that run in single-step ('s') or multi-step ('m') mode."""

    def supported_step_mode(self) -> tuple[str, ...]:
        """The step modes this module accepts."""
        return ("s", "m")

    @property
    def step_mode(self) -> str:
        return self._step_mode

    @step_mode.setter
    def step_mode(self, value: str):
        supported = self.supported_step_mode()
        if not isinstance(value, str) or value not in supported:
            raise ValueError(f'step_mode can only be {supported}, but got "{value}"!')
        self._step_mode = value


class SingleModule(StepModule):
    """A module that only supports single-step mode."""

    def supported_step_mode(self) -> tuple[str, ...]:
        return ("s",)


SingleStepModule = SingleModule


class MultiStepModule(StepModule):
    """A module that only supports multi-step mode."""

    def supported_step_mode(self) -> tuple[str, ...]:
        return ("m",)


class MemoryModule(nn.Module, StepModule):
    """A module with registered state that is reset, detached and moved as a whole.

    Memories are read and written as attributes (``self.v``). They are not parameters nor
    buffers: ``state_dict`` does not contain them.
    """

    def __init__(self):
        super().__init__()
        self._memories = {}
        self._memories_rv = {}
        self._backend = "torch"
        self.step_mode = "s"

    # ----------------------------------------------------------------- backends
    @property
    def supported_backends(self) -> tuple[str, ...]:
        """Names of the backends this module can run with in its current step mode."""
        return ("torch",)

    @property
    def backend(self) -> str:
        return self._backend

    @backend.setter
    def backend(self, value: str):
        supported = tuple(self.supported_backends)
        if not isinstance(value, str) or value not in supported:
            raise UnknownOptionError(
                f"{self._get_name()}: backend must be one of {supported} in step_mode="
                f"'{self.step_mode}', got {describe(value)}"
            )
        self._backend = value

    # ----------------------------------------------------------------- forward
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        if self.step_mode == "s":
            return self.single_step_forward(*args, **kwargs)
        if self.step_mode == "m":
            return self.multi_step_forward(*args, **kwargs)
        raise ValueError(f"{self._get_name()}: step_mode must be 's' or 'm', got {self.step_mode!r}")

    def single_step_forward(self, x: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{self._get_name()} does not define single_step_forward")

    def multi_step_forward(self, x_seq: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
        """Default multi-step forward: run ``single_step_forward`` over ``x_seq[t]`` and stack."""
        if x_seq.shape[0] == 0:
            raise ValueError(
                f"{self._get_name()}: x_seq must have at least one time step, got shape {list(x_seq.shape)}"
            )
        return torch.stack([self.single_step_forward(x_seq[t], *args, **kwargs) for t in range(x_seq.shape[0])])

    def extra_repr(self) -> str:
        return f"step_mode={self.step_mode}, backend={self.backend}"

    # ----------------------------------------------------------------- memories
    def register_memory(self, name: str, value: Any) -> None:
        """Register a memory ``name`` whose reset value is a deep copy of ``value``."""
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"{self._get_name()}: name must be a valid identifier, got {describe(name)}")
        if name in self._memories or hasattr(self, name):
            raise InvalidParameterError(f"{self._get_name()}: {name} has been set as a member variable!")
        self._memories[name] = value
        self.set_reset_value(name, value)

    def set_reset_value(self, name: str, value: Any) -> None:
        """Set the value memory ``name`` takes at ``reset()`` (a deep copy is kept)."""
        if name not in self._memories:
            raise KeyError(f"{self._get_name()}: {name!r} is not a registered memory")
        self._memories_rv[name] = copy.deepcopy(value)

    def reset_value(self, name: str) -> Any:
        """The value memory ``name`` takes at ``reset()`` (the kept copy itself: do not modify it).

        Example:
            >>> from snnlab import neuron
            >>> neuron.LIFNode(v_reset=-0.5).reset_value("v")
            -0.5
        """
        if name not in self._memories_rv:
            raise KeyError(f"{self._get_name()}: {name!r} is not a registered memory")
        return self._memories_rv[name]

    def reset(self) -> None:
        """Restore every memory to (a fresh copy of) its reset value."""
        for key, value in self._memories_rv.items():
            self._memories[key] = copy.deepcopy(value)

    def detach(self) -> None:
        """Cut every tensor memory from the autograd graph, in place where possible."""
        for key, value in self._memories.items():
            if isinstance(value, torch.Tensor):
                if value._is_view():
                    self._memories[key] = value.detach()
                else:
                    value.detach_()

    def memories(self) -> Iterator[Any]:
        """Iterate over the current memory values."""
        yield from self._memories.values()

    def named_memories(self) -> Iterator[tuple[str, Any]]:
        """Iterate over ``(name, value)`` pairs of memories."""
        yield from self._memories.items()

    def __getattr__(self, name: str) -> Any:  # a memory holds whatever was registered (a tensor, a float, None)
        memories = self.__dict__.get("_memories")
        if memories is not None and name in memories:
            return memories[name]
        return super().__getattr__(name)

    def __setattr__(self, name: str, value: Any) -> None:
        memories = self.__dict__.get("_memories")
        if memories is not None and name in memories:
            memories[name] = value
        else:
            super().__setattr__(name, value)

    def __delattr__(self, name: str):
        if name in self._memories:
            del self._memories[name]
            del self._memories_rv[name]
        else:
            super().__delattr__(name)

    def __dir__(self):
        return list(super().__dir__()) + list(self._memories.keys())

    def _apply(self, fn, *args, **kwargs):
        # Move state and the values it resets to together (SpikingJelly left reset values behind).
        for store in (self._memories, self._memories_rv):
            for key, value in store.items():
                if isinstance(value, torch.Tensor):
                    store[key] = fn(value)
        return super()._apply(fn, *args, **kwargs)

    def _replicate_for_data_parallel(self):
        replica = super()._replicate_for_data_parallel()
        replica._memories = self._memories.copy()
        return replica


def step_mode_mismatches(module: nn.Module, mode: str) -> list:
    """``(path, submodule)`` of every module under ``module`` (itself included) whose step mode is not ``mode``.

    A module with a ``step_mode`` is checked and not entered: a container in a step mode manages
    its children (a ``MultiStepContainer`` in 'm' holds modules in 's'). Plain torch modules are
    entered. The path is the one ``named_modules`` gives (``''`` for ``module`` itself).

    Example:
        >>> import torch
        >>> from snnlab import neuron
        >>> net = torch.nn.Sequential(torch.nn.Linear(2, 2), neuron.IFNode(step_mode='m'))
        >>> [(path, type(m).__name__) for path, m in step_mode_mismatches(net, 's')]
        [('1', 'IFNode')]
    """
    found = []

    def visit(path, m):
        try:
            current = m.step_mode
        except AttributeError:
            current = None
        if current is not None:
            if current != mode:
                found.append((path, m))
            return
        for name, child in m.named_children():
            visit(f"{path}.{name}" if path else name, child)

    visit("", module)
    return found
