"""Non-finite values: NaN and +-inf in every scalar and tensor argument give a clear ValueError naming it."""

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from snnlab import functional, layer, neuron, surrogate
from snnlab.analysis import neuron_report
from snnlab.encoding import PoissonEncoder, constant_current
from snnlab.training import Trainer, build_model

from .strategies import NEURONS, NON_FINITE, SURROGATES

X, LABELS = torch.rand(4, 3), torch.tensor([0, 1, 0, 1])


def _fptt(alpha):
    net = torch.nn.Sequential(torch.nn.Linear(3, 2), neuron.IFNode())
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    w_ra = functional.fptt_online_training_init_w_ra(opt)
    functional.fptt_online_training(net, opt, torch.rand(2, 4, 3), torch.rand(2, 4, 2), F.mse_loss, alpha, w_ra)


#: (what is called, the argument name in the message): every public scalar argument that takes a real number
SCALAR_ARGUMENTS = {
    "IFNode.v_threshold": (lambda v: neuron.IFNode(v_threshold=v), "v_threshold"),
    "IFNode.v_reset": (lambda v: neuron.IFNode(v_reset=v), "v_reset"),
    "LIFNode.tau": (lambda v: neuron.LIFNode(tau=v), "tau"),
    "ParametricLIFNode.init_tau": (lambda v: neuron.ParametricLIFNode(init_tau=v), "init_tau"),
    "OTTTLIFNode.tau": (lambda v: neuron.OTTTLIFNode(tau=v), "tau"),
    "Sigmoid.alpha": (lambda v: surrogate.Sigmoid(alpha=v), "alpha"),
    "ATan.alpha": (lambda v: surrogate.ATan(alpha=v), "alpha"),
    "Dropout.p": (lambda v: layer.Dropout(p=v), "p"),
    "constant_current.value": (lambda v: constant_current(v, T=2, shape=(2,)), "value"),
    "set_threshold_margin.threshold0": (
        lambda v: functional.set_threshold_margin(neuron.IFNode(), torch.eye(2), threshold0=v),
        "threshold0",
    ),
    "set_threshold_margin.eval_threshold": (
        lambda v: functional.set_threshold_margin(neuron.IFNode().eval(), torch.eye(2), eval_threshold=v),
        "eval_threshold",
    ),
    "kernel_dot_product.gaussian": (
        lambda v: functional.kernel_dot_product(torch.ones(2, 3), torch.ones(2, 3), "gaussian", v),
        "sigma",
    ),
    "kernel_dot_product.sigmoid": (
        lambda v: functional.kernel_dot_product(torch.ones(2, 3), torch.ones(2, 3), "sigmoid", v),
        "alpha",
    ),
    "fptt_online_training.alpha": (_fptt, "alpha"),
    "Trainer.lr": (lambda v: Trainer("bptt", X, LABELS, batch_size=2, lr=v), "lr"),
    "Trainer.alpha": (lambda v: Trainer("fptt", X, LABELS, batch_size=2, alpha=v), "alpha"),
    "build_model.tau": (lambda v: build_model("bptt", 3, 2, tau=v), "tau"),
    "neuron_report.dead_rate": (lambda v: neuron_report(torch.zeros(2, 2, 3), dead_rate=v), "dead_rate"),
}


# every real-valued parameter of every registered neuron kind and surrogate kind, in its constructor
for _kind, _spec in NEURONS.items():
    for _p in _spec.params:
        if not isinstance(_p.default, bool):
            SCALAR_ARGUMENTS[f"{_spec.class_name}.{_p.name}"] = (
                lambda v, build=_spec.build, name=_p.name: build(**{name: v}),
                _p.name,
            )
for _kind, _spec in SURROGATES.items():
    for _name in _spec.cls.param_names:
        if (_kind, _name) == ("squarewave_fourier_series", "n"):
            continue  # an integer count: any float is refused by type (see test_rejected_calls)
        SCALAR_ARGUMENTS[f"{_spec.cls.__name__}.{_name}"] = (
            lambda v, build=_spec.build, name=_name: build(**{name: v}),
            _name,
        )


@pytest.mark.parametrize("case", sorted(SCALAR_ARGUMENTS))
@given(value=st.sampled_from(NON_FINITE), as_tensor=st.booleans())
def test_every_scalar_argument_refuses_nan_and_infinity(case, value, as_tensor):
    call, name = SCALAR_ARGUMENTS[case]
    argument = torch.tensor(value) if as_tensor else value
    try:
        call(argument)
    except TypeError as exc:  # a tensor where only a number is taken: refused by type, naming the argument
        assert as_tensor and name in str(exc), exc
    except ValueError as exc:
        assert name in str(exc), exc
    else:
        pytest.fail(f"{case} accepted {argument!r}")


@given(
    st.sampled_from(["v_threshold", "alpha"]),
    st.lists(st.sampled_from([0.5, 1.0, *NON_FINITE]), min_size=1, max_size=4),
)
def test_tensor_parameters_refuse_any_non_finite_element(name, values):
    tensor = torch.tensor(values)
    finite = bool(torch.isfinite(tensor).all())
    make = (lambda t: neuron.IFNode(v_threshold=t)) if name == "v_threshold" else (lambda t: surrogate.Sigmoid(t))
    if finite:
        make(tensor)
        return
    with pytest.raises(ValueError, match=rf"{name} must hold finite values"):
        make(tensor)


@given(st.sampled_from(NON_FINITE), st.integers(0, 3))
def test_data_with_non_finite_values_is_refused(value, where):
    x = torch.rand(4, 4)
    x.view(-1)[where] = value
    with pytest.raises(ValueError, match=r"x must hold intensities in \[0, 1\]"):
        PoissonEncoder()(x)
    with pytest.raises(ValueError, match=r"Trainer: x must hold intensities in \[0, 1\]"):
        Trainer("bptt", x, LABELS, batch_size=2)
    with pytest.raises(ValueError, match=r"Trainer: x must hold finite values"):
        Trainer("bptt", x.unsqueeze(0).expand(2, 4, 4), LABELS, batch_size=2, encoding=None)
    with pytest.raises(ValueError, match=r"constant_current: value must hold finite values"):
        constant_current(x, T=2)
