"""The matplotlib and plotly twins of every figure share one signature: same names, keywords and defaults.

The only difference allowed is where the figure goes: matplotlib takes the axes first (``ax``, or
``axes`` for two-panel figures), plotly returns a figure and refills one given as ``fig=``.
"""

import inspect

import pytest

from snnlab.viz import mpl as vm
from snnlab.viz import plotly as vp

FIGURES = [name for name in vp.__all__ if callable(getattr(vp, name))]


def test_both_forms_have_the_same_figures():
    assert sorted(FIGURES) == sorted(n for n in vm.__all__ if not n.startswith("update_"))


@pytest.mark.parametrize("name", FIGURES)
def test_the_twins_take_the_same_arguments(name):
    mpl_params = list(inspect.signature(getattr(vm, name)).parameters.values())
    plotly_params = list(inspect.signature(getattr(vp, name)).parameters.values())
    if "fig" in (p.name for p in mpl_params):  # a whole-figure function (small multiples): one signature
        assert [(p.name, p.kind, p.default) for p in mpl_params] == [(p.name, p.kind, p.default) for p in plotly_params]
        return
    assert mpl_params[0].name in ("ax", "axes")  # where the matplotlib form draws
    assert plotly_params[-1].name == "fig" and plotly_params[-1].default is None
    shared_mpl, shared_plotly = mpl_params[1:], plotly_params[:-1]
    describe = [(p.name, p.kind, p.default) for p in shared_mpl]
    assert describe == [(p.name, p.kind, p.default) for p in shared_plotly]
