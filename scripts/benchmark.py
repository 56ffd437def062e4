"""Re-measure the foundation's headline numbers on this machine.

Usage: LIC_LAB_DATA=../shared/datasets python scripts/benchmark.py [--codecs] [--notebooks] [--tests]

* coded size vs entropy estimate over Kodak for every shipped model, and bit-exact decoding;
* BD-rate (PCHIP, PSNR) of each learned family vs JPEG, JPEG 2000, WebP and AVIF;
* encode / decode time of a 768x512 image (median of 5) with 1 and 2 threads;
* the time of a full per-channel ablation sweep of one Kodak image, and importance stability over Kodak;
* with --notebooks: the run time of each notebook; with --tests: of the whole test command.
Writes data/results/benchmark.json and prints a summary.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lic_lab import data, zoo  # noqa: E402
from lic_lab.evaluate import (bd_table, coding_times, evaluate, evaluate_settings, kodak_curves, rd_points,  # noqa: E402
                              write_results)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--codecs", action="store_true", help="re-run the classical codec sweeps too")
    ap.add_argument("--notebooks", action="store_true")
    ap.add_argument("--tests", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(2)
    paths = data.list_images(data.kodak_dir())
    report: dict = {"coding": {}, "timing": {}}
    families: dict[str, list] = {}
    for name in sorted(zoo.registry()):
        model = zoo.load_model(name)
        if model.rate_range is None:
            res = evaluate(model, paths, progress=True)
        else:  # every level (and, for CBANet, every number of branches)
            branches = range(1, model.max_branches + 1) if hasattr(model, "max_branches") else None
            res = evaluate_settings(model, paths, branches=branches, progress=True)
        for entry in res:
            families.setdefault(entry.get("curve") or zoo.registry()[name]["family"], []).append(entry)
        imgs = [r for entry in res for r in entry["images"]]
        real = sum(8 * r["bytes"] for r in imgs)
        est = sum(r["bpp_est"] * 8 * r["bytes"] / r["bpp"] for r in imgs)  # bpp x pixels
        payload = sum(8 * r["payload_bytes"] for r in imgs)
        report["coding"][name] = {"real_bits": real, "estimated_bits": est, "overhead_percent": 100 * (real / est - 1),
                                  "payload_bits": payload, "payload_overhead_percent": 100 * (payload / est - 1),
                                  "bit_exact_images": sum(r["roundtrip_max_abs"] == 0 for r in imgs),
                                  "coded_images": len(imgs), "bpp": res[-1]["mean"]["bpp"], "psnr": res[-1]["mean"]["psnr"]}
        print(f"{name}: file overhead {report['coding'][name]['overhead_percent']:+.3f}%, entropy-coded "
              f"{report['coding'][name]['payload_overhead_percent']:+.3f}%, "
              f"{report['coding'][name]['bit_exact_images']}/{len(imgs)} bit-exact", flush=True)
    curves = kodak_curves("psnr")
    if args.codecs:
        for codec in ("jpeg", "jpeg2000", "webp", "avif"):
            res = evaluate(codec, paths, progress=True)
            write_results(res, ROOT / "data" / "results" / f"kodak_{codec}.json", {"model": codec})
            curves[codec] = rd_points(res)
    for fam, entries in families.items():
        curves[fam] = rd_points(entries)
    report["bd_rate"] = bd_table(curves, sorted(families), ["jpeg", "jpeg2000", "webp", "avif"])
    x = data.read_image(paths[0])
    for fam in sorted({e["family"] for e in zoo.registry().values()}):
        model = zoo.load_model(zoo.resolve_name(fam))
        report["timing"][model.name] = {f"{t}_threads": coding_times(model, x, t) for t in (1, 2)}
    torch.set_num_threads(2)
    from lic_lab import channels

    model = zoo.load_model("hyperprior-q3")
    for with_ms in (False, True):
        t0 = time.perf_counter()
        channels.ablate_channels(model, x, with_ms_ssim=with_ms)
        report.setdefault("channel_sweep_s", {})["with_ms_ssim" if with_ms else "psnr_only"] = time.perf_counter() - t0
    stab = channels.importance_stability(model, [data.read_image(p) for p in paths])
    report["channel_stability_kodak24"] = {"mean_spearman": stab.mean_spearman, "min_spearman": stab.min_spearman,
                                           "top10_overlap": stab.top_overlap}
    if args.notebooks:
        report["notebooks_s"] = {}
        for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                            "--output", "/tmp/_bench.ipynb", str(nb)], check=True, capture_output=True)
            report["notebooks_s"][nb.name] = time.perf_counter() - t0
    if args.tests:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "pytest", "-q", "--nbval", "--nbval-current-env", "tests", "notebooks"],
                       cwd=ROOT, check=True)
        report["test_command_s"] = time.perf_counter() - t0
    out = ROOT / "data" / "results" / "benchmark.json"
    out.write_text(json.dumps(report, indent=1))
    print("\nBD-rate (PCHIP, PSNR) on Kodak:")
    for row in report["bd_rate"]:
        r = row["BD-rate (%)"]
        print(f"  {row['model']:<12} vs {row['anchor']:<9} {'n/a' if r is None else f'{r:+.1f}%'}")
    print("\nTiming of a 768x512 image (median of 5):")
    for name, t in report["timing"].items():
        print(f"  {name}: " + ", ".join(f"{k}: enc {v['encode_s']:.3f} s dec {v['decode_s']:.3f} s" for k, v in t.items()))
    print("\nChannel sweep of hyperprior-q3 on one Kodak image (96 channels):", report["channel_sweep_s"])
    print("Channel importance stability over the 24 Kodak images:", report["channel_stability_kodak24"])
    for key in ("notebooks_s", "test_command_s"):
        if key in report:
            print(key, report[key])
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
