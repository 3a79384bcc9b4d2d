"""snnlab.surrogate against SpikingJelly 0.0.0.0.14 itself: names, signatures and numbers.

The test extra installs spikingjelly 0.14 (its torch paths are the oracle); the skip below only
guards a local checkout without it. Every deliberate difference is pinned here and explained in
COMPATIBILITY.md (## surrogate).
"""

import inspect
import warnings

import pytest
import torch
from torch.testing import assert_close

from snnlab import surrogate as sn

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # 0.14 warns at import about its optional CuPy backend
    sj = pytest.importorskip("spikingjelly.activation_based.surrogate")

# 0.14's CuPy code-generation strings: out of scope, as the CUDA-only classes are
CUPY_CODEGEN = {"tab4_str", "curly_bracket_l", "curly_bracket_r"}

ORACLE_NAMES = sorted(
    n for n in dir(sj) if not n.startswith("_") and not inspect.ismodule(getattr(sj, n)) and n not in CUPY_CODEGEN
)
CLASSES = [n for n in ORACLE_NAMES if inspect.isclass(getattr(sj, n)) and issubclass(getattr(sj, n), torch.nn.Module)]
FUNCTION_FORMS = [
    n for n in ORACLE_NAMES if inspect.isclass(getattr(sj, n)) and issubclass(getattr(sj, n), torch.autograd.Function)
]
BACKWARDS = [n for n in ORACLE_NAMES if n.endswith("_backward")]

# every class with its defaults and with other settings (0.14's keyword names)
SETTINGS = {
    "Sigmoid": [{}, {"alpha": 1.5}],
    "ATan": [{}, {"alpha": 0.7}],
    "Erf": [{}, {"alpha": 0.5}],
    "SoftSign": [{}, {"alpha": 3.0}],
    "PiecewiseExp": [{}, {"alpha": 2.5}],
    "NonzeroSignLogAbs": [{}, {"alpha": 2.0}],
    "QPseudoSpike": [{}, {"alpha": 3.5}],
    "PiecewiseQuadratic": [{}, {"alpha": 2.0}],
    "LogTailedReLU": [{}, {"alpha": 0.1}],
    "FakeNumericalGradient": [{}, {"alpha": 0.5}],
    "PiecewiseLeakyReLU": [{}, {"w": 0.5, "c": 0.0}, {"w": 2.0, "c": 0.1}],
    "LeakyKReLU": [{}, {"leak": 0.1, "k": 0.5}],
    "S2NN": [{}, {"alpha": 2.0, "beta": 0.5}],
    "SquarewaveFourierSeries": [{}, {"n": 4, "T_period": 6.0}, {"n": 1}],
}
CASES = [(name, kw) for name, settings in SETTINGS.items() for kw in settings]
SPECIAL = [0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 1e-3, -1e-3, 1 / 1.5, -1 / 1.5, 1 / 3.5]
TOL = {torch.float32: dict(rtol=2e-6, atol=1e-6), torch.float64: dict(rtol=1e-12, atol=1e-12)}
# 0.14's TorchScript log_tailed_relu_backward stores alpha into the gradient as a float32 number, so
# in float64 its x <= 0 gradient is float32(alpha); snnlab keeps alpha in the input's precision
F32_ALPHA = dict(rtol=1e-7, atol=1e-12)


def tolerance(name, dtype):
    return (
        F32_ALPHA
        if dtype == torch.float64 and name.lower().replace("_", "").startswith("logtailedrelu")
        else TOL[dtype]
    )


def grid(dtype):
    return torch.cat([torch.linspace(-3.0, 3.0, 601, dtype=dtype), torch.tensor(SPECIAL, dtype=dtype)])


def run(obj, x):
    """Output and input gradient of ``obj`` at ``x`` (weights make every element's gradient distinct)."""
    x = x.clone().requires_grad_(True)
    y = obj(x)
    if not y.requires_grad:  # a constant primitive (SquarewaveFourierSeries with n=1 has no term)
        return y, torch.zeros_like(x)
    w = torch.linspace(0.5, 1.5, x.numel(), dtype=x.dtype)
    (g,) = torch.autograd.grad((y * w).sum(), x)
    return y.detach(), g


def test_every_public_name_of_0_14_exists():
    missing = [n for n in ORACLE_NAMES if not hasattr(sn, n)]
    assert not missing
    assert set(CLASSES) == set(SETTINGS) | {"SurrogateFunctionBase", "MultiArgsSurrogateFunctionBase"}
    assert len(FUNCTION_FORMS) == 14 and len(BACKWARDS) == 11


