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
  it began, i.e. everything the update allocated on top of the resident model, optimizer and data;
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
import itertools
import weakref
from typing import NamedTuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from . import functional, layer, neuron
from ._checks import check_choice, check_int, check_real, check_tensor, describe
from .encoding import PoissonEncoder

__all__ = ["METHODS", "StepMetrics", "SavedTensorMeter", "build_model", "Trainer", "train_epoch"]

METHODS = ("bptt", "fptt", "ottt")


class StepMetrics(NamedTuple):
    """What one update reports. ``loss``/``accuracy`` are detached 0-d tensors on the device.

    ``step`` counts updates (batches) from 0, ``optimizer_steps`` counts ``optimizer.step()`` calls
    so far (BPTT: 1 per update; FPTT and OTTT: ``T`` per update), ``loss`` is the mean per-time-step
    cross-entropy, ``accuracy`` the fraction of the batch whose time-averaged output picks the label,
    ``peak_bytes`` the working-memory estimate described in the module docstring.

    Shape:
        ``loss`` and ``accuracy``: ``[]``.

    Example:
        >>> import torch
        >>> m = StepMetrics('bptt', 0, 0, 1, torch.tensor(2.3), torch.tensor(0.1), 1024)
        >>> m.as_dict()['loss'] == float(torch.tensor(2.3))
        True
    """

    method: str
    step: int
    epoch: int
    optimizer_steps: int
    loss: torch.Tensor
    accuracy: torch.Tensor
    peak_bytes: int

    def as_dict(self) -> dict:
        """The metrics as plain Python numbers (reads the device once)."""
        return {"method": self.method, "step": self.step, "epoch": self.epoch,
                "optimizer_steps": self.optimizer_steps, "loss": float(self.loss),
                "accuracy": float(self.accuracy), "peak_bytes": self.peak_bytes}


class _Saved:
    """A tensor held by autograd for backward; its finaliser releases the view's count."""

    __slots__ = ("tensor", "__weakref__")

    def __init__(self, tensor):
        self.tensor = tensor


class SavedTensorMeter:
    """Context manager measuring the peak bytes autograd holds for backward (CPU memory estimate).

    Every tensor saved for backward inside the ``with`` block counts its own bytes (a view counts
    the elements it covers, not its whole storage), once per distinct view (same address, shape and
    strides) while any autograd node still holds it; ``peak`` is the largest total seen, ``current``
    the total now. Tensors saved outside the block are not seen.

    Shape:
        not applicable (counts bytes).

    Example:
        >>> import torch
        >>> w = torch.ones(1000, requires_grad=True)
        >>> with SavedTensorMeter() as meter:
        ...     loss = (w.exp() * 2).sum()
        >>> meter.peak  # exp saves its result: 1000 float32
        4000
        >>> loss.backward(); del loss; meter.current
        0
    """

    def __init__(self):
        self.peak = 0
        self.current = 0
        self._live = {}  # (device, address, shape, strides) -> [reference count, bytes]
        self._context = None

    def _release(self, key):
        entry = self._live.get(key)
        if entry is None:
            return
        entry[0] -= 1
        if entry[0] == 0:
            del self._live[key]
            self.current -= entry[1]

    def _pack(self, tensor):
        key = (tensor.device, tensor.data_ptr(), tuple(tensor.shape), tuple(tensor.stride()))
        entry = self._live.get(key)
        if entry is None:
            entry = self._live[key] = [0, tensor.numel() * tensor.element_size()]
            self.current += entry[1]
            self.peak = max(self.peak, self.current)
        entry[0] += 1
        saved = _Saved(tensor)
        weakref.finalize(saved, self._release, key)
        return saved

    @staticmethod
    def _unpack(saved):
        return saved.tensor

    def __enter__(self):
        self._context = torch.autograd.graph.saved_tensors_hooks(self._pack, self._unpack)
        self._context.__enter__()
        return self

    def __exit__(self, *exc):
        self._context.__exit__(*exc)
        self._context = None
        return False


def build_model(method: str, in_features: int, n_classes: int, hidden: int = 64, *, tau: float = 2.0,
                seed: int = 0) -> nn.Module:
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
        torch.manual_seed(seed)
        first, last = layer.Linear(in_features, hidden), layer.Linear(hidden, n_classes)
    if method == "ottt":
        return layer.OTTTSequential(first, neuron.OTTTLIFNode(tau=tau), last)
    lif = neuron.LIFNode(tau=tau, decay_input=False, v_reset=None, detach_reset=True)
    model = nn.Sequential(first, lif, last)
    functional.set_step_mode(model, "m" if method == "bptt" else "s")
    return model


