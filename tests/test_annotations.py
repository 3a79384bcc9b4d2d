"""The public API is fully type annotated: every parameter and every return.

Walks every public module of ``snnlab`` and ``widgets`` (no path component starting with ``_``; a
package's ``__init__`` counts), takes each name in its ``__all__`` and checks

- a function: every parameter except a method's ``self``/``cls``, and its return;
- a class defined in snnlab or widgets: ``__init__``'s parameters (its return is ``None`` by definition),
  and every public method and property it defines or inherits from a class of snnlab or widgets
  (``__call__`` counts as public; a property's getter, and its setter's value), each once however many
  classes share it.

A missing annotation is reported as ``module.qualname: parameter 'x'`` or ``module.qualname: return``,
all of them in one failure.
"""

import importlib
import inspect
import pkgutil
import types

import pytest

import snnlab
import widgets

PACKAGES = (snnlab, widgets)
OURS = ("snnlab", "widgets")


def _public(name: str) -> bool:
    return not any(part.startswith("_") for part in name.split("."))


def _modules() -> list[types.ModuleType]:
    found = []
    for package in PACKAGES:
        found.append(package)
        prefix = package.__name__ + "."
        for info in pkgutil.walk_packages(package.__path__, prefix):
            if _public(info.name):
                found.append(importlib.import_module(info.name))
    return found


def _ours(obj: object) -> bool:
    return getattr(obj, "__module__", "").split(".")[0] in OURS


def _missing_in(func: types.FunctionType, skip_first: bool, check_return: bool = True) -> list[str]:
    """The unannotated parameters and return of one plain function, as ``qualname: what`` lines."""
    func = inspect.unwrap(func)
    where = func.__qualname__
    params = list(inspect.signature(func, follow_wrapped=False).parameters.values())
    if skip_first and params:
        params = params[1:]
    missing = [f"{where}: parameter {p.name!r}" for p in params if p.annotation is inspect.Parameter.empty]
    if check_return and func.__name__ != "__init__" and "return" not in func.__annotations__:
        missing.append(f"{where}: return")
    return missing


def _class_members(cls: type) -> list[tuple[types.FunctionType, bool, bool]]:
    """``(function, skip self/cls, check the return)`` for the public callables a class of ours exposes."""
    found = []
    for name in dir(cls):
        if name.startswith("_") and name not in ("__init__", "__call__"):
            continue
        owner = next((k for k in cls.__mro__ if name in vars(k)), None)
        if owner is None or not _ours(owner):
            continue
        raw = vars(owner)[name]
        if isinstance(raw, staticmethod):
            found.append((raw.__func__, False, True))
        elif isinstance(raw, classmethod):
            found.append((raw.__func__, True, True))
        elif isinstance(raw, property):
            if isinstance(raw.fget, types.FunctionType):
                found.append((raw.fget, True, True))
            if isinstance(raw.fset, types.FunctionType):  # a setter's return means nothing to its caller
                found.append((raw.fset, True, False))
        elif isinstance(raw, types.FunctionType):
            found.append((raw, True, True))
    return found


def missing_annotations() -> dict[str, set[str]]:
    """Every unannotated parameter and return of the public API, keyed by the defining module."""
    seen: set[types.FunctionType] = set()
    missing: dict[str, set[str]] = {}

    def check(func: types.FunctionType, skip_first: bool, check_return: bool = True) -> None:
        if func in seen or not _ours(func):
            return
        seen.add(func)
        for line in _missing_in(func, skip_first, check_return):
            missing.setdefault(func.__module__, set()).add(line)

    for module in _modules():
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if isinstance(obj, types.FunctionType):
                check(obj, skip_first=False)
            elif inspect.isclass(obj) and _ours(obj):
                for func, skip_first, check_return in _class_members(obj):
                    check(func, skip_first, check_return)
    return missing


def test_public_api_is_fully_annotated():
    missing = sorted(f"{module}.{line}" for module, lines in missing_annotations().items() for line in lines)
    assert not missing, "unannotated public API:\n" + "\n".join(missing)


class _Sample:
    def __init__(self, a: int, b) -> None:
        self.a = a

    def good(self, x: int) -> int:
        return x

    def bad(self, x, *args: int, **kwargs):
        return x

    @property
    def prop(self):
        return 1

    @prop.setter
    def prop(self, value):
        pass

    @staticmethod
    def static(x: int) -> int:
        return x

    def _private(self, x):
        return x


def _sample_function(x: int, y) -> None:
    return None


@pytest.fixture
def sample_is_ours(monkeypatch):
    for obj in (_Sample, _Sample.__init__, _Sample.good, _Sample.bad, _Sample.static, _sample_function):
        monkeypatch.setattr(obj, "__module__", "snnlab.sample")
    monkeypatch.setattr(_Sample.prop.fget, "__module__", "snnlab.sample")
    monkeypatch.setattr(_Sample.prop.fset, "__module__", "snnlab.sample")


def test_the_check_names_each_unannotated_parameter_and_return(sample_is_ours):
    lines = []
    for func, skip_first, check_return in _class_members(_Sample):
        lines += _missing_in(func, skip_first, check_return)
    lines += _missing_in(_sample_function, skip_first=False)
    assert sorted(lines) == sorted(
        [
            "_Sample.__init__: parameter 'b'",
            "_Sample.bad: parameter 'x'",
            "_Sample.bad: parameter 'kwargs'",
            "_Sample.bad: return",
            "_Sample.prop: return",
            "_Sample.prop: parameter 'value'",
            "_sample_function: parameter 'y'",
        ]
    )
