"""snnlab.interop: NIR export and import against hand-written Euler loops and exact round trips."""

import logging
import os

import numpy as np
import pytest
import torch

from snnlab import functional, interop, layer, neuron, surrogate
from snnlab.interop import from_nir, read_nir, to_nir, write_nir

from .cuba_reference import ReferenceCubaLIFNode, reference_loop

nir = pytest.importorskip("nir")


def _run_m(net, x_seq):
    functional.reset_net(net)
    functional.set_step_mode(net, "m")
    return net(x_seq)


def _run_s(net, x_seq):
    functional.reset_net(net)
    functional.set_step_mode(net, "s")
    return torch.stack([net(x) for x in x_seq])


def _mlp():
    torch.manual_seed(0)
    return torch.nn.Sequential(
        layer.Linear(6, 8),
        neuron.LIFNode(tau=2.5, v_threshold=0.7, surrogate_function=surrogate.ATan(alpha=3.0)),
        layer.Linear(8, 5, bias=False),
        neuron.LIFNode(tau=4.0, decay_input=False, v_reset=-0.1, detach_reset=True),
        layer.Linear(5, 4),
        neuron.ParametricLIFNode(init_tau=3.0),
        layer.Linear(4, 3),
        neuron.IFNode(v_threshold=torch.tensor([0.5, 1.0, 1.5])),
    )


def _conv():
    torch.manual_seed(1)
    return torch.nn.Sequential(
        layer.Conv2d(2, 4, 3, padding=1),
        neuron.LIFNode(tau=2.0),
        layer.AvgPool2d(2),
        interop.SumPool2d(2),
        layer.Flatten(),
        layer.Linear(16, 3),
        neuron.IFNode(),
    )


def _conv1d():
    torch.manual_seed(2)
    return torch.nn.Sequential(
        layer.Conv1d(3, 4, 3, stride=2, padding=1, bias=False),
        neuron.IFNode(v_threshold=0.3),
        interop.Scale(torch.tensor(2.0)),
        interop.Threshold(torch.tensor(0.5)),
        interop.Delay(torch.tensor([[0, 1, 2, 0, 1]]).expand(4, 5).contiguous()),
    )


NETS = {"mlp": (_mlp, (6,)), "conv2d": (_conv, (2, 8, 8)), "conv1d": (_conv1d, (3, 10))}


@pytest.mark.parametrize("kind", sorted(NETS))
def test_round_trip_is_bit_identical_in_both_step_modes(kind, tmp_path):
    make, shape = NETS[kind]
    net = make()
    torch.manual_seed(3)
    x_seq = torch.rand(12, 3, *shape) * 2.0
    graph = to_nir(net, x_seq[0], dt=1e-3)
    write_nir(tmp_path / "net.nir", graph)
    back = from_nir(tmp_path / "net.nir")
    expected = _run_s(net, x_seq)
    assert expected.sum() > 0
    torch.testing.assert_close(_run_m(back, x_seq), expected, rtol=0, atol=0)
    torch.testing.assert_close(_run_s(back, x_seq), expected, rtol=0, atol=0)
    # reset_net clears every state: a second run gives the same spikes
    torch.testing.assert_close(_run_s(back, x_seq), expected, rtol=0, atol=0)


def test_round_trip_keeps_snnlab_settings():
    net = _mlp()
    back = from_nir(to_nir(net, torch.zeros(1, 6)))
    assert isinstance(back._modules["1"].surrogate_function, surrogate.ATan)
    assert back._modules["1"].surrogate_function.alpha == 3.0
    assert back._modules["3"].detach_reset is True and back._modules["3"].decay_input is False
    assert back._modules["3"].v_reset == -0.1 and back._modules["3"].tau == 4.0
    assert isinstance(back._modules["5"], neuron.ParametricLIFNode)
    assert torch.equal(back._modules["5"].w, net[5].w)
    torch.testing.assert_close(back._modules["7"].v_threshold, torch.tensor([0.5, 1.0, 1.5]))


def test_export_writes_per_neuron_arrays_and_dt():
    g = to_nir(_mlp(), torch.zeros(1, 6), dt=1e-3)
    assert g.metadata["dt"] == 1e-3
    lif = g.nodes["1"]
    assert lif.tau.shape == (8,) and np.allclose(lif.tau, 2.5e-3) and np.allclose(lif.r, 1.0)
    assert np.allclose(g.nodes["3"].r, 4.0) and np.allclose(g.nodes["3"].v_leak, -0.1)
    assert np.allclose(g.nodes["7"].r, 1e3) and g.nodes["7"].v_threshold.tolist() == [0.5, 1.0, 1.5]
    assert lif.metadata["snnlab"]["surrogate"] == "ATan"
    assert isinstance(g.nodes["2"], nir.Linear) and isinstance(g.nodes["0"], nir.Affine)


