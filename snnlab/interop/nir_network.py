"""``NIRNetwork``: a graph of snnlab modules, one submodule per NIR node, run in topological order.

A node's input is the sum of its predecessors' outputs, as in NIR. Edges that close a cycle
(recurrence) carry the source's output of the previous time step; those outputs are a memory,
so ``functional.reset_net`` clears them. Acyclic graphs run either step mode: in 'm' mode each node
gets the whole sequence at once. Graphs with a cycle run one step at a time; in 'm' mode the network
loops over the time steps itself.

Shape:
    's': ``[N, *]``; 'm': ``[T, N, *]``. With several input (output) nodes the network takes
    (returns) a tuple in the order of ``input_names`` (``output_names``).

Example:
    >>> import torch
    >>> from snnlab import layer, neuron
    >>> net = NIRNetwork({'fc': layer.Linear(2, 2, bias=False), 'lif': neuron.IFNode()},
    ...                  [('input', 'fc'), ('fc', 'lif'), ('lif', 'output')], ['input'], ['output'])
    >>> net(torch.zeros(3, 2)).shape
    torch.Size([3, 2])
"""

import torch
import torch.nn as nn

from ..base import MemoryModule, StepModule

__all__ = ["NIRNetwork"]


def _torch_forward(module: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """One step of a module outside any network: its ``single_step_forward``, or its torch base class' forward."""
    step = getattr(module, "single_step_forward", None)
    if step is not None:
        return step(x)
    for cls in type(module).__mro__:
        if cls.__module__.startswith("torch.nn.modules") and "forward" in cls.__dict__:
            return cls.forward(module, x)
    return module(x)


def _call(module: nn.Module, x: torch.Tensor, step_mode: str) -> torch.Tensor:
    """Call ``module`` (so its hooks fire: monitors and probes see it) in ``step_mode``."""
    if isinstance(module, StepModule) and module.step_mode != step_mode:
        module.step_mode = step_mode
    return module(x)


def _unpack(out: tuple[torch.Tensor, ...]) -> torch.Tensor | tuple[torch.Tensor, ...]:
    """One output node's tensor, or the tuple of several."""
    return out[0] if len(out) == 1 else out


class NIRNetwork(MemoryModule):
    """Run named modules wired by ``edges`` from the ``inputs`` node names to the ``outputs`` node names.

    ``nodes`` maps node names to modules; input and output names are not modules. Module names
    must be valid attribute names (no dots); they become submodules under the same names.

    Example:
        >>> import torch
        >>> from snnlab import neuron
        >>> net = NIRNetwork({'a': neuron.IFNode()}, [('x', 'a'), ('a', 'y')], ['x'], ['y'], step_mode='m')
        >>> net(torch.full((3, 1, 1), 0.6)).flatten().tolist()
        [0.0, 1.0, 0.0]
    """

    def __init__(
        self,
        nodes: dict[str, nn.Module],
        edges: list[tuple[str, str]],
        inputs: list[str],
        outputs: list[str],
        step_mode: str = "s",
    ):
        names = set(nodes) | set(inputs) | set(outputs)
        for src, dst in edges:
            for end in (src, dst):
                if end not in names:
                    raise ValueError(f"NIRNetwork: edges must join known nodes, got an edge {src!r} -> {dst!r}")
        if not inputs or not outputs:
            raise ValueError(f"NIRNetwork: inputs and outputs must name at least one node, got {inputs}, {outputs}")
        super().__init__()
        for name, module in nodes.items():
            self.add_module(name, module)
        self.input_names = list(inputs)
        self.output_names = list(outputs)
        self.edges: list[tuple[str, str]] = [(src, dst) for src, dst in edges]
        self._order, self._back = self._schedule()
        self.register_memory("feedback", {})
        self.step_mode = step_mode

    def _schedule(self) -> tuple[list[str], set]:
        """Topological order of all nodes and the set of edges that close a cycle (depth-first from inputs)."""
        succ: dict[str, list[str]] = {}
        for src, dst in self.edges:
            succ.setdefault(src, []).append(dst)
        back, done, on_stack, post = set(), set(), set(), []

        def visit(n):
            on_stack.add(n)
            for m in succ.get(n, []):
                if m in on_stack:
                    back.add((n, m))
                elif m not in done:
                    visit(m)
            on_stack.discard(n)
            done.add(n)
            post.append(n)

        for n in self.input_names + [n for n in succ if n not in self.input_names]:
            if n not in done:
                visit(n)
        for n in list(self._modules) + self.output_names:
            if n not in done:
                visit(n)
        return post[::-1], back

    @property
    def recurrent(self) -> bool:
        """True when some edge closes a cycle (the graph then runs one step at a time)."""
        return bool(self._back)

    def _gather(self, name, values, feedback):
        total = None
        for src, dst in self.edges:
            if dst != name:
                continue
            value = feedback.get(src) if (src, dst) in self._back else values.get(src)
            if value is None:
                continue
            total = value if total is None else total + value
        if total is None:
            raise ValueError(f"NIRNetwork: node {name!r} received no input (is it connected to an input node?)")
        return total

    def _run(self, xs: tuple[torch.Tensor, ...], sequence: bool) -> tuple[torch.Tensor, ...]:
        """The output nodes' values, in ``output_names`` order."""
        values = dict(zip(self.input_names, xs))
        feedback = {} if sequence else self.feedback
        for name in self._order:
            if name in values:
                continue
            x = self._gather(name, values, feedback)
            if name in self._modules:  # module names have no dots: get_submodule is a plain lookup
                values[name] = _call(self.get_submodule(name), x, "m" if sequence else "s")
            else:
                values[name] = x
        if not sequence:
            self.feedback = {src: values[src] for src, _ in self._back}
        return tuple(values[n] for n in self.output_names)

    def _split(self, x: torch.Tensor | tuple[torch.Tensor, ...] | list[torch.Tensor]) -> tuple[torch.Tensor, ...]:
        xs = tuple(x) if isinstance(x, (tuple, list)) else (x,)
        if len(xs) != len(self.input_names):
            raise ValueError(
                f"NIRNetwork: expected {len(self.input_names)} input tensor(s) for {self.input_names}, got {len(xs)}"
            )
        return xs

    def single_step_forward(
        self, x: torch.Tensor | tuple[torch.Tensor, ...]
    ) -> torch.Tensor | tuple[torch.Tensor, ...]:
        """One time step: ``x`` ``[N, *]`` (or a tuple, one per input node)."""
        return _unpack(self._run(self._split(x), sequence=False))

    def multi_step_forward(
        self, x_seq: torch.Tensor | tuple[torch.Tensor, ...]
    ) -> torch.Tensor | tuple[torch.Tensor, ...]:
        """A whole sequence ``[T, N, *]``; a recurrent graph is stepped through time."""
        xs = self._split(x_seq)
        if not self.recurrent:
            return _unpack(self._run(xs, sequence=True))
        steps = [self._run(tuple(x[t] for x in xs), sequence=False) for t in range(xs[0].shape[0])]
        return _unpack(tuple(torch.stack(s) for s in zip(*steps)))

    def extra_repr(self) -> str:
        return f"inputs={self.input_names}, outputs={self.output_names}, recurrent={self.recurrent}, " + (
            f"step_mode={self.step_mode}"
        )
