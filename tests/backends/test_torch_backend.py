"""The fused 'torch' backend against autograd through a plain per-step loop (float64)."""

import itertools

import pytest
import torch
from torch.testing import assert_close

from snnlab import neuron, surrogate
from snnlab.backends import NeuronConfig
from snnlab.backends.torch_backend import multi_step

SURROGATES = {"sigmoid": surrogate.Sigmoid(alpha=4.0), "atan": surrogate.ATan(alpha=2.0)}


def reference(cfg, x_seq, v_init, k):
    """Autograd through the step loop, formulas written out from the SpikingJelly table."""
    sg, r, theta = SURROGATES[cfg.surrogate], cfg.v_reset, cfg.v_threshold
    v, spikes, vs = v_init, [], []
    for x in x_seq:
        if cfg.charge == "if":
            h = v + x
        elif cfg.decay_input:
            h = v + (x - v) * k if not r else v + (x - (v - r)) * k
        else:
            h = v * (1 - k) + x if not r else v - (v - r) * k + x
        s = sg(h - theta)
        sd = s.detach() if cfg.detach_reset else s
        v = h - sd * theta if r is None else (1 - sd) * h + sd * r
        spikes.append(s)
        vs.append(v)
    return torch.stack(spikes), (torch.stack(vs) if cfg.store_v_seq else v)


CASES = [
    (charge, learn_k, v_reset, decay_input, detach, sg, store, tensor_theta)
    for charge, learn_k in (("if", False), ("lif", False), ("lif", True))
    for v_reset, decay_input, detach, sg, store, tensor_theta in itertools.product(
        (0.0, -0.3, None), (True, False), (False, True), ("sigmoid", "atan"), (False, True), (False, True)
    )
    if charge == "lif" or decay_input
]


@pytest.mark.parametrize("charge, learn_k, v_reset, decay_input, detach, sg, store, tensor_theta", CASES)
def test_fused_matches_autograd_loop(charge, learn_k, v_reset, decay_input, detach, sg, store, tensor_theta):
    gen = torch.Generator().manual_seed(
        CASES.index((charge, learn_k, v_reset, decay_input, detach, sg, store, tensor_theta))
    )
    f64 = dict(dtype=torch.float64)
    theta = torch.rand(3, 4, generator=gen, **f64) * 0.5 + 0.75 if tensor_theta else 1.0
    cfg = NeuronConfig(
        charge=charge,
        decay_input=decay_input,
        v_threshold=theta,
        v_reset=v_reset,
        detach_reset=detach,
        surrogate=sg,
        alpha=SURROGATES[sg].alpha,
        store_v_seq=store,
    )
    x = (torch.rand(6, 3, 4, generator=gen, **f64) * 2.4 - 0.2).requires_grad_()
    v0 = (torch.rand(3, 4, generator=gen, **f64) * 0.6).requires_grad_()
    k = torch.tensor(0.35, **f64, requires_grad=True) if learn_k else 1.0 / 3.0
    inputs = [x, v0] + ([k] if learn_k else [])
    w_s = torch.rand(6, 3, 4, generator=gen, **f64)
    w_v = torch.rand(*((6, 3, 4) if store else (3, 4)), generator=gen, **f64)

    results = []
    for fn in (multi_step, reference):
        spikes, v_out = fn(cfg, x, v0, k)
        loss = (spikes * w_s).sum() + (v_out * w_v).sum()
        results.append((spikes.detach(), v_out.detach(), torch.autograd.grad(loss, inputs)))
    (s_f, v_f, g_f), (s_r, v_r, g_r) = results
    assert s_f.any() and not s_f.all()  # the inputs exercise both branches
    assert torch.equal(s_f, s_r)
    assert_close(v_f, v_r)
    for got, want in zip(g_f, g_r):
        assert_close(got, want)


def test_fused_float32_spikes_identical_to_loop(device):
    torch.manual_seed(1)
    x = (torch.rand(16, 8, 32, device=device) * 1.5).requires_grad_()
    cfg = NeuronConfig(
        charge="lif",
        decay_input=True,
        v_threshold=1.0,
        v_reset=0.0,
        detach_reset=False,
        surrogate="sigmoid",
        alpha=4.0,
        store_v_seq=False,
    )
    s_f, v_f = multi_step(cfg, x, torch.zeros(8, 32, device=device), 0.5)
    s_r, v_r = reference(cfg, x, torch.zeros(8, 32, device=device), 0.5)
    assert torch.equal(s_f, s_r) and torch.equal(v_f, v_r)
    (g_f,) = torch.autograd.grad(s_f.sum(), x)
    (g_r,) = torch.autograd.grad(s_r.sum(), x)
    assert_close(g_f, g_r)
    assert s_f.device.type == device and s_f.dtype == torch.float32


