"""Kodak numbers of unfinished or unshipped runs (e.g. the foundation sittings in data/training).

    LIC_LAB_DATA=../shared/datasets python scripts/eval_training.py meanscale-q3 zoo:meanscale-q3
    LIC_LAB_DATA=../shared/datasets python scripts/eval_training.py --family meanscale hyperprior

A plain name is ``data/training/<name>.pt`` (``meanscale/meanscale-q6-seg1``: a recipe's sub-folder; the means are
kept under the file's stem); ``zoo:<name>`` a shipped model (as a reference).
Real bitstreams, decoded back exactly (``lic_lab.evaluation.evaluate``); prints mean bpp, PSNR, MS-SSIM.
``--family F ...`` evaluates every ``data/training/F-q*.pt`` and prints each family's BD-rate
(PCHIP, the overlap rule of ``evaluate.bd_table``) against JPEG, JPEG 2000, WebP and AVIF and
against each other; means are kept in ``data/training/kodak_means.json`` (re-used while the
checkpoint's SHA-256 is unchanged).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from lic_lab import data  # noqa: E402
from lic_lab.evaluation.evaluate import evaluate  # noqa: E402
from lic_lab.zoo import TRAINING_MEANS, load_checkpoint_file, load_model  # noqa: E402


def save(store: Path, cache: dict, measured: set[str]) -> None:
    """Write the means this run ``measured`` into ``store``, merged under a lock with what is there now:
    two runs at once keep each other's entries (a plain read-modify-write lost them)."""
    import fcntl
    import tempfile

    with open(Path(tempfile.gettempdir()) / "lic_lab_kodak_means.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        on_disk = json.loads(store.read_text()) if store.is_file() else {}
        merged = {**on_disk, **{k: cache[k] for k in measured}}
        tmp = store.with_suffix(".tmp")
        tmp.write_text(json.dumps(merged, indent=1) + "\n")
        tmp.replace(store)


def mean_of(name: str, paths: list[Path], cache: dict, measured: set[str]) -> dict:
    """Kodak mean of a training checkpoint (cached by SHA-256) or of a shipped model (``zoo:``)."""
    if name.startswith("zoo:"):
        return evaluate(load_model(name[4:]), paths)[0]["mean"]
    path = ROOT / "data" / "training" / f"{name}.pt"  # a recipe's sub-folder may be part of the name
    run, digest = path.stem, data.sha256_file(path)
    if cache.get(run, {}).get("sha256") != digest:
        model, _ = load_checkpoint_file(path)
        model.name = run
        cache[run] = {"sha256": digest, **evaluate(model, paths)[0]["mean"]}
        measured.add(run)
    return cache[run]


def main(argv: list[str]) -> int:
    torch.set_num_threads(1)
    paths = data.list_images(data.kodak_dir())
    store = TRAINING_MEANS
    cache = json.loads(store.read_text()) if store.is_file() else {}
    measured: set[str] = set()
    if argv[:1] == ["--family"]:
        from lic_lab.evaluation.evaluate import bd_table, kodak_curves

        curves = kodak_curves("psnr", families=())
        families = argv[1:]
        for family in families:
            names = sorted(p.stem for p in (ROOT / "data" / "training").glob(f"{family}-q*.pt"))
            means = [mean_of(n, paths, cache, measured) for n in names]
            save(store, cache, measured)
            order = sorted(range(len(names)), key=lambda i: means[i]["bpp"])
            curves[family] = ([means[i]["bpp"] for i in order], [means[i]["psnr"] for i in order])
            for i in order:
                print(f"{names[i]}: {means[i]['bpp']:.4f} bpp, {means[i]['psnr']:.2f} dB, MS-SSIM {means[i]['ms_ssim']:.4f}")
        anchors = [c for c in ("jpeg", "jpeg2000", "webp", "avif") if c in curves] + families
        for row in bd_table(curves, families, anchors):
            if row["model"] != row["anchor"]:
                rate = "n/a" if row["BD-rate (%)"] is None else f"{row['BD-rate (%)']:+.1f}%"
                print(f"{row['model']} vs {row['anchor']}: BD-rate {rate} (overlap {row['overlap (dB)']} dB) {row['note']}")
        return 0
    for name in argv:
        m = mean_of(name, paths, cache, measured)
        print(f"{name}: {m['bpp']:.4f} bpp (estimate {m['bpp_est']:.4f}), {m['psnr']:.2f} dB, MS-SSIM {m['ms_ssim']:.4f}")
    save(store, cache, measured)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
