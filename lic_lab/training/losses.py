"""The rate-distortion objective (benchmark paper eq. 5: R + lambda D)."""

from __future__ import annotations

from typing import Any

import torch

from lic_lab.evaluation.metrics import ms_ssim_tensor, psnr_from_mse, total_bits


def ms_ssim_loss_value(x_hat: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Differentiable five-scale MS-SSIM (Wang et al. 2003), the batch mean.

    The workbook's one MS-SSIM, :func:`lic_lab.evaluation.metrics.ms_ssim_tensor`.

    Patches under 161 px on a side are replicate-padded like every MS-SSIM in the workbook (see
    :mod:`lic_lab.evaluation.metrics`); the padded border then weighs in the objective, so MS-SSIM
    training uses ``--patch 192`` or more.
    """
    return ms_ssim_tensor(x_hat, x, size_average=True)


def distortion_term(x: torch.Tensor, x_hat: torch.Tensor, metric: str = "mse") -> torch.Tensor:
    """``D`` of the objective: ``255^2 MSE`` or ``1 - MS-SSIM`` (batch means)."""
    if metric == "mse":
        return 255.0**2 * torch.mean((x_hat - x) ** 2)
    if metric == "ms-ssim":
        return 1.0 - ms_ssim_loss_value(x_hat.clamp(0, 1), x)
    raise ValueError(f"metric must be 'mse' or 'ms-ssim', not {metric!r}")


def rd_loss(x: torch.Tensor, out: dict[str, Any], lmbda: float, metric: str = "mse") -> dict[str, torch.Tensor]:
    """The rate-distortion objective ``R + lambda D`` (benchmark paper, eq. 5): ``bpp + lambda * 255^2 * MSE``
    (or ``bpp + lambda * (1 - MS-SSIM)``).

    The 255^2 puts lambda on the scale CompressAI quotes (MSE of 8-bit values); the benchmark paper does
    not say how it scales its distortion, so its lambdas need not compare.
    Where the model decodes one code several ways at once (``out["x_hats"]``, CBANet's ``joint``
    stage), ``D`` is the mean of their distortions; the logged MSE and PSNR are of ``out["x_hat"]``.
    Returns the loss and its parts for logging.
    """
    n, _, h, w = x.shape
    bpp = total_bits(out["likelihoods"]) / (n * h * w)
    mse = torch.mean((out["x_hat"] - x) ** 2)
    x_hats = out.get("x_hats") or [out["x_hat"]]
    distortion = torch.stack([distortion_term(x, x_hat, metric) for x_hat in x_hats]).mean()
    loss = bpp + lmbda * distortion
    psnr = psnr_from_mse(mse.detach())
    return {"loss": loss, "bpp": bpp.detach(), "mse": mse.detach(), "psnr": psnr, "distortion": distortion.detach()}
