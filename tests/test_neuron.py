"""Neurons: SpikingJelly's verified traces, construction errors, step modes, eval, repr."""

import math

import pytest
import torch
from torch.testing import assert_close

from snnlab import neuron, surrogate
from snnlab.errors import InvalidParameterError, InvalidParameterTypeError, UnknownOptionError

IF_X = [0.5, 0.5, 0.5, 1.0, 2.0]


def run_single(node, xs, device="cpu"):
    spikes, vs = [], []
    for x in xs:
        spikes.append(node(torch.tensor([x], device=device)).item())
        vs.append(node.v.item())
    return spikes, vs


# ----------------------------------------------------------------------------- verified traces
@pytest.mark.parametrize("v_reset, v_expected", [(0.0, [0.5, 0, 0.5, 0, 0]), (None, [0.5, 0, 0.5, 0.5, 1.5])])
def test_if_trace_single_and_multi(device, v_reset, v_expected):
    spikes, vs = run_single(neuron.IFNode(v_reset=v_reset), IF_X, device)
    assert spikes == [0, 1, 0, 1, 1]
    assert vs == v_expected
    node = neuron.IFNode(v_reset=v_reset, step_mode="m", store_v_seq=True)
    out = node(torch.tensor(IF_X, device=device).view(5, 1))
    assert out.flatten().tolist() == [0, 1, 0, 1, 1]
    assert node.v_seq.flatten().tolist() == v_expected
    assert node.v.flatten().tolist() == v_expected[-1:]


@pytest.mark.parametrize("training", [True, False])
def test_v_equal_threshold_fires_in_train_and_eval(training):
    node = neuron.IFNode().train(training)
    assert node(torch.tensor([1.0])).item() == 1.0


LIF_TABLE = [
    (True, 0.0, [0, 0, 0, 0], [0.4, 0.6, 0.7, 0.75]),
    (True, None, [0, 0, 0, 0], [0.4, 0.6, 0.7, 0.75]),
    (True, -0.5, [0, 0, 0, 0], [-0.1, 0.1, 0.2, 0.25]),
    (False, 0.0, [0, 1, 0, 1], [0.8, 0, 0.8, 0]),
    (False, None, [0, 1, 0, 1], [0.8, 0.2, 0.9, 0.25]),
    (False, -0.5, [0, 0, 0, 1], [0.3, 0.7, 0.9, -0.5]),
]


@pytest.mark.parametrize("step_mode", ["s", "m"])
@pytest.mark.parametrize("decay_input, v_reset, spikes, vs", LIF_TABLE)
def test_lif_table(step_mode, decay_input, v_reset, spikes, vs):
    node = neuron.LIFNode(tau=2.0, decay_input=decay_input, v_reset=v_reset, step_mode=step_mode, store_v_seq=True)
    assert node.v == (0.0 if v_reset is None else v_reset)
    x = torch.full((4, 1), 0.8, dtype=torch.float64)
    if step_mode == "s":
        out = torch.stack([node(x[t]) for t in range(4)])
    else:
        out = node(x)
    assert out.flatten().tolist() == spikes
    assert_close(node.v_seq.flatten(), torch.tensor(vs, dtype=torch.float64))


def test_detach_reset_gradient():
    # IF, hard reset, x = [1.2, 0.5]: the first step spikes; d spike_1 / d x_0 flows only through the reset
    grads = {}
    for detach in (False, True):
        x = torch.tensor([1.2, 0.5], requires_grad=True)
        node = neuron.IFNode(detach_reset=detach, step_mode="m")
        s = node(x.view(2, 1))
        assert s.flatten().tolist() == [1.0, 0.0]
        (grads[detach],) = torch.autograd.grad(s[1].sum(), x)
    assert_close(grads[False][0], torch.tensor(-0.4312), atol=1e-4, rtol=0)
    assert grads[True][0].item() == 0.0
    # closed form: sigma'(h1 - 1) * (0 - h0) * sigma'(h0 - 1), sigma' of the alpha=4 sigmoid surrogate
    d = surrogate.Sigmoid().derivative
    assert_close(grads[False][0], (d(torch.tensor(-0.5)) * -1.2 * d(torch.tensor(0.2))))


