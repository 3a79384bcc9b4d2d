"""SimilarityExplorer: matrices and loss equal direct core calls and float64 references; gradient steps."""

import threading

import pytest
import torch
import torch.nn.functional as F

from snnlab import surrogate
from snnlab.analysis import similarity_matrices
from snnlab.functional import losses, spike_similar_loss
from snnlab.functional.losses import predicted_similarity, target_similarity
from widgets.similarity_explorer import SimilarityExplorer, SimilarityPanelResult, demo_patterns

PARAMETERS = {"linear": (), "polynomial": (3,), "sigmoid": (0.1,), "gaussian": (5.0,)}


@pytest.fixture
def panel():  # a fresh panel per test: no test sees another's changes
    built = SimilarityExplorer(device="cpu", throttle_ms=0, blocking=True)
    yield built
    built.close()


def set_kernel(panel, kernel, loss_type):
    with panel.hold_updates():
        panel.kernel.value, panel.loss_type.value = kernel, loss_type
        panel.degree.value, panel.slope.value, panel.sigma.value = 3, 0.1, 5.0


def reference_predicted(spikes, kernel, *args):
    """float64 similarity written from the kernels' definitions."""
    x = spikes.flatten(1).double()
    if kernel == "linear":
        return F.cosine_similarity(x[:, None, :], x[None, :, :], dim=-1, eps=1e-12)
    if kernel == "polynomial":
        return (x @ x.T) ** args[0]
    if kernel == "sigmoid":
        return torch.sigmoid(args[0] * (x @ x.T))
    return torch.exp(-(torch.cdist(x, x) ** 2) / (2 * args[0] ** 2))


def test_default_demo_batch_and_repr(panel):
    assert repr(panel) == "SimilarityExplorer(kernel='linear', parameter=None, loss_type='mse', N=12)"
    spikes, labels = demo_patterns()
    assert spikes.shape == (12, 20, 16) and labels.shape == (12, 3)
    assert torch.equal(panel.spikes, spikes) and torch.equal(panel.labels, labels)
    assert isinstance(panel.result, SimilarityPanelResult)


@pytest.mark.parametrize(
    "kernel, loss_type",
    [
        (kernel, loss_type)
        for kernel in ("linear", "polynomial", "sigmoid", "gaussian")
        for loss_type in ("mse", "l1", "bce")
        if (kernel, loss_type) != ("polynomial", "bce")  # refused with an explanation: the next test
    ],
)
def test_result_equals_direct_core_calls(panel, kernel, loss_type):
    panel.reset_patterns()
    set_kernel(panel, kernel, loss_type)
    assert panel.error is None, panel.status_text
    args = PARAMETERS[kernel]
    spikes, labels = demo_patterns()
    direct = similarity_matrices(spikes, labels, kernel, *args, loss_type=loss_type)
    torch.testing.assert_close(panel.result.predicted, direct.predicted)
    torch.testing.assert_close(panel.result.target, direct.target)
    assert panel.result.loss == pytest.approx(float(spike_similar_loss(spikes, labels, kernel, loss_type, *args)))
    reference = reference_predicted(spikes, kernel, *args)
    torch.testing.assert_close(panel.result.predicted.double(), reference, rtol=1e-5, atol=1e-5)
    same_label = (labels.double() @ labels.double().T).clamp_max(1)
    torch.testing.assert_close(panel.result.target.double(), same_label)
    assert panel.parameter == (args[0] if args else None)


def test_polynomial_bce_is_explained_and_the_panel_recovers(panel):
    panel.reset_patterns()
    set_kernel(panel, "polynomial", "mse")
    good = panel.result
    panel.loss_type.value = "bce"
    assert panel.status_text.startswith(
        "ValueError: spike_similar_loss: loss_type 'bce' needs similarities in [0, 1], "
        "but the 'polynomial' kernel gave values in"
    )
    assert panel.result is good
    panel.loss_type.value = "l1"
    assert panel.error is None and panel.status_text.startswith("ran on cpu in ")


