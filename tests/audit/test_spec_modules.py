"""Audit of the neuron, layer, container and monitor classes against SPEC §1.1-1.7 and §2.

Each test names the SPEC section it checks; references are hand-written loops of SPEC's equations.
"""

import inspect

import pytest
import torch
import torch.nn as nn

from snnlab import functional as F
from snnlab import layer, monitor, neuron
from snnlab.errors import UnknownOptionError

_E = inspect.Parameter.empty
_ANY = object()  # default not compared (SpikingJelly's is a shared Sigmoid() instance)
_VAR = "*"

_NODE_TAIL = [
    ("v_threshold", 1.0),
    ("v_reset", 0.0),
    ("surrogate_function", _ANY),
    ("detach_reset", False),
    ("step_mode", "s"),
    ("backend", "torch"),
    ("store_v_seq", False),
]
SPIKINGJELLY_CONSTRUCTORS = {
    neuron.BaseNode: _NODE_TAIL,
    neuron.IFNode: _NODE_TAIL,
    neuron.LIFNode: [("tau", 2.0), ("decay_input", True)] + _NODE_TAIL,
    neuron.ParametricLIFNode: [("init_tau", 2.0), ("decay_input", True)] + _NODE_TAIL,
    neuron.OTTTLIFNode: [
        ("tau", 2.0),
        ("decay_input", False),
        ("v_threshold", 1.0),
        ("v_reset", None),
        ("surrogate_function", _ANY),
        ("detach_reset", True),
        ("step_mode", "s"),
        ("backend", "torch"),
        ("store_v_seq", False),
    ],
    layer.MultiStepContainer: [("*", _VAR)],
    layer.SeqToANNContainer: [("*", _VAR)],
    layer.StepModeContainer: [("stateful", _E), ("*", _VAR)],
    layer.ElementWiseRecurrentContainer: [("sub_module", _E), ("element_wise_function", _E), ("step_mode", "s")],
    layer.LinearRecurrentContainer: [
        ("sub_module", _E),
        ("in_features", _E),
        ("out_features", _E),
        ("bias", True),
        ("step_mode", "s"),
    ],
    layer.Linear: [("in_features", _E), ("out_features", _E), ("bias", True), ("step_mode", "s")],
    layer.Conv2d: [
        ("in_channels", _E),
        ("out_channels", _E),
        ("kernel_size", _E),
        ("stride", 1),
        ("padding", 0),
        ("dilation", 1),
        ("groups", 1),
        ("bias", True),
        ("padding_mode", "zeros"),
        ("step_mode", "s"),
    ],
    layer.BatchNorm2d: [
        ("num_features", _E),
        ("eps", 1e-5),
        ("momentum", 0.1),
        ("affine", True),
        ("track_running_stats", True),
        ("step_mode", "s"),
    ],
    layer.Flatten: [("start_dim", 1), ("end_dim", -1), ("step_mode", "s")],
    layer.Dropout: [("p", 0.5), ("step_mode", "s")],
    layer.OTTTSequential: [("*", _VAR)],
    layer.GradwithTrace: [("module", _E)],
    layer.SpikeTraceOp: [("module", _E)],
    monitor.OutputMonitor: [("net", _E), ("instance", None), ("function_on_output", _ANY)],
    monitor.InputMonitor: [("net", _E), ("instance", None), ("function_on_input", _ANY)],
    monitor.AttributeMonitor: [
        ("attribute_name", _E),
        ("pre_forward", _E),
        ("net", _E),
        ("instance", None),
        ("function_on_attribute", _ANY),
    ],
}


@pytest.mark.parametrize("cls", list(SPIKINGJELLY_CONSTRUCTORS), ids=lambda c: c.__name__)
def test_constructor_signature_starts_like_spikingjelly(cls):
    """SPEC §2.4-2.8: positional parameters (names, order, defaults) equal SpikingJelly's; extras are keyword-only."""
    params = list(inspect.signature(cls).parameters.values())
    positional = [p for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)]
    extras = [p for p in params if p not in positional]
    assert all(p.kind in (p.KEYWORD_ONLY, p.VAR_KEYWORD) for p in extras)
    expected = SPIKINGJELLY_CONSTRUCTORS[cls]
    got = [("*", _VAR) if p.kind is p.VAR_POSITIONAL else (p.name, p.default) for p in positional]
    assert len(got) == len(expected)
    for (name, default), (exp_name, exp_default) in zip(got, expected):
        assert name == exp_name
        if exp_default is not _ANY:
            assert default == exp_default, name


