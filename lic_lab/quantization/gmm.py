"""CVQN's GMM quantizer (Zhong et al., sec. 3.2, eqs. 2-5) and the soft quantizer it generalises.

A finite quantizer with ``Q`` levels: the prior of every latent value is a Gaussian mixture
``p(z) = sum_q pi_q N(z | mu_q, sigma_q^2)`` (eq. 2) with learned weights, means and scales.

* forward: the mean with the largest responsibility, ``z_hat = argmax_mu_j pi_j N(z|mu_j) / sum_q ...`` (eq. 3);
* backward: through the soft relaxation ``z_tilde = sum_j resp_j(z) mu_j`` (eq. 4);
* the mixture is learned by back-propagating its negative log-likelihood (eq. 5), not by EM;
* the index of the chosen level is the symbol an entropy coder codes.

With equal weights and ``sigma = sqrt(2) / 2`` the responsibilities become
``softmax(-(z - mu_j)^2)``: the soft quantizer of Agustsson et al. (2017) / Mentzer et al. (2018)
with hardness 1 (:func:`soft_quantize`).
"""

from __future__ import annotations

import math

import torch
from torch import nn


def soft_quantize(z: torch.Tensor, centers: torch.Tensor, hardness: float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
    """The soft quantizer: ``(hard, soft)`` values with ``soft = sum_j softmax(-h (z - c_j)^2)_j c_j``."""
    weights = torch.softmax(-hardness * (z.unsqueeze(-1) - centers) ** 2, dim=-1)
    soft = (weights * centers).sum(-1)
    hard = centers[weights.argmax(-1)]
    return hard, soft


class GMMQuantizer(nn.Module):
    """Learned ``Q``-level Gaussian-mixture quantizer (eqs. 2-5).

    Means start evenly spaced around zero (one unit apart), scales at ``sqrt(2)/2`` and weights
    equal: exactly the soft quantizer with integer centres, from which training moves away.
    """

    def __init__(self, levels: int, spacing: float = 1.0):
        super().__init__()
        if levels < 2:
            raise ValueError("a quantizer needs at least 2 levels")
        self.levels, self.spacing = levels, spacing
        self.means = nn.Parameter(torch.empty(levels))
        self.log_scales = nn.Parameter(torch.empty(levels))
        self.logits = nn.Parameter(torch.empty(levels))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Back to the soft quantizer: integer-spaced means, ``sigma = sqrt(2)/2``, equal weights."""
        with torch.no_grad():
            self.means.copy_(self.spacing * (torch.arange(self.levels, dtype=torch.float32) - (self.levels - 1) / 2))
            self.log_scales.fill_(math.log(math.sqrt(2) / 2))
            self.logits.zero_()

    def component_log_density(self, z: torch.Tensor) -> torch.Tensor:
        """``log pi_q + log N(z | mu_q, sigma_q^2)`` for every value and level (last dim = level)."""
        scales = self.log_scales.exp()
        d = (z.unsqueeze(-1) - self.means) / scales
        return torch.log_softmax(self.logits, 0) - 0.5 * d**2 - self.log_scales - 0.5 * math.log(2 * math.pi)

    def responsibilities(self, z: torch.Tensor) -> torch.Tensor:
        """Posterior probability of each level given each value (the fraction in eqs. 3-4)."""
        return torch.softmax(self.component_log_density(z), dim=-1)

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(z_hat, indices)``: the hard value of eq. 3 forward, the gradient of eq. 4 backward."""
        resp = self.responsibilities(z)
        indices = resp.argmax(-1)
        hard = self.means[indices]
        if not self.training:  # exactly the dequantized value a decoder computes (no float residue)
            return hard, indices
        soft = (resp * self.means).sum(-1)
        return soft + (hard - soft).detach(), indices

    def nll(self, z: torch.Tensor) -> torch.Tensor:
        """Eq. 5: ``-sum_i log sum_q pi_q N(z_i | mu_q, sigma_q^2)`` (nats)."""
        return -torch.logsumexp(self.component_log_density(z), dim=-1).sum()

    def dequantize(self, indices: torch.Tensor) -> torch.Tensor:
        """The values that symbol indices stand for (what a decoder does)."""
        if indices.numel() and (int(indices.min()) < 0 or int(indices.max()) >= self.levels):
            raise ValueError(f"symbol indices must lie in 0..{self.levels - 1}")
        return self.means.detach()[indices]


TOY_DISTRIBUTIONS = ("gaussian", "laplacian", "bimodal", "uniform")


def toy_samples(kind: str, n: int = 2000, seed: int = 0) -> torch.Tensor:
    """1-D samples for the quantizer toy: a latent-like distribution of one of four shapes."""
    g = torch.Generator().manual_seed(seed)
    if kind == "gaussian":
        return 1.5 * torch.randn(n, generator=g)
    if kind == "laplacian":
        u = torch.rand(n, generator=g) - 0.5
        return -torch.sign(u) * torch.log1p(-2 * u.abs())
    if kind == "bimodal":
        return 0.5 * torch.randn(n, generator=g) + 2.0 * torch.where(torch.rand(n, generator=g) < 0.5, -1.0, 1.0)
    if kind == "uniform":
        return 6 * torch.rand(n, generator=g) - 3
    raise ValueError(f"distribution must be one of {TOY_DISTRIBUTIONS}, not {kind!r}")


def fit_gmm(samples: torch.Tensor, levels: int, steps: int = 300, lr: float = 0.05) -> tuple[GMMQuantizer, list[float]]:
    """Fit a quantizer to samples by minimising eq. 5 (mean per sample) with Adam, as CVQN does (not EM).

    Returns the quantizer and the loss after each step.
    """
    quantizer = GMMQuantizer(levels)
    opt = torch.optim.Adam(quantizer.parameters(), lr=lr)
    history = []
    for _ in range(steps):
        opt.zero_grad()
        loss = quantizer.nll(samples) / samples.numel()
        loss.backward()
        opt.step()
        history.append(loss.item())
    return quantizer, history


@torch.no_grad()
def quantizer_stats(quantizer: GMMQuantizer, samples: torch.Tensor) -> dict[str, float]:
    """How a quantizer treats samples: MSE, entropy of the indices vs ``log2 Q``, and how many
    samples eq. 3 sends to a level other than the nearest mean (unequal weights and scales)."""
    z_hat, idx = quantizer(samples)
    counts = torch.bincount(idx, minlength=quantizer.levels).double()
    p = counts[counts > 0] / counts.sum()
    nearest = (samples.unsqueeze(-1) - quantizer.means).abs().argmin(-1)
    return {
        "mse": float(((samples - z_hat) ** 2).mean()),
        "entropy_bits": float(-(p * p.log2()).sum()),
        "bound_bits": math.log2(quantizer.levels),
        "not_nearest": float((idx != nearest).double().mean()),
        "used_levels": int((counts > 0).sum()),
    }
