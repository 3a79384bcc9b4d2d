"""NeuronPlayground: results equal a direct neuron run with the same arguments; errors and controls."""

import copy
import inspect

import numpy as np
import pytest
import torch

from snnlab import neuron, surrogate
from snnlab.registry import neurons as neuron_registry
from snnlab.viz import plotly as vp
from tests.widgets.messages import count_messages
from widgets.neuron_playground import (
    NeuronPlayground,
    NeuronResult,
    _run_stepwise,
    input_sequence,
    run_neuron,
    surrogate_classes,
)


@pytest.fixture
def panel():  # a fresh panel per test: no test sees another's changes
    built = NeuronPlayground(device="cpu", throttle_ms=0)
    yield built
    built.close()


def direct_run(kind, values, sg, x_seq, device="cpu"):
    """The core call the panel must reproduce: the registry's neuron, multi-step, recording v_seq."""
    node = neuron_registry.NEURONS[kind].build(**values, surrogate_function=sg, step_mode="m", store_v_seq=True)
    with torch.no_grad():
        out = node.to(device)(x_seq.to(device).unsqueeze(1))
    return out[:, 0].cpu(), node.v_seq[:, 0].cpu()


def off_default(p):
    """A value of parameter ``p`` away from its default, inside the control's range."""
    if isinstance(p.default, bool):
        return not p.default
    return round(min(p.high, p.default + 3 * p.step), 6)


def test_defaults_and_repr(panel):
    assert repr(panel) == (
        "NeuronPlayground(model='lif', surrogate='Sigmoid', reset='hard', input='constant', T=100, compare=False)"
    )
    assert isinstance(panel.result, NeuronResult) and panel.error is None
    assert panel.result.x_seq.shape == panel.result.spikes.shape == panel.result.v_seq.shape == (100,)


def test_every_model_and_surrogate_is_offered(panel):
    assert [value for _, value in panel.model.options] == list(neuron_registry.NEURON_KINDS)
    assert set(panel.surrogate.options) == set(surrogate_classes()) >= {"Sigmoid", "ATan"}


@pytest.mark.parametrize("kind", neuron_registry.NEURON_KINDS)
@pytest.mark.parametrize("reset", ["hard", "soft"])
@pytest.mark.parametrize("surrogate_name", sorted(surrogate_classes()))
def test_result_equals_a_direct_neuron_run(panel, kind, reset, surrogate_name):
    spec = neuron_registry.NEURONS[kind]
    with panel.hold_updates():
        panel.model.value, panel.reset.value, panel.surrogate.value, panel.input.value = (
            kind,
            reset,
            surrogate_name,
            "noise",
        )
        panel.sync_controls()
        assert list(panel.params) == [p.name for p in spec.params]
        for p in spec.params:
            panel.params[p.name].value = off_default(p)
        panel.alpha.value, panel.amplitude.value, panel.noise.value = 2.5, 0.9, 0.5
        panel.T.value, panel.seed.value = 40, 3
    assert panel.error is None, panel.status_text
    x_seq = input_sequence("noise", 40, 0.9, noise=0.5, seed=3)
    values = {p.name: off_default(p) for p in spec.params}
    values.update({p.name: None for p in spec.params if p.nullable and reset == "soft"})
    sg_cls = surrogate_classes()[surrogate_name]
    takes_alpha = "alpha" in inspect.signature(sg_cls).parameters  # the slider sets alpha where there is one
    sg = sg_cls(alpha=2.5) if takes_alpha else sg_cls()
    out, v_seq = direct_run(kind, values, sg, x_seq)
    torch.testing.assert_close(panel.result.x_seq, x_seq)
    torch.testing.assert_close(panel.result.v_seq, v_seq)
    if ((out == 0) | (out == 1)).all():  # a spiking output (LIAF outputs its activation instead)
        torch.testing.assert_close(panel.result.spikes, out, rtol=0, atol=0)
    assert panel.result.v_reset == values.get("v_reset", panel.result.v_reset)
    assert type(panel.result.surrogate_function) is type(sg)
    assert not takes_alpha or panel.result.surrogate_function.alpha == 2.5


