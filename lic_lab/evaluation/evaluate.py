"""Run a learned model or a classical codec over a folder of images and measure everything.

Every number comes from a real file: the bytes a codec wrote, decoded back. For learned models
the entropy estimate (the cross-entropy of the model's likelihoods) is recorded beside the real
size, and the decoded image is compared with the model's own forward pass to prove the round
trip was bit-exact.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from lic_lab.bitstream import Bitstream
from lic_lab.data import read_image, to_tensor, to_uint8
from lic_lab.errors import UsageError
from lic_lab.evaluation.codecs import get_codec
from lic_lab.evaluation.metrics import bpp_from_bytes, bpp_from_likelihoods, ms_ssim, ms_ssim_db, pchip, psnr
from lic_lab.models import CompressionModel, latents

METRIC_KEYS = ("bpp", "bpp_est", "psnr", "ms_ssim", "ms_ssim_db", "enc_s", "dec_s")


@torch.no_grad()
def evaluate_image(model: CompressionModel, x: torch.Tensor, keep: bool = False) -> dict[str, Any]:
    """Code one image with a model: real and estimated bpp, quality, times, round-trip check.

    With ``keep=True`` the row also holds the bitstream (``data``), the decoded image (``x_hat``)
    and the estimate per latent (``bpp_est_parts``).
    """
    h, w = x.shape[-2:]
    t0 = time.perf_counter()
    data = model.compress(x)
    t1 = time.perf_counter()
    x_hat = model.decompress(data)
    t2 = time.perf_counter()
    out = latents(model, x.to(next(model.parameters()).device), coding=True)
    x_hat = x_hat.cpu()
    payload = sum(len(section) for section in Bitstream.from_bytes(data).sections)
    row: dict[str, Any] = {
        "bytes": len(data),
        "payload_bytes": payload,
        "bpp": bpp_from_bytes(len(data), h, w),
        "bpp_est": bpp_from_likelihoods(out["likelihoods"], h, w),
        "psnr": psnr(x, x_hat),
        "ms_ssim": ms_ssim(x, x_hat),
        "enc_s": t1 - t0,
        "dec_s": t2 - t1,
        "roundtrip_max_abs": float((x_hat - out["x_hat"].cpu().float()).abs().max()),
    }
    if keep:
        row.update(
            data=data,
            x_hat=x_hat,
            bpp_est_parts={k: bpp_from_likelihoods([v], h, w) for k, v in out["likelihoods"].items()},
        )
    return row


def round_trip_times(
    encode: Callable[[], Any], decode: Callable[[Any], Any], threads: int, repeats: int = 5, warmup: int = 0
) -> dict[str, float]:
    """Median time (s) of ``encode()`` and of ``decode(encoded)`` with ``threads`` CPU threads.

    ``warmup`` untimed round trips first (oneDNN builds its kernels on first use).
    """
    torch.set_num_threads(threads)
    for _ in range(warmup):
        decode(encode())
    enc, dec = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        blob = encode()
        t1 = time.perf_counter()
        decode(blob)
        enc.append(t1 - t0)
        dec.append(time.perf_counter() - t1)
    return {"encode_s": float(np.median(enc)), "decode_s": float(np.median(dec))}


@torch.no_grad()
def coding_times(
    model: CompressionModel, x: torch.Tensor, threads: int, repeats: int = 5, warmup: int = 0
) -> dict[str, float]:
    """Median encode and decode time (s) of one image with a learned model (see :func:`round_trip_times`)."""
    return round_trip_times(lambda: model.compress(x), model.decompress, threads, repeats, warmup)


def codec_times(codec_name: str, x: torch.Tensor, setting: float, threads: int, repeats: int = 5) -> dict[str, float]:
    """Median encode and decode time (s) of one image with a classical codec (Pillow) at one setting."""
    codec = get_codec(codec_name)
    image = to_uint8(x)
    return round_trip_times(
        lambda: codec.encode(image, setting), lambda data: to_tensor(codec.decode(data)), threads, repeats
    )


def evaluate_codec_image(codec_name: str, x: torch.Tensor, setting: float) -> dict[str, Any]:
    """Code one image with a classical codec at one setting."""
    codec = get_codec(codec_name)
    image = to_uint8(x)
    t0 = time.perf_counter()
    data = codec.encode(image, setting)
    t1 = time.perf_counter()
    x_hat = to_tensor(codec.decode(data))
    t2 = time.perf_counter()
    h, w = image.shape[:2]
    return {
        "bytes": len(data),
        "bpp": bpp_from_bytes(len(data), h, w),
        "bpp_est": None,
        "psnr": psnr(x, x_hat),
        "ms_ssim": ms_ssim(x, x_hat),
        "enc_s": t1 - t0,
        "dec_s": t2 - t1,
    }


def _summarise(rows: list[dict[str, Any]]) -> dict[str, float | None]:
    mean = {}
    for key in METRIC_KEYS:
        values = [r[key] for r in rows if r.get(key) is not None]
        mean[key] = float(np.mean(values)) if values else None
    mean["ms_ssim_db"] = ms_ssim_db(mean["ms_ssim"]) if mean["ms_ssim"] is not None else None
    return mean


def evaluate(
    target: CompressionModel | str,
    paths: Sequence[Path],
    settings: Iterable[float] | None = None,
    progress: bool = False,
) -> list[dict[str, Any]]:
    """Evaluate a model (one setting) or a codec name (each setting) over ``paths``.

    Returns one entry per setting: ``{"codec", "setting", "mean": {...}, "images": [...]}``;
    mean MS-SSIM in dB is computed from the mean MS-SSIM.
    """
    images = [(Path(p).name, read_image(p)) for p in paths]
    entries = []
    if isinstance(target, CompressionModel):
        jobs = [(target.name, target.setting, lambda x, s: evaluate_image(target, x))]
    else:
        codec = get_codec(target)
        jobs = [
            (codec.name, s, lambda x, s: evaluate_codec_image(codec.name, x, s))
            for s in (settings if settings is not None else codec.sweep)
        ]
    bar = tqdm(total=len(jobs) * len(images), disable=not progress, desc="evaluate")
    for name, setting, run in jobs:
        rows = []
        for image_name, x in images:
            row = run(x, setting)
            row["ms_ssim_db"] = ms_ssim_db(row["ms_ssim"])
            rows.append({"image": image_name, **row})
            bar.update(1)
        entries.append({"codec": name, "setting": setting, "mean": _summarise(rows), "images": rows})
    bar.close()
    return entries


def parse_rates(items: Sequence[str]) -> list[float]:
    """Rates from the command line: numbers and ``lo:hi:step`` ranges (``1:5:0.5`` includes 5)."""
    rates: list[float] = []
    for item in items:
        if ":" in item:
            parts = item.split(":")
            if len(parts) != 3:
                raise UsageError(f"a rate range is lo:hi:step, got {item!r}")
            lo, hi, step = (float(p) for p in parts)
            if step <= 0 or hi < lo:
                raise UsageError(f"rate range {item!r} needs lo <= hi and a positive step")
            count = int(round((hi - lo) / step))
            rates += [round(lo + i * step, 6) for i in range(count + 1) if lo + i * step <= hi + 1e-9]
        else:
            rates.append(float(item))
    return rates


def evaluate_settings(
    model: CompressionModel,
    paths: Sequence[Path],
    rates: Iterable[float] | None = None,
    branches: Iterable[int] | None = None,
    progress: bool = False,
) -> list[dict[str, Any]]:
    """Evaluate a variable-rate model at several rates (and, for CBANet, numbers of branches).

    Each entry's ``curve`` names the RD curve it belongs to (``"cbanet K=2"`` for branch counts).
    Default rates: the model's whole-number levels.
    """
    lo, hi = model.rate_range or (model.setting, model.setting)
    rates = list(rates) if rates is not None else [float(r) for r in range(int(lo), int(hi) + 1)]
    entries = []
    for k in list(branches) if branches is not None else [None]:
        for rate in rates:
            with model.at(rate=rate if model.rate_range is not None else None, branches=k):
                entries_at = evaluate(model, paths, progress=progress)
            for entry in entries_at:
                entry["curve"] = model.name if k is None else f"{model.name} K={k}"
                entry["branches"] = k
                entries.append(entry)
    return entries


def write_results(entries: list[dict[str, Any]], path: str | Path, meta: dict[str, Any] | None = None) -> Path:
    """Write results as JSON (``.json``) or per-image CSV (``.csv``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".csv":
        with open(path, "w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["codec", "setting", "image", "bytes", *METRIC_KEYS])
            for e in entries:
                for r in e["images"]:
                    writer.writerow(
                        [e["codec"], e["setting"], r["image"], r["bytes"], *(r.get(k) for k in METRIC_KEYS)]
                    )
    else:
        path.write_text(json.dumps({**(meta or {}), "results": entries}, indent=1))
    return path


def rd_points(entries: list[dict[str, Any]], metric: str = "psnr") -> tuple[list[float], list[float]]:
    """(mean bpp, mean quality) per setting, sorted by rate: one RD curve."""
    pts = sorted((e["mean"]["bpp"], e["mean"][metric]) for e in entries)
    return [p[0] for p in pts], [p[1] for p in pts]


def load_results(path: str | Path) -> list[dict[str, Any]]:
    """Entries of a results file written by :func:`write_results` (JSON)."""
    return json.loads(Path(path).read_text())["results"]


def kodak_curves(
    metric: str = "psnr",
    codecs: Sequence[str] = ("jpeg", "jpeg2000", "webp", "avif"),
    families: Sequence[str] | None = None,
    earlier: Sequence[str] = (),
) -> dict[str, tuple[list[float], list[float]]]:
    """RD curves on Kodak from the shipped result files: classical codecs and the zoo's families
    (all but ablation variants, or those named in ``families``); a CBANet model gives one curve per K.

    ``earlier`` names families whose retired models (``<family>-earlier-q<N>``, kept as Kodak results
    when the family was retrained) are wanted too, as the curve ``"<family> (earlier)"``: the bases
    the paper models were built on, so those can be compared at equal budget."""
    from lic_lab import REPO_DIR
    from lic_lab.zoo import ZOO_DIR, earlier_members, is_ablation, registry

    curves = {}
    for name in codecs:
        path = REPO_DIR / "data" / "results" / f"kodak_{name}.json"
        if path.is_file():
            curves[name] = rd_points(load_results(path), metric)
    grouped: dict[str, list[dict[str, Any]]] = {}
    for name, entry in registry().items():
        path = ZOO_DIR / "results" / f"{name}.json"
        wanted = not is_ablation(name) if families is None else entry["family"] in families
        if path.is_file() and wanted:
            for result in load_results(path):
                grouped.setdefault(result.get("curve") or entry["family"], []).append(result)
    for family in earlier:
        for name in earlier_members(family):
            grouped.setdefault(f"{family} (earlier)", []).extend(load_results(ZOO_DIR / "results" / f"{name}.json"))
    for label, entries in sorted(grouped.items()):
        curves[label] = rd_points(entries, metric)
    return curves


def means_curve(means: Iterable[Mapping[str, float]], metric: str = "psnr") -> tuple[list[float], list[float]]:
    """An RD curve from per-model Kodak means (``{"bpp": ..., metric: ...}``), sorted by rate."""
    return rd_points([{"mean": m} for m in means], metric)


def fp16_family_curve(
    family: str, metric: str = "psnr", replace: Mapping[str, str] | None = None
) -> tuple[list[float], list[float]] | None:
    """``family``'s Kodak curve from its training runs' fp16 weights (``zoo.fp16_family_means``), or None
    where they were not measured: the like-with-like baseline for a model stored in fp16. ``replace`` maps
    members to other runs measured the same way (e.g. ``{"meanscale-q6": "meanscale-q6-seg2"}``): the
    family as it was before a member was trained on."""
    from lic_lab.zoo import fp16_family_means, training_kodak_means

    means = fp16_family_means(family)
    if replace:
        runs = training_kodak_means()
        means = {n: runs[replace[n]] if n in replace else m for n, m in means.items()}
    return means_curve(means.values(), metric) if means else None


MIN_OVERLAP_DB = 1.5  # BD metrics only where two curves share at least this much quality range


def estimated_bytes(rows: Sequence[Mapping[str, Any]]) -> float:
    """The model's entropy estimate of result ``rows`` (:func:`evaluate_image`), in bytes, summed over the rows."""
    return sum(r["bpp_est"] * r["bytes"] / r["bpp"] for r in rows)


def coding_overhead(rows: Sequence[Mapping[str, Any]], whole_file: bool = False) -> float:
    """How much larger (%) the coded sections of result ``rows`` (:func:`evaluate_image`; or, with
    ``whole_file``, the files with their header and CRC) are than the model's entropy estimate of them,
    summed over the rows (one row: one image's overhead). Negative: smaller than the estimate."""
    estimate = estimated_bytes(rows)
    coded = sum(r["bytes"] if whole_file else r["payload_bytes"] for r in rows)
    return 100 * (coded / estimate - 1)


def overhead_table(
    images: Mapping[str, Sequence[Mapping[str, Any]]],
) -> tuple[list[dict[str, Any]], dict[str, float], dict[tuple[str, str], float]]:
    """Real bytes against the entropy estimate for each model's result rows (``images[model]``, one row per
    image): a table row per model (estimated and coded bits, :func:`coding_overhead` of the coded sections and
    of the whole files, bit-exact decodes), the overhead per model, and per (model, image)."""
    rows, per_model, per_image = [], {}, {}
    for name, imgs in images.items():
        per_model[name] = coding_overhead(imgs)
        per_image.update({(name, r["image"]): coding_overhead([r]) for r in imgs})
        rows.append(
            {
                "model": name,
                "estimated bits": round(8 * estimated_bytes(imgs)),
                "entropy-coded bits": 8 * sum(r["payload_bytes"] for r in imgs),
                "coding overhead (%)": round(per_model[name], 3),
                "file bits (with header + CRC)": 8 * sum(r["bytes"] for r in imgs),
                "file overhead (%)": round(coding_overhead(imgs, whole_file=True), 3),
                "bit-exact images": sum(r["roundtrip_max_abs"] == 0 for r in imgs),
            }
        )
    return rows, per_model, per_image


def quality_at(curve: tuple[Sequence[float], Sequence[float]], bpp: float) -> float | None:
    """The quality an RD curve ``(bpp, quality)`` reaches at ``bpp``: the PCHIP interpolant of quality
    over log-rate (the curve BD-PSNR integrates), or None outside the rates it spans (never extrapolated)."""
    rates = curve[0]
    if not min(rates) <= bpp <= max(rates):
        return None
    return float(pchip(np.log(rates), curve[1], [np.log(bpp)])[0])


def point_gaps(
    points: Iterable[tuple[float, float]], anchor: tuple[Sequence[float], Sequence[float]]
) -> dict[float, float]:
    """Rate-matched comparison of single models: each ``(bpp, quality)`` point's quality minus the ``anchor``
    curve's at that rate (:func:`quality_at`, never extrapolated); a point outside the anchor's rates is left out."""
    gaps = {}
    for rate, quality in points:
        other = quality_at(anchor, rate)
        if other is not None:
            gaps[rate] = quality - other
    return gaps


def quality_gaps(
    test: tuple[Sequence[float], Sequence[float]],
    anchor: tuple[Sequence[float], Sequence[float]],
    rates: Sequence[float],
) -> dict[float, float]:
    """Rate-matched comparison: ``test``'s quality minus ``anchor``'s at each of ``rates`` that both curves
    reach (:func:`quality_at`, never extrapolated); a rate either curve does not span is left out."""
    at = ((r, quality_at(test, r)) for r in rates)
    return point_gaps(((r, q) for r, q in at if q is not None), anchor)


def cross_metric(
    psnr_curves: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    ms_ssim_curves: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    test: str,
    anchor: str,
) -> dict[str, Any]:
    """Benchmark paper sec. 7.4 on two families trained for different metrics: the BD-rate of ``test``
    against ``anchor`` judged by PSNR and by MS-SSIM (dB) (:func:`bd_table` and its overlap rule: None,
    with the ``note``, where the curves share too little quality), and ``psnr_gaps``, ``test``'s PSNR
    minus ``anchor``'s at ``test``'s own rates (:func:`quality_gaps`, for when BD-rate cannot compare)."""
    rows = {
        metric: bd_table(c, [test], [anchor], metric)[0]
        for metric, c in (("PSNR", psnr_curves), ("MS-SSIM (dB)", ms_ssim_curves))
    }
    return {
        "bd_rate": {metric: row["BD-rate (%)"] for metric, row in rows.items()},
        "note": {metric: row["note"] for metric, row in rows.items()},
        "psnr_gaps": quality_gaps(psnr_curves[test], psnr_curves[anchor], sorted(psnr_curves[test][0])),
    }


def overlap_db(quality_a: Sequence[float], quality_b: Sequence[float]) -> float:
    """Width (dB) of the quality range two RD curves both cover; 0 if they do not overlap."""
    return max(0.0, min(max(quality_a), max(quality_b)) - max(min(quality_a), min(quality_b)))


def bd_table(
    curves: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    tests: Sequence[str],
    anchors: Sequence[str],
    metric_label: str = "PSNR",
    min_overlap: float = MIN_OVERLAP_DB,
) -> list[dict[str, Any]]:
    """BD-rate (%) and BD-PSNR (dB) of each test curve against each anchor curve (PCHIP).

    The rule: BD metrics average over the quality range both curves cover, so they are reported
    only where that overlap is at least ``min_overlap`` dB (default ``MIN_OVERLAP_DB``); otherwise they are ``None`` and the
    row's ``note`` says "overlap too small" (an average over a sliver extrapolates one curve's shape).
    """
    from lic_lab.evaluation.metrics import bd_psnr, bd_rate

    rows = []
    for test in tests:
        for anchor in anchors:
            (ra, qa), (rt, qt) = curves[anchor], curves[test]
            rate: float | None = None
            gain: float | None = None
            overlap = overlap_db(qa, qt)
            note = "" if overlap >= min_overlap else f"overlap too small ({overlap:.1f} dB < {min_overlap} dB)"
            if not note and overlap > 0:
                rate = bd_rate(ra, qa, rt, qt)
                # BD-PSNR averages over the rates both cover: curves may share qualities but not rates
                if max(min(ra), min(rt)) < min(max(ra), max(rt)):
                    gain = bd_psnr(ra, qa, rt, qt)
                else:
                    note = "no common bit-rate range (BD-PSNR undefined)"
            rows.append(
                {
                    "model": test,
                    "anchor": anchor,
                    "BD-rate (%)": rate,
                    f"BD-{metric_label} (dB)": gain,
                    "overlap (dB)": round(overlap, 2),
                    "note": note,
                }
            )
    return rows


# % BD-rate: with one model (one seed) per curve or variant, a smaller difference is not resolved
ONE_MODEL_RESOLUTION = 0.5
# dB: the smallest quality change between two single trained models counted as a change; a stated threshold, not
# measured as ONE_MODEL_RESOLUTION was (teaching.resolution_study)
ONE_MODEL_RESOLUTION_DB = 0.05


def direction(change: float | None, resolution: float = ONE_MODEL_RESOLUTION) -> bool | None:
    """A change (%, negative = the claimed saving) read with one model per variant: True at ``-resolution``
    or below, False at ``+resolution`` or above (or missing), None within the resolution (not resolved)."""
    if change is None or change >= resolution:
        return False
    return True if change <= -resolution else None


def standing(rows: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """One sentence per tested curve from :func:`bd_table` rows, the verdict computed by a stated rule
    (:func:`direction`): a BD-rate at -ONE_MODEL_RESOLUTION % or below is "fewer bits than" the anchor at equal
    quality, one at +ONE_MODEL_RESOLUTION % or above "more bits than", one in between "about the bits of" (not
    resolved); anchors whose overlap is too small are named as not compared."""
    out: dict[str, list[str]] = {}
    for row in rows:
        rate = row["BD-rate (%)"]
        fewer = direction(rate)
        if rate is None:
            phrase = f"not compared with {row['anchor']} (overlap too small)"
        elif fewer is None:
            phrase = f"about the bits of {row['anchor']} ({rate:+.1f}%, within +/-{ONE_MODEL_RESOLUTION}%)"
        else:
            phrase = f"{'fewer' if fewer else 'more'} bits than {row['anchor']} ({rate:+.1f}%)"
        out.setdefault(row["model"], []).append(phrase)
    return {model: f"{model} needs " + ", ".join(phrases) for model, phrases in out.items()}
