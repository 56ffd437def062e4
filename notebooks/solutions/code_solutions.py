"""Worked solutions of the notebooks' code-writing exercises (``lic_lab.teaching.code_exercises``).

Try each exercise first; the check cell tells you whether your function is right.
``SOLUTIONS`` maps each exercise key to its solution (``tests/test_code_exercises.py`` checks them).
"""

from __future__ import annotations

import math

import numpy as np
import torch


# 01 foundations
def add_noise(y: torch.Tensor) -> torch.Tensor:
    """Training proxy of rounding: y + u, u ~ U(-1/2, 1/2)."""
    return y + torch.rand_like(y) - 0.5


def ste_round(y: torch.Tensor) -> torch.Tensor:
    """Straight-through: the forward value is round(y), the gradient is that of y."""
    return y + (torch.round(y) - y).detach()


def bin_mass(v: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
    """P(round(Y) = v), Y ~ N(0, s^2): the Gaussian's mass on [v - 1/2, v + 1/2]."""
    phi = lambda x: 0.5 * (1 + torch.erf(x / math.sqrt(2)))  # noqa: E731
    return phi((v + 0.5) / s) - phi((v - 0.5) / s)


# 02 GMM quantizer
def responsibilities(z, weights, means, stds):
    """Eq. 3's fraction: pi_q N(z | mu_q, sigma_q^2) / sum_j pi_j N(z | mu_j, sigma_j^2)."""
    log_density = torch.log(weights) - 0.5 * ((z.unsqueeze(-1) - means) / stds) ** 2 - torch.log(stds)
    return torch.softmax(log_density, dim=-1)


def gmm_quantize(z, weights, means, stds):
    """Eq. 3: the mean of the component with the largest responsibility."""
    return means[responsibilities(z, weights, means, stds).argmax(-1)]


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


# 04 importance map
def quantize_importance(p: torch.Tensor, L: int) -> torch.Tensor:
    """Eq. 3 of CWIC: l for l / L <= p < (l + 1) / L."""
    return (p * L).floor().clamp(0, L - 1).long()


def importance_mask(qi: torch.Tensor, n: int, L: int) -> torch.Tensor:
    """Eq. 4: channel k of position (i, j) is kept when k < n qi(i, j) / L."""
    k = torch.arange(n).view(1, -1, 1, 1)
    return (k < (n // L) * qi.unsqueeze(1)).float()


# 05 gain units
def split_rate(R: float, levels: int) -> tuple[int, float]:
    """R = s + l with the last level reached at l = 1 of the level below."""
    s = min(int(math.floor(R)), levels - 1)
    return s, R - s


def interpolate(low: torch.Tensor, high: torch.Tensor, l: float) -> torch.Tensor:
    """Eq. 8: the exponential (geometric) interpolation of two gain vectors."""
    return low ** (1 - l) * high**l


# 06 CBANet
def bal(y: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Eq. 8: shrink the base-rate latent."""
    return y * (1 - torch.sigmoid(b))


def ibal(y: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Eq. 9: expand the decoded latent back."""
    return y * (1 + torch.relu(b))


# 07 benchmark
def bd_rate(rate_a, psnr_a, rate_t, psnr_t, integral) -> float:
    """Bjontegaard delta rate (%): mean log-rate difference over the common PSNR range."""
    qa, qt = np.asarray(psnr_a, float), np.asarray(psnr_t, float)
    la, lt = np.log(np.asarray(rate_a, float)), np.log(np.asarray(rate_t, float))
    oa, ot = np.argsort(qa), np.argsort(qt)
    lo, hi = max(qa.min(), qt.min()), min(qa.max(), qt.max())
    mean_gap = (integral(qt[ot], lt[ot], lo, hi) - integral(qa[oa], la[oa], lo, hi)) / (hi - lo)
    return (math.exp(mean_gap) - 1) * 100


def overlap_db(psnr_a, psnr_t) -> float:
    """Width of the PSNR interval both curves cover."""
    return max(0.0, min(max(psnr_a), max(psnr_t)) - max(min(psnr_a), min(psnr_t)))


SOLUTIONS = {
    "01.noise": add_noise, "01.ste": ste_round, "01.bin_mass": bin_mass,
    "02.responsibilities": responsibilities, "02.gmm_quantize": gmm_quantize,
    "03.channel_bits": channel_bits, "03.spearman": spearman,
    "04.quantize_importance": quantize_importance, "04.importance_mask": importance_mask,
    "05.split_rate": split_rate, "05.interpolate": interpolate,
    "06.bal": bal, "06.ibal": ibal,
    "07.bd_rate": bd_rate, "07.overlap": overlap_db,
}
