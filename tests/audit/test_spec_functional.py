"""Audit of snnlab.functional against the behaviour contract (SPEC §1 and the general policy).

Each test names the SPEC section it checks. References are hand-written loops, closed forms or the
numbers SPEC records from running SpikingJelly 0.0.0.0.14.
"""

import inspect

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as TF

from snnlab import functional as F
from snnlab import neuron
from snnlab.errors import UnknownOptionError

_EMPTY = inspect.Parameter.empty
_VAR = "*"  # marks a *args parameter

# SpikingJelly's parameter lists: (name, default) in order; _VAR for *args.
SPIKINGJELLY_SIGNATURES = {
    "reset_net": [("net", _EMPTY)],
    "set_step_mode": [("net", _EMPTY), ("step_mode", _EMPTY)],
    "set_backend": [("net", _EMPTY), ("backend", _EMPTY), ("instance", (nn.Module,))],
    "detach_net": [("net", _EMPTY)],
    "spike_similar_loss": [
        ("spikes", _EMPTY),
        ("labels", _EMPTY),
        ("kernel_type", "linear"),
        ("loss_type", "mse"),
        ("args", _VAR),
    ],
    "kernel_dot_product": [("x", _EMPTY), ("y", _EMPTY), ("kernel", "linear"), ("args", _VAR)],
    "set_threshold_margin": [
        ("output_layer", _EMPTY),
        ("label_one_hot", _EMPTY),
        ("eval_threshold", 1.0),
        ("threshold0", 0.9),
        ("threshold1", 1.1),
    ],
    "redundant_one_hot": [("labels", _EMPTY), ("num_classes", _EMPTY), ("n", _EMPTY)],
    "first_spike_index": [("spikes", _EMPTY)],
    "multi_step_forward": [("x_seq", _EMPTY), ("single_step_module", _EMPTY)],
    "chunk_multi_step_forward": [("split_size", _EMPTY), ("x_seq", _EMPTY), ("multi_step_module", _EMPTY)],
    "seq_to_ann_forward": [("x_seq", _EMPTY), ("stateless_module", _EMPTY)],
    "fused_conv2d_weight_of_convbn2d": [("conv2d", _EMPTY), ("bn2d", _EMPTY)],
    "fused_conv2d_bias_of_convbn2d": [("conv2d", _EMPTY), ("bn2d", _EMPTY)],
    "scale_fused_conv2d_weight_of_convbn2d": [("conv2d", _EMPTY), ("bn2d", _EMPTY), ("k", None), ("b", None)],
    "scale_fused_conv2d_bias_of_convbn2d": [("conv2d", _EMPTY), ("bn2d", _EMPTY), ("k", None), ("b", None)],
    "fuse_convbn2d": [("conv2d", _EMPTY), ("bn2d", _EMPTY)],
    "temporal_efficient_training_cross_entropy": [("x_seq", _EMPTY), ("target", _EMPTY)],
    "kaiming_normal_conv_linear_weight": [("net", _EMPTY)],
    "delay": [("x_seq", _EMPTY), ("delay_steps", _EMPTY)],
    "fptt_online_training_init_w_ra": [("optimizer", _EMPTY)],
    "fptt_online_training": [
        ("model", _EMPTY),
        ("optimizer", _EMPTY),
        ("x_seq", _EMPTY),
        ("target_seq", _EMPTY),
        ("f_loss_t", _EMPTY),
        ("alpha", _EMPTY),
        ("w_ra", _EMPTY),
    ],
    "ottt_online_training": [
        ("model", _EMPTY),
        ("optimizer", _EMPTY),
        ("x_seq", _EMPTY),
        ("target_seq", _EMPTY),
        ("f_loss_t", _EMPTY),
        ("online", _EMPTY),
    ],
}


@pytest.mark.parametrize("name", sorted(SPIKINGJELLY_SIGNATURES))
def test_signature_matches_spikingjelly(name):
    """SPEC §1 (all 23): parameter names, order, kinds and defaults equal SpikingJelly's."""
    params = list(inspect.signature(getattr(F, name)).parameters.values())
    got = [(p.name, _VAR if p.kind is p.VAR_POSITIONAL else p.default) for p in params]
    assert got == SPIKINGJELLY_SIGNATURES[name]
    assert all(p.kind in (p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL) for p in params)
    assert set(F.__all__) == set(SPIKINGJELLY_SIGNATURES)