def _step_cross_entropy(y, target):
    # OTTT models return [spike, trace] from a neuron in training mode; the loss reads the spike.
    if isinstance(y, (list, tuple)):
        y = y[0]
    return F.cross_entropy(y, target)


class Trainer:
    """Train one spiking network with ``method`` on ``(x, labels)``; one :meth:`step` per mini-batch.

    ``x`` holds static intensities ``[N, *]`` (``encoding='poisson'``: a fresh Poisson spike train of
    ``T`` steps per batch) or ready sequences ``[T, N, *]`` (``encoding=None``). Features are
    flattened. Batches come from a seeded permutation per epoch; a last partial batch is dropped.
    ``model`` replaces the built network (it must fit the method, see :func:`build_model`);
    ``optimizer`` is ``'adam'`` or ``'sgd'``. ``x_test``/``labels_test`` feed :meth:`evaluate`.

    Shape:
        see the module docstring; :meth:`step` returns :class:`StepMetrics` with 0-d tensors.

    Example:
        >>> import torch
        >>> x = torch.rand(12, 5, generator=torch.Generator().manual_seed(1)); y = torch.arange(12) % 2
        >>> t = Trainer('bptt', x, y, T=3, hidden=4, batch_size=4, seed=0)
        >>> [m.optimizer_steps for m in t.run(4)]
        [1, 2, 3, 4]
        >>> t.epoch, t.steps_per_epoch
        (1, 3)
    """

    def __init__(self, method, x, labels, *, T=8, hidden=64, batch_size=32, lr=1e-2, optimizer="adam",
                 alpha=0.5, tau=2.0, seed=0, encoding="poisson", n_classes=None, x_test=None,
                 labels_test=None, model=None, measure_memory=True):
        owner = "Trainer"
        self.method = check_choice(owner, "method", method, METHODS)
        check_choice(owner, "optimizer", optimizer, ("adam", "sgd"))
        if encoding is not None:
            check_choice(owner, "encoding", encoding, ("poisson",))
        self.encoding = encoding
        self.x, self.labels, self.T = self._check_data(x, labels, encoding, T, "x", "labels")
        n_samples = self.labels.shape[0]
        self.batch_size = check_int(owner, "batch_size", batch_size, minimum=1)
        if self.batch_size > n_samples:
            raise ValueError(f"{owner}: batch_size must be <= the number of samples ({n_samples}), "
                             f"got {self.batch_size}")
        self.lr = check_real(owner, "lr", lr, greater_than=0.0)
        self.alpha = check_real(owner, "alpha", alpha, greater_than=0.0)
        self.seed = check_int(owner, "seed", seed)
        self.measure_memory = bool(measure_memory)
        if n_classes is None:
            n_classes = int(self.labels.max()) + 1
        self.n_classes = check_int(owner, "n_classes", n_classes, minimum=2)
        if int(self.labels.max()) >= self.n_classes or int(self.labels.min()) < 0:
            raise ValueError(f"{owner}: labels must lie in [0, {self.n_classes}), got values in "
                             f"[{int(self.labels.min())}, {int(self.labels.max())}]")
        if (x_test is None) != (labels_test is None):
            raise ValueError(f"{owner}: x_test and labels_test must be given together, got "
                             f"{describe(x_test)} and {describe(labels_test)}")
        self.x_test = self.labels_test = None
        if x_test is not None:
            self.x_test, self.labels_test, _ = self._check_data(x_test, labels_test, encoding, self.T,
                                                                "x_test", "labels_test")
        self.device = self.x.device
        in_features = self.x.shape[-1]
        if model is None:
            model = build_model(self.method, in_features, self.n_classes, hidden, tau=tau, seed=self.seed)
        elif not isinstance(model, nn.Module):
            raise TypeError(f"{owner}: model must be a torch.nn.Module, got {describe(model)}")
        self.model = model.to(self.device)
        params = [p for p in self.model.parameters() if p.requires_grad]
        if not params:
            raise ValueError(f"{owner}: model must have trainable parameters, got none")
        make = torch.optim.Adam if optimizer == "adam" else torch.optim.SGD
        self.optimizer = make(params, lr=self.lr)
        self.optimizer_steps = 0
        self.optimizer.register_step_post_hook(self._count_optimizer_step)
        self.w_ra = functional.fptt_online_training_init_w_ra(self.optimizer) if self.method == "fptt" else None
        self._generator = torch.Generator(device="cpu").manual_seed(self.seed)
        self._encoder = self._make_encoder(self.seed + 1)
        self.steps_per_epoch = n_samples // self.batch_size
        self.step_index = 0
        self.epoch = 0
        self._order = None

    # ------------------------------------------------------------------ data
    @staticmethod
    def _check_data(x, labels, encoding, T, x_name, labels_name):
        owner = "Trainer"
        check_tensor(owner, x_name, x, min_dim=2 if encoding is not None else 3)
        if not x.is_floating_point():
            raise TypeError(f"{owner}: {x_name} must be a floating-point tensor, got {describe(x)}")
        check_tensor(owner, labels_name, labels, min_dim=1)
        if labels.dim() != 1 or labels.dtype.is_floating_point or labels.dtype == torch.bool:
            raise ValueError(f"{owner}: {labels_name} must be a 1-D integer tensor, got {describe(labels)}")
        if encoding is None:
            x = x.flatten(2)
            T = x.shape[0]
        else:
            T = check_int(owner, "T", T, minimum=1)
            x = x.flatten(1)
            low, high = (float(v) for v in torch.aminmax(x)) if x.numel() else (0.0, 0.0)
            if low < 0.0 or high > 1.0:
                raise ValueError(f"{owner}: {x_name} must hold intensities in [0, 1] for Poisson encoding, "
                                 f"got values in [{low:.4g}, {high:.4g}]")
        n = x.shape[1] if encoding is None else x.shape[0]
        if labels.shape[0] != n:
            raise ValueError(f"{owner}: {labels_name} must have one label per sample ({n}), "
                             f"got shape {list(labels.shape)}")
        return x, labels.to(device=x.device, dtype=torch.long), T

    def _make_encoder(self, seed):
        # The range of x was checked once, at construction: no device sync per batch.
        generator = torch.Generator(device=self.device).manual_seed(seed)
        return PoissonEncoder(generator=generator, check_range=False)

    def _sequence(self, x, encoder):
        """Inputs of a batch as ``[T, N, F]`` (Poisson-encoded when the data is static)."""
        if self.encoding is None:
            return x
        return encoder.encode(x, self.T)

    def _next_batch(self):
        position = self.step_index % self.steps_per_epoch
        if position == 0 or self._order is None:
            self._order = torch.randperm(self.labels.shape[0], generator=self._generator).to(self.device)
        index = self._order[position * self.batch_size:(position + 1) * self.batch_size]
        data = self.x[:, index] if self.encoding is None else self.x[index]
        return self._sequence(data, self._encoder), self.labels[index]

    def _count_optimizer_step(self, *args, **kwargs):
        self.optimizer_steps += 1

    # ------------------------------------------------------------------ updates
    def _update_bptt(self, x_seq, labels):
        self.optimizer.zero_grad(set_to_none=True)
        y_seq = self.model(x_seq)
        loss = functional.temporal_efficient_training_cross_entropy(y_seq, labels)
        loss.backward()
        self.optimizer.step()
        return loss.detach(), y_seq.detach().mean(0)

    def _update_fptt(self, x_seq, labels):
        calls = []

        def loss_t(y, target):
            loss = _step_cross_entropy(y, target)
            calls.append((loss.detach(), y.detach()))
            return loss

        target_seq = labels.unsqueeze(0).expand(self.T, -1)
        functional.fptt_online_training(self.model, self.optimizer, x_seq, target_seq, loss_t, self.alpha,
                                        self.w_ra)
        # The training forward of step t is call 2t; the odd calls re-run a step with updated weights.
        trained = calls[0::2]
        if len(calls) != 2 * self.T - 1:
            raise RuntimeError(f"Trainer: fptt_online_training called the loss {len(calls)} times, "
                               f"expected {2 * self.T - 1}")
        loss = torch.stack([c[0] for c in trained]).mean()
        return loss, torch.stack([c[1] for c in trained]).mean(0)

    def _update_ottt(self, x_seq, labels):
        target_seq = labels.unsqueeze(1).expand(-1, self.T)
        batch_loss, y_all = functional.ottt_online_training(self.model, self.optimizer, x_seq.transpose(0, 1),
                                                            target_seq, _step_cross_entropy, True)
        return batch_loss / self.T, y_all.mean(1)

    def step(self) -> StepMetrics:
        """Train on the next mini-batch with this trainer's method and report its metrics."""
        x_seq, labels = self._next_batch()
        self.model.train()
        functional.reset_net(self.model)
        update = getattr(self, f"_update_{self.method}")
        cuda = self.device.type == "cuda"
        if cuda:
            torch.cuda.reset_peak_memory_stats(self.device)
            base = torch.cuda.memory_allocated(self.device)
        if self.measure_memory and not cuda:
            with SavedTensorMeter() as meter:
                loss, y_mean = update(x_seq, labels)
            peak = meter.peak
        else:
            loss, y_mean = update(x_seq, labels)
            peak = 0
        # Drop the state of the last step: it may still reference a freed graph.
        functional.reset_net(self.model)
        if cuda:
            peak = torch.cuda.max_memory_allocated(self.device) - base if self.measure_memory else 0
        accuracy = (y_mean.argmax(-1) == labels).float().mean()
        metrics = StepMetrics(self.method, self.step_index, self.epoch, self.optimizer_steps, loss, accuracy,
                              int(peak))
        self.step_index += 1
        if self.step_index % self.steps_per_epoch == 0:
            self.epoch += 1
        return metrics

    def run(self, n_steps, stop=None, callback=None):
        """Run up to ``n_steps`` updates; return their metrics.

        ``stop`` (a callable or an object with ``is_set()``, e.g. ``threading.Event``) is checked
        before every update; ``callback(metrics)`` is called after each.
        """
        n_steps = check_int("Trainer.run", "n_steps", n_steps, minimum=0)
        return [m for m in _generate(self, n_steps, stop, callback)]

    # ------------------------------------------------------------------ evaluation
    @torch.no_grad()
    def evaluate(self, x=None, labels=None):
        """Loss and accuracy (0-d tensors) on ``(x, labels)``, default the test set, in eval mode.

        Poisson encoding uses a generator re-seeded at every call, so repeated evaluations of the
        same weights agree exactly.
        """
        if x is None and labels is None:
            if self.x_test is None:
                raise ValueError("Trainer.evaluate: no test set was given; pass x and labels")
            x, labels = self.x_test, self.labels_test
        else:
            x, labels, _ = self._check_data(x, labels, self.encoding, self.T, "x", "labels")
        x_seq = self._sequence(x.to(self.device), self._make_encoder(self.seed + 2))
        labels = labels.to(self.device)
        was_training = self.model.training
        self.model.eval()
        functional.reset_net(self.model)
        try:
            if self.method == "bptt":
                y_seq = self.model(x_seq)
            else:
                y_seq = torch.stack([self.model(x_seq[t]) for t in range(x_seq.shape[0])])
        finally:
            functional.reset_net(self.model)
            self.model.train(was_training)
        loss = functional.temporal_efficient_training_cross_entropy(y_seq, labels)
        accuracy = (y_seq.mean(0).argmax(-1) == labels).float().mean()
        return loss, accuracy

    def __repr__(self):
        return (f"Trainer(method={self.method!r}, T={self.T}, batch_size={self.batch_size}, "
                f"step={self.step_index}, device={self.device.type!r})")


