"""The image and file cases of issue 19, through the real CLI: what a user sees for each.

    python scripts/hostile_inputs.py [--out data/results/hostile_inputs.md]

Each case runs `python -m lic_lab ...` in a fresh process (peak memory from /proc of the child is
not available portably, so the wall time is shown; every refusal happens before pixels are decoded).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

from lic_lab.evaluation.fuzz import png_claiming


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="data/results/hostile_inputs.md")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        (t / "bomb70.png").write_bytes(png_claiming(50000, 50000))
        (t / "big13000.png").write_bytes(png_claiming(13000, 13000))
        (t / "big8000.png").write_bytes(png_claiming(8000, 8000))
        photo = Image.new("RGB", (96, 64), (200, 30, 30))
        exif = Image.Exif()
        exif[0x0112] = 6
        photo.save(t / "rotated.jpg", exif=exif.tobytes())
        frames = [Image.new("RGB", (32, 32), c) for c in ("red", "blue")]
        frames[0].save(t / "anim.gif", save_all=True, append_images=frames[1:])
        photo.save(t / "a.png")
        m = ["--model", "hyperprior-q3"]
        cases = [
            ("PNG of 70 bytes claiming 50000x50000", ["compress", t / "bomb70.png", t / "o1.lic", *m]),
            ("PNG claiming 13000x13000", ["compress", t / "big13000.png", t / "o2.lic", *m]),
            ("PNG claiming 8000x8000", ["compress", t / "big8000.png", t / "o3.lic", *m]),
            ("EXIF-rotated JPEG (96x64 stored, shown 64x96)", ["compress", t / "rotated.jpg", t / "rot.lic", *m]),
            ("decode it", ["decompress", t / "rot.lic", t / "rot.png"]),
            ("animated GIF (2 frames)", ["compress", t / "anim.gif", t / "o4.lic", *m]),
            ("compress a.png a.png", ["compress", t / "a.png", t / "a.png", *m]),
            ("compress to a new file", ["compress", t / "a.png", t / "a.lic", *m]),
            ("compress again to the same output", ["compress", t / "a.png", t / "a.lic", *m]),
            ("... with --force", ["compress", t / "a.png", t / "a.lic", *m, "--force"]),
            ("decompress to a folder", ["decompress", t / "a.lic", t]),
            ("decompress to .jpg", ["decompress", t / "a.lic", t / "a_rec.jpg"]),
            ("decompress to an unknown extension", ["decompress", t / "a.lic", t / "a_rec.xyz"]),
            ("--rate inf", ["compress", t / "a.png", t / "r.lic", "--model", "agvae", "--rate", "inf"]),
        ]
        for label, cmd in cases:
            t0 = time.perf_counter()
            r = subprocess.run([sys.executable, "-m", "lic_lab", *map(str, cmd)], capture_output=True, text=True)
            wall = time.perf_counter() - t0
            said = (r.stderr.strip() or r.stdout.strip()).replace(str(t) + "/", "").replace("|", "\\|")
            lines = len(r.stderr.strip().splitlines())
            rows.append(f"| {label} | {r.returncode} | {lines} | {wall:.1f} s | {said[:160]} |")
        size = Image.open(t / "rot.png").size
        rows.append(f"| (the decoded rotated photo is {size[0]}x{size[1]}) | | | | |")
    table = "\n".join(["| case | exit | stderr lines | time | what the user reads |", "|---|---|---|---|---|", *rows])
    Path(args.out).write_text(table + "\n")
    print(table)


if __name__ == "__main__":
    main()
