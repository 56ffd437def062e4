"""The benchmark runner (benchmark paper sec. 7.2.1, Tables 6, 7 and 10).

``python -m lic_lab benchmark --data DIR --out DIR`` runs every shipped model of the workbook but the
ablation variants (a variable-rate model at each of its levels, CBANet with each number of branches) and the classical
codecs over a folder of images, with the paper's protocol:

* mean bpp (real files), PSNR and MS-SSIM per setting, averaged over the dataset;
* RD curves in PSNR and in MS-SSIM dB (``-10 log10(1 - MS-SSIM)``), written as figures;
* BD-rate (PCHIP) of every curve against an anchor over the paper's **low / median / high / full**
  ranges. Table 6 gives only the full ranges (Kodak: 0.25-1.40 bpp, 26-40 dB); low / median /
  high are our split of the full PSNR range into equal thirds (the paper does not list them). A
  range is reported only when both curves cover at least ``MIN_COVER`` of it (else N/A, as in
  Table 7);
* encode / decode time of one image with 1 and 2 CPU threads (Table 10).

Results go to ``OUT/results.json`` (per image and per setting) and ``OUT/summary.json``; figures
``OUT/rd_psnr.png`` and ``OUT/rd_ms_ssim.png``; tables ``OUT/bd_rate.md`` and ``OUT/timing.md``.
"""

from __future__ import annotations

import json
import platform
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from lic_lab.data import list_images, read_image
from lic_lab.errors import UsageError
from lic_lab.evaluation.codecs import CODECS, get_codec
from lic_lab.evaluation.evaluate import (
    bd_table,
    codec_times,
    coding_times,
    evaluate,
    evaluate_settings,
    rd_points,
)
from lic_lab.evaluation.metrics import bd_psnr, bd_rate

CLASSICAL = ("jpeg", "jpeg2000", "webp", "avif")
FULL_RANGES = {  # paper Table 6: (bpp range, PSNR range)
    "kodak": ((0.25, 1.40), (26.0, 40.0)),
    "tecnick": ((0.12, 0.70), (26.0, 43.0)),
    "clic": ((0.20, 1.05), (28.0, 40.0)),
}
MIN_COVER = 0.5  # share of a range both curves must cover for a BD number in that range


def bd_ranges(dataset: str = "kodak") -> dict[str, dict[str, tuple[float, float]]]:
    """``{range: {"psnr": (lo, hi), "bpp": (lo, hi)}}``: Table 6's full range and its thirds.

    PSNR thirds are linear, bpp thirds geometric (BD averages over log rate).
    """
    (r0, r1), (q0, q1) = FULL_RANGES[dataset]
    qs = np.linspace(q0, q1, 4)
    rs = np.exp(np.linspace(np.log(r0), np.log(r1), 4))
    ranges = {
        name: {"psnr": (float(qs[i]), float(qs[i + 1])), "bpp": (float(rs[i]), float(rs[i + 1]))}
        for i, name in enumerate(("low", "median", "high"))
    }
    ranges["full"] = {"psnr": (q0, q1), "bpp": (r0, r1)}
    return ranges


def covered(curve: tuple[Sequence[float], Sequence[float]], span: tuple[float, float], axis: int) -> float:
    """Share of ``span`` that a curve's rates (axis 0) or qualities (axis 1) cover."""
    values = curve[axis]
    lo, hi = max(min(values), span[0]), min(max(values), span[1])
    return max(0.0, hi - lo) / (span[1] - span[0])


def bd_by_range(
    curves: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    anchor: str,
    ranges: dict[str, dict[str, tuple[float, float]]],
    min_cover: float = MIN_COVER,
) -> list[dict[str, Any]]:
    """BD-rate (%) and BD-PSNR (dB) of every curve vs ``anchor`` in each range (None: not covered)."""
    rows = []
    ref = curves[anchor]
    for label, curve in curves.items():
        if label == anchor:
            continue
        row: dict[str, Any] = {"curve": label, "anchor": anchor}
        for name, span in ranges.items():
            ok = min(covered(c, span["psnr"], 1) for c in (ref, curve)) >= min_cover
            row[name] = bd_rate(*ref, *curve, quality_range=span["psnr"]) if ok else None
            ok = min(covered(c, span["bpp"], 0) for c in (ref, curve)) >= min_cover
            row[f"{name}_psnr_db"] = bd_psnr(*ref, *curve, rate_range=span["bpp"]) if ok else None
        rows.append(row)
    return rows