@pytest.mark.parametrize("name", CLASSES)
def test_constructor_signatures_match(name):
    ours = inspect.signature(getattr(sn, name).__init__).parameters
    theirs = inspect.signature(getattr(sj, name).__init__).parameters
    assert [(p.name, p.default, p.kind) for p in ours.values()] == [
        (p.name, p.default, p.kind) for p in theirs.values()
    ]


@pytest.mark.parametrize("name", FUNCTION_FORMS)
def test_function_form_signatures_match(name):
    theirs = list(inspect.signature(getattr(sj, name).forward).parameters.values())[1:]  # after ctx
    x = torch.linspace(-2, 2, 41, dtype=torch.float64, requires_grad=True)
    params = {"n": 3, "T_period": 8.0, "leak": 0.1, "k": 0.7, "w": 0.5, "c": 0.02, "beta": 0.6}
    args = [params.get(p.name, 1.5 if name == "q_pseudo_spike" else 0.8) for p in theirs[1:]]
    ours = getattr(sn, name).apply(x, *args)
    (g_ours,) = torch.autograd.grad(ours.sum(), x)
    if name == "nonzero_sign_log_abs":  # 0.14's backward passes a tuple to its helper and fails
        with pytest.raises(RuntimeError):
            torch.autograd.grad(getattr(sj, name).apply(x, *args).sum(), x)
        g_theirs = sj.NonzeroSignLogAbs.backward(torch.ones_like(x), x.detach(), *args)
    else:
        (g_theirs,) = torch.autograd.grad(getattr(sj, name).apply(x, *args).sum(), x)
    assert torch.equal(ours.detach(), (x >= 0).double())
    assert_close(g_ours, g_theirs, **tolerance(name, torch.float64))


def test_piecewise_leaky_relu_function_form_keeps_its_defaults():
    x = torch.linspace(-2, 2, 9, requires_grad=True)
    (ours,) = torch.autograd.grad(sn.piecewise_leaky_relu.apply(x).sum(), x)
    (theirs,) = torch.autograd.grad(sj.piecewise_leaky_relu.apply(x).sum(), x)
    assert_close(ours, theirs)


@pytest.mark.parametrize("name", BACKWARDS)
def test_backward_helpers_match(name):
    x = torch.linspace(-2.5, 2.5, 51, dtype=torch.float64)
    g = torch.linspace(0.5, 1.5, 51, dtype=torch.float64)
    args = (0.1, 0.7) if name == "leaky_k_relu_backward" else (0.5, 0.02) if "leaky_relu" in name else (1.7,)
    ours, theirs = getattr(sn, name)(g, x, *args), getattr(sj, name)(g, x, *args)
    assert len(ours) == len(theirs) and all(t is None for t in ours[1:])
    assert_close(ours[0], theirs[0], **tolerance(name, torch.float64))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("name, kw", CASES)
def test_spiking_mode_matches(name, kw, dtype):
    x = grid(dtype)
    y_ours, g_ours = run(getattr(sn, name)(**kw), x)
    y_theirs, g_theirs = None, None
    if name == "NonzeroSignLogAbs":  # 0.14 fails in backward (COMPATIBILITY.md); its static backward is right
        g_theirs = sj.NonzeroSignLogAbs.backward(
            torch.linspace(0.5, 1.5, x.numel(), dtype=dtype), x, **kw or {"alpha": 1.0}
        )
        y_theirs = sj.heaviside(x)
    else:
        y_theirs, g_theirs = run(getattr(sj, name)(**kw), x)
    assert torch.equal(y_ours, y_theirs)
    assert_close(g_ours, g_theirs, **tolerance(name, dtype))


def test_fake_numerical_gradient_at_negative_zero():
    # 0.14 computes sign / x with sign(-0.0) = +1, so -0.0 gets -inf; snnlab gives alpha, as at +0.0
    x = torch.tensor([-0.0, 0.0])
    assert sj.fake_numerical_gradient_backward(torch.ones(2), x, 0.3)[0].tolist()[0] == float("-inf")
    assert_close(sn.fake_numerical_gradient_backward(torch.ones(2), x, 0.3)[0], torch.full((2,), 0.3))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("name, kw", [c for c in CASES if c[0] != "FakeNumericalGradient"])