# ---------------------------------------------------------------- §1.13-1.17 fusion scalers
def _conv_bn():
    torch.manual_seed(3)
    conv, bn = nn.Conv2d(2, 3, 3, bias=False), nn.BatchNorm2d(3)
    with torch.no_grad():
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-1, 1)
        bn.running_mean.uniform_(-1, 1)
        bn.running_var.uniform_(0.5, 2.0)
    return conv, bn


def _state(*modules):
    return [t.detach().clone() for m in modules for t in list(m.parameters()) + list(m.buffers())]


@pytest.mark.parametrize("scaler", [F.scale_fused_conv2d_weight_of_convbn2d, F.scale_fused_conv2d_bias_of_convbn2d])
@pytest.mark.parametrize(
    "k, b, error",
    [
        (2.0, "x", TypeError),  # k would apply, then b fails
        (2.0, torch.ones(5, 1, 1, 1, 1), ValueError),  # b broadcasts to a larger shape
        (torch.ones(7, 1, 1, 1, 1), None, ValueError),
    ],
)
def test_fusion_scalers_reject_bad_k_b_without_mutation(scaler, k, b, error):
    """SPEC §1.13-1.17 + policy 2: a rejected scaler call leaves conv and BatchNorm unchanged."""
    conv, bn = _conv_bn()
    before = _state(conv, bn)
    with pytest.raises(error):
        scaler(conv, bn, k=k, b=b)
    for old, new in zip(before, _state(conv, bn)):
        torch.testing.assert_close(new, old, rtol=0, atol=0)


def test_fusion_scalers_accept_ints_and_equal_the_float_call():
    """SPEC §1.13-1.17 + policy 2 (ints are numbers): k=2, b=1 equal k=2.0, b=1.0 bitwise."""
    for scaler in (F.scale_fused_conv2d_weight_of_convbn2d, F.scale_fused_conv2d_bias_of_convbn2d):
        c1, b1 = _conv_bn()
        c2, b2 = _conv_bn()
        scaler(c1, b1, k=2, b=1)
        scaler(c2, b2, k=2.0, b=1.0)
        for x, y in zip(_state(c1, b1), _state(c2, b2)):
            torch.testing.assert_close(x, y, rtol=0, atol=0)
    conv, bn = _conv_bn()
    s = bn.weight / (bn.running_var + bn.eps).sqrt()
    fused0 = F.fused_conv2d_weight_of_convbn2d(conv, bn).detach()
    F.scale_fused_conv2d_weight_of_convbn2d(conv, bn, k=2, b=1)
    torch.testing.assert_close(F.fused_conv2d_weight_of_convbn2d(conv, bn), 2 * fused0 + s.view(-1, 1, 1, 1))


# ---------------------------------------------------------------- ints where floats are expected
def test_ints_accepted_where_floats_are_expected():
    """Policy 2: ints are numbers: kernel parameters, margins and FPTT alpha accept ints."""
    torch.manual_seed(0)
    x, y = torch.randn(3, 4), torch.randn(5, 4)
    torch.testing.assert_close(F.kernel_dot_product(x, y, "gaussian", 2), F.kernel_dot_product(x, y, "gaussian", 2.0))
    torch.testing.assert_close(F.kernel_dot_product(x, y, "polynomial", 3), (x @ y.T) ** 3)
    torch.testing.assert_close(F.kernel_dot_product(x, y, "sigmoid", 1), torch.sigmoid(x @ y.T))
    spikes, labels = (torch.rand(4, 6) > 0.5).float(), torch.tensor([[1, 0], [0, 1], [1, 1], [0, 1]])
    torch.testing.assert_close(
        F.spike_similar_loss(spikes, labels, "gaussian", "mse", 3),
        F.spike_similar_loss(spikes, labels, "gaussian", "mse", 3.0),
    )
    node = neuron.IFNode()
    F.set_threshold_margin(node, labels, 1, 0, 2)
    torch.testing.assert_close(node.v_threshold, labels.float() * 2)
    node.eval()
    F.set_threshold_margin(node, labels, eval_threshold=2)
    assert node.v_threshold == 2.0
    assert F.delay(torch.arange(4.0), np.int64(1)).tolist() == [0.0, 0.0, 1.0, 2.0]
    assert F.chunk_multi_step_forward(np.int64(2), torch.ones(5, 2), nn.Identity()).shape == (5, 2)


