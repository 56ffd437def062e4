"""Channel ablation: which latent channels matter, measured on any model with a latent y.

The experiment behind CVQN (sec. 2, Fig. 1) and AG-VAE (sec. 3.1, Fig. 2): zero (or scale) one
channel of the quantized latent, decode, and measure how much the reconstruction loses. The
latent is encoded once and only the synthesis transform runs per variant, in batches: on a GPU
large batches are fastest; on a CPU, measured here, a batch of one is (cache-bound convolutions
slow down per image as the batch grows), so :func:`default_batch` picks by device. A sweep over
96 channels of a Kodak image takes about 10 s on 2 CPU cores.

Model-agnostic: any model whose forward pass returns ``y_hat`` and ``likelihoods["y"]`` and that
has a ``synthesize(y_hat)`` method (every model of the workbook) works.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from lic_lab.data import crop_to
from lic_lab.evaluation.metrics import ms_ssim_db, ms_ssim_tensor, psnr_per_image
from lic_lab.models import CompressionModel, latents


@dataclass
class Ablation:
    """Per-channel results of zeroing each channel of one image's quantized latent."""

    channels: np.ndarray  # channel indices, in the order measured
    psnr: np.ndarray  # PSNR (dB) of the reconstruction without that channel
    ms_ssim: np.ndarray  # MS-SSIM without that channel
    base_psnr: float  # with every channel
    base_ms_ssim: float

    @property
    def psnr_loss(self) -> np.ndarray:
        """dB of PSNR lost by removing each channel (CVQN Fig. 1 bottom left)."""
        return self.base_psnr - self.psnr

    @property
    def ms_ssim_loss(self) -> np.ndarray:
        """MS-SSIM lost by removing each channel."""
        return self.base_ms_ssim - self.ms_ssim

    @property
    def ms_ssim_loss_db(self) -> np.ndarray:
        """Loss in MS-SSIM dB, ``-10 log10(1 - MS-SSIM)`` before minus after (CVQN Fig. 1 bottom right)."""
        return ms_ssim_db(self.base_ms_ssim) - np.array([ms_ssim_db(v) for v in self.ms_ssim])

    def ranking(self) -> np.ndarray:
        """Channels from most to least important (by PSNR loss)."""
        return self.channels[np.argsort(-self.psnr_loss, kind="stable")]


def _batch_quality(x: torch.Tensor, x_hat: torch.Tensor, with_ms_ssim: bool) -> tuple[np.ndarray, np.ndarray]:
    """PSNR and MS-SSIM of each image of a batch against one reference (MS-SSIM NaN unless ``with_ms_ssim``).

    Both come from :mod:`lic_lab.evaluation.metrics`, with its policy for images under 161 px (padding).
    """
    psnr = psnr_per_image(x_hat, x).numpy()
    if not with_ms_ssim:
        return psnr, np.full(len(psnr), np.nan)
    return psnr, ms_ssim_tensor(x_hat, x, size_average=False).numpy()


def default_batch(model: CompressionModel) -> int:
    """Variants decoded per call: 16 on a GPU, 1 on a CPU (fastest there, see the module doc)."""
    return 16 if next(model.parameters()).is_cuda else 1