def test_primitive_mode_matches(name, kw, dtype):
    x = grid(dtype)
    ours, theirs = getattr(sn, name)(**kw), getattr(sj, name)(**kw)
    ours.set_spiking_mode(False)
    theirs.set_spiking_mode(False)
    y_ours, g_ours = run(ours, x)
    y_theirs, g_theirs = run(theirs, x)
    keep = torch.ones_like(x, dtype=torch.bool)
    if name == "LogTailedReLU":  # 0.14's primitive is NaN for x <= 0 (0 * log(x)); snnlab's is leaky_relu there
        assert torch.isnan(y_theirs[x <= 0]).all()
        alpha = kw.get("alpha", 0.0)
        assert_close(y_ours[x <= 0], x[x <= 0] * alpha)
        assert_close(g_ours[x <= 0], torch.linspace(0.5, 1.5, x.numel(), dtype=dtype)[x <= 0] * alpha)
        keep = x > 0
    tol = TOL[dtype]
    if name == "S2NN":  # 0.14 adds 1e-5 inside the log of the x >= 0 branch; snnlab's is exact
        tol = dict(rtol=1.1e-5, atol=1.1e-5 * kw.get("beta", 1.0))
    assert torch.isfinite(y_ours).all() and torch.isfinite(g_ours).all()
    assert_close(y_ours[keep], y_theirs[keep], **tol)
    assert_close(g_ours[keep], g_theirs[keep], **tol)


def test_fake_numerical_gradient_has_a_primitive():
    # 0.14 raises NotImplementedError without spiking; snnlab's primitive has the surrogate gradient as slope
    theirs = sj.FakeNumericalGradient()
    theirs.set_spiking_mode(False)
    with pytest.raises(NotImplementedError):
        theirs(torch.zeros(2))
    ours = sn.FakeNumericalGradient(alpha=0.5)
    ours.set_spiking_mode(False)
    x = torch.tensor([-4.0, -1.0, 0.0, 1.0, 2.0, 4.0], dtype=torch.float64, requires_grad=True)
    (slope,) = torch.autograd.grad(ours(x).sum(), x)
    assert_close(slope, ours.derivative(x.detach()))


@pytest.mark.parametrize(
    "name", [n for n in SETTINGS if not issubclass(getattr(sj, n), sj.MultiArgsSurrogateFunctionBase)]
)
def test_one_parameter_reprs_match(name):
    assert repr(getattr(sn, name)()) == repr(getattr(sj, name)())


def _spikingjelly_style(base, function_form):
    """The same user surrogate written the 0.14 way, on either library's base class."""

    class Custom(base):
        def __init__(self, alpha=1.5, spiking=True):
            super().__init__(alpha, spiking)

        @staticmethod
        def spiking_function(x, alpha):
            return function_form.apply(x, alpha)

        @staticmethod
        def primitive_function(x, alpha):
            return torch.tanh(alpha * x) / 2 + 0.5

    return Custom


class _TheirsStep(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, alpha):
        ctx.save_for_backward(x)
        ctx.alpha = alpha
        return (x >= 0).to(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * ctx.alpha / 2 / torch.cosh(ctx.alpha * x) ** 2, None


@pytest.mark.parametrize("spiking", [True, False])
def test_a_spikingjelly_style_subclass_works_in_both_modes(spiking):
    ours = _spikingjelly_style(sn.SurrogateFunctionBase, _TheirsStep)(spiking=spiking)
    theirs = _spikingjelly_style(sj.SurrogateFunctionBase, _TheirsStep)(spiking=spiking)
    x = grid(torch.float64)
    y_ours, g_ours = run(ours, x)
    y_theirs, g_theirs = run(theirs, x)
    assert torch.equal(y_ours, y_theirs)
    assert_close(g_ours, g_theirs, rtol=1e-12, atol=1e-12)
    # with no derivative_function, derivative() differentiates the class' own spiking_function
    assert_close(ours.derivative(x), 1.5 / 2 / torch.cosh(1.5 * x) ** 2, rtol=1e-12, atol=1e-12)


def _two_sided(base, function_form):
    """A two-parameter user surrogate written the 0.14 way (its own forward), on either base class."""

    class TwoSided(base):
        def __init__(self, a=0.2, b=0.5, spiking=True):
            super().__init__(spiking)
            self.a, self.b = a, b

        def forward(self, x):
            return function_form.apply(x, self.a, self.b) if self.spiking else x * self.b

    return TwoSided


@pytest.mark.parametrize("spiking", [True, False])
def test_a_spikingjelly_style_multi_argument_subclass(spiking):
    ours = _two_sided(sn.MultiArgsSurrogateFunctionBase, sn.leaky_k_relu)(spiking=spiking)
    theirs = _two_sided(sj.MultiArgsSurrogateFunctionBase, sj.leaky_k_relu)(spiking=spiking)
    x = grid(torch.float64)
    y_ours, g_ours = run(ours, x)
    y_theirs, g_theirs = run(theirs, x)
    assert torch.equal(y_ours, y_theirs)
    assert_close(g_ours, g_theirs, rtol=1e-12, atol=1e-12)
