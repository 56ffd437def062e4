"""Measure what one slider step costs in each notebook's widget, through the widget itself.

    python scripts/slider_latency.py [--repeats 5] [--threads 2]

Builds every slider widget of the workbook on the notebooks' own models and embedded photo (the
build time is reported: views over shipped models are coded and drawn once, then), then moves
each slider to ``--repeats`` new values and times the whole update the widget runs (coding,
drawing, PNG bytes). Writes data/results/slider_latency.md; the target (issue: sliders that feel
live) is 150 ms per update on 2 cores. Browser rendering is not included (see the browser test).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from lic_lab import data, zoo  # noqa: E402
from lic_lab.teaching import rate_control, widgets  # noqa: E402

TARGET_MS = 150


def sliders(box: Any) -> list[Any]:
    """Every slider in a widget tree, in display order."""
    import ipywidgets

    if isinstance(box, (ipywidgets.IntSlider, ipywidgets.FloatSlider)):
        return [box]
    return [s for child in getattr(box, "children", ()) for s in sliders(child)]


def slider_values(slider: Any, repeats: int) -> list[Any]:
    """``repeats`` slider positions, each different from the one before (starting from the current)."""
    n = int(round((slider.max - slider.min) / slider.step)) + 1
    if n < 2:
        return []  # nothing to move
    positions = [round(slider.min + i * slider.step, 6) for i in range(0, n, max(1, n // 12))]
    values, current = [], slider.value
    for i in range(repeats):
        options = [p for p in positions if p != current]
        current = options[(3 * i + 1) % len(options)]
        values.append(current)
    return values


def measure(build: Callable[[], Any], repeats: int) -> tuple[float, dict[str, float]]:
    """Build time (s) and the median update time (ms) per slider of a widget."""
    t0 = time.perf_counter()
    box = build()
    built = time.perf_counter() - t0
    result = {}
    for slider in sliders(box):
        times = []
        for value in slider_values(slider, repeats):
            t = time.perf_counter()
            slider.value = value  # runs the widget's observer synchronously, as the kernel does
            times.append(1000 * (time.perf_counter() - t))
        if times:
            result[slider.description] = statistics.median(times)
    return built, result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    x = data.read_image(data.embedded_paths()[0])
    hyper = [zoo.load_model(n) for n in zoo.family_members("hyperprior")]
    cvqn = [zoo.load_model(f"cvqn-q{i}") for i in (1, 2, 3)]
    cwic = [zoo.load_model(f"cwic-q{i}") for i in (1, 2, 3)]
    agvae = zoo.load_model("agvae")
    builds: dict[str, Callable[[], Any]] = {
        "01 rate (hyperprior family)": lambda: widgets.rate_slider(hyper, x),
        "02 GMM quantizer toy": lambda: widgets.gmm_explorer(),
        "02 rate (CVQN)": lambda: widgets.rate_slider(cvqn, x),
        "03 channel explorer (hyperprior-q3)": lambda: widgets.channel_explorer(zoo.load_model("hyperprior-q3"), x),
        "04 importance map (CWIC)": lambda: widgets.importance_explorer(cwic, x),
        "04 trimmed mask planes": lambda: widgets.mask_explorer(),
        "05 rate R = s + l (AG-VAE)": lambda: widgets.gain_rate_explorer(
            widgets.GainRateView(agvae, x, rate_control.rate_grid(agvae, 0.25), zoom=(slice(60, 188), slice(120, 312)))
        ),
        "06 bitrate j and branches K (CBANet)": lambda: widgets.branch_explorer(
            widgets.BranchView(zoo.load_model("cbanet"), x)
        ),
    }
    rows = [
        f"Median of {args.repeats} moves of each slider, through the widget, {args.threads} threads, "
        f"{x.shape[-1]}x{x.shape[-2]} photo (`python scripts/slider_latency.py`). Build: running the "
        "cell (views over shipped models are coded for real and drawn then).",
        "",
        f"| widget | slider | ms per update | under {TARGET_MS} ms | build (s) |",
        "|---|---|---|---|---|",
    ]
    for name, build in builds.items():
        built, result = measure(build, args.repeats)
        for slider, ms in result.items():
            shown = f"{ms:.1f}" if ms < 10 else f"{ms:.0f}"
            rows.append(f"| {name} | {slider} | {shown} | {'yes' if ms < TARGET_MS else 'no'} | {built:.1f} |")
            print(rows[-1], flush=True)
    out = ROOT / "data" / "results" / "slider_latency.md"
    out.write_text("\n".join(rows) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
