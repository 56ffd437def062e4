"""The rate-distortion objective (benchmark paper eq. 5: R + lambda D)."""
from __future__ import annotations

from typing import Any

import torch
from pytorch_msssim import ms_ssim

from lic_lab.evaluation.metrics import total_bits


def ms_ssim_loss_value(x_hat: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Differentiable five-scale MS-SSIM (Wang et al. 2003) through pytorch-msssim.

    Five scales with the standard 11-tap window need patches larger than 160 px, so MS-SSIM
    training uses ``--patch 192`` or more.
    """
    if min(x.shape[-2:]) <= 160:
        raise ValueError("MS-SSIM training needs patches larger than 160 px (use --patch 192)")
    return ms_ssim(x_hat, x, data_range=1.0, size_average=True)


def distortion_term(x: torch.Tensor, x_hat: torch.Tensor, metric: str = "mse") -> torch.Tensor:
    """``D`` of the objective: ``255^2 MSE`` or ``1 - MS-SSIM`` (batch means)."""
    if metric == "mse":
        return 255.0**2 * torch.mean((x_hat - x) ** 2)
    if metric == "ms-ssim":
        return 1.0 - ms_ssim_loss_value(x_hat.clamp(0, 1), x)
    raise ValueError(f"metric must be 'mse' or 'ms-ssim', not {metric!r}")


def rd_loss(x: torch.Tensor, out: dict[str, Any], lmbda: float, metric: str = "mse") -> dict[str, torch.Tensor]:
    """``bpp + lambda * 255^2 * MSE`` (or ``bpp + lambda * (1 - MS-SSIM)``).

    The 255^2 puts lambda on the scale CompressAI and the papers quote (MSE of 8-bit values).
    Returns the loss and its parts for logging.
    """
    n, _, h, w = x.shape
    bpp = total_bits(out["likelihoods"]) / (n * h * w)
    mse = torch.mean((out["x_hat"] - x) ** 2)
    distortion = distortion_term(x, out["x_hat"], metric)
    loss = bpp + lmbda * distortion
    psnr = -10 * torch.log10(mse.detach().clamp_min(1e-10))
    return {"loss": loss, "bpp": bpp.detach(), "mse": mse.detach(), "psnr": psnr,
            "distortion": distortion.detach()}