def bd_matrix(
    curves: Mapping[str, tuple[Sequence[float], Sequence[float]]], anchors: Sequence[str]
) -> list[dict[str, Any]]:
    """BD-rate (%) of every curve against each anchor over the curves' whole overlap (one row per curve),
    with the workbook's one rule: None where that overlap is under ``evaluate.MIN_OVERLAP_DB``, since an
    average over a sliver extrapolates one curve's shape."""
    cells = {(r["model"], r["anchor"]): r["BD-rate (%)"] for r in bd_table(curves, list(curves), anchors)}
    return [{"curve": label, **{a: None if a == label else cells[label, a] for a in anchors}} for label in curves]


def model_entries(name: str, paths: Sequence[Path], progress: Callable[[int], None]) -> list[dict[str, Any]]:
    """Evaluate one shipped model at all its settings; each entry names its RD curve.

    The zoo's own Kodak evaluation (``scripts/build_zoo.py``, the same :func:`evaluate`) is taken
    when it was made with this checkpoint and bitstream format on the same images.
    """
    from lic_lab.zoo import load_model, registry, stored_kodak_entries

    model = load_model(name)
    family = registry()[name]["family"]
    stored = stored_kodak_entries(name, [p.name for p in paths])
    if stored is not None:
        entries = stored
        if model.rate_range is None:
            for entry in entries:
                entry["curve"] = family
    elif model.rate_range is None:
        entries = evaluate(model, paths, progress=False)
        for entry in entries:
            entry["curve"] = family
    else:
        branches = range(1, model.max_branches + 1) if model.capabilities().branches else None
        entries = evaluate_settings(model, paths, branches=branches)
    for entry in entries:
        entry["model"] = name
        entry["sha256"] = registry()[name]["sha256"]  # so ``--reuse`` never keeps a retrained model's numbers
    progress(sum(len(e["images"]) for e in entries))
    return entries


def curve_labels(name: str) -> list[str]:
    """The RD curve(s) a shipped model contributes: its family, its own name (variable rate), or one per K."""
    from lic_lab.zoo import registry

    entry = registry()[name]
    if not entry.get("rates"):
        return [entry["family"]]
    if entry.get("branches"):
        return [f"{name} K={k}" for k in range(1, entry["branches"] + 1)]
    return [name]


def settings_count(name: str) -> int:
    """How many settings the benchmark evaluates for a shipped model (for the progress bar)."""
    from lic_lab.zoo import registry

    entry = registry()[name]
    levels = int(entry["rates"][1] - entry["rates"][0] + 1) if entry.get("rates") else 1
    return levels * (entry.get("branches") or 1)


