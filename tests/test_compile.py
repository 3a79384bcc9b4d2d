"""torch.compile on multi-step networks of every neuron: one graph, no breaks, eager results, dynamic batch."""

import copy
import inspect

import pytest
import torch
import torch.nn as nn
from torch.testing import assert_close

from snnlab import functional, layer, neuron

T, FEATURES = 3, 3


# constructor arguments a class needs (LIAF has no defaults) or that exercise more of its state
# (Izhikevich's defaults a = b = 0 leave the adaptation w at zero)
_KWARGS = {
    "LIAFNode": lambda: {"act": nn.ReLU(), "threshold_related": True},
    "IzhikevichNode": lambda: {"a": 0.3, "b": 0.2},
}


def _make(cls, **kwargs):
    return cls(**_KWARGS.get(cls.__name__, dict)(), **kwargs)


def _multi_step_neurons():
    """Every concrete neuron class of snnlab.neuron that runs in multi-step mode (new ones are picked
    up here); an abstract base (``neuronal_charge`` not defined, e.g. AdaptBaseNode) is left out."""
    found = []
    for name in neuron.__all__:
        cls = getattr(neuron, name)
        is_node = inspect.isclass(cls) and issubclass(cls, neuron.BaseNode)
        if not is_node or cls.neuronal_charge is neuron.BaseNode.neuronal_charge:
            continue
        if "m" in _make(cls).supported_step_mode():
            found.append(cls)
    return found


def _network():
    """Linear -> neuron -> ... with every multi-step neuron in turn (hard and soft reset both appear)."""
    torch.manual_seed(0)
    modules = []
    for i, cls in enumerate(_multi_step_neurons()):
        modules.append(layer.Linear(FEATURES, FEATURES, step_mode="m"))
        node = _make(cls, step_mode="m")
        if i % 2:
            node.v_reset = None
        modules.append(node)
    return nn.Sequential(*modules)


def _ottt_network():
    torch.manual_seed(1)
    return layer.OTTTSequential(nn.Linear(FEATURES, 4), neuron.OTTTLIFNode(), nn.Linear(4, 2))


class _Counter:
    """A dynamo backend that counts the graphs it receives and hands them to ``aot_eager``.

    ``aot_eager`` traces forward and backward through AOTAutograd like inductor does, without code
    generation (fast on a CPU); the inductor case below covers code generation once.
    """

    def __init__(self, backend="aot_eager"):
        from torch._dynamo.backends.registry import lookup_backend

        self.graphs = 0
        self.backend = lookup_backend(backend)

    def __call__(self, gm, example_inputs):
        self.graphs += 1
        return self.backend(gm, example_inputs)


def _train(model, net, optimizer, x_seq, steps=None):
    functional.reset_net(net)
    optimizer.zero_grad()
    y = model(x_seq)
    loss = (y * torch.linspace(0.5, 1.5, y.shape[-1])).sum() / y.shape[1]
    loss.backward()
    optimizer.step()
    return y.detach()


@pytest.fixture(scope="module")
def compiled():
    """One eager network and its compiled twin (fullgraph, dynamic), shared by the cases below."""
    torch._dynamo.reset()
    eager = _network()
    twin = copy.deepcopy(eager)
    counter = _Counter()
    return eager, twin, torch.compile(twin, backend=counter, fullgraph=True, dynamic=True), counter


def test_every_neuron_is_in_the_network():
    kinds = {type(m).__name__ for m in _network()}
    concrete = {"IFNode", "LIFNode", "ParametricLIFNode", "QIFNode", "EIFNode", "IzhikevichNode", "LIAFNode"}
    assert concrete | {"KLIFNode", "CubaLIFNode", "AdaptiveLIFNode"} <= kinds


def test_explain_finds_one_graph_and_no_break():
    net = _network()
    x_seq = torch.rand(T, 2, FEATURES) * 2

    def run(x):
        functional.reset_net(net)
        return net(x)

    explained = torch._dynamo.explain(run)(x_seq)
    assert explained.graph_break_count == 0 and explained.graph_count == 1, explained.break_reasons


