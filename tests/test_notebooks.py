"""Hygiene of the committed tutorial notebooks (notebooks/*.ipynb), as ``notebooks/build.py`` stores them.

CI re-runs every notebook with nbval and compares its outputs with the stored ones (text; nbval skips
PNGs and widget views); these tests check what nbval does not: the notebooks are stored executed, in
order, without widget state, widget views, error output or local paths, at most 200 kB, each panel
shown with its static preview (a PNG), listed in notebooks/README.md, and each pins its seeds first.
"""

import base64
import doctest
import importlib.util
import io
import json
import pathlib
import re
from types import ModuleType
from typing import Any

import pytest

import widgets

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
MAX_BYTES = 200_000
NAME = re.compile(r"^(\d\d)_[a-z0-9_]+\.ipynb$")
REBUILD = "rebuild it with: python notebooks/build.py notebooks/"
PANEL_REPR = re.compile(rf"^({'|'.join(n for n in widgets.__all__ if n != 'Panel')})\(")


def load_build() -> ModuleType:
    spec = importlib.util.spec_from_file_location("notebook_build", NOTEBOOK_DIR / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load(path: pathlib.Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def code_cells(nb: dict[str, Any]) -> list[dict[str, Any]]:
    return [cell for cell in nb["cells"] if cell["cell_type"] == "code"]


def source(cell: dict[str, Any]) -> str:
    text = cell["source"]
    return text if isinstance(text, str) else "".join(text)


def test_the_tutorials_are_there_and_numbered() -> None:
    names = [path.name for path in NOTEBOOKS]
    assert all(NAME.match(name) for name in names), names
    numbers = [int(name[:2]) for name in names]
    assert numbers == list(range(1, len(numbers) + 1)), names  # numbered 01, 02, ... with no gap


def test_readme_lists_every_notebook_once() -> None:
    readme = (NOTEBOOK_DIR / "README.md").read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        assert readme.count(path.name) == 1, f"{path.name} must appear once in notebooks/README.md"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_valid_and_small(path: pathlib.Path) -> None:
    import nbformat

    nbformat.validate(nbformat.read(path, as_version=4))
    size = path.stat().st_size
    assert size <= MAX_BYTES, f"{path.name} is {size} bytes (limit {MAX_BYTES}); {REBUILD}{path.name} or shrink figures"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_widget_state(path: pathlib.Path) -> None:
    nb = load(path)
    assert "widgets" not in nb["metadata"], f"{path.name} carries widget state (metadata.widgets)"
    assert nb["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_executed_in_order_without_errors(path: pathlib.Path) -> None:
    cells = code_cells(load(path))
    assert cells, f"{path.name} has no code cells"
    counts = [cell["execution_count"] for cell in cells]
    assert counts == list(range(1, len(cells) + 1)), f"{path.name}: execution counts {counts} (re-execute it)"
    for number, cell in enumerate(cells, 1):
        for output in cell["outputs"]:
            assert output["output_type"] != "error", f"{path.name} code cell {number} stored an error"
            if output["output_type"] == "stream":
                assert output["name"] == "stdout", f"{path.name} code cell {number} wrote to stderr"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_outputs_hold_no_local_paths_or_addresses(path: pathlib.Path) -> None:
    text = json.dumps([cell["outputs"] for cell in code_cells(load(path))])
    for pattern in (r"/work/", r"/root/", r"/home/", r"/tmp/", r" at 0x[0-9a-fA-F]+"):
        assert not re.search(pattern, text), f"{path.name} outputs contain {pattern!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_code_cell_pins_sizes_and_seeds(path: pathlib.Path) -> None:
    nb = load(path)
    assert nb["cells"][0]["cell_type"] == "markdown" and source(nb["cells"][0]).startswith("# "), (
        f"{path.name} must open with a title"
    )
    first = source(code_cells(nb)[0])
    assert "torch.manual_seed(" in first, f"{path.name}: the first code cell must seed torch"
    assert re.search(r"^[A-Z_]+ = \d", first, re.MULTILINE), f"{path.name}: the first code cell must pin sizes"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_panels_are_stored_as_previews_without_widget_views(path: pathlib.Path) -> None:
    from PIL import Image

    for number, cell in enumerate(code_cells(load(path)), 1):
        for output in cell["outputs"]:
            data = output.get("data", {})
            where = f"{path.name} code cell {number}"
            assert "application/vnd.jupyter.widget-view+json" not in data, f"{where} stores a widget view; {REBUILD}"
            if PANEL_REPR.match("".join(data.get("text/plain", ""))):
                assert "image/png" in data, f"{where} shows a panel without its preview; {REBUILD}{path.name}"
                Image.open(io.BytesIO(base64.b64decode(data["image/png"]))).verify()


def test_build_tool_examples() -> None:
    """The doctests of notebooks/build.py (notebooks/ is outside the doctest paths)."""
    build = load_build()
    result = doctest.testmod(build, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 6 and result.failed == 0


def test_build_refuses_a_big_notebook_and_leaves_it_alone(tmp_path: pathlib.Path) -> None:
    import nbformat

    build = load_build()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('x' * 3000)")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "01_big.ipynb"
    nbformat.write(nb, path)
    before = path.read_text()
    with pytest.raises(
        ValueError, match=r"01_big.ipynb is \d+ bytes built \(limit 2000\); largest outputs: code cell 1"
    ):
        build.build(path, timeout=60, max_bytes=2000)
    assert path.read_text() == before
    seconds, size = build.build(path, timeout=60)
    stored = json.loads(path.read_text())
    assert size == path.stat().st_size and seconds > 0
    (output,) = stored["cells"][0]["outputs"]
    assert (output["name"], source({"source": output["text"]})) == ("stdout", "x" * 3000 + "\n")
    assert stored["cells"][0]["execution_count"] == 1 and "version" not in stored["metadata"]["language_info"]
