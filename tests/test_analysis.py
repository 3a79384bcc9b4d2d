"""snnlab.analysis: rates, first-spike times, counts, neuron reports and SOPs against hand-written loops."""

import itertools

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from snnlab.analysis import (
    LayerReport,
    firing_rate,
    first_spike_times,
    neuron_report,
    similarity_matrices,
    spike_counts,
    synaptic_fan_out,
    synaptic_operations,
)
from snnlab.errors import UnknownOptionError


def _spikes(shape, p=0.3, seed=0, dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(shape, generator=g) < p).to(dtype)


# ----------------------------------------------------------------------------------- firing_rate
def _loop_rates(s):
    """Reference: explicit loops in float64 over a [T, N, K] tensor."""
    T, N, K = s.shape
    s = s.double()
    neuron = torch.tensor([sum(s[t, n, k] for t in range(T) for n in range(N)) / (T * N) for k in range(K)])
    step = torch.tensor([sum(s[t, n, k] for n in range(N) for k in range(K)) / (N * K) for t in range(T)])
    sample = torch.tensor([sum(s[t, n, k] for t in range(T) for k in range(K)) / (T * K) for n in range(N)])
    layer = s.sum() / (T * N * K)
    return {"neuron": neuron, "step": step, "sample": sample, "layer": layer}


@pytest.mark.parametrize("dtype", [torch.bool, torch.uint8, torch.int64, torch.float32, torch.float64])
def test_firing_rate_matches_loops(device, dtype):
    s = _spikes((5, 3, 4), dtype=dtype)
    expected = _loop_rates(s)
    out_dtype = dtype if dtype.is_floating_point else torch.get_default_dtype()
    for per, ref in expected.items():
        got = firing_rate(s.to(device), per=per)
        assert got.device.type == device and got.dtype == out_dtype
        torch.testing.assert_close(got.cpu().double(), ref, rtol=1e-6, atol=1e-7)


def test_firing_rate_shapes_with_neuron_dims():
    s = _spikes((6, 2, 3, 4, 5))
    assert firing_rate(s, "neuron").shape == (3, 4, 5)
    assert firing_rate(s, "step").shape == (6,)
    assert firing_rate(s, "sample").shape == (2,)
    assert firing_rate(s, "layer").shape == ()
    assert firing_rate(s[..., 0, 0, 0], "neuron").shape == ()  # [T, N]: one neuron
    torch.testing.assert_close(firing_rate(s, "neuron"), s.mean(dim=(0, 1)))


def test_firing_rate_binary_bounds_and_graded_values():
    s = torch.ones(3, 2, 4)
    assert firing_rate(s, "layer").item() == 1.0
    assert firing_rate(torch.zeros(3, 2, 4), "layer").item() == 0.0
    graded = torch.tensor([[[0.5, 2.0]], [[0.0, 1.0]]])
    torch.testing.assert_close(firing_rate(graded, "neuron"), torch.tensor([0.25, 1.5]))


def test_firing_rate_dict_and_no_grad():
    x = _spikes((4, 2, 3)).requires_grad_()
    out = firing_rate({"a": x, "b": x[:2]}, per="layer")
    assert list(out) == ["a", "b"] and not out["a"].requires_grad


def test_firing_rate_errors():
    with pytest.raises(
        UnknownOptionError,
        match=r"firing_rate: per must be one of 'neuron', 'step', 'sample', "
        r"'layer', got 'time' \(str\)",
    ):
        firing_rate(torch.ones(2, 2), per="time")
    with pytest.raises(
        ValueError,
        match=r"firing_rate: spike_seq must have shape \[T, N, \*\] \(at least 2 "
        r"dimensions\), got shape \[3\]",
    ):
        firing_rate(torch.ones(3))
    with pytest.raises(
        TypeError,
        match=r"firing_rate: records must be a tensor or a dict of name -> tensor, "
        r"got an object of type list",
    ):
        firing_rate([torch.ones(2, 2)])
    with pytest.raises(ValueError, match=r"firing_rate: records\['a'\] must have shape \[T, N, \*\]"):
        firing_rate({"a": torch.ones(2)})


