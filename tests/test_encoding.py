"""snnlab.encoding: Poisson rate statistics, latency one-spike ordering, constant current."""

import math

import pytest
import torch

from snnlab.encoding import (
    LatencyEncoder,
    PeriodicEncoder,
    PoissonEncoder,
    StatefulEncoder,
    StatelessEncoder,
    WeightedPhaseEncoder,
    constant_current,
)
from snnlab.errors import UnknownOptionError


def test_poisson_rates_match_intensities(device):
    x = torch.tensor([0.0, 0.1, 0.5, 0.9, 1.0], device=device)
    enc = PoissonEncoder(generator=torch.Generator(device=device).manual_seed(0))
    train = enc.encode(x, T=20000)
    assert train.shape == (20000, 5) and train.dtype == x.dtype and train.device == x.device
    assert set(train.unique().tolist()) <= {0.0, 1.0}
    rate = train.mean(0).cpu()
    assert rate[0] == 0.0 and rate[-1] == 1.0
    sigma = (x.cpu() * (1 - x.cpu()) / 20000).sqrt()
    assert bool(((rate - x.cpu()).abs() <= 5 * sigma + 1e-12).all()), rate


def test_poisson_steps_are_independent():
    enc = PoissonEncoder(generator=torch.Generator().manual_seed(1))
    train = enc.encode(torch.full((2000,), 0.5), T=50)
    a, b = train[:-1].flatten(), train[1:].flatten()
    corr = torch.corrcoef(torch.stack([a, b]))[0, 1]
    assert abs(corr.item()) < 0.02


def test_poisson_is_reproducible_and_multi_step_equals_encode():
    x = torch.rand(3, 4, generator=torch.Generator().manual_seed(2))
    first = PoissonEncoder(generator=torch.Generator().manual_seed(5)).encode(x, T=6)
    again = PoissonEncoder(generator=torch.Generator().manual_seed(5)).encode(x, T=6)
    multi = PoissonEncoder("m", generator=torch.Generator().manual_seed(5))(x.expand(6, 3, 4))
    assert torch.equal(first, again) and torch.equal(first, multi)
    single = PoissonEncoder(generator=torch.Generator().manual_seed(5))
    assert single(x).shape == (3, 4)


@pytest.mark.parametrize(
    "x, exc, text",
    [
        (
            torch.tensor([0.5, 1.5]),
            ValueError,
            r"PoissonEncoder: x must hold intensities in \[0, 1\], got values in \[0.5, 1.5\]",
        ),
        (torch.tensor([-0.1]), ValueError, r"got values in \[-0.1, -0.1\]"),
        (torch.tensor([float("nan")]), ValueError, "NaN counts as out of range"),
        (
            torch.tensor([1, 0]),
            TypeError,
            r"x must be a floating-point tensor of intensities in \[0, 1\], got a torch.int64",
        ),
        ([0.5], TypeError, "PoissonEncoder: x must be a torch.Tensor, got an object of type list"),
    ],
)
def test_poisson_validates_its_input(x, exc, text):
    with pytest.raises(exc, match=text):
        PoissonEncoder()(x)


def test_poisson_range_check_can_be_switched_off_and_arguments_are_checked():
    assert PoissonEncoder(check_range=False)(torch.tensor([2.0])).tolist() == [1.0]
    with pytest.raises(TypeError, match="PoissonEncoder: generator must be a torch.Generator or None, got 0"):
        PoissonEncoder(generator=0)
    with pytest.raises(ValueError, match="PoissonEncoder: T must be an integer >= 1, got 0"):
        PoissonEncoder().encode(torch.zeros(2), T=0)
    with pytest.raises(ValueError, match="step_mode can only be"):
        PoissonEncoder("x")


def _spikingjelly_firing_step(x, T, enc_function):
    """SpikingJelly's formulas, in float64, for small T."""
    x = x.double()
    if enc_function == "log":
        alpha = math.exp(T - 1.0) - 1.0
        return (T - 1.0 - torch.log(alpha * x + 1.0)).round().long()
    return ((T - 1.0) * (1.0 - x)).round().long()


