"""Measure what one slider step costs in each notebook's widget (the work behind the image update).

    python scripts/slider_latency.py [--repeats 5] [--threads 2]

Each slider calls a render/update function and turns its result into a PNG; this times that whole
step (median of ``--repeats`` moves, after one warm-up) for every slider of the workbook, on the
notebooks' own models and embedded photo, and writes data/results/slider_latency.md. The target
(issue: sliders that feel live) is 150 ms per update on 2 cores. Browser rendering is not included.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from lic_lab import data, zoo  # noqa: E402
from lic_lab.teaching import rate_control, widgets  # noqa: E402
from lic_lab.teaching.viz import trimmed_mask_planes  # noqa: E402

TARGET_MS = 150


def median_ms(step: Callable[[int], object], repeats: int) -> float:
    step(0)  # warm-up (first call builds caches and tables)
    times = []
    for i in range(1, repeats + 1):
        t0 = time.perf_counter()
        step(i)
        times.append(1000 * (time.perf_counter() - t0))
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    x = data.read_image(data.embedded_paths()[0])
    png = widgets.figure_png
    hyper = [zoo.load_model(n) for n in zoo.family_members("hyperprior")]
    cvqn = [zoo.load_model(f"cvqn-q{i}") for i in (1, 2, 3)]
    cwic = [zoo.load_model(f"cwic-q{i}") for i in (1, 2, 3)]
    agvae = zoo.load_model("agvae")
    gain_view = widgets.GainRateView(agvae, x, rate_control.rate_grid(agvae, 0.25), zoom=(slice(60, 188), slice(120, 312)))
    branch_view = widgets.BranchView(zoo.load_model("cbanet"), x)
    h3 = zoo.load_model("hyperprior-q3")
    steps: dict[str, Callable[[int], object]] = {
        "01 rate index s (hyperprior family)": lambda i: png(widgets.render_rate(hyper, x, i % len(hyper))[0]),
        "02 GMM levels Q (toy, refits)": lambda i: png(widgets.render_gmm(3 + i % 5, "gaussian")[0]),
        "02 rate index s (CVQN)": lambda i: png(widgets.render_rate(cvqn, x, i % 3)[0]),
        "03 channel (hyperprior-q3)": lambda i: png(widgets.render_channel(h3, x, i % h3.M, 0.0)[0]),
        "04 rate index (CWIC importance map)": lambda i: png(widgets.render_importance(cwic, x, i % 3)[0]),
        "04 mask plane k - t": lambda i: png(trimmed_mask_planes(i % 5 - 2, 5)),
        "05 rate R = s + l (AG-VAE)": lambda i: gain_view.update(1.0 + (i % 16) * 0.25),
        "06 bitrate j and branches K (CBANet)": lambda i: branch_view.update(1 + i % 5, 1 + i % 3),
    }
    rows = [f"Median of {args.repeats} slider steps after a warm-up, {args.threads} threads, "
            f"{x.shape[-1]}x{x.shape[-2]} photo (`python scripts/slider_latency.py`).", "",
            f"| slider | ms per update | under {TARGET_MS} ms |", "|---|---|---|"]
    for name, step in steps.items():
        ms = median_ms(step, args.repeats)
        rows.append(f"| {name} | {ms:.0f} | {'yes' if ms < TARGET_MS else 'no'} |")
        print(rows[-1], flush=True)
    out = ROOT / "data" / "results" / "slider_latency.md"
    out.write_text("\n".join(rows) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