def test_fptt_int_alpha_equals_float_alpha():
    """SPEC §1.22 + policy 2: alpha=1 trains exactly like alpha=1.0."""
    results = []
    for alpha in (1, 1.0):
        torch.manual_seed(0)
        net = nn.Sequential(nn.Linear(3, 4), neuron.IFNode(), nn.Linear(4, 2))
        opt = torch.optim.SGD(net.parameters(), lr=0.1)
        w_ra = F.fptt_online_training_init_w_ra(opt)
        F.fptt_online_training(net, opt, torch.rand(3, 2, 3), torch.rand(3, 2, 2), TF.mse_loss, alpha, w_ra)
        results.append([p.detach().clone() for p in net.parameters()] + w_ra)
    for a, b in zip(*results):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


# ---------------------------------------------------------------- §1.24 wrong strings and errors
@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: F.kernel_dot_product(torch.ones(2, 2), torch.ones(2, 2), "rbf"), UnknownOptionError, r"kernel.*'rbf'"),
        (lambda: F.kernel_dot_product(torch.ones(2, 2), torch.ones(2, 2), "Linear"), UnknownOptionError, "'Linear'"),
        (
            lambda: F.spike_similar_loss(torch.ones(2, 2), torch.ones(2, 1), "linear", "MSE"),
            UnknownOptionError,
            r"loss_type.*'MSE'",
        ),
        (lambda: F.spike_similar_loss(torch.ones(2, 2), torch.ones(2, 1), "sigmoid"), TypeError, "alpha"),
        (lambda: F.kernel_dot_product(torch.ones(2, 2), torch.ones(2, 2), "gaussian"), TypeError, "sigma"),
        (
            lambda: F.kernel_dot_product(torch.ones(2, 2), torch.ones(3, 2), "gaussian", 0.0),
            ValueError,
            r"sigma.*positive.*0\.0",
        ),
        (lambda: F.kernel_dot_product(torch.ones(2, 2), torch.ones(3, 2), "gaussian", -1), ValueError, r"sigma.*-1"),
        (
            lambda: F.spike_similar_loss(torch.ones(3, 2), torch.tensor([0, 1, 0])),
            ValueError,
            r"labels.*\[N, C\].*\[3\]",
        ),
        (lambda: F.spike_similar_loss(torch.ones(3, 2), torch.ones(2, 2)), ValueError, r"labels.*N=3.*\[2, 2\]"),
        (lambda: F.delay(torch.ones(4), -1), ValueError, r"delay_steps.*>= 0.*-1"),
        (lambda: F.delay(torch.ones(4), 1.0), TypeError, r"delay_steps.*integer.*1\.0"),
        (lambda: F.multi_step_forward(torch.ones(0, 2), nn.Identity()), ValueError, r"x_seq.*time step.*\[0, 2\]"),
        (
            lambda: F.chunk_multi_step_forward(0, torch.ones(4, 2), nn.Identity()),
            ValueError,
            r"split_size.*positive.*0",
        ),
        (lambda: F.chunk_multi_step_forward(-2, torch.ones(4, 2), nn.Identity()), ValueError, r"split_size.*-2"),
        (lambda: F.seq_to_ann_forward(torch.ones(4, 2, 3), lambda y: y.sum(0)), ValueError, r"T\*N=8"),
        (lambda: F.redundant_one_hot(torch.tensor([0.0, 1.0]), 3, 2), TypeError, r"labels.*integer.*float32"),
        (
            lambda: F.temporal_efficient_training_cross_entropy(torch.rand(2, 3, 4), torch.rand(3)),
            TypeError,
            r"target.*integer.*float32",
        ),
        (
            lambda: F.temporal_efficient_training_cross_entropy(
                torch.rand(2, 3, 4), torch.zeros(2, 3, dtype=torch.long)
            ),
            ValueError,
            r"target.*shape \[3\].*\[2, 3\]",
        ),
        (
            lambda: F.temporal_efficient_training_cross_entropy(torch.rand(0, 3, 4), torch.zeros(3, dtype=torch.long)),
            ValueError,
            r"x_seq.*time step",
        ),
        (lambda: F.set_step_mode(nn.Linear(1, 1), "x"), ValueError, r"step_mode.*'s', 'm'.*'x'"),
        (lambda: F.set_backend(nn.Linear(1, 1), "torch", [nn.Module]), TypeError, r"instance.*list"),
    ],
)
def test_bad_input_raises_a_named_error(call, error, match):
    """SPEC §1.24 and policy 2: the error names the argument, the expected form and what was received."""
    with pytest.raises(error, match=match):
        call()


