"""Tests for snnlab/functional/online.py: FPTT and OTTT online training."""

import copy

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.testing import assert_close

from snnlab import layer, neuron
from snnlab.base import MemoryModule
from snnlab.functional.network import reset_net
from snnlab.functional.online import fptt_online_training, fptt_online_training_init_w_ra, ottt_online_training
from tests.ottt_reference import ottt_reference


def make_net(seed=0, device="cpu"):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(8, 4), neuron.IFNode(), nn.Linear(4, 2), neuron.IFNode()).to(device)


def fptt_reference(model, optimizer, x_seq, target_seq, f_loss_t, alpha, w_ra):
    """The FPTT step order written out by hand (gradients copied, as the fix requires)."""
    params = [w for g in optimizer.param_groups for w in g["params"]]
    g_prev = [0.0] * len(params)
    for t in range(x_seq.shape[0]):
        optimizer.zero_grad()
        loss = f_loss_t(model(x_seq[t]), target_seq[t])
        reg = sum(F.mse_loss(w, w_ra[i] + g_prev[i] / (2 * alpha)) for i, w in enumerate(params))
        (loss + alpha / 2 * reg).backward()
        optimizer.step()
        for m in model.modules():
            if isinstance(m, MemoryModule):
                m.detach()
        saved = [copy.deepcopy(m._memories) for m in model.modules() if isinstance(m, MemoryModule)]
        optimizer.zero_grad()
        if t < x_seq.shape[0] - 1:
            f_loss_t(model(x_seq[t]), target_seq[t]).backward()
            with torch.no_grad():
                for i, w in enumerate(params):
                    g_prev[i] = w.grad.clone()
                    w_ra[i] = (w_ra[i] + w) / 2 - w.grad / (2 * alpha)
        optimizer.zero_grad()
        for m, s in zip([m for m in model.modules() if isinstance(m, MemoryModule)], saved):
            m._memories = s


# ------------------------------------------------------------------ FPTT
def test_init_w_ra_returns_detached_copies():
    net = make_net()
    opt = torch.optim.SGD([{"params": net[0].parameters()}, {"params": net[2].parameters()}], lr=0.1)
    w_ra = fptt_online_training_init_w_ra(opt)
    params = list(net[0].parameters()) + list(net[2].parameters())
    assert len(w_ra) == 4
    for r, w in zip(w_ra, params):
        assert torch.equal(r, w) and r.data_ptr() != w.data_ptr() and not r.requires_grad
    with torch.no_grad():
        params[0].add_(1.0)
    assert not torch.equal(w_ra[0], params[0])  # no aliasing
    with pytest.raises(TypeError, match=r"optimizer must be a torch.optim.Optimizer, got an object of type list"):
        fptt_online_training_init_w_ra([params[0]])


def test_fptt_matches_hand_written_order(device):
    g = torch.Generator().manual_seed(1)
    data = [
        (torch.rand(5, 3, 8, generator=g).to(device) * 2, torch.rand(5, 3, 2, generator=g).to(device)) for _ in range(2)
    ]
    net, ref = make_net(2, device), make_net(2, device)
    opt, ref_opt = torch.optim.SGD(net.parameters(), lr=0.5), torch.optim.SGD(ref.parameters(), lr=0.5)
    w_ra, ref_w_ra = fptt_online_training_init_w_ra(opt), [w.detach().clone() for w in ref.parameters()]
    for x, y in data:
        assert fptt_online_training(net, opt, x, y, F.mse_loss, 0.1, w_ra) is None
        fptt_reference(ref, ref_opt, x, y, F.mse_loss, 0.1, ref_w_ra)
        assert_close(net[1].v, ref[1].v)
        reset_net(net)
        reset_net(ref)
    for a, b in zip(list(net.parameters()) + w_ra, list(ref.parameters()) + ref_w_ra):
        assert_close(a, b)
    assert any(not torch.equal(a, b) for a, b in zip(net.parameters(), make_net(2, device).parameters()))


def test_fptt_with_zero_lr_leaves_state_of_a_plain_forward():
    net = make_net(3)
    opt = torch.optim.SGD(net.parameters(), lr=0.0)
    x = torch.rand(4, 2, 8) * 2
    w0 = [w.detach().clone() for w in net.parameters()]
    w_ra = fptt_online_training_init_w_ra(opt)
    fptt_online_training(net, opt, x, torch.rand(4, 2, 2), F.mse_loss, 0.5, w_ra)
    plain = make_net(3)
    for t in range(4):
        plain(x[t])
    assert_close(net[1].v, plain[1].v)
    assert_close(net[3].v, plain[3].v)
    assert all(torch.equal(a, b) for a, b in zip(net.parameters(), w0))


