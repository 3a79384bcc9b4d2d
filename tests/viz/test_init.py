"""snnlab.viz is lazy: the package loads no plotting library; each form loads only its own."""

import subprocess
import sys

import pytest

_STEPS = """
import sys
def loaded():
    return ','.join(m for m in ('matplotlib', 'plotly', 'ipywidgets') if m in sys.modules)
import snnlab.viz as v
print(loaded())
v.plotly.raster
print(loaded())
v.mpl.raster
print(loaded())
"""


def test_each_form_loads_only_its_library():
    out = subprocess.run([sys.executable, "-c", _STEPS], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:3] == ["", "plotly", "matplotlib,plotly"]


def test_unknown_attribute_is_an_attribute_error():
    import snnlab.viz

    with pytest.raises(AttributeError, match="no attribute 'bokeh'"):
        snnlab.viz.bokeh