def test_unknown_names_keep_spikingjelly_exception_class():
    """SPEC policy 2: unknown kernel/loss names are still NotImplementedError for old except clauses."""
    with pytest.raises(NotImplementedError):
        F.kernel_dot_product(torch.ones(2, 2), torch.ones(2, 2), "rbf")
    with pytest.raises(NotImplementedError):
        F.spike_similar_loss(torch.ones(2, 2), torch.ones(2, 1), "linear", "hinge")


# ---------------------------------------------------------------- §1.6 / §1.5 numbers
def test_gaussian_kernel_different_row_counts_and_sigma_sign():
    """SPEC §1.6 Decision: N != K works (broadcast), equals exp(-cdist^2 / 2 sigma^2) in float64."""
    torch.manual_seed(1)
    x, y = torch.randn(3, 5, dtype=torch.float64), torch.randn(7, 5, dtype=torch.float64)
    ref = torch.exp(-(torch.cdist(x, y) ** 2) / (2 * 1.5**2))
    torch.testing.assert_close(F.kernel_dot_product(x, y, "gaussian", 1.5), ref)
    xg = torch.randn(8, 64) * 30 + 100
    assert F.kernel_dot_product(xg, xg, "gaussian", 1000.0).max() <= 1.0


def test_spike_similar_loss_all_zero_spikes_values():
    """SPEC §1.5: all-zero spikes give linear mse = fraction of similar pairs (0.75) and bce = 75.0."""
    labels = torch.tensor([[1, 0], [1, 0], [0, 1], [1, 1]])
    sim = (labels.float() @ labels.float().T).clamp_max(1)
    assert sim.mean().item() == 0.75
    spikes = torch.zeros(4, 5, requires_grad=True)
    torch.testing.assert_close(F.spike_similar_loss(spikes, labels, "linear", "mse"), torch.tensor(0.75))
    loss = F.spike_similar_loss(spikes, labels, "linear", "bce")
    torch.testing.assert_close(loss, torch.tensor(75.0))
    loss.backward()
    assert torch.isfinite(spikes.grad).all()


def test_spike_similar_loss_linear_bce_over_random_binary_trials():
    """SPEC §1.5 Decision: linear + bce succeeds where 0.14 failed 282/300; equals bce on clamped cosine."""
    gen = torch.Generator().manual_seed(0)
    for _ in range(30):
        spikes = (torch.rand(8, 10, 10, generator=gen) > 0.7).float()
        labels = torch.randint(0, 2, (8, 3), generator=gen)
        flat = spikes.flatten(1)
        norm = flat.norm(dim=1, keepdim=True)
        sim_p = ((flat @ flat.T) / (norm @ norm.T + 1e-8)).clamp(0, 1)
        sim = (labels.float() @ labels.float().T).clamp_max(1)
        torch.testing.assert_close(
            F.spike_similar_loss(spikes, labels, "linear", "bce"), TF.binary_cross_entropy(sim_p, sim)
        )


# ---------------------------------------------------------------- §1.9 first_spike_index table
@pytest.mark.parametrize(
    "row, first",
    [
        ([0.5, 0.5, 0, 0], 0),
        ([0.25] * 4, 0),
        ([2, 0, 0, 1], 0),
        ([-1, 1, 1, 0], 0),
        ([1, -1, 1, 0], 0),
        ([0.3, 0.7, 0], 0),
        ([0.1] * 10, 0),
        ([0, 0, 0.5], 2),
        ([0, 0, 0], None),
    ],
)
def test_first_spike_index_is_first_nonzero(row, first):
    """SPEC §1.9 Decision: the first spike is the first nonzero entry along the last dim (one per row)."""
    out = F.first_spike_index(torch.tensor(row))
    expected = torch.zeros(len(row), dtype=torch.bool)
    if first is not None:
        expected[first] = True
    assert out.dtype == torch.bool
    assert torch.equal(out, expected)


# ---------------------------------------------------------------- §1.20 delay table
@pytest.mark.parametrize(
    "d, expected",
    [
        (0, [1, 2, 3, 4, 5]),
        (1, [0, 1, 2, 3, 4]),
        (2, [0, 0, 1, 2, 3]),
        (4, [0, 0, 0, 0, 1]),
        (5, [0] * 5),
        (6, [0] * 5),
        (7, [0] * 5),
        (10, [0] * 5),
    ],
)
def test_delay_table(d, expected):
    """SPEC §1.20: same values as 0.14 for 0 <= d <= T, zeros of shape [T] for d > T."""
    x = torch.arange(1.0, 6.0, requires_grad=True)
    y = F.delay(x, d)
    assert y is not x
    assert y.tolist() == [float(v) for v in expected]
    y.sum().backward()
    assert x.grad.tolist() == [1.0 if i < 5 - d else 0.0 for i in range(5)]