def test_compare_overlays_the_pinned_configuration_on_the_same_input(panel):
    with panel.hold_updates():
        panel.compare.value = False
        panel.model.value, panel.reset.value, panel.input.value = "lif", "hard", "constant"
        panel.sync_controls()
        for kind in ("adaptive_lif", "lif"):  # every parameter at its default
            panel.model.value = kind
            panel.sync_controls()
            for p in neuron_registry.NEURONS[kind].params:
                panel.params[p.name].value = p.default
        panel.amplitude.value, panel.T.value = 1.2, 50
    panel.compare.value = True  # A = LIF tau 2
    panel.model.value = "adaptive_lif"  # B
    a, b = panel.result.compare, panel.result
    assert a is not None and a.label.startswith("lif tau=2") and b.label.startswith("adaptive_lif")
    torch.testing.assert_close(a.x_seq, b.x_seq)
    _, v_a = direct_run("lif", {"tau": 2.0}, surrogate.Sigmoid(), b.x_seq)
    _, v_b = direct_run("adaptive_lif", {}, surrogate.Sigmoid(), b.x_seq)
    torch.testing.assert_close(a.v_seq, v_a)
    torch.testing.assert_close(b.v_seq, v_b)
    assert b.spikes.sum() < a.spikes.sum()  # the adaptive threshold fires less on the same input
    fig = panel.membrane_fig
    assert (
        fig.data[4].visible
        and fig.data[5].visible
        and fig.data[4].name == "A: lif v"
        and fig.data[0].name == "B: adaptive_lif v"
    )
    np.testing.assert_allclose(fig.data[4].y, torch.stack((a.h_seq, a.v_seq), 1).flatten().numpy(), rtol=1e-6)
    a_marks, b_marks = vp.mark_positions(fig, "compare spike"), vp.mark_positions(fig, "spike")
    assert a_marks[0].tolist() == torch.nonzero(a.spikes).flatten().float().tolist() and (a_marks[1] == 1.0).all()
    assert b_marks[0].tolist() == torch.nonzero(b.spikes).flatten().float().tolist()
    assert vp.marks(fig, "compare spike").visible is True and vp.marks(fig, "compare spike").line.color == "#888"
    panel.compare.value = False
    assert panel.result.compare is None and not panel.membrane_fig.data[4].visible
    assert vp.marks(fig, "compare spike").visible is False and vp.marks(fig, "spike").visible is True


def test_known_if_trace_from_a_users_input_and_neuron():
    # SpikingJelly-verified trace: IF, x = 0.5, 0.5, 0.5, 1.0, 2.0, hard and soft reset
    x = torch.tensor([0.5, 0.5, 0.5, 1.0, 2.0])
    hard = NeuronPlayground(node=neuron.IFNode(), x_seq=x, device="cpu", throttle_ms=0)
    assert hard.result.spikes.tolist() == [0.0, 1.0, 0.0, 1.0, 1.0]
    torch.testing.assert_close(hard.result.v_seq, torch.tensor([0.5, 0.0, 0.5, 0.0, 0.0]))
    torch.testing.assert_close(hard.result.h_seq, torch.tensor([0.5, 1.0, 0.5, 1.5, 2.0]))  # before each reset
    user_node = neuron.IFNode(v_reset=None)
    soft = NeuronPlayground(node=user_node, x_seq=x, device="cpu", throttle_ms=0)
    torch.testing.assert_close(soft.result.v_seq, torch.tensor([0.5, 0.0, 0.5, 0.5, 1.5]))
    torch.testing.assert_close(soft.result.h_seq, torch.tensor([0.5, 1.0, 0.5, 1.5, 2.5]))
    assert user_node.step_mode == "s" and user_node.v == 0.0  # the user's node is not touched
    assert repr(soft).startswith("NeuronPlayground(model='custom', ") and repr(soft).endswith("T=5, compare=False)")
    assert soft.params == {} and soft.alpha.disabled and soft.amplitude.disabled and soft.T.disabled


