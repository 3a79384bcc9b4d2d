"""Tests of snnlab/training/trainer.py: each update against a direct core call, memory, stop, determinism."""

import copy
import gc
import threading

import pytest
import torch
import torch.nn.functional as F

from snnlab import functional
from snnlab.training import METHODS, StepMetrics, Trainer, train_epoch

pytestmark = pytest.mark.usefixtures("one_thread")  # tiny tensors: one intra-op thread (tests/conftest.py)


def sequence_data(T=4, n=8, features=5, seed=0):
    """A tiny binary sequence task: the class is whether channel 0 fired more than channel 1."""
    g = torch.Generator().manual_seed(seed)
    x = (torch.rand(T, n, features, generator=g) < 0.4).float()
    labels = (x[:, :, 0].sum(0) > x[:, :, 1].sum(0)).long()
    labels[:2] = torch.tensor([0, 1])
    return x, labels


def snapshot(trainer):
    """What a reference needs to replay the trainer's next update: a copy of the model and of the batch."""
    state = trainer._generator.get_state()
    order = torch.randperm(trainer.labels.shape[0], generator=trainer._generator)
    trainer._generator.set_state(state)
    index = order[: trainer.batch_size].to(trainer.device)
    return copy.deepcopy(trainer.model), trainer.x[:, index], trainer.labels[index]


def assert_same_parameters(a, b, **tolerance):
    for (name, p), q in zip(a.named_parameters(), b.parameters()):
        torch.testing.assert_close(p, q, msg=lambda m: f"{name}: {m}", **tolerance)


# --------------------------------------------------------------------------- one update vs the core
def test_bptt_update_matches_a_hand_written_loop(device):
    x, labels = sequence_data()
    trainer = Trainer("bptt", x.to(device), labels, encoding=None, hidden=6, batch_size=8, lr=0.05, seed=3)
    ref, x_seq, y = snapshot(trainer)
    functional.set_step_mode(ref, "s")
    optimizer = torch.optim.Adam(ref.parameters(), lr=0.05)
    outputs = [ref(x_seq[t]) for t in range(x_seq.shape[0])]
    loss = sum(F.cross_entropy(o, y) for o in outputs) / len(outputs)
    loss.backward()
    optimizer.step()
    m = trainer.step()
    torch.testing.assert_close(m.loss, loss.detach())
    accuracy = (torch.stack(outputs).mean(0).argmax(-1) == y).float().mean()
    torch.testing.assert_close(m.accuracy, accuracy)
    assert (m.method, m.step, m.epoch, m.optimizer_steps) == ("bptt", 0, 0, 1)
    assert m.loss.device.type == device and m.loss.shape == ()
    assert_same_parameters(trainer.model, ref)


def test_fptt_update_matches_the_functional_call(device):
    x, labels = sequence_data()
    trainer = Trainer(
        "fptt", x.to(device), labels, encoding=None, hidden=6, batch_size=8, lr=0.05, alpha=0.3, optimizer="sgd", seed=3
    )
    ref, x_seq, y = snapshot(trainer)
    optimizer = torch.optim.SGD(ref.parameters(), lr=0.05)
    w_ra = functional.fptt_online_training_init_w_ra(optimizer)
    losses = []

    def loss_t(out, target):
        losses.append(F.cross_entropy(out, target))
        return losses[-1]

    functional.fptt_online_training(ref, optimizer, x_seq, y.expand(4, -1), loss_t, 0.3, w_ra)
    m = trainer.step()
    assert len(losses) == 7 and m.optimizer_steps == 4
    torch.testing.assert_close(m.loss, torch.stack(losses[0::2]).mean().detach())
    assert_same_parameters(trainer.model, ref)
    for a, b in zip(trainer.w_ra, w_ra):
        torch.testing.assert_close(a, b)


def test_ottt_update_matches_the_functional_call(device):
    x, labels = sequence_data()
    trainer = Trainer("ottt", x.to(device), labels, encoding=None, hidden=6, batch_size=8, lr=0.05, seed=3)
    ref, x_seq, y = snapshot(trainer)
    optimizer = torch.optim.Adam(ref.parameters(), lr=0.05)
    loss_t = lambda out, target: F.cross_entropy(out[0] if isinstance(out, list) else out, target)  # noqa: E731
    batch_loss, y_all = functional.ottt_online_training(
        ref, optimizer, x_seq.transpose(0, 1), y.unsqueeze(1).expand(-1, 4), loss_t, True
    )
    m = trainer.step()
    assert m.optimizer_steps == 4
    torch.testing.assert_close(m.loss, batch_loss / 4)
    torch.testing.assert_close(m.accuracy, (y_all.mean(1).argmax(-1) == y).float().mean())
    assert_same_parameters(trainer.model, ref)


