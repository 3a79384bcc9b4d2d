"""RasterExplorer runs single-step and foreign networks once per step, and NIR files, without conversion."""

import pytest
import torch

from snnlab import layer, neuron
from snnlab.interop import to_nir, write_nir
from tests.interop.test_adapters import LeakyLike, NorseLikeNet
from widgets.raster_explorer import RasterExplorer


def _drive(T, N):
    return ((torch.arange(N, dtype=torch.float32) + 0.5) / N).expand(T, 1, N)


def test_an_snntorch_like_network_is_stepped_and_reset():
    net = torch.nn.Sequential(LeakyLike())
    panel = RasterExplorer(encoder="current", N=8, T=12, gain=2.0, net=net, device="cpu", throttle_ms=0)
    reference = LeakyLike()
    expected = torch.stack([reference(x) for x in _drive(12, 8) * 2.0]).reshape(12, 8)
    assert expected.sum() > 0
    torch.testing.assert_close(panel.result.spikes, expected)
    assert net[0].mem.abs().sum() == 0  # reset after the run


def test_a_norse_like_network_keeps_its_state_between_steps():
    torch.manual_seed(0)
    net = NorseLikeNet()
    net.fc = torch.nn.Linear(8, 3)
    panel = RasterExplorer(encoder="current", N=8, T=10, gain=3.0, net=net, device="cpu", throttle_ms=0)
    state, expected = None, []
    with torch.no_grad():
        for x in _drive(10, 8) * 3.0:
            z, state = net(x, state)
            expected.append(z)
    torch.testing.assert_close(panel.result.spikes, torch.stack(expected).reshape(10, 3))


def test_a_nir_file(tmp_path):
    pytest.importorskip("nir")
    torch.manual_seed(1)
    net = torch.nn.Sequential(layer.Linear(8, 4), neuron.LIFNode())
    write_nir(tmp_path / "net.nir", to_nir(net, torch.zeros(1, 8)))
    panel = RasterExplorer(encoder="current", N=8, T=10, gain=4.0, net=str(tmp_path / "net.nir"), device="cpu",
                           throttle_ms=0)  # fmt: skip
    expected = torch.stack([net(x) for x in _drive(10, 8) * 4.0]).reshape(10, 4)
    assert 0 < expected.sum() < expected.numel()
    torch.testing.assert_close(panel.result.spikes, expected.detach())
