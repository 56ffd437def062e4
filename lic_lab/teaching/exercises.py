"""Check cells for the notebooks' exercises.

Each checker recomputes the right answer from the exercise's inputs (nothing to copy from here);
worked solutions live in ``notebooks/solutions/``. A check cell prints *correct* or *not attempted
yet*, and fails (``AssertionError`` with a hint) on a wrong answer. Answers that are computed from
the notebook's data are compared at ``COMPUTED`` relative tolerance, so a number copied from a
printed table (three or four digits) does not pass.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from lic_lab.entropy import GaussianConditional
from lic_lab.evaluation.metrics import bd_rate


def _number(value: Any) -> float | None:
    """A plain number, a 0-d tensor or a numpy scalar as a float (None for anything else)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, torch.Tensor):
        return float(value) if value.numel() == 1 else None
    try:
        return float(value) if hasattr(value, "__float__") and not isinstance(value, str) else None
    except (TypeError, ValueError):
        return None


COMPUTED = 1e-5  # relative tolerance for answers computed from data (float32 sums stay well inside it)


def _computed(got: Any, want: float) -> bool:
    """An answer computed from data: a number within ``COMPUTED`` of ``want``, relative (an answer below 1
    gets no looser check)."""
    number = _number(got)
    return number is not None and math.isclose(number, want, rel_tol=COMPUTED, abs_tol=1e-12)


def _judge(number: int, answer: Any, *context: Any, book: str) -> tuple[bool | None, str]:
    """Whether the answer is right (None: not attempted yet) and the one-line verdict."""
    if answer is None:
        return None, f"Exercise {number}: not attempted yet (set answer_{number})"
    want, ok, hint = BOOKS[book][number](*context)
    good = bool(ok(answer, want))
    return good, f"Exercise {number}: {'correct' if good else 'not yet'}" + ("" if good else f" - hint: {hint}")


def verdict(number: int, answer: Any, *context: Any, book: str = "01") -> str:
    """A one-line verdict for exercise ``number`` of notebook ``book``."""
    return _judge(number, answer, *context, book=book)[1]


def check(number: int, answer: Any, *context: Any, book: str = "01") -> None:
    """The check cell: print the verdict, and fail the cell (``AssertionError``) on a wrong answer."""
    good, message = _judge(number, answer, *context, book=book)
    if good is False:
        raise AssertionError(message)
    print(message)


def _ex1(num_bytes: int, height: int, width: int):
    return 8 * num_bytes / (height * width), _computed, "bits per pixel = 8 x bytes / pixels"


def _ex2(scale: float):
    p = GaussianConditional.likelihood(torch.zeros(1), torch.tensor([scale])).item()
    return (
        p,
        _computed,
        "a symbol's probability is the Gaussian's mass over the symbol's bin; the standard normal CDF can be "
        "written with math.erf",
    )


def _ex3(anchor: tuple, test: tuple):
    return (
        bd_rate(*anchor, *test),
        _computed,
        "section 8 printed the function that turns two RD curves into a BD-rate; use the MS-SSIM (dB) curves `ms`, "
        "and mind which curve is the anchor",
    )


def _ex4(likelihoods: dict, section: bytes):
    ideal = float(-torch.log2(likelihoods["y"].double()).sum())
    return (
        100 * (8 * len(section) / ideal - 1),
        _computed,
        "the ideal size is the symbols' information content summed over y only; the real size counts bits, "
        "not bytes; the answer is the relative difference, in percent",
    )


FOUNDATIONS = {1: _ex1, 2: _ex2, 3: _ex3, 4: _ex4}


def _whole(value: Any) -> int | None:
    """A whole number however it was computed (an int, a numpy integer, 10.0, a 0-d tensor), else None."""
    number = _number(value)
    return int(number) if number is not None and math.isfinite(number) and number == int(number) else None


def _equal(got: Any, want: Any) -> bool:
    """An exact answer: the same string or bool, or the same whole number (of any numeric type)."""
    if isinstance(want, (bool, str)):
        return type(got) is type(want) and got == want
    return _whole(got) == want