@torch.no_grad()
def decode_variants(
    model: CompressionModel,
    x: torch.Tensor,
    y_hat: torch.Tensor,
    edits: Sequence,
    batch: int | None = None,
    with_ms_ssim: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Decode ``y_hat`` edited by each ``(channel or channels, factor)`` or ``(channel or channels, factor, offset)``
    of ``edits`` (the channel becomes ``factor * y + offset``); PSNR and MS-SSIM of each."""
    batch = batch or default_batch(model)
    psnrs, msss = [], []
    size = x.shape[-2:]
    for start in range(0, len(edits), batch):
        chunk = edits[start : start + batch]
        y = y_hat.repeat(len(chunk), 1, 1, 1)
        for i, (channel, factor, *offset) in enumerate(chunk):
            y[i, channel] = y[i, channel] * factor + (offset[0] if offset else 0.0)
        x_hat = crop_to(model.synthesize(y).clamp(0, 1), size)
        p, m = _batch_quality(x, x_hat, with_ms_ssim)
        psnrs.append(p)
        msss.append(m)
    return np.concatenate(psnrs), np.concatenate(msss)


@torch.no_grad()
def ablate_channels(
    model: CompressionModel,
    x: torch.Tensor,
    channels: Sequence[int] | None = None,
    batch: int | None = None,
    with_ms_ssim: bool = True,
) -> Ablation:
    """Zero each channel of the quantized latent in turn and decode (CVQN sec. 2; AG-VAE Fig. 2 left)."""
    out = latents(model, x)
    y_hat = out["y_hat"]
    measured = np.arange(y_hat.shape[1]) if channels is None else np.asarray(channels)
    base_p, base_m = _batch_quality(x, out["x_hat"], with_ms_ssim)
    psnr, ms = decode_variants(model, x, y_hat, [(int(c), 0.0) for c in measured], batch, with_ms_ssim)
    return Ablation(measured, psnr, ms, float(base_p[0]), float(base_m[0]))


@torch.no_grad()
def ablate_set(
    model: CompressionModel, x: torch.Tensor, channel_set: Sequence[int], with_ms_ssim: bool = True
) -> dict[str, float]:
    """Zero a *set* of channels together and decode: PSNR / MS-SSIM with and without them."""
    out = latents(model, x)
    base_p, base_m = _batch_quality(x, out["x_hat"], with_ms_ssim)
    psnr, ms = decode_variants(model, x, out["y_hat"], [([int(c) for c in channel_set], 0.0)], 1, with_ms_ssim)
    return {
        "psnr": float(psnr[0]),
        "ms_ssim": float(ms[0]),
        "base_psnr": float(base_p[0]),
        "base_ms_ssim": float(base_m[0]),
        "psnr_loss": float(base_p[0] - psnr[0]),
    }


@torch.no_grad()
def mean_ablation(model: CompressionModel, x: torch.Tensor, channels: Sequence[int]) -> np.ndarray:
    """PSNR loss (dB) when each channel is replaced by its own rounded mean instead of 0 (a constant map that
    keeps the channel's offset, still a codable symbol): beside :func:`ablate_channels`' zeroing, how much of
    a channel's loss is its mean level (a shift of brightness or colour) rather than its detail."""
    out = latents(model, x)
    y_hat = out["y_hat"]
    base = _batch_quality(x, out["x_hat"], False)[0][0]
    edits = [(int(c), 0.0, float(torch.round(y_hat[:, int(c)].mean()))) for c in channels]
    return base - decode_variants(model, x, y_hat, edits, with_ms_ssim=False)[0]


@torch.no_grad()
def scale_sweep(
    model: CompressionModel, x: torch.Tensor, channel: int, factors: Sequence[float], batch: int | None = None
) -> np.ndarray:
    """PSNR after multiplying one channel of the quantized latent by each factor (AG-VAE Fig. 2 right)."""
    y_hat = latents(model, x)["y_hat"]
    return decode_variants(model, x, y_hat, [(channel, float(f)) for f in factors], batch, with_ms_ssim=False)[0]


def sweep_reading(factors: Sequence[float], sweep: Sequence[float]) -> dict[str, Any]:
    """What a :func:`scale_sweep` shows: whether PSNR rises monotonically from factor 0 to 1, the factor where it
    peaks, and what factors 0, 0.5 and the largest cost against 1 (dB; ``factors``, in any order, must hold 0, 0.5
    and 1)."""
    order = np.argsort(np.asarray(factors, float))
    f, q = np.asarray(factors, float)[order], np.asarray(sweep, float)[order]
    at = {v: float(q[int(np.flatnonzero(np.isclose(f, v))[0])]) for v in (0.0, 0.5, 1.0)}
    return {
        "monotone": bool(np.all(np.diff(q[f <= 1]) >= 0)),
        "peak": float(f[int(np.argmax(q))]),
        "at": at,
        "removal_cost": at[1.0] - at[0.0],
        "half_cost": at[1.0] - at[0.5],
        "largest": float(f[-1]),
        "largest_cost": at[1.0] - float(q[-1]),
        # 1.5 mirrors 0.5 about the peak the decoder expects: a decoder linear in the channel loses the same at both
        "mirror_cost": at[1.0] - float(q[int(np.flatnonzero(np.isclose(f, 1.5))[0])])
        if np.isclose(f, 1.5).any()
        else None,
    }


def symmetry_reading(reading: dict[str, Any], tolerance: float | None = None) -> str | None:
    """Whether a :func:`sweep_reading`'s half and 1.5 times the amplitude cost the same (rule: within
    ``tolerance`` dB, by default :data:`NEGLIGIBLE_DB`), as a decoder linear in the channel would; None
    without a factor 1.5."""
    if reading["mirror_cost"] is None:
        return None
    gap = reading["mirror_cost"] - reading["half_cost"]
    tol = NEGLIGIBLE_DB if tolerance is None else tolerance
    if abs(gap) < tol:
        return f"the same within {tol:g} dB, as a linear decoder would"
    more, less = ("above", "below") if gap > 0 else ("below", "above")
    return f"not the same: {abs(gap):.2f} dB more {more} the amplitude than {less} it, beyond {tol:g} dB"


@torch.no_grad()
def channel_bits(model: CompressionModel, x: torch.Tensor) -> np.ndarray:
    """Bits each channel of y costs under the model's entropy model (sum of -log2 likelihood).

    Models that code y in several parts (CVQN's groups) return its likelihoods in channel order
    as ``y_likelihoods``.
    """
    out = latents(model, x)
    lik = out["y_likelihoods"] if "y_likelihoods" in out else out["likelihoods"]["y"]
    return (-torch.log2(lik.double())).sum(dim=(0, 2, 3)).numpy()


RANKS_AGREE = 0.5  # Spearman's rho above which two rankings of the channels agree (below it, above 0: weakly)


def rank_agreement(rho: float, threshold: float = RANKS_AGREE) -> str:
    """How two rankings agree, read from Spearman's ``rho``: "agree" above ``threshold``, "agree only weakly"
    above 0, else "do not agree"."""
    return "agree" if rho > threshold else "agree only weakly" if rho > 0 else "do not agree"


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman rank correlation of two vectors (average ranks for ties)."""

    def ranks(v: np.ndarray) -> np.ndarray:
        order = np.argsort(v, kind="stable")
        r = np.empty(len(v))
        r[order] = np.arange(len(v))
        for value in np.unique(v):  # average ranks of ties
            tie = v == value
            if tie.sum() > 1:
                r[tie] = r[tie].mean()
        return r

    ra, rb = ranks(np.asarray(a, float)), ranks(np.asarray(b, float))
    ra, rb = ra - ra.mean(), rb - rb.mean()
    denom = np.sqrt((ra**2).sum() * (rb**2).sum())
    return float((ra * rb).sum() / denom) if denom else float("nan")


def layout_correlation(y_hat: torch.Tensor, x: torch.Tensor) -> np.ndarray:
    """|Pearson correlation| of each latent channel with the image's luminance averaged down to the
    latent's size: how much of the photo's layout a channel map shows (CVQN Fig. 3, left: "channels
    containing much more profile and context information ... are allocated more bits"). A flat
    channel scores 0."""
    planes = y_hat[0].detach().double().flatten(1)  # (C, h w)
    luma = (x[0].double() * torch.tensor([0.299, 0.587, 0.114], dtype=torch.float64)[:, None, None]).sum(0)
    size = (y_hat.shape[-2], y_hat.shape[-1])
    small = torch.nn.functional.adaptive_avg_pool2d(luma[None, None], size)[0, 0].flatten()
    a, b = planes - planes.mean(1, keepdim=True), small - small.mean()
    denom = a.norm(dim=1) * b.norm()
    r = torch.where(denom > 0, (a @ b) / denom.clamp_min(1e-300), torch.zeros_like(denom))
    return r.abs().numpy()


@dataclass
class Stability:
    """How consistently channels rank across images."""

    losses: np.ndarray  # (images, channels) PSNR loss
    mean_spearman: float  # mean pairwise rank correlation between images
    min_spearman: float
    top_overlap: float  # mean pairwise overlap of the top-k channel sets (|A & B| / k)
    k: int

    def mean_ranking(self) -> np.ndarray:
        return np.argsort(-self.losses.mean(axis=0), kind="stable")

    def top_channel(self) -> tuple[int, int]:
        """The channel most often the most important one of an image, and on how many images it is."""
        firsts = np.argmax(self.losses, axis=1)
        common = int(np.bincount(firsts).argmax())
        return common, int((firsts == common).sum())

    def halves(self) -> list[int]:
        """Per image, the channels whose single losses hold half of all (:func:`channels_for_share`)."""
        return [channels_for_share(row, 0.5) for row in self.losses]

    def uneven_everywhere(self) -> bool:
        """CVQN's "appears on all images", read as: importance is uneven on every image (rule: on each, a quarter
        of the channels or fewer hold half of the single losses)."""
        return max(self.halves()) <= self.losses.shape[1] // 4

    def same_everywhere(self, threshold: float = RANKS_AGREE) -> bool:
        """The same sentence read as: the same channels matter on every image (rule: every pair of images ranks
        the channels alike, Spearman above ``threshold``)."""
        return self.min_spearman > threshold


def importance_stability(
    model: CompressionModel, images: Sequence[torch.Tensor], k: int = 10, batch: int | None = None
) -> Stability:
    """Ablate every channel on every image; measure agreement of the rankings between images."""
    losses = np.stack([ablate_channels(model, x, batch=batch, with_ms_ssim=False).psnr_loss for x in images])
    n = len(images)
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    rhos = [spearman(losses[i], losses[j]) for i, j in pairs] or [float("nan")]
    tops = [set(np.argsort(-row)[:k]) for row in losses]
    overlaps = [len(tops[i] & tops[j]) / k for i, j in pairs] or [float("nan")]
    return Stability(losses, float(np.mean(rhos)), float(np.min(rhos)), float(np.mean(overlaps)), k)


def channels_for_share(losses: np.ndarray, share: float = 0.5) -> int:
    """How many of the most important channels hold ``share`` of the total (positive) loss.

    A ranking heuristic: the losses of separate single-channel removals do not add up to the loss of
    removing them together (PSNR is a logarithm of the MSE), and a removal that helps counts as 0."""
    v = np.sort(np.clip(np.asarray(losses, float), 0, None))[::-1]
    total = v.sum()
    if total == 0:
        return 0
    return int(np.searchsorted(np.cumsum(v) / total, share) + 1)


NEGLIGIBLE_DB = 0.1  # a channel whose removal costs less PSNR than this is one the image hardly misses


def share_of(values: np.ndarray, chosen: Sequence[int] | np.ndarray) -> float:
    """The share of the summed (positive parts of) per-channel ``values`` that the ``chosen`` channels
    hold (indices, or a boolean mask over the channels): of the bits, or of the single-channel losses
    (the same heuristic as :func:`channels_for_share`)."""
    v = np.clip(np.asarray(values, dtype=float), 0, None)
    pick = np.asarray(chosen)
    pick = pick if pick.dtype == bool else pick.astype(int)
    return float(v[pick].sum() / v.sum()) if v.sum() > 0 else 0.0


def bits_spread_more_evenly(
    bits: np.ndarray, losses: np.ndarray, top: Sequence[int], negligible: Sequence[int]
) -> bool:
    """The rule of notebook 03's bits-vs-damage reading: the entropy model spreads its bits more evenly
    than the damage when the ``top`` channels' share of the bits is below their share of the
    single-channel losses and the ``negligible`` channels' share of the bits is above theirs."""
    return share_of(bits, top) < share_of(losses, top) and share_of(bits, negligible) > share_of(losses, negligible)
