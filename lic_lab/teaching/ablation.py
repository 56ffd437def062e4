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
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from lic_lab.evaluation.evaluate import ONE_MODEL_RESOLUTION, direction

METRICS = ("bpp", "bpp_est", "psnr", "ms_ssim")


def seed_results(means: Mapping[str, dict[str, float]], prefix: str) -> dict[str, dict[int, dict[str, float]]]:
    """``{variant: {seed: Kodak means}}`` of every run named ``<prefix><variant>-s<seed>``.

    ``means`` maps run names to their Kodak means (e.g. :func:`lic_lab.zoo.kodak_means`).
    """
    found: dict[str, dict[int, dict[str, float]]] = {}
    for name, kodak in means.items():
        run = variant_and_seed(name, prefix)
        if run and kodak:
            found.setdefault(run[0], {})[run[1]] = kodak
    return found


def variant_and_seed(name: str, prefix: str) -> tuple[str, int] | None:
    """``("q357", 0)`` from ``cvqn-abl-q357-s0`` with prefix ``cvqn-abl-``; None for another name."""
    match = re.match(re.escape(prefix) + r"(.+)-s(\d+)$", name)
    return (match.group(1), int(match.group(2))) if match else None


def seed_curves(prefix: str, metric: str = "psnr") -> dict[str, dict[int, tuple[list[float], list[float]]]]:
    """``{variant: {seed: Kodak RD curve}}`` of every run named ``<prefix><variant>-s<seed>``.

    For variable-rate variants (one model, one point per rate): the curve is its Kodak results over
    its rates, shipped or not (``lic_lab/zoo/results``).
    """
    from lic_lab.evaluation.evaluate import load_results, rd_points
    from lic_lab.zoo import ZOO_DIR

    found: dict[str, dict[int, tuple[list[float], list[float]]]] = {}
    for path in sorted((ZOO_DIR / "results").glob(f"{prefix}*.json")):
        run = variant_and_seed(path.stem, prefix)
        if run:
            found.setdefault(run[0], {})[run[1]] = rd_points(load_results(path), metric)
    return found


def paired_bd_rates(
    curves: Mapping[str, Mapping[int, tuple[Sequence[float], Sequence[float]]]], test: str, anchor: str
) -> dict[str, Any]:
    """BD-rate (%) of variant ``test`` against ``anchor`` for every seed both have (same seed: same data
    order and initialisation), with the mean and the spread (half the range) over seeds."""
    from lic_lab.evaluation.metrics import bd_rate

    seeds = sorted(set(curves[test]) & set(curves[anchor]))
    return seed_summary({s: bd_rate(*curves[anchor][s], *curves[test][s]) for s in seeds})


def seed_summary(per_seed: Mapping[int, float | None]) -> dict[str, Any]:
    """One paired measurement per seed (e.g. a BD-rate, or a change of ``R + lambda D`` in %), with its mean
    and its spread (half the range) over the seeds that have one; the shape :func:`describe_paired` prints."""
    values = [v for v in per_seed.values() if v is not None]
    return {
        "per_seed": dict(per_seed),
        "mean": statistics.fmean(values) if values else None,
        "spread": _spread(values) if values else None,
    }


def paired_objective_changes(
    points: Mapping[Any, Mapping[str, Sequence[float]]], test: str, anchor: str, lmbda: float
) -> dict[str, Any]:
    """:func:`seed_summary` of how much higher (%) variant ``test``'s ``R + lambda D`` is than ``anchor``'s,
    per seed, from each one's mean (bpp, PSNR) at one rate (``points[seed][variant]``; an MSE run's loss,
    :func:`lic_lab.training.curves.mse_objective`): the comparison of one rate, where a BD-rate needs a curve."""
    from lic_lab.training.curves import mse_objective, percent_change

    def objective(bpp_psnr: Sequence[float]) -> float:
        return mse_objective(bpp_psnr[0], bpp_psnr[1], lmbda)

    return seed_summary(
        {
            int(seed): percent_change(objective(runs[test]), objective(runs[anchor]))
            for seed, runs in points.items()
            if test in runs and anchor in runs
        }
    )


