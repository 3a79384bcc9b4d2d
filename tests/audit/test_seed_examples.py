"""The usage examples of SpikingJelly's functional docstrings, reproduced with snnlab (SPEC §1).

Each test names the SPEC section of the function; printed values of the examples are compared exactly,
training examples against a hand-written reference of SPEC's algorithm.
"""

import copy

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as TF

from snnlab import base, functional, layer, neuron
from tests.ottt_reference import ottt_reference


def test_redundant_one_hot_example():
    """SPEC §1.8: labels [0, 1, 1, 0], 3 classes, n=2 give the documented codes."""
    codes = functional.redundant_one_hot(torch.tensor([0, 1, 1, 0]), 3, 2)
    expected = torch.tensor(
        [
            [1.0, 1.0, 0.0, 0.0, 0.0, 0.0],
            [0.0, 0.0, 1.0, 1.0, 0.0, 0.0],
            [0.0, 0.0, 1.0, 1.0, 0.0, 0.0],
            [1.0, 1.0, 0.0, 0.0, 0.0, 0.0],
        ]
    )
    torch.testing.assert_close(codes, expected, rtol=0, atol=0)


def test_first_spike_index_example():
    """SPEC §1.9: the documented [2, 3, 8] spike tensor gives the documented bool index."""
    spikes = torch.tensor(
        [
            [
                [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
                [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0],
                [0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 1.0],
            ],
            [
                [0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 1.0],
                [1.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0],
                [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0],
            ],
        ]
    )
    expected = torch.zeros(2, 3, 8, dtype=torch.bool)
    for b, n, t in [(0, 1, 0), (0, 2, 1), (1, 0, 2), (1, 1, 0), (1, 2, 3)]:
        expected[b, n, t] = True
    out = functional.first_spike_index(spikes)
    assert out.dtype == torch.bool
    assert torch.equal(out, expected)


def test_delay_example():
    """SPEC §1.20: delay(x, 1) on the documented x, its output and x.grad."""
    x = torch.tensor([[0.1084, 0.5698], [0.4563, 0.3623], [0.0556, 0.4704], [0.0, 0.0], [0.0, 0.0]], requires_grad=True)
    y = functional.delay(x, 1)
    torch.testing.assert_close(
        y, torch.tensor([[0.0, 0.0], [0.1084, 0.5698], [0.4563, 0.3623], [0.0556, 0.4704], [0.0, 0.0]]), rtol=0, atol=0
    )
    assert y.grad_fn is not None
    y.sum().backward()
    torch.testing.assert_close(x.grad, torch.tensor([[1.0, 1.0]] * 4 + [[0.0, 0.0]]), rtol=0, atol=0)


def test_tet_cross_entropy_example():
    """SPEC §1.18: the documented loop version agrees within 1e-6 (T=8, N=4, C=10)."""

    def tet_ce_for_loop_version(x_seq, target):
        loss = 0.0
        for t in range(x_seq.shape[0]):
            loss += TF.cross_entropy(x_seq[t], target)
        return loss / x_seq.shape[0]

    torch.manual_seed(0)
    T, N, C = 8, 4, 10
    for _ in range(5):
        x_seq = torch.rand([T, N, C])
        target = torch.randint(low=0, high=C - 1, size=[N])
        err = (
            (
                tet_ce_for_loop_version(x_seq, target)
                - functional.temporal_efficient_training_cross_entropy(x_seq, target)
            )
            .abs()
            .max()
        )
        assert err < 1e-6


def test_chunk_multi_step_forward_example():
    """SPEC §1.11: the documented 2-layer multi-step IF net on [1024, 8] gives [1024, 2], equal to one call."""
    torch.manual_seed(0)
    net = nn.Sequential(
        layer.Linear(8, 4), neuron.IFNode(step_mode="m"), layer.Linear(4, 2), neuron.IFNode(step_mode="m")
    )
    x_seq = torch.rand([1024, 8]) * 3
    with torch.no_grad():
        y_seq = functional.chunk_multi_step_forward(16, x_seq, net)
        functional.reset_net(net)
        whole = net(x_seq)
    assert y_seq.shape == (1024, 2)
    torch.testing.assert_close(y_seq, whole, rtol=0, atol=0)


def _memory_modules(model):
    return [m for m in model.modules() if isinstance(m, base.MemoryModule)]


def _fptt_reference(model, optimizer, x_seq, target_seq, f_loss_t, alpha, w_ra):
    """SPEC §1.22's order, with the stored gradients cloned (the Decision)."""
    params = [w for g in optimizer.param_groups for w in g["params"]]
    g_prev = [0.0] * len(params)
    T = x_seq.shape[0]
    for t in range(T):
        optimizer.zero_grad()
        loss_t = f_loss_t(model(x_seq[t]), target_seq[t])
        reg = 0.0
        for i, w in enumerate(params):
            reg = reg + TF.mse_loss(w, w_ra[i] + g_prev[i] / (2.0 * alpha))
        (loss_t + reg * (alpha / 2.0)).backward()
        optimizer.step()
        functional.detach_net(model)
        states = [
            {k: (v.clone() if torch.is_tensor(v) else copy.deepcopy(v)) for k, v in m._memories.items()}
            for m in _memory_modules(model)
        ]
        optimizer.zero_grad()
        if t < T - 1:
            f_loss_t(model(x_seq[t]), target_seq[t]).backward()
            with torch.no_grad():
                for i, w in enumerate(params):
                    g_prev[i] = w.grad.clone()
                    w_ra[i] = (w_ra[i] + w) / 2.0 - w.grad / (2.0 * alpha)
        optimizer.zero_grad()
        for m, s in zip(_memory_modules(model), states):
            m._memories = s


def test_fptt_online_training_example():
    """SPEC §1.21/1.22: the documented example (2 epochs, T=4, N=2) equals the hand-written algorithm."""
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(8, 4), neuron.IFNode(), nn.Linear(4, 2), neuron.IFNode())
    ref_net = copy.deepcopy(net)
    initial = [w.detach().clone() for w in net.parameters()]
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    ref_opt = torch.optim.SGD(ref_net.parameters(), lr=0.1)
    w_ra = functional.fptt_online_training_init_w_ra(optimizer)
    ref_w_ra = [w.detach().clone() for w in ref_net.parameters()]
    assert all(a.data_ptr() != w.data_ptr() for a, w in zip(w_ra, net.parameters()))
    T, N = 4, 2
    for _ in range(2):
        x_seq = torch.rand([T, N, 8]) * 2
        target_seq = torch.rand([T, N, 2])
        out = functional.fptt_online_training(
            model=net,
            optimizer=optimizer,
            x_seq=x_seq,
            target_seq=target_seq,
            f_loss_t=TF.mse_loss,
            alpha=0.1,
            w_ra=w_ra,
        )
        assert out is None
        _fptt_reference(ref_net, ref_opt, x_seq, target_seq, TF.mse_loss, 0.1, ref_w_ra)
        functional.reset_net(net)
        functional.reset_net(ref_net)
    for a, b in zip(list(net.parameters()) + w_ra, list(ref_net.parameters()) + ref_w_ra):
        torch.testing.assert_close(a, b)
    assert any(not torch.equal(a, b) for a, b in zip(net.parameters(), initial))  # it did train