def test_training_with_changing_batch_sizes_matches_eager(compiled):
    eager, twin, model, counter = compiled
    eager.train(), twin.train()
    opt_e = torch.optim.SGD(eager.parameters(), lr=0.5)
    opt_c = torch.optim.SGD(twin.parameters(), lr=0.5)
    g = torch.Generator().manual_seed(0)
    graphs = []
    for n in (2, 5, 3, 7):
        x_seq = torch.rand(T, n, FEATURES, generator=g) * 2
        assert_close(_train(model, twin, opt_c, x_seq), _train(eager, eager, opt_e, x_seq))
        graphs.append(counter.graphs)
    # one compilation serves every batch size (dynamo may hand the backend a second, re-specialised
    # trace of the same frame while compiling it: at most 2 graphs, never more afterwards)
    assert graphs == [graphs[0]] * 4 and graphs[0] <= 2
    for (name, a), b in zip(eager.named_parameters(), twin.parameters()):
        assert_close(b, a, msg=name)
    # state carried from the last call (a tensor v instead of the reset float): one more graph, then none
    x_seq = torch.rand(T, 7, FEATURES, generator=g)
    with torch.no_grad():
        assert_close(model(x_seq), eager(x_seq))
        functional.reset_net(twin), functional.reset_net(eager)


def test_evaluation_with_changing_batch_sizes_matches_eager(compiled):
    eager, twin, model, counter = compiled
    eager.eval(), twin.eval()
    g = torch.Generator().manual_seed(1)
    before = counter.graphs
    with torch.no_grad():
        for n in (4, 1, 6):
            x_seq = torch.rand(T, n, FEATURES, generator=g) * 2
            functional.reset_net(eager), functional.reset_net(twin)
            assert_close(model(x_seq), eager(x_seq))
    # evaluation + no_grad: one compilation of its own (dynamo may hand the backend a second trace of
    # it when it re-specialises a Python float state, as in training) plus one for batch size 1
    # (dynamo always specialises sizes 0 and 1): bounded, never one per call
    assert counter.graphs - before <= 3
    eager.train(), twin.train()


def test_ottt_network_steps_compile_and_match_eager():
    """OTTT's multi-step path is one call per time step; training returns [spike, trace] pairs."""
    eager = _ottt_network()
    twin = copy.deepcopy(eager)
    counter = _Counter()
    model = torch.compile(twin, backend=counter, fullgraph=True, dynamic=True)
    opt_e = torch.optim.SGD(eager.parameters(), lr=0.5)
    opt_c = torch.optim.SGD(twin.parameters(), lr=0.5)
    g = torch.Generator().manual_seed(2)
    for n in (2, 5):
        functional.reset_net(eager), functional.reset_net(twin)
        for _ in range(T):
            x = torch.rand(n, FEATURES, generator=g) * 2
            for net, opt in ((eager, opt_e), (model, opt_c)):
                opt.zero_grad()
                net(x).sum().backward()
                opt.step()
        assert_close(twin[1].v, eager[1].v) and assert_close(twin[1].trace, eager[1].trace)
    for (name, a), b in zip(eager.named_parameters(), twin.parameters()):
        assert_close(b, a, msg=name)
    assert counter.graphs <= 6  # fresh state, carried state (and a batch-size change): bounded, not per call


@pytest.mark.slow
def test_inductor_trains_with_dynamic_batch_sizes():
    """Code generation by inductor with symbolic batch sizes (forward and backward), against eager."""
    torch._dynamo.reset()
    torch.manual_seed(3)
    eager = nn.Sequential(layer.Linear(FEATURES, 2, step_mode="m"), neuron.ParametricLIFNode(step_mode="m"))
    twin = copy.deepcopy(eager)
    counter = _Counter("inductor")
    model = torch.compile(twin, backend=counter, fullgraph=True, dynamic=True)
    opt_e = torch.optim.SGD(eager.parameters(), lr=0.5)
    opt_c = torch.optim.SGD(twin.parameters(), lr=0.5)
    g = torch.Generator().manual_seed(3)
    graphs = []
    for n in (2, 5, 3):
        x_seq = torch.rand(2, n, FEATURES, generator=g) * 2
        assert_close(_train(model, twin, opt_c, x_seq), _train(eager, eager, opt_e, x_seq))
        graphs.append(counter.graphs)
    for (name, a), b in zip(eager.named_parameters(), twin.parameters()):
        assert_close(b, a, msg=name)
    assert graphs[2] == graphs[1]  # symbolic batch size: a third size compiles nothing new
