"""Registry of multi-step neuron backends: 'torch' (the reference, any device) and 'triton' (CUDA).

Nothing here imports triton: it is looked up lazily, so ``import snnlab`` loads torch only.

Shape:
    see :mod:`snnlab.backends.config`.

Example:
    >>> from snnlab import backends
    >>> 'torch' in backends.available_backends()
    True
"""

import importlib
import importlib.util
from types import ModuleType

import torch

from ..checks import check_choice
from . import torch_backend
from .config import AdaptiveLIFConfig, CubaLIFConfig, NeuronConfig

__all__ = [
    "AdaptiveLIFConfig",
    "CubaLIFConfig",
    "NeuronConfig",
    "available_backends",
    "get_backend",
    "triton_available",
]

_MODULES = {"torch": "snnlab.backends.torch_backend", "triton": "snnlab.backends.triton_backend"}
_LOADED = {"torch": torch_backend}  # name -> module, filled on first use (triton is imported lazily)


def triton_available() -> bool:
    """True when triton is installed and a CUDA device is present."""
    return importlib.util.find_spec("triton") is not None and torch.cuda.is_available()


def available_backends() -> tuple:
    """The backend names usable on this machine, 'torch' first."""
    return ("torch", "triton") if triton_available() else ("torch",)


def get_backend(name: str) -> ModuleType:
    """The backend module ``name``; it provides ``multi_step(cfg, x_seq, v_init, k)``."""
    module = _LOADED.get(name) if isinstance(name, str) else None
    if module is None:
        check_choice("get_backend", "name", name, tuple(_MODULES))
        module = _LOADED[name] = importlib.import_module(_MODULES[name])
    return module