def test_soft_reset_is_refused_unless_lossy():
    net = torch.nn.Sequential(layer.Linear(2, 2), neuron.LIFNode(v_reset=None))
    with pytest.raises(ValueError, match=r"'1' \(LIFNode\) uses a soft reset .* allow_lossy=True"):
        to_nir(net, torch.zeros(1, 2))
    with pytest.warns(UserWarning, match="written as a hard reset to 0"):
        g = to_nir(net, torch.zeros(1, 2), allow_lossy=True)
    assert g.nodes["1"].v_reset.tolist() == [0.0, 0.0]
    assert from_nir(g)._modules["1"].v_reset is None  # snnlab reads its own metadata back
    g.nodes["1"].metadata.clear()
    assert from_nir(g)._modules["1"].v_reset == 0.0  # what every other tool sees


def _euler_lif(x_seq, w, b, tau, r, dt, thr=1.0, v_leak=0.0):
    """NIR LIF by Euler in float64: v += dt/tau (v_leak - v) + r dt/tau (W x + b), hard reset to v_leak."""
    v = torch.full((x_seq.shape[1], w.shape[0]), v_leak, dtype=torch.float64)
    out = []
    for x in x_seq.double():
        cur = x @ w.double().T + b.double()
        v = v + dt / tau * (v_leak - v) + r * dt / tau * cur
        s = (v >= thr).double()
        v = torch.where(s > 0, torch.full_like(v, v_leak), v)
        out.append(s)
    return torch.stack(out)


def _affine_lif_graph(w, b, tau, r, n):
    return nir.NIRGraph.from_list(
        nir.Affine(w.numpy(), b.numpy()),
        nir.LIF(tau=np.full(n, tau), r=np.full(n, r), v_leak=np.zeros(n), v_threshold=np.ones(n),
                v_reset=np.zeros(n)),
    )  # fmt: skip


@pytest.mark.parametrize("r", [1.0, 4.0, 3.0])
def test_lif_import_matches_euler_and_folds_odd_gains(r):
    torch.manual_seed(4)
    w, b = torch.randn(5, 4, dtype=torch.float64), torch.randn(5, dtype=torch.float64) * 0.1
    x_seq = torch.rand(30, 2, 4, dtype=torch.float64) * 2
    graph = _affine_lif_graph(w, b, tau=4e-3, r=r, n=5)
    if r == 3.0:  # gain r dt / tau = 0.75: neither 1/tau_steps nor 1
        with pytest.warns(
            UserWarning, match=r"input gain snnlab's neuron cannot hold \(0.75\); folded into .*'affine'"
        ):
            net = from_nir(graph, dt=1e-3)
    else:
        net = from_nir(graph, dt=1e-3)
    net = net.double()
    assert net.lif.decay_input is (r == 1.0)
    expected = _euler_lif(x_seq, w, b, 4e-3, r, 1e-3)
    assert 0 < expected.sum() < expected.numel()
    torch.testing.assert_close(_run_m(net, x_seq), expected)


def test_gain_without_weights_inserts_a_scale():
    g = nir.NIRGraph.from_list(nir.IF(r=np.full(3, 0.5), v_threshold=np.ones(3), v_reset=np.zeros(3)))
    with pytest.warns(UserWarning, match=r"inserted a Scale node 'if_input_gain'"):
        net = from_nir(g, dt=1.0)
    out = _run_m(net, torch.full((4, 1, 3), 1.0))
    assert out.flatten().tolist() == [0, 0, 0, 1, 1, 1] * 2


def test_recurrent_graph_runs_one_step_at_a_time():
    torch.manual_seed(5)
    w_in, w_rec = torch.randn(4, 3, dtype=torch.float64), torch.randn(4, 4, dtype=torch.float64) * 0.5
    g = nir.NIRGraph(
        nodes={
            "input": nir.Input(input_type={"input": np.array([3])}),
            "w_in": nir.Linear(w_in.numpy()),
            "lif": nir.LIF(
                tau=np.full(4, 2e-3), r=np.ones(4), v_leak=np.zeros(4), v_threshold=np.ones(4), v_reset=np.zeros(4)
            ),
            "w_rec": nir.Linear(w_rec.numpy()),
            "output": nir.Output(output_type={"output": np.array([4])}),
        },
        edges=[("input", "w_in"), ("w_in", "lif"), ("lif", "w_rec"), ("w_rec", "lif"), ("lif", "output")],
    )
    net = from_nir(g, dt=1e-3).double()
    assert net.recurrent
    x_seq = torch.rand(25, 2, 3, dtype=torch.float64) * 3
    v, s, expected = torch.zeros(2, 4, dtype=torch.float64), torch.zeros(2, 4, dtype=torch.float64), []
    for x in x_seq:
        cur = x @ w_in.T + s @ w_rec.T
        v = v + (cur - v) / 2.0
        s = (v >= 1.0).double()
        v = v * (1 - s)
        expected.append(s)
    expected = torch.stack(expected)
    assert 0 < expected.sum() < expected.numel()
    torch.testing.assert_close(_run_m(net, x_seq), expected)
    torch.testing.assert_close(_run_s(net, x_seq), expected)
    # and it exports back to the same wiring
    again = to_nir(net, x_seq[0], dt=1e-3)
    assert sorted(again.edges) == sorted(g.edges)