# ----------------------------------------------------------------------------- first_spike_times
def test_first_spike_times_matches_loop(device):
    s = _spikes((7, 3, 2, 5), p=0.15, seed=3)
    T, N = s.shape[:2]
    ref = torch.full((N, 2, 5), -1, dtype=torch.int64)
    for n, i, j in itertools.product(range(N), range(2), range(5)):
        for t in range(T):
            if s[t, n, i, j] != 0:
                ref[n, i, j] = t
                break
    assert (ref == -1).any() and (ref >= 0).any()
    got = first_spike_times(s.to(device))
    assert got.dtype == torch.int64 and got.device.type == device
    torch.testing.assert_close(got.cpu(), ref)
    torch.testing.assert_close(first_spike_times(s.bool().to(device), never=T).cpu(), torch.where(ref < 0, T, ref))
    # long runs of spikes after the first one (ties for the maximum over time): still the first step
    long = torch.zeros(1000, 1, 4)
    for k, first in enumerate((7, 333, 998)):
        long[first:, 0, k] = 2.0 if k == 1 else 1.0
    assert first_spike_times(long.to(device)).tolist() == [[7, 333, 998, -1]]


def test_first_spike_times_by_hand_and_errors():
    s = torch.tensor([[[0, 1, 0]], [[1, 1, 0]], [[1, 0, 0]]])
    assert first_spike_times(s).tolist() == [[1, 0, -1]]
    assert first_spike_times(torch.tensor([[1.0], [0.0]])).tolist() == [0]  # [T, N] -> [N]
    with pytest.raises(
        ValueError,
        match=r"first_spike_times: spike_seq must have at least one time step, "
        r"got shape \[0, 2\]",
    ):
        first_spike_times(torch.zeros(0, 2))
    with pytest.raises(TypeError, match=r"first_spike_times: never must be an integer, got 1.5 \(float\)"):
        first_spike_times(torch.zeros(2, 2), never=1.5)


# ----------------------------------------------------------------------------------- spike_counts
def test_spike_counts(device):
    a, b = _spikes((4, 2, 3), seed=1), _spikes((4, 2, 5), seed=2, dtype=torch.bool)
    got = spike_counts({"a": a.to(device), "b": b.to(device)})
    assert list(got) == ["a", "b"]
    assert got["a"].dtype == torch.int64 and got["a"].device.type == device
    assert got["a"].item() == int(sum(v for v in a.flatten().tolist() if v))
    assert got["b"].item() == int(b.sum())
    assert spike_counts(torch.tensor([[0.5, 0.0], [2.0, 0.0]])) == {"layer": torch.tensor(2)}


# ---------------------------------------------------------------------------------- neuron_report
def test_neuron_report_against_explicit_expectations(device):
    s = torch.zeros(4, 2, 2, 3)  # T=4, N=2, neurons [2, 3] -> flat 0..5
    s[:, :, 0, 1] = 1.0  # flat 1: saturated
    s[:, :, 1, 2] = 1.0  # flat 5: saturated
    s[0, 1, 1, 0] = 1.0  # flat 3: rate 1/8
    s[:2, :, 0, 2] = 1.0  # flat 2: rate 1/2
    rep = neuron_report({"sn": s.to(device)})["sn"]
    assert isinstance(rep, LayerReport)
    assert (rep.name, rep.n_neurons, rep.n_dead, rep.n_saturated) == ("sn", 6, 2, 2)
    assert rep.dead_index.tolist() == [0, 4] and rep.saturated_index.tolist() == [1, 5]
    assert rep.dead_index.dtype == torch.int64 and rep.dead_index.device.type == device
    assert rep.mean_rate == pytest.approx((1 + 1 + 1 / 8 + 1 / 2) / 6)
    torch.testing.assert_close(rep.rates.cpu(), torch.tensor([0, 1, 0.5, 0.125, 0, 1]))
    assert repr(rep) == "LayerReport(name='sn', n_neurons=6, n_dead=2, n_saturated=2, mean_rate=0.4375)"
    loose = neuron_report(s, dead_rate=0.2, saturated_rate=0.5)["layer"]
    assert loose.dead_index.tolist() == [0, 3, 4] and loose.saturated_index.tolist() == [1, 2, 5]


def test_neuron_report_errors():
    with pytest.raises(
        ValueError,
        match=r"neuron_report: saturated_rate must be greater than dead_rate=0.5, "
        r"got 0.5",
    ):
        neuron_report(torch.zeros(2, 2), dead_rate=0.5, saturated_rate=0.5)
    with pytest.raises(TypeError, match=r"neuron_report: dead_rate must be a real number, got '0' \(str\)"):
        neuron_report(torch.zeros(2, 2), dead_rate="0")
    with pytest.raises(TypeError, match=r"neuron_report: records keys must be layer names \(str\), got 1 \(int\)"):
        neuron_report({1: torch.zeros(2, 2)})