# ---------------------------------------------------------------- §2.5 constructor validation, ints
@pytest.mark.parametrize(
    "cls, kwargs, error, match",
    [
        (neuron.LIFNode, dict(tau=0.5), ValueError, r"tau.*> 1.*0\.5"),
        (neuron.LIFNode, dict(tau=1.0), ValueError, r"tau.*1\.0"),
        (neuron.ParametricLIFNode, dict(init_tau=1), ValueError, r"init_tau"),
        (neuron.OTTTLIFNode, dict(tau=0.9), ValueError, r"tau"),
        (neuron.LIFNode, dict(tau="2"), TypeError, r"tau.*real number.*'2'"),
        (neuron.IFNode, dict(v_threshold="1"), TypeError, r"v_threshold.*'1'"),
        (neuron.IFNode, dict(v_reset="0"), TypeError, r"v_reset.*'0'"),
        (neuron.IFNode, dict(detach_reset=1), TypeError, r"detach_reset.*bool"),
        (neuron.LIFNode, dict(decay_input="yes"), TypeError, r"decay_input.*bool"),
        (neuron.IFNode, dict(surrogate_function=3), TypeError, r"surrogate_function.*callable"),
    ],
)
def test_invalid_neuron_parameters_raise_with_spikingjelly_class(cls, kwargs, error, match):
    """SPEC policy 2 / §1.24: bad neuron parameters raise ValueError/TypeError that are also AssertionError."""
    with pytest.raises(error, match=match):
        cls(**kwargs)
    with pytest.raises(AssertionError):
        cls(**kwargs)


@pytest.mark.parametrize("cls", [neuron.IFNode, neuron.LIFNode, neuron.ParametricLIFNode])
def test_invalid_step_mode_and_backend(cls):
    """SPEC §2.1/§2.2: invalid step modes raise ValueError, unknown backends NotImplementedError too."""
    with pytest.raises(ValueError, match=r"step_mode can only be \('s', 'm'\), but got \"x\""):
        cls(step_mode="x")
    with pytest.raises(UnknownOptionError, match=r"backend.*'cupy'"):
        cls(backend="cupy")
    node = cls()
    with pytest.raises(ValueError):
        node.step_mode = "x"
    assert node.step_mode == "s"
    with pytest.raises(NotImplementedError):
        node.backend = "banana"
    assert node.backend == "torch"


def test_ints_accepted_in_neuron_constructors_and_give_float_results():
    """SPEC policy 2: LIFNode(tau=2), IFNode(v_threshold=1, v_reset=0), PLIF(init_tau=2) equal the float forms."""
    x = torch.rand(7, 3, 4) * 2
    pairs = [
        (neuron.IFNode(v_threshold=1, v_reset=0, step_mode="m"), neuron.IFNode(step_mode="m")),
        (neuron.LIFNode(tau=2, step_mode="m"), neuron.LIFNode(tau=2.0, step_mode="m")),
        (
            neuron.LIFNode(tau=3, v_reset=-1, decay_input=False, step_mode="m"),
            neuron.LIFNode(tau=3.0, v_reset=-1.0, decay_input=False, step_mode="m"),
        ),
        (neuron.ParametricLIFNode(init_tau=2, step_mode="m"), neuron.ParametricLIFNode(init_tau=2.0, step_mode="m")),
    ]
    for a, b in pairs:
        torch.testing.assert_close(a(x), b(x), rtol=0, atol=0)
        torch.testing.assert_close(a.v, b.v, rtol=0, atol=0)
        assert a.v.dtype == torch.float32


