"""The shared surrogate machinery: validation, reprs, the function-form factories, the checkers."""

import pytest
import torch
from torch.testing import assert_close

from snnlab import surrogate
from snnlab.errors import InvalidParameterError, InvalidParameterTypeError


@pytest.mark.parametrize(
    "make, error, match",
    [
        (
            lambda: surrogate.QPseudoSpike(alpha=1.0),
            InvalidParameterError,
            r"QPseudoSpike: alpha must be a number > 1.0, got 1.0",
        ),
        (lambda: surrogate.Erf(alpha=-2), InvalidParameterError, r"Erf: alpha must be a number > 0.0, got -2.0"),
        (
            lambda: surrogate.PiecewiseLeakyReLU(w=0.0),
            InvalidParameterError,
            r"PiecewiseLeakyReLU: w must be a number > 0.0, got 0.0",
        ),
        (
            lambda: surrogate.LeakyKReLU(leak="0"),
            InvalidParameterTypeError,
            r"LeakyKReLU: leak must be a real number, got '0' \(str\)",
        ),
        (lambda: surrogate.S2NN(beta=None), InvalidParameterTypeError, r"S2NN: beta must be a real number, got None"),
        (
            lambda: surrogate.SquarewaveFourierSeries(n=2.0),
            TypeError,
            r"SquarewaveFourierSeries: n must be an integer, got 2.0 \(float\)",
        ),
        (
            lambda: surrogate.SquarewaveFourierSeries(n=0),
            ValueError,
            r"SquarewaveFourierSeries: n must be an integer >= 1, got 0",
        ),
        (
            lambda: surrogate.SquarewaveFourierSeries(T_period=0),
            InvalidParameterError,
            r"T_period must be a number > 0.0, got 0.0",
        ),
        (
            lambda: surrogate.LeakyKReLU(spiking=1),
            InvalidParameterTypeError,
            r"LeakyKReLU: spiking must be a bool, got 1 \(int\)",
        ),
    ],
)
def test_bad_parameters_name_the_argument(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_log_tailed_relu_accepts_any_real_alpha():
    assert surrogate.LogTailedReLU(alpha=-0.1).alpha == -0.1  # a slope, as in 0.14; no bound
    assert surrogate.LogTailedReLU().alpha == 0.0


def test_multi_argument_reprs_and_arguments():
    assert repr(surrogate.S2NN()) == "S2NN(alpha=4.0, beta=1.0, spiking=True)"
    assert repr(surrogate.LeakyKReLU(False, 0.1, 2)) == "LeakyKReLU(leak=0.1, k=2.0, spiking=False)"
    assert surrogate.SquarewaveFourierSeries(n=3, T_period=6).surrogate_args() == (3, 6.0)
    assert surrogate.PiecewiseLeakyReLU().param_names == ("w", "c")


def test_fake_numerical_gradient_is_spiking_and_switchable():
    sg = surrogate.FakeNumericalGradient()
    assert sg.spiking and repr(sg) == "FakeNumericalGradient(alpha=0.3, spiking=True)"
    sg.set_spiking_mode(False)
    assert_close(
        sg(torch.tensor([0.0, 1.0, 10.0])), torch.tensor([0.0, 0.3, 1.0 + torch.log(torch.tensor(3.0)).item()])
    )


def test_tensor_alpha_is_kept_and_used():
    alpha = torch.tensor(3.0)
    sg = surrogate.PiecewiseExp(alpha=alpha)
    assert sg.alpha is alpha
    x = torch.tensor([0.5], requires_grad=True)
    sg(x).sum().backward()
    assert_close(x.grad, 1.5 * torch.exp(torch.tensor([-1.5])))


def test_a_class_with_no_formula_says_what_to_define():
    class Empty(surrogate.SurrogateFunctionBase):
        pass

    with pytest.raises(NotImplementedError, match=r"must define derivative_function \(or spiking_function\)"):
        Empty(1.0).derivative(torch.zeros(1))
    with pytest.raises(NotImplementedError, match=r"must define primitive_function"):
        Empty(1.0, spiking=False)(torch.zeros(1))


def test_a_class_with_only_a_derivative_function_spikes():
    class Box(surrogate.SurrogateFunctionBase):  # the snnlab style: formulas only
        @staticmethod
        def derivative_function(x, alpha):
            return (x.abs() < alpha).to(x)

    x = torch.tensor([-1.0, 0.2, 0.0, 2.0], requires_grad=True)
    y = Box(0.5)(x)
    y.sum().backward()
    assert y.tolist() == [0.0, 1.0, 1.0, 1.0] and x.grad.tolist() == [0.0, 1.0, 1.0, 0.0]


def test_function_forms_check_their_arguments():
    x = torch.zeros(2, requires_grad=True)
    with pytest.raises(TypeError, match=r"s2nn.apply takes x and 2 parameters \('alpha', 'beta'\), got 1"):
        surrogate.s2nn.apply(x, 4.0)
    with pytest.raises(TypeError, match=r"erf_backward takes grad_output, x and 1 parameter\(s\), got 2"):
        surrogate.erf_backward(x, x, 1.0, 2.0)
    y = surrogate.sigmoid.apply(torch.zeros(2), 4.0)  # no grad needed: nothing saved
    assert y.grad_fn is None and y.tolist() == [1.0, 1.0]


def test_check_manual_grad_reports_the_largest_difference(capsys):
    err = surrogate.check_manual_grad(surrogate.S2NN.primitive_function, surrogate.s2nn.apply, 4.0, 1.0)
    assert err < 1e-5
    out = capsys.readouterr().out
    assert "auto   grad" in out and "manual grad" in out and "max error" in out
    bad = surrogate.check_manual_grad(surrogate.Sigmoid.primitive_function, surrogate.atan.apply, 2.0)
    assert bad > 0.1  # a mismatched pair is reported as such


@pytest.mark.parametrize(
    "make, name, value, error, match",
    [
        (lambda: surrogate.S2NN(), "beta", float("nan"), ValueError, r"S2NN: beta must not be NaN, got nan"),
        (lambda: surrogate.S2NN(), "alpha", 0.0, ValueError, r"S2NN: alpha must be a number > 0.0, got 0.0"),
        (lambda: surrogate.PiecewiseLeakyReLU(), "w", -1.0, ValueError, r"PiecewiseLeakyReLU: w must be a number > 0"),
        (lambda: surrogate.LeakyKReLU(), "k", "x", TypeError, r"LeakyKReLU: k must be a real number, got 'x'"),
        (lambda: surrogate.SquarewaveFourierSeries(), "n", 0, ValueError, r"SquarewaveFourierSeries: n must be an"),
        (lambda: surrogate.S2NN(), "spiking", 1, TypeError, r"S2NN: spiking must be a bool, got 1 \(int\)"),
        (lambda: surrogate.Erf(), "alpha", float("inf"), ValueError, r"Erf: alpha must be finite, got inf"),
    ],
)
def test_parameters_of_every_base_class_are_checked_on_assignment(make, name, value, error, match):
    sg = make()
    before = getattr(sg, name)
    with pytest.raises(error, match=match):
        setattr(sg, name, value)
    assert getattr(sg, name) == before
