"""Move a finished training run aside so that its next segment can take its name.

Usage: python scripts/move_segment.py NAME SUBDIR NEW_NAME "what it is"   (e.g. meanscale-q2 meanscale meanscale-q2-seg1 "first segment")

``data/training/NAME.{json,md,pt}`` become ``data/training/SUBDIR/NEW_NAME.*``: the record's name, its
config's ``name`` and ``out_dir`` (so a recipe that names the moved run finds it finished), a note, the
card's title and the Kodak means (``data/training/kodak_means.json``) follow it. Every record that was
initialised from its weights gets ``init_record`` pointing at the moved record, so model cards keep the
chain the run really had and the trainer still finds those runs finished (``training.train``).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TRAINING = ROOT / "data" / "training"


def move(name: str, sub: str, new: str, what: str) -> None:
    dst = TRAINING / sub
    record = json.loads((TRAINING / f"{name}.json").read_text())
    record["name"] = new
    record["config"].update(name=new, out_dir=f"data/training/{sub}")
    record["note"] = f"{what} of {name}, trained as data/training/{name} and moved here when its next segment was trained"
    (dst / f"{new}.json").write_text(json.dumps(record, indent=1) + "\n")
    (TRAINING / f"{name}.pt").rename(dst / f"{new}.pt")
    card = (TRAINING / f"{name}.md").read_text().split("\n", 1)[1]
    (dst / f"{new}.md").write_text(f"# {new} ({what} of {name})\n{card}")
    for path in (TRAINING / f"{name}.json", TRAINING / f"{name}.md"):
        path.unlink()
    means_path = TRAINING / "kodak_means.json"
    means = json.loads(means_path.read_text())
    if name in means:
        means[new] = means.pop(name)
        means_path.write_text(json.dumps(means, indent=1) + "\n")
    old_weights = f"data/training/{name}.pt"
    for path in [*TRAINING.rglob("*.json"), *(ROOT / "lic_lab" / "zoo" / "checkpoints").rglob("*.json")]:
        other = json.loads(path.read_text())
        if isinstance(other, dict) and isinstance(other.get("config"), dict) and other["config"].get("init") == old_weights:
            other["init_record"] = f"data/training/{sub}/{new}.json"
            path.write_text(json.dumps(other, indent=1) + "\n")
            print("init_record ->", path.relative_to(ROOT))


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__.strip().splitlines()[2])
    move(*sys.argv[1:])
