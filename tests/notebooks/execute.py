"""Re-execute the tutorial notebooks in place and store them without widget state.

Run from the repository root with the project's environment::

    python tests/notebooks/execute.py                 # every notebooks/*.ipynb
    python tests/notebooks/execute.py notebooks/01_quickstart.ipynb

Each notebook runs top to bottom in a fresh ``python3`` kernel of the current environment, from the
``notebooks/`` directory (as nbval and JupyterLab run it). Afterwards ``metadata.widgets`` is removed
(a single plotly FigureWidget would otherwise add megabytes of plotly.js) and the execution timing
metadata nbclient records is dropped, so a re-run of unchanged code gives an unchanged file apart from
figure images. Execution stops at the first error, leaving the file untouched.

Shape:
    not applicable (a command-line tool).

Example:
    >>> nb = {"metadata": {"widgets": {"state": {}}, "kernelspec": {}},
    ...       "cells": [{"cell_type": "code", "metadata": {"execution": {"x": 1}, "tags": []}}]}
    >>> clean = strip_volatile(nb)
    >>> sorted(clean["metadata"]), clean["cells"][0]["metadata"]
    (['kernelspec'], {'tags': []})
"""
import pathlib
import sys
import time

__all__ = ["strip_volatile", "execute_notebook", "main"]

ROOT = pathlib.Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"


def strip_volatile(nb):
    """Remove widget state and per-cell execution timings from a notebook (a dict), in place; return it.

    Shape:
        not applicable (a notebook dict).

    Example:
        >>> strip_volatile({"metadata": {"widgets": {}}, "cells": []})["metadata"]
        {}
    """
    nb["metadata"].pop("widgets", None)
    for cell in nb["cells"]:
        cell.get("metadata", {}).pop("execution", None)
    return nb


def execute_notebook(path, timeout=300):
    """Execute the notebook at ``path`` in place (python3 kernel, cwd ``notebooks/``); return seconds taken.

    Shape:
        not applicable (writes the file).

    Example:
        >>> callable(execute_notebook)
        True
    """
    import nbformat
    from nbclient import NotebookClient

    path = pathlib.Path(path)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", store_widget_state=False,
                            resources={"metadata": {"path": str(path.parent)}})
    started = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - started
    nbformat.write(strip_volatile(nb), path)
    return elapsed


def main(argv):
    """Execute the notebooks named in ``argv`` (default: all of ``notebooks/``) and print their times.

    Shape:
        not applicable.

    Example:
        >>> callable(main)
        True
    """
    paths = [pathlib.Path(a) for a in argv] or sorted(NOTEBOOKS.glob("*.ipynb"))
    total = 0.0
    for path in paths:
        seconds = execute_notebook(path)
        total += seconds
        print(f"{path.name}: {seconds:.1f} s")
    print(f"total: {total:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
