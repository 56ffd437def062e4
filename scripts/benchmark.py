"""Re-measure the workbook's numbers on this machine.

Usage: LIC_LAB_DATA=../shared/datasets python scripts/benchmark.py [--skip-benchmark] [--codecs] [--notebooks] [--tests]

* the benchmark command's full run on Kodak (every shipped model at every setting, the classical
  codecs, real bytes vs estimate, bit-exact decoding, BD-rates by range, encode / decode times with
  1 and 2 threads) into data/results/benchmark/ (what notebook 07 and the README read);
* with --codecs: the classical codec sweeps of data/results/kodak_<codec>.json (notebooks 01, 05, 06);
* the time of a full per-channel ablation sweep of one Kodak image, and importance stability over Kodak;
* with --notebooks: the run time of each notebook; with --tests: of the whole test command;
* with --robustness: the long decoder fuzz campaign (scripts/fuzz_decode.py -> data/results/fuzz.json)
  and the cross-thread check over Kodak (scripts/cross_thread.py -> data/results/cross_thread.json).
Writes data/results/workbook_timings.json and prints a summary.
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
from lic_lab.evaluation.benchmark import run_benchmark  # noqa: E402
from lic_lab.evaluation.evaluate import evaluate, write_results  # noqa: E402
from lic_lab.teaching import channels  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--skip-benchmark", action="store_true", help="keep data/results/benchmark as it is")
    ap.add_argument("--codecs", action="store_true", help="re-run the classical codec sweeps of data/results/kodak_*.json")
    ap.add_argument("--notebooks", action="store_true")
    ap.add_argument("--tests", action="store_true")
    ap.add_argument("--robustness", action="store_true", help="fuzz the decoder and check cross-thread decoding")
    args = ap.parse_args()
    paths = data.list_images(data.kodak_dir())
    report: dict = {}
    if not args.skip_benchmark:
        summary = run_benchmark(data.kodak_dir(), ROOT / "data" / "results" / "benchmark")
        report["benchmark_s"] = summary["total_s"]
        print((ROOT / "data" / "results" / "benchmark" / "bd_rate.md").read_text())
        print((ROOT / "data" / "results" / "benchmark" / "timing.md").read_text())
    if args.robustness:
        for script in ("fuzz_decode.py", "cross_thread.py"):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, str(ROOT / "scripts" / script)], check=True, cwd=ROOT)
            report.setdefault("robustness_s", {})[script] = time.perf_counter() - t0
    torch.set_num_threads(2)
    if args.codecs:
        for codec in ("jpeg", "jpeg2000", "webp", "avif"):
            write_results(evaluate(codec, paths, progress=True), ROOT / "data" / "results" / f"kodak_{codec}.json",
                          {"model": codec})
    x = data.read_image(paths[0])
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
    out = ROOT / "data" / "results" / "workbook_timings.json"
    out.write_text(json.dumps(report, indent=1))
    for key, value in report.items():
        print(key, value)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