def test_plif_w_gradient_matches_float64_loop_and_finite_difference():
    x = torch.tensor(IF_X, dtype=torch.float64).view(5, 1)
    node = neuron.ParametricLIFNode(init_tau=2.0, step_mode="m").double()
    node(x).sum().backward()
    w = torch.tensor(-math.log(2.0 - 1.0), dtype=torch.float64, requires_grad=True)
    v, total = torch.zeros(1, dtype=torch.float64), 0.0
    for t in range(5):
        h = v + (x[t] - v) * w.sigmoid()
        s = surrogate.Sigmoid()(h - 1.0)
        v = (1 - s) * h
        total = total + s.sum()
    (ref,) = torch.autograd.grad(total, w)
    assert_close(node.w.grad, ref)
    assert node.w.grad.item() != 0.0


def test_plif_parameter_and_repr():
    node = neuron.ParametricLIFNode(init_tau=3)
    assert_close(node.w.detach(), torch.tensor(-math.log(2.0)))
    assert node.w.dtype == torch.float32 and node.w.shape == ()
    assert repr(node).split("\n")[1].endswith("backend=torch, tau=3.0")
    assert [n for n, _ in node.named_parameters()] == ["w"]


def test_ottt_trace_example_and_modes():
    node = neuron.OTTTLIFNode()
    x = torch.tensor([0.8, 1.5])
    s0, tr0 = node(x)
    assert s0.tolist() == [0, 1] and tr0.tolist() == [0, 1]
    assert_close(node.v, torch.tensor([0.8, 0.5]))
    s1, tr1 = node(x)
    assert s1.tolist() == [1, 1] and tr1.tolist() == [1, 1.5]
    assert_close(node.v, torch.tensor([0.2, 0.75]))
    assert not tr1.requires_grad
    assert set(node.state_dict()) == {"v", "trace"}
    fresh = neuron.OTTTLIFNode()
    fresh.load_state_dict(node.state_dict())
    assert_close(fresh.v, node.v) and assert_close(fresh.trace, node.trace)
    node.reset()
    assert not hasattr(node, "v") and not hasattr(node, "trace")
    node.eval()
    out = node(x)
    assert isinstance(out, torch.Tensor) and out.tolist() == [0, 1]
    assert node.supported_backends == ("torch",)


def test_ottt_detaches_v_between_steps():
    node = neuron.OTTTLIFNode()
    x = torch.tensor([0.8, 1.5], requires_grad=True)
    _s0, _ = node(x)
    s1, _ = node(x * 1.0)
    (g,) = torch.autograd.grad(s1.sum(), x)
    # v was detached before step 1, so only the direct path counts: dh1/dx = 1 (no decay_input)
    h1 = torch.tensor([0.8 * 0.5 + 0.8, 0.5 * 0.5 + 1.5])
    assert_close(g, surrogate.Sigmoid().derivative(h1 - 1.0))


def test_ottt_rejects_multi_step():
    with pytest.raises(InvalidParameterError, match="OTTTLIFNode: step_mode must be 's'"):
        neuron.OTTTLIFNode(step_mode="m")
    with pytest.raises(ValueError, match="step_mode can only be"):
        neuron.OTTTLIFNode().step_mode = "m"


