"""Worked solutions of the notebooks' code-writing exercises (``lic_lab.teaching.code_exercises``).

Try each exercise first; the check cell tells you whether your function is right.
``SOLUTIONS`` maps each exercise key to its solution (``tests/test_code_exercises.py`` checks them).
"""

from __future__ import annotations

import math

import numpy as np
import torch


# 01 foundations
def add_noise(y: torch.Tensor, step: float) -> torch.Tensor:
    """Noise proxy of round(y / step) * step: y + u, u ~ U(-step/2, step/2), one bin wide."""
    return y + (torch.rand_like(y) - 0.5) * step


def ste_round(y: torch.Tensor, step: float) -> torch.Tensor:
    """Straight-through: the forward value is round(y / step) * step, the gradient is that of y."""
    return y + (torch.round(y / step) * step - y).detach()


def bin_mass(v: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """P(round(Y) = v), Y ~ Laplace(0, b): the CDF's rise across [v - 1/2, v + 1/2]."""
    cdf = lambda x: 0.5 + 0.5 * torch.sign(x) * (1 - torch.exp(-x.abs() / b))  # noqa: E731
    return cdf(v + 0.5) - cdf(v - 0.5)


# 02 GMM quantizer
def responsibilities(z, weights, means, stds):
    """Eq. 3's fraction: pi_q N(z | mu_q, sigma_q^2) / sum_j pi_j N(z | mu_j, sigma_j^2)."""
    log_density = torch.log(weights) - 0.5 * ((z.unsqueeze(-1) - means) / stds) ** 2 - torch.log(stds)
    return torch.softmax(log_density, dim=-1)


def gmm_nll(z, weights, means, stds):
    """Eq. 5: -sum_i log sum_q pi_q N(z_i | mu_q, sigma_q^2), in nats."""
    d = (z.unsqueeze(-1) - means) / stds
    log_joint = torch.log(weights) - 0.5 * d**2 - torch.log(stds) - 0.5 * math.log(2 * math.pi)
    return -torch.logsumexp(log_joint, dim=-1).sum()



def context_offsets(order: tuple[int, int], first: bool) -> list[tuple[int, int, int]]:
    """The 3x3x3 offsets a masked layer keeps: those that lower t = a c + b h + w (and, after the first layer,
    those that keep it)."""
    a, b = order
    keep = []
    for dc in (-1, 0, 1):
        for dh in (-1, 0, 1):
            for dw in (-1, 0, 1):
                t = a * dc + b * dh + dw
                if t < 0 or (t == 0 and not first):
                    keep.append((dc, dh, dw))
    return keep


# 03 channels
def channel_bits(likelihoods: torch.Tensor) -> torch.Tensor:
    """Bits per channel: -log2 p summed over batch, rows and columns."""
    return (-torch.log2(likelihoods.double())).sum(dim=(0, 2, 3))


def spearman(a, b) -> float:
    """Pearson correlation of the (average-tied) ranks."""

    def ranks(v):
        v = np.asarray(v, dtype=float)
        order = np.argsort(v, kind="stable")
        r = np.empty(len(v))
        r[order] = np.arange(len(v), dtype=float)
        for value in np.unique(v):  # ties share their average rank
            r[v == value] = r[v == value].mean()
        return r

    return float(np.corrcoef(ranks(a), ranks(b))[0, 1])


def channels_for_share(losses, share: float) -> int:
    """The fewest channels, largest loss first, whose (positive) losses reach ``share`` of their sum."""
    v = np.sort(np.clip(np.asarray(losses, dtype=float), 0, None))[::-1]
    if v.sum() == 0:
        return 0
    running = np.cumsum(v) / v.sum()
    return int(np.argmax(running >= share) + 1)  # the first count that reaches the share


def psnr_without(model, y_hat: torch.Tensor, x: torch.Tensor, c: int) -> float:
    """Zero channel c of a copy of y_hat, decode, crop to x's size, clamp, and measure PSNR (dB)."""
    y = y_hat.clone()
    y[:, c] = 0
    with torch.no_grad():
        x_hat = model.synthesize(y)[..., : x.shape[-2], : x.shape[-1]].clamp(0, 1)
    return float(10 * torch.log10(1 / torch.mean((x_hat - x) ** 2)))


# 04 importance map
def rate_loss(mask: torch.Tensor, r: float) -> torch.Tensor:
    """Eqs. 7-8 of CWIC: max(0, sum of the mask - r n h w) per image, averaged over the batch."""
    n, c, h, w = mask.shape
    return torch.clamp(mask.sum(dim=(1, 2, 3)) - r * c * h * w, min=0).mean()


def importance_from_mask(mask: torch.Tensor, L: int) -> torch.Tensor:
    """Eq. 4 undone: a position keeps n QI / L channels, so QI = (kept channels) L / n."""
    n = mask.shape[1]
    return (mask.sum(dim=1) * L / n).round().long()


def inclined_mask(channels: int, kh: int, kw: int, first: bool) -> torch.Tensor:
    """Eqs. 26-27 on a kh x kw kernel: keep input channel k at offset (i, j) for output channel t when
    (k - t) + i + j < 0 (input layer) or <= 0 (hidden layers): every tap lies on an earlier inclined plane."""
    t = torch.arange(channels).view(-1, 1, 1, 1)
    k = torch.arange(channels).view(1, -1, 1, 1)
    i = torch.arange(-(kh // 2), kh // 2 + 1).view(1, 1, -1, 1)
    j = torch.arange(-(kw // 2), kw // 2 + 1).view(1, 1, 1, -1)
    key = (k - t) + i + j
    return (key < 0 if first else key <= 0).float()


# 05 gain units
def interpolation_weight(low: torch.Tensor, high: torch.Tensor, m: torch.Tensor) -> float:
    """Eq. 8 backwards: log m = (1 - l) log low + l log high, so l = log(m / low) / log(high / low)
    in every channel (the mean over channels, which agree)."""
    return float((torch.log(m / low) / torch.log(high / low)).mean())


def gains_at(matrix: torch.Tensor, rates: torch.Tensor) -> torch.Tensor:
    """split_rate and eq. 8 for many rates: s = floor(R) kept below the top level, l = R - s, rows s - 1 and s."""
    levels = matrix.shape[0]
    s = rates.floor().long().clamp(1, levels - 1)
    l = (rates - s).unsqueeze(1)  # noqa: E741
    return matrix[s - 1] ** (1 - l) * matrix[s] ** l


# 06 CBANet
def bal(y: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Eq. 8: shrink the base-rate latent."""
    return y * (1 - torch.sigmoid(b))


def ibal(y: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Eq. 9: expand the decoded latent back."""
    return y * (1 + torch.relu(b))


# 07 benchmark
def bd_psnr(rate_a, psnr_a, rate_t, psnr_t, integral) -> float:
    """Mean PSNR gap (dB) of test over anchor at equal rate: PSNR as a function of ln(rate), integrated
    over the ln-rate range both cover, divided by its width."""
    xa, xt = np.log(np.asarray(rate_a, float)), np.log(np.asarray(rate_t, float))
    oa, ot = np.argsort(xa), np.argsort(xt)
    xa, ya, xt, yt = xa[oa], np.asarray(psnr_a, float)[oa], xt[ot], np.asarray(psnr_t, float)[ot]
    lo, hi = max(xa[0], xt[0]), min(xa[-1], xt[-1])
    return (integral(xt, yt, lo, hi) - integral(xa, ya, lo, hi)) / (hi - lo)


def rate_overlap(rate_a, rate_t) -> float:
    """Width in ln(bpp) of the bitrate range both curves cover; 0 if they do not overlap."""
    lo, hi = max(min(rate_a), min(rate_t)), min(max(rate_a), max(rate_t))
    return math.log(hi / lo) if hi > lo else 0.0


SOLUTIONS = {
    "01.noise": add_noise, "01.ste": ste_round, "01.bin_mass": bin_mass,
    "02.responsibilities": responsibilities, "02.gmm_nll": gmm_nll, "02.context_offsets": context_offsets,
    "03.channel_bits": channel_bits, "03.spearman": spearman,
    "03.channels_for_share": channels_for_share, "03.psnr_without": psnr_without,
    "04.rate_loss": rate_loss, "04.importance_from_mask": importance_from_mask, "04.inclined_mask": inclined_mask,
    "05.interpolation_weight": interpolation_weight, "05.gains_at": gains_at,
    "06.bal": bal, "06.ibal": ibal,
    "07.bd_psnr": bd_psnr, "07.rate_overlap": rate_overlap,
}
