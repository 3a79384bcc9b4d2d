"""The training engine: :class:`Trainer` (one method, one model, one data set) and :func:`train_epoch`.

See :mod:`snnlab.training` for what each method does and what the metrics measure.

Shape:
    static data ``x``: ``[N, *]``; sequences ``[T, N, *]``; labels ``[N]``.

Example:
    >>> import torch
    >>> from snnlab.training import Trainer
    >>> x = torch.rand(8, 3, generator=torch.Generator().manual_seed(0)); y = torch.arange(8) % 2
    >>> Trainer('bptt', x, y, T=2, hidden=4, batch_size=4).step().optimizer_steps
    1
"""

import threading
from collections.abc import Callable, Iterator
from typing import NamedTuple

import torch
import torch.nn as nn

from .. import functional
from ..checks import check_bool, check_choice, check_finite, check_int, check_real, check_tensor, describe
from ..encoding import PoissonEncoder
from .memory import SavedTensorMeter
from .models import METHODS, build_model, model_problem, step_cross_entropy

__all__ = ["StepMetrics", "Trainer", "train_epoch"]

_CUBLAS_READY: set[tuple[int, int]] = set()  # (thread, CUDA device) pairs whose cuBLAS workspaces exist


def _allocate_cublas_workspaces(device: torch.device) -> None:
    """Have cuBLAS take its workspaces for this thread now, not inside a measured update.

    cuBLAS takes a workspace from PyTorch's allocator (32 MiB on an H200) the first time a thread
    multiplies on a device, and autograd runs a CUDA backward on a thread of its own. Without this, the
    first update that a thread runs counts those one-time allocations as its working memory: measured on an
    H200, the dashboard's tiny network reported 68 MB (two workspaces and 1 MB of update) where a run
    on the main thread, whose workspace existed, reported 34 MB.
    """
    index = device.index if device.index is not None else torch.cuda.current_device()
    key = (threading.get_ident(), index)
    if key in _CUBLAS_READY:
        return
    a = torch.ones(2, 2, device=device, requires_grad=True)
    bias = torch.ones(2, device=device, requires_grad=True)
    (a @ a + torch.nn.functional.linear(a, a, bias)).sum().backward()  # plain and bias-fused products
    _CUBLAS_READY.add(key)


