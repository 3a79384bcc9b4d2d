"""Hygiene of the committed tutorial notebooks (notebooks/*.ipynb).

CI re-runs every notebook with nbval and compares its outputs with the stored ones; these tests
check what nbval does not: the notebooks are stored executed, in order, without widget state,
error output or local paths, small, listed in notebooks/README.md, and each pins its seeds first.
"""

import json
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
MAX_BYTES = 400_000
NAME = re.compile(r"^(\d\d)_[a-z0-9_]+\.ipynb$")


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def code_cells(nb):
    return [cell for cell in nb["cells"] if cell["cell_type"] == "code"]


def source(cell):
    text = cell["source"]
    return text if isinstance(text, str) else "".join(text)


def test_the_tutorials_are_there_and_numbered():
    names = [path.name for path in NOTEBOOKS]
    assert all(NAME.match(name) for name in names), names
    numbers = [int(name[:2]) for name in names]
    assert numbers[:8] == list(range(1, 9)), names  # the first eight, then more without a repeated number
    assert numbers == sorted(set(numbers)), names
    assert "11_event_data.ipynb" in names


def test_readme_lists_every_notebook_once():
    readme = (NOTEBOOK_DIR / "README.md").read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        assert readme.count(path.name) == 1, f"{path.name} must appear once in notebooks/README.md"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_valid_and_small(path):
    import nbformat

    nbformat.validate(nbformat.read(path, as_version=4))
    size = path.stat().st_size
    assert size < MAX_BYTES, f"{path.name} is {size} bytes (limit {MAX_BYTES}); strip widget state or shrink figures"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_widget_state(path):
    nb = load(path)
    assert "widgets" not in nb["metadata"], f"{path.name} carries widget state (metadata.widgets)"
    assert nb["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_executed_in_order_without_errors(path):
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
def test_outputs_hold_no_local_paths_or_addresses(path):
    text = json.dumps([cell["outputs"] for cell in code_cells(load(path))])
    for pattern in (r"/work/", r"/root/", r"/home/", r"/tmp/", r" at 0x[0-9a-fA-F]+"):
        assert not re.search(pattern, text), f"{path.name} outputs contain {pattern!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_code_cell_pins_sizes_and_seeds(path):
    nb = load(path)
    assert nb["cells"][0]["cell_type"] == "markdown" and source(nb["cells"][0]).startswith("# "), (
        f"{path.name} must open with a title"
    )
    first = source(code_cells(nb)[0])
    assert "torch.manual_seed(" in first, f"{path.name}: the first code cell must seed torch"
    assert re.search(r"^[A-Z_]+ = \d", first, re.MULTILINE), f"{path.name}: the first code cell must pin sizes"