def _ch1(ablation, bits):
    import numpy as np

    from lic_lab.teaching.channels import NEGLIGIBLE_DB

    losses, bits = np.asarray(ablation.psnr_loss, dtype=float), np.asarray(bits, dtype=float)[ablation.channels]
    worth = losses >= NEGLIGIBLE_DB
    per_db = np.where(worth, bits / np.where(worth, losses, 1.0), -np.inf)
    return (
        int(ablation.channels[int(np.argmax(per_db))]),
        _equal,
        "a price per dB is bits divided by the PSNR the channel is worth; only channels worth at least "
        "channels.NEGLIGIBLE_DB compete",
    )


def _ch2(ablation, y_hat: torch.Tensor):
    import numpy as np

    used = (y_hat[0] != 0).flatten(1).any(dim=1).numpy()[ablation.channels]  # measured channels with a non-zero symbol
    losses = np.where(used, np.asarray(ablation.psnr_loss, dtype=float), np.inf)
    return (
        int(ablation.channels[int(np.argmin(losses))]),
        _equal,
        "an empty channel costs nothing to remove: leave out the channels whose symbols are all zero, then take the smallest PSNR loss",
    )


def _ch3(factors, sweep, base_psnr: float):
    import numpy as np

    factors, sweep = np.asarray(factors, float), np.asarray(sweep, float)
    target = base_psnr - 1.0
    above = np.flatnonzero(sweep >= target)
    if not above.size:
        want = float("nan")
    elif above[0] == 0:
        want = float(factors[0])
    else:  # linear interpolation between the last point below the target and the first at or above it
        i = int(above[0])
        want = float(
            factors[i - 1] + (target - sweep[i - 1]) / (sweep[i] - sweep[i - 1]) * (factors[i] - factors[i - 1])
        )
    return (
        want,
        _computed,
        "find the first point of the sweep at or above abl.base_psnr - 1, then interpolate linearly from the point before it",
    )


CHANNELS = {1: _ch1, 2: _ch2, 3: _ch3}


def _g1(model, rate: float):
    from lic_lab.quantization.gain_units import interpolate, split_rate

    s, l_ = split_rate(rate, model.levels)
    m, mi = (u.matrix.detach().abs()[s - 1 : s + 1].double() for u in (model.gain, model.inverse_gain))

    def product(mode: str) -> torch.Tensor:  # m_R * m'_R, the product eq. 7 wants constant
        return interpolate(m[0], m[1], l_, mode) * interpolate(mi[0], mi[1], l_, mode)

    return (
        float((product("linear") / product("exponential")).mean()),
        _computed,
        "blend |M| and |M'| between the two rows R falls between, once linearly and once with eq. 8; multiply "
        "each pair (the product eq. 7 wants constant), divide linear by exponential per channel, take the mean",
    )


def _g2(model, level: int, channel: int):
    m = model.gain.matrix.detach().abs().double()
    a, b = float(m[level - 1, channel]), float(m[level, channel])
    return (
        0.5 if math.isclose(a, b) else math.log((a + b) / (2 * a)) / math.log(b / a),  # equal gains: every l
        _computed,
        "set eq. 8's blend a^(1-l) * b^l equal to (a + b) / 2 and solve for l with logarithms; a and b are |M|'s rows "
        "for the level and the next (rows count from 0)",
    )


def _g3(model):
    units = [model.gain, model.inverse_gain] + (
        [model.hyper_gain, model.hyper_inverse_gain] if model.hyper_gains else []
    )
    gains = sum(p.numel() for u in units for p in u.parameters())
    total = sum(p.numel() for p in model.parameters())
    return (
        100 * gains / (total - gains),
        _computed,
        "count every gain unit's numbers (two on y; two more on z only when model.hyper_gains); the base is the model "
        "without them (all parameters minus the gains), as Table 1 counts against its fixed-rate base",
    )


GAINS = {1: _g1, 2: _g2, 3: _g3}


def _b1(model, size: tuple[int, int], branches: int):
    from lic_lab.evaluation.complexity import decoder_flops

    return (
        decoder_flops(model, size, branches) / 1e9,
        _computed,
        "lic_lab.evaluation.complexity.decoder_flops(model, (height, width), K) / 1e9",
    )


