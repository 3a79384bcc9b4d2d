"""Tests of snnlab/training/models.py: one architecture, same initial weights for every method."""

import pytest
import torch
from torch import nn

from snnlab import layer, neuron
from snnlab.training import METHODS, build_model, step_cross_entropy


def assert_same_parameters(a, b):
    for (name, p), q in zip(a.named_parameters(), b.parameters()):
        torch.testing.assert_close(p, q, rtol=0, atol=0, msg=lambda m: f"{name}: {m}")


# --------------------------------------------------------------------------- build_model
def test_build_model_same_weights_and_step_modes():
    torch.manual_seed(123)
    before = torch.random.get_rng_state()
    models = {m: build_model(m, 6, 3, 4, seed=7) for m in METHODS}
    assert torch.equal(torch.random.get_rng_state(), before)
    for m in ("fptt", "ottt"):
        assert_same_parameters(models["bptt"], models[m])
    assert models["bptt"][1].step_mode == "m" and models["fptt"][1].step_mode == "s"
    assert isinstance(models["ottt"], layer.OTTTSequential)
    assert isinstance(models["ottt"][1], neuron.OTTTLIFNode)
    lif = models["bptt"][1]
    assert (lif.tau, lif.decay_input, lif.v_reset, lif.detach_reset) == (2.0, False, None, True)
    assert not torch.equal(build_model("bptt", 6, 3, 4, seed=8)[0].weight, models["bptt"][0].weight)


def test_build_model_seeds_only_the_cpu_generator(monkeypatch):
    # The weights are those a CPU generator seeded with ``seed`` gives, as with ``torch.manual_seed``;
    # no other device's global seed is set (a CUDA seed would be queued even without a GPU).
    def refuse(*args, **kwargs):
        raise AssertionError("build_model seeded a CUDA generator")

    monkeypatch.setattr(torch.cuda, "manual_seed_all", refuse)
    monkeypatch.setattr(torch.cuda, "manual_seed", refuse)
    model = build_model("bptt", 6, 3, 4, seed=7)
    with torch.random.fork_rng(devices=[]):
        torch.default_generator.manual_seed(7)
        expected = [layer.Linear(6, 4), layer.Linear(4, 3)]
    assert_same_parameters(nn.Sequential(model[0], model[2]), nn.Sequential(*expected))


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(method="rnn"), ValueError, r"build_model: method must be one of 'bptt', 'fptt', 'ottt', got 'rnn'"),
        (dict(n_classes=1), ValueError, r"build_model: n_classes must be an integer >= 2, got 1"),
        (dict(tau=1.0), ValueError, r"build_model: tau must be a number > 1.0, got 1.0"),
    ],
)
def test_build_model_rejects(kwargs, error, match):
    args = dict(method="bptt", in_features=3, n_classes=2) | kwargs
    with pytest.raises(error, match=match):
        build_model(**args)


def test_step_cross_entropy_reads_the_spike_of_a_list_output():
    y = torch.tensor([[2.0, 0.0], [0.0, 1.0]])
    target = torch.tensor([0, 0])
    expected = torch.nn.functional.cross_entropy(y, target)
    assert torch.equal(step_cross_entropy(y, target), expected)
    assert torch.equal(step_cross_entropy([y, torch.ones(2, 2)], target), expected)


def test_model_problem_names_what_a_method_needs():
    from snnlab import functional, neuron
    from snnlab.training import Trainer, build_model, model_problem

    for method in ("bptt", "fptt", "ottt"):
        assert model_problem(method, build_model(method, 3, 2, 4)) is None
    assert model_problem("bptt", build_model("fptt", 3, 2, 4)).startswith(
        "model must run whole sequences per call (step_mode='m') for method 'bptt', got Linear at '0'"
    )
    plain = build_model("fptt", 3, 2, 4)
    assert model_problem("ottt", plain) == (
        "OTTT needs an snnlab.neuron.OTTTLIFNode in the model (in a layer.OTTTSequential), found none"
    )
    with pytest.raises(ValueError, match=r"Trainer: OTTT needs an snnlab.neuron.OTTTLIFNode in the model"):
        Trainer("ottt", torch.rand(4, 3), torch.tensor([0, 1, 0, 1]), batch_size=2, model=plain)
    net = torch.nn.Sequential(torch.nn.Linear(3, 2), neuron.IFNode())
    functional.set_step_mode(net, "m")
    assert model_problem("ottt", net).startswith("model must run one step per call")
    with pytest.raises(ValueError, match="model_problem: method must be one of 'bptt', 'fptt', 'ottt', got 'rtrl'"):
        model_problem("rtrl", net)
