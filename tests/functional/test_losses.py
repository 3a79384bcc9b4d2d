"""Tests for snnlab/functional/losses.py: kernels, similarity loss, TET loss, threshold margins."""

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.testing import assert_close

from snnlab.errors import UnknownOptionError
from snnlab.functional.losses import (
    kernel_dot_product,
    predicted_similarity,
    set_threshold_margin,
    spike_similar_loss,
    target_similarity,
    temporal_efficient_training_cross_entropy,
)


def reference_kernel(x, y, kernel, *args):
    """SpikingJelly 0.0.0.0.14's kernels (gaussian only valid for equal row counts)."""
    xy = x.mm(y.t())
    if kernel == "linear":
        return xy
    if kernel == "polynomial":
        return xy.pow(args[0])
    if kernel == "sigmoid":
        return torch.sigmoid(args[0] * xy)
    n = x.shape[0]
    x2, y2 = x.square().sum(1), y.square().sum(1)
    d = x2.unsqueeze(1).repeat(1, n) + y2.unsqueeze(0).repeat(n, 1) - 2 * xy
    return torch.exp(-d / (2 * args[0] * args[0]))


def reference_similar_loss(spikes, labels, kernel, loss, *args):
    """SpikingJelly 0.0.0.0.14's spike_similar_loss (mse / l1)."""
    s = spikes.flatten(1)
    sim_p = reference_kernel(s, s, kernel, *args)
    if kernel == "linear":
        n = s.norm(p=2, dim=1, keepdim=True)
        sim_p = sim_p / (n.mm(n.t()) + 1e-8)
    lab = labels.float()
    sim = lab.mm(lab.t()).clamp_max(1)
    return {"mse": F.mse_loss, "l1": F.l1_loss, "bce": F.binary_cross_entropy}[loss](sim_p, sim)


# ------------------------------------------------------------------ kernel_dot_product
def test_kernels_match_reference_formulas(device):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(6, 5, generator=g).to(device)
    y = torch.randn(6, 5, generator=g).to(device)
    for kernel, args in (("linear", ()), ("polynomial", (3,)), ("sigmoid", (0.7,)), ("sigmoid", (torch.tensor(0.7),))):
        assert torch.equal(kernel_dot_product(x, y, kernel, *args), reference_kernel(x, y, kernel, *args))
    assert_close(
        kernel_dot_product(x, y, "gaussian", 2.0), reference_kernel(x, y, "gaussian", 2.0), rtol=1e-6, atol=1e-6
    )


def test_gaussian_equals_cdist_closed_form_and_handles_different_row_counts():
    g = torch.Generator().manual_seed(1)
    x = torch.randn(3, 7, generator=g, dtype=torch.float64)
    y = torch.randn(5, 7, generator=g, dtype=torch.float64)
    got = kernel_dot_product(x, y, "gaussian", 1.5)  # SpikingJelly raised a size-mismatch RuntimeError here
    assert got.shape == (3, 5)
    assert_close(got, torch.exp(-(torch.cdist(x, y) ** 2) / (2 * 1.5**2)))
    assert kernel_dot_product(x, y, "polynomial", 2).shape == (3, 5)


def test_gaussian_never_exceeds_one_under_cancellation():
    worst_reference = 0.0
    for seed in range(30):
        x = torch.randn(8, 64, generator=torch.Generator().manual_seed(seed)) * 30 + 100
        assert kernel_dot_product(x, x, "gaussian", 1000.0).max() <= 1.0
        worst_reference = max(worst_reference, float(reference_kernel(x, x, "gaussian", 1000.0).max()))
    assert worst_reference > 1.0  # the unclamped formula does exceed 1 on these inputs


def test_gaussian_gradient_is_finite_on_identical_rows():
    x = torch.rand(4, 3, requires_grad=True)
    kernel_dot_product(x, x, "gaussian", 0.5).sum().backward()
    assert torch.isfinite(x.grad).all()