def test_only_h_seq_is_saved_for_if_and_lif():
    saved = []

    def pack(t):
        saved.append(t.numel())
        return t

    x = torch.rand(5, 7, requires_grad=True)
    for charge in ("if", "lif"):
        saved.clear()
        cfg = NeuronConfig(
            charge=charge,
            decay_input=True,
            v_threshold=1.0,
            v_reset=0.0,
            detach_reset=False,
            surrogate="atan",
            alpha=2.0,
            store_v_seq=True,
        )
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            multi_step(cfg, x, torch.zeros(7), 0.5)
        assert saved == [35]  # h_seq [T, N] only


@pytest.mark.parametrize("store", [False, True])
def test_inference_keeps_no_sequence_of_potentials(monkeypatch, store):
    # without a gradient to compute, forward allocates the spikes (and v_seq) as [T, N], and h one step at a time
    cfg = NeuronConfig(
        charge="lif",
        decay_input=True,
        v_threshold=1.0,
        v_reset=0.0,
        detach_reset=False,
        surrogate="atan",
        alpha=2.0,
        store_v_seq=store,
    )
    x = torch.rand(6, 5) * 2
    shapes = []
    real = torch.empty_like

    def counting(t, *args, **kwargs):
        shapes.append(tuple(t.shape))
        return real(t, *args, **kwargs)

    with_grad = multi_step(cfg, x.clone().requires_grad_(True), torch.zeros(5), 0.5)
    monkeypatch.setattr(torch, "empty_like", counting)
    for no_gradient in (torch.no_grad, torch.enable_grad):
        shapes.clear()
        with no_gradient():
            result = multi_step(cfg, x, torch.zeros(5), 0.5)  # nothing requires a gradient
        assert shapes.count((6, 5)) == (2 if store else 1), shapes
        for got, expected in zip(result, with_grad, strict=True):  # the same values as when h is kept
            assert torch.equal(got, expected.detach())
    shapes.clear()
    multi_step(cfg, x.clone().requires_grad_(True), torch.zeros(5), 0.5)
    assert shapes.count((6, 5)) == (3 if store else 2), shapes  # h_seq kept for backward


def test_multi_step_rejects_bad_shapes():
    cfg = NeuronConfig(
        charge="if",
        decay_input=True,
        v_threshold=1.0,
        v_reset=0.0,
        detach_reset=False,
        surrogate="sigmoid",
        alpha=4.0,
        store_v_seq=False,
    )
    with pytest.raises(ValueError, match=r"multi_step: x_seq must be a tensor \[T, \*\] with T >= 1, got \[0, 3\]"):
        multi_step(cfg, torch.zeros(0, 3), torch.zeros(3), 0.0)
    with pytest.raises(ValueError, match=r"multi_step: v_init must be a tensor of shape \[3\], got \[2\]"):
        multi_step(cfg, torch.zeros(4, 3), torch.zeros(2), 0.0)


# ----------------------------------------------------------------------------- neuron dispatch
class ShiftedIF(neuron.IFNode):
    def neuronal_charge(self, x):
        self.v = self.v + 2.0 * x


def test_neuron_uses_fused_backend_only_for_builtin_dynamics():
    x = torch.rand(4, 3)
    assert neuron.LIFNode(step_mode="m")._fusion_blocker(x) is None
    assert neuron.ParametricLIFNode(step_mode="m")._fusion_blocker(x) is None
    assert ShiftedIF(step_mode="m")._fusion_blocker(x) is not None
    custom = neuron.IFNode(step_mode="m", surrogate_function=lambda z: (z >= 0).to(z))
    assert custom._fusion_blocker(x).startswith("surrogate_function is an object of type function, not a surrogate")
    node = neuron.IFNode(step_mode="m")
    node.v_threshold = torch.ones(3, requires_grad=True)
    assert node._fusion_blocker(x) is not None
    node = neuron.IFNode(step_mode="m", surrogate_function=surrogate.Sigmoid(spiking=False))
    assert node._fusion_blocker(x).startswith("Sigmoid(alpha=4.0, spiking=False) has spiking=False")


class NoisyIF(neuron.IFNode):
    def single_step_forward(self, x):
        return super().single_step_forward(x + 0.5)


def test_overridden_single_step_forward_used_by_multi_step():
    node = NoisyIF(step_mode="m", store_v_seq=True)
    assert "overrides single_step_forward" in node._fusion_blocker(torch.zeros(2, 1))
    out = node(torch.full((3, 1), 0.25))
    assert out.flatten().tolist() == [0.0, 1.0, 0.0]
    assert node.v_seq.flatten().tolist() == [0.75, 0.0, 0.75]


@pytest.mark.parametrize("training", [True, False])
def test_overridden_charge_respected_in_both_modes(training):
    x = torch.full((3, 1), 0.6)
    for step_mode in ("s", "m"):
        node = ShiftedIF(step_mode=step_mode).train(training)
        out = node(x) if step_mode == "m" else torch.stack([node(x[t]) for t in range(3)])
        assert out.flatten().tolist() == [1.0, 1.0, 1.0]  # 1.2 >= 1 every step after the hard reset


