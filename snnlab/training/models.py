"""The small two-layer spiking network each training method runs, built with the same weights.

Shape:
    BPTT: ``[T, N, F] -> [T, N, C]``; FPTT / OTTT: ``[N, F] -> [N, C]`` per time step.

Example:
    >>> from snnlab.training import build_model
    >>> [type(m).__name__ for m in build_model('fptt', 4, 3, 5)]
    ['Linear', 'LIFNode', 'Linear']
"""

import torch
import torch.nn as nn
import torch.nn.functional as F

from .. import functional, layer, neuron
from ..base import step_mode_mismatches
from ..checks import check_choice, check_int, check_real

__all__ = ["METHODS", "build_model", "model_problem", "step_cross_entropy"]

METHODS = ("bptt", "fptt", "ottt")


def build_model(
    method: str, in_features: int, n_classes: int, hidden: int = 64, *, tau: float = 2.0, seed: int = 0
) -> nn.Module:
    """Build the two-layer spiking network trained by ``method`` (same initial weights for one seed).

    ``'bptt'``: a multi-step ``nn.Sequential`` (``[T, N, F] -> [T, N, C]``); ``'fptt'``: the same in
    single-step mode (``[N, F] -> [N, C]``); ``'ottt'``: an ``OTTTSequential`` with an ``OTTTLIFNode``.
    The global random state is left untouched.

    Shape:
        BPTT input ``[T, N, in_features]``, output ``[T, N, n_classes]``; FPTT/OTTT per step
        ``[N, in_features] -> [N, n_classes]``.

    Example:
        >>> a = build_model('bptt', 4, 3, 5, seed=1); b = build_model('ottt', 4, 3, 5, seed=1)
        >>> bool((a[0].weight == b[0].weight).all()), a[1].step_mode
        (True, 'm')
    """
    check_choice("build_model", "method", method, METHODS)
    in_features = check_int("build_model", "in_features", in_features, minimum=1)
    n_classes = check_int("build_model", "n_classes", n_classes, minimum=2)
    hidden = check_int("build_model", "hidden", hidden, minimum=1)
    tau = check_real("build_model", "tau", tau, greater_than=1.0)
    seed = check_int("build_model", "seed", seed)
    with torch.random.fork_rng(devices=[]):
        # The layers are initialised on the CPU: seed its generator only. (``torch.manual_seed`` would
        # also queue a seed for CUDA, changing its global state, and format a stack trace to do so.)
        torch.default_generator.manual_seed(seed)
        first, last = layer.Linear(in_features, hidden), layer.Linear(hidden, n_classes)
    if method == "ottt":
        return layer.OTTTSequential(first, neuron.OTTTLIFNode(tau=tau), last)
    lif = neuron.LIFNode(tau=tau, decay_input=False, v_reset=None, detach_reset=True)
    model = nn.Sequential(first, lif, last)
    functional.set_step_mode(model, "m" if method == "bptt" else "s")
    return model


def model_problem(method: str, model: nn.Module) -> str | None:
    """Why ``method`` cannot train ``model`` as it is (a sentence), or None when it can.

    BPTT feeds whole sequences (every snnlab module in ``step_mode='m'``); FPTT and OTTT feed one
    step per call (``'s'``); OTTT also needs at least one :class:`snnlab.neuron.OTTTLIFNode` (its
    presynaptic traces carry the gradient), as :func:`build_model` makes with ``'ottt'``.

    Example:
        >>> model_problem('fptt', build_model('fptt', 4, 3, 5)) is None
        True
        >>> model_problem('ottt', build_model('fptt', 4, 3, 5))
        'OTTT needs an snnlab.neuron.OTTTLIFNode in the model (in a layer.OTTTSequential), found none'
    """
    check_choice("model_problem", "method", method, METHODS)
    mode, what = ("m", "whole sequences per call") if method == "bptt" else ("s", "one step per call")
    for path, m in step_mode_mismatches(model, mode):
        return (
            f"model must run {what} (step_mode={mode!r}) for method {method!r}, got "
            f"{type(m).__name__} at {path or '<model>'!r} in step_mode={m.step_mode!r}; set it with "
            f"functional.set_step_mode(model, {mode!r})"
        )
    if method == "ottt" and not any(isinstance(m, neuron.OTTTLIFNode) for m in model.modules()):
        return "OTTT needs an snnlab.neuron.OTTTLIFNode in the model (in a layer.OTTTSequential), found none"
    return None


def step_cross_entropy(
    y: torch.Tensor | list[torch.Tensor] | tuple[torch.Tensor, ...], target: torch.Tensor
) -> torch.Tensor:
    """Cross-entropy of one time step's output; a ``[spike, trace]`` list contributes its spike.

    Shape:
        ``y``: ``[N, C]`` (or ``[y, trace]``), ``target``: ``[N]`` -> ``[]``.

    Example:
        >>> import torch
        >>> y = torch.zeros(2, 4)
        >>> bool(step_cross_entropy([y, y], torch.tensor([0, 3])) == torch.log(torch.tensor(4.)))
        True
    """
    # OTTT models return [spike, trace] from a neuron in training mode; the loss reads the spike.
    if isinstance(y, (list, tuple)):
        y = y[0]
    return F.cross_entropy(y, target)