# --------------------------------------------------------------------------- determinism, stop, epochs
@pytest.mark.parametrize("method", METHODS)
def test_same_seed_same_run_and_poisson_batches(method):
    g = torch.Generator().manual_seed(5)
    x, labels = torch.rand(12, 2, 3, generator=g), torch.arange(12) % 3
    runs = [Trainer(method, x, labels, T=3, hidden=5, batch_size=4, seed=s).run(4) for s in (1, 1, 2)]
    assert [float(m.loss) for m in runs[0]] == [float(m.loss) for m in runs[1]]
    assert [float(m.loss) for m in runs[0]] != [float(m.loss) for m in runs[2]]
    assert [m.epoch for m in runs[0]] == [0, 0, 0, 1]


def test_stop_flag_is_checked_before_every_update():
    x, labels = sequence_data()
    trainer = Trainer("bptt", x, labels, encoding=None, hidden=4, batch_size=2)
    event = threading.Event()
    done = trainer.run(10, stop=event, callback=lambda m: event.set() if m.step == 2 else None)
    assert [m.step for m in done] == [0, 1, 2] and trainer.step_index == 3
    assert trainer.run(5, stop=lambda: True) == []
    assert [m.step for m in train_epoch(trainer)] == [3]
    assert [m.step for m in train_epoch(trainer, stop=lambda: False)] == [4, 5, 6, 7]


def test_evaluate_is_repeatable_and_uses_eval_mode():
    g = torch.Generator().manual_seed(0)
    x, labels = torch.rand(10, 4, generator=g), torch.arange(10) % 2
    trainer = Trainer("ottt", x, labels, T=3, hidden=5, batch_size=5, x_test=x, labels_test=labels)
    first, second = trainer.evaluate(), trainer.evaluate()
    assert torch.equal(first[0], second[0]) and torch.equal(first[1], second[1])
    assert trainer.model.training
    loss, accuracy = trainer.evaluate(x[:4], labels[:4])
    assert loss.shape == () and 0.0 <= float(accuracy) <= 1.0
    assert repr(trainer) == "Trainer(method='ottt', T=3, batch_size=5, step=0, device='cpu')"


# --------------------------------------------------------------------------- memory per method
@pytest.mark.parametrize("method", METHODS)
def test_memory_estimate_grows_with_T_only_for_bptt(method):
    peaks = []
    for T in (4, 16):
        x, labels = sequence_data(T=T, n=8, features=20)
        trainer = Trainer(method, x, labels, encoding=None, hidden=32, batch_size=8)
        peaks.append(trainer.step().peak_bytes)
    assert peaks[0] > 0
    if method == "bptt":
        assert peaks[1] > 3 * peaks[0]
    else:
        assert peaks[1] == peaks[0]


def test_long_run_keeps_memory_flat():
    """>= 1,000 optimizer steps: no autograd graph, neuron state or meter entry survives an update."""
    x, labels = sequence_data(T=8, n=8, features=6)
    trainer = Trainer("ottt", x, labels, encoding=None, hidden=8, batch_size=4, optimizer="sgd", seed=0)

    def live_tensors():
        gc.collect()
        tensors = [o for o in gc.get_objects() if type(o) is torch.Tensor or type(o) is torch.nn.Parameter]
        return len(tensors), sum(1 for t in tensors if t.grad_fn is not None)

    def rss_bytes():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * 4096

    for _ in range(10):
        trainer.step()
    count0, graphs0 = live_tensors()
    rss0 = rss_bytes()
    for _ in range(125):
        metrics = trainer.step()
    steps = metrics.optimizer_steps
    del metrics  # its loss and accuracy are two tensors that were not alive at the first count
    count1, graphs1 = live_tensors()
    rss1 = rss_bytes()
    assert trainer.optimizer_steps == steps == 1080
    assert graphs0 == graphs1 == 0
    assert count1 == count0
    assert rss1 - rss0 < 8 * 2**20


# --------------------------------------------------------------------------- learning
@pytest.mark.parametrize("method", METHODS)
def test_each_method_learns_a_separable_task(method):
    g = torch.Generator().manual_seed(0)
    labels = torch.arange(64) % 2
    x = torch.rand(64, 8, generator=g) * 0.3
    x[labels == 1, :4] += 0.6
    x[labels == 0, 4:] += 0.6
    trainer = Trainer(method, x, labels, T=4, hidden=16, batch_size=16, lr=0.02, x_test=x, labels_test=labels)
    assert float(trainer.evaluate()[1]) <= 0.6
    trainer.run(8)
    assert float(trainer.evaluate()[1]) >= 0.9