def test_kernel_dtypes():
    xi = torch.tensor([[1, 2], [3, 4]])
    assert kernel_dot_product(xi, xi).dtype == torch.int64
    assert kernel_dot_product(xi, xi, "gaussian", 1.0).is_floating_point()
    x64 = torch.rand(3, 2, dtype=torch.float64)
    assert kernel_dot_product(x64, x64, "gaussian", 1.0).dtype == torch.float64


def test_kernel_errors():
    x = torch.rand(3, 4)
    with pytest.raises(
        UnknownOptionError, match=r"kernel must be one of 'linear', 'polynomial', 'sigmoid', 'gaussian', got 'rbf'"
    ):
        kernel_dot_product(x, x, "rbf")
    with pytest.raises(NotImplementedError):  # SpikingJelly's class is kept as a base
        kernel_dot_product(x, x, "Linear")
    for kernel in ("polynomial", "sigmoid", "gaussian"):
        with pytest.raises(
            TypeError, match=rf"the '{kernel}' kernel needs .* as an extra positional argument, got none"
        ):
            kernel_dot_product(x, x, kernel)
    for sigma in (0.0, -1.0, torch.tensor(0.0)):
        with pytest.raises(ValueError, match=r"sigma of the 'gaussian' kernel must be positive"):
            kernel_dot_product(x, x, "gaussian", sigma)
    with pytest.raises(
        TypeError, match=r"the width sigma of the 'gaussian' kernel must be a real number or a tensor, got '1'"
    ):
        kernel_dot_product(x, x, "gaussian", "1")
    with pytest.raises(ValueError, match=r"x must be a 2-D tensor \[rows, features\], got shape \[2, 3, 4\]"):
        kernel_dot_product(torch.rand(2, 3, 4), x)
    with pytest.raises(ValueError, match=r"same number of features, got shapes \[3, 4\] and \[3, 5\]"):
        kernel_dot_product(x, torch.rand(3, 5))
    with pytest.raises(TypeError, match=r"same dtype, got torch.float32 and torch.float64"):
        kernel_dot_product(x, x.double())


# ------------------------------------------------------------------ similarity helpers
def test_predicted_similarity_is_cosine_for_linear_kernel():
    spikes = (torch.rand(6, 4, 5, generator=torch.Generator().manual_seed(2)) > 0.5).float()
    flat = spikes.flatten(1)
    cos = F.cosine_similarity(flat.unsqueeze(1), flat.unsqueeze(0), dim=-1)
    assert_close(predicted_similarity(spikes), cos, rtol=0, atol=1e-6)
    assert_close(predicted_similarity(spikes.bool()), predicted_similarity(spikes))
    assert_close(
        predicted_similarity(spikes, "sigmoid", 0.3), torch.sigmoid(0.3 * flat.mm(flat.t()))
    )  # no normalisation
    with pytest.raises(ValueError, match=r"spikes must have at least 2 dimension\(s\), got shape \[4\]"):
        predicted_similarity(torch.rand(4))


def test_target_similarity_clamps_above_only():
    labels = torch.tensor([[1, 1, 0], [1, 1, 0], [0, 0, 1], [0, 0, 0]])
    sim = target_similarity(labels)
    assert sim.dtype == torch.float32
    assert torch.equal(sim, torch.tensor([[1.0, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 0]]))
    assert torch.equal(target_similarity(torch.tensor([[-1.0], [1.0]])), torch.tensor([[1.0, -1.0], [-1.0, 1.0]]))
    assert torch.equal(target_similarity(labels.bool()), sim)
    with pytest.raises(ValueError, match=r"labels must be multi-hot of shape \[N, C\], got shape \[4\]"):
        target_similarity(torch.tensor([0, 1, 2, 0]))


