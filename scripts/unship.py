"""Keep a trained run's record, card and Kodak results in the zoo but not its weights (the size cap).

Usage: python scripts/unship.py NAME [NAME ...]
       python scripts/unship.py --retire NAME [NAME ...]

Moves ``lic_lab/zoo/checkpoints/NAME.pt`` to ``runs/unshipped/`` (kept on this machine, git-ignored),
the record and card to ``lic_lab/zoo/checkpoints/unshipped/``, and drops NAME from the registry;
``lic_lab/zoo/results/NAME.json`` stays, so tables that read Kodak results still see the run.

``--retire`` is for a model about to be replaced by a retrained one of the same name: it is kept
as ``<family>-earlier-q<N>`` (record, card and Kodak results renamed; ``zoo.earlier_name``), and
every record that was initialised from its weights gets ``init_record`` pointing at the moved
record, so model cards and training budgets keep the chain the run really had.
"""
from __future__ import annotations

import json
import shutil
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lic_lab.zoo import (  # noqa: E402
    CHECKPOINT_DIR,
    UNSHIPPED_DIR,
    UNSHIPPED_WEIGHTS,
    ZOO_DIR,
    earlier_name,
    name_parts,
    registry,
    write_registry,
)


def unship(name: str, entries: dict[str, dict], new_name: str | None = None) -> None:
    """Move ``name``'s weights out of the zoo and its record and card to ``unshipped/`` (as ``new_name``)."""
    new_name = new_name or name
    results = ZOO_DIR / "results" / f"{name}.json"
    if not results.is_file():
        raise SystemExit(f"{name}: no {results}; run scripts/build_zoo.py {name} first")
    if new_name != name and (UNSHIPPED_DIR / f"{new_name}.json").exists():
        raise SystemExit(f"{name}: {new_name} exists already (retired once); refusing to overwrite it")
    UNSHIPPED_WEIGHTS.mkdir(parents=True, exist_ok=True)
    UNSHIPPED_DIR.mkdir(exist_ok=True)
    shutil.move(str(CHECKPOINT_DIR / f"{name}.pt"), UNSHIPPED_WEIGHTS / f"{new_name}.pt")
    for suffix in (".json", ".md"):
        shutil.move(str(CHECKPOINT_DIR / f"{name}{suffix}"), UNSHIPPED_DIR / f"{new_name}{suffix}")
    if new_name != name:
        shutil.move(str(results), results.with_name(f"{new_name}.json"))
    entries.pop(name, None)
    print(f"{name}: weights -> {UNSHIPPED_WEIGHTS}, record and card -> {UNSHIPPED_DIR} as {new_name}")


def repoint(moved: dict[str, str]) -> None:
    """Give every record initialised from a moved model's weights an ``init_record`` to its moved record."""
    for path in sorted(CHECKPOINT_DIR.glob("**/*.json")):
        record = json.loads(path.read_text())
        init = (record.get("config") or {}).get("init")
        if not init or record.get("init_record"):
            continue
        stem = Path(init).stem
        parent = Path(init).parent
        if stem in moved and (parent == Path("lic_lab/zoo/checkpoints") or parent.resolve() == CHECKPOINT_DIR.resolve()):
            record["init_record"] = f"lic_lab/zoo/checkpoints/unshipped/{moved[stem]}.json"
            path.write_text(json.dumps(record, indent=1) + "\n")
            print(f"{path.relative_to(ROOT)}: init_record -> {record['init_record']}")


def main(argv: list[str]) -> None:
    retire = argv[:1] == ["--retire"]
    names = argv[1:] if retire else argv
    entries = registry()
    moved = {}
    for name in names:
        new_name = earlier_name(name) if retire else name
        unship(name, entries, new_name)
        if retire:
            card = UNSHIPPED_DIR / f"{new_name}.md"
            card.write_text(card.read_text() + (
                f"\n## Retired\n\nRetired from the zoo on {date.today().isoformat()}, when `{name}` was retrained "
                f"on a longer schedule (issues 15 and 16). Its weights are in the git history; its Kodak results are "
                f"`lic_lab/zoo/results/{new_name}.json` (the curve `{name_parts(name)[0]} (earlier)`).\n"))
            moved[name] = new_name
    write_registry(entries)
    if moved:
        repoint(moved)


if __name__ == "__main__":
    main(sys.argv[1:])
