"""snnlab.layer.ottt: value from the spike, weight gradient from the trace, stateful modules fed once."""

import pytest
import torch
import torch.nn as nn

from snnlab import layer, neuron


def _linear(device, in_f=3, out_f=2, seed=0):
    torch.manual_seed(seed)
    return nn.Linear(in_f, out_f).double().to(device)


def test_grad_with_trace_matches_a_hand_computation(device):
    fc = _linear(device)
    spike = torch.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]], dtype=torch.float64, device=device, requires_grad=True)
    trace = torch.tensor([[1.5, 0.5, 1.0], [0.25, 1.75, 0.0]], dtype=torch.float64, device=device)
    g = torch.tensor([[1.0, -2.0], [0.5, 3.0]], dtype=torch.float64, device=device)
    y = layer.GradwithTrace(fc)([spike, trace])
    torch.testing.assert_close(y, spike.detach() @ fc.weight.T + fc.bias)  # value: module(spike)
    (y * g).sum().backward()
    torch.testing.assert_close(fc.weight.grad, g.T @ trace)  # dL/dW with the trace as input
    torch.testing.assert_close(fc.bias.grad, g.sum(0))
    torch.testing.assert_close(spike.grad, g @ fc.weight.detach())  # gradient also reaches spike


def test_grad_with_trace_evaluates_a_nonlinear_module_gradient_at_the_trace():
    module = nn.Sequential(nn.Linear(1, 1, bias=False).double(), nn.Tanh())
    nn.init.constant_(module[0].weight, 0.5)
    spike = torch.tensor([[1.0]], dtype=torch.float64)
    trace = torch.tensor([[2.0]], dtype=torch.float64)
    y = layer.GradwithTrace(module)([spike, trace])
    torch.testing.assert_close(y, torch.tanh(torch.tensor([[0.5]], dtype=torch.float64)))
    y.sum().backward()
    expected = (1 - torch.tanh(torch.tensor(1.0, dtype=torch.float64)) ** 2) * 2.0  # d tanh(w*tr)/dw at tr=2
    torch.testing.assert_close(module[0].weight.grad, expected.view(1, 1))


def test_spike_trace_op_applies_to_both_and_keeps_no_graph_on_the_trace():
    spike = torch.ones(2, 1, 2, requires_grad=True)
    trace = torch.full((2, 1, 2), 0.5, requires_grad=True)
    s, tr = layer.SpikeTraceOp(nn.Sequential(nn.Flatten(), nn.ReLU()))([spike, trace])
    assert s.shape == tr.shape == (2, 2)
    assert s.requires_grad and not tr.requires_grad
    assert tr.tolist() == [[0.5, 0.5], [0.5, 0.5]]


def test_replace_for_grad_value_and_gradients():
    x = torch.zeros(3, requires_grad=True)
    x_r = torch.ones(3, requires_grad=True)
    y = layer.ReplaceforGrad.apply(x, x_r)
    assert y.tolist() == [1.0, 1.0, 1.0]
    (y * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert x.grad.tolist() == x_r.grad.tolist() == [1.0, 2.0, 3.0]


def test_pair_helpers_reject_a_tensor():
    with pytest.raises(
        TypeError, match=r"GradwithTrace: x must be a \[spike, trace\] list or tuple, got a torch.float32"
    ):
        layer.GradwithTrace(nn.Linear(1, 1))(torch.ones(1, 1))


class Counting(nn.Module):
    def __init__(self, module):
        super().__init__()
        self.module, self.calls = module, 0

    def forward(self, x):
        self.calls += 1
        return self.module(x)


def test_sequential_feeds_every_stateful_module_the_spike_once_per_step():
    torch.manual_seed(0)
    net = layer.OTTTSequential(
        nn.Linear(4, 3), neuron.OTTTLIFNode(), nn.Flatten(), neuron.OTTTLIFNode(), nn.Linear(3, 2), neuron.LIFNode()
    )
    calls = dict.fromkeys((1, 3, 5), 0)
    for i in calls:
        net[i].register_forward_hook(lambda m, x, y, i=i: calls.__setitem__(i, calls[i] + 1))
    for _ in range(3):
        out = net(torch.rand(5, 4) * 3)
    assert calls == {1: 3, 3: 3, 5: 3}  # SpikingJelly called 3 and 5 twice per step
    assert isinstance(out, torch.Tensor) and out.shape == (5, 2)
    assert net[5].v.shape == (5, 2)


def test_sequential_hand_computed_gradient_uses_the_presynaptic_trace():
    torch.manual_seed(4)
    fc1, fc2 = nn.Linear(3, 4).double(), nn.Linear(4, 2).double()
    node = neuron.OTTTLIFNode(tau=2.0)
    net = layer.OTTTSequential(fc1, node, fc2)
    x1, x2 = torch.rand(2, 3, dtype=torch.float64) * 4, torch.rand(2, 3, dtype=torch.float64) * 4
    net(x1)
    trace1 = node.trace.clone()
    spike1 = trace1.clone()  # the trace starts at 0: trace after step 1 = spike 1
    y2 = net(x2)
    spike2 = node.trace - trace1 * 0.5  # trace2 = trace1 * (1 - 1/tau) + spike2
    assert set(spike2.unique().tolist()) <= {0.0, 1.0} and set(spike1.unique().tolist()) <= {0.0, 1.0}
    torch.testing.assert_close(y2, spike2 @ fc2.weight.T + fc2.bias)
    fc2.zero_grad()
    y2.sum().backward()
    torch.testing.assert_close(fc2.weight.grad, torch.ones(2, 2, dtype=torch.float64).T @ node.trace)


def test_sequential_returns_the_pair_when_the_last_module_is_an_ottt_node():
    net = layer.OTTTSequential(nn.Linear(2, 2), neuron.OTTTLIFNode())
    out = net(torch.ones(1, 2))
    assert isinstance(out, list) and len(out) == 2
    net.eval()
    net[1].reset()
    assert isinstance(net(torch.ones(1, 2)), torch.Tensor)


def test_sequential_dropout_masks_spike_and_trace_alike():
    torch.manual_seed(5)
    drop = layer.Dropout(0.5)
    net = layer.OTTTSequential(drop)
    spike, trace = torch.ones(2, 20), torch.full((2, 20), 0.5)
    s, tr = net([spike, trace])
    torch.testing.assert_close(s, drop.mask)
    torch.testing.assert_close(tr, 0.5 * drop.mask)


def test_sequential_passes_tensors_through_like_nn_sequential():
    torch.manual_seed(6)
    seq = nn.Sequential(nn.Linear(3, 2), nn.ReLU())
    net = layer.OTTTSequential(*seq)
    x = torch.randn(4, 3)
    torch.testing.assert_close(net(x), seq(x))


def test_online_training_with_the_spikingjelly_docstring_net_when_available():
    from snnlab import functional

    if not hasattr(functional, "ottt_online_training"):
        pytest.skip("functional.ottt_online_training not available")
    torch.manual_seed(0)
    net = layer.OTTTSequential(nn.Linear(8, 4), neuron.OTTTLIFNode(), nn.Linear(4, 2), neuron.LIFNode())
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    for _ in range(2):
        loss, y_all = functional.ottt_online_training(
            net, optimizer, torch.rand(2, 4, 8), torch.rand(2, 4, 2), nn.functional.mse_loss, online=True
        )
        functional.reset_net(net)
    assert loss.dim() == 0 and y_all.shape == (2, 4, 2)
