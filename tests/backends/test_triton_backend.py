"""The fused Triton neuron backend against the torch backend (the reference) and SPEC's traces.

Without a GPU the kernels run in the Triton interpreter on CPU tensors (the root conftest sets
TRITON_INTERPRET=1); with a GPU the same tests run the compiled kernels on CUDA tensors.
Sizes are small (T=5, N=37: two programs of 32 under the interpreter, the second with a tail).
"""

import itertools
import math

import pytest
import torch

pytest.importorskip("triton")

from snnlab import surrogate
from snnlab.backends import NeuronConfig, torch_backend, triton_backend
from snnlab.backends.triton_kernels import interpreting
from snnlab.errors import UnknownOptionError


@pytest.fixture
def device(triton_device):
    """This module's tensors go where Triton kernels run: CPU tensors only under the interpreter."""
    return triton_device


ANY_DEVICE = "cpu" if interpreting() else "cuda"
T, N = 5, 37


def make_cfg(
    kind="lif",
    decay_input=True,
    v_reset=0.0,
    detach_reset=False,
    surrogate="sigmoid",
    store_v_seq=False,
    v_threshold=1.0,
):
    alpha = 4.0 if surrogate == "sigmoid" else 2.0
    return NeuronConfig(
        "if" if kind == "if" else "lif", decay_input, v_threshold, v_reset, detach_reset, surrogate, alpha, store_v_seq
    )


def make_inputs(device, dtype=torch.float32, shape=(T, N), seed=0, kind="lif"):
    g = torch.Generator().manual_seed(seed)
    x = (torch.rand(shape, generator=g) * 3.5 - 0.5).to(device=device, dtype=dtype)
    v0 = (torch.rand(shape[1:], generator=g) * 0.9 - 0.3).to(device=device, dtype=dtype)
    if kind == "plif":
        k = torch.sigmoid(torch.tensor(0.3, device=device))  # a 0-d PLIF leak sigmoid(w)
    elif kind == "lif":
        k = 1.0 / 3.0  # not a power of two: the charge must round exactly like the reference
    else:
        k = 0.0
    return x, v0, k


def run(backend, cfg, x, v0, k, weights=None):
    """Forward + backward of ``sum(w_s * spikes) + sum(w_v * v_out)``; returns outputs and grads."""
    x = x.detach().clone().requires_grad_()
    v0 = v0.detach().clone().requires_grad_()
    w = None
    if isinstance(k, torch.Tensor):
        w = torch.logit(k.detach().double()).float().requires_grad_()  # k = sigmoid(w), as PLIF does
        k = torch.sigmoid(w)
    spikes, v_out = backend.multi_step(cfg, x, v0, k)
    ws, wv = weights if weights is not None else (torch.ones_like(spikes), torch.ones_like(v_out))
    ((spikes * ws).sum() + (v_out * wv).float().sum()).backward()
    return spikes.detach(), v_out.detach(), x.grad, v0.grad, (w.grad if w is not None else None)


def random_weights(x, cfg, seed=1):
    g = torch.Generator().manual_seed(seed)
    ws = torch.rand(x.shape, generator=g).to(x)
    wv = torch.rand(x.shape if cfg.store_v_seq else x.shape[1:], generator=g).to(x)
    return ws, wv


def assert_matches(got, ref, atol=1e-5, rtol=1e-5):
    """Spikes identical; v, input and v_init gradients close (compared in ``got``'s dtype); the leak
    parameter's gradient (fp32 in both) within ``max(rtol, 1e-5)`` relative."""
    s, v, gx, gv, gw = got
    s_ref, v_ref, gx_ref, gv_ref, gw_ref = ref
    assert torch.equal(s, s_ref.to(s.dtype))
    for a, b in ((v, v_ref), (gx, gx_ref), (gv, gv_ref)):
        torch.testing.assert_close(a, b.to(a.dtype), atol=atol, rtol=rtol)
    assert (gw is None) == (gw_ref is None)
    if gw_ref is not None:
        torch.testing.assert_close(gw, gw_ref, atol=0.0, rtol=max(rtol, 1e-5))


