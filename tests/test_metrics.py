import math

import pytest
import torch

from lic_lab.evaluation import metrics

# A published pair of curves (libx265 presets, the `bjontegaard` package's README example); the
# reference values are that package's PCHIP (matches the JCT-VC CTC sheet) and VCEG-M33 cubic results.
RATE_A = [9487.76, 4593.60, 2486.44, 1358.24]
PSNR_A = [40.037, 38.615, 36.845, 34.851]
RATE_T = [9787.80, 4469.00, 2451.52, 1356.24]
PSNR_T = [40.121, 38.651, 36.970, 34.987]


def test_bd_rate_matches_published_pchip():
    assert metrics.bd_rate(RATE_A, PSNR_A, RATE_T, PSNR_T) == pytest.approx(-4.417485350589045, abs=1e-6)
    assert metrics.bd_psnr(RATE_A, PSNR_A, RATE_T, PSNR_T) == pytest.approx(0.11969278542479489, abs=1e-6)


def test_bd_rate_matches_published_cubic():
    assert metrics.bd_rate(RATE_A, PSNR_A, RATE_T, PSNR_T, "cubic") == pytest.approx(-4.420462706026296, abs=1e-6)
    assert metrics.bd_psnr(RATE_A, PSNR_A, RATE_T, PSNR_T, "cubic") == pytest.approx(0.12040941911471303, abs=1e-6)


def test_bd_rate_of_scaled_curve_is_exact():
    rates = [0.2, 0.4, 0.8, 1.6]
    q = [28.0, 30.5, 33.0, 35.0]
    assert metrics.bd_rate(rates, q, [r * 0.8 for r in rates], q) == pytest.approx(-20.0, abs=1e-9)
    assert metrics.bd_psnr(rates, q, rates, [v + 0.5 for v in q]) == pytest.approx(0.5, abs=1e-9)
    with pytest.raises(ValueError, match="overlap"):
        metrics.bd_rate(rates, q, rates, [v + 20 for v in q])


def test_psnr_and_msssim():
    x = torch.rand(1, 3, 64, 64)
    y = (x + 0.01).clamp(0, 1)
    mse = torch.mean((x.double() - y.double()) ** 2).item()
    assert metrics.psnr(x, y) == pytest.approx(10 * math.log10(1 / mse))
    assert metrics.psnr(x, x) == math.inf
    assert metrics.ms_ssim(x, x) == pytest.approx(1.0, abs=1e-5)
    assert 0 < metrics.ms_ssim(x, torch.rand(1, 3, 64, 64)) < 0.5
    assert metrics.ms_ssim_db(0.99) == pytest.approx(20.0)


def test_bpp():
    assert metrics.bpp_from_bytes(96, 16, 16) == 3.0
    lik = {"y": torch.full((1, 2, 4, 4), 0.5), "z": torch.full((1, 1, 1, 1), 0.25)}
    assert metrics.bpp_from_likelihoods(lik, 4, 8) == pytest.approx((32 + 2) / 32)