# ---------------------------------------------------------------- §1.8 redundant_one_hot shapes
def test_redundant_one_hot_any_shape_and_default_dtype():
    """SPEC §1.8 Decision: [*] -> [*, C*n] in the default float dtype; int32 accepted."""
    assert F.redundant_one_hot(torch.tensor(1), 3, 2).tolist() == [0, 0, 1, 1, 0, 0]
    out = F.redundant_one_hot(torch.tensor([[0, 1], [2, 0]], dtype=torch.int32), 3, 2)
    assert out.shape == (2, 2, 6) and out.dtype == torch.get_default_dtype()
    ref = torch.zeros(2, 2, 6)
    for i in range(2):
        for j in range(2):
            c = int(torch.tensor([[0, 1], [2, 0]])[i, j])
            ref[i, j, 2 * c : 2 * c + 2] = 1
    torch.testing.assert_close(out, ref)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        assert F.redundant_one_hot(torch.tensor([1]), 3, 1).dtype == torch.float64
    finally:
        torch.set_default_dtype(previous)


# ---------------------------------------------------------------- devices and dtypes (policy 1)
def test_functions_keep_device_dtype_and_shape(device):
    """SPEC policy 1: results live on the input's device with the expected dtype and shape."""
    torch.manual_seed(0)
    x64 = torch.rand(5, 3, 4, dtype=torch.float64, device=device)
    assert F.delay(x64, 2).device == x64.device and F.delay(x64, 2).dtype == torch.float64
    fsi = F.first_spike_index((x64 > 0.5).to(x64))
    assert fsi.device == x64.device and fsi.dtype == torch.bool and fsi.shape == x64.shape
    roh = F.redundant_one_hot(torch.tensor([0, 2], device=device), 3, 2)
    assert roh.device == x64.device and roh.shape == (2, 6)
    target = torch.tensor([0, 1, 3], device=device)
    tet = F.temporal_efficient_training_cross_entropy(x64, target)
    ref = sum(TF.cross_entropy(x64[t], target) for t in range(5)) / 5
    assert tet.shape == () and tet.dtype == torch.float64 and tet.device == x64.device
    torch.testing.assert_close(tet, ref)
    k = F.kernel_dot_product(x64[0], x64[1, :2], "gaussian", 1.0)
    assert k.shape == (3, 2) and k.device == x64.device and k.dtype == torch.float64
    loss = F.spike_similar_loss(
        (x64 > 0.5).double(), torch.tensor([[1, 0], [0, 1], [1, 1], [0, 0], [1, 0]], device=device), "linear", "bce"
    )
    assert loss.dtype == torch.float64 and loss.device == x64.device
    node = neuron.IFNode().to(device)
    F.set_threshold_margin(node, torch.tensor([[1, 0, 0]], device=device))
    assert node.v_threshold.device == x64.device
    out = F.multi_step_forward(x64, neuron.IFNode())
    assert out.device == x64.device and out.dtype == torch.float64 and out.shape == x64.shape


class _NoHostSync:
    """Make host-synchronising tensor methods raise while active (a CPU stand-in for CUDA sync checks)."""

    NAMES = ("item", "tolist", "__bool__", "__float__", "__int__", "cpu", "numpy")

    def __enter__(self):
        self.saved = {n: getattr(torch.Tensor, n) for n in self.NAMES}

        def make(name):
            def forbidden(*args, **kwargs):
                raise AssertionError(f"host synchronisation: Tensor.{name} called in a hot path")

            return forbidden

        for n in self.NAMES:
            setattr(torch.Tensor, n, make(n))
        return self

    def __exit__(self, *exc):
        for n, f in self.saved.items():
            setattr(torch.Tensor, n, f)
        return False