def test_only_the_current_kernels_parameter_is_enabled(panel):
    set_kernel(panel, "sigmoid", "mse")
    assert panel.degree.disabled and not panel.slope.disabled and panel.sigma.disabled
    assert repr(panel) == "SimilarityExplorer(kernel='sigmoid', parameter=0.1, loss_type='mse', N=12)"
    set_kernel(panel, "linear", "mse")
    assert panel.degree.disabled and panel.slope.disabled and panel.sigma.disabled


def test_gradient_steps_equal_a_direct_surrogate_descent_and_reduce_the_loss(panel):
    panel.reset_patterns()
    set_kernel(panel, "linear", "mse")
    start = panel.result.loss
    panel.steps.value, panel.lr.value = 8, 0.05
    run = panel.train()
    assert run.state == "done" and run.steps_done == 8 and panel.progress_bar.value == 1.0
    assert panel.status_text.startswith("finished 8 steps on cpu in ")
    # the same descent written out: Heaviside forward, ATan backward, sign steps on the pre-activation
    spikes, labels = demo_patterns()
    u = (0.2 * (spikes - 0.5)).requires_grad_(True)
    losses = []
    for _ in range(8):
        loss = spike_similar_loss(surrogate.ATan()(u), labels)
        loss.backward()
        with torch.no_grad():
            u -= 0.05 * u.grad.sign()
        u.grad = None
        losses.append(loss.item())
    assert torch.equal(panel.spikes, (u.detach() >= 0).float())
    assert list(panel.result.losses) == pytest.approx(losses)
    assert panel.result.losses[0] == pytest.approx(start)
    assert panel.result.loss < 0.5 * start  # the predicted matrix moved toward the target
    torch.testing.assert_close(panel.result.predicted, predicted_similarity(panel.spikes))
    panel.reset_patterns()
    assert torch.equal(panel.spikes, spikes) and panel.result.losses == () and panel.result.loss == pytest.approx(start)


def test_training_runs_in_the_background_and_stops_within_a_step():
    panel = SimilarityExplorer(device="cpu", throttle_ms=0)
    entered, gate = threading.Event(), threading.Event()
    panel.steps.value = 100
    steps = panel.gradient_steps

    def gated(n):
        for loss in steps(n):
            entered.set()
            gate.wait(5)
            gate.clear()
            yield loss

    panel.gradient_steps = gated
    run = panel.train()
    assert entered.wait(10)
    panel.stop_button.click()
    gate.set()
    assert panel.wait(10) and run.state == "stopped" and run.steps_done == 1
    assert panel.status_text.startswith("stopped after 1 steps on cpu in ")
    assert len(panel.result.losses) == 1