# ------------------------------------------------------------------ spike_similar_loss
def test_similar_loss_mse_l1_match_reference(device):
    g = torch.Generator().manual_seed(3)
    spikes = (torch.rand(8, 6, 5, generator=g) > 0.6).float().to(device)
    labels = torch.randint(0, 2, (8, 3), generator=g).to(device)
    for kernel, args in (("linear", ()), ("gaussian", (2.0,)), ("sigmoid", (0.2,)), ("polynomial", (2,))):
        for loss in ("mse", "l1"):
            got = spike_similar_loss(spikes, labels, kernel, loss, *args)
            assert got.shape == ()
            assert_close(got, reference_similar_loss(spikes, labels, kernel, loss, *args), rtol=1e-6, atol=1e-6)


def test_linear_bce_works_where_rounding_broke_it_and_keeps_successes():
    g = torch.Generator().manual_seed(4)
    reference_failures = 0
    for _ in range(60):
        spikes = (torch.rand(8, 10, 10, generator=g) > 0.7).float()
        labels = torch.randint(0, 2, (8, 3), generator=g)
        got = spike_similar_loss(spikes, labels, "linear", "bce")
        assert torch.isfinite(got)
        try:
            expected = reference_similar_loss(spikes, labels, "linear", "bce")
        except RuntimeError:  # "all elements of input should be between 0 and 1"
            reference_failures += 1
            continue
        assert torch.equal(got, expected)
    assert reference_failures > 30  # the divergence this fixes is the common case


def test_bce_float64_and_dtype_follow_spikes():
    spikes = (torch.rand(5, 8, generator=torch.Generator().manual_seed(5)) > 0.5).double()
    labels = torch.tensor([[1, 0], [1, 0], [0, 1], [0, 1], [1, 1]])
    for kernel, args in (("linear", ()), ("gaussian", (3.0,))):
        loss = spike_similar_loss(spikes, labels, kernel, "bce", *args)
        assert loss.dtype == torch.float64 and torch.isfinite(loss)
    assert spike_similar_loss(spikes, labels, "gaussian", "mse", 3.0).dtype == torch.float64


def test_bce_rejects_kernels_outside_unit_interval():
    spikes = torch.ones(3, 4) * 2
    labels = torch.eye(3)
    with pytest.raises(
        ValueError,
        match=r"loss_type 'bce' needs similarities in \[0, 1\], but the 'polynomial' kernel gave values in \[16, 16\]",
    ):
        spike_similar_loss(spikes, labels, "polynomial", "bce", 1)


def test_all_silent_spikes_values_and_gradient():
    spikes = torch.zeros(4, 5, requires_grad=True)
    labels = torch.tensor([[1, 0], [1, 0], [1, 0], [0, 1]])  # 10 of 16 pairs similar
    assert_close(spike_similar_loss(spikes, labels), torch.tensor(10 / 16))
    bce = spike_similar_loss(spikes, labels, "linear", "bce")  # log clamped at -100 per similar pair
    assert_close(bce, torch.tensor(100 * 10 / 16))
    bce.backward()
    assert torch.isfinite(spikes.grad).all()


def test_similar_loss_is_differentiable():
    spikes = torch.rand(4, 6, requires_grad=True)
    spike_similar_loss(spikes, torch.eye(4)[:, :2], "gaussian", "mse", 1.0).backward()
    assert spikes.grad is not None and spikes.grad.abs().sum() > 0


def test_similar_loss_errors_are_raised_before_computing():
    with pytest.raises(UnknownOptionError, match=r"loss_type must be one of 'mse', 'l1', 'bce', got 'MSE'"):
        spike_similar_loss("not a tensor", None, "linear", "MSE")
    with pytest.raises(UnknownOptionError, match=r"kernel must be one of"):
        spike_similar_loss("not a tensor", None, "rbf")
    with pytest.raises(TypeError, match=r"the 'sigmoid' kernel needs the slope alpha"):
        spike_similar_loss(torch.rand(3, 4), torch.eye(3), "sigmoid")
    with pytest.raises(ValueError, match=r"labels must be multi-hot of shape \[N, C\] with N=3 .* got shape \[3\]"):
        spike_similar_loss(torch.rand(3, 4), torch.tensor([0, 1, 2]))
    with pytest.raises(ValueError, match=r"with N=3 .* got shape \[2, 2\]"):
        spike_similar_loss(torch.rand(3, 4), torch.eye(2))