@pytest.mark.parametrize("make", [neuron.IFNode, neuron.LIFNode, neuron.ParametricLIFNode])
@pytest.mark.parametrize("v_reset", [0.0, None])
def test_eval_spikes_equal_training_spikes(make, v_reset):
    torch.manual_seed(2)
    x = torch.rand(8, 2, 5) * 1.5
    outs = []
    for training in (True, False):
        node = make(v_reset=v_reset, step_mode="m").train(training)
        node.v_threshold = torch.tensor([0.8, 1.2]).view(2, 1)  # per-sample threshold
        outs.append((node(x), node.v))
    assert torch.equal(outs[0][0], outs[1][0])
    assert_close(outs[0][1], outs[1][1])


def test_tensor_threshold_soft_reset_single_step_eval():
    node = neuron.IFNode(v_reset=None).eval()
    node.v_threshold = torch.tensor([1.0, 0.5])
    spikes = [node(torch.tensor([0.6, 0.6])).tolist() for _ in range(3)]
    assert spikes == [[0, 1], [1, 1], [0, 1]]
    assert_close(node.v, torch.tensor([0.8, 0.3]))


def test_neuron_fused_path_sets_state_and_grad_of_initial_v():
    x = torch.rand(5, 2, 3, dtype=torch.float64)
    v0 = torch.rand(2, 3, dtype=torch.float64, requires_grad=True)
    got = []
    for fused in (True, False):
        node = neuron.LIFNode(tau=3.0, step_mode="m", store_v_seq=True)
        if not fused:
            node._fusion_blocker = lambda x_seq: "unfused"
        node.v = v0
        s = node(x)
        assert torch.equal(node.v, node.v_seq[-1])
        got.append((s, node.v_seq, torch.autograd.grad((node.v_seq**2).sum(), v0)[0]))
    assert torch.equal(got[0][0], got[1][0])
    assert_close(got[0][1], got[1][1])
    assert_close(got[0][2], got[1][2])


@pytest.mark.parametrize("v_reset", [0.0, None])
def test_repeated_backward_with_retain_graph_gives_identical_gradients(v_reset):
    """Backward reuses the saved h_seq as its gradient buffer only when the graph is not kept."""
    cfg = NeuronConfig(
        charge="lif",
        decay_input=True,
        v_threshold=1.0,
        v_reset=v_reset,
        detach_reset=False,
        surrogate="sigmoid",
        alpha=4.0,
        store_v_seq=False,
    )
    x = (torch.rand(6, 5, generator=torch.Generator().manual_seed(0)) * 1.5).requires_grad_()
    spikes, v_last = multi_step(cfg, x, torch.zeros(5), 0.5)
    loss = spikes.sum() + v_last.sum()
    grads = [torch.autograd.grad(loss, x, retain_graph=True)[0] for _ in range(3)]
    assert torch.equal(grads[0], grads[1]) and torch.equal(grads[1], grads[2])
    loss.backward(retain_graph=True)
    loss.backward()
    assert_close(x.grad, 2 * grads[0])
    x_ref = x.detach().double().requires_grad_()
    ref_spikes, ref_v_last = reference(cfg, x_ref, torch.zeros(5, dtype=torch.float64), 0.5)
    (ref_spikes.sum() + ref_v_last.sum()).backward()
    assert_close(grads[0].double(), x_ref.grad, rtol=1e-5, atol=1e-6)


# ----------------------------------------------------------------------------- configuration and precision
@pytest.mark.parametrize(
    "field, value, match",
    [
        ("charge", "IF", r"NeuronConfig: charge must be one of 'if', 'lif'"),
        ("charge", "banana", r"NeuronConfig: charge must be one of 'if', 'lif'"),
        ("surrogate", "relu", r"NeuronConfig: surrogate must be one of 'sigmoid', 'atan', 'erf', .*, got 'relu'"),
    ],
)
def test_neuron_config_refuses_unknown_names(field, value, match):
    fields = dict(
        charge="lif",
        decay_input=True,
        v_threshold=1.0,
        v_reset=0.0,
        detach_reset=False,
        surrogate="sigmoid",
        alpha=4.0,
        store_v_seq=False,
    )
    fields[field] = value
    with pytest.raises(ValueError, match=match):
        NeuronConfig(**fields)


def test_plif_leak_gradient_stays_finite_with_half_inputs_on_large_layers():
    torch.manual_seed(0)
    x = torch.rand(8, 64, 4096) * 2
    grads = {}
    for dtype in (torch.float16, torch.float32):
        node = neuron.ParametricLIFNode(step_mode="m", v_reset=None)
        node(x.to(dtype)).float().sum().backward()
        grads[dtype] = node.w.grad
    assert torch.isfinite(grads[torch.float16]).all()
    assert_close(grads[torch.float16], grads[torch.float32], rtol=2e-2, atol=0.0)
