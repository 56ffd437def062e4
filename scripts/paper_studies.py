"""Kodak studies behind notebooks 05 (AG-VAE) and 06 (CBANet), written to data/results/.

Usage: LIC_LAB_DATA=../shared/datasets python scripts/paper_studies.py [agvae] [cbanet]

* agvae: real bitstream sizes over a 0.1-step rate grid on every Kodak image (is bpp increasing
  everywhere?), exponential vs linear interpolation between the levels, and the latency of one
  slider update on a 768x512 image (median of 10, 2 threads);
* cbanet: decode time of a 768x512 image for K = 1, 2, 3 branches and for the baseline
  hyperprior (median of 11 after 3 warm-ups, 1 and 2 threads), and the decoder FLOPs.
"""
from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lic_lab import data, zoo  # noqa: E402
from lic_lab.complexity import decoder_flops  # noqa: E402
from lic_lab.evaluate import coding_times  # noqa: E402
from lic_lab.rate_control import interpolation_study, monotonicity  # noqa: E402
from lic_lab.widgets import GainRateView  # noqa: E402

OUT = ROOT / "data" / "results"


def kodak_images() -> list[tuple[str, torch.Tensor]]:
    return [(p.name, data.read_image(p)) for p in data.list_images(data.kodak_dir())]


def agvae(images: list[tuple[str, torch.Tensor]]) -> dict:
    torch.set_num_threads(2)
    model = zoo.load_model("agvae")
    report = {"model": "agvae", "images": len(images)}
    t0 = time.time()
    report["monotonicity"] = {mode: monotonicity(model, images, 0.1, mode) for mode in ("exponential", "linear")}
    rates = [s + f for s in range(1, 5) for f in (0.25, 0.5, 0.75)]
    report["interpolation"] = interpolation_study(model, images, rates)
    x = next(img for name, img in images if img.shape[-2:] == (512, 768))
    view = GainRateView(model, x, [1.0, 3.0, 5.0])
    runs = [view.update(r / 4) for r in range(5, 20)]
    report["slider"] = {"size": "768x512", "threads": 2,
                        "update_ms": statistics.median(r["values"]["update_ms"] for r in runs),
                        "code_ms": statistics.median(r["values"]["code_ms"] for r in runs),
                        "encode_ms": statistics.median(r["values"]["encode_ms"] for r in runs),
                        "decode_ms": statistics.median(r["values"]["decode_ms"] for r in runs)}
    report["wall_s"] = round(time.time() - t0, 1)
    return report


def cbanet(images: list[tuple[str, torch.Tensor]]) -> dict:
    x = next(img for name, img in images if img.shape[-2:] == (512, 768))
    model, base = zoo.load_model("cbanet"), zoo.load_model("hyperprior-q5")
    report = {"model": "cbanet", "size": "768x512", "decode_ms": {}, "flops": {}}
    for threads in (1, 2):
        rows = {}
        for label, m, k in [("baseline", base, None), ("K=1", model, 1), ("K=2", model, 2), ("K=3", model, 3)]:
            if k:
                m.set_branches(k)
            rows[label] = 1000 * coding_times(m, x, threads, repeats=11, warmup=3)["decode_s"]
        report["decode_ms"][f"{threads} thread(s)"] = rows
    for k in (1, 2, 3):
        report["flops"][f"K={k}"] = {"synthesis": decoder_flops(model, (512, 768), k),
                                     "all": decoder_flops(model, (512, 768), k, part="all")}
    report["flops"]["baseline"] = {"synthesis": decoder_flops(base, (512, 768)),
                                   "all": decoder_flops(base, (512, 768), part="all")}
    model.set_rate(1)
    report["flops"]["K=3, bitrate 1 (with IBAL)"] = {"synthesis": decoder_flops(model, (512, 768), 3),
                                                     "all": decoder_flops(model, (512, 768), 3, part="all")}
    return report


def main(which: list[str]) -> None:
    images = kodak_images()
    OUT.mkdir(parents=True, exist_ok=True)
    for name, fn in (("agvae", agvae), ("cbanet", cbanet)):
        if which and name not in which:
            continue
        report = fn(images)
        (OUT / f"{name}_studies.json").write_text(json.dumps(report, indent=1))
        print(name, "->", OUT / f"{name}_studies.json")


if __name__ == "__main__":
    main(sys.argv[1:])