@pytest.mark.parametrize("online", [True, False])
def test_ottt_online_training_example(online):
    """SPEC §1.23: the documented OTTTSequential net (ending in a LIFNode) trains; equals the reference."""
    torch.manual_seed(0)
    net = layer.OTTTSequential(nn.Linear(8, 4), neuron.OTTTLIFNode(), nn.Linear(4, 2), neuron.LIFNode())
    ref_net = copy.deepcopy(net)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    ref_opt = torch.optim.SGD(ref_net.parameters(), lr=0.1)
    T, N = 4, 2
    for _ in range(2):
        x_seq = torch.rand([N, T, 8]) * 3
        target_seq = torch.rand([N, T, 2])
        batch_loss, y_all = functional.ottt_online_training(
            model=net, optimizer=optimizer, x_seq=x_seq, target_seq=target_seq, f_loss_t=TF.mse_loss, online=online
        )
        ref_loss, ref_y = ottt_reference(ref_net, ref_opt, x_seq, target_seq, TF.mse_loss, online)
        functional.reset_net(net)
        functional.reset_net(ref_net)
        assert batch_loss.shape == () and not batch_loss.requires_grad
        assert y_all.shape == (N, T, 2)
        torch.testing.assert_close(batch_loss, ref_loss)
        torch.testing.assert_close(y_all, ref_y)
    for a, b in zip(net.parameters(), ref_net.parameters()):
        torch.testing.assert_close(a, b)
