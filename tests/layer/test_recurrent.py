"""snnlab.layer.recurrent: element-wise and linear recurrent containers against hand-written loops."""

import pytest
import torch
import torch.nn as nn

from snnlab import layer, neuron
from snnlab.errors import InvalidParameterError
from snnlab.functional import reset_net


@pytest.mark.parametrize("step_mode", ["s", "m"])
def test_element_wise_recurrent_spikingjelly_example(device, step_mode):
    rec = layer.ElementWiseRecurrentContainer(neuron.IFNode(v_reset=None), lambda y, x: y + x, step_mode=step_mode).to(
        device
    )
    x_seq = torch.tensor([0.6, 0.6, 0.0, 0.0], device=device).view(4, 1)
    y = rec(x_seq) if step_mode == "m" else torch.stack([rec(x) for x in x_seq])
    assert y.flatten().tolist() == [0.0, 1.0, 1.0, 1.0]


def test_element_wise_recurrent_matches_a_hand_written_loop_and_resets():
    torch.manual_seed(0)
    fc = nn.Linear(3, 3).double()
    f = lambda y, x: 0.5 * y - x  # noqa: E731
    rec = layer.ElementWiseRecurrentContainer(fc, f, step_mode="m")
    x_seq = torch.randn(6, 2, 3, dtype=torch.float64)
    y, expected = torch.zeros(2, 3, dtype=torch.float64), []
    for t in range(6):
        y = fc(f(y, x_seq[t]))
        expected.append(y)
    torch.testing.assert_close(rec(x_seq), torch.stack(expected))
    rec.reset()
    assert rec.y is None
    torch.testing.assert_close(rec(x_seq), torch.stack(expected))


def test_linear_recurrent_matches_a_hand_written_loop(device):
    torch.manual_seed(1)
    sub = nn.Linear(4, 2).double().to(device)
    rec = layer.LinearRecurrentContainer(sub, in_features=4, out_features=2, step_mode="m").double().to(device)
    assert rec.rc.in_features == 6 and rec.rc.out_features == 4
    x_seq = torch.randn(5, 3, 4, dtype=torch.float64, device=device)
    y, expected = torch.zeros(3, 2, dtype=torch.float64, device=device), []
    for t in range(5):
        y = sub(rec.rc(torch.cat([x_seq[t], y], dim=-1)))
        expected.append(y)
    out = rec(x_seq)
    assert out.shape == (5, 3, 2)
    torch.testing.assert_close(out, torch.stack(expected))


def test_linear_recurrent_with_extra_dims_and_a_neuron():
    torch.manual_seed(2)
    rec = layer.LinearRecurrentContainer(neuron.IFNode(), in_features=3, out_features=3, bias=False)
    assert rec.rc.bias is None
    x = torch.rand(2, 5, 3)
    assert rec(x).shape == (2, 5, 3) and rec.y.shape == (2, 5, 3)
    rec.reset()
    assert rec.y is None


def test_recurrent_gradients_flow_through_time():
    torch.manual_seed(3)
    sub = nn.Linear(2, 2)
    rec = layer.LinearRecurrentContainer(sub, 2, 2, step_mode="m")
    rec(torch.randn(3, 1, 2)).sum().backward()
    assert rec.rc.weight.grad is not None and rec.rc.weight.grad[:, 2:].abs().sum() > 0  # recurrent part used


def test_recurrent_containers_validate_arguments():
    with pytest.raises(InvalidParameterError, match="ElementWiseRecurrentContainer: every contained module"):
        layer.ElementWiseRecurrentContainer(neuron.IFNode(step_mode="m"), torch.add)
    with pytest.raises(TypeError, match="element_wise_function must be a callable f\\(y, x\\), got 3 \\(int\\)"):
        layer.ElementWiseRecurrentContainer(nn.Identity(), 3)
    with pytest.raises(ValueError, match="LinearRecurrentContainer: in_features must be an integer >= 1, got 0"):
        layer.LinearRecurrentContainer(nn.Identity(), 0, 2)
    with pytest.raises(TypeError, match="out_features must be an integer, got 2.0"):
        layer.LinearRecurrentContainer(nn.Identity(), 2, 2.0)
    rec = layer.LinearRecurrentContainer(nn.Identity(), 3, 3)
    with pytest.raises(ValueError, match=r"x must have in_features=3 features in its last dim, got shape \[2, 4\]"):
        rec(torch.zeros(2, 4))
    assert rec.y is None


def test_set_step_mode_changes_the_container_not_the_wrapped_module_when_available():
    from snnlab import functional

    if not hasattr(functional, "set_step_mode"):
        pytest.skip("functional.set_step_mode not available")
    net = nn.Sequential(
        layer.ElementWiseRecurrentContainer(neuron.IFNode(), torch.add),
        layer.LinearRecurrentContainer(neuron.IFNode(), 2, 2),
    )
    functional.set_step_mode(net, "m")
    assert net[0].step_mode == net[1].step_mode == "m"
    assert net[0].sub_module.step_mode == net[1].sub_module.step_mode == "s"
    assert net(torch.rand(4, 3, 2)).shape == (4, 3, 2)


# ----------------------------------------------------------------------------- opaque errors at the edges
@pytest.mark.parametrize(
    "make",
    [
        lambda: layer.ElementWiseRecurrentContainer(neuron.IFNode(), torch.add),
        lambda: layer.LinearRecurrentContainer(neuron.IFNode(), 3, 3),
    ],
)
def test_a_new_batch_size_without_reset_is_named(make):
    rec = make()
    rec(torch.rand(4, 3))
    y = rec.y.clone()
    with pytest.raises(ValueError, match=r"Container: the input has batch shape \[2\] but the output y kept"):
        rec(torch.rand(2, 3))
    assert torch.equal(rec.y, y)
    reset_net(rec)
    assert rec(torch.rand(2, 3)).shape == (2, 3)


def test_linear_recurrent_sub_module_that_does_not_map_in_to_out_is_named():
    rec = layer.LinearRecurrentContainer(nn.Linear(3, 5), in_features=3, out_features=2)
    with pytest.raises(ValueError, match=r"sub_module must map \[N, \*, 3\] to \[N, \*, 2\], got an output of shape"):
        rec(torch.rand(4, 3))
    assert rec.y is None
