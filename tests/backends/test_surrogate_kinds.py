"""Every registered surrogate in the fused backends: the torch backend (float64 and float32) and the
Triton kernels (interpreter on CPU, compiled on CUDA) against autograd through the step loop; and
the neuron's warning when its surrogate cannot be fused."""

import os
import warnings

import pytest
import torch
from torch.testing import assert_close

from snnlab import backends, neuron, surrogate
from snnlab.backends import NeuronConfig, torch_backend
from snnlab.backends.config import surrogate_params
from snnlab.registry.surrogates import SURROGATE_KINDS, fused_surrogate

from ..surrogate.cases import PARAMS, build


def config(kind, v_reset=0.0, store_v_seq=False):
    params = PARAMS[kind]
    return NeuronConfig("lif", True, 1.0, v_reset, False, kind, params[0] if len(params) == 1 else params, store_v_seq)


def loop_reference(sg, cfg, x_seq, v_init, k):
    """Autograd through a per-step LIF loop that calls the surrogate object itself."""
    v, spikes, vs = v_init, [], []
    for x in x_seq:
        h = v + (x - v) * k
        s = sg(h - cfg.v_threshold)
        v = h - s * cfg.v_threshold if cfg.v_reset is None else (1 - s) * h + s * cfg.v_reset
        spikes.append(s)
        vs.append(v)
    return torch.stack(spikes), (torch.stack(vs) if cfg.store_v_seq else v)


def inputs(dtype, device="cpu", shape=(6, 37), seed=0):
    g = torch.Generator().manual_seed(seed)
    x = (torch.rand(shape, generator=g, dtype=torch.float64) * 3.0 - 0.5).to(device=device, dtype=dtype)
    v0 = (torch.rand(shape[1:], generator=g, dtype=torch.float64) * 0.8 - 0.2).to(device=device, dtype=dtype)
    w = torch.rand(shape, generator=g, dtype=torch.float64).to(device=device, dtype=dtype)
    return x, v0, w


def forward_backward(fn, x, v0, w):
    x = x.detach().clone().requires_grad_(True)
    v0 = v0.detach().clone().requires_grad_(True)
    spikes, v_out = fn(x, v0)
    grads = torch.autograd.grad((spikes * w).sum() + v_out.sum(), (x, v0))
    return spikes.detach(), v_out.detach(), *grads


@pytest.mark.parametrize("kind", SURROGATE_KINDS)
@pytest.mark.parametrize("dtype, tol", [(torch.float64, 1e-12), (torch.float32, 2e-5)])
@pytest.mark.parametrize("v_reset", [0.0, None])
def test_torch_backend_matches_the_step_loop(kind, dtype, tol, v_reset):
    cfg, sg = config(kind, v_reset, store_v_seq=v_reset is None), build(kind)
    x, v0, w = inputs(dtype)
    got = forward_backward(lambda a, b: torch_backend.multi_step(cfg, a, b, 0.5), x, v0, w)
    want = forward_backward(lambda a, b: loop_reference(sg, cfg, a, b, 0.5), x, v0, w)
    assert got[0].any() and not got[0].all()
    assert torch.equal(got[0], want[0])
    for a, b in zip(got[1:], want[1:]):
        assert_close(a, b, rtol=tol, atol=tol)


TRITON_DEVICES = [
    pytest.param(
        "cpu",
        marks=pytest.mark.skipif(
            os.environ.get("TRITON_INTERPRET", "0") in ("", "0"), reason="CPU tensors need TRITON_INTERPRET=1"
        ),
    ),
    pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")),
]


@pytest.mark.parametrize("kind", SURROGATE_KINDS)
@pytest.mark.parametrize("device", TRITON_DEVICES)
def test_triton_kernels_match_the_torch_backend(kind, device):
    triton_backend = pytest.importorskip("snnlab.backends.triton_backend")
    cfg = config(kind)
    x, v0, w = inputs(torch.float32, device, shape=(4, 37))
    got = forward_backward(lambda a, b: triton_backend.multi_step(cfg, a, b, 0.5), x, v0, w)
    want = forward_backward(lambda a, b: torch_backend.multi_step(cfg, a, b, 0.5), x, v0, w)
    assert torch.equal(got[0], want[0])
    for a, b in zip(got[1:], want[1:]):
        assert_close(a, b, rtol=2e-5, atol=2e-6)


class SpikingJellyStyle(surrogate.SurrogateFunctionBase):
    """A surrogate written the 0.14 way: its own spiking_function, no kind, no derivative_function."""

    def __init__(self, alpha: float = 2.0, spiking: bool = True):
        super().__init__(alpha, spiking)

    @staticmethod
    def spiking_function(x, alpha):
        return surrogate.erf.apply(x, alpha)

    @staticmethod
    def primitive_function(x, alpha):
        return surrogate.Erf.primitive_function(x, alpha)


@pytest.mark.parametrize(
    "sg, reason, same_as",
    [
        (SpikingJellyStyle(), "SpikingJellyStyle is not a registered surrogate kind", "erf"),
        (surrogate.ATan(alpha=torch.tensor(2.0, dtype=torch.float64)), "ATan.alpha is a tensor", "atan"),
    ],
)
def test_unfusable_surrogate_warns_once_and_runs_step_by_step(sg, reason, same_as, monkeypatch):
    monkeypatch.setattr(backends, "triton_available", lambda: True)  # the kernels run in the interpreter
    # the torch backend runs every configuration (the generic step loop is its own); a backend that
    # cannot run this one says so once, with the reason
    node = neuron.LIFNode(tau=2.0, surrogate_function=sg, step_mode="m", store_v_seq=True, backend="triton")
    assert node._fusion_blocker(torch.zeros(2, 3)).startswith(reason)
    x = torch.rand(5, 3, generator=torch.Generator().manual_seed(3), dtype=torch.float64) * 3.0
    x.requires_grad_(True)
    with pytest.warns(
        RuntimeWarning,
        match=rf"LIFNode: backend 'triton' cannot run this configuration \({reason}.*running the generic step loop",
    ):
        out = node(x)
    (grad,) = torch.autograd.grad(out.sum(), x)
    cfg = NeuronConfig("lif", True, 1.0, 0.0, False, same_as, 2.0, True)  # the same surrogate, fused
    s_ref, v_ref = torch_backend.multi_step(cfg, x, torch.zeros(3, dtype=torch.float64), 0.5)
    (g_ref,) = torch.autograd.grad(s_ref.sum(), x)
    assert torch.equal(out, s_ref) and torch.equal(node.v_seq, v_ref.detach())
    assert_close(grad, g_ref, rtol=1e-12, atol=1e-12)
    node.reset()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the second call does not warn again
        node(x)


def test_fusable_surrogates_do_not_warn_and_use_the_backend():
    for kind in SURROGATE_KINDS:
        node = neuron.IFNode(surrogate_function=build(kind), step_mode="m")
        assert node._fusion_blocker(torch.zeros(2, 3)) is None
        fused_kind, alpha = node._fused_surrogate()
        assert (fused_kind, surrogate_params(alpha)) == fused_surrogate(build(kind))