# ------------------------------------------------------------------ TET loss
def tet_loop(x_seq, target):
    return sum(F.cross_entropy(x_seq[t], target) for t in range(x_seq.shape[0])) / x_seq.shape[0]


def test_tet_equals_mean_of_per_step_cross_entropy(device):
    g = torch.Generator().manual_seed(6)
    for shape, tshape in (((8, 4, 10), (4,)), ((3, 4, 10, 5, 6), (4, 5, 6))):
        x = torch.randn(shape, generator=g).to(device).requires_grad_()
        target = torch.randint(0, 10, tshape, generator=g).to(device)
        got = temporal_efficient_training_cross_entropy(x, target)
        expected = tet_loop(x, target)
        assert got.shape == ()
        assert_close(got, expected, rtol=0, atol=5e-7)
        (gx,) = torch.autograd.grad(got, x)
        (ex,) = torch.autograd.grad(expected, x)
        assert_close(gx, ex, rtol=1e-5, atol=1e-7)


def test_tet_ignore_index_float64_and_int32_targets():
    g = torch.Generator().manual_seed(7)
    x = torch.randn(5, 6, 4, generator=g, dtype=torch.float64)
    target = torch.tensor([0, -100, 3, 1, -100, 2])
    got = temporal_efficient_training_cross_entropy(x, target)
    assert got.dtype == torch.float64
    assert_close(got, tet_loop(x, target))
    assert_close(
        temporal_efficient_training_cross_entropy(x, target[[0, 2, 3, 5]].int()[[0, 1, 2, 3, 0, 1]]),
        tet_loop(x, target[[0, 2, 3, 5]][[0, 1, 2, 3, 0, 1]]),
    )


def test_tet_errors():
    x = torch.randn(3, 4, 5)
    with pytest.raises(ValueError, match=r"x_seq must have at least one time step, got shape \[0, 4, 5\]"):
        temporal_efficient_training_cross_entropy(torch.randn(0, 4, 5), torch.zeros(4, dtype=torch.long))
    with pytest.raises(
        TypeError,
        match=r"target must hold integer class indices of shape \[4\], got a torch.float32 tensor of shape \[4, 5\]",
    ):
        temporal_efficient_training_cross_entropy(x, torch.rand(4, 5))
    with pytest.raises(ValueError, match=r"target must have shape \[4\] .* got shape \[3, 4\]"):
        temporal_efficient_training_cross_entropy(x, torch.zeros(3, 4, dtype=torch.long))
    with pytest.raises(ValueError, match=r"x_seq must have at least 3 dimension\(s\), got shape \[3, 4\]"):
        temporal_efficient_training_cross_entropy(torch.randn(3, 4), torch.zeros(4, dtype=torch.long))


# ------------------------------------------------------------------ set_threshold_margin
def test_threshold_margin_training_values_and_dtypes(device):
    layer = nn.Module()
    label = torch.tensor([[0, 1, 0], [2, 0, 1]], device=device)
    set_threshold_margin(layer, label)
    expected = torch.tensor([[0.9, 1.1, 0.9], [0.9, 0.9, 1.1]], device=device)  # only entries == 1 are positive
    assert layer.v_threshold.dtype == torch.get_default_dtype() and layer.v_threshold.device == label.device
    assert_close(layer.v_threshold, expected)
    set_threshold_margin(layer, label.bool(), threshold0=0.5, threshold1=2)
    assert_close(layer.v_threshold, torch.tensor([[0.5, 2.0, 0.5], [2.0, 0.5, 2.0]], device=device))
    set_threshold_margin(layer, label.double())
    assert layer.v_threshold.dtype == torch.float64


