"""A new user's check, through the CLI: how many bytes a learned family saves against Pillow's
default JPEG on photos the project never trained, validated or tuned on.

    LIC_LAB_DATA=../shared/datasets python scripts/unseen_photos.py [--families hyperprior meanscale]

The photos are ``lic_lab.data.LARGE_TEST_NAMES`` (held out of training and validation). For each
photo: ``Image.save("x.jpg")`` with Pillow's defaults (quality 75, 4:2:0) gives bytes and PSNR; every
member of the family is run through ``python -m lic_lab compress`` and ``decompress`` (real files);
the family's bytes at the JPEG's PSNR are interpolated linearly in log(bytes) over PSNR between the
two members around it (no extrapolation). Because a smooth photo can reach a higher PSNR with JPEG
than a family's top rate, the family is also compared with a Pillow quality sweep (defaults
otherwise: 4:2:0) by BD-rate over their common PSNR range (``evaluate.bd_table``'s overlap rule).
Writes data/results/unseen_photos.json and prints a table.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from lic_lab import data, zoo  # noqa: E402
from lic_lab.evaluation.evaluate import bd_table  # noqa: E402
from lic_lab.evaluation.metrics import psnr  # noqa: E402

JPEG_SWEEP = (10, 20, 30, 45, 60, 75, 85, 92, 96)


def cli(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "lic_lab", *args], check=True, cwd=ROOT, capture_output=True)


def bytes_at(points: list[tuple[float, int]], target: float) -> float | None:
    """Bytes at PSNR ``target`` on a (PSNR, bytes) curve, log-linear between neighbours; None outside."""
    points = sorted(points)
    for (p0, b0), (p1, b1) in zip(points, points[1:]):
        if p0 <= target <= p1:
            t = (target - p0) / (p1 - p0) if p1 > p0 else 0.0
            return math.exp(math.log(b0) + t * (math.log(b1) - math.log(b0)))
    return None


def main(argv: list[str]) -> int:
    # the largest held-out photo is 5.3 MP once padded, over the default 4.2 MP decoding limit: raise it, as a
    # user would after the CLI's one-line error (this also reaches the compress / decompress processes)
    os.environ.setdefault("LIC_LAB_MAX_PIXELS", "6000000")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", nargs="+", default=["hyperprior", "meanscale"])
    args = parser.parse_args(argv)
    root = data.data_root()
    if root is None:
        raise SystemExit("set LIC_LAB_DATA to the data root (it holds train-extra/)")
    photos = [next(root.glob(f"*/{name}")) for name in data.LARGE_TEST_NAMES]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for photo in photos:
            x = data.read_image(photo)
            pixels = x.shape[-1] * x.shape[-2]
            Image.open(photo).convert("RGB").save(work / "default.jpg")  # Pillow's defaults
            jpeg_bytes = (work / "default.jpg").stat().st_size
            jpeg_psnr = psnr(x, data.read_image(work / "default.jpg"))
            row = {"photo": photo.name, "pixels": pixels, "jpeg_bytes": jpeg_bytes, "jpeg_psnr": jpeg_psnr,
                   "jpeg_bpp": 8 * jpeg_bytes / pixels}
            sweep = []
            for quality in JPEG_SWEEP:
                Image.open(photo).convert("RGB").save(work / "q.jpg", quality=quality)
                sweep.append((psnr(x, data.read_image(work / "q.jpg")), (work / "q.jpg").stat().st_size))
            row["jpeg_sweep"] = sweep
            for family in args.families:
                points = []
                for name in zoo.family_members(family):
                    quality = str(zoo.registry()[name]["quality"])
                    cli("compress", "--model", family, "--quality", quality, "--force", str(photo), str(work / "x.lic"))
                    cli("decompress", "--force", str(work / "x.lic"), str(work / "x.png"))
                    points.append((psnr(x, data.read_image(work / "x.png")), (work / "x.lic").stat().st_size))
                at = bytes_at(points, jpeg_psnr)
                curves = {name: ([8 * b / pixels for _, b in sorted(c)], [q for q, _ in sorted(c)])
                          for name, c in ((family, points), ("jpeg", sweep))}
                bd = bd_table(curves, [family], ["jpeg"])[0]["BD-rate (%)"]
                row[family] = {"points": points, "bytes_at_jpeg_psnr": at, "bd_rate_vs_jpeg_sweep": bd,
                               "saving_percent": None if at is None else 100 * (1 - at / jpeg_bytes)}
            rows.append(row)
            print(json.dumps({k: v for k, v in row.items() if k not in args.families}), flush=True)
    summary = {"photos": rows, "families": {}}
    for family in args.families:
        savings = [r[family]["saving_percent"] for r in rows if r[family]["saving_percent"] is not None]
        bds = [r[family]["bd_rate_vs_jpeg_sweep"] for r in rows if r[family]["bd_rate_vs_jpeg_sweep"] is not None]
        summary["families"][family] = {"mean_saving_percent": sum(savings) / len(savings) if savings else None,
                                       "photos_in_range": len(savings),
                                       "mean_bd_rate_vs_jpeg_sweep": sum(bds) / len(bds) if bds else None,
                                       "photos_with_overlap": len(bds)}
    out = ROOT / "data" / "results" / "unseen_photos.json"
    out.write_text(json.dumps(summary, indent=1) + "\n")
    print("| photo | Pillow JPEG (bpp, dB) | " + " | ".join(f"{f} saving" for f in args.families) + " |")
    for r in rows:
        cells = [("n/a (outside the family's PSNR range)" if r[f]["saving_percent"] is None
                  else f"{r[f]['saving_percent']:.1f}%") for f in args.families]
        print(f"| {r['photo']} | {r['jpeg_bpp']:.3f}, {r['jpeg_psnr']:.2f} | " + " | ".join(cells) + " |")
    for f, s in summary["families"].items():
        print(f"{f}: mean saving vs Pillow's default JPEG at equal PSNR: "
              f"{'n/a' if s['mean_saving_percent'] is None else format(s['mean_saving_percent'], '.1f') + '%'}"
              f" over {s['photos_in_range']} photos; BD-rate vs the Pillow quality sweep "
              f"{'n/a' if s['mean_bd_rate_vs_jpeg_sweep'] is None else format(s['mean_bd_rate_vs_jpeg_sweep'], '+.1f') + '%'}"
              f" over {s['photos_with_overlap']} photos")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