# ---------------------------------------------------------------- reference loop (SPEC §2.4/§2.5)
def _reference(x_seq, kind, k, decay_input, v_threshold, v_reset):
    """Hand loop of SPEC's charge / fire (v >= threshold) / reset equations, in float64."""
    x_seq = x_seq.double()
    thr = torch.as_tensor(v_threshold, dtype=torch.float64)
    r = 0.0 if v_reset is None else v_reset
    v = torch.full_like(x_seq[0], r)
    spikes, vs = [], []
    for x in x_seq:
        if kind == "if":
            h = v + x
        elif decay_input:
            h = v + (x - (v - r)) / (1 / k) if r != 0.0 else v + (x - v) * k
        else:
            h = v - (v - r) * k + x if r != 0.0 else v * (1 - k) + x
        s = (h >= thr).double()
        v = h - s * thr if v_reset is None else (1 - s) * h + s * r
        spikes.append(s)
        vs.append(v)
    return torch.stack(spikes), torch.stack(vs)


_CASES = [("if", None, True), ("lif", 0.5, True), ("lif", 0.25, False), ("plif", 0.5, True), ("plif", 0.5, False)]


def _make(kind, k, decay_input, v_reset, step_mode):
    if kind == "if":
        return neuron.IFNode(v_reset=v_reset, step_mode=step_mode)
    if kind == "lif":
        return neuron.LIFNode(tau=1 / k, decay_input=decay_input, v_reset=v_reset, step_mode=step_mode)
    return neuron.ParametricLIFNode(init_tau=1 / k, decay_input=decay_input, v_reset=v_reset, step_mode=step_mode)


@pytest.mark.parametrize("kind, k, decay_input", _CASES)
@pytest.mark.parametrize("v_reset", [0.0, None, -0.5])
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("step_mode", ["s", "m"])
def test_tensor_threshold_works_on_every_neuron_path(device, kind, k, decay_input, v_reset, training, step_mode):
    """SPEC §1.7 Decision: soft reset, eval path and both step modes accept a tensor v_threshold [N, C]."""
    torch.manual_seed(0)
    x_seq = (torch.rand(6, 2, 3) * 1.6).to(device)
    labels = torch.tensor([[1, 0, 0], [0, 0, 1]], device=device)
    node = _make(kind, k, decay_input, v_reset, step_mode).to(device)
    node.train(training)
    if training:
        F.set_threshold_margin(node, labels)
        threshold = node.v_threshold
    else:
        threshold = torch.tensor([[0.7, 1.0, 1.3], [1.1, 0.9, 1.0]], device=device)
        node.v_threshold = threshold
    ref_s, ref_v = _reference(x_seq.cpu(), "if" if kind == "if" else "lif", k, decay_input, threshold.cpu(), v_reset)
    with torch.no_grad():
        if step_mode == "m":
            out = node(x_seq)
        else:
            out = torch.stack([node(x) for x in x_seq])
    assert out.device == x_seq.device and out.dtype == x_seq.dtype
    torch.testing.assert_close(out.double().cpu(), ref_s, rtol=0, atol=0)
    torch.testing.assert_close(node.v.double().cpu(), ref_v[-1], rtol=1e-6, atol=1e-6)


# ---------------------------------------------------------------- §2.5 eval path
class _LoudIF(neuron.IFNode):
    def neuronal_charge(self, x):
        self.v = self.v + 10 * x


class _LoudLIF(neuron.LIFNode):
    def neuronal_charge(self, x):
        self.v = self.v + 10 * x


@pytest.mark.parametrize("cls", [_LoudIF, _LoudLIF])
@pytest.mark.parametrize("step_mode", ["s", "m"])
def test_eval_honours_an_overridden_neuronal_charge(cls, step_mode):
    """SPEC §2.5 Decision (issue #519): eval must not bypass a subclass' neuronal_charge."""
    x = torch.full((3, 2), 0.2)
    for training in (True, False):
        node = cls(step_mode=step_mode)
        node.train(training)
        out = node(x) if step_mode == "m" else torch.stack([node(xt) for xt in x])
        torch.testing.assert_close(out, torch.ones(3, 2))  # 10 * 0.2 = 2 >= 1 at every step


