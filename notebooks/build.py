"""Build the committed tutorials: execute each notebook in a fresh kernel and store it with its outputs.

Run from the repository root with the project's environment::

    python notebooks/build.py                                   # every notebooks/NN_*.ipynb
    python notebooks/build.py notebooks/05_delays.ipynb         # some of them
    python notebooks/build.py --max-bytes 200000 --timeout 600  # the defaults

Each notebook runs top to bottom in a fresh ``python3`` kernel of the current environment, from the
``notebooks/`` directory (as nbval and JupyterLab run it). The outputs are kept: text, matplotlib
figures and each panel's static preview (``image/png`` beside its ``text/plain`` repr), so GitHub,
nbviewer and ``jupyter nbconvert --to html`` show pictures without a kernel. What would only churn
diffs or could never render is dropped (``clean``):

- ``metadata.widgets`` (widget state; a FigureWidget's would add megabytes) and the widget-view
  outputs (``application/vnd.jupyter.widget-view+json``: random model ids whose state is not stored;
  a kernel that runs the notebook displays the live widgets again); a widget output without a PNG of its
  own (a bare FigureWidget, whose text form is its whole figure JSON) is dropped whole;
- nbclient's per-cell timing metadata and the kernel's Python version (``language_info.version``);
  consecutive prints of one stream are merged into one output (how a kernel splits them depends on timing).

Execution counts are kept (1, 2, ... in order: ``tests/test_notebooks.py`` checks that the stored
notebook ran top to bottom). PNG outputs over ``SHRINK_BYTES`` are re-encoded with an adaptive palette
of 256 colours when that makes them smaller (figures have few colours). A notebook that fails to run,
or whose built form is over ``--max-bytes``, is not written; the tool names it (with its largest
outputs) and exits with status 1.

Shape:
    not applicable (a command-line tool).

Example:
    >>> nb = {"metadata": {"widgets": {}, "language_info": {"name": "python", "version": "3.11.2"}},
    ...       "cells": [{"cell_type": "code", "metadata": {"execution": {}}, "outputs": [
    ...           {"output_type": "execute_result", "data": {"text/plain": "P()", WIDGET_VIEW: {}, "image/png": ""}},
    ...           {"output_type": "display_data", "data": {"text/plain": "FigureWidget({...})", WIDGET_VIEW: {}}}]}]}
    >>> clean(nb)["metadata"], nb["cells"][0]["outputs"][0]["data"], len(nb["cells"][0]["outputs"])
    ({'language_info': {'name': 'python'}}, {'text/plain': 'P()', 'image/png': ''}, 1)
"""

import argparse
import base64
import io
import pathlib
import sys
import time
from typing import Any

__all__ = ["MAX_BYTES", "WIDGET_VIEW", "build", "clean", "coalesce_streams", "largest_outputs", "main", "shrink_png"]

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
MAX_BYTES = 200_000  #: the largest built notebook that may be committed
SHRINK_BYTES = 20_000  #: PNG outputs above this size are re-encoded with a palette
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

Notebook = dict[str, Any]


def shrink_png(data: str) -> str:
    """A base64 PNG re-encoded with an adaptive 256-colour palette, or ``data`` when that is not smaller.

    Example:
        >>> from PIL import Image
        >>> out = io.BytesIO(); Image.new("RGB", (300, 200), "white").save(out, format="png")
        >>> small = shrink_png(base64.b64encode(out.getvalue()).decode())
        >>> Image.open(io.BytesIO(base64.b64decode(small))).mode
        'P'
    """
    from PIL import Image

    image = Image.open(io.BytesIO(base64.b64decode(data)))
    if image.mode == "P":
        return data
    out = io.BytesIO()
    image.convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT).save(out, format="png", optimize=True)
    encoded = base64.b64encode(out.getvalue()).decode("ascii")
    return encoded if len(encoded) < len(data) else data


