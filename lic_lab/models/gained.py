"""AG-VAE (Cui et al. 2021): one mean-scale hyperprior model for any rate, through gain units.

Assembled from :mod:`lic_lab.quantization.gain_units` and the foundation's mean-scale hyperprior:

* CVR (sec. 3.2-3.3): ``y_bar = y * m_s`` before rounding and ``y' = y_hat * m'_s`` after it
  (eqs. 2-5), one (m, m') pair per trained level, exponential interpolation between neighbours
  (eqs. 7-8) for any rate ``R = s + l`` in ``[1, levels]``;
* HCVR (sec. 3.4, ``hyper_gains=True``): a second pair of gain units around the hyperprior ``z``;
* the asymmetric Gaussian entropy model (sec. 3.5, eq. 10, ``asymmetric=True``): ``h_s`` predicts
  a mean and a left and a right scale per latent element.

The lab model keeps the foundation's transforms (N = 64, M = 96, 5x5 convolutions, GDN) and leaves
out what the paper adds on top (attention modules, a context model, universal quantization), so
the experiments isolate the gain units and the entropy model.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from lic_lab.entropy import AsymmetricGaussianConditional
from lic_lab.errors import UsageError
from lic_lab.layers import conv
from lic_lab.models.balle import MeanScaleHyperprior
from lic_lab.models.base import register
from lic_lab.quantization.gain_units import INTERPOLATIONS, GainUnit, split_rate

LINEAR_MARKER = b"linear-interpolation"


@register
class GainedMeanScale(MeanScaleHyperprior):
    """Mean-scale hyperprior with gain units (CVR or HCVR), symmetric or asymmetric Gaussian."""

    arch = "gained_mean_scale"
    rate_range: tuple[float, float]  # set by __init__: every gained model is variable-rate

    def __init__(
        self,
        N: int = 64,
        M: int = 96,
        levels: int = 5,
        hyper_gains: bool = True,
        asymmetric: bool = True,
        gain_init: list[float] | None = None,
        **kw: Any,
    ):
        if levels < 1:
            raise ValueError("levels must be at least 1")
        super().__init__(
            N=N, M=M, levels=levels, hyper_gains=hyper_gains, asymmetric=asymmetric, gain_init=gain_init, **kw
        )
        self.levels, self.hyper_gains, self.asymmetric = levels, hyper_gains, asymmetric
        self.gain = GainUnit(levels, M, gain_init)
        self.inverse_gain = GainUnit(levels, M, [1 / g for g in gain_init] if gain_init else None)
        if hyper_gains:
            self.hyper_gain = GainUnit(levels, N)
            self.hyper_inverse_gain = GainUnit(levels, N)
        if asymmetric:
            self.gaussian = AsymmetricGaussianConditional()
        self.rate_range = (1.0, float(levels))
        self.interpolation = "exponential"
        self.set_rate(float(levels))

    # --- the rate ------------------------------------------------------------------------
    def set_rate(self, rate: float, interpolation: str | None = None) -> None:
        """Rate ``R = s + l`` in ``[1, levels]``; written into every bitstream's header."""
        split_rate(rate, self.levels)  # validates
        if interpolation is not None:
            if interpolation not in INTERPOLATIONS:
                raise UsageError(f"interpolation must be one of {INTERPOLATIONS}")
            self.interpolation = interpolation
        # the header stores the rate as float32: use exactly that value on both sides, so the
        # decoder's gains (and hence its entropy parameters) match the encoder's bit for bit
        self.rate = float(np.float32(rate))
        self.setting = self.rate

    def rate_split(self) -> tuple[int, float]:
        """The current rate as (level s, interpolation coefficient l)."""
        return split_rate(self.rate, self.levels)

    # --- the gain units around the quantizers -----------------------------------------------
    def latent_to_code(self, y: torch.Tensor) -> torch.Tensor:
        """Gain unit, eqs. 2-3: ``y * m_R``."""
        return self.gain(y, self.rate, self.interpolation)

    def code_to_latent(self, y_hat: torch.Tensor) -> torch.Tensor:
        """Inverse gain unit, eq. 5: ``y_hat * m'_R``."""
        return self.inverse_gain(y_hat, self.rate, self.interpolation)

    def hyper_analysis(self, y: torch.Tensor) -> torch.Tensor:
        """HCVR (sec. 3.4): the hyper latent is gained too, so the side information scales with R."""
        z = super().hyper_analysis(y)
        return self.hyper_gain(z, self.rate, self.interpolation) if self.hyper_gains else z

    def build_hyper_synthesis(self) -> nn.Sequential:
        if not self.config["asymmetric"]:
            return super().build_hyper_synthesis()
        m = self.M  # the mean-scale head, with a third block of M outputs: (left, right, mean)
        return nn.Sequential(*list(super().build_hyper_synthesis())[:-1], conv(m * 3 // 2, 3 * m, 3, 1))

    def entropy_parameters(self, z_hat: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(scales, means); with ``asymmetric`` the scales are stacked (left, right) (eq. 10)."""
        if self.hyper_gains:
            z_hat = self.hyper_inverse_gain(z_hat, self.rate, self.interpolation)
        if not self.asymmetric:
            return super().entropy_parameters(z_hat)
        left, right, means = self.h_s(z_hat).chunk(3, dim=1)
        return torch.stack([left, right]), means

    def adapt_state(self, state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Warm start from a mean-scale model: its scale head initialises both the left and right heads."""
        if not self.asymmetric:
            return state
        key = f"h_s.{len(self.h_s) - 1}"
        weight, bias = state.get(f"{key}.weight"), state.get(f"{key}.bias")
        if weight is not None and bias is not None and weight.shape[0] == 2 * self.M:
            state[f"{key}.weight"] = torch.cat([weight[: self.M], weight[: self.M], weight[self.M :]])
            state[f"{key}.bias"] = torch.cat([bias[: self.M], bias[: self.M], bias[self.M :]])
        return state

    # --- the interpolation mode travels with the bitstream ------------------------------------
    def code_analysed(self, y_raw: torch.Tensor) -> list[bytes]:
        """Sections (z, y), plus a marker section when the study-only linear interpolation is on."""
        sections = super().code_analysed(y_raw)
        return sections + [LINEAR_MARKER] if self.interpolation == "linear" else sections

    def section_count_ok(self, count: int) -> bool:
        return count in (2, 3)  # (z, y) and, for linear interpolation, the marker

    def decompress_latents(self, sections: list[bytes], padded: tuple[int, int]) -> torch.Tensor:
        self.interpolation = "exponential"
        if len(sections) == 3 and sections[2] == LINEAR_MARKER:
            self.interpolation, sections = "linear", sections[:2]
        return super().decompress_latents(sections, padded)
