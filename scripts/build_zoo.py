"""Evaluate every trained checkpoint on Kodak and (re)write the zoo registry and model cards.

Usage: LIC_LAB_DATA=../shared/datasets python scripts/build_zoo.py [name ...]
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

from lic_lab.data import kodak_dir, list_images, sha256_file
from lic_lab.evaluate import evaluate, write_results
from lic_lab.zoo import CHECKPOINT_DIR, ZOO_DIR, load_checkpoint_file, model_card, registry, write_registry

DESCRIPTIONS = {
    "factorized": "Factorized prior (Ballé et al. 2017/2018): y coded with a learned per-channel density.",
    "scale_hyperprior": "Scale hyperprior (Ballé et al. 2018): side information z predicts the scale of each y.",
    "mean_scale_hyperprior": "Mean-scale hyperprior (Minnen et al. 2018, no autoregressive context).",
}


def main(names: list[str]) -> None:
    torch.set_num_threads(2)
    paths = list_images(kodak_dir())
    entries = registry()
    results_dir = ZOO_DIR / "results"
    results_dir.mkdir(exist_ok=True)
    for ckpt in sorted(CHECKPOINT_DIR.glob("*.pt")):
        name = ckpt.stem
        if names and name not in names:
            continue
        record = json.loads(ckpt.with_suffix(".json").read_text())
        model, meta = load_checkpoint_file(ckpt)
        family, quality = name.rsplit("-q", 1)
        model.setting = float(quality)
        result = evaluate(model, paths, progress=True)
        write_results(result, results_dir / f"{name}.json", {"dataset": "kodak"})
        mean = result[0]["mean"]
        bad = [r["image"] for r in result[0]["images"] if r["roundtrip_max_abs"] != 0]
        if bad:
            raise SystemExit(f"{name}: decoded images differ from the forward pass: {bad}")
        entry = {
            "name": name, "family": family, "quality": int(quality), "arch": model.config["arch"],
            "description": DESCRIPTIONS[model.config["arch"]], "lmbda": meta["lmbda"], "metric": meta["metric"],
            "file": ckpt.name, "sha256": sha256_file(ckpt), "size_bytes": ckpt.stat().st_size,
            "params": sum(p.numel() for p in model.parameters()),
            "kodak": {k: round(v, 5) for k, v in mean.items()},
            "training": {"steps": record["steps"], "wall_time_s": record["wall_time_s"],
                         "init": record["config"]["init"]},
        }
        entries[name] = entry
        (CHECKPOINT_DIR / f"{name}.md").write_text(model_card(entry, record))
        print(f"{name}: {mean['bpp']:.4f} bpp (est {mean['bpp_est']:.4f}), {mean['psnr']:.2f} dB", flush=True)
    write_registry(entries)


if __name__ == "__main__":
    main(sys.argv[1:])
