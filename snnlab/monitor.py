"""Monitors: record what chosen layers of a network output, receive or hold, through hooks.

SpikingJelly-compatible interface (``records``, ``monitored_layers``, ``name_records_index``,
``monitor[i]`` / ``monitor['layer.name']``, ``clear_recorded_data()``, ``enable()`` /
``disable()`` / ``is_enable()``, ``remove_hooks()``), with these differences:

- records are **detached** by default (``detach=True``): no autograd graph is kept alive by a
  monitor (SpikingJelly kept it, a common cause of memory growth);
- ``compact=True`` stores tensor records as ``bool`` (1 byte per spike instead of 4). Whether a
  record really was binary is checked on the device, without a host sync; reading ``records``
  (or ``monitor[...]``) raises ``ValueError`` if any record held another value;
- ``close()`` removes the hooks, and ``with Monitor(...) as m:`` closes on exit (records stay
  readable). The hooks hold the monitor weakly: deleting the last reference to a monitor
  removes its hooks too;
- ``AttributeMonitor(..., pre_forward=True)`` works (it reads the attribute before the forward);
- ``InputMonitor`` reads the input before the module runs (a pre-forward hook);
- ``GradInputMonitor`` / ``GradOutputMonitor`` record the gradients a module receives and passes
  back in ``backward()`` (full backward hooks), detached like every other record.

Records are not copies: they share storage with the recorded tensors, so a later in-place
change (e.g. ``nn.ReLU(inplace=True)`` after a monitored input) shows in them; pass
``function_on_output=torch.clone`` (or ``function_on_input=...``) to keep a snapshot.

One record is appended per call of a monitored module: one per time step in single-step
mode, one ``[T, N, *]`` sequence per forward in multi-step mode. Records are in call order;
``monitor['name']`` gives one layer's records in order.

Shape:
    each record has the shape of what was recorded (``[N, *]`` per step in 's', ``[T, N, *]`` in 'm').

Example:
    >>> import torch
    >>> from snnlab import layer, neuron
    >>> from snnlab.monitor import OutputMonitor
    >>> net = torch.nn.Sequential(layer.Linear(2, 3), neuron.IFNode())
    >>> with OutputMonitor(net, neuron.IFNode, compact=True) as mon:
    ...     for _ in range(4):
    ...         _ = net(torch.ones(1, 2))
    >>> mon.monitored_layers, len(mon['1']), mon[0].dtype
    (['1'], 4, torch.bool)
"""

import contextlib
import weakref
from collections.abc import Callable
from typing import Any

import torch
import torch.nn as nn

from .checks import check_bool, describe

# the module classes to record (``isinstance``'s second argument); None: the class of ``net`` itself
_Instance = type | tuple[type, ...] | None

__all__ = [
    "AttributeMonitor",
    "BaseMonitor",
    "GradInputMonitor",
    "GradOutputMonitor",
    "InputMonitor",
    "OutputMonitor",
    "unpack_len1_tuple",
]


def unpack_len1_tuple(x: Any) -> Any:
    """Return ``x[0]`` if ``x`` is a tuple of length 1, else ``x``.

    Shape:
        not applicable.

    Example:
        >>> unpack_len1_tuple((3,)), unpack_len1_tuple((3, 4))
        (3, (3, 4))
    """
    if isinstance(x, tuple) and len(x) == 1:
        return x[0]
    return x


def _identity(x):
    return x


def _map_tensors(fn, value):
    """Apply ``fn`` to every tensor in ``value`` (a tensor, or nested lists / tuples)."""
    if isinstance(value, torch.Tensor):
        return fn(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_map_tensors(fn, v) for v in value)
    return value


