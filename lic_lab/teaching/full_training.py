"""``FULL_TRAINING`` in the notebooks: re-train their models with the shipped recipes.

The recipes (``scripts/train_zoo.sh``, in a checkout) read the data root. Without one, the
public training set is downloaded first (:mod:`lic_lab.public_data`, SHA-256 checked) and used.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from lic_lab import PACKAGE_DIR, data_root
from lic_lab.data import TRAIN_FOLDERS
from lic_lab.errors import UsageError

RECIPES = PACKAGE_DIR.parent / "scripts" / "train_zoo.sh"


def training_data_root() -> Path:
    """A data root holding training photos: ``LIC_LAB_DATA`` if it has any, else the public set
    (downloaded once into ``<lic_lab home>/data``; ``LIC_LAB_DATA`` is set to it for the recipes)."""
    from lic_lab.public_data import default_root, download_training_set

    root = data_root()
    if root is not None and any((root / f).is_dir() for f in TRAIN_FOLDERS):
        return root
    download_training_set(default_root())
    os.environ["LIC_LAB_DATA"] = str(default_root())
    return default_root()


def finished_records(folder: Path = PACKAGE_DIR.parent / "data" / "training") -> list[str]:
    """The finished training records under ``folder``: stages a recipe skips (``train_and_save`` skips a stage
    whose record is finished with at least the steps the recipe asks for, as every shipped one is)."""
    names = []
    for path in sorted(folder.rglob("*.json")) if folder.is_dir() else []:
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(record, dict) and record.get("finished"):
            names.append(path.stem)
    return names


def run_recipes(recipes: Sequence[str], env: Mapping[str, str] | None = None) -> None:
    """Run ``scripts/train_zoo.sh RECIPE`` for each recipe (extra environment: ``env``, e.g. SEED).

    A recipe skips every stage whose record in ``data/training/`` is finished, so in a checkout as shipped it
    trains nothing: move ``data/training/`` (and ``runs/``) aside first to train from scratch; the notice
    printed here says so."""
    if not RECIPES.is_file():
        raise UsageError(f"{RECIPES}: the training recipes live in a checkout of the repository")
    done = finished_records()
    if done:
        print(
            f"data/training/ holds {len(done)} finished training records (the shipped ones): every stage they cover is "
            "skipped. To train from scratch, move data/training/ and runs/ aside first."
        )
    root = training_data_root()
    for recipe in recipes:
        subprocess.run(
            ["bash", str(RECIPES), recipe], check=True, env={**os.environ, "LIC_LAB_DATA": str(root), **(env or {})}
        )