def test_threshold_margin_eval_sets_float_and_rejections_leave_layer_unchanged():
    layer = nn.Module().eval()
    set_threshold_margin(layer, torch.eye(2), eval_threshold=2)
    assert layer.v_threshold == 2.0 and isinstance(layer.v_threshold, float)
    with pytest.raises(
        TypeError, match=r"output_layer must be a module with a 'training' flag, got an object of type object"
    ):
        set_threshold_margin(object(), torch.eye(2))
    with pytest.raises(TypeError, match=r"label_one_hot must be a torch.Tensor"):
        set_threshold_margin(layer, [[1, 0]])
    with pytest.raises(TypeError, match=r"threshold1 must be a real number, got '1.1'"):
        set_threshold_margin(layer.train(), torch.eye(2), threshold1="1.1")
    assert layer.v_threshold == 2.0


def test_threshold_margin_tensor_threshold_runs_in_neurons():
    neuron = pytest.importorskip("snnlab.neuron")
    label = torch.tensor([[0, 1, 0], [1, 0, 0]])
    x = torch.full((2, 3), 0.95)
    for node in (neuron.IFNode(), neuron.IFNode(v_reset=None), neuron.LIFNode(v_reset=None)):
        set_threshold_margin(node, label)
        spikes = node(x if isinstance(node, neuron.IFNode) else x * 2)
        assert torch.equal(spikes, (label != 1).float())  # 0.95 crosses 0.9 but not 1.1
        node.reset()
        node.eval()
        with torch.no_grad():
            assert node(x * 2).shape == (2, 3)  # eval with the training tensor still in place
        set_threshold_margin(node, label)
        assert node.v_threshold == 1.0
        node.train()


# ----------------------------------------------------------------------------- empty input, margins and batches
def test_spike_similar_loss_refuses_an_empty_batch():
    with pytest.raises(
        ValueError, match=r"spike_similar_loss: spikes must hold at least one sample, got shape \[0, 3\]"
    ):
        spike_similar_loss(torch.zeros(0, 3), torch.zeros(0, 2))


def test_tet_loss_refuses_an_empty_batch_and_all_ignored_targets():
    with pytest.raises(ValueError, match=r"x_seq must hold at least one sample, got shape \[2, 0, 3\]"):
        temporal_efficient_training_cross_entropy(torch.zeros(2, 0, 3), torch.zeros(0).long())
    with pytest.raises(ValueError, match=r"every target is the ignored index -100"):
        temporal_efficient_training_cross_entropy(torch.zeros(2, 2, 3), torch.full((2,), -100))


def test_threshold_margin_then_a_smaller_batch_is_blamed_before_v_changes():
    from snnlab import neuron

    node = neuron.LIFNode()
    set_threshold_margin(node, F.one_hot(torch.tensor([0, 1, 2, 1]), 3))
    node(torch.full((4, 3), 0.5))
    before = node.v.clone()
    node.reset()
    with pytest.raises(ValueError, match=r"LIFNode: v_threshold of shape \[4, 3\] must broadcast to the input"):
        node(torch.full((2, 3), 0.5))
    assert node.v == 0.0 and before.shape == (4, 3)


@pytest.mark.parametrize("kernel", ["polynomial", "sigmoid", "gaussian"])
@pytest.mark.parametrize("value", [float("nan"), float("inf"), torch.tensor(float("-inf"))])
def test_kernel_parameters_must_be_finite(kernel, value):
    with pytest.raises(ValueError, match=rf"kernel_dot_product: .* of the '{kernel}' kernel must be finite"):
        kernel_dot_product(torch.ones(2, 3), torch.ones(2, 3), kernel, value)
