"""Cross-thread determinism: encode with one thread count, decode with another, in separate processes.

``python -m lic_lab.evaluation.crosscheck --models hyperprior-q3 meanscale-q3 --images DIR --out DIR``

For each direction (1 -> 2 threads, 2 -> 1 thread) one process encodes every (model, image) with
``OMP_NUM_THREADS`` = the first count and writes the bitstreams and its own decoded images; a second
process, with the other count, decodes the bitstreams. A pair passes when the two decodes differ
by at most one 8-bit level anywhere (the symbols are then identical: a single wrong symbol derails
an ANS decoder and gives noise). ``scripts/cross_thread.py`` runs it over Kodak for every family.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np


def _worker(role: str, models: list[str], images: list[str], out: Path, threads: int) -> None:
    import torch

    from lic_lab.data import read_image, to_uint8
    from lic_lab.zoo import load_model

    torch.set_num_threads(threads)
    for name in models:
        model = load_model(name)
        for path in images:
            stem = f"{name}__{Path(path).stem}"
            if role == "encode":
                data = model.compress(read_image(path))
                (out / f"{stem}.lic").write_bytes(data)
                np.save(out / f"{stem}.enc.npy", to_uint8(model.decompress(data)))
            else:
                data = (out / f"{stem}.lic").read_bytes()
                np.save(out / f"{stem}.dec.npy", to_uint8(model.decompress(data)))


def _spawn(role: str, models: list[str], images: list[str], out: Path, threads: int) -> None:
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    cmd = [
        sys.executable,
        "-m",
        "lic_lab.evaluation.crosscheck",
        "--worker",
        role,
        "--threads",
        str(threads),
        "--out",
        str(out),
        "--models",
        *models,
        "--images",
        *images,
    ]
    subprocess.run(cmd, check=True, env=env)


def cross_thread(
    models: list[str], images: list[str | Path], out: str | Path, pairs: tuple[tuple[int, int], ...] = ((1, 2), (2, 1))
) -> dict[str, Any]:
    """Run every (encode threads, decode threads) pair; per model: images checked, passed, worst diff."""
    out = Path(out)
    paths = [str(p) for p in images]
    report: dict[str, Any] = {"pairs": [], "models": {}}
    for enc, dec in pairs:
        folder = out / f"enc{enc}_dec{dec}"
        folder.mkdir(parents=True, exist_ok=True)
        _spawn("encode", models, paths, folder, enc)
        _spawn("decode", models, paths, folder, dec)
        for name in models:
            row = report["models"].setdefault(name, {"cases": 0, "passed": 0, "max_level_diff": 0, "failures": []})
            for path in paths:
                stem = f"{name}__{Path(path).stem}"
                a = np.load(folder / f"{stem}.enc.npy").astype(np.int16)
                b = np.load(folder / f"{stem}.dec.npy").astype(np.int16)
                diff = int(np.abs(a - b).max())
                row["cases"] += 1
                row["passed"] += int(diff <= 1)
                row["max_level_diff"] = max(row["max_level_diff"], diff)
                if diff > 1:
                    row["failures"].append({"image": Path(path).name, "threads": [enc, dec], "max_level_diff": diff})
        report["pairs"].append([enc, dec])
    return report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="+", required=True)
    ap.add_argument("--images", nargs="+", required=True, help="image files, or one folder")
    ap.add_argument("--out", required=True)
    ap.add_argument("--worker", choices=["encode", "decode"], help=argparse.SUPPRESS)
    ap.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        _worker(args.worker, args.models, args.images, Path(args.out), args.threads)
        return 0
    images = args.images
    if len(images) == 1 and Path(images[0]).is_dir():
        from lic_lab.data import list_images

        images = [str(p) for p in list_images(images[0])]
    report = cross_thread(args.models, images, args.out)
    Path(args.out, "report.json").write_text(json.dumps(report, indent=1))
    for name, row in report["models"].items():
        print(f"{name:<24} {row['passed']}/{row['cases']} decodes within one level (worst {row['max_level_diff']})")
    return 0 if all(r["passed"] == r["cases"] for r in report["models"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