def seeded(summaries: Mapping[str, Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """The :func:`seed_summary` results that hold two seeds or more, the ones a seed verdict can read."""
    return {k: g for k, g in summaries.items() if len([v for v in g["per_seed"].values() if v is not None]) > 1}


def summary_rows(
    summaries: Mapping[str, Mapping[str, Any]], what: str, claimed_negative: bool = True
) -> list[dict[str, Any]]:
    """One table row per :func:`seed_summary` (``what``: the first column's header, e.g. the measure and the
    pair): each seed's value, mean +- spread, and the verdict of :func:`seeded_outcome` (with one seed: none)."""
    rows = []
    for key, summary in summaries.items():
        values = {s: v for s, v in summary["per_seed"].items() if v is not None}
        rows.append(
            {
                what: key,
                **{f"seed {s}": f"{v:+.2f}" for s, v in values.items()},
                "mean +- spread": f"{summary['mean']:+.2f} +- {summary['spread']:.2f}" if values else "—",
                "verdict": verdict(seeded_outcome(summary, claimed_negative))
                if len(values) > 1
                else "one seed: no spread",
            }
        )
    return rows


def seeded_outcome(summary: Mapping[str, Any], claimed_negative: bool = True) -> bool | None:
    """A claim read from a :func:`seed_summary` of two seeds or more (claimed: a negative mean, e.g. fewer
    bits; ``claimed_negative=False``: a positive one), by :func:`seeded_verdict`'s rule: None (not resolved)
    when the mean is under :func:`seed_resolution`, else whether it goes the claimed way."""
    if not seeded({"": summary}):
        raise ValueError("a seed verdict needs at least two seeds")
    mean = summary["mean"]
    return None if abs(mean) < seed_resolution(summary) else (mean < 0) == claimed_negative


def describe_paired(paired: Mapping[str, Any]) -> str:
    """A :func:`paired_bd_rates` result in one line: each seed's BD-rate, then mean +- spread."""
    seeds = ", ".join(f"seed {s}: {v:+.2f}%" for s, v in paired["per_seed"].items())
    return f"{seeds} -> mean {paired['mean']:+.2f}% +- {paired['spread']:.2f}"


def _spread(values: Sequence[float]) -> float:
    """Half the range over seeds (0 for one seed)."""
    return (max(values) - min(values)) / 2 if len(values) > 1 else 0.0


def ablation_rows(
    results: Mapping[str, Mapping[int, Mapping[str, float]]], variants: Sequence[str], baseline: str
) -> list[dict[str, Any]]:
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


def beyond_noise(row: Mapping[str, Any]) -> bool:
    """Whether a variant's paired bpp change is larger than its spread over seeds."""
    return abs(row["dbpp_percent"]) > row["dbpp_spread"]


def paper_bpp_change(paper: Mapping[str, tuple[float | None, float, float]], label: str, baseline: str) -> float:
    """A paper table's bpp change (%) of row ``label`` against its row ``baseline`` (values: PSNR, MS-SSIM, bpp)."""
    return 100 * (paper[label][2] / paper[baseline][2] - 1)


def versus_paper(
    rows: Sequence[Mapping[str, Any]],
    labels: Mapping[str, str],
    paper: Mapping[str, tuple[float | None, float, float]],
    baseline: str,
    first_column: str,
    extra: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Our :func:`ablation_rows` beside a paper's ``{label: (PSNR or None, MS-SSIM, bpp)}`` table.

    ``labels`` maps the paper's row labels to our variant names; ``baseline`` is the paper's label
    of the reference row (its bpp change is computed from the paper's own numbers); ``extra``
    adds columns per label right after the first.
    """
    ours = {r["variant"]: r for r in rows}
    table = []
    for label, variant in labels.items():
        r, (p_psnr, p_ms, p_bpp) = ours[variant], paper[label]
        row: dict[str, Any] = {
            first_column: label,
            **(extra or {}).get(label, {}),
            "seeds": r["seeds"],
            "bpp (real)": round(r["bpp"], 4),
            f"Δbpp vs {baseline} (%)": f"{r['dbpp_percent']:+.2f} ± {r['dbpp_spread']:.2f}",
            "MS-SSIM": f"{r['ms_ssim']:.4f} ± {r['ms_ssim_spread']:.4f}",
        }
        if p_psnr is not None:
            row["PSNR"] = round(r["psnr"], 2)
        row.update(
            {
                "paper bpp": p_bpp,
                # recomputed from the paper's rounded bpp: it can differ from the paper's printed % in the last digit
                "paper Δbpp (%, from its bpp)": f"{paper_bpp_change(paper, label, baseline):+.2f}",
                "paper MS-SSIM": p_ms,
            }
        )
        if p_psnr is not None:
            row["paper PSNR"] = p_psnr
        table.append(row)
    return table


def gaps_beyond_noise(
    rows: Mapping[str, Mapping[str, Any]],
    pairs: Sequence[tuple[str, str]],
    value: Literal["dbpp_percent", "ms_ssim"] = "dbpp_percent",
) -> bool:
    """Whether each pair of variants differs in ``value`` (the paired bpp change, or ``"ms_ssim"``) by
    more than their two seed spreads of it together."""
    spread = {"dbpp_percent": "dbpp_spread", "ms_ssim": "ms_ssim_spread"}[value]
    return all(abs(rows[a][value] - rows[b][value]) > rows[a][spread] + rows[b][spread] for a, b in pairs)


def order_verdict(
    rows: Mapping[str, Mapping[str, Any]], variants: Mapping[str, str], paper: Mapping[str, float]
) -> str:
    """Whether our variants' bpp (``rows[variants[label]]``) fall in the paper's order of ``paper[label]``
    (:func:`seed_verdict`). The gaps that decide: when the order holds, every pair of neighbours in the
    paper's order, each apart by more than their seed spreads; when it does not, the pairs (neighbours or
    not) that our numbers put the other way round: "not reproduced" when any of them is beyond its spreads."""
    ours = {label: rows[v]["bpp"] for label, v in variants.items()}
    ranked = sorted(variants, key=lambda label: paper[label])
    holds = same_order(ours, paper)
    if holds:
        return seed_verdict(
            True, gaps_beyond_noise(rows, [(variants[a], variants[b]) for a, b in zip(ranked, ranked[1:])])
        )
    inverted = [(variants[a], variants[b]) for i, a in enumerate(ranked) for b in ranked[i + 1 :] if ours[a] >= ours[b]]
    return seed_verdict(False, any(gaps_beyond_noise(rows, [pair]) for pair in inverted))


def pairs_verdict(
    rows: Mapping[str, Mapping[str, Any]],
    pairs: Sequence[tuple[str, str]],
    value: Literal["dbpp_percent", "ms_ssim"] = "dbpp_percent",
) -> str:
    """A claim that ``rows[a][value] < rows[b][value]`` for every pair ``(a, b)`` (:func:`seed_verdict`).
    The gaps that decide: every pair when all go the paper's way (each beyond its spreads for
    "reproduced"), else the pairs that do not, a tie among them ("not reproduced" when any is beyond)."""
    against = [(a, b) for a, b in pairs if not rows[a][value] < rows[b][value]]
    if not against:
        return seed_verdict(True, gaps_beyond_noise(rows, pairs, value))
    return seed_verdict(False, any(gaps_beyond_noise(rows, [pair], value) for pair in against))


SEED_VERDICTS = (
    "not reproduced",
    "not resolved (the other way, within seed noise)",
    "direction only, within seed noise",
    "reproduced",
)


def weakest(verdicts: Iterable[str]) -> str:
    """A claim made of several :func:`seed_verdict` parts holds as far as its weakest part."""
    return min(verdicts, key=SEED_VERDICTS.index)


def seed_verdict(reproduced: bool, beyond: bool) -> str:
    """A claim read over several seeds. ``beyond``: when ``reproduced``, whether every gap that goes the
    paper's way is larger than its seed spreads; otherwise, whether any gap against it is. "reproduced" / "direction only, within seed noise" when our numbers go the paper's way by
    more / less than that; "not reproduced" when they go against it by more; "not resolved (the other
    way, within seed noise)" when by less: a gap inside the noise decides neither way."""
    if not reproduced:
        return "not reproduced" if beyond else "not resolved (the other way, within seed noise)"
    return "reproduced" if beyond else "direction only, within seed noise"


def all_outcomes(outcomes: Sequence[bool | None]) -> bool | None:
    """A claim over several outcomes: False if any is False, True if all are True, else None (not resolved)."""
    if any(o is False for o in outcomes):
        return False
    return True if all(o is True for o in outcomes) else None


def verdict(reproduced: bool | None, bd_rate: float | None = None, resolution: float = ONE_MODEL_RESOLUTION) -> str:
    """A claim's verdict; a BD-rate difference under ``resolution`` % is not resolved (0.5 for one seed
    per variant; with several seeds, pass the larger of that and the spread over seeds). ``reproduced``
    None: the rule itself found the result inside the resolution."""
    if reproduced is None or (bd_rate is not None and abs(bd_rate) < resolution):
        return "no measurable difference at lab scale"
    return "reproduced" if reproduced else "not reproduced"


def ladder_verdict(steps: Mapping[str, float | None], extra_steps: Mapping[str, int]) -> bool | None | str:
    """A ladder of models, each step's BD-rate (``steps``; None where not compared) beside the training it
    adds (``extra_steps``). Only steps with equal training decide (:func:`direction`, combined by
    :func:`all_outcomes`); a step whose training differs cannot separate the model from the steps. When
    the equal steps do not fail and some are confounded, the verdict is a sentence saying what each
    confounded step shows."""
    saves = {k: direction(v) if v is not None else None for k, v in steps.items()}
    confounded = [k for k in steps if extra_steps.get(k, 0) != 0]
    clean = [k for k in steps if k not in confounded]
    outcome = all_outcomes([saves[k] for k in clean])
    if outcome is False or not confounded:
        return outcome
    shows = {True: "saves bits", False: "does not save bits", None: "within the resolution"}
    return f"holds with equal training for {', '.join(clean) or 'no step'}; training confounded for " + ", ".join(
        f"{k} ({shows[saves[k]]})" for k in confounded
    )


def gaps_verdict(gaps: Iterable[float], allowance: float = 0.0) -> str:
    """The verdict of a rate-matched comparison (``evaluate.quality_gaps``: the test's quality minus the
    anchor's at the rates both reach, positive in the claimed direction): "reproduced" when every gap is
    above ``allowance``, "not reproduced" when none is positive, "mixed" when some are; "not resolved"
    when all are positive but some not above ``allowance`` (e.g. what the test's extra training alone
    could explain); "undecided (no common rates)" without any gap."""
    gaps = list(gaps)
    if not gaps:
        return "undecided (no common rates)"
    positive = sum(g > 0 for g in gaps)
    if all(g > allowance for g in gaps):
        return "reproduced"
    if positive == len(gaps):
        return f"not resolved (a gain within the allowance of {allowance:.2f})"
    return "not reproduced" if positive == 0 else "mixed"


def seed_resolution(paired: Mapping[str, Any]) -> float:
    """The smallest mean (%) a :func:`seed_summary` resolves: ``ONE_MODEL_RESOLUTION``, or the spread over
    seeds where that is larger."""
    return max(ONE_MODEL_RESOLUTION, paired["spread"] or 0.0)


def seeded_verdict(paired: Mapping[str, Any], reproduced: bool) -> str:
    """:func:`verdict` of a :func:`paired_bd_rates` result: a mean BD-rate under :func:`seed_resolution`
    (``ONE_MODEL_RESOLUTION`` or the spread over seeds) is not resolved."""
    return verdict(reproduced, paired["mean"], seed_resolution(paired))