def run_benchmark(
    data: str | Path,
    out: str | Path,
    models: Sequence[str] | None = None,
    codecs: Sequence[str] = CLASSICAL,
    anchor: str = "jpeg",
    dataset: str = "kodak",
    threads: Sequence[int] = (1, 2),
    repeats: int = 5,
    limit: int | None = None,
    progress: bool = True,
    reuse: bool = False,
) -> dict[str, Any]:
    """Run the whole benchmark; writes results, tables and figures to ``out``; returns the summary.

    With ``reuse``, models, codecs and timings already in ``out`` (same images) are taken from there
    and only the missing ones are measured: adding a family costs its own evaluation only.
    """
    from tqdm.auto import tqdm

    from lic_lab.zoo import leaderboard_models, registry

    start = time.perf_counter()
    paths = list_images(data)[:limit]
    if not paths:
        raise FileNotFoundError(f"{data}: no images to benchmark")
    names = leaderboard_models() if models is None else list(models)
    unknown = [n for n in names if n not in registry()]
    if unknown:
        raise UsageError(f"unknown model(s) {unknown}; run `python -m lic_lab models` to list them")
    for codec in codecs:
        get_codec(codec)
    labels = sorted({label for n in names for label in curve_labels(n)} | set(codecs))
    if anchor not in labels:
        raise UsageError(f"anchor {anchor!r} is not one of the benchmarked curves: {labels}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(max(threads))
    old_entries, old_timing = previous_run(out, [p.name for p in paths]) if reuse else ({}, {})
    total = (
        sum(settings_count(n) for n in names if n not in old_entries)
        + sum(len(CODECS[c].sweep) for c in codecs if c not in old_entries)
    ) * len(paths)
    bar = tqdm(total=total, desc="benchmark", unit="image", disable=not progress, mininterval=2.0)
    entries: list[dict[str, Any]] = []
    for name in names:
        bar.set_postfix_str(name)
        entries += old_entries.get(name) or model_entries(name, paths, bar.update)
    for codec in codecs:
        bar.set_postfix_str(codec)
        if codec in old_entries:
            entries += old_entries[codec]
            continue
        for entry in evaluate(codec, paths):
            entry["curve"] = entry["model"] = codec
            entries.append(entry)
            bar.update(len(entry["images"]))
    bar.close()
    evaluation_s = time.perf_counter() - start

    curves = {m: _curves(entries, m) for m in ("psnr", "ms_ssim_db")}
    ranges = bd_ranges(dataset)
    anchors = [c for c in CLASSICAL if c in codecs]
    summary: dict[str, Any] = {
        "dataset": {"folder": str(data), "images": [p.name for p in paths], "name": dataset},
        "protocol": {
            "anchor": anchor,
            "ranges": ranges,
            "min_cover": MIN_COVER,
            "bd": "PCHIP (JCT-VC sheet)",
            "threads_timed": list(threads),
            "repeats": repeats,
            "machine": f"{platform.machine()}, torch {torch.__version__}",
        },
        "curves": {m: {k: {"bpp": v[0], "quality": v[1]} for k, v in c.items()} for m, c in curves.items()},
        "bd_rate_ranges": bd_by_range(curves["psnr"], anchor, ranges) if anchor in curves["psnr"] else [],
        "bd_rate_matrix": bd_matrix(curves["psnr"], anchors),
        "bd_rate_matrix_ms_ssim": bd_matrix(curves["ms_ssim_db"], anchors),
        "coding": _coding_summary(entries),
    }
    summary["timing"] = _timing(names, codecs, read_image(paths[0]), threads, repeats, old_timing)
    summary["timing_image"] = paths[0].name
    summary["evaluation_s"] = evaluation_s
    # the RD entries this run took anew and those ``reuse`` took from the previous run (so its time reads right)
    summary["reused"] = sorted(k for k in old_entries if k in names or k in codecs)
    summary["measured"] = sorted(k for k in [*names, *codecs] if k not in old_entries)
    summary["total_s"] = time.perf_counter() - start
    (out / "results.json").write_text(json.dumps({"results": entries}, separators=(",", ":")))
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    (out / "bd_rate.md").write_text(bd_markdown(summary))
    (out / "timing.md").write_text(timing_markdown(summary))
    try:
        plot_curves(summary, out)
    except ImportError:  # matplotlib is the notebooks' extra (pip install lic_lab[notebooks])
        print("note: matplotlib is not installed; the RD figures were not drawn", file=sys.stderr)
    return summary


def _curves(entries: list[dict[str, Any]], metric: str) -> dict[str, tuple[list[float], list[float]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        grouped.setdefault(entry["curve"], []).append(entry)
    return {label: rd_points(group, metric) for label, group in grouped.items()}


def _coding_summary(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per learned model: real bits vs the entropy estimate, and how many decodes were bit-exact."""
    result: dict[str, dict[str, Any]] = {}
    for entry in entries:
        rows = [r for r in entry["images"] if r.get("bpp_est") is not None]
        if not rows:
            continue
        s = result.setdefault(entry["model"], {"real_bits": 0, "estimated_bits": 0.0, "bit_exact": 0, "decodes": 0})
        for r in rows:
            pixels = 8 * r["bytes"] / r["bpp"]
            s["real_bits"] += 8 * r["bytes"]
            s["estimated_bits"] += r["bpp_est"] * pixels
            s["bit_exact"] += int(r["roundtrip_max_abs"] == 0)
            s["decodes"] += 1
    for s in result.values():
        s["overhead_percent"] = 100 * (s["real_bits"] / s["estimated_bits"] - 1)
    return result


def previous_run(out: Path, images: list[str]) -> tuple[dict[str, list[dict[str, Any]]], dict[str, Any]]:
    """Entries per model or codec, and timings, of an earlier run in ``out`` on the same images.

    A shipped model's entries (and timing) count only when they were measured with the checkpoint
    the registry holds now (same SHA-256): a retrained model under the same name is measured again.
    """
    from lic_lab.zoo import registry

    results, summary = out / "results.json", out / "summary.json"
    if not (results.is_file() and summary.is_file()):
        return {}, {}
    old = json.loads(summary.read_text())
    if old["dataset"]["images"] != images:
        return {}, {}
    shipped = registry()
    entries: dict[str, list[dict[str, Any]]] = {}
    stale: set[str] = set()
    for entry in json.loads(results.read_text())["results"]:
        name = entry["model"]
        if name in shipped and entry.get("sha256") != shipped[name]["sha256"]:
            stale.add(name)
            continue
        entries.setdefault(name, []).append(entry)
    timing = {k: v for k, v in old.get("timing", {}).items() if k not in stale}
    return entries, timing


def _timing(
    names: Sequence[str],
    codecs: Sequence[str],
    x: torch.Tensor,
    threads: Sequence[int],
    repeats: int,
    known: dict[str, Any] | None = None,
) -> dict[str, dict[str, dict[str, float]]]:
    """Table 10: one model per family (its middle quality) and each codec at a mid setting
    (taken from ``known`` where it is already there)."""
    from lic_lab.zoo import load_model, registry, resolve_name

    known = known or {}
    reg = registry()
    timing: dict[str, dict[str, dict[str, float]]] = {}
    for family in sorted({reg[n]["family"] for n in names}):
        name = resolve_name(family)
        timing[name] = known.get(name) or {
            f"{t}": coding_times(load_model(name), x, t, repeats, warmup=1) for t in threads
        }
    for codec in codecs:
        sweep = CODECS[codec].sweep
        timing[codec] = known.get(codec) or {
            f"{t}": codec_times(codec, x, sweep[len(sweep) // 2], t, repeats) for t in threads
        }
    torch.set_num_threads(max(threads))
    return timing


def _fmt(value: float | None, spec: str) -> str:
    return "N/A" if value is None else format(value, spec)


def bd_markdown(summary: dict[str, Any]) -> str:
    """The BD-rate tables (per range vs the anchor; whole overlap vs each classical codec)."""
    ranges = list(summary["protocol"]["ranges"])
    anchor = summary["protocol"]["anchor"]
    lines = [
        f"## BD-rate vs {anchor} (PSNR), by range",
        "",
        "| curve | " + " | ".join(ranges) + " |",
        "|---|" + "---|" * len(ranges),
    ]
    lines += [
        f"| {r['curve']} | " + " | ".join(_fmt(r[k], "+.2f") + ("%" if r[k] is not None else "") for k in ranges) + " |"
        for r in summary["bd_rate_ranges"]
    ]
    for key, title in (("bd_rate_matrix", "PSNR"), ("bd_rate_matrix_ms_ssim", "MS-SSIM dB")):
        rows = summary[key]
        anchors = [k for k in rows[0] if k != "curve"] if rows else []
        lines += [
            "",
            f"## BD-rate (%) vs each classical codec, {title}, whole overlap",
            "",
            "| curve | " + " | ".join(anchors) + " |",
            "|---|" + "---|" * len(anchors),
        ]
        lines += [f"| {r['curve']} | " + " | ".join(_fmt(r[a], "+.1f") for a in anchors) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def timing_markdown(summary: dict[str, Any]) -> str:
    """Table 10's layout: encode / decode seconds with each thread count."""
    threads = summary["protocol"]["threads_timed"]
    head = " | ".join(f"encode {t}T | decode {t}T" for t in threads)
    lines = [
        f"Median of {summary['protocol']['repeats']} runs on {summary['timing_image']} (seconds)",
        "",
        f"| model | {head} |",
        "|---|" + "---|---|" * len(threads),
    ]
    for name, by_threads in summary["timing"].items():
        cells = " | ".join(
            f"{by_threads[str(t)]['encode_s']:.3f} | {by_threads[str(t)]['decode_s']:.3f}" for t in threads
        )
        lines.append(f"| {name} | {cells} |")
    return "\n".join(lines) + "\n"


def plot_curves(summary: dict[str, Any], out: Path) -> list[Path]:
    """RD figures (PSNR and MS-SSIM dB) of every curve in the summary."""
    import matplotlib.pyplot as plt

    from lic_lab.evaluation.plots import rd_plot

    paths = []
    for metric, label in (("psnr", "PSNR (dB)"), ("ms_ssim_db", "MS-SSIM (dB)")):
        curves = {k: (v["bpp"], v["quality"]) for k, v in summary["curves"][metric].items()}
        fig, ax = plt.subplots(figsize=(8, 5.5))
        rd_plot(
            curves,
            label,
            ax=ax,
            title=f"{summary['dataset']['name']}: {len(summary['dataset']['images'])} images",
        )
        ax.set_xlim(0, 1.6)
        path = out / f"rd_{'psnr' if metric == 'psnr' else 'ms_ssim'}.png"
        fig.savefig(path, dpi=110, bbox_inches="tight")
        plt.close(fig)
        paths.append(path)
    return paths
