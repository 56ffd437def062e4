"""The README's measured numbers, written from the result files (never typed).

``scripts/readme_numbers.py`` puts :func:`readme_block` between the README's markers and
``tests/test_readme.py`` checks that the README still says what the results say. Every row reads
a result file: the benchmark's ``summary.json``, the zoo registry and model cards, the workbook
timings, the unseen-photo check (``scripts/unseen_photos.py``) and the shipped Kodak curves.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from lic_lab import REPO_DIR

RESULTS = REPO_DIR / "data" / "results"
FOUNDATION = ("factorized", "hyperprior", "meanscale")
CODEC_NAMES = {"jpeg": "JPEG 4:4:4", "jpeg2000": "JPEG 2000", "webp": "WebP", "avif": "AVIF"}
TIMED_FAMILIES = ("hyperprior", "meanscale", "c2f", "cvqn", "cwic")  # the benchmark times each family's middle rate
BEGIN, END = "<!-- numbers:begin (scripts/readme_numbers.py) -->", "<!-- numbers:end -->"


def pct(value: float | None, digits: int = 1) -> str:
    """A signed percentage, or why there is none (no PSNR overlap)."""
    return "N/A (overlap too small)" if value is None else f"{value:+.{digits}f}%"


def load_result(path: Path) -> dict[str, Any] | None:
    """A result file's JSON, or None when it is not there."""
    return json.loads(path.read_text()) if path.is_file() else None


def zoo_rows() -> list[tuple[str, str]]:
    """How many models ship, how large, and how they are stored."""
    from lic_lab.zoo import registry

    reg = registry()
    size = sum(e["size_bytes"] for e in reg.values()) / 1e6
    int8 = sorted(n for n, e in reg.items() if e.get("precision") == "int8")
    stored = (
        f"{len(int8)} with int8 convolution weights (model cards: the Kodak cost), the rest fp16" if int8 else "fp16"
    )
    return [("shipped models (`python -m lic_lab models`)", f"{len(reg)} models, {size:.1f} MB in all; {stored}")]


