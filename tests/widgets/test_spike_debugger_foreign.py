"""SpikeDebugger on foreign networks without conversion: snnTorch, Norse, SpikingJelly 0.14 and 2.x, NIR files.

Each test checks that the debugger finds the spiking layers by itself and that its records equal the
spikes the framework produces on its own run.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from snnlab import layer, neuron
from snnlab.interop import to_nir, write_nir
from widgets.spike_debugger import SpikeDebugger

ROOT = Path(__file__).resolve().parents[2]


def _require(module):
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail(f"{module} is not installed; .ci/run installs it with the 'interop' extra")
        pytest.skip(f"{module} is not installed")


def _own_spikes(net, names, x_seq, step):
    records = {n: [] for n in names}
    modules = dict(net.named_modules())
    hooks = [
        modules[n].register_forward_hook(lambda m, i, o, n=n: records[n].append(o[0] if isinstance(o, tuple) else o))
        for n in names
    ]
    with torch.no_grad():
        step(x_seq)
    for h in hooks:
        h.remove()
    return {n: torch.stack(v).bool() for n, v in records.items()}


def test_snntorch_network(capsys):
    snn = _require("snntorch")
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(6, 10), snn.Leaky(beta=0.8, init_hidden=True), torch.nn.Linear(10, 4),
        snn.Leaky(beta=0.9, init_hidden=True, output=True),
    )  # fmt: skip
    with torch.no_grad():
        net[2].weight.abs_()
    x_seq = torch.rand(30, 2, 6) * 2

    def run(xs):
        from snntorch import utils

        utils.reset(net)
        for x in xs:
            net(x)

    own = _own_spikes(net, ["1", "3"], x_seq, run)
    d = SpikeDebugger(net, x_seq, device="cpu")
    assert d.error is None and d.result.layer_names == ("1", "3")
    for name in own:
        assert own[name].sum() > 0 and torch.equal(d.result.records[name], own[name])


def test_norse_network():
    nt = _require("norse.torch")
    torch.manual_seed(1)
    net = nt.SequentialState(torch.nn.Linear(6, 10), nt.LIFBoxCell(), torch.nn.Linear(10, 4), nt.LIFBoxCell())
    with torch.no_grad():
        net[0].weight.abs_().mul_(4)
        net[2].weight.abs_().mul_(4)
    x_seq = torch.rand(40, 2, 6) * 4

    def run(xs):
        state = None
        for x in xs:
            _, state = net(x, state)

    own = _own_spikes(net, ["1", "3"], x_seq, run)
    d = SpikeDebugger(net, x_seq, device="cpu")
    assert d.error is None and d.result.layer_names == ("model.1", "model.3")
    for name in own:
        assert own[name].sum() > 0 and torch.equal(d.result.records["model." + name], own[name])


def test_spikingjelly_014_network():
    pytest.importorskip("spikingjelly.activation_based", reason="SpikingJelly 0.0.0.0.14 is not installed")
    from spikingjelly.activation_based import functional, layer, neuron

    sj = SimpleNamespace(functional=functional, layer=layer, neuron=neuron)
    torch.manual_seed(2)
    net = torch.nn.Sequential(sj.layer.Linear(6, 10), sj.neuron.LIFNode(), sj.layer.Linear(10, 4), sj.neuron.IFNode())
    with torch.no_grad():
        net[0].weight.abs_().mul_(2)
        net[2].weight.abs_()
    sj.functional.set_step_mode(net, "m")
    x_seq = torch.rand(20, 2, 6) * 2
    own = _own_spikes(net, ["1", "3"], x_seq, net)
    own = {n: v[0] for n, v in own.items()}  # one multi-step call
    sj.functional.reset_net(net)
    d = SpikeDebugger(net, x_seq, device="cpu")
    assert d.result.layer_names == ("1", "3")
    for name in own:
        assert torch.equal(d.result.records[name], own[name])


@pytest.mark.parametrize("step_mode", ["s", "m"])
def test_spikingjelly2_network(step_mode):
    sj2 = ROOT / ".sj2"
    if not (sj2 / "spikingjelly").is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"SpikingJelly 2 is not installed in {sj2}; .ci/run installs it")
        pytest.skip("SpikingJelly 2 is not installed in .sj2")
    env = dict(os.environ, PYTHONPATH=f"{sj2}{os.pathsep}{ROOT}")
    worker = ROOT / "tests" / "interop" / "sj2_worker.py"
    done = subprocess.run([sys.executable, str(worker), "debug", step_mode], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["error"] is None and report["layers"] == ["1", "3"]
    assert report["same"] == {"1": True, "3": True} and min(report["counts"].values()) > 0


def test_nir_file(tmp_path):
    pytest.importorskip("nir")
    torch.manual_seed(3)
    net = torch.nn.Sequential(layer.Linear(6, 10), neuron.LIFNode(), layer.Linear(10, 4), neuron.IFNode())
    x_seq = torch.rand(20, 2, 6) * 3
    write_nir(tmp_path / "net.nir", to_nir(net, x_seq[0]))
    own = _own_spikes(net, ["1", "3"], x_seq, lambda xs: [net(x) for x in xs])
    d = SpikeDebugger(str(tmp_path / "net.nir"), x_seq, device="cpu")
    assert d.result.layer_names == ("1", "3")
    for name in own:
        assert torch.equal(d.result.records[name], own[name])