def test_fptt_single_step_is_one_plain_gradient_step():
    net = nn.Linear(3, 2)
    opt = torch.optim.SGD(net.parameters(), lr=0.2)
    x, y = torch.rand(1, 4, 3), torch.rand(1, 4, 2)
    expected = copy.deepcopy(net)
    F.mse_loss(expected(x[0]), y[0]).backward()  # regulariser has zero gradient at w == w_ra
    w_ra = fptt_online_training_init_w_ra(opt)
    fptt_online_training(net, opt, x, y, F.mse_loss, 0.3, w_ra)
    for w, e in zip(net.parameters(), expected.parameters()):
        assert_close(w, e - 0.2 * e.grad)
    assert torch.equal(w_ra[0], expected.weight)  # T = 1: the running average is not updated


class KeepGradsOptimizer(torch.optim.SGD):
    def zero_grad(self, set_to_none=True):
        super().zero_grad(set_to_none=False)  # zeroes .grad in place


def test_fptt_stored_gradients_survive_in_place_zero_grad():
    x, y = torch.rand(4, 2, 8) * 2, torch.rand(4, 2, 2)
    results = []
    for opt_cls in (torch.optim.SGD, KeepGradsOptimizer):
        net = make_net(4)
        opt = opt_cls(net.parameters(), lr=0.5)
        w_ra = fptt_online_training_init_w_ra(opt)
        fptt_online_training(net, opt, x, y, F.mse_loss, 0.1, w_ra)
        results.append([w.detach().clone() for w in list(net.parameters()) + w_ra])
    for a, b in zip(*results):
        assert_close(a, b)


def test_fptt_errors_leave_model_unchanged():
    net = make_net(5)
    opt = torch.optim.SGD(net.parameters(), lr=0.5)
    w_ra = fptt_online_training_init_w_ra(opt)
    before = [w.detach().clone() for w in net.parameters()]
    x, y = torch.rand(3, 2, 8), torch.rand(3, 2, 2)
    for alpha in (0.0, -1.0):
        with pytest.raises(ValueError, match=rf"fptt_online_training: alpha must be a number > 0, got {alpha}"):
            fptt_online_training(net, opt, x, y, F.mse_loss, alpha, w_ra)
    with pytest.raises(
        ValueError, match=r"w_ra must be a list with one tensor per optimizer parameter \(4\), got a list of 3"
    ):
        fptt_online_training(net, opt, x, y, F.mse_loss, 0.1, w_ra[:3])
    with pytest.raises(ValueError, match=r"w_ra\[1\] must be a tensor of shape \[4\]"):
        fptt_online_training(net, opt, x, y, F.mse_loss, 0.1, [w_ra[0], w_ra[0], w_ra[2], w_ra[3]])
    with pytest.raises(ValueError, match=r"target_seq must have T=3 steps like x_seq, got shape \[2, 2, 2\]"):
        fptt_online_training(net, opt, x, y[:2], F.mse_loss, 0.1, w_ra)
    with pytest.raises(ValueError, match=r"at least one time step"):
        fptt_online_training(net, opt, x[:0], y[:0], F.mse_loss, 0.1, w_ra)
    net[0].bias.requires_grad_(False)
    with pytest.raises(ValueError, match=r"optimizer parameter 1 \(shape \[4\]\) does not require grad"):
        fptt_online_training(net, opt, x, y, F.mse_loss, 0.1, w_ra)
    assert all(torch.equal(a, b) for a, b in zip(net.parameters(), before))
    assert isinstance(net[1].v, float)


def test_fptt_unused_parameter_raises_clearly():
    net = nn.Linear(3, 2)
    unused = nn.Parameter(torch.zeros(2))
    opt = torch.optim.SGD(list(net.parameters()) + [unused], lr=0.1)
    w_ra = fptt_online_training_init_w_ra(opt)
    with pytest.raises(ValueError, match=r"the loss of step 0 gives no gradient to optimizer parameter\(s\) \[2\]"):
        fptt_online_training(net, opt, torch.rand(2, 4, 3), torch.rand(2, 4, 2), F.mse_loss, 0.1, w_ra)


# ------------------------------------------------------------------ OTTT
def make_ottt_net(seed, last=None):
    torch.manual_seed(seed)
    mods = [nn.Linear(8, 6), neuron.OTTTLIFNode(), nn.Linear(6, 2)]
    return layer.OTTTSequential(*(mods + ([last] if last is not None else [])))


