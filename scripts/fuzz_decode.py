"""The decoder under attack: a long seeded fuzz campaign over every family, plus peak memory at the size limit.

    python scripts/fuzz_decode.py [--per-kind 6] [--seeds 3] [--out data/results/fuzz.json]

Counts per family and per kind of mutation (see lic_lab.evaluation.fuzz): clean errors, unchanged decodes,
garbage decodes (undetected), crashes (tracebacks) and hangs; the slowest case; then, in a fresh
process per model, the peak resident memory of compressing and decoding an image at the size
limit (lic_lab.limits, 4.2 MP by default).
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

FAMILIES = ["factorized-q3", "hyperprior-q3", "meanscale-q3", "agvae", "cbanet", "c2f-q3", "cvqn-q2", "cwic-q2",
            "cwic-abl-sequential-s0"]

PEAK = r"""
import resource, sys, torch
from lic_lab.zoo import load_model
torch.manual_seed(0)
model = load_model(sys.argv[1])
w = 2048; h = model.decode_pixel_limit() // w
x = torch.nn.functional.interpolate(torch.rand(1, 3, h // 16, w // 16), size=(h, w), mode="bilinear")
data = model.compress(x)
model.decompress(data)
print(h, w, len(data), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-kind", type=int, default=6)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--models", nargs="+", default=FAMILIES)
    ap.add_argument("--peak-models", nargs="+", default=["hyperprior-q3", "meanscale-q3", "c2f-q3"])
    ap.add_argument("--out", default="data/results/fuzz.json")
    args = ap.parse_args()
    from lic_lab.data import embedded_paths, read_image, to_uint8
    from lic_lab.evaluation.fuzz import FuzzReport, fuzz_stream
    from lic_lab.zoo import load_model, registry

    others = sorted(registry())
    results: dict = {"per_kind": args.per_kind, "seeds": args.seeds, "families": {}, "peak_memory": {}}
    total = FuzzReport()
    for name in args.models:
        model = load_model(name)
        report = FuzzReport()
        t0 = time.time()
        for seed in range(args.seeds):
            x = read_image(embedded_paths()[seed % len(embedded_paths())])[..., :128, :192]
            data = model.compress(x)
            reference = to_uint8(model.decompress(data))
            fuzz_stream(data, reference, others, seed=seed, per_kind=args.per_kind, report=report)
            fuzz_stream(data, reference, others, seed=seed, per_kind=args.per_kind, report=total)
        results["families"][name] = {**report.as_dict(), "wall_s": round(time.time() - t0, 1)}
        print(f"{name:<24} {report.cases} cases: {dict(report.outcomes)} slowest {report.slowest_s:.2f} s", flush=True)
    results["total"] = total.as_dict()
    for name in args.peak_models:
        out = subprocess.run([sys.executable, "-c", PEAK, name], capture_output=True, text=True, check=True)
        h, w, size, kb = out.stdout.split()
        results["peak_memory"][name] = {"image": f"{w}x{h}", "bytes": int(size), "peak_rss_mb": round(int(kb) / 1024)}
        print(f"{name}: {w}x{h} compress + decompress, peak RSS {int(kb) / 1024:.0f} MB", flush=True)
    results["self_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=1))
    print(f"total {total.cases} cases: {dict(total.outcomes)}; wrote {args.out}")


if __name__ == "__main__":
    main()