@pytest.mark.parametrize("kind, k, decay_input", _CASES)
@pytest.mark.parametrize("v_reset", [0.0, None, -0.5])
def test_eval_outputs_equal_training_outputs(kind, k, decay_input, v_reset):
    """SPEC §2.5: the eval path gives identical spikes and equal v to the training path."""
    torch.manual_seed(1)
    x = torch.rand(8, 4, 5) * 1.5
    a = _make(kind, k, decay_input, v_reset, "m")
    b = _make(kind, k, decay_input, v_reset, "m").eval()
    with torch.no_grad():
        torch.testing.assert_close(a(x), b(x), rtol=0, atol=0)
    torch.testing.assert_close(a.v, b.v)


# ---------------------------------------------------------------- §1.1 / §1.2 network utilities
def test_reset_net_gives_python_float_v_for_hard_and_soft_reset():
    """SPEC §1.1: after reset, v is the Python float v_reset (0.0 for soft reset)."""
    for v_reset, expected in ((0.0, 0.0), (-0.5, -0.5), (None, 0.0)):
        node = neuron.LIFNode(v_reset=v_reset)
        node(torch.ones(3))
        F.reset_net(nn.Sequential(node))
        assert type(node.v) is float and node.v == expected


def test_set_step_mode_does_not_descend_into_any_keep_container():
    """SPEC §1.2 Decision: the DFS stops at every keep-container (time-last forms and nested ones included)."""
    inner_if = neuron.IFNode()
    inner = layer.ElementWiseRecurrentContainer(inner_if, lambda y, x: y + x)
    outer = layer.StepModeContainer(True, inner)
    tl_ms = layer.TLastMultiStepContainer(neuron.IFNode())
    tl_s2a = layer.TLastSeqToANNContainer(layer.Linear(2, 2))
    ms = layer.MultiStepContainer(neuron.IFNode())
    s2a = layer.SeqToANNContainer(layer.Linear(2, 2))
    free = neuron.IFNode()
    net = nn.Sequential(outer, tl_ms, tl_s2a, ms, s2a, free)
    F.set_step_mode(net, "m")
    assert outer.step_mode == "m" and free.step_mode == "m"
    for child in (inner, inner_if, tl_ms[0], tl_s2a[0], ms[0], s2a[0]):
        assert child.step_mode == "s"


def test_multi_step_container_gives_loop_values_after_set_step_mode():
    """SPEC §1.2: MultiStepContainer(IFNode) + set_step_mode('m') keeps per-step values (0.14 corrupted them)."""
    x = torch.tensor([[0.5, 0.9], [0.5, 0.9], [0.5, 0.2]])
    net = nn.Sequential(layer.MultiStepContainer(neuron.IFNode()))
    F.set_step_mode(net, "m")
    ref = neuron.IFNode()
    expected = torch.stack([ref(xt) for xt in x])
    torch.testing.assert_close(net(x), expected)
    assert net[0][0].v.shape == (2,)


def test_set_backend_instance_filter_and_warning_names_step_mode(caplog):
    """SPEC §1.3 Decision: unknown backend only warns, naming the module's step mode; tuples from supported_backends."""
    node = neuron.IFNode(step_mode="m")
    with caplog.at_level("WARNING"):
        F.set_backend(nn.Sequential(node), "banana", (neuron.BaseNode,))
    assert "banana" in caplog.text and "'m'" in caplog.text
    assert node.backend == "torch"
    assert isinstance(neuron.OTTTLIFNode().supported_backends, tuple)


@pytest.mark.parametrize("step_mode", ["s", "m"])
def test_a_smaller_batch_without_reset_is_not_silently_broadcast(step_mode):
    """SPEC §2.4 observation + policy 3: a stale state must not give an output shaped unlike the input."""
    node = neuron.LIFNode(step_mode=step_mode)
    small = torch.zeros(1, 3) if step_mode == "s" else torch.zeros(2, 1, 3)
    large = torch.zeros(4, 3) if step_mode == "s" else torch.zeros(2, 4, 3)
    node(large)
    with pytest.raises(
        ValueError,
        match=r"LIFNode: the input has shape \[1, 3\] but the membrane potential v .* "
        r"has shape \[4, 3\]; call functional.reset_net",
    ):
        node(small)
    F.reset_net(node)
    assert node(small).shape == small.shape
