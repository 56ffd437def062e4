"""Keep a trained run's record, card and Kodak results in the zoo but not its weights (the size cap).

Usage: python scripts/unship.py NAME [NAME ...]

Moves ``lic_lab/zoo/checkpoints/NAME.pt`` to ``runs/unshipped/`` (kept on this machine, git-ignored),
the record and card to ``lic_lab/zoo/checkpoints/unshipped/``, and drops NAME from the registry;
``lic_lab/zoo/results/NAME.json`` stays, so tables that read Kodak results still see the run.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lic_lab.zoo import CHECKPOINT_DIR, UNSHIPPED_DIR, UNSHIPPED_WEIGHTS, registry, write_registry  # noqa: E402


def main(names: list[str]) -> None:
    entries = registry()
    keep = UNSHIPPED_WEIGHTS
    keep.mkdir(parents=True, exist_ok=True)
    UNSHIPPED_DIR.mkdir(exist_ok=True)
    for name in names:
        results = CHECKPOINT_DIR.parent / "results" / f"{name}.json"
        if not results.is_file():
            raise SystemExit(f"{name}: no {results}; run scripts/build_zoo.py {name} first")
        shutil.move(str(CHECKPOINT_DIR / f"{name}.pt"), keep / f"{name}.pt")
        for suffix in (".json", ".md"):
            shutil.move(str(CHECKPOINT_DIR / f"{name}{suffix}"), UNSHIPPED_DIR / f"{name}{suffix}")
        entries.pop(name, None)
        print(f"{name}: weights -> {keep}, record and card -> {UNSHIPPED_DIR}")
    write_registry(entries)


if __name__ == "__main__":
    main(sys.argv[1:])