class StepMetrics(NamedTuple):
    """What one update reports. ``loss``/``accuracy`` are detached 0-d tensors on the device.

    ``step`` counts updates (batches) from 0, ``optimizer_steps`` counts ``optimizer.step()`` calls
    so far (BPTT: 1 per update; FPTT and OTTT: ``T`` per update), ``loss`` is the mean per-time-step
    cross-entropy, ``accuracy`` the fraction of the batch whose time-averaged output picks the label,
    ``peak_bytes`` the working-memory estimate described in :mod:`snnlab.training`.

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
        loss, accuracy = torch.stack([self.loss.float(), self.accuracy.float()]).tolist()
        return {
            "method": self.method,
            "step": self.step,
            "epoch": self.epoch,
            "optimizer_steps": self.optimizer_steps,
            "loss": loss,
            "accuracy": accuracy,
            "peak_bytes": self.peak_bytes,
        }


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

    def __init__(
        self,
        method: str,
        x: torch.Tensor,
        labels: torch.Tensor,
        *,
        T: int = 8,
        hidden: int = 64,
        batch_size: int = 32,
        lr: float = 1e-2,
        optimizer: str = "adam",
        alpha: float = 0.5,
        tau: float = 2.0,
        seed: int = 0,
        encoding: str | None = "poisson",
        n_classes: int | None = None,
        x_test: torch.Tensor | None = None,
        labels_test: torch.Tensor | None = None,
        model: nn.Module | None = None,
        measure_memory: bool = True,
    ) -> None:
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
            raise ValueError(
                f"{owner}: batch_size must be <= the number of samples ({n_samples}), got {self.batch_size}"
            )
        self.lr = check_real(owner, "lr", lr, greater_than=0.0)
        self.alpha = check_real(owner, "alpha", alpha, greater_than=0.0)
        self.seed = check_int(owner, "seed", seed)
        self.measure_memory = check_bool(owner, "measure_memory", measure_memory)
        if int(self.labels.min()) < 0:
            raise ValueError(
                f"{owner}: labels must be class indices >= 0, got a smallest label of {int(self.labels.min())}"
            )
        if n_classes is None:
            n_classes = int(self.labels.max()) + 1
        self.n_classes = check_int(owner, "n_classes", n_classes, minimum=2)
        if int(self.labels.max()) >= self.n_classes or int(self.labels.min()) < 0:
            raise ValueError(
                f"{owner}: labels must lie in [0, {self.n_classes}), got values in "
                f"[{int(self.labels.min())}, {int(self.labels.max())}]"
            )
        if (x_test is None) != (labels_test is None):
            raise ValueError(
                f"{owner}: x_test and labels_test must be given together, got "
                f"{describe(x_test)} and {describe(labels_test)}"
            )
        self.x_test: torch.Tensor | None = None
        self.labels_test: torch.Tensor | None = None
        if x_test is not None and labels_test is not None:
            self.x_test, self.labels_test, _ = self._check_data(
                x_test, labels_test, encoding, self.T, "x_test", "labels_test"
            )
        self.device = self.x.device
        in_features = self.x.shape[-1]
        if model is None:
            model = build_model(self.method, in_features, self.n_classes, hidden, tau=tau, seed=self.seed)
        elif not isinstance(model, nn.Module):
            raise TypeError(f"{owner}: model must be a torch.nn.Module, got {describe(model)}")
        else:
            problem = model_problem(self.method, model)
            if problem is not None:
                raise ValueError(f"{owner}: {problem}")
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
    def _check_data(
        x: object, labels: object, encoding: str | None, T: int, x_name: str, labels_name: str
    ) -> tuple[torch.Tensor, torch.Tensor, int]:
        owner = "Trainer"
        x = check_tensor(owner, x_name, x, min_dim=2 if encoding is not None else 3)
        if not x.is_floating_point():
            raise TypeError(f"{owner}: {x_name} must be a floating-point tensor, got {describe(x)}")
        labels = check_tensor(owner, labels_name, labels, min_dim=1)
        if labels.dim() != 1 or labels.dtype.is_floating_point or labels.dtype == torch.bool:
            raise ValueError(f"{owner}: {labels_name} must be a 1-D integer tensor, got {describe(labels)}")
        if encoding is None:
            check_finite(owner, x_name, x)
            x = x.flatten(2)
            T = x.shape[0]
        else:
            T = check_int(owner, "T", T, minimum=1)
            x = x.flatten(1)
            low, high = (float(v) for v in torch.aminmax(x)) if x.numel() else (0.0, 0.0)
            if not (low >= 0.0 and high <= 1.0):  # NaN fails both comparisons
                raise ValueError(
                    f"{owner}: {x_name} must hold intensities in [0, 1] for Poisson encoding, got values in "
                    f"[{low:.4g}, {high:.4g}] (NaN counts as out of range)"
                )
        n = x.shape[1] if encoding is None else x.shape[0]
        if labels.shape[0] != n:
            raise ValueError(
                f"{owner}: {labels_name} must have one label per sample ({n}), got shape {list(labels.shape)}"
            )
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
        index = self._order[position * self.batch_size : (position + 1) * self.batch_size]
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
            loss = step_cross_entropy(y, target)
            calls.append((loss.detach(), y.detach()))
            return loss

        target_seq = labels.unsqueeze(0).expand(self.T, -1)
        w_ra = self.w_ra if self.w_ra is not None else functional.fptt_online_training_init_w_ra(self.optimizer)
        functional.fptt_online_training(self.model, self.optimizer, x_seq, target_seq, loss_t, self.alpha, w_ra)
        # The training forward of step t is call 2t; the odd calls re-run a step with updated weights.
        trained = calls[0::2]
        if len(calls) != 2 * self.T - 1:
            raise RuntimeError(
                f"Trainer: fptt_online_training called the loss {len(calls)} times, expected {2 * self.T - 1}"
            )
        loss = torch.stack([c[0] for c in trained]).mean()
        return loss, torch.stack([c[1] for c in trained]).mean(0)

    def _update_ottt(self, x_seq, labels):
        target_seq = labels.unsqueeze(1).expand(-1, self.T)
        batch_loss, y_all = functional.ottt_online_training(
            self.model, self.optimizer, x_seq.transpose(0, 1), target_seq, step_cross_entropy, True
        )
        return batch_loss / self.T, y_all.mean(1)

    def step(self) -> StepMetrics:
        """Train on the next mini-batch with this trainer's method and report its metrics."""
        x_seq, labels = self._next_batch()
        self.model.train()
        functional.reset_net(self.model)
        update = getattr(self, f"_update_{self.method}")
        cuda = self.device.type == "cuda"
        base = 0
        if cuda:
            if self.measure_memory:
                _allocate_cublas_workspaces(self.device)
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
        metrics = StepMetrics(self.method, self.step_index, self.epoch, self.optimizer_steps, loss, accuracy, int(peak))
        self.step_index += 1
        if self.step_index % self.steps_per_epoch == 0:
            self.epoch += 1
        return metrics

    def run(self, n_steps: int, stop: object = None, callback: Callable[[StepMetrics], object] | None = None) -> list:
        """Run up to ``n_steps`` updates; return their metrics.

        ``stop`` (a callable or an object with ``is_set()``, e.g. ``threading.Event``) is checked
        before every update; ``callback(metrics)`` is called after each.
        """
        n_steps = check_int("Trainer.run", "n_steps", n_steps, minimum=0)
        return list(_generate(self, n_steps, stop, callback))

    # ------------------------------------------------------------------ evaluation
    @torch.no_grad()
    def evaluate(
        self, x: torch.Tensor | None = None, labels: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Loss and accuracy (0-d tensors) on ``(x, labels)``, default the test set, in eval mode.

        Poisson encoding uses a generator re-seeded at every call, so repeated evaluations of the
        same weights agree exactly.
        """
        if x is None and labels is None:
            if self.x_test is None or self.labels_test is None:
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

    def __repr__(self) -> str:
        return (
            f"Trainer(method={self.method!r}, T={self.T}, batch_size={self.batch_size}, "
            f"step={self.step_index}, device={self.device.type!r})"
        )


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


def train_epoch(trainer: Trainer, stop: object = None) -> Iterator[StepMetrics]:
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
