"""Evaluate every trained checkpoint on Kodak and (re)write the zoo registry and model cards.

Usage: LIC_LAB_DATA=../shared/datasets python scripts/build_zoo.py [name ...]
       python scripts/build_zoo.py --cards    (re-write the model cards only)
       python scripts/build_zoo.py --from-results name ...   (registry entries and cards from the
                                                              stored Kodak results, no evaluation)
Several builds may run at once: each merges its entries into the registry as it is when it ends.
"""
from __future__ import annotations

import json
import os
import sys

import torch

from lic_lab.data import kodak_dir, list_images
from lic_lab.evaluation.evaluate import evaluate, evaluate_settings, load_results, write_results
from lic_lab.zoo import (
    CHECKPOINT_DIR,
    ZOO_DIR,
    load_checkpoint_file,
    model_card,
    name_parts,
    registry,
    registry_entry,
    result_meta,
    write_registry,
)


def write_cards() -> None:
    """Re-write every model card from the registry and the training records (no evaluation)."""
    for name, entry in registry().items():
        record = json.loads((CHECKPOINT_DIR / f"{name}.json").read_text())
        (CHECKPOINT_DIR / f"{name}.md").write_text(model_card(entry, record))


def register(name: str, result: list[dict], model) -> None:
    """Write ``name``'s registry entry (merged into the current registry) and its model card."""
    record = json.loads((CHECKPOINT_DIR / f"{name}.json").read_text())
    mean = result[-1]["mean"]  # the highest rate (with all branches)
    entry = registry_entry(CHECKPOINT_DIR / f"{name}.pt", record, {k: round(v, 5) for k, v in mean.items()})
    if model.rate_range is not None:
        entry["kodak_settings"] = [
            {"setting": f"{'K=' + str(e['branches']) + ', ' if e.get('branches') else ''}rate {e['setting']:g}",
             **{k: round(v, 5) for k, v in e["mean"].items()}} for e in result]
    (CHECKPOINT_DIR / f"{name}.md").write_text(model_card(entry, record))
    write_registry({**registry(), name: entry})
    print(f"{name}: {mean['bpp']:.4f} bpp (est {mean['bpp_est']:.4f}), {mean['psnr']:.2f} dB", flush=True)


def main(names: list[str]) -> None:
    if names == ["--cards"]:
        write_cards()
        return
    if names[:1] == ["--from-results"]:
        for name in names[1:]:
            register(name, load_results(ZOO_DIR / "results" / f"{name}.json"), load_checkpoint_file(CHECKPOINT_DIR / f"{name}.pt")[0])
        return
    torch.set_num_threads(int(os.environ.get("LIC_LAB_THREADS", "2")))
    paths = list_images(kodak_dir())
    results_dir = ZOO_DIR / "results"
    results_dir.mkdir(exist_ok=True)
    for ckpt in sorted(CHECKPOINT_DIR.glob("*.pt")):
        name = ckpt.stem
        if names and name not in names:
            continue
        model, _ = load_checkpoint_file(ckpt)
        if model.rate_range is None:
            model.setting = float(name_parts(name)[1])
            result = evaluate(model, paths, progress=True)
        else:  # one model, many rates (and, for CBANet, numbers of branches)
            branches = range(1, model.max_branches + 1) if model.capabilities().branches else None
            result = evaluate_settings(model, paths, branches=branches, progress=True)
        write_results(result, results_dir / f"{name}.json", result_meta(ckpt))
        bad = [(e["setting"], r["image"]) for e in result for r in e["images"] if r["roundtrip_max_abs"] != 0]
        if bad:
            raise SystemExit(f"{name}: decoded images differ from the forward pass: {bad}")
        register(name, result, model)


if __name__ == "__main__":
    main(sys.argv[1:])
