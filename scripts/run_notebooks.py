"""Execute the workbook's notebooks from their jupytext sources, the one way their outputs are made.

    LIC_LAB_DATA=../shared/datasets python scripts/run_notebooks.py            # every notebook
    LIC_LAB_DATA=../shared/datasets python scripts/run_notebooks.py 01 05      # some of them

Each ``notebooks/NN_name.py`` (jupytext percent format: the file a person edits and reviews) is
read, executed top to bottom with the project's kernel in ``notebooks/``, and written to
``NN_name.ipynb`` with its outputs, no saved widget state (the sliders come back when the cells
run) and the fingerprint of what produced the outputs (``lic_lab.teaching.freshness``), which the
tests check. Run it with the data root set, as CI runs the notebooks.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from lic_lab.teaching.freshness import code_fingerprint, stamp  # noqa: E402
from lic_lab.teaching.timings import record_run  # noqa: E402

NOTEBOOKS = REPO / "notebooks"


def run(source: Path, code: str, timeout: int) -> float:
    """Execute one notebook source; returns the seconds it took."""
    nb = jupytext.read(source)
    for i, cell in enumerate(nb.cells):  # stable ids: the diff shows only what changed
        cell["id"] = hashlib.sha1(f"{i}:{cell['source']}".encode()).hexdigest()[:8]
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    seconds = time.perf_counter() - start
    nb.metadata.pop("widgets", None)  # saved widget state: dead weight, and stale once the cells run
    stamp(nb, code)
    nbformat.write(nb, source.with_suffix(".ipynb"))
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("only", nargs="*", help="notebook numbers or names (default: all)")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    args = parser.parse_args()
    if not os.environ.get("LIC_LAB_DATA"):
        print("note: LIC_LAB_DATA is not set; the notebooks will use their embedded defaults", file=sys.stderr)
    sources = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))
    if args.only:
        sources = [s for s in sources if any(s.stem.startswith(o) or s.stem == o for o in args.only)]
    code = code_fingerprint()
    for source in sources:
        seconds = run(source, code, args.timeout)
        record_run(source.stem, seconds)  # what the notebook's first cell prints next time
        print(f"{source.stem}: {seconds:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