class BaseMonitor:
    """Record keeping shared by the monitors; subclasses register the hooks.

    Shape:
        see the subclasses.

    Example:
        >>> mon = BaseMonitor()
        >>> mon.is_enable(), mon.records
        (True, [])
    """

    def __init__(self, detach: bool = True, compact: bool = False):
        owner = type(self).__name__
        self.detach = check_bool(owner, "detach", detach)
        self.compact = check_bool(owner, "compact", compact)
        self.hooks = []
        self.monitored_layers = []
        self.name_records_index = {}
        self._records = []
        self._enable = True
        self._pending_checks = {}  # layer name -> 0-d bool tensor: "some record was not binary"
        self._lossy_layers = set()

    # ------------------------------------------------------------------ reading
    @property
    def records(self) -> list:
        """All records, in call order (after the ``compact`` check)."""
        self._check_compact()
        return self._records

    def __getitem__(self, i):
        if isinstance(i, str):
            if i not in self.name_records_index:
                raise KeyError(
                    f"{type(self).__name__}: no monitored layer named {i!r}; monitored layers: {self.monitored_layers}"
                )
            records = self.records
            return [records[index] for index in self.name_records_index[i]]
        if isinstance(i, bool) or not hasattr(i, "__index__"):
            raise ValueError(
                f"{type(self).__name__}: index must be an int (a record) or a str (a layer name), got {describe(i)}"
            )
        return self.records[i]

    def _check_compact(self):
        if self._pending_checks:
            for name, flag in self._pending_checks.items():
                if bool(flag):
                    self._lossy_layers.add(name)
            self._pending_checks = {}
        if self._lossy_layers:
            raise ValueError(
                f"{type(self).__name__}: compact=True stores binary records as bool, but layer(s) "
                f"{sorted(self._lossy_layers)} recorded values other than 0 and 1; those records are lossy. "
                f"Use compact=False for them (clear_recorded_data() discards the lossy records)"
            )

    # ------------------------------------------------------------------ control
    def clear_recorded_data(self) -> None:
        """Drop every record (the hooks stay)."""
        self._records.clear()
        for indices in self.name_records_index.values():
            indices.clear()
        self._pending_checks = {}
        self._lossy_layers = set()

    def enable(self) -> None:
        """Record on every call (the default)."""
        self._enable = True

    def disable(self) -> None:
        """Stop recording until ``enable()``; the hooks stay registered."""
        self._enable = False

    def is_enable(self) -> bool:
        """Whether calls are being recorded."""
        return self._enable

    def remove_hooks(self) -> None:
        """Unregister every hook; records stay readable."""
        for hook in self.hooks:
            hook.remove()
        self.hooks.clear()

    def close(self) -> None:
        """Same as ``remove_hooks()``: the monitor stops observing the network for good."""
        self.remove_hooks()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        with contextlib.suppress(Exception):
            self.remove_hooks()

    # ------------------------------------------------------------------ recording
    def _add_layers(self, net: nn.Module, instance, register):
        """Register ``register(module, name)`` on every module of ``net`` that is an ``instance``."""
        if not isinstance(net, nn.Module):
            raise TypeError(f"{type(self).__name__}: net must be an nn.Module, got {describe(net)}")
        if instance is None:
            instance = type(net)
        try:
            isinstance(net, instance)
        except TypeError:
            raise TypeError(
                f"{type(self).__name__}: instance must be a class or a tuple of classes, got {describe(instance)}"
            ) from None
        for name, m in net.named_modules():
            if isinstance(m, instance):
                self.monitored_layers.append(name)
                self.name_records_index[name] = []
                self.hooks.append(register(m, name))

    def _record(self, name: str, value, transform):
        if not self._enable:
            return
        if self.detach:
            value = _map_tensors(torch.Tensor.detach, value)
            with torch.no_grad():
                value = transform(value)
        else:
            value = transform(value)
        if self.compact:
            value = _map_tensors(lambda t: self._to_bool(name, t), value)
        self.name_records_index[name].append(len(self._records))
        self._records.append(value)

    def _to_bool(self, name: str, t: torch.Tensor) -> torch.Tensor:
        if t.dtype == torch.bool:
            return t
        with torch.no_grad():
            t = t.detach()
            bad = ((t != 0) & (t != 1)).any()
            previous = self._pending_checks.get(name)
            self._pending_checks[name] = bad if previous is None else previous | bad
            return t.bool()


