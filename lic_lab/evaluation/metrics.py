"""Quality and rate measures: PSNR, MS-SSIM (and its dB form), bpp, Bjøntegaard deltas.

The one place the workbook computes image quality: evaluation, the training loss, channel
ablation and CVQN's reconstruction importance all call the functions below.

**PSNR** is ``10 log10(data_range^2 / MSE)`` with the MSE in float64 over every pixel and channel,
and ``+inf`` for identical images (no clamp). :func:`psnr` pools the MSE over the whole tensor
(one image, or a batch as one); :func:`psnr_per_image` gives one value per image of a batch;
:func:`psnr_from_mse` converts an MSE already computed (the training log).

**MS-SSIM** is pytorch-msssim's five-scale MS-SSIM (Wang et al. 2003 weights, 11-tap Gaussian
window, sigma 1.5, data range 1). Four down-samplings with that window need a shorter side of at
least :data:`MS_SSIM_MIN_SIDE` = 161 px (more than (11 - 1) 2^4 = 160). **Policy for smaller
images: each side shorter than 161 px is replicate-padded (bottom / right edge rows and columns
repeated) to 161 px, in both images, before measuring** -- in every code path (evaluation, the
MS-SSIM training loss, where the padding is differentiable, and channel ablation). Images of
161 px or more are measured unpadded, so every shipped number (Kodak is 768 x 512; MS-SSIM
training used 192-px patches) is plain pytorch-msssim. A padded value is only an approximation
of MS-SSIM, more and more dominated by the repeated border as the image shrinks: compare such
values with each other, not with published MS-SSIM figures.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TypeAlias, overload

import numpy as np
import torch
from pytorch_msssim import ms_ssim as _ms_ssim

MS_SSIM_MIN_SIDE = 161
"""Smallest side five-scale MS-SSIM with an 11-tap window accepts; smaller images are padded to it."""

Curve: TypeAlias = Sequence[float] | np.ndarray
"""Rates or qualities of the points of an RD curve (a list or a 1-D array)."""


@overload
def psnr_from_mse(mse: float, data_range: float = 1.0) -> float: ...


@overload
def psnr_from_mse(mse: torch.Tensor, data_range: float = 1.0) -> torch.Tensor: ...


def psnr_from_mse(mse: float | torch.Tensor, data_range: float = 1.0) -> float | torch.Tensor:
    """``10 log10(data_range^2 / mse)`` in dB, ``+inf`` where ``mse == 0``; keeps tensors as tensors."""
    if isinstance(mse, torch.Tensor):
        return 10 * torch.log10(data_range**2 / mse)
    return math.inf if mse == 0 else 10 * math.log10(data_range**2 / mse)


def psnr(x: torch.Tensor, y: torch.Tensor, data_range: float = 1.0) -> float:
    """Peak signal-to-noise ratio in dB of images in [0, data_range] (inf for identical images).

    The MSE is pooled over the whole tensor; for one value per image of a batch use
    :func:`psnr_per_image`.
    """
    return psnr_from_mse(torch.mean((x.double() - y.double()) ** 2).item(), data_range)


def psnr_per_image(x: torch.Tensor, y: torch.Tensor, data_range: float = 1.0) -> torch.Tensor:
    """PSNR in dB of each image of a (N, C, H, W) batch, float64 of shape (N,); ``x`` and ``y`` broadcast
    (one reference against N reconstructions)."""
    mse = ((x.double() - y.double()) ** 2).mean(dim=(-3, -2, -1))
    return psnr_from_mse(mse, data_range)


def _pad_for_ms_ssim(x: torch.Tensor) -> torch.Tensor:
    """Replicate-pad the bottom / right of ``x`` so that both sides are at least :data:`MS_SSIM_MIN_SIDE`."""
    h, w = x.shape[-2:]
    pad_h, pad_w = max(0, MS_SSIM_MIN_SIDE - h), max(0, MS_SSIM_MIN_SIDE - w)
    if pad_h == 0 and pad_w == 0:
        return x
    return torch.nn.functional.pad(x, (0, pad_w, 0, pad_h), mode="replicate")


def ms_ssim_tensor(x: torch.Tensor, y: torch.Tensor, size_average: bool = True) -> torch.Tensor:
    """MS-SSIM of (N, 3, H, W) images in [0, 1] as a float32 tensor, differentiable (the training loss).

    ``size_average=True`` gives the batch mean (a scalar), ``False`` one value per image (shape (N,)).
    ``x`` and ``y`` broadcast. Images under 161 px on a side are padded (the module's policy).
    """
    x, y = torch.broadcast_tensors(x, y)
    x, y = _pad_for_ms_ssim(x), _pad_for_ms_ssim(y)
    return _ms_ssim(x.float(), y.float(), data_range=1.0, size_average=size_average)


def ms_ssim(x: torch.Tensor, y: torch.Tensor) -> float:
    """MS-SSIM (Wang et al. 2003) of (1, 3, H, W) images in [0, 1], via pytorch-msssim (a batch gives its mean).

    Images smaller than 161 px on a side are replicate-padded to 161 px (the module's policy).
    """
    return float(ms_ssim_tensor(x, y, size_average=True))


def ms_ssim_db(value: float) -> float:
    """MS-SSIM in decibels, ``-10 log10(1 - MS-SSIM)``, as the papers plot it."""
    return math.inf if value >= 1 else -10 * math.log10(1 - value)


def bpp_from_bytes(num_bytes: int, height: int, width: int) -> float:
    """Bits per pixel of a real file."""
    return 8.0 * num_bytes / (height * width)


def total_bits(likelihoods: Mapping[str, torch.Tensor] | Sequence[torch.Tensor]) -> torch.Tensor:
    """The cross-entropy ``sum(-log2 q(y_hat))`` over all latents (benchmark paper eq. 4), differentiable."""
    values = likelihoods.values() if isinstance(likelihoods, Mapping) else likelihoods
    bits = [-torch.log2(v).sum() for v in values]
    return sum(bits[1:], bits[0]) if bits else torch.zeros(())


def bpp_from_likelihoods(
    likelihoods: Mapping[str, torch.Tensor] | Sequence[torch.Tensor], height: int, width: int
) -> float:
    """Estimated bits per pixel: :func:`total_bits` / (H W), in float64."""
    values = likelihoods.values() if isinstance(likelihoods, Mapping) else likelihoods
    return float(total_bits([v.double() for v in values])) / (height * width)


# --- Bjøntegaard deltas ------------------------------------------------------------------------


def _pchip_slopes(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Fritsch-Carlson monotone slopes with the three-point end conditions (as in the JCT-VC sheet)."""
    h = np.diff(x)
    delta = np.diff(y) / h
    d = np.zeros_like(y)
    if len(x) == 2:
        return np.full_like(y, delta[0])
    for k in range(1, len(x) - 1):
        if delta[k - 1] * delta[k] > 0:
            w1, w2 = 2 * h[k] + h[k - 1], h[k] + 2 * h[k - 1]
            d[k] = (w1 + w2) / (w1 / delta[k - 1] + w2 / delta[k])
    for end, (h0, h1, d0, d1) in ((0, (h[0], h[1], delta[0], delta[1])), (-1, (h[-1], h[-2], delta[-1], delta[-2]))):
        slope = ((2 * h0 + h1) * d0 - h0 * d1) / (h0 + h1)
        if np.sign(slope) != np.sign(d0):
            slope = 0.0
        elif np.sign(d0) != np.sign(d1) and abs(slope) > abs(3 * d0):
            slope = 3 * d0
        d[end] = slope
    return d


def _hermite(x: np.ndarray, y: np.ndarray, d: np.ndarray, k: int, points: np.ndarray) -> np.ndarray:
    """The cubic Hermite piece ``k`` (between ``x[k]`` and ``x[k+1]``, end slopes ``d``) at ``points``."""
    hk = x[k + 1] - x[k]
    t = (points - x[k]) / hk
    h00, h10 = 2 * t**3 - 3 * t**2 + 1, t**3 - 2 * t**2 + t
    h01, h11 = -2 * t**3 + 3 * t**2, t**3 - t**2
    return h00 * y[k] + h10 * hk * d[k] + h01 * y[k + 1] + h11 * hk * d[k + 1]


def pchip(x: Curve, y: Curve, points: Curve) -> np.ndarray:
    """The PCHIP interpolant through ``(x, y)`` evaluated at ``points`` (inside the range of ``x``):
    the curve whose integral :func:`bd_rate` takes (drawn by the notebooks' BD-rate figure)."""
    xs, ys = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    order = np.argsort(xs)
    xs, ys = xs[order], ys[order]
    pts = np.asarray(points, dtype=np.float64)
    d = _pchip_slopes(xs, ys)
    k = np.clip(np.searchsorted(xs, pts, side="right") - 1, 0, len(xs) - 2)
    return np.array([_hermite(xs, ys, d, int(i), np.array([p]))[0] for i, p in zip(k, pts)])


def _pchip_integral(x: np.ndarray, y: np.ndarray, lo: float, hi: float) -> float:
    """Exact integral over [lo, hi] of the PCHIP interpolant through (x, y) (x increasing)."""
    d = _pchip_slopes(x, y)
    nodes, weights = np.polynomial.legendre.leggauss(3)  # exact for cubics
    total = 0.0
    for k in range(len(x) - 1):
        a, b = max(lo, x[k]), min(hi, x[k + 1])
        if b <= a:
            continue
        vals = _hermite(x, y, d, k, (a + b) / 2 + (b - a) / 2 * nodes)
        total += (b - a) / 2 * float(np.dot(weights, vals))
    return total


def _poly_integral(x: np.ndarray, y: np.ndarray, lo: float, hi: float) -> float:
    """Integral over [lo, hi] of the least-squares cubic through (x, y) (VCEG-M33)."""
    p = np.polyint(np.polyfit(x, y, min(3, len(x) - 1)))
    return float(np.polyval(p, hi) - np.polyval(p, lo))


def _mean_gap(x1, y1, x2, y2, method: str, span: tuple[float, float] | None = None) -> float:
    """Mean of (curve 2 - curve 1) over the overlap of their x ranges (and of ``span`` if given)."""
    x1, y1, x2, y2 = (np.asarray(v, dtype=np.float64) for v in (x1, y1, x2, y2))
    o1, o2 = np.argsort(x1), np.argsort(x2)
    x1, y1, x2, y2 = x1[o1], y1[o1], x2[o2], y2[o2]
    lo, hi = max(x1[0], x2[0]), min(x1[-1], x2[-1])
    if span is not None:
        lo, hi = max(lo, span[0]), min(hi, span[1])
    if hi <= lo:
        raise ValueError("the two RD curves do not overlap (within the range); BD metrics are undefined")
    integral = {"pchip": _pchip_integral, "cubic": _poly_integral}[method]
    return (integral(x2, y2, lo, hi) - integral(x1, y1, lo, hi)) / (hi - lo)


def bd_rate(
    rate_anchor: Curve,
    quality_anchor: Curve,
    rate_test: Curve,
    quality_test: Curve,
    method: str = "pchip",
    quality_range: tuple[float, float] | None = None,
) -> float:
    """Bjøntegaard delta rate in percent: the mean bitrate change of *test* vs *anchor* at equal quality.

    Negative means the test codec needs fewer bits. ``method="pchip"`` is the JCT-VC common-test
    sheet's interpolation; ``"cubic"`` the original least-squares cubic of VCEG-M33.
    ``quality_range`` limits the averaging to a quality interval (the benchmark's low / median /
    high ranges).
    """
    gap = _mean_gap(quality_anchor, np.log(rate_anchor), quality_test, np.log(rate_test), method, quality_range)
    return (math.exp(gap) - 1) * 100


def bd_psnr(
    rate_anchor: Curve,
    quality_anchor: Curve,
    rate_test: Curve,
    quality_test: Curve,
    method: str = "pchip",
    rate_range: tuple[float, float] | None = None,
) -> float:
    """Bjøntegaard delta quality (dB): mean quality gain of *test* vs *anchor* at equal bitrate
    (averaged over ``rate_range`` in bpp, if given, within the curves' overlap)."""
    span = None if rate_range is None else (math.log(rate_range[0]), math.log(rate_range[1]))
    return _mean_gap(np.log(rate_anchor), quality_anchor, np.log(rate_test), quality_test, method, span)