# --------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(method="sgd"), ValueError, r"Trainer: method must be one of 'bptt', 'fptt', 'ottt', got 'sgd'"),
        (dict(x=torch.ones(4, 3, dtype=torch.long)), TypeError, r"Trainer: x must be a floating-point tensor"),
        (dict(labels=torch.zeros(3).long()), ValueError, r"Trainer: labels must have one label per sample \(4\)"),
        (dict(labels=torch.zeros(4)), ValueError, r"Trainer: labels must be a 1-D integer tensor"),
        (dict(batch_size=5), ValueError, r"Trainer: batch_size must be <= the number of samples \(4\), got 5"),
        (dict(lr=0), ValueError, r"Trainer: lr must be a number > 0.0, got 0.0"),
        (dict(alpha=-1), ValueError, r"Trainer: alpha must be a number > 0.0"),
        (dict(T=0), ValueError, r"Trainer: T must be an integer >= 1, got 0"),
        (dict(n_classes=2, labels=torch.tensor([0, 1, 2, 0])), ValueError, r"labels must lie in \[0, 2\)"),
        (dict(optimizer="lbfgs"), ValueError, r"Trainer: optimizer must be one of 'adam', 'sgd'"),
        (dict(encoding="latency"), ValueError, r"Trainer: encoding must be one of 'poisson'"),
        (
            dict(x=torch.full((4, 3), 1.5)),
            ValueError,
            r"Trainer: x must hold intensities in \[0, 1\] for Poisson encoding, got values in \[1.5, 1.5\]",
        ),
        (dict(x_test=torch.ones(2, 3)), ValueError, r"x_test and labels_test must be given together"),
        (dict(model="net"), TypeError, r"Trainer: model must be a torch.nn.Module, got 'net' \(str\)"),
    ],
)
def test_trainer_rejects_bad_arguments(kwargs, error, match):
    args = dict(method="bptt", x=torch.rand(4, 3), labels=torch.tensor([0, 1, 0, 1]), batch_size=2) | kwargs
    with pytest.raises(error, match=match):
        Trainer(args.pop("method"), args.pop("x"), args.pop("labels"), **args)


def test_evaluate_without_test_set_and_train_epoch_type():
    trainer = Trainer("bptt", torch.rand(4, 3), torch.tensor([0, 1, 0, 1]), batch_size=2)
    with pytest.raises(ValueError, match="Trainer.evaluate: no test set was given"):
        trainer.evaluate()
    with pytest.raises(TypeError, match="train_epoch: trainer must be a Trainer, got 'x' \\(str\\)"):
        next(train_epoch("x"))
    assert isinstance(trainer.step(), StepMetrics)


# --------------------------------------------------------------------------- defects found by hostile use
def _trainer_args(**kwargs):
    return dict(method="bptt", x=torch.rand(4, 3), labels=torch.tensor([0, 1, 0, 1]), batch_size=2) | kwargs


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(lr=float("inf")), ValueError, r"Trainer: lr must be finite, got inf"),
        (dict(alpha=float("inf")), ValueError, r"Trainer: alpha must be finite, got inf"),
        (
            dict(x=torch.tensor([[0.5, float("nan"), 0.2]] * 4)),
            ValueError,
            r"Trainer: x must hold intensities in \[0, 1\] for Poisson encoding, got values in \[nan, nan\]",
        ),
        (
            dict(x=torch.full((2, 4, 3), float("nan")), encoding=None),
            ValueError,
            r"Trainer: x must hold finite values, got NaN or infinity",
        ),
        (
            dict(labels=torch.tensor([-1, 0, -1, 0])),
            ValueError,
            r"Trainer: labels must be class indices >= 0, got a smallest label of -1",
        ),
        (dict(measure_memory="no"), TypeError, r"Trainer: measure_memory must be a bool, got 'no'"),
    ],
)
def test_trainer_rejects_what_it_used_to_accept(kwargs, error, match):
    args = _trainer_args(**kwargs)
    with pytest.raises(error, match=match):
        Trainer(args.pop("method"), args.pop("x"), args.pop("labels"), **args)


@pytest.mark.parametrize("method, mode", [("bptt", "s"), ("fptt", "m"), ("ottt", "m")])
def test_trainer_refuses_a_model_in_the_wrong_step_mode(method, mode):
    from snnlab.training import build_model

    model = build_model("bptt" if method == "ottt" else method, 3, 2, 4)
    functional.set_step_mode(model, mode)
    expected = "whole sequences per call" if method == "bptt" else "one step per call"
    with pytest.raises(ValueError, match=rf"Trainer: model must run {expected}"):
        Trainer(method, torch.rand(4, 3), torch.tensor([0, 1, 0, 1]), batch_size=2, model=model)