def test_known_lif_trace():
    # SpikingJelly-verified: LIF tau=2, x = 0.8 x 4, decay_input, hard reset to 0 -> v = 0.4, 0.6, 0.7, 0.75
    panel = NeuronPlayground(model="LIF", tau=2.0, x_seq=torch.full((4,), 0.8), device="cpu", throttle_ms=0)
    assert panel.result.spikes.tolist() == [0.0] * 4
    torch.testing.assert_close(panel.result.v_seq, torch.tensor([0.4, 0.6, 0.7, 0.75]))


def test_figures_show_the_result_with_one_message_per_figure(panel):
    with panel.hold_updates():
        panel.compare.value = False
        panel.model.value, panel.input.value, panel.reset.value = "lif", "constant", "hard"
        panel.sync_controls()
        panel.params["v_threshold"].value, panel.amplitude.value, panel.T.value = 1.0, 1.2, 100
        panel.surrogate.value = "Sigmoid"
    calls = count_messages(panel.membrane_fig, panel.surrogate_fig)
    panel.surrogate.value = "ATan"
    # one batched message per figure at most (plotly skips a figure whose data did not change)
    assert (1, "_send_update_msg") in calls and sorted(set(calls)) == sorted(calls)
    assert {name for _, name in calls} == {"_send_update_msg"}
    # the drawn line rises to h[t] (before the reset) and drops to v[t] at each step
    sawtooth = torch.stack((panel.result.h_seq, panel.result.v_seq), dim=1).flatten().numpy()
    np.testing.assert_allclose(panel.membrane_fig.data[0].y, sawtooth, rtol=1e-6)
    assert panel.membrane_fig.data[0].y.max() >= panel.params["v_threshold"].value
    assert panel.surrogate_fig.layout.title.text.startswith("ATan(")
    grad = panel.surrogate_fig.data[2]
    expected = surrogate.ATan(alpha=panel.alpha.value).derivative(torch.as_tensor(grad.x, dtype=torch.float32))
    np.testing.assert_allclose(grad.y, expected.numpy(), rtol=1e-5)


def test_dependent_controls_are_disabled(panel):
    with panel.hold_updates():
        panel.model.value, panel.reset.value, panel.input.value = "if", "soft", "poisson"
        panel.sync_controls()
    assert panel.params["v_reset"].disabled and not panel.rate.disabled and panel.noise.disabled
    with panel.hold_updates():
        panel.model.value, panel.reset.value, panel.input.value = "plif", "hard", "noise"
        panel.sync_controls()
    assert not panel.params["v_reset"].disabled and panel.rate.disabled and not panel.noise.disabled


def test_reset_above_threshold_runs_as_in_the_core(panel):
    with panel.hold_updates():
        panel.compare.value = False
        panel.model.value, panel.reset.value = "lif", "hard"
        panel.sync_controls()
        panel.params["v_threshold"].value, panel.params["v_reset"].value = 0.3, 0.0
        panel.amplitude.value = 0.4  # from rest, v reaches 0.2 then 0.3: a spike every second step
    panel.params["v_reset"].value = 0.5
    assert panel.error is None and panel.status_text.startswith("ran on cpu in ")
    assert bool((panel.result.spikes == 1).all())  # v starts at v_reset >= v_threshold: a spike every step
    panel.params["v_reset"].value = 0.0
    assert panel.error is None and not bool((panel.result.spikes == 1).all())


def test_a_failing_user_neuron_shows_its_error():
    class Broken(neuron.IFNode):
        def neuronal_charge(self, x):
            raise RuntimeError("charge exploded")

    panel = NeuronPlayground(node=Broken(), device="cpu", throttle_ms=0)
    assert panel.result is None and panel.status_text == "RuntimeError: charge exploded"
    panel.node = neuron.IFNode()
    assert panel.update() and panel.result.spikes.shape == (100,)


def test_runs_on_each_device_and_returns_cpu_tensors(device):
    panel = NeuronPlayground(model="PLIF", input_kind="noise", device=device, throttle_ms=0)
    assert panel.error is None and panel.status_text.startswith(f"ran on {device} in ")
    assert panel.result.spikes.device.type == "cpu" and panel.result.v_seq.device.type == "cpu"
    spikes, v_seq = direct_run("plif", {"init_tau": 2.0}, surrogate.Sigmoid(4.0), panel.result.x_seq)
    torch.testing.assert_close(panel.result.spikes, spikes, rtol=0, atol=0)
    torch.testing.assert_close(panel.result.v_seq, v_seq, rtol=1e-5, atol=1e-5)


