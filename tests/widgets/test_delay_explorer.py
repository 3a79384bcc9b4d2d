"""DelayExplorer: output and gradient equal direct delay calls; SpikingJelly's documented outputs."""

import math

import pytest
import torch

from snnlab.encoding import PoissonEncoder
from snnlab.functional import delay
from widgets.delay_explorer import DelayExplorer, DelayResult, delay_input


@pytest.fixture
def ramp_panel():  # a fresh panel per test: no test sees another's changes
    built = DelayExplorer(x_seq=torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0]), delay_steps=0, device="cpu", throttle_ms=0)
    yield built
    built.close()


# delay of x = [1, 2, 3, 4, 5] (SPEC 1.20: same values as SpikingJelly for 0 <= d <= T, zeros beyond T)
@pytest.mark.parametrize(
    "d, expected",
    [
        (0, [1, 2, 3, 4, 5]),
        (1, [0, 1, 2, 3, 4]),
        (2, [0, 0, 1, 2, 3]),
        (4, [0, 0, 0, 0, 1]),
        (5, [0, 0, 0, 0, 0]),
        (6, [0, 0, 0, 0, 0]),
        (10, [0, 0, 0, 0, 0]),
    ],
)
def test_documented_outputs_and_gradient_mask(ramp_panel, d, expected):
    ramp_panel.delay_steps.value = d
    result = ramp_panel.result
    assert isinstance(result, DelayResult) and result.delay_steps == d and ramp_panel.error is None
    torch.testing.assert_close(result.y_seq, torch.tensor(expected, dtype=torch.float32))
    # gradient of sum(y): 1 for the steps that reach the output (t < T - d), 0 for the rest
    mask = [1.0 if t < 5 - d else 0.0 for t in range(5)]
    torch.testing.assert_close(result.grad, torch.tensor(mask))
    torch.testing.assert_close(result.x_seq, torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0]))


@pytest.mark.parametrize("kind", ["spikes", "signal"])
def test_demo_inputs_equal_a_direct_delay_and_autograd(device, kind):
    panel = DelayExplorer(
        input_kind=kind, T=30, delay_steps=7, rate=0.4, period=10, seed=2, device=device, throttle_ms=0
    )
    assert panel.error is None and panel.status_text.startswith(f"ran on {device} in ")
    x = delay_input(kind, 30, rate=0.4, period=10, seed=2).to(device).requires_grad_(True)
    y = delay(x, 7)
    y.sum().backward()
    torch.testing.assert_close(panel.result.x_seq, x.detach().cpu())
    torch.testing.assert_close(panel.result.y_seq, y.detach().cpu())
    torch.testing.assert_close(panel.result.grad, x.grad.cpu())
    assert panel.result.y_seq.device.type == "cpu"


def test_demo_inputs_follow_their_definitions():
    t = torch.arange(12, dtype=torch.float32)
    torch.testing.assert_close(delay_input("signal", 12, period=6), torch.sin(2 * math.pi * t / 6))
    g = torch.Generator().manual_seed(4)
    torch.testing.assert_close(
        delay_input("spikes", 12, rate=0.5, seed=4), PoissonEncoder(generator=g).encode(torch.tensor([0.5]), 12)[:, 0]
    )
    with pytest.raises(ValueError, match=r"delay_input: kind must be one of 'spikes', 'signal', got 'noise'"):
        delay_input("noise", 5)


def test_user_tensor_with_features_and_channel_choice():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(12, 2, 3, generator=g)
    panel = DelayExplorer(x_seq=x, delay_steps=4, device="cpu", throttle_ms=0)
    assert repr(panel) == "DelayExplorer(input='custom', delay_steps=4, T=12)"
    assert panel.channel.max == 5 and not panel.channel.disabled and panel.T.disabled
    torch.testing.assert_close(panel.result.y_seq, delay(x, 4))
    expected_grad = torch.zeros_like(x)
    expected_grad[:8] = 1.0
    torch.testing.assert_close(panel.result.grad, expected_grad)
    panel.channel.value = 4
    assert panel.result.channel == 4
    fig_y = [list(trace.y) for trace in panel.figure.data if len(trace.y) == 12]
    shown_input = x.reshape(12, -1)[:, 4].tolist()
    assert any(torch.allclose(torch.tensor(ys, dtype=torch.float32), torch.tensor(shown_input)) for ys in fig_y)
    # the gradient trace shows d sum(y) / dx of the same channel
    assert panel.figure.data[3].name == "gradient reaching x[t]"
    assert list(panel.figure.data[3].y) == expected_grad.reshape(12, -1)[:, 4].tolist()


