"""SpikingJelly 0.0.0.0.14 as a test oracle (installed by the ``test`` extra; its torch paths only).

``sj(name)`` imports ``spikingjelly.activation_based.<name>``. 0.14's ``monitor`` (and so ``learning``)
imports ``torch.utils.tensorboard`` at module level for its GPU monitor, which snnlab does not offer; when
tensorboard is not installed a module without it stands in, so the rest of those modules can be imported.
No snnlab code is involved in the oracle.
"""

import importlib
import importlib.util
import sys
import types
import warnings

OUT_OF_SCOPE = {
    # CuPy / CUDA-only, GPU monitoring, and helpers that only exist for those paths
    "surrogate": {"check_cuda_grad"},
    "monitor": {"GPUMonitor"},
    "base": set(),
    "functional": set(),
    "encoding": set(),
    "layer": set(),
    "learning": set(),
    "neuron": set(),
}


def _stub_tensorboard() -> None:
    name = "torch.utils.tensorboard"
    if name in sys.modules or importlib.util.find_spec("tensorboard") is not None:
        return
    stub = types.ModuleType(name)

    class SummaryWriter:  # only 0.14's GPUMonitor (out of scope) would construct it
        def __init__(self, *args, **kwargs):
            raise RuntimeError("tensorboard is not installed")

    stub.SummaryWriter = SummaryWriter
    sys.modules[name] = stub


def sj(name: str):
    """The 0.14 module ``spikingjelly.activation_based.<name>``."""
    _stub_tensorboard()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 0.14 warns about CuPy / Lava being absent
        return importlib.import_module(f"spikingjelly.activation_based.{name}")


def public_names(name: str) -> list:
    """0.14's public names of module ``name``: defined in spikingjelly (not re-exported torch / typing)."""
    module = sj(name)
    names = []
    for attr in sorted(dir(module)):
        if attr.startswith("_") or attr in OUT_OF_SCOPE[name]:
            continue
        value = getattr(module, attr)
        if isinstance(value, types.ModuleType):
            continue
        if str(getattr(value, "__module__", "")).startswith("spikingjelly"):
            names.append(attr)
    return names


def run_both(ours, theirs, x, steps=None):
    """Run ``ours`` and ``theirs`` on copies of ``x`` (``steps`` calls, or one) and backprop the same loss.

    Returns ``(outputs, input gradients)`` for each as ``((y_ours, g_ours), (y_theirs, g_theirs))``.
    """
    import torch

    results = []
    for module in (ours, theirs):
        xi = x.detach().clone().requires_grad_(True)
        if steps is None:
            y = module(xi)
        else:
            y = torch.stack([module(xi[t]) for t in range(steps)])
        weights = torch.linspace(-1.0, 1.0, y.numel(), dtype=y.dtype).view_as(y)
        if y.requires_grad:
            (y * weights).sum().backward()
        results.append((y.detach(), torch.zeros_like(xi) if xi.grad is None else xi.grad))
    return results