@pytest.mark.parametrize("node_cls", [neuron.IFNode, neuron.LIFNode, neuron.ParametricLIFNode])
@pytest.mark.parametrize("v_reset", [0.0, None])
def test_hot_paths_do_not_synchronise_with_the_host(node_cls, v_reset):
    """Issue acceptance: no .item()/bool()/tolist() in hot paths (neuron steps, time loops, losses)."""
    torch.manual_seed(0)
    x_seq = torch.rand(6, 2, 3, requires_grad=True)
    node = node_cls(v_reset=v_reset, step_mode="m")
    single = node_cls(v_reset=v_reset)
    target = torch.tensor([0, 2])
    with _NoHostSync():
        with pytest.raises(AssertionError, match="host synchronisation"):
            bool(torch.ones(1))
        y = node(x_seq)
        y_s = F.multi_step_forward(x_seq, single)
        F.reset_net(single)
        loss = F.temporal_efficient_training_cross_entropy(y + y_s, target)
        loss = loss + F.delay(x_seq, 2).sum() + F.seq_to_ann_forward(x_seq, nn.Linear(3, 3)).sum()
        loss.backward()
        F.first_spike_index(y)
        F.chunk_multi_step_forward(2, x_seq.detach(), node_cls(v_reset=v_reset, step_mode="m"))
        F.kernel_dot_product(x_seq[0], x_seq[1], "linear")
        F.detach_net(node)
    assert x_seq.grad is not None and torch.isfinite(x_seq.grad).all()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_hot_paths_run_under_sync_debug_mode_error():
    """Issue acceptance on CUDA: multi-step neurons, delay, first_spike_index, TET never synchronise."""
    torch.manual_seed(0)
    x_seq = torch.rand(6, 2, 3, device="cuda", requires_grad=True)
    target = torch.tensor([0, 2], device="cuda")
    node = neuron.LIFNode(step_mode="m").cuda()
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        y = node(x_seq)
        loss = F.temporal_efficient_training_cross_entropy(y, target) + F.delay(x_seq, 2).sum()
        loss.backward()
        F.first_spike_index(y)
    finally:
        torch.cuda.set_sync_debug_mode(0)
    assert x_seq.grad.device.type == "cuda"


# ---------------------------------------------------------------- policy 2: online training rolls back
def _net_state(net):
    state = {}
    for name, m in net.named_modules():
        for k, v in getattr(m, "_memories", {}).items():
            state[f"{name}.mem.{k}"] = v.detach().clone() if torch.is_tensor(v) else v
        for k, v in m._buffers.items():
            state[f"{name}.buf.{k}"] = v.detach().clone()
        for k, v in m._parameters.items():
            state[f"{name}.par.{k}"] = v.detach().clone()
            state[f"{name}.grad.{k}"] = None if v.grad is None else v.grad.clone()
    return state


def _assert_same_state(a, b):
    assert a.keys() == b.keys()
    for k in a:
        if torch.is_tensor(a[k]) or torch.is_tensor(b[k]):
            torch.testing.assert_close(b[k], a[k], rtol=0, atol=0, msg=k)
        else:
            assert a[k] == b[k], k


@pytest.mark.filterwarnings("ignore:Using a target size")
@pytest.mark.parametrize("warm", [False, True])
@pytest.mark.parametrize("method", ["fptt", "ottt_online", "ottt_offline"])
def test_online_training_with_a_mismatched_target_leaves_the_net_unchanged(method, warm):
    """SPEC policy 2 (§1.22/§1.23): a target the loss rejects leaves state, BN statistics and grads as they were."""
    torch.manual_seed(0)
    if method == "fptt":
        net = nn.Sequential(nn.Linear(5, 4), nn.BatchNorm1d(4), neuron.IFNode(), nn.Linear(4, 2), neuron.LIFNode())
    else:
        from snnlab import layer

        net = layer.OTTTSequential(
            nn.Linear(5, 4), nn.BatchNorm1d(4), neuron.OTTTLIFNode(), nn.Linear(4, 2), neuron.LIFNode()
        )
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    if warm:  # non-trivial state and gradients before the call
        out = net(torch.rand(3, 5))
        (out[0] if isinstance(out, list) else out).sum().backward()
    before = _net_state(net)
    with pytest.raises(RuntimeError, match="size of tensor"):
        if method == "fptt":
            F.fptt_online_training(
                net,
                opt,
                torch.rand(4, 3, 5),
                torch.rand(4, 3, 7),
                TF.mse_loss,
                0.1,
                F.fptt_online_training_init_w_ra(opt),
            )
        else:
            F.ottt_online_training(
                net, opt, torch.rand(3, 4, 5), torch.rand(3, 4, 7), TF.mse_loss, method == "ottt_online"
            )
    _assert_same_state(before, _net_state(net))
