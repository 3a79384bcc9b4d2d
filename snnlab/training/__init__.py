"""Online-training engine: one small spiking network trained with BPTT, FPTT or OTTT on the same data.

A :class:`Trainer` owns a model, an optimizer, the data and a seeded random stream. Each call of
:meth:`Trainer.step` takes one mini-batch and applies one *update* of its method:

- ``'bptt'``: back-propagation through time. The multi-step model runs over all ``T`` steps at
  once, the loss is :func:`snnlab.functional.temporal_efficient_training_cross_entropy` (the mean
  over time of the per-step cross-entropy), one ``backward`` and one optimizer step.
- ``'fptt'``: forward-propagation through time, :func:`snnlab.functional.fptt_online_training` on a
  single-step model: ``T`` optimizer steps per batch, each on the loss of one time step plus the
  running-average regulariser (``alpha``).
- ``'ottt'``: online training through time, :func:`snnlab.functional.ottt_online_training`
  (``online=True``) on an :class:`snnlab.layer.OTTTSequential` with an :class:`snnlab.neuron.OTTTLIFNode`:
  ``T`` optimizer steps per batch, gradients through presynaptic traces instead of through time.

The three models built by :func:`build_model` share the architecture
``Linear(F, H) -> LIF(tau, decay_input=False, soft reset, detach_reset=True) -> Linear(H, C)``, and with
the same ``seed`` the same initial weights, so the methods differ only in how they learn.
The per-step loss is always the cross-entropy of the output layer at that step; accuracy compares
the time-averaged output with the label.

Each update returns a :class:`StepMetrics` (loss and accuracy as detached 0-d tensors on the
training device, so a loop never waits for the device; ``float()`` them when drawing). Its
``peak_bytes`` estimates the working memory of the update (see :class:`SavedTensorMeter`):

- on CUDA: ``torch.cuda.max_memory_allocated`` during the update minus the bytes allocated when
  it began, i.e. everything the update allocated on top of the resident model, optimizer and data
  (cuBLAS's one-time workspaces for the thread are allocated before that, not counted);
- on CPU: the peak number of bytes held by autograd for the backward pass (tensors saved through
  ``torch.autograd.graph.saved_tensors_hooks``, each view counted once while it is alive).
  It does not count parameters' gradients, optimizer state or activations that are not saved.

Shape:
    static data ``x``: ``[N, *]`` intensities in ``[0, 1]``, Poisson-encoded into ``[T, N, F]`` per
    batch; sequence data: ``[T, N, *]`` (``encoding=None``); labels ``[N]`` integer classes.

Example:
    >>> import torch
    >>> from snnlab.training import Trainer
    >>> g = torch.Generator().manual_seed(0)
    >>> x = torch.rand(16, 6, generator=g); y = (x[:, 0] > 0.5).long()
    >>> trainer = Trainer('ottt', x, y, T=4, hidden=8, batch_size=8, seed=0)
    >>> m = trainer.step()
    >>> m.method, m.step, m.optimizer_steps, m.loss.shape
    ('ottt', 0, 4, torch.Size([]))
"""

from .chunked import chunked_bptt_forward
from .memory import SavedTensorMeter
from .models import METHODS, build_model, model_problem, step_cross_entropy
from .scaling import SCALING_METHODS, bptt_update, memory_vs_T
from .trainer import StepMetrics, Trainer, train_epoch

__all__ = [
    "METHODS",
    "SCALING_METHODS",
    "SavedTensorMeter",
    "StepMetrics",
    "Trainer",
    "bptt_update",
    "build_model",
    "chunked_bptt_forward",
    "memory_vs_T",
    "model_problem",
    "step_cross_entropy",
    "train_epoch",
]