def test_input_sequences_follow_their_definitions():
    torch.testing.assert_close(input_sequence("constant", 4, 0.7), torch.full((4,), 0.7))
    assert input_sequence("step", 8, 1.5).tolist() == [0.0, 0.0] + [1.5] * 6
    g = torch.Generator().manual_seed(5)
    torch.testing.assert_close(
        input_sequence("poisson", 50, 2.0, rate=0.2, seed=5), (torch.rand(50, generator=g) < 0.2).float() * 2.0
    )
    g = torch.Generator().manual_seed(5)
    torch.testing.assert_close(
        input_sequence("noise", 50, 1.0, noise=0.1, seed=5), 1.0 + 0.1 * torch.randn(50, generator=g)
    )
    assert (
        input_sequence("poisson", 30, 1.0, rate=0.0).sum() == 0
        and input_sequence("poisson", 30, 1.0, rate=1.0).sum() == 30
    )
    with pytest.raises(ValueError, match=r"kind must be one of 'constant', 'step', 'poisson', 'noise', got 'ramp'"):
        input_sequence("ramp", 4)
    with pytest.raises(ValueError, match=r"rate must be in \[0, 1\], got 1.5"):
        input_sequence("poisson", 4, rate=1.5)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (
            dict(node=torch.nn.ReLU()),
            TypeError,
            r"node must be a snnlab.neuron node \(e.g. LIFNode\(\)\), got an object of type ReLU",
        ),
        (dict(x_seq=torch.ones(3, 2)), ValueError, r"x_seq must be a non-empty 1-D tensor \[T\], got shape \[3, 2\]"),
        (dict(x_seq=[1.0, 2.0]), ValueError, r"x_seq must be a non-empty 1-D tensor \[T\], got list"),
        (
            dict(model="Hodgkin"),
            ValueError,
            r"NeuronPlayground: model must be one of 'if', 'lif', .*, got 'Hodgkin' \(str\)",
        ),
        (dict(reset="zero"), ValueError, r"NeuronPlayground: reset must be one of 'hard', 'soft', got 'zero'"),
        (dict(input_kind="ramp"), ValueError, r"input_kind must be one of 'constant', 'step', 'poisson', 'noise'"),
    ],
)
def test_bad_arguments_are_rejected(kwargs, error, match):
    with pytest.raises(error, match=match):
        NeuronPlayground(device="cpu", **kwargs)


# ----------------------------------------------------------------------------- argument ranges, v_reset rule, used nodes
@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(tau=-1.0), r"NeuronPlayground: tau must be a number in \[1.1, 20\], got -1.0"),
        (dict(tau=25.0), r"NeuronPlayground: tau must be a number in \[1.1, 20\], got 25.0"),
        (dict(v_threshold=0.0), r"NeuronPlayground: v_threshold must be a number in \[0.1, 3\], got 0.0"),
        (dict(v_reset=-2.0), r"NeuronPlayground: v_reset must be a number in \[-1, 0.5\], got -2.0"),
        (dict(params={"tau_syn": 0.5}), r"NeuronPlayground: tau_syn must be a number in \[1.1, 20\], got 0.5"),
        (dict(alpha=0.1), r"NeuronPlayground: alpha must be a number in \[0.5, 10\], got 0.1"),
        (dict(amplitude=9.0), r"NeuronPlayground: amplitude must be a number in \[-1, 3\], got 9.0"),
        (dict(rate=1.5), r"NeuronPlayground: rate must be a number in \[0, 1\], got 1.5"),
        (dict(noise=-0.1), r"NeuronPlayground: noise must be a number in \[0, 2\], got -0.1"),
        (dict(T=0), r"NeuronPlayground: T must be an integer >= 1, got 0"),
        (dict(seed=2**80), r"NeuronPlayground: seed must be an integer in \[0, 9.22337e\+18\]"),
        (dict(tau=float("nan")), r"NeuronPlayground: tau must be a finite number, got nan"),
    ],
)
def test_out_of_range_constructor_arguments_are_refused_by_name(kwargs, match):
    with pytest.raises(ValueError, match=match):
        NeuronPlayground(device="cpu", **kwargs)