def _weak_hook(monitor: BaseMonitor, method):
    """A hook that calls ``method(monitor, *args)`` while the monitor is alive (no strong reference)."""
    ref = weakref.ref(monitor)

    def hook(*args):
        alive = ref()
        if alive is not None:
            method(alive, *args)

    return hook


class OutputMonitor(BaseMonitor):
    """Record ``function_on_output(output)`` of every module of ``net`` that is an ``instance``.

    ``instance=None`` monitors modules of ``net``'s own type (so ``net`` itself, named ``''``).

    Shape:
        a record per call: the module output (``[N, *]`` single-step, ``[T, N, *]`` multi-step).

    Example:
        >>> import torch
        >>> from snnlab import neuron
        >>> net = torch.nn.Sequential(torch.nn.Identity(), neuron.IFNode(), neuron.IFNode())
        >>> mon = OutputMonitor(net, neuron.IFNode)
        >>> for _ in range(2):
        ...     _ = net(torch.ones(1, 1))
        >>> mon.name_records_index, mon['1'][0].requires_grad
        ({'1': [0, 2], '2': [1, 3]}, False)
    """

    def __init__(
        self,
        net: nn.Module,
        instance: _Instance = None,
        function_on_output: Callable[[Any], Any] = _identity,
        *,
        detach: bool = True,
        compact: bool = False,
    ):
        super().__init__(detach, compact)
        if not callable(function_on_output):
            raise TypeError(f"OutputMonitor: function_on_output must be callable, got {describe(function_on_output)}")
        self.function_on_output = function_on_output
        self._add_layers(
            net,
            instance,
            lambda m, name: m.register_forward_hook(
                _weak_hook(
                    self, lambda mon, module, x, y: mon._record(name, unpack_len1_tuple(y), mon.function_on_output)
                )
            ),
        )


class InputMonitor(BaseMonitor):
    """Record ``function_on_input(input)`` of every module of ``net`` that is an ``instance``.

    The input is read before the module runs; a single positional argument is recorded as itself,
    several as a tuple.

    Shape:
        a record per call: the module input (``[N, *]`` single-step, ``[T, N, *]`` multi-step).

    Example:
        >>> import torch
        >>> net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU())
        >>> mon = InputMonitor(net, torch.nn.ReLU)
        >>> _ = net(torch.zeros(4, 2))
        >>> mon['1'][0].shape
        torch.Size([4, 3])
    """

    def __init__(
        self,
        net: nn.Module,
        instance: _Instance = None,
        function_on_input: Callable[[Any], Any] = _identity,
        *,
        detach: bool = True,
        compact: bool = False,
    ):
        super().__init__(detach, compact)
        if not callable(function_on_input):
            raise TypeError(f"InputMonitor: function_on_input must be callable, got {describe(function_on_input)}")
        self.function_on_input = function_on_input
        self._add_layers(
            net,
            instance,
            lambda m, name: m.register_forward_pre_hook(
                _weak_hook(self, lambda mon, module, x: mon._record(name, unpack_len1_tuple(x), mon.function_on_input))
            ),
        )


