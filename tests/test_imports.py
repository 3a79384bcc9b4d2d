"""The core stays light: importing snnlab loads torch (and numpy) only."""

import subprocess
import sys

UI_AND_GPU_LIBS = ("matplotlib", "plotly", "ipywidgets", "anywidget", "triton", "IPython", "sklearn")
CORE_MODULES = (
    "snnlab",
    "snnlab.base",
    "snnlab.surrogate",
    "snnlab.dynamics",
    "snnlab.neuron",
    "snnlab.layer",
    "snnlab.functional",
    "snnlab.monitor",
    "snnlab.encoding",
    "snnlab.learning",
    "snnlab.datasets",
    "snnlab.analysis",
    "snnlab.probe",
    "snnlab.interop",
    "snnlab.training",
    "snnlab.backends",
    "snnlab.registry",
    "snnlab.viz",
)


def _loaded_after_import(modules) -> list:
    code = (
        "import sys, importlib\n"
        f"for name in {tuple(modules)!r}: importlib.import_module(name)\n"
        f"print(','.join(m for m in {UI_AND_GPU_LIBS!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return [name for name in out.stdout.strip().split(",") if name]


def test_core_modules_load_no_ui_or_gpu_library():
    assert _loaded_after_import(CORE_MODULES) == []


def test_the_check_itself_detects_a_plotting_import():
    assert _loaded_after_import(["snnlab", "matplotlib.pyplot"]) == ["matplotlib"]
