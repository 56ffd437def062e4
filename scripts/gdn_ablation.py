"""GDN before/after at one fixed budget: the same scale hyperprior trained twice, with the cross-channel
terms gamma_ij free to learn (today's GDN) and with only gamma_ii (what the earlier GDN amounted to:
its off-diagonal entries never left 0), then coded on Kodak with real bitstreams.

    LIC_LAB_DATA=../shared/datasets python scripts/gdn_ablation.py --variant cross &
    LIC_LAB_DATA=../shared/datasets python scripts/gdn_ablation.py --variant diagonal
    python scripts/gdn_ablation.py --report

Each variant: N = 64, M = 96, lambda 0.013, batch 8 of 128 px crops, lr 1e-3 (tenfold drop for the last
15%), one thread, seed 0, on the training photos (never Kodak). Writes data/results/gdn_ablation.json.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from lic_lab import data  # noqa: E402
from lic_lab.evaluation.evaluate import evaluate  # noqa: E402
from lic_lab.layers import GDN  # noqa: E402
from lic_lab.training.train import TrainConfig, train  # noqa: E402

OUT = ROOT / "data" / "results" / "gdn_ablation.json"
LMBDA = 0.013


def off_diagonal_share(model: torch.nn.Module) -> float:
    """Largest share of a GDN row's gamma that lies off the diagonal, over every GDN layer."""
    shares = []
    for module in model.modules():
        if isinstance(module, GDN):
            g = module.gamma.detach()
            off = g.sum(1) - g.diagonal()
            shares.append(float((off / g.sum(1).clamp_min(1e-12)).max()))
    return max(shares)


def run(variant: str, steps: int) -> dict:
    GDN.cross_channel = variant == "cross"
    cfg = TrainConfig(arch="scale_hyperprior", N=64, M=96, lmbda=LMBDA, steps=steps, batch=8, patch=128, lr=1e-3,
                      name=f"gdn-{variant}", out_dir=str(ROOT / "runs" / "gdn"), threads=1, save_every=0,
                      val_every=10**9)
    start = time.perf_counter()
    model, record = train(cfg, progress=False, resume=False)
    wall = time.perf_counter() - start
    model.eval()
    entry = evaluate(model, data.list_images(data.kodak_dir()), progress=False)[0]
    mean = entry["mean"]
    mse = sum(10 ** (-r["psnr"] / 10) for r in entry["images"]) / len(entry["images"])  # mean MSE, [0, 1] scale
    return {"steps": steps, "wall_time_s": wall, "kodak": {k: mean[k] for k in ("bpp", "psnr", "ms_ssim")},
            "rd_cost": mean["bpp"] + LMBDA * 255**2 * mse,
            # 0 by construction for the diagonal variant; how far the free one moved off the diagonal
            "max_off_diagonal_share": off_diagonal_share(model)}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", choices=["cross", "diagonal"])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--report", action="store_true")
    args = parser.parse_args(argv)
    doc = json.loads(OUT.read_text()) if OUT.is_file() else {}
    if args.variant:
        result = run(args.variant, args.steps)
        doc = json.loads(OUT.read_text()) if OUT.is_file() else {}  # re-read: the other variant may have finished meanwhile
        doc[args.variant] = result
        OUT.write_text(json.dumps(doc, indent=1) + "\n")
    for variant, r in doc.items():
        k = r["kodak"]
        print(f"{variant}: {r['steps']:,} steps, Kodak {k['bpp']:.4f} bpp / {k['psnr']:.2f} dB, "
              f"R + lambda D = {r['rd_cost']:.4f}, largest off-diagonal share of a gamma row {r['max_off_diagonal_share']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