def test_dt_argument_then_metadata_then_convention(caplog):
    w, b = torch.eye(2, dtype=torch.float64), torch.zeros(2, dtype=torch.float64)
    g = _affine_lif_graph(w, b, tau=5e-4, r=5.0, n=2)  # snnTorch's convention: r = tau / dt, dt = 1e-4
    with caplog.at_level(logging.INFO, logger="snnlab.interop"):
        net = from_nir(g)
    assert net.dt == 1e-4 and net.lif.tau == pytest.approx(5.0)
    assert "dt = 0.0001, from tau / r of the leaky neurons" in caplog.text
    g.metadata["dt"] = 2.5e-4
    assert from_nir(g).dt == 2.5e-4
    assert from_nir(g, dt=1e-4).dt == 1e-4


def test_dt_unknown_lists_the_candidates():
    g = _affine_lif_graph(torch.eye(2), torch.zeros(2), tau=0.01, r=1.0, n=2)
    with pytest.raises(ValueError, match=r"does not say its time step .* Norse 1.1: dt=0.001, Sinabs"):
        from_nir(g)
    with pytest.raises(ValueError, match=r"dt must be a number > 0.0, got -1.0"):
        from_nir(g, dt=-1.0)
    with pytest.raises(ValueError, match=r"tau / dt must be > 1 .* is dt right\?"):
        from_nir(g, dt=0.1)


def test_bad_inputs_and_unsupported_nodes(tmp_path):
    with pytest.raises(TypeError, match="graph_or_path must be a nir.NIRGraph or a file path, got an object of type"):
        from_nir(object())
    with pytest.raises(FileNotFoundError, match="path must name an existing NIR file"):
        read_nir(tmp_path / "missing.nir")
    g = nir.NIRGraph.from_list(nir.LI(tau=np.ones(2), r=np.ones(2), v_leak=np.zeros(2)))
    with pytest.raises(NotImplementedError, match="node 'li' has type LI, which snnlab does not import"):
        from_nir(g, dt=0.1)
    with pytest.raises(NotImplementedError, match="'0' is a MaxPool2d, which has no NIR form"):
        to_nir(torch.nn.Sequential(layer.MaxPool2d(2)), torch.zeros(1, 1, 4, 4))
    with pytest.raises(TypeError, match="sample_input must be a torch.Tensor"):
        to_nir(_mlp(), [1.0])
    uneven = nir.NIRGraph.from_list(
        nir.LIF(tau=np.array([1e-3, 2e-3]), r=np.ones(2), v_leak=np.zeros(2), v_threshold=np.ones(2))
    )
    with pytest.raises(ValueError, match="tau must be the same for every neuron .* from 0.001 to 0.002"):
        from_nir(uneven, dt=1e-4)