# ----------------------------------------------------------------------------- construction
@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda: neuron.LIFNode(tau=0.5), InvalidParameterError, r"LIFNode: tau must be a number > 1.0, got 0.5"),
        (lambda: neuron.LIFNode(tau=1.0), InvalidParameterError, r"LIFNode: tau must be a number > 1.0, got 1.0"),
        (lambda: neuron.LIFNode(tau="2"), InvalidParameterTypeError, r"LIFNode: tau must be a real number, got '2'"),
        (lambda: neuron.LIFNode(tau=float("nan")), InvalidParameterError, r"LIFNode: tau must not be NaN"),
        (lambda: neuron.LIFNode(decay_input=1), InvalidParameterTypeError, r"LIFNode: decay_input must be a bool"),
        (lambda: neuron.ParametricLIFNode(init_tau=1), InvalidParameterError, r"init_tau must be a number > 1.0"),
        (lambda: neuron.IFNode(v_threshold="1"), InvalidParameterTypeError, r"IFNode: v_threshold must be a real"),
        (
            lambda: neuron.IFNode(v_threshold=float("nan")),
            InvalidParameterError,
            r"IFNode: v_threshold must not be NaN",
        ),
        (
            lambda: neuron.IFNode(v_reset="0"),
            InvalidParameterTypeError,
            r"IFNode: v_reset must be a real number or None",
        ),
        (
            lambda: neuron.IFNode(detach_reset=0),
            InvalidParameterTypeError,
            r"IFNode: detach_reset must be a bool, got 0",
        ),
        (lambda: neuron.IFNode(store_v_seq="yes"), InvalidParameterTypeError, r"IFNode: store_v_seq must be a bool"),
        (
            lambda: neuron.IFNode(surrogate_function=3),
            InvalidParameterTypeError,
            r"surrogate_function must be callable",
        ),
        (lambda: neuron.IFNode(step_mode="x"), ValueError, r'step_mode can only be \(\'s\', \'m\'\), but got "x"'),
        (lambda: neuron.IFNode(backend="cupy"), UnknownOptionError, r"IFNode: backend must be one of \('torch',\)"),
    ],
)
def test_constructor_errors(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_constructor_accepts_ints_and_defaults():
    node = neuron.LIFNode(tau=2, v_threshold=1, v_reset=0)
    assert node.tau == 2.0 and isinstance(node.tau, float)
    assert node.v_threshold == 1.0 and node.v_reset == 0.0 and node.decay_input is True
    assert isinstance(node.surrogate_function, surrogate.Sigmoid) and node.surrogate_function.alpha == 4.0
    assert node.detach_reset is False and node.step_mode == "s" and node.backend == "torch"
    assert node.store_v_seq is False
    assert neuron.IFNode().surrogate_function is not neuron.IFNode().surrogate_function
    ottt = neuron.OTTTLIFNode()
    assert (ottt.tau, ottt.decay_input, ottt.v_reset, ottt.detach_reset) == (2.0, False, None, True)


def test_extra_repr():
    assert repr(neuron.IFNode()).startswith(
        "IFNode(\n  v_threshold=1.0, v_reset=0.0, detach_reset=False, step_mode=s, backend=torch"
    )
    assert "v_reset=None" in repr(neuron.LIFNode(v_reset=None))
    assert repr(neuron.LIFNode(tau=3)).split("\n")[1].endswith("backend=torch, tau=3.0")
    assert "tau=2.0" in neuron.ParametricLIFNode().extra_repr()


def test_supported_backends_are_tuples():
    node = neuron.LIFNode()
    assert node.supported_backends == ("torch",)
    node.step_mode = "m"
    assert isinstance(node.supported_backends, tuple) and node.supported_backends[0] == "torch"


# ----------------------------------------------------------------------------- state
def test_reset_gives_python_float_and_state_dict_has_no_memory():
    node = neuron.LIFNode(v_reset=-0.5, store_v_seq=True)
    node(torch.ones(3))
    assert isinstance(node.v, torch.Tensor)
    assert node.state_dict() == {}
    node.reset()
    assert type(node.v) is float and node.v == -0.5 and node.v_seq is None
    assert type(neuron.IFNode(v_reset=None).v) is float


def test_v_takes_input_dtype_and_device(device):
    node = neuron.IFNode()
    node(torch.zeros(2, 3, dtype=torch.float64, device=device))
    assert node.v.dtype == torch.float64 and node.v.device.type == device and node.v.shape == (2, 3)


def test_single_step_store_v_seq_accumulates_rows():
    node = neuron.IFNode(store_v_seq=True)
    for x in IF_X:
        node(torch.tensor([x]))
    assert node.v_seq.shape == (5, 1)
    assert node.v_seq.flatten().tolist() == [0.5, 0, 0.5, 0, 0]


@pytest.mark.parametrize(
    "make",
    [
        lambda **k: neuron.IFNode(**k),
        lambda **k: neuron.LIFNode(tau=3.0, **k),
        lambda **k: neuron.ParametricLIFNode(**k),
    ],
)
def test_single_step_equals_multi_step(make):
    torch.manual_seed(0)
    x = torch.rand(7, 4, 5) * 1.5
    single = make(store_v_seq=True)
    s_single = torch.stack([single(x[t]) for t in range(7)])
    multi = make(step_mode="m", store_v_seq=True)
    s_multi = multi(x)
    assert torch.equal(s_single, s_multi)
    assert_close(single.v_seq, multi.v_seq)
    assert_close(single.v, multi.v)


def test_multi_step_rejects_empty_sequence():
    with pytest.raises(ValueError, match="at least one time step"):
        neuron.IFNode(step_mode="m")(torch.zeros(0, 3))


# ----------------------------------------------------------------------------- inputs that must be refused
def _state(node):
    return {k: (v.clone() if isinstance(v, torch.Tensor) else v) for k, v in node.named_memories()}


def _assert_same_state(node, before):
    after = _state(node)
    assert after.keys() == before.keys()
    for key, value in before.items():
        if isinstance(value, torch.Tensor):
            assert isinstance(after[key], torch.Tensor) and after[key].dtype == value.dtype
            assert torch.equal(after[key], value)
        else:
            assert after[key] == value and type(after[key]) is type(value)


@pytest.mark.parametrize("dtype", [torch.long, torch.int32, torch.bool])
def test_integer_and_bool_inputs_are_refused_before_v_changes(dtype):
    node = neuron.IFNode(v_reset=-0.5)
    with pytest.raises(TypeError, match=r"IFNode: x must be a floating-point tensor, got a torch\.\w+ tensor"):
        node(torch.ones(3, dtype=dtype))
    assert node.v == -0.5 and type(node.v) is float
    assert node(torch.ones(3)).tolist() == [0.0, 0.0, 0.0]  # the float call is unaffected


@pytest.mark.parametrize("step_mode", ["s", "m"])
@pytest.mark.parametrize("bad", [torch.ones(1, 3, dtype=torch.bool), torch.ones(1, 3, dtype=torch.complex64)])
def test_a_rejected_call_leaves_the_state_as_it_was(step_mode, bad):
    node = neuron.LIFNode(step_mode=step_mode, store_v_seq=True)
    x = torch.full((1, 3), 0.9)
    node(x)
    before = _state(node)
    with pytest.raises(TypeError, match="x must be a floating-point tensor"):
        node(bad if step_mode == "m" else bad[0])
    _assert_same_state(node, before)
    reference = neuron.LIFNode(step_mode=step_mode, store_v_seq=True)
    reference(x)
    assert torch.equal(node(x), reference(x))


def test_inf_v_reset_and_threshold_are_refused():
    with pytest.raises(InvalidParameterError, match=r"IFNode: v_reset must be finite, got inf"):
        neuron.IFNode(v_reset=float("inf"))
    with pytest.raises(InvalidParameterError, match=r"IFNode: v_threshold must be finite, got -inf"):
        neuron.IFNode(v_threshold=float("-inf"))
    with pytest.raises(InvalidParameterError, match=r"LIFNode: tau must be finite, got inf"):
        neuron.LIFNode(tau=float("inf"))


def test_tensor_threshold_is_validated():
    with pytest.raises(InvalidParameterError, match=r"IFNode: v_threshold must hold finite values"):
        neuron.IFNode(v_threshold=torch.tensor([1.0, float("nan")]))
    with pytest.raises(InvalidParameterTypeError, match=r"IFNode: v_threshold must be a real number or a tensor"):
        neuron.IFNode(v_threshold=torch.tensor([1, 2]))


@pytest.mark.parametrize("step_mode", ["s", "m"])
def test_threshold_of_the_wrong_shape_is_blamed_before_v_changes(step_mode):
    node = neuron.IFNode(v_threshold=torch.ones(3), step_mode=step_mode)
    x = torch.ones(2, 4) if step_mode == "s" else torch.ones(5, 2, 4)
    with pytest.raises(ValueError, match=r"IFNode: v_threshold of shape \[3\] must broadcast to the input"):
        node(x)
    assert node.v == 0.0


def test_tensor_threshold_follows_half_and_both_modes_give_the_input_dtype():
    theta = torch.tensor([0.5, 1.0, 1.5])
    node = neuron.LIFNode(v_threshold=theta.clone()).half()
    assert node.v_threshold.dtype == torch.float16
    x = torch.full((4, 2, 3), 0.9, dtype=torch.float16)
    single = neuron.LIFNode(v_threshold=theta.clone())
    multi = neuron.LIFNode(v_threshold=theta.clone(), step_mode="m")
    out_s = torch.stack([single(x[t]) for t in range(4)])
    out_m = multi(x)
    assert out_s.dtype == out_m.dtype == torch.float16
    assert single.v.dtype == multi.v.dtype == torch.float16
    assert torch.equal(out_s, out_m)


@pytest.mark.parametrize("step_mode", ["s", "m"])
def test_stale_state_of_another_dtype_takes_the_new_input_dtype(step_mode):
    node = neuron.LIFNode(step_mode=step_mode)
    shape = (2, 3) if step_mode == "s" else (4, 2, 3)
    node(torch.full(shape, 0.6, dtype=torch.float64))
    out = node(torch.full(shape, 0.6, dtype=torch.float16))
    assert out.dtype == torch.float16 and node.v.dtype == torch.float16


def test_v_reset_at_or_above_the_threshold_is_accepted_and_fires_every_step():
    node = neuron.IFNode(v_threshold=0.5, v_reset=0.5, step_mode="m")
    assert node(torch.zeros(4, 1)).flatten().tolist() == [1.0, 1.0, 1.0, 1.0]  # v starts at v_reset


@pytest.mark.parametrize(
    "make, name, value, match",
    [
        (lambda: neuron.LIFNode(), "tau", -3.0, r"LIFNode: tau must be a number > 1.0, got -3.0"),
        (lambda: neuron.LIFNode(), "tau", float("inf"), r"LIFNode: tau must be finite, got inf"),
        (lambda: neuron.IFNode(), "v_threshold", float("nan"), r"IFNode: v_threshold must not be NaN"),
        (lambda: neuron.IFNode(), "v_threshold", "1", r"IFNode: v_threshold must be a real number or a tensor"),
        (lambda: neuron.IFNode(), "v_reset", float("inf"), r"IFNode: v_reset must be finite, got inf"),
        (lambda: neuron.IFNode(), "detach_reset", 1, r"IFNode: detach_reset must be a bool"),
        (lambda: neuron.LIFNode(), "decay_input", "no", r"LIFNode: decay_input must be a bool"),
        (lambda: surrogate.Sigmoid(), "alpha", -1.0, r"Sigmoid: alpha must be a number > 0.0, got -1.0"),
        (lambda: surrogate.ATan(), "alpha", torch.tensor(-1.0), r"ATan: alpha must hold values > 0.0"),
    ],
)
def test_attributes_changed_after_construction_are_validated(make, name, value, match):
    module = make()
    before = getattr(module, name)
    with pytest.raises((ValueError, TypeError), match=match):
        setattr(module, name, value)
    assert getattr(module, name) == before


def test_valid_attribute_changes_are_stored():
    node = neuron.LIFNode()
    node.tau, node.v_threshold, node.v_reset = 4, 2, None
    assert (node.tau, node.v_threshold, node.v_reset) == (4.0, 2.0, None) and isinstance(node.tau, float)
    node.v_threshold = torch.tensor([1.0, 2.0])
    assert torch.equal(node.v_threshold, torch.tensor([1.0, 2.0]))


def test_ottt_state_is_not_a_buffer_but_is_saved():
    """DistributedDataParallel broadcasts buffers from rank 0: OTTT's v and trace must not be buffers."""
    node = neuron.OTTTLIFNode()
    node(torch.tensor([0.8, 1.5]))
    assert [name for name, _ in node.named_buffers()] == []
    state = node.state_dict()
    assert set(state) == {"v", "trace"} and not state["v"].requires_grad
    fresh = neuron.OTTTLIFNode()
    result = fresh.load_state_dict(state)
    assert result.unexpected_keys == [] and result.missing_keys == []
    assert_close(fresh.v, node.v) and assert_close(fresh.trace, node.trace)
    assert fresh.v is not state["v"]  # a copy, not the saved tensor
    fresh.reset()
    assert "v" not in fresh.state_dict() and not hasattr(fresh, "trace")
