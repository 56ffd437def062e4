"""Reading a training run's logged loss: window means, "has it flattened?", "has it diverged?"."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence


def loss_windows(curve: Sequence[dict[str, float]], window: int = 500, key: str = "loss") -> list[tuple[int, float]]:
    """A logged training value averaged over consecutive ``window``-step windows: ``(window's last step, mean)``.

    One batch's loss is noisy; window means show whether a schedule was still improving."""
    groups: dict[int, list[float]] = {}
    for row in curve:
        groups.setdefault((int(row["step"]) - 1) // window, []).append(float(row[key]))
    return [((k + 1) * window, sum(v) / len(v)) for k, v in sorted(groups.items())]


def full_lr_windows(curve: Sequence[dict[str, float]], window: int = 500) -> list[tuple[int, float]]:
    """:func:`loss_windows` over the steps at the schedule's full learning rate only: the decay at the end
    and the warm-up after each resumed sitting are left out, so a window there may hold fewer steps."""
    if not curve:
        return []
    top = max(row["lr"] for row in curve)
    return loss_windows([row for row in curve if row["lr"] == top], window)


def compared_windows(
    curve: Sequence[dict[str, float]], window: int = 500, span: int = 2000
) -> tuple[tuple[int, float], tuple[int, float]] | None:
    """The two window means :func:`loss_trend` compares, ``((step, mean) earlier, (step, mean) last)``:
    among :func:`full_lr_windows`, the last one and the last one at least ``span`` steps before it (each
    labelled by its last step). None when the run is too short."""
    windows = full_lr_windows(curve, window)
    if not windows:
        return None
    last_step, _ = windows[-1]
    earlier = [w for w in windows if w[0] <= last_step - span]
    return (earlier[-1], windows[-1]) if earlier else None


def window_noise(curve: Sequence[dict[str, float]], window: int = 500) -> float | None:
    """How much one full-lr window mean differs from the next by chance: the median relative change
    between consecutive :func:`full_lr_windows` (None with fewer than three windows)."""
    means = [mean for _, mean in full_lr_windows(curve, window)]
    if len(means) < 3:
        return None
    return statistics.median(abs(b - a) / a for a, b in zip(means, means[1:]))


def loss_trend(curve: Sequence[dict[str, float]], window: int = 500, span: int = 2000, tolerance: float = 0.05) -> str:
    """The rule for "trained until the loss flattened", with the sign: compare the last full-lr window's
    mean with the window ``span`` steps earlier (:func:`compared_windows`). The change counts only beyond
    the larger of ``tolerance`` and :func:`window_noise`: below it "still falling", above it "rising",
    between "flat"; "too short" when the run cannot tell."""
    pair, noise = compared_windows(curve, window, span), window_noise(curve, window)
    if pair is None or noise is None:
        return "too short"
    (_, earlier), (_, last) = pair
    change, margin = (last - earlier) / earlier, max(tolerance, noise)
    return "still falling" if change < -margin else "rising" if change > margin else "flat"


def divergence(curve: Sequence[dict[str, float]], factor: float, recent: int = 20) -> str | None:
    """Why a run has diverged, or None: a non-finite loss, or the median of the ``recent`` last logged
    losses above ``factor`` times the lowest median of any earlier ``recent`` consecutive ones.

    A collapsed model's loss jumps many-fold and stays there (CWIC's base: 3.3 -> 72); a median only
    moves when most of the window moves, so single bad batches do not trip it. Meant for runs at one
    lambda: a variable-rate run's batches draw lambdas whose losses differ many-fold (the trainer
    does not apply it there)."""
    if curve and not math.isfinite(curve[-1]["loss"]):
        return f"non-finite loss at step {int(curve[-1]['step'])}"
    if len(curve) < 2 * recent:
        return None
    losses = [float(row["loss"]) for row in curve]
    now = statistics.median(losses[-recent:])
    best = min(statistics.median(losses[i : i + recent]) for i in range(0, len(losses) - 2 * recent + 1))
    if now > factor * best:
        return (
            f"median loss of the last {recent} logged steps {now:.4g} > {factor:g} x the best earlier median {best:.4g}"
        )
    return None


def same_window(curves: Sequence[Sequence[dict[str, float]]], window: int = 500) -> tuple[int, list[float]] | None:
    """The last :func:`full_lr_windows` window that every curve has, and each curve's mean loss there (None
    when they share none). Segments of a chain that replay the same crops (one seed) meet the same batches
    in it: a paired reading of what each segment still bought."""
    windows = [dict(full_lr_windows(c, window)) for c in curves]
    shared = set.intersection(*(set(w) for w in windows)) if windows else set()
    if not shared:
        return None
    step = max(shared)
    return step, [w[step] for w in windows]


def validation_objective(record: dict) -> float:
    """``R + lambda D`` on the validation photos at a finished single-lambda run's end, from its last
    logged means: for an MSE run ``bpp + lambda * 255^2 * 10^(-PSNR / 10)`` (the MSE of the mean PSNR is
    the geometric mean of the photos' MSEs, at most their mean: the same stand-in for both runs of a
    comparison); for an MS-SSIM run ``bpp + lambda * (1 - MS-SSIM)``, its rate-distortion objective. Compares runs
    trained at the same ``lambda`` and metric, such as an A/B of one training choice."""
    config, last = record["config"], record["history"][-1]
    if config.get("lmbdas"):
        raise ValueError("validation_objective compares single-lambda runs")
    if not record.get("finished", False):
        raise ValueError(f"{record.get('name', 'this run')} is unfinished: its last validation is not its result")
    metric = config.get("metric", "mse")
    if metric == "ms-ssim":
        if "ms_ssim" not in last:
            raise ValueError(f"{record.get('name', 'this run')} logged no validation MS-SSIM")
        return float(last["bpp"]) + float(config["lmbda"]) * (1.0 - float(last["ms_ssim"]))
    if metric != "mse":
        raise ValueError(f"validation_objective knows MSE and MS-SSIM runs, not {metric!r}")
    return mse_objective(float(last["bpp"]), float(last["psnr"]), float(config["lmbda"]))


def mse_objective(bpp: float, psnr: float, lmbda: float) -> float:
    """An MSE run's ``R + lambda D`` from a mean bpp and a mean PSNR: ``bpp + lambda * 255^2 * 10^(-PSNR / 10)``.
    It approximates the loss the trainer minimises: the MSE of the mean PSNR is the geometric mean of the
    images' MSEs, at most their mean (the same stand-in for both sides of a comparison)."""
    return bpp + lmbda * 255.0**2 * 10 ** (-psnr / 10)


def objective_change(record: dict, reference: dict) -> float:
    """How much higher ``record``'s :func:`validation_objective` is than ``reference``'s, in % (negative:
    better); what an A/B of one training choice, read with ``ablation.direction``, compares."""
    return percent_change(validation_objective(record), validation_objective(reference))


def percent_change(value: float, reference: float) -> float:
    """How much higher ``value`` is than ``reference``, in % (negative: lower)."""
    return 100 * (value / reference - 1)