class AttributeMonitor(BaseMonitor):
    """Record ``function_on_attribute(module.<attribute_name>)`` after (or, with ``pre_forward``, before) each call.

    Typical use: the membrane potential ``v`` of neurons. With ``pre_forward=True`` the value is
    the one the module starts the call with (SpikingJelly crashed in that case).

    Shape:
        a record per call: the attribute's value (e.g. ``v``: ``[N, *]``).

    Example:
        >>> import torch
        >>> from snnlab import neuron
        >>> net = torch.nn.Sequential(neuron.IFNode())
        >>> after = AttributeMonitor('v', False, net, neuron.IFNode)
        >>> before = AttributeMonitor('v', True, net, neuron.IFNode)
        >>> for x in (0.5, 0.7):
        ...     _ = net(torch.tensor([x]))
        >>> [v.tolist() for v in after['0']], before['0']
        ([[0.5], [0.0]], [0.0, tensor([0.5000])])
    """

    def __init__(
        self,
        attribute_name: str,
        pre_forward: bool,
        net: nn.Module,
        instance: _Instance = None,
        function_on_attribute: Callable[[Any], Any] = _identity,
        *,
        detach: bool = True,
        compact: bool = False,
    ):
        super().__init__(detach, compact)
        if not isinstance(attribute_name, str) or not attribute_name:
            raise TypeError(f"AttributeMonitor: attribute_name must be a non-empty str, got {describe(attribute_name)}")
        check_bool("AttributeMonitor", "pre_forward", pre_forward)
        if not callable(function_on_attribute):
            raise TypeError(
                f"AttributeMonitor: function_on_attribute must be callable, got {describe(function_on_attribute)}"
            )
        self.attribute_name = attribute_name
        self.pre_forward = pre_forward
        self.function_on_attribute = function_on_attribute
        if pre_forward:

            def register(m, name):
                return m.register_forward_pre_hook(_weak_hook(self, lambda mon, module, x: mon._read(name, module)))
        else:

            def register(m, name):
                return m.register_forward_hook(_weak_hook(self, lambda mon, module, x, y: mon._read(name, module)))

        self._add_layers(net, instance, register)

    def _read(self, name: str, module: nn.Module):
        if not self._enable:
            return
        try:
            value = getattr(module, self.attribute_name)
        except AttributeError:
            raise AttributeError(
                f"AttributeMonitor: the monitored module {name!r} ({type(module).__name__}) has no "
                f"attribute {self.attribute_name!r}"
            ) from None
        self._record(name, value, self.function_on_attribute)


def _grad_monitor(owner: str, monitor: BaseMonitor, net: nn.Module, instance, function, which: int) -> None:
    if not callable(function):
        raise TypeError(f"{owner}: the function on the gradient must be callable, got {describe(function)}")
    monitor._add_layers(
        net,
        instance,
        lambda m, name: m.register_full_backward_hook(
            _weak_hook(
                monitor, lambda mon, module, gi, go: mon._record(name, unpack_len1_tuple((gi, go)[which]), function)
            )
        ),
    )


class GradInputMonitor(BaseMonitor):
    """Record ``function_on_grad_input(grad_input)``: the gradient a module passes back to its input.

    One record per backward through a monitored module (so in reverse call order for single-step
    networks). A module with one input gives a tensor, several give a tuple (``None`` where no gradient).

    Shape:
        a record per backward: shaped like the module's input.

    Example:
        >>> import torch
        >>> net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU())
        >>> mon = GradInputMonitor(net, torch.nn.ReLU)
        >>> net(torch.ones(4, 2)).sum().backward()
        >>> mon['1'][0].shape
        torch.Size([4, 3])
    """

    def __init__(
        self,
        net: nn.Module,
        instance: _Instance = None,
        function_on_grad_input: Callable[[Any], Any] = _identity,
        *,
        detach: bool = True,
        compact: bool = False,
    ):
        super().__init__(detach, compact)
        self.function_on_grad_input = function_on_grad_input
        _grad_monitor("GradInputMonitor", self, net, instance, function_on_grad_input, 0)


class GradOutputMonitor(BaseMonitor):
    """Record ``function_on_grad_output(grad_output)``: the gradient of the loss w.r.t. a module's output.

    Shape:
        a record per backward: shaped like the module's output.

    Example:
        >>> import torch
        >>> net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU())
        >>> mon = GradOutputMonitor(net, torch.nn.ReLU)
        >>> (2 * net(torch.ones(4, 2))).sum().backward()
        >>> mon['1'][0].unique().tolist()
        [2.0]
    """

    def __init__(
        self,
        net: nn.Module,
        instance: _Instance = None,
        function_on_grad_output: Callable[[Any], Any] = _identity,
        *,
        detach: bool = True,
        compact: bool = False,
    ):
        super().__init__(detach, compact)
        self.function_on_grad_output = function_on_grad_output
        _grad_monitor("GradOutputMonitor", self, net, instance, function_on_grad_output, 1)