def test_user_batch_and_known_values():
    spikes = torch.tensor([[1.0, 0.0, 1.0], [1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    labels = torch.tensor([[1, 0], [0, 1], [0, 1]])
    panel = SimilarityExplorer(spikes, labels, device="cpu", throttle_ms=0)
    torch.testing.assert_close(
        panel.result.predicted, torch.tensor([[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    )
    torch.testing.assert_close(panel.result.target, target_similarity(labels))
    assert panel.result.loss == pytest.approx(4 / 9)  # 4 of the 9 entries differ by 1
    assert repr(panel) == "SimilarityExplorer(kernel='linear', parameter=None, loss_type='mse', N=3)"


def test_runs_on_each_device(device):
    panel = SimilarityExplorer(kernel="gaussian", sigma=3.0, device=device, throttle_ms=0)
    assert panel.error is None and panel.status_text.startswith(f"ran on {device} in ")
    spikes, _labels = demo_patterns()
    torch.testing.assert_close(
        panel.result.predicted, predicted_similarity(spikes, "gaussian", 3.0), rtol=1e-5, atol=1e-5
    )
    assert panel.result.predicted.device.type == "cpu"


@pytest.mark.parametrize(
    "args, kwargs, error, match",
    [
        ((torch.ones(3, 4),), {}, ValueError, r"give both spikes and labels, or neither"),
        (
            (torch.ones(3, 4), torch.ones(2, 2)),
            {},
            ValueError,
            r"spikes must be \[N, \*\] and labels \[N, C\] with the same N >= 2, got shapes \[3, 4\] and \[2, 2\]",
        ),
        (
            ([[1.0]], torch.ones(1, 1)),
            {},
            TypeError,
            r"spikes must be a torch.Tensor \[N, \*\], got an object of type list",
        ),
        (
            (),
            dict(kernel="rbf"),
            ValueError,
            r"kernel must be one of 'linear', 'polynomial', 'sigmoid', 'gaussian', got 'rbf'",
        ),
        ((), dict(loss_type="ce"), ValueError, r"loss_type must be one of 'mse', 'l1', 'bce', got 'ce'"),
    ],
)
def test_bad_arguments_are_rejected(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        SimilarityExplorer(*args, device="cpu", **kwargs)


# ----------------------------------------------------------------------------- argument ranges
@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(degree=6), r"SimilarityExplorer: degree must be an integer in \[1, 5\], got 6"),
        (dict(slope=0.0), r"SimilarityExplorer: slope must be a number in \[0.005, 1\], got 0.0"),
        (dict(sigma=50.0), r"SimilarityExplorer: sigma must be a number in \[0.5, 20\], got 50.0"),
        (dict(steps=500), r"SimilarityExplorer: steps must be an integer in \[1, 100\], got 500"),
        (dict(lr=5.0), r"SimilarityExplorer: lr must be a number in \[0.0001, 1\], got 5.0"),
    ],
)
def test_out_of_range_constructor_arguments_are_refused_by_name(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SimilarityExplorer(device="cpu", **kwargs)


# ----------------------------------------------------------------------------- what the numbers mean
def test_the_kernel_and_loss_lists_are_the_cores():
    panel = SimilarityExplorer(device="cpu", throttle_ms=0)
    assert panel.kernel.options == losses.KERNELS and panel.loss_type.options == losses.LOSS_TYPES


def test_each_heatmap_is_labelled_with_its_own_colour_bar():
    panel = SimilarityExplorer(device="cpu", throttle_ms=0)
    fig = panel.matrix_fig
    titles = [a.text for a in fig.layout.annotations if a.name == "heatmap title"]
    assert titles == ["predicted: kernel similarity of samples i, j", "target: 1 where samples i, j share a label"]
    # one title per heatmap, over its centre: the subplot titles say it all (no second title drawn over them)
    shown = [(a.text, a.x) for a in fig.layout.annotations if a.text and a.visible is not False]
    assert shown == [
        ("predicted: kernel similarity of samples i, j", 0.19),
        ("target: 1 where samples i, j share a label", 0.73),
    ]
    assert [fig.layout[f"{axis}axis{k}"].title.text for axis in "xy" for k in ("", "2")] == [
        "sample j",
        "sample j",
        "sample i",
        "sample i",
    ]
    assert [trace.coloraxis for trace in fig.data] == ["coloraxis", "coloraxis2"]
    assert fig.layout.coloraxis.colorbar.title.text == "predicted"
    assert fig.layout.coloraxis2.colorbar.title.text == "target"
    # both bar titles read the same way: beside their bars (a title above the target's bar ran into its "1")
    assert fig.layout.coloraxis.colorbar.title.side == fig.layout.coloraxis2.colorbar.title.side == "right"
    # cosine similarities fit the target's [0, 1]: both bars show that range
    assert (fig.layout.coloraxis.cmin, fig.layout.coloraxis.cmax) == (0.0, 1.0)
    assert (fig.layout.coloraxis2.cmin, fig.layout.coloraxis2.cmax) == (0.0, 1.0)
    assert fig.layout.title.text == "original patterns: predicted vs target (loss 0.1562)"
    assert panel.result.note == "" and panel.result.silent == 0
    assert panel.status_text.startswith("ran on cpu in ") and ";" not in panel.status_text


@pytest.mark.parametrize("degree", [2, 5])
def test_polynomial_values_beyond_the_target_are_drawn_on_their_own_scale_and_explained(degree):
    panel = SimilarityExplorer(kernel="polynomial", degree=degree, device="cpu", throttle_ms=0)
    spikes, labels = demo_patterns()
    flat = spikes.flatten(1)
    largest_dot = float((flat @ flat.T).max())  # a pattern's dot product with itself: its spike count
    top = largest_dot**degree
    loss = float(spike_similar_loss(spikes, labels, "polynomial", "mse", degree))
    assert largest_dot == 96 and float(panel.result.predicted.max()) == pytest.approx(top)
    expected = (
        f"the polynomial kernel of degree {degree} on patterns whose dot products (shared spikes) reach 96 "
        f"gives values up to {top:.3g}, while the target is 0 or 1: the mse loss {loss:.4g} is dominated by "
        "that gap, and Train pushes every pattern to silence to close it (the predicted heatmap has its own "
        "colour bar); the linear, sigmoid and gaussian kernels stay in [0, 1]"
    )
    assert panel.result.note == expected
    assert panel.status_text.startswith("ran on cpu in ") and panel.status_text.endswith("; " + expected)
    fig = panel.matrix_fig
    assert fig.layout.coloraxis.cmin == pytest.approx(float(panel.result.predicted.min()))
    assert fig.layout.coloraxis.cmax == pytest.approx(top)
    assert fig.layout.coloraxis.colorbar.title.text == "predicted<br>(own scale)"
    assert (fig.layout.coloraxis2.cmin, fig.layout.coloraxis2.cmax) == (0.0, 1.0)  # the target stays visible
    panel.kernel.value = "gaussian"
    assert panel.result.note == "" and fig.layout.coloraxis.colorbar.title.text == "predicted"


def test_a_training_run_that_silences_every_pattern_is_caught_and_explained():
    panel = SimilarityExplorer(kernel="polynomial", degree=2, device="cpu", throttle_ms=0, blocking=True)
    run = panel.train()
    assert run.state == "done"
    spikes, labels = demo_patterns()
    assert panel.result.silent == 12 and float(panel.spikes.sum()) == 0.0
    # silent patterns: every predicted similarity is 0, so the loss is the mean of the target
    assert panel.result.loss == pytest.approx(float(target_similarity(labels).mean()))
    expected = (
        "Train silenced every pattern (the polynomial kernel's values far above the target's 1 push every spike "
        "down, at any lr): all 12 spike counts are 0, every predicted similarity is 0 and silent patterns get "
        "no gradient, so training cannot recover; press Reset, then try another kernel (or a lower lr or fewer steps)"
    )
    assert run.message == expected == panel.result.note
    assert panel.status_text.startswith("finished 10 steps on cpu in ") and panel.status_text.endswith(f"({expected})")
    # a silent batch is a dead end for every kernel: more training leaves it silent
    panel.kernel.value = "linear"
    panel.train()
    assert panel.result.silent == 12 and panel.result.note.startswith("Train silenced every pattern (the polynomial")
    panel.reset_patterns()
    assert panel.result.silent == 0 and panel.result.note == "" and torch.equal(panel.spikes, spikes)


def test_a_kernel_change_keeps_the_trained_patterns_and_says_which_are_shown():
    panel = SimilarityExplorer(steps=5, device="cpu", throttle_ms=0, blocking=True)
    assert panel.result.state == "original patterns"
    panel.train()
    trained = panel.spikes.clone()
    assert panel.result.state == "patterns after 5 Train steps (linear/mse)"
    panel.kernel.value = "gaussian"
    assert torch.equal(panel.spikes, trained)
    torch.testing.assert_close(panel.result.predicted, predicted_similarity(trained, "gaussian", 4.0))
    assert panel.matrix_fig.layout.title.text.startswith("patterns after 5 Train steps (linear/mse): predicted vs")
    panel.train()
    assert panel.result.state == "patterns after 10 Train steps (linear/mse, gaussian/mse)"
    panel.reset_patterns()
    assert panel.result.state == "original patterns"
    assert panel.matrix_fig.layout.title.text.startswith("original patterns: predicted vs target (loss ")


def test_silent_patterns_of_a_batch_are_named():
    spikes = torch.tensor([[1.0, 0.0, 1.0], [0.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    labels = torch.tensor([[1, 0], [0, 1], [0, 1]])
    panel = SimilarityExplorer(spikes, labels, device="cpu", throttle_ms=0)
    assert panel.result.silent == 1
    assert panel.result.note == "1 of 3 patterns are silent (no spike): their rows and columns are 0"
    panel = SimilarityExplorer(torch.zeros(3, 3), labels, device="cpu", throttle_ms=0)
    assert panel.result.note.startswith("every pattern is silent: all 3 spike counts are 0, every predicted")
