"""Ablation tables from shipped variants: several seeds per variant, paired against a baseline.

A variant ``v`` trained with seed ``s`` is named ``<prefix><v>-s<s>`` (e.g. ``cvqn-abl-q357-s0``), and
its Kodak results are in ``lic_lab/zoo/results/`` (seed 0 ships its weights too). :func:`ablation_rows` averages each variant over its
seeds and reports the bpp change against the baseline *of the same seed* (same data order, same
initialisation of everything the variants share), with the spread over seeds, so a reader sees
whether a difference is larger than the run-to-run noise.
"""
from __future__ import annotations

import re
import statistics
from collections.abc import Mapping, Sequence
from typing import Any

METRICS = ("bpp", "bpp_est", "psnr", "ms_ssim")


def seed_results(means: Mapping[str, dict[str, float]], prefix: str) -> dict[str, dict[int, dict[str, float]]]:
    """``{variant: {seed: Kodak means}}`` of every run named ``<prefix><variant>-s<seed>``.

    ``means`` maps run names to their Kodak means (e.g. :func:`lic_lab.zoo.kodak_means`).
    """
    pattern = re.compile(re.escape(prefix) + r"(.+)-s(\d+)$")
    found: dict[str, dict[int, dict[str, float]]] = {}
    for name, kodak in means.items():
        match = pattern.match(name)
        if match and kodak:
            found.setdefault(match.group(1), {})[int(match.group(2))] = kodak
    return found


def _spread(values: Sequence[float]) -> float:
    """Half the range over seeds (0 for one seed)."""
    return (max(values) - min(values)) / 2 if len(values) > 1 else 0.0


def ablation_rows(results: Mapping[str, Mapping[int, Mapping[str, float]]], variants: Sequence[str],
                  baseline: str) -> list[dict[str, Any]]:
    """One row per variant: seeds, means of :data:`METRICS`, and the paired bpp change (%) vs ``baseline``."""
    base = results[baseline]
    rows = []
    for variant in variants:
        runs = results[variant]
        seeds = sorted(runs)
        row: dict[str, Any] = {"variant": variant, "seeds": len(seeds)}
        for key in METRICS:
            row[key] = statistics.fmean(runs[s][key] for s in seeds)
        row["ms_ssim_spread"] = _spread([runs[s]["ms_ssim"] for s in seeds])
        paired = [100 * (runs[s]["bpp"] / base[s]["bpp"] - 1) for s in seeds if s in base]
        row["dbpp_percent"] = statistics.fmean(paired) if paired else None
        row["dbpp_spread"] = _spread(paired) if paired else None
        rows.append(row)
    return rows


def same_order(ours: Mapping[str, float], paper: Mapping[str, float]) -> bool:
    """Whether two ``{variant: value}`` maps rank the shared variants identically."""
    keys = [k for k in paper if k in ours]
    return sorted(keys, key=lambda k: ours[k]) == sorted(keys, key=lambda k: paper[k])