def benchmark_rows(summary: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Real bytes, bit-exactness, every foundation family's BD-rate against each codec, and timings."""
    from lic_lab.evaluation.evaluate import bd_table
    from lic_lab.evaluation.references import BENCHMARK_TABLE7_KODAK

    coding = summary["coding"]
    overhead = [c["overhead_percent"] for c in coding.values()]
    exact, decodes = sum(c["bit_exact"] for c in coding.values()), sum(c["decodes"] for c in coding.values())
    rows = [
        (
            f"real bytes vs entropy estimate, Kodak, all {len(coding)} leaderboard models (every rate and K)",
            f"whole file (with the header and CRC) {min(overhead):+.2f}% to {max(overhead):+.2f}%",
        ),
        (
            "bit-exact decoding (decoded image = the encoder's own reconstruction)",
            f"{exact:,} of {decodes:,} Kodak decodes, every leaderboard model, rate and number of branches",
        ),
    ]
    matrix = {r["curve"]: r for r in summary["bd_rate_matrix"]}
    anchors = [c for c in CODEC_NAMES if any(c in r for r in matrix.values())]
    label = " / ".join(CODEC_NAMES[c] for c in anchors)
    for family in (*FOUNDATION, "c2f"):
        if family in matrix and anchors:
            rows.append(
                (
                    f"BD-rate (PCHIP, PSNR) on Kodak vs {label}: `{family}`",
                    " / ".join(pct(matrix[family].get(c)) for c in anchors),
                )
            )
    curves = {k: (v["bpp"], v["quality"]) for k, v in summary["curves"]["psnr"].items()}
    if "factorized" in curves and "hyperprior" in curves:
        t7 = BENCHMARK_TABLE7_KODAK
        paper = 100 * ((1 + t7["ICLR18-HyperPrior"]["full"] / 100) / (1 + t7["ICLR18-Factorized"]["full"] / 100) - 1)
        ours = bd_table(curves, ["hyperprior"], ["factorized"])[0]["BD-rate (%)"]  # notebook 01's overlap rule
        rows.append(
            (
                "scale hyperprior vs factorized prior (BD-rate, Kodak, their common PSNR range)",
                f"{pct(ours)} (paper, Table 7 via BPG: {paper:+.1f}%)",
            )
        )
    spans = [f"`{f}` {min(curves[f][1]):.2f}–{max(curves[f][1]):.2f} dB" for f in FOUNDATION if f in curves]
    rows.append(("Kodak PSNR span of each foundation family", ", ".join(spans)))
    covered = [r for r in summary["bd_rate_ranges"] if r["curve"] == "hyperprior"]
    if covered:
        names = [k for k in ("low", "median", "high", "full") if covered[0].get(k) is not None]
        rows.append(
            (
                f"the benchmark's BD ranges (Table 6) the scale hyperprior covers, vs {covered[0]['anchor']}",
                ", ".join(f"{k} {pct(covered[0][k])}" for k in names) or "none",
            )
        )
    from lic_lab.zoo import registry

    reg = registry()
    timed = {reg[n]["family"]: n for n in summary["timing"] if n in reg}
    for family in TIMED_FAMILIES:
        if family in timed:
            t = summary["timing"][timed[family]]
            threads = sorted(t, key=int)
            rows.append(
                (
                    f"encode / decode of {summary['timing_image']}, {' / '.join(threads)} thread(s): `{timed[family]}`",
                    ", ".join(f"{t[n]['encode_s']:.2f} / {t[n]['decode_s']:.2f} s" for n in threads),
                )
            )
    return rows


def budget_rows() -> list[tuple[str, str]]:
    """What each foundation family cost to train, read from its model cards."""
    from lic_lab.zoo import family_budget, registry

    families = [f for f in FOUNDATION if any(e["family"] == f for e in registry().values())]
    rows = []
    for family in families:
        b = family_budget(family)
        rows.append(
            (
                f"training budget of `{family}` (model cards)",
                f"{b['models']} rates, {b['steps']:,} steps in all, {b['cpu_minutes'] / 60:.1f} CPU-thread-hours, "
                f"{b['train_images']} training photos",
            )
        )
    return rows


def speed_rows(doc: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """Training throughput of each variant (``scripts/train_speed.py``), relative to the first."""
    if not doc:
        return []
    rows = doc["rows"]
    size = f" (N = {doc['N']}, M = {doc['M']})" if "N" in doc else ""
    return [
        (
            f"training speed, {doc['arch']}{size}, batch {doc['batch']} of {doc['patch']} px, images/s "
            f"of the whole machine (`scripts/train_speed.py`); vs {rows[0]['variant']}",
            ", ".join(f"{r['variant']} {r['machine_images_per_s']:.1f} ({r['speedup_vs_first']:.2f}x)" for r in rows),
        )
    ]


def unseen_rows(doc: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """The unseen-photo check through the CLI (``scripts/unseen_photos.py``)."""
    if not doc:
        return []
    n = len(doc["photos"])
    cells = []
    for family, s in doc["families"].items():
        mean, bd = s["mean_saving_percent"], s.get("mean_bd_rate_vs_jpeg_sweep")
        cells.append(
            f"`{family}` {'n/a' if mean is None else format(mean, '.1f') + '%'} fewer bytes "
            f"({s['photos_in_range']} of {n} photos within its PSNR range), BD-rate vs the quality sweep "
            f"{'n/a' if bd is None else format(bd, '+.1f') + '%'} ({s.get('photos_with_overlap', 0)} photos)"
        )
    return [
        (
            f"{n} photos never trained or validated on (the held-out large photos of `train-extra/`), "
            "through the CLI: bytes vs Pillow's default JPEG at its PSNR; BD-rate vs a Pillow quality sweep",
            "; ".join(cells),
        )
    ]


def cross_rows(
    curves: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    curves_ms: Mapping[str, tuple[Sequence[float], Sequence[float]]],
) -> list[tuple[str, str]]:
    """Paper models against the families they were built on (``"<family> (earlier)"``, similar budgets)
    and against the retrained families: the comparisons the paper notebooks make."""
    from lic_lab.evaluation.evaluate import bd_table, cross_metric, fp16_family_curve
    from lic_lab.evaluation.references import CBANET_TABLE2

    def bd(
        test: str,
        anchor: str,
        key: str = "BD-rate (%)",
        table: Mapping[str, tuple[Sequence[float], Sequence[float]]] = curves,
    ) -> Any:
        return bd_table(table, [test], [anchor])[0][key] if test in table and anchor in table else None

    def db(value: float | None) -> str:
        return "N/A" if value is None else f"{value:+.2f} dB"

    from lic_lab.zoo import built_on, registry

    reg = registry()

    def base(name: str, family: str) -> str:
        """The curve of the family ``name`` was built on (``family`` or ``"<family> (earlier)"``)."""
        label = built_on(name, family) if name in reg else None
        if label is None:
            raise ValueError(f"{name}: its training chain passes through no {family} model")
        return label

    rows = []
    if "agvae" in curves:
        ms, hp = base("agvae", "meanscale"), base("agvae", "hyperprior")
        label = f"AG-VAE (one variable-rate model) vs the fixed-rate families it was built on (`{ms}` / `{hp}`)"
        value = " / ".join(pct(bd("agvae", a)) for a in (ms, hp))
        if (ms, hp) != ("meanscale", "hyperprior"):  # built on earlier families: the retrained ones too
            label += "; vs the retrained ones"
            value += "; " + " / ".join(pct(bd("agvae", a)) for a in ("meanscale", "hyperprior"))
        rows.append((label + ", BD-rate", value))
    if "cbanet K=1" in curves:
        hp = base("cbanet", "hyperprior")
        fp16 = fp16_family_curve(hp)  # CBANet is stored in fp16: its baseline too, where measured (notebook 06)
        table = {**curves, hp: fp16} if fp16 else curves
        rows.append(
            (
                f"CBANet vs the scale-hyperprior family it was built on (`{hp}`{', fp16 weights' if fp16 else ''}), "
                "BD-PSNR, K = 1 / 2 / 3 (paper: "
                + " / ".join(f"{CBANET_TABLE2[k][1]:+.2f}" for k in (1, 2, 3))
                + " dB)",
                " / ".join(db(bd(f"cbanet K={k}", hp, "BD-PSNR (dB)", table)) for k in (1, 2, 3)),
            )
        )
    if "c2f" in curves:
        ms = base("c2f-q3", "meanscale")
        rows.append(
            ("coarse-to-fine (2 levels) vs its single-level ablation, BD-rate on Kodak", pct(bd("c2f", "c2f-single")))
        )
        rows.append(
            (
                f"coarse-to-fine / its single-level ablation vs the mean-scale family they were built on (`{ms}`), "
                "BD-rate",
                f"{pct(bd('c2f', ms))} / {pct(bd('c2f-single', ms))}",
            )
        )
    if "meanscale-msssim" in curves:
        ms = base("meanscale-msssim-q3", "meanscale")
        cm = cross_metric(curves, curves_ms, "meanscale-msssim", ms)
        rows.append(
            (
                f"MS-SSIM-trained vs MSE-trained mean-scale (the family it was fine-tuned from: `{ms}`), "
                "judged by PSNR / by MS-SSIM (dB), BD-rate",
                " / ".join(pct(v) for v in cm["bd_rate"].values()),
            )
        )
        # where the PSNR ranges overlap too little for BD-rate: PSNR at equal rate (never extrapolated)
        gaps = cm["psnr_gaps"]
        rows.append(
            (
                f"MS-SSIM-trained minus MSE-trained mean-scale (`{ms}`), PSNR at the MS-SSIM models' rates that both reach",
                ", ".join(f"{r:.3f} bpp {g:+.2f} dB" for r, g in gaps.items()) or "no common rate",
            )
        )
    return rows


def table(rows: Sequence[tuple[str, str]]) -> str:
    """A two-column markdown table."""
    return "\n".join(["| what | result |", "|---|---|", *[f"| {what} | {result} |" for what, result in rows]])


def readme_block() -> str:
    """The README's generated section: foundation and benchmark numbers, then paper models vs families."""
    from lic_lab.evaluation.evaluate import kodak_curves

    summary = load_result(RESULTS / "benchmark" / "summary.json")
    first = zoo_rows() + (benchmark_rows(summary) if summary else []) + budget_rows()
    first += unseen_rows(load_result(RESULTS / "unseen_photos.json")) + speed_rows(
        load_result(RESULTS / "train_speed.json")
    )
    sweep = load_result(RESULTS / "workbook_timings.json")
    if sweep and "channel_sweep_s" in sweep:
        s = sweep["channel_sweep_s"]
        first.append(
            (
                "full 96-channel ablation sweep of one Kodak image",
                f"{s['psnr_only']:.1f} s (PSNR), {s['with_ms_ssim']:.1f} s (with MS-SSIM)",
            )
        )
    earlier = ("meanscale", "hyperprior")
    cross = cross_rows(kodak_curves("psnr", earlier=earlier), kodak_curves("ms_ssim_db", earlier=earlier))
    return "\n\n".join(
        [
            BEGIN,
            table(first),
            "Paper models against the foundation families (Kodak, real bitstreams, PCHIP), each against the "
            "family it was built on: a model not yet rebuilt stands on the family as it was before the "
            "retraining, kept as `<family> (earlier)` (Kodak results and model cards; `zoo.family_budget` reads "
            "both budgets; `zoo.built_on` reads which from the training chain):",
            table(cross),
            END,
        ]
    )


def replace_block(text: str, block: str, begin: str = BEGIN, end: str = END) -> str:
    """``text`` with the part between the markers ``begin`` and ``end`` (inclusive) replaced by ``block``."""
    start, stop = text.index(begin), text.index(end) + len(end)
    return text[:start] + block + text[stop:]