def _b2(storage: dict):
    return (
        storage["bam_per_bitrate"] / storage["baseline_three_levels"],
        _computed,
        "(CAM + (n - 1) BAMs) / (n x three baselines) -> BAM / three baselines as n grows: the CAM's share vanishes",
    )


def _b3(decode_ms: dict):
    return (
        100 * (1 - decode_ms["K=1"] / decode_ms["baseline"]),
        _computed,
        "speed-up = 1 - (time with K = 1) / (baseline time), in percent",
    )


BRANCHES = {1: _b1, 2: _b2, 3: _b3}


def _c1(table: dict, method: str = "Ours (coarse-to-fine)", anchor: str = "ICLR18-HyperPrior", bit_range: str = "high"):
    from lic_lab.evaluation.references import chained_bd

    return (
        chained_bd(table[method][bit_range], table[anchor][bit_range]),
        _computed,
        "both rows are BD-rates against BPG, i.e. rate ratios minus 1 at equal quality: divide (1 + a) by (1 + b), "
        "with a and b as fractions, and subtract 1",
    )


def _c2(bits: dict):
    total = sum(v["bpp"] for v in bits.values())
    return (
        100 * (total - bits["y"]["bpp"]) / total,
        _computed,
        "(every z section's bits) / (all sections' bits) x 100",
    )


def _c3(timing: dict):
    return (
        timing["1"]["decode_s"] / timing["2"]["decode_s"],
        _computed,
        "decode time with 1 thread divided by decode time with 2 threads",
    )


BENCHMARK = {1: _c1, 2: _c2, 3: _c3}


def _q1(shares: list[float], levels: list[int]):
    from lic_lab.quantization.variable import entropy_bound_bits

    return (
        2 ** entropy_bound_bits((1, 1, 1), shares, levels),  # eq. 7's bound per latent element: log2 of the Q
        _computed,
        "equate the two bounds of eq. 7: H W C log2 Q = H W C sum_g r_g log2 q_g, and solve for Q "
        "(not an integer: a geometric mean of the levels, weighted by the shares)",
    )


def _q2(ablation, group):
    import numpy as np

    losses = np.asarray(ablation.ms_ssim_loss_db)
    return (
        float(np.median(losses[np.asarray(group) == 2])),
        _computed,
        "the median, not the mean; select group 3's channels with a boolean mask (groups count from 0 in `group`)",
    )


def _q3(model):
    d = model.sizes[2]
    return (
        len(model.contexts[2].planes((d, 512 // 16, 512 // 16))),
        _equal,
        "count the values t = 4c + 2h + w takes (section 4), for group 3's channels and a 32 x 32 latent",
    )


CVQN = {1: _q1, 2: _q2, 3: _q3}


def _w1(qi: torch.Tensor):
    share = float((qi <= 4).double().mean())
    if not 0 < share < 1:  # an answer of 0 or 1 could pass without any code
        raise ValueError(f"exercise 1 needs a photo where some but not all positions keep <= 8 channels, got {share}")
    return (
        share,
        _computed,
        "eq. 4 keeps channels k < n QI(p) / L = 2 QI(p): at most 8 channels means QI(p) <= 4; count those positions "
        "of the quantized map, over all of its positions",
    )


def _w2(model):
    return (
        len(model.tcae.steps((model.M, 512 // 8, 512 // 8))),
        _equal,
        "one step per inclined plane: how many distinct values can k + i + j take in the code's cuboid?",
    )


def _w3(entropy_bits: dict):
    t = entropy_bits["cwic-q2"]["code"]
    return (
        t["tcae-inclined"] / t["symbols"],
        _computed,
        "the Fig. 12 sums hold, for each model and coded part, the bits of each entropy model and the number of coded symbols",
    )


CWIC = {1: _w1, 2: _w2, 3: _w3}
BOOKS: dict[str, dict[int, Any]] = {
    "01": FOUNDATIONS,
    "02": CVQN,
    "03": CHANNELS,
    "04": CWIC,
    "05": GAINS,
    "06": BRANCHES,
    "07": BENCHMARK,
}