@pytest.mark.parametrize("enc_function", ["linear", "log"])
def test_latency_one_spike_per_neuron_stronger_earlier(device, enc_function):
    T = 8
    x = torch.rand(4, 50, generator=torch.Generator().manual_seed(3)).to(device)
    x[0, :3] = torch.tensor([0.0, 1.0, 0.5])
    train = LatencyEncoder(T, enc_function).encode(x)
    assert train.shape == (T, 4, 50) and train.dtype == x.dtype
    assert bool((train.sum(0) == 1).all())  # exactly one spike
    t_first = train.argmax(0)
    assert t_first[0, 0] == T - 1 and t_first[0, 1] == 0
    order = x.flatten().argsort()
    assert bool((t_first.flatten()[order].diff() <= 0).all())  # stronger inputs spike no later
    torch.testing.assert_close(t_first.cpu(), _spikingjelly_firing_step(x.cpu(), T, enc_function))


def test_latency_log_stays_finite_for_long_windows():
    x = torch.tensor([0.0, 1e-30, 0.5, 1.0])
    t = LatencyEncoder(T=200, enc_function="log").firing_step(x)
    assert t.tolist() == [199, 69, 1, 0]  # -ln(x + (1-x) e^-199): 69.08 -> 69, 0.69 -> 1


@pytest.mark.parametrize("step_mode", ["s", "m"])
def test_latency_stateful_steps_follow_the_train_and_cycle(step_mode):
    T = 4
    x = torch.tensor([[1.0, 0.7, 0.2, 0.0]])
    full = LatencyEncoder(T).encode(x)
    enc = LatencyEncoder(T, step_mode=step_mode)
    if step_mode == "s":
        got = torch.stack([enc(x) for _ in range(2 * T)])
    else:
        got = enc(x.expand(2 * T, 1, 4))
    torch.testing.assert_close(got, torch.cat([full, full]))
    enc.reset()
    assert enc.spike is None and enc.t == 0


def test_latency_validates_arguments():
    with pytest.raises(
        UnknownOptionError, match=r"LatencyEncoder: enc_function must be one of 'linear', 'log', got 'exp'"
    ):
        LatencyEncoder(4, "exp")
    with pytest.raises(NotImplementedError):  # SpikingJelly's class for this mistake
        LatencyEncoder(4, "exp")
    with pytest.raises(TypeError, match="LatencyEncoder: T must be an integer, got 4.0"):
        LatencyEncoder(4.0)
    with pytest.raises(ValueError, match=r"LatencyEncoder: x must hold intensities in \[0, 1\]"):
        LatencyEncoder(4).encode(torch.tensor([1.2]))
    assert repr(LatencyEncoder(5, "log")) == "LatencyEncoder(T=5, enc_function=log, step_mode=s)"


def test_constant_current(device):
    y = constant_current(0.25, T=3, shape=(2, 4), device=device, dtype=torch.float64)
    assert y.shape == (3, 2, 4) and y.dtype == torch.float64 and bool((y == 0.25).all())
    x = torch.arange(6.0, device=device).view(2, 3)
    seq = constant_current(x, T=4)
    assert seq.shape == (4, 2, 3) and all(torch.equal(seq[t], x) for t in range(4))
    seq[0, 0, 0] = 100.0
    assert x[0, 0] == 0.0  # a copy, not a view
    assert constant_current(1, 2, 3).shape == (2, 3)


def test_constant_current_validates():
    with pytest.raises(ValueError, match="constant_current: shape must be given"):
        constant_current(1.0, 3)
    with pytest.raises(ValueError, match="shape must be None when value is a tensor"):
        constant_current(torch.ones(2), 3, shape=(2,))
    with pytest.raises(TypeError, match="constant_current: value must be a number or a tensor, got '1' \\(str\\)"):
        constant_current("1", 3, shape=(1,))
    with pytest.raises(ValueError, match="constant_current: T must be an integer >= 1, got 0"):
        constant_current(1.0, 0, shape=(1,))
    with pytest.raises(ValueError, match=r"shape must be a tuple of non-negative ints, got \(2, -1\)"):
        constant_current(1.0, 2, shape=(2, -1))


# ---------------------------------------------------------------- SpikingJelly 0.14 stateful encoders


def _replay(enc, x, steps):
    """First call with the input, then calls without (0.14's ``e(x); e()``)."""
    return torch.stack([enc(x)] + [enc() for _ in range(steps - 1)])