def test_integer_spikes_get_float_gradients():
    x = torch.tensor([1, 0, 1, 1, 0, 1])
    panel = DelayExplorer(x_seq=x, delay_steps=2, device="cpu", throttle_ms=0)
    assert panel.result.y_seq.tolist() == [0.0, 0.0, 1.0, 0.0, 1.0, 1.0]
    assert panel.result.grad.tolist() == [1.0, 1.0, 1.0, 1.0, 0.0, 0.0]


def test_controls_follow_the_input_kind():
    panel = DelayExplorer(input_kind="signal", device="cpu", throttle_ms=0)
    assert panel.rate.disabled and panel.seed.disabled and not panel.period.disabled and panel.channel.disabled
    panel.input.value = "spikes"
    assert not panel.rate.disabled and not panel.seed.disabled and panel.period.disabled
    assert repr(panel) == "DelayExplorer(input='spikes', delay_steps=3, T=40)"


def test_a_failing_compute_shows_the_error_and_the_panel_recovers(ramp_panel):
    good = ramp_panel.x_seq
    ramp_panel.x_seq = torch.tensor(3.0)  # 0-d: delay needs a time dimension
    assert ramp_panel.update() is False
    assert ramp_panel.status_text == "ValueError: delay: x_seq must have at least 1 dimension(s), got shape []"
    ramp_panel.x_seq = good
    ramp_panel.delay_steps.value = 1
    assert ramp_panel.error is None and ramp_panel.result.y_seq.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(delay_steps=-1), ValueError, r"DelayExplorer: delay_steps must be an integer >= 0, got -1"),
        (dict(delay_steps=1.5), TypeError, r"DelayExplorer: delay_steps must be an integer, got 1.5"),
        (
            dict(input_kind="ramp"),
            ValueError,
            r"DelayExplorer: input_kind must be one of 'spikes', 'signal', got 'ramp'",
        ),
        (dict(x_seq=[1, 2]), TypeError, r"x_seq must be a torch.Tensor \[T, \*\], got an object of type list"),
        (
            dict(x_seq=torch.zeros(0, 3)),
            ValueError,
            r"x_seq must be a \[T, \*\] tensor with T >= 1 and at least one channel, got shape \[0, 3\]",
        ),
    ],
)
def test_bad_arguments_are_rejected(kwargs, error, match):
    with pytest.raises(error, match=match):
        DelayExplorer(device="cpu", **kwargs)


# ----------------------------------------------------------------------------- argument ranges
@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(T=0), r"DelayExplorer: T must be an integer >= 1, got 0"),
        (dict(rate=2.0), r"DelayExplorer: rate must be a number in \[0, 1\], got 2.0"),
        (dict(period=1), r"DelayExplorer: period must be an integer in \[2, 64\], got 1"),
        (dict(period=100), r"DelayExplorer: period must be an integer in \[2, 64\], got 100"),
        (dict(seed=-1), r"DelayExplorer: seed must be an integer in \[0, 9.22337e\+18\], got -1"),
    ],
)
def test_out_of_range_constructor_arguments_are_refused_by_name(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DelayExplorer(device="cpu", **kwargs)


def test_an_empty_channel_axis_is_refused_by_name():
    with pytest.raises(
        ValueError, match=r"DelayExplorer: x_seq must be a \[T, \*\] tensor with T >= 1 and at least one"
    ):
        DelayExplorer(x_seq=torch.zeros(5, 0), device="cpu")
