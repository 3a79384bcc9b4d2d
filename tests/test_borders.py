"""The borders between layers: widgets and analysis use only the public API of the core and of viz.

Checked from the source (no import needed): no module under ``widgets/`` imports an underscore module of
``snnlab`` (``snnlab._x`` or ``snnlab.viz._x``), no module under ``snnlab/analysis`` imports one from
another part of the core, and neither reads or writes another object's private attributes (``obj._x``
where ``obj`` is not ``self``/``cls``/``super()``). Python's public protocol names that happen to start
with an underscore (``_repr_mimebundle_``, a namedtuple's ``_replace``/``_asdict``/``_fields``) are allowed.
"""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PROTOCOL = {"_replace", "_asdict", "_fields", "_make"}
# Private attributes of third-party objects that have no public equivalent, each with its reason.
ALLOWED = {
    # traitlets has no public per-instance validator hook; refusing out-of-range values (instead of
    # ipywidgets' silent clamp) replaces the instance's "value" validator
    ("_bounds.py", "_trait_validators"),
}


def _private(name: str) -> bool:
    if name.startswith("__") or name in PROTOCOL:
        return False
    return name.startswith("_") and not (name.startswith("_repr_") and name.endswith("_"))


def _violations(path: pathlib.Path, package: str) -> list[str]:
    found = []
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            parts = (node.module or "").split(".")
            if node.level == 0 and parts[0] == "snnlab" and any(_private(p) for p in parts):
                found.append(f"{node.lineno}: from {node.module} import ...")
            if node.level > 1 and package == "analysis" and any(_private(p) for p in parts if p):
                found.append(f"{node.lineno}: from {'.' * node.level}{node.module} import ...")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "snnlab" and any(_private(p) for p in parts):
                    found.append(f"{node.lineno}: import {alias.name}")
        elif isinstance(node, ast.Attribute) and _private(node.attr) and (path.name, node.attr) not in ALLOWED:
            owner = node.value
            if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
                continue
            if isinstance(owner, ast.Call) and isinstance(owner.func, ast.Name) and owner.func.id == "super":
                continue
            found.append(f"{node.lineno}: {ast.unparse(owner)}.{node.attr}")
    return found


FILES = sorted((ROOT / "widgets").rglob("*.py")) + sorted((ROOT / "snnlab" / "analysis").rglob("*.py"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_uses_only_public_api(path):
    package = "analysis" if "analysis" in path.parts else "widgets"
    assert _violations(path, package) == []


def test_the_check_finds_private_access(tmp_path):
    source = tmp_path / "panel.py"
    source.write_text(
        "from snnlab._checks import check_int\n"
        "import snnlab.viz._series\n"
        "def f(node):\n"
        "    self = node\n"
        "    return node._memories, self._ok, super()._ok, f._repr_html_, node._replace()\n"
    )
    assert _violations(source, "widgets") == [
        "1: from snnlab._checks import ...",
        "2: import snnlab.viz._series",
        "5: node._memories",
    ]