def test_arguments_at_the_ends_of_the_ranges_are_kept():
    panel = NeuronPlayground(tau=20.0, v_threshold=0.1, v_reset=-1.0, alpha=10.0, amplitude=3.0, T=1, device="cpu")
    values = {name: panel.params[name].value for name in ("tau", "v_threshold", "v_reset")}
    assert values == {"tau": 20.0, "v_threshold": 0.1, "v_reset": -1.0}
    assert (panel.alpha.value, panel.amplitude.value, panel.T.value) == (10.0, 3.0, 1)


def test_a_reset_at_or_above_the_threshold_runs_as_in_the_core():
    panel = NeuronPlayground(model="IF", v_threshold=0.3, v_reset=0.5, amplitude=0.0, T=20, device="cpu")
    assert panel.error is None
    assert panel.result.spikes.tolist() == [1.0] * 20  # v starts at v_reset >= v_threshold: fires every step
    node = neuron.IFNode(v_threshold=0.3, v_reset=0.5, step_mode="m")
    assert panel.result.spikes.tolist() == node(torch.zeros(20, 1)).flatten().tolist()


def test_a_node_that_just_ran_with_gradients_is_accepted_and_left_alone():
    node = neuron.LIFNode(tau=3.0)
    x = torch.rand(1, requires_grad=True)
    node(x)
    assert node.v.grad_fn is not None
    v_before = node.v
    panel = NeuronPlayground(node=node, x_seq=torch.full((10,), 0.8), device="cpu")
    assert panel.error is None and panel.result.spikes.shape == (10,)
    reference = neuron.LIFNode(tau=3.0, step_mode="m")
    assert panel.result.spikes.tolist() == reference(torch.full((10, 1), 0.8)).flatten().tolist()
    assert node.v is v_before and node.step_mode == "s"
    panel.close()
    node.reset()  # the panel keeps a reference to node: drop v's graph so that later tests see no live graph


WHOLE_RUN_NODES = [
    lambda: neuron.IFNode(),
    lambda: neuron.IFNode(v_reset=None, v_threshold=0.8),
    lambda: neuron.LIFNode(tau=3.0),
    lambda: neuron.LIFNode(tau=7.5, decay_input=False, v_reset=-0.2),
    lambda: neuron.LIFNode(tau=2.0, v_reset=None),
    lambda: neuron.ParametricLIFNode(init_tau=4.0),
]


@pytest.mark.parametrize("make", WHOLE_RUN_NODES)
def test_a_whole_run_matches_the_step_by_step_record(make):
    node = make()
    x_seq = 2.6 * torch.rand(300, 3, generator=torch.Generator().manual_seed(0)) - 0.2
    spikes, v_seq, h_seq = run_neuron(node, x_seq)
    ref_spikes, ref_v, ref_h = _run_stepwise(copy.deepcopy(node), x_seq)  # the recorded loop: the reference
    assert ref_spikes.sum() > 10  # the input makes the neuron fire, so resets are compared too
    torch.testing.assert_close(spikes, ref_spikes, rtol=0, atol=0)
    torch.testing.assert_close(v_seq, ref_v)
    torch.testing.assert_close(h_seq, ref_h)
    assert node.step_mode == "s" and not node.store_v_seq  # the user's node is left as it was


def test_a_subclass_with_its_own_charge_is_stepped():
    class Doubling(neuron.IFNode):
        def neuronal_charge(self, x):
            self.v = self.v + 2 * x

    _, v_seq, h_seq = run_neuron(Doubling(), torch.tensor([[0.3], [0.3], [0.1]]))
    torch.testing.assert_close(h_seq.flatten(), torch.tensor([0.6, 1.2, 0.2]))
    torch.testing.assert_close(v_seq.flatten(), torch.tensor([0.6, 0.0, 0.2]))