# Every (neuron, decay_input, reset, detach_reset) combination; the surrogate and store_v_seq cycle
# through their values so each of them meets every neuron and reset mode.
_COMBOS = [
    c
    for c in itertools.product(("if", "lif", "plif"), (True, False), (0.0, None, -0.5), (False, True))
    if not (c[0] == "if" and not c[1])
]
CASES = [(*c, ("sigmoid", "atan")[i % 2], bool((i // 2) % 2)) for i, c in enumerate(_COMBOS)]


@pytest.mark.parametrize("kind,decay_input,v_reset,detach_reset,surrogate,store_v_seq", CASES)
def test_matches_torch_backend_fp32(kind, decay_input, v_reset, detach_reset, surrogate, store_v_seq):
    cfg = make_cfg(kind, decay_input, v_reset, detach_reset, surrogate, store_v_seq)
    x, v0, k = make_inputs(ANY_DEVICE, kind=kind)
    weights = random_weights(x, cfg)
    got = run(triton_backend, cfg, x, v0, k, weights)
    ref = run(torch_backend, cfg, x, v0, k, weights)
    assert 0 < got[0].sum() < got[0].numel()  # the inputs make some, not all, neurons fire
    assert_matches(got, ref)


@pytest.mark.parametrize("dtype,tol", [(torch.float16, 1e-2), (torch.bfloat16, 6e-2)])
@pytest.mark.parametrize("kind,v_reset", [("lif", 0.0), ("plif", None)])
def test_16bit_against_fp32_torch_backend(device, dtype, tol, kind, v_reset):
    cfg = make_cfg(kind, True, v_reset, False, "sigmoid", True)
    x, v0, k = make_inputs(device, dtype=dtype, kind=kind, seed=3)
    got = run(triton_backend, cfg, x, v0, k)
    assert got[0].dtype == dtype and got[1].dtype == dtype and got[2].dtype == dtype
    ref = run(torch_backend, cfg, x.float(), v0.float(), k)
    assert_matches(got, ref, atol=tol, rtol=tol)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_16bit_storage_rounds_to_nearest_even(device, dtype):
    # one LIF step from v = 0 without a spike: v_out = h = x * k, computed in fp32, then stored
    cfg = make_cfg("lif", True, 0.0)
    x = (torch.linspace(0.01, 2.5, 97) * 1.0137).to(dtype)
    v0 = torch.zeros(97, device=device, dtype=dtype)
    s, v = triton_backend.multi_step(cfg, x.to(device).reshape(1, -1), v0, 1 / 3)
    h = torch.zeros(97) + (x.float() - torch.zeros(97)) * (1 / 3)
    assert torch.equal(s.cpu().flatten(), (h.to(dtype).float() >= 1.0).to(dtype))
    assert torch.equal(v.cpu(), torch.where(h.to(dtype).float() >= 1.0, torch.zeros(()), h).to(dtype))


def test_tensor_threshold_broadcasts_like_torch_backend(device):
    x, v0, _ = make_inputs(device, shape=(T, 3, 13))
    theta = torch.tensor([[0.8], [1.0], [1.3]], device=device)  # one threshold per row, broadcast to [3, 13]
    for v_reset in (0.0, None):
        cfg = make_cfg("lif", False, v_reset, False, "atan", True, v_threshold=theta)
        weights = random_weights(x, cfg)
        assert_matches(run(triton_backend, cfg, x, v0, 0.5, weights), run(torch_backend, cfg, x, v0, 0.5, weights))


def test_gradient_through_spikes_only_or_v_only(device):
    cfg = make_cfg("lif", True, 0.0, False, "sigmoid", False)
    x, v0, k = make_inputs(device)
    for pick in (0, 1):
        grads = []
        for backend in (triton_backend, torch_backend):
            xr = x.clone().requires_grad_()
            out = backend.multi_step(cfg, xr, v0, k)
            out[pick].sum().backward()
            grads.append(xr.grad)
        torch.testing.assert_close(grads[0], grads[1], atol=1e-5, rtol=1e-5)


def test_layout_noncontiguous_and_no_grad(device):
    cfg = make_cfg("lif", False, None, True, "atan", True)
    base = make_inputs(device, shape=(2, 4, T))[0]
    x = base.permute(2, 0, 1)  # [T, 2, 4], not contiguous
    v0 = torch.zeros(2, 4, device=device)
    weights = random_weights(x, cfg)
    assert_matches(run(triton_backend, cfg, x, v0, 0.25, weights), run(torch_backend, cfg, x, v0, 0.25, weights))
    with torch.no_grad():
        s, v = triton_backend.multi_step(cfg, x.requires_grad_(), v0, 0.25)
    assert s.grad_fn is None and s.shape == (T, 2, 4) and v.shape == (T, 2, 4)
    s_ref, v_ref = torch_backend.multi_step(cfg, x.detach(), v0, 0.25)
    assert torch.equal(s, s_ref)
    torch.testing.assert_close(v, v_ref)


def test_empty_neuron_dim(device):
    cfg = make_cfg("if", True, 0.0, False, "sigmoid", False)
    x = torch.zeros(T, 0, device=device, requires_grad=True)
    s, v = triton_backend.multi_step(cfg, x, torch.zeros(0, device=device), 0.0)
    assert s.shape == (T, 0) and v.shape == (0,)
    s.sum().backward()
    assert x.grad.shape == (T, 0)


def test_spec_if_traces():
    x = torch.tensor([0.5, 0.5, 0.5, 1.0, 2.0], device=ANY_DEVICE).reshape(5, 1)
    for v_reset, v_expected in ((0.0, [0.5, 0.0, 0.5, 0.0, 0.0]), (None, [0.5, 0.0, 0.5, 0.5, 1.5])):
        s, v = triton_backend.multi_step(
            make_cfg("if", True, v_reset, store_v_seq=True), x, torch.zeros(1, device=ANY_DEVICE)
        )
        assert s.flatten().tolist() == [0.0, 1.0, 0.0, 1.0, 1.0]
        torch.testing.assert_close(v.flatten().cpu(), torch.tensor(v_expected))


@pytest.mark.parametrize(
    "decay_input,v_reset,spikes,v_expected",
    [
        (True, 0.0, [0, 0, 0, 0], [0.4, 0.6, 0.7, 0.75]),
        (True, None, [0, 0, 0, 0], [0.4, 0.6, 0.7, 0.75]),
        (True, -0.5, [0, 0, 0, 0], [-0.1, 0.1, 0.2, 0.25]),
        (False, 0.0, [0, 1, 0, 1], [0.8, 0.0, 0.8, 0.0]),
        (False, None, [0, 1, 0, 1], [0.8, 0.2, 0.9, 0.25]),
        (False, -0.5, [0, 0, 0, 1], [0.3, 0.7, 0.9, -0.5]),
    ],
)
def test_spec_lif_table(decay_input, v_reset, spikes, v_expected):
    x = torch.full((4, 1), 0.8, device=ANY_DEVICE)
    v0 = torch.full((1,), 0.0 if v_reset is None else v_reset, device=ANY_DEVICE)
    s, v = triton_backend.multi_step(make_cfg("lif", decay_input, v_reset, store_v_seq=True), x, v0, 0.5)
    assert s.flatten().tolist() == [float(b) for b in spikes]
    torch.testing.assert_close(v.flatten().cpu(), torch.tensor(v_expected))


def test_detach_reset_gradient_closed_form():
    # IF, hard reset to 0, x = [1.5, 0.5]: step 0 fires (h0 = 1.5) and resets; step 1 has h1 = 0.5.
    # d s1 / d x0 = sg(h1 - 1) * dv0/dh0 with dv0/dh0 = (0 - h0) * sg(h0 - 1), or 0 with detach_reset.
    sg = surrogate.Sigmoid(4.0).derivative
    coupled = (sg(torch.tensor(-0.5)) * (-1.5) * sg(torch.tensor(0.5))).item()
    for detach_reset, expected in ((False, coupled), (True, 0.0)):
        x = torch.tensor([[1.5], [0.5]], device=ANY_DEVICE, requires_grad=True)
        s, _ = triton_backend.multi_step(make_cfg("if", True, 0.0, detach_reset), x, torch.zeros(1, device=ANY_DEVICE))
        s[1].sum().backward()
        assert math.isclose(x.grad[0].item(), expected, rel_tol=1e-6, abs_tol=1e-7)
        assert x.grad[1].item() == pytest.approx(sg(torch.tensor(-0.5)).item(), rel=1e-6)


def test_float64_runs_on_the_torch_backend():
    cfg = make_cfg("lif", True, 0.0)
    x, v0, k = make_inputs("cpu", dtype=torch.float64)
    got, ref = triton_backend.multi_step(cfg, x, v0, k), torch_backend.multi_step(cfg, x, v0, k)
    assert torch.equal(got[0], ref[0]) and torch.equal(got[1], ref[1])


def test_bad_arguments_raise_before_launch():
    cfg = make_cfg("lif")
    x, v0, _ = make_inputs(ANY_DEVICE)
    with pytest.raises(ValueError, match=r"triton backend: v_init must have shape \[37\].*got shape \[36\]"):
        triton_backend.multi_step(cfg, x, v0[:36], 0.5)
    with pytest.raises(ValueError, match="v_init must have dtype torch.float32 like x_seq, got torch.float16"):
        triton_backend.multi_step(cfg, x, v0.half(), 0.5)
    with pytest.raises(ValueError, match=r"x_seq must have T >= 1 steps, got shape \[0, 37\]"):
        triton_backend.multi_step(cfg, x[:0], v0, 0.5)
    with pytest.raises(TypeError, match="k must be a float or a 0-d tensor for charge='lif', got None"):
        triton_backend.multi_step(cfg, x, v0, None)
    with pytest.raises(ValueError, match="k must be a float or a 1-element tensor"):
        triton_backend.multi_step(cfg, x, v0, torch.ones(2, device=ANY_DEVICE))
    with pytest.raises(TypeError, match="cfg must be a NeuronConfig, got an object of type dict"):
        triton_backend.multi_step({}, x, v0, 0.5)
    with pytest.raises(
        UnknownOptionError, match="NeuronConfig: surrogate must be one of 'sigmoid', 'atan', 'erf', .*, got 'relu'"
    ):
        triton_backend.multi_step(NeuronConfig("lif", True, 1.0, 0.0, False, "relu", 1.0, False), x, v0, 0.5)
    bad_theta = make_cfg(v_threshold=torch.ones(3, device=ANY_DEVICE))
    with pytest.raises(ValueError, match=r"cfg.v_threshold must broadcast to v of shape \[37\]"):
        triton_backend.multi_step(bad_theta, x, v0, 0.5)


@pytest.mark.skipif(not interpreting(), reason="checks the CPU-tensor guard, needs the interpreter setup")
def test_cpu_tensor_without_interpreter_is_rejected(monkeypatch):
    monkeypatch.setenv("TRITON_INTERPRET", "0")
    x, v0, _ = make_inputs("cpu")
    with pytest.raises(ValueError, match="triton backend: x_seq must be a CUDA tensor, got a tensor on cpu"):
        triton_backend.multi_step(make_cfg(), x, v0, 0.5)


def test_tensors_on_another_device_than_x_seq_are_rejected():
    x, v0, _ = make_inputs(ANY_DEVICE)
    where = f"must be on {x.device} like x_seq, got a tensor on meta"
    with pytest.raises(ValueError, match=f"triton backend: v_init {where}"):
        triton_backend.multi_step(make_cfg(), x, v0.to("meta"), 0.5)
    k = torch.tensor(0.5, device="meta", requires_grad=True)
    with pytest.raises(ValueError, match=f"triton backend: k {where}"):
        triton_backend.multi_step(make_cfg(), x, v0, k)


@pytest.mark.parametrize("name", ["IFNode", "LIFNode", "ParametricLIFNode"])
def test_neurons_with_triton_backend(device, name, monkeypatch):
    # set_backend('triton') on the neuron modules; on the CPU the interpreter stands in for the GPU
    from snnlab import backends, functional, neuron

    if device == "cpu":
        monkeypatch.setattr(backends, "triton_available", lambda: True)
    x = make_inputs(device, shape=(T, 4, 37))[0]
    results = []
    for backend in ("torch", "triton"):
        node = getattr(neuron, name)(step_mode="m", store_v_seq=True).to(device)
        functional.set_backend(node, backend)
        assert node.backend == backend
        xr = x.clone().requires_grad_()
        spikes = torch.cat([node(xr[:3]), node(xr[3:])])  # the second call starts from the first's v
        (spikes.sum() + node.v_seq.square().sum()).backward()
        params = [p.grad for p in node.parameters()]
        results.append((spikes, node.v_seq, xr.grad, params))
    (s0, v0, g0, p0), (s1, v1, g1, p1) = results
    assert torch.equal(s0, s1)
    torch.testing.assert_close(v1, v0)
    torch.testing.assert_close(g1, g0, atol=1e-5, rtol=1e-5)
    for a, b in zip(p1, p0):
        torch.testing.assert_close(a, b, atol=0.0, rtol=1e-5)


@pytest.mark.skipif(not interpreting(), reason="drives the GPU launch logic through the interpreter")
def test_gpu_launch_paths_under_the_interpreter(monkeypatch):
    # The GPU dispatch (a fixed config for few neurons, autotuned above) runs here on the
    # interpreter; a stand-in benchmarker makes the autotuner run every config, then pick one with
    # fewer programs than the first it tried, so stale per-program results would show in grad_k.
    from snnlab.backends import triton_kernels

    monkeypatch.setattr(triton_kernels, "interpreting", lambda: False)
    monkeypatch.setattr(triton_backend, "_launchers", {})
    monkeypatch.setattr(triton_backend, "_chosen", {})
    monkeypatch.setattr(triton_backend, "_check_devices", lambda x_seq, **others: x_seq.device)
    monkeypatch.setattr(triton_backend, "_GPU_CONFIGS", ((32, 4), (128, 8)))  # small blocks, for speed
    monkeypatch.setattr(triton_backend, "_SMALL_N", 64)
    launchers = triton_backend._kernels()
    for _, _, tuned in launchers.values():
        order = iter(range(100, 0, -1))
        tuned.do_bench = lambda fn, quantiles=None, order=order: (fn(), [float(next(order))] * 3)[1]
    cfg = make_cfg("plif", True, 0.0)
    for n in (50, 300):
        x, v0, k = make_inputs("cpu", shape=(2, n), kind="plif")
        got, ref = run(triton_backend, cfg, x, v0, k), run(torch_backend, cfg, x, v0, k)
        assert_matches(got, ref)
    assert all(len(tuned.cache) == 1 for _, _, tuned in launchers.values())
    # another variant of the same size is tuned on its own (its registers and traffic differ)
    x, v0, _ = make_inputs("cpu", shape=(2, 300))
    cfg = make_cfg("lif", True, None, False, "atan", True)
    assert_matches(run(triton_backend, cfg, x, v0, 0.5), run(torch_backend, cfg, x, v0, 0.5))
    assert all(len(tuned.cache) == 2 for _, _, tuned in launchers.values())
    # the stand-in timings make the last candidate (BLOCK 128, 8 warps) the choice, for all four launches
    assert len(triton_backend._chosen) == 4
    assert all(c["BLOCK"] == 128 and c["num_warps"] == 8 for c in triton_backend._chosen.values())
    # a known case goes straight to the plain kernel with that config; the autotuner is not asked again
    for _, _, tuned in launchers.values():
        monkeypatch.setattr(tuned, "run", lambda *a, **k: pytest.fail("autotuner called for a known case"))
    assert_matches(run(triton_backend, cfg, x, v0, 0.5), run(torch_backend, cfg, x, v0, 0.5))


@pytest.mark.parametrize("kind,v_reset", [("lif", 0.0), ("plif", None)])
def test_input_gradient_reuses_saved_h_unless_the_graph_is_kept(device, kind, v_reset):
    cfg = make_cfg(kind, True, v_reset, False, "sigmoid", False)
    x, v0, k = make_inputs(device, kind=kind)
    saved = []

    def pack(t):
        saved.append(t.data_ptr())
        return t

    def grads(retain):
        xr = x.clone().requires_grad_()
        kk = k.clone().requires_grad_() if isinstance(k, torch.Tensor) else k
        saved.clear()
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            spikes, v_last = triton_backend.multi_step(cfg, xr, v0, kk)
        loss = (spikes * torch.arange(1.0, N + 1, device=device)).sum() + v_last.sum()
        if retain is None:  # .backward(): x.grad takes the buffer over, no copy
            loss.backward()
            return xr.grad, set(saved)
        first = torch.autograd.grad(loss, xr, retain_graph=retain)[0]
        if retain:  # the saved h survived the first backward: a second one gives the same gradient
            assert torch.equal(torch.autograd.grad(loss, xr)[0], first)
        return first, set(saved)

    kept, kept_saved = grads(retain=True)
    reused, reused_saved = grads(retain=False)
    assert kept.data_ptr() not in kept_saved
    assert reused.data_ptr() in reused_saved  # written over the saved pre-spike potentials
    assert torch.equal(kept, reused)
    accumulated, accumulated_saved = grads(retain=None)
    assert accumulated.data_ptr() in accumulated_saved and torch.equal(accumulated, kept)


@pytest.mark.parametrize("n,row_align", [(37, 1), (38, 2), (44, 4), (40, 8), (48, 16)])
def test_every_row_alignment_matches_torch_backend(n, row_align):
    # N's largest power-of-2 divisor (at most 16) is the kernels' ROW_ALIGN; under the interpreter
    # BLOCK is 32, so each N here ends in a partial program whose mask is written per aligned group
    assert triton_backend._row_align(n) == row_align
    for kind, v_reset, store_v_seq in (("plif", 0.0, True), ("lif", None, False)):
        cfg = make_cfg(kind, True, v_reset, False, "atan", store_v_seq)
        x, v0, k = make_inputs(ANY_DEVICE, shape=(T, n), kind=kind, seed=n)
        weights = random_weights(x, cfg)
        assert_matches(run(triton_backend, cfg, x, v0, k, weights), run(torch_backend, cfg, x, v0, k, weights))
