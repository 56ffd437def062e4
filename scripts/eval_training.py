"""Kodak numbers of unfinished or unshipped runs (e.g. the foundation sittings in data/training).

    LIC_LAB_DATA=../shared/datasets python scripts/eval_training.py meanscale-q3 zoo:meanscale-q3

A plain name is ``data/training/<name>.pt``; ``zoo:<name>`` a shipped model (as a reference).
Real bitstreams, decoded back exactly (``lic_lab.evaluation.evaluate``); prints mean bpp, PSNR, MS-SSIM.
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from lic_lab import data  # noqa: E402
from lic_lab.evaluation.evaluate import evaluate  # noqa: E402
from lic_lab.zoo import load_checkpoint_file, load_model  # noqa: E402


def main(names: list[str]) -> int:
    torch.set_num_threads(1)
    paths = data.list_images(data.kodak_dir())
    for name in names:
        if name.startswith("zoo:"):
            model = load_model(name[4:])
        else:
            model, _ = load_checkpoint_file(ROOT / "data" / "training" / f"{name}.pt")
            model.name = name
        m = evaluate(model, paths)[0]["mean"]
        print(f"{name}: {m['bpp']:.4f} bpp (estimate {m['bpp_est']:.4f}), {m['psnr']:.2f} dB, MS-SSIM {m['ms_ssim']:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
