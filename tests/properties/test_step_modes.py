"""Step-mode mismatches: a module in the wrong mode is refused by every runner, however deeply it is nested."""

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from snnlab import functional, layer
from snnlab.training import Trainer

from .strategies import NEURON_KINDS, NEURONS


@st.composite
def networks(draw):
    """A network of Linear layers and neurons of registered kinds in random step modes, some nested in
    plain Sequentials.

    Returns ``(net, modes)``: ``modes`` lists the step mode of every neuron.
    """
    blocks, modes = [], []
    for _ in range(draw(st.integers(1, 3))):
        mode = draw(st.sampled_from(["s", "m"]))
        modes.append(mode)
        block = [nn.Linear(3, 3), NEURONS[draw(st.sampled_from(NEURON_KINDS))].build(step_mode=mode)]
        blocks.extend([nn.Sequential(*block)] if draw(st.booleans()) else block)
    return nn.Sequential(*blocks), modes


@given(networks())
def test_multi_step_forward_and_containers_take_single_step_modules_only(net_modes):
    net, modes = net_modes
    x_seq = torch.rand(2, 4, 3)
    if all(m == "s" for m in modes):
        assert functional.multi_step_forward(x_seq, net).shape == (2, 4, 3)
        functional.reset_net(net)
        assert layer.MultiStepContainer(*net).forward(x_seq).shape == (2, 4, 3)
        return
    with pytest.raises(ValueError, match="step_mode='s'"):
        functional.multi_step_forward(x_seq, net)
    with pytest.raises(ValueError, match="step_mode='s'"):
        layer.MultiStepContainer(*net)


@given(networks(), st.sampled_from(["fptt", "ottt"]))
def test_online_training_takes_single_step_models_only(net_modes, method):
    net, modes = net_modes
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    before = [p.detach().clone() for p in net.parameters()]
    if method == "fptt":
        w_ra = functional.fptt_online_training_init_w_ra(opt)
        run = lambda: functional.fptt_online_training(  # noqa: E731
            net, opt, torch.rand(2, 4, 3), torch.rand(2, 4, 3), F.mse_loss, 0.5, w_ra
        )
    else:
        run = lambda: functional.ottt_online_training(  # noqa: E731
            net, opt, torch.rand(4, 2, 3), torch.rand(4, 2, 3), F.mse_loss, True
        )
    if all(m == "s" for m in modes):
        run()
        return
    with pytest.raises(ValueError, match=r"model must run one step per call \(step_mode='s'\)"):
        run()
    assert all(torch.equal(a, b) for a, b in zip(before, net.parameters()))


@given(networks(), st.sampled_from(["bptt", "fptt", "ottt"]))
def test_the_trainer_takes_models_in_the_mode_of_its_method(net_modes, method):
    net, modes = net_modes
    net.append(nn.Linear(3, 2))
    wanted = "m" if method == "bptt" else "s"
    make = lambda: Trainer(method, torch.rand(4, 3), torch.tensor([0, 1, 0, 1]), batch_size=2, model=net)  # noqa: E731
    if all(m == wanted for m in modes):
        make()
        return
    with pytest.raises(ValueError, match=rf"Trainer: model must run .* \(step_mode='{wanted}'\) for method"):
        make()
