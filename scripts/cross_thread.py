"""Encode with 1 thread and decode with 2 (and the reverse), separate processes, every family, all Kodak.

    LIC_LAB_DATA=../shared/datasets python scripts/cross_thread.py [--models ...] [--limit N]

Writes data/results/cross_thread.json: per model, decodes within one 8-bit level of the encoder's
own decode (identical symbols), and the worst difference. Takes about 30 minutes on 2 cores.
"""
from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from lic_lab.data import kodak_dir, list_images
from lic_lab.evaluation.crosscheck import cross_thread

FAMILIES = ["factorized-q3", "hyperprior-q3", "meanscale-q3", "agvae", "cbanet", "c2f-q3", "cvqn-q2", "cwic-q2"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="+", default=FAMILIES)
    ap.add_argument("--limit", type=int, default=None, help="first N Kodak images only")
    ap.add_argument("--out", default="data/results/cross_thread.json")
    args = ap.parse_args()
    images = list_images(kodak_dir())[: args.limit]
    with tempfile.TemporaryDirectory() as tmp:
        report = cross_thread(args.models, images, tmp)
    report["images"] = [p.name for p in images]
    Path(args.out).write_text(json.dumps(report, indent=1))
    for name, row in report["models"].items():
        print(f"{name:<16} {row['passed']}/{row['cases']} within one level (worst {row['max_level_diff']})")


if __name__ == "__main__":
    main()
