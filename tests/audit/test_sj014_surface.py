"""Every public name of SpikingJelly 0.14's eight ``activation_based`` modules exists in the same snnlab module.

The names are read from the installed 0.14 (the test oracle), minus the out-of-scope ones listed in
``tests/sj014.py`` (CuPy/CUDA-only helpers, the GPU monitor). Constructors and functions also take 0.14's
parameters, in 0.14's order, with 0.14's defaults (snnlab may add keyword-only parameters after them).
"""

import importlib
import inspect

import pytest

from tests.sj014 import public_names, sj

MODULES = ("surrogate", "neuron", "layer", "monitor", "encoding", "functional", "base", "learning")


def _cases():
    for module in MODULES:
        for name in public_names(module):
            yield pytest.param(module, name, id=f"{module}.{name}")


CASES = list(_cases())


def test_the_oracle_lists_the_expected_number_of_names():
    counts = {m: len(public_names(m)) for m in MODULES}
    assert counts == {
        "surrogate": 31,
        "neuron": 10,
        "layer": 39,
        "monitor": 7,
        "encoding": 6,
        "functional": 20,
        "base": 5,
        "learning": 9,
    }


@pytest.mark.parametrize(("module", "name"), CASES)
def test_name_is_present(module, name):
    assert hasattr(importlib.import_module(f"snnlab.{module}"), name)


def _parameters(obj) -> list:
    target = obj.__init__ if inspect.isclass(obj) else obj
    sig = inspect.signature(target)
    out = []
    for p in sig.parameters.values():
        if p.name == "self" or p.kind in (p.VAR_KEYWORD, p.KEYWORD_ONLY):
            continue
        if p.kind is p.VAR_POSITIONAL:
            out.append(("*" + p.name, None))
            continue
        default = p.default
        if default is inspect.Parameter.empty:
            default = "<required>"
        elif callable(default):
            default = "<callable>"  # lambdas and module instances (ReLU(), Sigmoid()) are compared as callables
        out.append((p.name, default))
    return out


@pytest.mark.parametrize(
    ("module", "name"),
    [c for c in CASES if c.values[0] not in ("surrogate", "neuron")],
)
def test_parameters_and_defaults_match(module, name):
    theirs = getattr(sj(module), name)
    if not callable(theirs):
        pytest.skip(f"{name} is not callable in 0.14")
    ours = getattr(importlib.import_module(f"snnlab.{module}"), name)
    expected = _parameters(theirs)
    got = _parameters(ours)
    if any(n.startswith("*") for n, _ in expected):
        # 0.14 forwards *args/**kwargs to torch (tdBN): snnlab names torch's parameters instead
        expected = [p for p in expected if not p[0].startswith("*")]
    assert got[: len(expected)] == expected
