"""The surrogate registry: one consistent table that every consumer can trust."""

import inspect
import re
import typing

import pytest
import torch

from snnlab import surrogate
from snnlab.errors import UnknownOptionError
from snnlab.registry import surrogates as reg


def test_literal_table_and_classes_agree():
    assert typing.get_args(reg.SurrogateKind) == reg.SURROGATE_KINDS == tuple(reg.SURROGATES)
    registered = {spec.cls for spec in reg.SURROGATES.values()}
    public = {
        obj
        for obj in vars(surrogate).values()
        if inspect.isclass(obj) and issubclass(obj, torch.nn.Module) and obj.kind is not None
    }
    assert registered == public  # every concrete surrogate class is registered, and only those
    for kind, spec in reg.SURROGATES.items():
        assert spec.kind == kind == spec.cls.kind
        assert spec.derivative is spec.cls.derivative_function
        assert tuple(p.name for p in spec.params) == spec.cls.param_names
    ids = sorted(spec.kernel_id for spec in reg.SURROGATES.values())
    assert ids == list(range(len(ids)))  # one kernel branch per kind


@pytest.mark.parametrize("kind", reg.SURROGATE_KINDS)
def test_ranges_hold_the_defaults_and_are_valid_arguments(kind):
    spec = reg.SURROGATES[kind]
    defaults = spec.defaults()
    for p in spec.params:
        assert p.low < p.high and 0 < p.step <= p.high - p.low
        assert p.low <= defaults[p.name] <= p.high, (p, defaults[p.name])
        assert not p.integer or isinstance(defaults[p.name], int)
        for end in (p.low, p.high):
            obj = spec.build(**{p.name: end})  # both ends construct
            assert getattr(obj, p.name) == end
    obj = spec.build()
    assert reg.fused_surrogate(obj) == (kind, tuple(defaults.values()))
    alpha, c = spec.kernel_args(*obj.surrogate_args())
    assert all(isinstance(v, (int, float)) for v in (alpha, c))


def test_spec_lookup_rejects_unknown_kinds():
    assert reg.spec("erf").cls is surrogate.Erf
    with pytest.raises(UnknownOptionError, match=r"surrogate registry: kind must be one of 'sigmoid', .* got 'relu'"):
        reg.spec("relu")


def test_check_params_names_the_expected_parameters():
    assert reg.check_params("x", "leaky_k_relu", (0.1, 1.0)) == (0.1, 1.0)
    with pytest.raises(
        ValueError,
        match=r"x: cfg.alpha must give the 2 number\(s\) \('alpha', 'beta'\) of surrogate 's2nn', got \(4.0,\)",
    ):
        reg.check_params("x", "s2nn", (4.0,))
    with pytest.raises(ValueError, match=r"got \(True,\)"):
        reg.check_params("x", "sigmoid", (True,))


class OwnStep(surrogate.SurrogateFunctionBase):  # SpikingJelly 0.14 style: no kind, own autograd function
    @staticmethod
    def spiking_function(x, alpha):
        return surrogate.atan.apply(x, alpha)

    @staticmethod
    def primitive_function(x, alpha):
        return torch.sigmoid(alpha * x)


class SharperSigmoid(surrogate.Sigmoid):  # a subclass that only changes the default: still fusable
    def __init__(self, alpha: float = 8.0, spiking: bool = True):
        super().__init__(alpha, spiking)


class OwnDerivative(surrogate.Sigmoid):
    @staticmethod
    def derivative_function(x, alpha):
        return torch.ones_like(x)


@pytest.mark.parametrize(
    "obj, reason",
    [
        (lambda z: (z >= 0).to(z), r"surrogate_function is an object of type function, not a surrogate class"),
        (OwnStep(2.0), r"OwnStep is not a registered surrogate kind: no closed-form derivative is known for it"),
        (OwnDerivative(), r"OwnDerivative overrides derivative_function of Sigmoid"),
        (surrogate.Erf(spiking=False), r"Erf\(alpha=2.0, spiking=False\) has spiking=False"),
        (surrogate.ATan(alpha=torch.tensor(2.0)), r"ATan.alpha is a tensor: the fused kernels take plain numbers"),
    ],
)
def test_fused_surrogate_gives_the_reason_it_cannot_fuse(obj, reason):
    got = reg.fused_surrogate(obj)
    assert isinstance(got, str)
    assert re.match(reason, got), got


def test_fused_surrogate_accepts_plain_subclasses_and_int_parameters():
    assert reg.fused_surrogate(SharperSigmoid()) == ("sigmoid", (8.0,))
    assert reg.fused_surrogate(surrogate.SquarewaveFourierSeries(n=4, T_period=6)) == (
        "squarewave_fourier_series",
        (4, 6.0),
    )