def coalesce_streams(outputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Merge consecutive stream outputs of one stream (how a kernel splits a print depends on timing).

    Example:
        >>> coalesce_streams([{"output_type": "stream", "name": "stdout", "text": "a\\n"},
        ...                   {"output_type": "stream", "name": "stdout", "text": ["b\\n"]}])
        [{'output_type': 'stream', 'name': 'stdout', 'text': 'a\\nb\\n'}]
    """
    merged: list[dict[str, Any]] = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and output["output_type"] == previous["output_type"] == "stream"
            and output["name"] == previous["name"]
        ):
            previous["text"] = _text(previous["text"]) + _text(output["text"])
        else:
            merged.append(dict(output, text=_text(output["text"])) if output["output_type"] == "stream" else output)
    return merged


def _text(text: str | list[str]) -> str:
    return text if isinstance(text, str) else "".join(text)


def clean(nb: Notebook) -> Notebook:
    """Drop widget state, widget-view outputs, timing metadata and the Python version (in place); return ``nb``.

    Also shrinks PNG outputs over ``SHRINK_BYTES`` (see :func:`shrink_png`).

    Example:
        >>> clean({"metadata": {}, "cells": [{"cell_type": "markdown", "metadata": {}}]})["cells"][0]
        {'cell_type': 'markdown', 'metadata': {}}
    """
    nb["metadata"].pop("widgets", None)
    nb["metadata"].get("language_info", {}).pop("version", None)
    for cell in nb["cells"]:
        cell.get("metadata", {}).pop("execution", None)
        if "outputs" in cell:
            # a widget without a picture of its own (a bare FigureWidget) keeps nothing worth showing: its
            # text/plain is a wall of figure JSON
            cell["outputs"] = [
                output
                for output in coalesce_streams(cell["outputs"])
                if WIDGET_VIEW not in output.get("data", {}) or "image/png" in output["data"]
            ]
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            data.pop(WIDGET_VIEW, None)
            if len(data.get("image/png", "")) > SHRINK_BYTES:
                data["image/png"] = shrink_png(data["image/png"])
    return nb


def largest_outputs(nb: Notebook, count: int = 3) -> list[str]:
    """The ``count`` largest outputs as ``'code cell N: mimetype (B bytes)'``, largest first.

    Example:
        >>> nb = {"cells": [{"cell_type": "code", "outputs": [{"data": {"image/png": "x" * 10}}]}]}
        >>> largest_outputs(nb)
        ['code cell 1: image/png (10 bytes)']
    """
    sizes = []
    code_cells = [cell for cell in nb["cells"] if cell["cell_type"] == "code"]
    for number, cell in enumerate(code_cells, 1):
        for output in cell.get("outputs", []):
            items = output.get("data", {}).items() if "data" in output else [(output["output_type"], output)]
            sizes.extend((len(str(value)), f"code cell {number}: {kind}") for kind, value in items)
    return [f"{where} ({size} bytes)" for size, where in sorted(sizes, reverse=True)[:count]]


def build(path: pathlib.Path, *, timeout: int = 600, max_bytes: int = MAX_BYTES) -> tuple[float, int]:
    """Execute the notebook at ``path`` and write it back cleaned; return ``(seconds, bytes)``.

    Raises:
        ValueError: the built notebook is over ``max_bytes`` (the file is left as it was).
        nbclient.exceptions.CellExecutionError: a cell failed (the file is left as it was).

    Example:
        >>> build(NOTEBOOKS / "missing.ipynb")
        Traceback (most recent call last):
        ...
        FileNotFoundError: build: no notebook at .../notebooks/missing.ipynb
    """
    import nbformat
    from nbclient import NotebookClient

    if not path.is_file():
        raise FileNotFoundError(f"build: no notebook at {path}")
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        store_widget_state=False,
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    started = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - started
    built = clean(nb)
    node = nbformat.from_dict(built)  # the merged streams are plain dicts: nbformat wants its nodes
    nbformat.validate(node)
    text = nbformat.writes(node)
    text += "" if text.endswith("\n") else "\n"
    size = len(text.encode("utf-8"))
    if size > max_bytes:
        raise ValueError(
            f"{path.name} is {size} bytes built (limit {max_bytes}); largest outputs: {', '.join(largest_outputs(built))}"
        )
    path.write_text(text, encoding="utf-8")
    return seconds, size


def main(argv: list[str]) -> int:
    """Build the notebooks named in ``argv`` (default: every ``notebooks/NN_*.ipynb``); 0 when all were written.

    Example:
        >>> main(["--max-bytes", "0", "notebooks/missing.ipynb"])
        missing.ipynb: FAILED: FileNotFoundError: build: no notebook at ...missing.ipynb
        1
    """
    parser = argparse.ArgumentParser(description="Execute the tutorials and store them with their outputs.")
    parser.add_argument("paths", nargs="*", type=pathlib.Path, help="notebooks to build (default: all)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell (default 600)")
    parser.add_argument("--max-bytes", type=int, default=MAX_BYTES, help=f"size limit (default {MAX_BYTES})")
    args = parser.parse_args(argv)
    paths = args.paths or sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    failed = []
    for path in paths:
        try:
            seconds, size = build(path.resolve(), timeout=args.timeout, max_bytes=args.max_bytes)
        except Exception as exc:  # report every notebook, then fail once
            print(f"{path.name}: FAILED: {type(exc).__name__}: {exc}", flush=True)
            failed.append(path.name)
            continue
        print(f"{path.name}: {seconds:.1f} s, {size / 1e3:.1f} kB", flush=True)
    if failed:
        print(f"not written: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