@pytest.mark.parametrize("online", [True, False])
def test_ottt_equals_reference_where_reference_works(device, online):
    g = torch.Generator().manual_seed(6)
    x, y = (torch.rand(3, 5, 8, generator=g) * 3).to(device), torch.rand(3, 5, 2, generator=g).to(device)
    net, ref = make_ottt_net(7).to(device), make_ottt_net(7).to(device)
    opt, ref_opt = torch.optim.SGD(net.parameters(), lr=0.3), torch.optim.SGD(ref.parameters(), lr=0.3)
    loss, y_all = ottt_online_training(net, opt, x, y, F.mse_loss, online)
    ref_loss, ref_y = ottt_reference(ref, ref_opt, x, y, F.mse_loss, online)
    assert loss.shape == () and y_all.shape == (3, 5, 2)
    assert_close(loss, ref_loss)
    assert_close(y_all, ref_y)
    for a, b in zip(net.parameters(), ref.parameters()):
        assert_close(a, b)


def test_ottt_docstring_network_with_stateful_last_layer_runs():
    net = make_ottt_net(8, last=neuron.LIFNode())  # crashed in the seed: backward through a freed graph
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    w0 = [w.detach().clone() for w in net.parameters()]
    for _ in range(2):
        loss, y_all = ottt_online_training(net, opt, torch.rand(2, 4, 8) * 3, torch.rand(2, 4, 2), F.mse_loss, True)
        reset_net(net)
    assert loss.shape == () and y_all.shape == (2, 4, 2) and not y_all.requires_grad
    assert any(not torch.equal(a, b) for a, b in zip(net.parameters(), w0))


def test_ottt_list_output_and_batch_loss_is_a_sum():
    torch.manual_seed(9)
    net = layer.OTTTSequential(nn.Linear(8, 2), neuron.OTTTLIFNode())  # returns [spike, trace] in training
    opt = torch.optim.SGD(net.parameters(), lr=0.0)
    x, y = torch.rand(3, 4, 8) * 4, torch.rand(3, 4, 2)
    loss, y_all = ottt_online_training(net, opt, x, y, F.mse_loss, False)
    assert y_all.shape == (3, 4, 2) and set(y_all.unique().tolist()) <= {0.0, 1.0}
    assert_close(loss, sum(F.mse_loss(y_all[:, t], y[:, t]) for t in range(4)))


def test_ottt_errors():
    net, opt = make_ottt_net(10), None
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    x = torch.rand(2, 4, 8)
    with pytest.raises(
        ValueError, match=r"target_seq must be batch-first \[N, T, \*\] with N=2, T=4 like x_seq, got shape \[4, 2, 2\]"
    ):
        ottt_online_training(net, opt, x, torch.rand(4, 2, 2), F.mse_loss, True)
    with pytest.raises(ValueError, match=r"at least one time step"):
        ottt_online_training(net, opt, x[:, :0], torch.rand(2, 0, 2), F.mse_loss, True)
    with pytest.raises(TypeError, match=r"online must be a bool, got 1 \(int\)"):
        ottt_online_training(net, opt, x, torch.rand(2, 4, 2), F.mse_loss, 1)
    with pytest.raises(TypeError, match=r"f_loss_t must be callable"):
        ottt_online_training(net, opt, x, torch.rand(2, 4, 2), "mse", True)


# ------------------------------------------------------------------ non-finite alpha, step-mode mismatches
@pytest.mark.parametrize("alpha", [float("inf"), float("nan")])
def test_fptt_refuses_non_finite_alpha_before_touching_weights(alpha):
    net = make_net(1)
    opt = torch.optim.SGD(net.parameters(), lr=0.5)
    w_ra = fptt_online_training_init_w_ra(opt)
    before = [w.detach().clone() for w in net.parameters()]
    with pytest.raises(ValueError, match=r"fptt_online_training: alpha must"):
        fptt_online_training(net, opt, torch.rand(3, 2, 8), torch.rand(3, 2, 2), F.mse_loss, alpha, w_ra)
    assert all(torch.equal(a, b) for a, b in zip(net.parameters(), before))


def test_online_training_refuses_a_model_in_multi_step_mode():
    net = make_net(2)
    net[3].step_mode = "m"
    opt = torch.optim.SGD(net.parameters(), lr=0.5)
    before = [w.detach().clone() for w in net.parameters()]
    with pytest.raises(ValueError, match=r"fptt_online_training: model must run one step per call.*IFNode at '3'"):
        fptt_online_training(
            net, opt, torch.rand(3, 2, 8), torch.rand(3, 2, 2), F.mse_loss, 0.1, fptt_online_training_init_w_ra(opt)
        )
    with pytest.raises(ValueError, match=r"ottt_online_training: model must run one step per call.*IFNode at '3'"):
        ottt_online_training(net, opt, torch.rand(2, 3, 8), torch.rand(2, 3, 2), F.mse_loss, True)
    assert all(torch.equal(a, b) for a, b in zip(net.parameters(), before))
