"""The package's layering: the codec library never imports the teaching layer, and works without
the notebooks' extra (matplotlib, ipywidgets)."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import lic_lab

LIBRARY_WITHOUT_EXTRAS = r"""
import importlib, sys
from pathlib import Path

class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("matplotlib", "ipywidgets", "IPython"):
            raise ImportError(f"blocked: {name}")

sys.meta_path.insert(0, Block())
import lic_lab
root = Path(lic_lab.__file__).parent
for path in sorted(root.rglob("*.py")):  # every module but the teaching layer's
    parts = path.relative_to(root.parent).with_suffix("").parts
    if "teaching" not in parts and parts[-1] != "__main__":
        importlib.import_module(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
loaded = sorted(name for name in sys.modules if name.startswith("lic_lab.teaching"))
assert not loaded, loaded
from lic_lab.cli import main
assert main(["models"]) == 0
"""


def test_the_library_imports_and_lists_models_without_matplotlib_or_widgets():
    run = subprocess.run([sys.executable, "-c", LIBRARY_WITHOUT_EXTRAS], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]


def test_no_library_module_imports_the_teaching_layer():
    offenders = []
    for path in lic_lab.PACKAGE_DIR.rglob("*.py"):
        if "teaching" in path.relative_to(lic_lab.PACKAGE_DIR).parts:
            continue
        if re.search(r"^\s*(from|import) lic_lab\.teaching", path.read_text(), flags=re.M):
            offenders.append(str(path.relative_to(lic_lab.PACKAGE_DIR)))
    assert not offenders


def test_a_checkout_writes_under_its_root_and_an_override_wins(monkeypatch, tmp_path):
    assert lic_lab.in_checkout() and lic_lab.home() == lic_lab.REPO_DIR
    monkeypatch.setenv("LIC_LAB_HOME", str(tmp_path))
    assert lic_lab.home() == tmp_path.resolve()
    assert Path(lic_lab.PACKAGE_DIR, "embedded").is_dir()  # package data, installed with the wheel