def test_write_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "net.nir"
    graph = to_nir(_mlp(), torch.zeros(1, 6))
    write_nir(path, graph)
    before = path.read_bytes()

    def broken_write(filename, g, **kwargs):
        with open(filename, "wb") as f:
            f.write(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(nir, "write", broken_write)
    with pytest.raises(OSError, match="disk full"):
        write_nir(path, graph)
    assert path.read_bytes() == before
    with pytest.raises(OSError, match="disk full"):
        write_nir(tmp_path / "new.nir", graph)
    assert sorted(os.listdir(tmp_path)) == ["net.nir"]
    with pytest.raises(TypeError, match="graph must be a nir.NIRGraph"):
        write_nir(path, "graph")


def test_delay_from_seconds_to_steps():
    g = nir.NIRGraph.from_list(nir.Delay(np.array([0.0, 2e-3, 1e-3])))
    net = from_nir(g, dt=1e-3)
    x_seq = torch.arange(1.0, 5.0).reshape(4, 1, 1).expand(4, 1, 3)
    assert _run_m(net, x_seq)[:, 0].tolist() == [[1, 0, 0], [2, 0, 1], [3, 1, 2], [4, 2, 3]]
    with pytest.raises(ValueError, match=r"delay / dt must be whole steps"):
        from_nir(g, dt=3e-3)


# ------------------------------------------------------------------ the current-based LIF
@pytest.fixture
def reference_cuba():
    """The class NIR's CubaLIF maps to; its numbers are checked against the float64 ``reference_loop``."""
    return neuron.CubaLIFNode


def _cuba_graph(ts, tm, r, w_in, n=3):
    torch.manual_seed(6)
    w = torch.rand(n, 2, dtype=torch.float64) + 0.2
    graph = nir.NIRGraph.from_list(
        nir.Linear(w.numpy()),
        nir.CubaLIF(tau_syn=np.full(n, ts), tau_mem=np.full(n, tm), r=np.full(n, r), v_leak=np.zeros(n),
                    v_threshold=np.ones(n), v_reset=np.zeros(n), w_in=np.full(n, w_in)),
    )  # fmt: skip
    return graph, w


@pytest.mark.parametrize(
    ("r", "w_in", "decay_input", "gain"),
    [(1.0, 1.0, True, 1.0), (4.0, 2.0, False, 1.0), (2.0, 1.0, True, 2.0)],
    ids=["norse-convention", "snntorch-convention", "folded"],
)
def test_cubalif_mapping(reference_cuba, r, w_in, decay_input, gain):
    graph, w = _cuba_graph(ts=2e-3, tm=4e-3, r=r, w_in=w_in)
    if gain != 1.0:
        with pytest.warns(UserWarning, match=r"cannot hold \(2\); folded"):
            net = from_nir(graph, dt=1e-3)
    else:
        net = from_nir(graph, dt=1e-3)
    net = net.double()
    node = net.cubalif
    assert isinstance(node, reference_cuba) and node.decay_input is decay_input
    assert (node.tau_syn, node.tau_mem) == (2.0, 4.0)
    x_seq = torch.rand(30, 2, 2, dtype=torch.float64) * (3.0 if decay_input else 0.3)
    expected = reference_loop((x_seq @ w.T) * gain, 2.0, 4.0, decay_input)
    assert 0 < expected.sum() < expected.numel()
    torch.testing.assert_close(_run_m(net, x_seq), expected)


def test_cubalif_exports_through_the_reference(reference_cuba):
    torch.manual_seed(7)
    net = torch.nn.Sequential(layer.Linear(3, 4), reference_cuba(tau_syn=3.0, tau_mem=5.0, decay_input=False))
    g = to_nir(net, torch.zeros(1, 3), dt=1e-3)
    node = g.nodes["1"]
    assert np.allclose(node.r, 5.0) and np.allclose(node.w_in, 3.0) and np.allclose(node.tau_syn, 3e-3)
    x_seq = torch.rand(20, 2, 3) * 2
    torch.testing.assert_close(_run_m(from_nir(g), x_seq), _run_s(net, x_seq), rtol=0, atol=0)


def test_the_reference_module_agrees_with_cubalifnode():
    """The float64 reference module of these tests and snnlab's CubaLIFNode give the same spikes."""
    x_seq = torch.rand(25, 2, 3, dtype=torch.float64) * 3
    for decay_input in (True, False):
        ref = ReferenceCubaLIFNode(tau_syn=3.0, tau_mem=5.0, decay_input=decay_input)
        node = neuron.CubaLIFNode(tau_syn=3.0, tau_mem=5.0, decay_input=decay_input)
        torch.testing.assert_close(_run_s(node, x_seq), _run_s(ref, x_seq), rtol=0, atol=0)


@pytest.mark.parametrize("decay_input", [True, False])
def test_cubalif_round_trip_with_the_real_class(decay_input):
    torch.manual_seed(8)
    net = torch.nn.Sequential(
        layer.Linear(3, 4), neuron.CubaLIFNode(tau_syn=3.0, tau_mem=5.0, decay_input=decay_input, v_reset=-0.2)
    )
    x_seq = torch.rand(20, 2, 3, dtype=torch.float64) * 3
    net = net.double()
    back = from_nir(to_nir(net, x_seq[0], dt=1e-3)).double()
    expected = _run_s(net, x_seq)
    torch.testing.assert_close(_run_m(back, x_seq), expected, rtol=0, atol=0)
    ref = reference_loop(net[0](x_seq), 3.0, 5.0, decay_input, v_reset=-0.2)
    torch.testing.assert_close(expected, ref)