@pytest.mark.parametrize("enc_function", ["linear", "log"])
def test_latency_encoder_steps_without_input_like_spikingjelly(enc_function):
    from tests.sj014 import sj

    x = torch.rand(3, 5, generator=torch.Generator().manual_seed(0))
    ours = LatencyEncoder(6, enc_function)
    theirs = sj("encoding").LatencyEncoder(6, enc_function)
    torch.testing.assert_close(_replay(ours, x, 9), _replay(theirs, x, 9))
    if enc_function == "log":
        assert ours.alpha == theirs.alpha
    ours.reset()
    assert ours.spike is None and ours.t == 0
    ours.single_step_encode(x)
    torch.testing.assert_close(ours.spike, ours.encode(x))


def test_stateful_encoder_needs_an_input_on_the_first_call():
    with pytest.raises(ValueError, match=r"LatencyEncoder: x must be given on the first call after reset\(\)"):
        LatencyEncoder(4)()


def test_weighted_phase_encoder_matches_spikingjelly_and_the_binary_expansion():
    from tests.sj014 import sj

    K = 5
    x = torch.randint(0, 2**K, (4, 3)).float() / 2**K
    ours = _replay(WeightedPhaseEncoder(K), x, K + 2)
    theirs = _replay(sj("encoding").WeightedPhaseEncoder(K), x, K + 2)
    torch.testing.assert_close(ours, theirs)
    weights = torch.tensor([2.0 ** -(k + 1) for k in range(K)], dtype=torch.float64)
    torch.testing.assert_close((ours[:K].double() * weights.view(-1, 1, 1)).sum(0), x.double())
    torch.testing.assert_close(ours[K:], ours[:2])  # cycles


def test_weighted_phase_encoder_rejects_values_it_cannot_represent():
    with pytest.raises(
        ValueError, match=r"WeightedPhaseEncoder: x must lie in \[0, 1 - 2\^-K\] = \[0, 0.875\] for K=3"
    ):
        WeightedPhaseEncoder(3)(torch.tensor([0.9]))


def test_periodic_encoder_matches_spikingjelly_and_replays_its_own_train():
    from tests.sj014 import sj

    train = (torch.rand(4, 2, 3, generator=torch.Generator().manual_seed(2)) > 0.5).float()
    ours, theirs = PeriodicEncoder(train), sj("encoding").PeriodicEncoder(train)
    torch.testing.assert_close(_replay(ours, train, 10), _replay(theirs, train, 10))
    ours.reset()
    torch.testing.assert_close(torch.stack([ours() for _ in range(5)]), torch.cat([train, train[:1]]))


def test_stateless_encoder_is_the_base_of_poisson_and_needs_a_forward():
    from tests.sj014 import sj

    assert isinstance(PoissonEncoder(), StatelessEncoder)
    assert issubclass(LatencyEncoder, StatefulEncoder)
    with pytest.raises(NotImplementedError, match="StatelessEncoder must define forward"):
        StatelessEncoder()(torch.zeros(1))
    assert isinstance(sj("encoding").PoissonEncoder(), sj("encoding").StatelessEncoder)


# ----------------------------------------------------------------------------- defects found by hostile use
def test_latency_encoder_encodes_a_new_input_instead_of_replaying_the_old_train():
    enc = LatencyEncoder(T=3)
    first, second = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0, 0.5])
    assert enc(first).tolist() == [1.0, 0.0]
    out = enc(second)
    assert out.shape == (3,) and out.tolist() == LatencyEncoder(T=3).encode(second)[0].tolist()
    assert [enc(second).tolist() for _ in range(2)] == [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]


def test_latency_encoder_multi_step_encodes_every_new_sequence():
    enc = LatencyEncoder(T=2, step_mode="m")
    a = torch.tensor([1.0, 0.0]).expand(2, 2)
    b = torch.tensor([0.0, 1.0]).expand(2, 2)
    assert enc(a).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert enc(b).tolist() == [[0.0, 1.0], [1.0, 0.0]]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_constant_current_refuses_non_finite_values(value):
    with pytest.raises(ValueError, match=r"constant_current: value must be finite, got"):
        constant_current(value, T=3, shape=(2,))
    with pytest.raises(ValueError, match=r"constant_current: value must hold finite values"):
        constant_current(torch.tensor([1.0, value]), T=3)
