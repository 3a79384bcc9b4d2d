"""The shipped NIR file (made by make_fixtures.py from snnTorch) reproduces snnTorch's own spikes."""

from pathlib import Path

import numpy as np
import pytest
import torch

from snnlab import functional
from snnlab.interop import from_nir

pytest.importorskip("nir")
ROOT = Path(__file__).resolve().parents[2]


def test_shipped_snntorch_file_matches_snntorch_run():
    io = np.load(ROOT / "tests" / "interop" / "fixtures" / "snntorch_mlp_io.npz")
    x = torch.from_numpy(io["x"]).float()
    net = from_nir(ROOT / "notebooks" / "data" / "snntorch_mlp.nir")
    records = {"1": [], "3": []}
    for name in records:
        net._modules[name].register_forward_hook(lambda m, i, o, name=name: records[name].append(o))
    functional.set_step_mode(net, "m")
    with torch.no_grad():
        net(x)
    assert int(io["spikes_1"].sum()) > 0
    for name in records:
        torch.testing.assert_close(records[name][0].bool(), torch.from_numpy(io[f"spikes_{name}"]), rtol=0, atol=0)
