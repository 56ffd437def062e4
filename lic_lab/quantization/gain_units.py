"""Gain units and exponential interpolation (AG-VAE, Cui et al. 2021, sec. 3.1-3.4).

A gain unit scales each latent channel by a learned factor, one vector per discrete rate level:
``y_bar = y * m_s`` (eqs. 2-3). After rounding (eq. 4), an *inverse* gain unit with its own learned
vector maps the code back: ``y' = y_hat * m'_s`` (eq. 5). A larger gain spreads a channel over more
quantization bins (more bits, less error); a smaller one collapses it (fewer bits).

Between two trained levels the pairs are interpolated *exponentially* (eqs. 7-8):
``m_v = m_s^(1-l) * m_{s+1}^l`` (and the same for ``m'``), which keeps ``m_v * m'_v`` on the
geometric path between the two products. Rates are written ``R = s + l`` with levels numbered
``1 .. n`` (``l`` in ``[0, 1]``), so ``R = 3.0`` is exactly level 3 and ``R = 3.5`` lies halfway
to level 4.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from lic_lab.errors import UsageError

INTERPOLATIONS = ("exponential", "linear")


def split_rate(rate: float, levels: int) -> tuple[int, float]:
    """``R -> (s, l)`` with ``1 <= s <= levels - 1`` and ``0 <= l <= 1`` (so ``R = s + l``)."""
    if not isinstance(rate, (int, float)) or not math.isfinite(rate):
        raise UsageError(f"rate must be a real number, got {rate!r}")
    if not 1 <= rate <= levels:
        raise UsageError(f"rate {rate:g} is outside this model's range 1..{levels}")
    if levels == 1:
        return 1, 0.0
    s = min(int(math.floor(rate)), levels - 1)
    return s, float(rate - s)


def interpolate(low: torch.Tensor, high: torch.Tensor, l: float, mode: str = "exponential") -> torch.Tensor:
    """Gain vector between two levels: ``low^(1-l) * high^l`` (eq. 8) or, for comparison, linear.

    Exactly ``low`` at ``l = 0`` and ``high`` at ``l = 1`` for both modes.
    """
    if mode not in INTERPOLATIONS:
        raise UsageError(f"interpolation must be one of {INTERPOLATIONS}")
    if l == 0:
        return low
    if l == 1:
        return high
    if mode == "linear":
        return (1 - l) * low + l * high
    return low.pow(1 - l) * high.pow(l)


class GainUnit(nn.Module):
    """A gain matrix of shape ``[levels, channels]`` (eq. 2: ``M``), applied channel-wise.

    Stored unconstrained and used through ``abs()`` (gains must be positive for eq. 8). Initialised
    to ones (a model warm-started from a fixed-rate one then begins as that model at every level) or
    to one value per level, e.g. ``sqrt(lambda_s / lambda_ref)``: the high-rate rule that the
    quantization step should shrink as ``lambda^-1/2``, which starts each level near its rate.
    """

    def __init__(self, levels: int, channels: int, init: list[float] | None = None):
        super().__init__()
        self.levels = levels
        rows = torch.ones(levels) if init is None else torch.tensor([float(g) for g in init])
        if rows.shape != (levels,) or not (rows > 0).all():
            raise ValueError(f"gain init needs {levels} positive values")
        self.matrix = nn.Parameter(rows[:, None].repeat(1, channels))

    def vector(self, rate: float, mode: str = "exponential") -> torch.Tensor:
        """The gain vector ``m`` at a (continuous) rate ``R = s + l``; ``|M|`` rows are the levels."""
        s, l = split_rate(rate, self.levels)
        gains = self.matrix.abs()
        if self.levels == 1:
            return gains[0]
        return interpolate(gains[s - 1], gains[s], l, mode)

    def forward(self, y: torch.Tensor, rate: float, mode: str = "exponential") -> torch.Tensor:
        """``y * m`` channel-wise (eqs. 2-3 for the gain unit, eq. 5 for the inverse unit)."""
        return y * self.vector(rate, mode).view(1, -1, 1, 1)