# ------------------------------------------------------------------------------------------- SOPs
def test_fan_out_formulas():
    assert synaptic_fan_out(nn.Linear(5, 7)) == 7.0
    assert synaptic_fan_out(nn.Conv2d(3, 8, 3)) == 72.0
    assert synaptic_fan_out(nn.Conv2d(3, 8, 3, stride=2)) == 18.0
    assert synaptic_fan_out(nn.Conv2d(4, 8, (3, 5), stride=(1, 2), groups=4)) == 2 * 15 / 2
    assert synaptic_fan_out(nn.Conv1d(2, 6, 4, stride=2, dilation=2)) == 12.0
    assert synaptic_fan_out(nn.Conv3d(1, 2, 3)) == 54.0
    with pytest.raises(
        TypeError,
        match=r"synaptic_fan_out: module must be one of nn.Linear, nn.Conv1d, nn.Conv2d, "
        r"nn.Conv3d, got an object of type ReLU",
    ):
        synaptic_fan_out(nn.ReLU())


def _exact_conv_sops(conv, spikes):
    """Count every (input spike, weight) product the convolution performs: conv with all-ones weights."""
    ones = nn.Conv2d(
        conv.in_channels,
        conv.out_channels,
        conv.kernel_size,
        conv.stride,
        conv.padding,
        conv.dilation,
        conv.groups,
        bias=False,
        padding_mode=conv.padding_mode,
    ).double()
    nn.init.ones_(ones.weight)
    with torch.no_grad():
        return ones((spikes != 0).double().flatten(0, 1)).sum()


@pytest.mark.parametrize("stride,groups", [(1, 1), (2, 1), (1, 2), (2, 2)])
def test_conv_sops_equal_an_exact_count_with_circular_padding(stride, groups):
    conv = nn.Conv2d(4, 6, 3, stride=stride, padding=1, groups=groups, padding_mode="circular")
    net = nn.Sequential(nn.Identity(), conv)
    spikes = _spikes((3, 2, 4, 8, 8), p=1.0 if stride > 1 else 0.3, seed=5)  # stride > 1: exact only on average
    got = synaptic_operations(net, {"0": spikes})
    torch.testing.assert_close(got["1"], _exact_conv_sops(conv, spikes))


def test_conv_sops_single_interior_spike_is_exact():
    conv = nn.Conv2d(1, 5, 3, padding=1)
    spikes = torch.zeros(1, 1, 1, 6, 6)
    spikes[0, 0, 0, 2, 3] = 1.0
    got = synaptic_operations(nn.Sequential(nn.Identity(), conv), {"0": spikes})["1"]
    assert got.item() == 45.0 == _exact_conv_sops(conv, spikes).item()


def test_sops_inferred_connections_in_a_stack(device):
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 5), nn.ReLU(), nn.Flatten(2), nn.Linear(5, 2))
    a, b = _spikes((3, 2, 4), seed=7).to(device), _spikes((3, 2, 5), seed=8).to(device)
    got = synaptic_operations(net, {"1": a, "3": b})
    assert list(got) == ["2", "5"]  # layer '0' is fed by the input, not by recorded spikes
    assert got["2"].dtype == torch.float64 and got["2"].device.type == device
    assert got["2"].item() == int(a.sum()) * 5 and got["5"].item() == int(b.sum()) * 2
    explicit = synaptic_operations(net, {"1": a, "3": b}, connections={"2": "1"})
    assert list(explicit) == ["2"]


def test_sops_skip_containers_of_the_layer():
    inner = nn.Sequential(nn.Linear(4, 3), nn.ReLU())
    net = nn.Sequential()  # the record of 'block' must not feed its own child 'block.0'
    net.add_module("block", inner)
    spikes = _spikes((2, 1, 3))
    assert synaptic_operations(net, {"block": spikes}) == {}
    assert synaptic_operations(net, {"block.1": spikes}) == {}


