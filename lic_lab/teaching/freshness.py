"""Notebook outputs that can never be stale: a fingerprint of what produced them.

``scripts/run_notebooks.py`` executes a notebook and records, in its metadata, a SHA-256 of
everything its outputs depend on: the notebook's own cells (its jupytext source), every module of
``lic_lab``, the zoo (registry, checkpoints' SHA-256 from the registry, results) and the shipped
result files the notebooks read (``data/results``). ``tests/test_notebook_sources.py`` recomputes
it: any change to one of these without re-running the notebook fails the test.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from lic_lab import PACKAGE_DIR, REPO_DIR
from lic_lab.teaching.timings import NOTEBOOK_TIMES

KEY = "lic_lab"  # the notebook metadata entry


def _inputs() -> Iterable[Path]:
    yield from sorted(PACKAGE_DIR.rglob("*.py"))
    yield PACKAGE_DIR / "zoo" / "registry.json"  # names every checkpoint with its SHA-256
    yield from sorted((PACKAGE_DIR / "zoo" / "results").rglob("*.json"))
    # not the notebooks' own run times (data/results/notebook_times.json): run_notebooks.py writes them
    # after each notebook, and only the first cells print them, under NBVAL_IGNORE_OUTPUT
    yield from sorted(p for p in (REPO_DIR / "data" / "results").rglob("*.json") if p != NOTEBOOK_TIMES)


def code_fingerprint() -> str:
    """SHA-256 over the package source, the zoo and the shipped results (paths and bytes)."""
    digest = hashlib.sha256()
    for path in _inputs():
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(REPO_DIR)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def cells_fingerprint(nb: Any) -> str:
    """SHA-256 over a notebook's cells (type and source), ignoring outputs and metadata."""
    digest = hashlib.sha256()
    for cell in nb["cells"]:
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        digest.update(f"{cell['cell_type']}\0{source}\0".encode())
    return digest.hexdigest()


def fingerprint(nb: Any, code: str | None = None) -> str:
    """What a notebook's outputs depend on: its cells and :func:`code_fingerprint`."""
    return hashlib.sha256(f"{cells_fingerprint(nb)}:{code or code_fingerprint()}".encode()).hexdigest()


def stamp(nb: Any, code: str | None = None) -> None:
    """Record the fingerprint of the run that just produced ``nb``'s outputs."""
    nb["metadata"][KEY] = {"fingerprint": fingerprint(nb, code)}


def is_fresh(nb: Any, code: str | None = None) -> bool:
    """Whether ``nb``'s outputs were produced by its current cells, lic_lab, zoo and results."""
    return nb["metadata"].get(KEY, {}).get("fingerprint") == fingerprint(nb, code)