def _stopped(stop):
    if stop is None:
        return False
    if hasattr(stop, "is_set"):
        return stop.is_set()
    return bool(stop())


def _generate(trainer, n_steps, stop, callback):
    for _ in range(n_steps):
        if _stopped(stop):
            return
        metrics = trainer.step()
        if callback is not None:
            callback(metrics)
        yield metrics


def train_epoch(trainer, stop=None):
    """Yield :class:`StepMetrics` for the updates left in the trainer's current epoch.

    ``stop`` (callable or ``threading.Event``) is checked before every update.

    Shape:
        yields :class:`StepMetrics` (0-d tensors).

    Example:
        >>> import torch
        >>> x = torch.rand(8, 3, generator=torch.Generator().manual_seed(2)); y = torch.arange(8) % 2
        >>> t = Trainer('fptt', x, y, T=2, hidden=4, batch_size=4)
        >>> [(m.step, m.optimizer_steps) for m in train_epoch(t)]
        [(0, 2), (1, 4)]
    """
    if not isinstance(trainer, Trainer):
        raise TypeError(f"train_epoch: trainer must be a Trainer, got {describe(trainer)}")
    left = trainer.steps_per_epoch - trainer.step_index % trainer.steps_per_epoch
    yield from _generate(trainer, left, stop, None)