def test_sops_errors():
    net = nn.Sequential(nn.ReLU(), nn.Linear(4, 2), nn.ReLU(), nn.Conv2d(2, 3, 3))
    s = _spikes((2, 1, 4))
    with pytest.raises(
        ValueError,
        match=r"synaptic_operations: connections key must name a weighted layer of net "
        r"\(one of \['1', '3'\]\), got '0' \(str\)",
    ):
        synaptic_operations(net, {"0": s}, connections={"0": "0"})
    with pytest.raises(
        ValueError,
        match=r"synaptic_operations: connections\['1'\] must name a record "
        r"\(one of \['0'\]\), got 'x' \(str\)",
    ):
        synaptic_operations(net, {"0": s}, connections={"1": "x"})
    with pytest.raises(
        ValueError,
        match=r"synaptic_operations: spikes of '0' cannot feed layer '1': it expects "
        r"4 features, got shape \[2, 1, 5\]",
    ):
        synaptic_operations(net, {"0": _spikes((2, 1, 5))})
    with pytest.raises(
        ValueError,
        match=r"spikes of '2' cannot feed layer '3': it expects \[T, N, 2, \.\.\.\] with "
        r"2 spatial dims, got shape \[2, 1, 2\]",
    ):
        synaptic_operations(net, {"2": _spikes((2, 1, 2))})
    with pytest.raises(
        TypeError,
        match=r"synaptic_operations: net must be a torch.nn.Module, got an object of "
        r"type dict",
    ):
        synaptic_operations({}, {"0": s})
    with pytest.raises(TypeError, match=r"synaptic_operations: connections must be a dict"):
        synaptic_operations(net, {"0": s}, connections=[("1", "0")])


def test_linear_sops_equal_the_exact_count_of_accumulations():
    # Linear SOPs equal the exact count of multiply-accumulates with nonzero inputs.
    lin = nn.Linear(6, 3)
    spikes = _spikes((4, 2, 6), seed=11)
    exact = F.linear((spikes != 0).double(), torch.ones(3, 6, dtype=torch.float64)).sum()
    got = synaptic_operations(nn.Sequential(nn.Identity(), lin), {"0": spikes})["1"]
    torch.testing.assert_close(got, exact)


# ---------------------------------------------------------------------------------- similarity
@pytest.mark.parametrize(
    "kernel,args", [("linear", ()), ("polynomial", (2,)), ("sigmoid", (0.5,)), ("gaussian", (3.0,))]
)
def test_similarity_matrices_against_closed_forms(device, kernel, args):
    spikes = _spikes((5, 2, 4), p=0.5, seed=13, dtype=torch.float64).to(device)
    labels = torch.tensor([[1, 0], [1, 0], [0, 1], [1, 1], [0, 1]], device=device)
    r = similarity_matrices(spikes, labels, kernel, *args)
    x = spikes.flatten(1).cpu()
    dots = torch.tensor([[float(x[i] @ x[j]) for j in range(5)] for i in range(5)], dtype=torch.float64)
    sq = torch.tensor([[float((x[i] - x[j]).square().sum()) for j in range(5)] for i in range(5)], dtype=torch.float64)
    norms = x.norm(dim=1)
    ref = {
        "linear": dots / (torch.outer(norms, norms) + 1e-8),
        "polynomial": dots**2,
        "sigmoid": torch.sigmoid(0.5 * dots),
        "gaussian": torch.exp(-sq / (2 * 3.0**2)),
    }[kernel]
    target = torch.tensor(
        [[min(1.0, float(labels[i].float() @ labels[j].float())) for j in range(5)] for i in range(5)]
    )
    torch.testing.assert_close(r.predicted.cpu(), ref)
    torch.testing.assert_close(r.target.cpu(), target)
    torch.testing.assert_close(r.loss.cpu(), ((ref - target.double()) ** 2).mean())
    assert r.predicted.device.type == device and not r.loss.requires_grad


def test_similarity_matrices_l1_no_labels_and_errors():
    spikes = _spikes((4, 6), p=0.5, seed=2).requires_grad_()
    labels = torch.tensor([[1, 0], [0, 1], [1, 0], [0, 1]])
    r = similarity_matrices(spikes, labels, loss_type="l1")
    torch.testing.assert_close(r.loss, (r.predicted - r.target).abs().mean())
    assert not r.predicted.requires_grad
    alone = similarity_matrices(spikes, None)
    assert alone.target is None and alone.loss is None
    torch.testing.assert_close(alone.predicted, r.predicted)
    with pytest.raises(ValueError, match=r"labels must be multi-hot of shape \[N, C\]"):
        similarity_matrices(spikes, torch.tensor([0, 1, 0, 1]))
    with pytest.raises(UnknownOptionError, match=r"kernel"):
        similarity_matrices(spikes, labels, "cosine")


# ----------------------------------------------------------------------------- empty input
@pytest.mark.parametrize("shape", [(0, 2, 3), (4, 0, 3)])
@pytest.mark.parametrize("per", ["neuron", "step", "sample", "layer"])
def test_firing_rate_refuses_empty_time_or_batch(shape, per):
    with pytest.raises(ValueError, match=r"firing_rate: spike_seq must hold at least one time step and one sample"):
        firing_rate(torch.zeros(shape), per=per)
