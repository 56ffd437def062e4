"""The notebooks' sources and outputs: jupytext pairs in sync, outputs never stale, no typed verdicts."""

from __future__ import annotations

import re
from pathlib import Path

import jupytext
import nbformat
import pytest

from lic_lab import REPO_DIR
from lic_lab.teaching import freshness

NOTEBOOKS = sorted((REPO_DIR / "notebooks").glob("[0-9][0-9]_*.ipynb"))
LITERAL_VERDICT = re.compile(
    r"""["'](holds|verdict|reproduced|agrees|confirmed)["']\s*:\s*(True|False)\b"""
    r"""|\b(holds|verdict|reproduced|agrees|confirmed)\s*=\s*(True|False)\b"""
)


def _cells(nb) -> list[tuple[str, str]]:
    return [(c["cell_type"], c["source"] if isinstance(c["source"], str) else "".join(c["source"])) for c in nb["cells"]]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_notebook_is_paired_with_its_jupytext_source_and_in_sync(path: Path):
    source = path.with_suffix(".py")
    assert source.is_file(), f"{source.name} missing: the notebook's source is its jupytext .py file"
    assert _cells(jupytext.read(source)) == _cells(nbformat.read(path, as_version=4)), (
        f"{path.name} differs from {source.name}: run `python scripts/run_notebooks.py {path.stem[:2]}`"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_outputs_were_produced_by_the_current_code_zoo_and_source(path: Path):
    nb = nbformat.read(path, as_version=4)
    assert freshness.is_fresh(nb), (
        f"{path.name}'s outputs are stale (lic_lab, the zoo, data/results or the notebook changed since it ran): "
        f"run `python scripts/run_notebooks.py {path.stem[:2]}`"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_saved_widget_state_and_no_typed_verdict(path: Path):
    nb = nbformat.read(path, as_version=4)
    assert "widgets" not in nb.metadata
    typed = [m.group(0) for kind, src in _cells(nb) if kind == "code" for m in LITERAL_VERDICT.finditer(src)]
    assert not typed, f"verdicts must be computed from data, not typed: {typed}"


def test_the_fingerprint_sees_a_change_to_any_cell_or_to_the_code():
    nb = nbformat.read(NOTEBOOKS[0], as_version=4)
    freshness.stamp(nb, code="a")
    assert freshness.is_fresh(nb, code="a") and not freshness.is_fresh(nb, code="b")
    nb.cells[-1]["source"] += "\n# edited"
    assert not freshness.is_fresh(nb, code="a")
    assert LITERAL_VERDICT.search('{"claim": "x", "holds": True}') and not LITERAL_VERDICT.search('"holds": a < b')
