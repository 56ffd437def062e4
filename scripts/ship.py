"""Put finished training runs into the zoo (the counterpart of ``scripts/unship.py``).

Usage: python scripts/ship.py [--precision int8|fp16] [--from data/training] NAME [NAME ...]
       then: LIC_LAB_DATA=../shared/datasets python scripts/build_zoo.py NAME ...

Writes ``lic_lab/zoo/checkpoints/NAME.pt`` at the chosen storage precision (``zoo.save_checkpoint``)
and the training record beside it. With int8, the record keeps the fp16 weights' Kodak mean from
``data/training/kodak_means.json`` (``scripts/eval_training.py``) when it was measured on these exact
weights, so the model card states what the smaller storage cost.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lic_lab.data import sha256_file  # noqa: E402
from lic_lab.zoo import CHECKPOINT_DIR, load_checkpoint_file, save_checkpoint  # noqa: E402


def ship(name: str, source: Path, precision: str) -> None:
    """Copy ``source/name`` (weights at ``precision`` and record) into the zoo's checkpoint folder."""
    weights, record_path = source / f"{name}.pt", source / f"{name}.json"
    record = json.loads(record_path.read_text())
    if not record.get("finished", True):
        raise SystemExit(f"{name}: unfinished ({record['steps']:,} of {record['config']['steps']:,} steps)")
    model, meta = load_checkpoint_file(weights)
    model.name = name
    means = source / "kodak_means.json"
    cached = json.loads(means.read_text()).get(name, {}) if means.is_file() else {}
    if cached.get("sha256") == sha256_file(weights):
        record["storage"] = {"precision": precision, "fp16_kodak": {k: cached[k] for k in ("bpp", "psnr", "ms_ssim")}}
    save_checkpoint(model, CHECKPOINT_DIR / f"{name}.pt", meta={k: v for k, v in meta.items() if k != "precision"},
                    precision=precision)
    (CHECKPOINT_DIR / f"{name}.json").write_text(json.dumps(record, indent=1) + "\n")
    print(f"{name}: {(CHECKPOINT_DIR / f'{name}.pt').stat().st_size / 1e6:.2f} MB ({precision})")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="+")
    parser.add_argument("--precision", default="int8", choices=["int8", "fp16"])
    parser.add_argument("--from", dest="source", default=str(ROOT / "data" / "training"))
    args = parser.parse_args(argv)
    for name in args.names:
        ship(name, Path(args.source), args.precision)


if __name__ == "__main__":
    main(sys.argv[1:])
