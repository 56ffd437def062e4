"""CWIC's importance map (Li et al., sec. 3.1.2-3.1.3, 3.2 and 3.3.2).

An importance map ``p in (0, 1)^{h x w}`` says how many of the ``n`` code channels each position
keeps: ``QI(p) = floor(L p)`` (eq. 3), and the binary mask keeps channel ``k`` at ``(i, j)`` when
``k < n QI(p_ij) / L`` (eq. 4). The number of kept codes is the rate proxy: the rate loss
penalises it above ``r n h w`` (eqs. 7-8).

Learning ``p`` through the floor needs a relaxation. The paper's two-stage scheme (sec. 3.3.2):
first, for each position, the level ``l*`` that minimises a first-order (Taylor) proxy of the
distortion plus the rate penalty (eqs. 13-17); then a continuous loss pulls ``L p`` toward ``l*``
(eqs. 18-19).
"""

from __future__ import annotations

import torch


def quantize_importance(p: torch.Tensor, levels: int) -> torch.Tensor:
    """Eq. 3: ``QI(p) = l`` for ``l / L <= p < (l + 1) / L`` (integers ``0 .. L-1``)."""
    return (p * levels).floor().clamp(0, levels - 1).long()


def importance_mask(qi: torch.Tensor, channels: int, levels: int) -> torch.Tensor:
    """Eq. 4: (N, h, w) levels -> (N, n, h, w) mask, 1 where ``k < n QI / L``."""
    if channels % levels:
        raise ValueError(f"the paper assumes n mod L = 0 (n = {channels}, L = {levels})")
    k = torch.arange(channels, device=qi.device).view(1, -1, 1, 1)
    return (k < (channels // levels) * qi.unsqueeze(1)).to(torch.float32)


def rate_loss(mask: torch.Tensor, ratio: float) -> torch.Tensor:
    """Eqs. 7-8: ``max(0, sum m - r n h w)`` per image, averaged over the batch."""
    n, c, h, w = mask.shape
    return (mask.flatten(1).sum(1) - ratio * c * h * w).clamp_min(0).mean()


def importance_targets(
    grad: torch.Tensor, mask: torch.Tensor, levels: int, ratio: float, gamma: float, xi: float = 0.1
) -> torch.Tensor:
    """Eqs. 15-17: the level ``l*`` of each position, (N, h, w), from ``dL_D/dz`` at the current code.

    Keeping channel ``k`` lets its code move by up to ``xi`` and lower the distortion by at most
    ``xi |dL_D/dz_k|`` (the Taylor proxy of eq. 13); when the image is over its budget at the
    current ``mask`` (``sum m >= r n h w``) every kept code also pays ``gamma``. Each position tries
    the ``L`` masks ``s_l`` (the first ``n l / L`` channels kept) and takes the best (eq. 17).
    """
    n, c, h, w = grad.shape
    per = c // levels
    gain = torch.cumsum(xi * grad.abs(), dim=1)  # xi * sum of |g| over the first k + 1 channels
    kept_gain = torch.cat([torch.zeros_like(gain[:, :1]), gain[:, per - 1 :: per][:, : levels - 1]], 1)  # (N, L, h, w)
    over = (mask.flatten(1).sum(1) >= ratio * c * h * w).view(n, 1, 1, 1).to(grad.dtype)
    kept = per * torch.arange(levels, device=grad.device, dtype=grad.dtype).view(1, -1, 1, 1)
    return (-kept_gain + over * gamma * kept).argmin(1)


def importance_loss(p: torch.Tensor, targets: torch.Tensor, levels: int, alpha: float = 0.001) -> torch.Tensor:
    """Eqs. 18-19: a pull of ``L p`` toward ``l*`` whose gradient is ``-alpha`` / ``+alpha`` / 0 (eq. 19).

    Eq. 18 as printed, ``alpha |l* - p L|``, has the gradient ``L alpha``; we scale by ``1 / L`` so
    the gradient is eq. 19's (summed over positions, averaged over the batch).
    """
    return alpha * (targets.float() / levels - p).abs().flatten(1).sum(1).mean()


def gamma_for_ratio(grad: torch.Tensor, levels: int, kept: float, xi: float = 0.1, steps: int = 60) -> float:
    """The ``gamma`` at which eq. 17's targets keep, on average, the share ``kept`` of the codes.

    The paper picks ``gamma`` per rate "to make the gradient of L_R comparable to that of L_D";
    this measures that balance on ``dL_D/dz`` of a (pre-trained) model: with every image over its
    budget, a larger ``gamma`` lowers every target, so a bisection on ``log gamma`` finds the value
    whose targets keep ``kept n h w`` codes. The zoo calibrates at half the budget, ``kept = r / 2``:
    an image over budget is then pulled clearly below it, and the mask settles near ``r``.
    """
    n, c, h, w = grad.shape
    over = torch.ones_like(grad)  # sum m = n h w >= r n h w: every image pays gamma

    def share(gamma: float) -> float:
        return float(importance_targets(grad, over, levels, kept, gamma, xi).float().mean()) / levels

    lo, hi = -20.0, 5.0  # log10 gamma
    for _ in range(steps):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if share(10**mid) > kept else (lo, mid)
    return 10 ** ((lo + hi) / 2)
