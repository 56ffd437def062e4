"""Coding one image at many rates with one variable-rate model (AG-VAE sliders and experiments).

The analysis transform does not depend on the rate (the gain unit comes after it, eq. 2), so
:class:`AnalysedImage` runs it once and re-codes the latent at each rate for real: every size
here is a complete bitstream that :meth:`CompressionModel.decompress` decodes.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import torch

from lic_lab.data import pad_to_multiple
from lic_lab.evaluation.metrics import bpp_from_bytes, psnr
from lic_lab.models import CompressionModel, GainedMeanScale, ScaleHyperprior


class AnalysedImage:
    """An image with its analysis transform ``g_a(x)`` cached; :meth:`compress` codes it at a rate."""

    @torch.no_grad()
    def __init__(self, model: CompressionModel, x: torch.Tensor):
        if model.rate_range is None or not isinstance(model, ScaleHyperprior):  # code_analysed: the hyperpriors
            raise ValueError(f"{model.name} is not a variable-rate hyperprior model")
        model.check_image(x)
        self.model: ScaleHyperprior = model
        self.x = x
        param = next(model.parameters())
        padded, self.size = pad_to_multiple(x.to(param.device, param.dtype), model.downsample)
        self.y_raw = model.g_a(padded)

    @torch.no_grad()
    def compress(self, rate: float, interpolation: str | None = None) -> bytes:
        """A complete bitstream at ``rate`` (the analysis transform is not re-run)."""
        if interpolation:
            if not isinstance(self.model, GainedMeanScale):  # the gain units' interpolation modes
                raise TypeError(f"{self.model.name} has no interpolation mode to set")
            self.model.set_rate(rate, interpolation)
        else:
            self.model.set_rate(rate)
        weights = self.model.weights_fingerprint()  # before coding switches any mode, as compress() does
        with self.model.coding():
            sections = self.model.code_analysed(self.y_raw)
        return self.model.pack(sections, self.size, weights)

    def code(self, rate: float, interpolation: str | None = None) -> dict[str, Any]:
        """Code and decode for real at ``rate``: bytes, bpp, PSNR, the decoded image and the times."""
        t0 = time.perf_counter()
        data = self.compress(rate, interpolation)
        t1 = time.perf_counter()
        x_hat = self.model.decompress(data)
        t2 = time.perf_counter()
        h, w = self.x.shape[-2:]
        return {
            "rate": rate,
            "bytes": len(data),
            "bpp": bpp_from_bytes(len(data), h, w),
            "psnr": psnr(self.x, x_hat.cpu()),
            "x_hat": x_hat,
            "encode_ms": 1000 * (t1 - t0),
            "decode_ms": 1000 * (t2 - t1),
        }

    def sizes(self, rates: Iterable[float], interpolation: str | None = None) -> list[int]:
        """Bytes of the bitstream at each rate (no decoding: for monotonicity checks)."""
        return [len(self.compress(r, interpolation)) for r in rates]


def rate_grid(model: CompressionModel, step: float = 0.1) -> list[float]:
    """Evenly spaced rates covering the model's whole range, both ends included."""
    if model.rate_range is None:
        raise ValueError(f"{model.name} is not a variable-rate model")
    lo, hi = model.rate_range
    count = int(round((hi - lo) / step))
    return [round(lo + i * (hi - lo) / count, 6) for i in range(count + 1)]


def is_increasing(values: Sequence[float]) -> bool:
    """Strictly increasing (what "bpp grows with the rate" means here)."""
    return all(b > a for a, b in zip(values, values[1:]))


def monotonicity(
    model: GainedMeanScale,
    images: Sequence[tuple[str, torch.Tensor]],
    step: float = 0.1,
    interpolation: str = "exponential",
) -> dict[str, Any]:
    """Real bitstream sizes over a fine rate grid for each image, and whether each is increasing."""
    rates = rate_grid(model, step)
    rows = []
    for name, x in images:
        sizes = AnalysedImage(model, x).sizes(rates, interpolation)
        rows.append({"image": name, "bytes": sizes, "increasing": is_increasing(sizes)})
    model.set_rate(model.rate_range[1], "exponential")
    return {
        "rates": rates,
        "interpolation": interpolation,
        "images": rows,
        "all_increasing": all(r["increasing"] for r in rows),
    }


def interpolation_study(
    model: GainedMeanScale,
    images: Sequence[tuple[str, torch.Tensor]],
    rates: Sequence[float],
    modes: Sequence[str] = ("exponential", "linear"),
) -> dict[str, Any]:
    """Mean bpp and PSNR at each rate for each interpolation (eq. 8 vs a linear blend of the gains)."""
    result: dict[str, Any] = {"rates": list(rates)}
    analysed = [AnalysedImage(model, x) for _, x in images]
    for mode in modes:
        points = []
        for rate in rates:
            rows = []
            for image in analysed:
                row = image.code(rate, mode)
                rows.append((row["bpp"], row["psnr"]))
            points.append(
                {"rate": rate, "bpp": sum(r[0] for r in rows) / len(rows), "psnr": sum(r[1] for r in rows) / len(rows)}
            )
        result[mode] = points
    model.set_rate(model.rate_range[1], "exponential")
    return result


def interpolation_curves(
    study: Mapping[str, Any], levels: Sequence[tuple[float, float]]
) -> dict[str, tuple[list[float], list[float]]]:
    """RD curves of each interpolation mode of :func:`interpolation_study`, the trained levels' own
    ``(bpp, PSNR)`` points included (both modes agree there by construction), sorted by rate."""
    curves = {}
    for mode in ("exponential", "linear"):
        pts = sorted([*levels, *((p["bpp"], p["psnr"]) for p in study[mode])])
        curves[mode] = ([p[0] for p in pts], [p[1] for p in pts])
    return curves


def chord_gaps(points: Sequence[Mapping[str, float]], levels: Sequence[tuple[float, float]]) -> list[float]:
    """PSNR of each interpolated point (``{"rate", "bpp", "psnr"}``, as :func:`interpolation_study` gives)
    minus the chord between the two trained levels around it, ``levels[s - 1]`` and ``levels[s]`` for
    ``s = floor(rate)`` (``(bpp, PSNR)`` per level, level 1 first), read at the point's bpp on a log-rate
    axis. The paper's Fig. 4 claim, "CVR ... while R-D performance not degrades", asks that no point
    fall below the discrete rates' curve; a chord is that curve's simplest stand-in between two levels."""
    gaps = []
    for p in points:
        s = min(max(math.floor(p["rate"]), 1), len(levels) - 1)  # the top level's own rate reads the last chord
        (b0, q0), (b1, q1) = levels[s - 1], levels[s]
        t = (math.log(p["bpp"]) - math.log(b0)) / (math.log(b1) - math.log(b0))
        gaps.append(p["psnr"] - (q0 + t * (q1 - q0)))
    return gaps
