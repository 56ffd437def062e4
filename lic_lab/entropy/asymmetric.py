"""The asymmetric Gaussian entropy model (AG-VAE, Cui et al. 2021, eq. 10).

A two-piece ("split") normal with mode ``mu``, left scale ``s_l`` and right scale ``s_r``:
the density is ``2 / (sqrt(2 pi) (s_l + s_r)) * exp(-(x - mu)^2 / (2 s^2))`` with ``s = s_l``
left of ``mu`` and ``s_r`` right of it, so its CDF is

    F(x) = w_l * Phi((x - mu) / s_l)              for x < mu,   w_l = 2 s_l / (s_l + s_r)
    F(x) = 1 - w_r * Phi(-(x - mu) / s_r)         for x >= mu,  w_r = 2 s_r / (s_l + s_r).

With ``s_l = s_r`` it is the symmetric Gaussian of eq. 9. The likelihood of a quantized value is
the mass of its unit bin, ``F(v + 1/2) - F(v - 1/2)``, and real coding follows the symmetric model:
the symbol is ``round(y - mu)`` and each side's scale snaps to a log-spaced table, so a symbol's
pmf is one of ``levels^2`` (left, right) tables, built only when a bitstream uses them.
"""

from __future__ import annotations

import numpy as np
import torch

from lic_lab.entropy.coder import LazyTables, PmfTable, quantize_pmf
from lic_lab.entropy.gaussian import (
    LIKELIHOOD_BOUND,
    SCALE_MIN,
    GaussianConditional,
    _std_normal_cdf,
    default_scale_table,
    lower_bound,
)


def split_normal_mass(a: torch.Tensor, b: torch.Tensor, left: torch.Tensor, right: torch.Tensor) -> torch.Tensor:
    """``F(b) - F(a)`` for the zero-mode split normal, computed without cancellation in the tails."""
    w_l = 2 * left / (left + right)
    w_r = 2 * right / (left + right)
    both_left = w_l * (_std_normal_cdf(b / left) - _std_normal_cdf(a / left))
    both_right = w_r * (_std_normal_cdf(-a / right) - _std_normal_cdf(-b / right))
    straddle = 1 - w_l * _std_normal_cdf(a / left) - w_r * _std_normal_cdf(-b / right)
    return torch.where(b <= 0, both_left, torch.where(a >= 0, both_right, straddle))


class AsymmetricGaussianConditional(GaussianConditional):
    """Likelihoods of ``y`` given (left scale, right scale, mean), and real coding.

    ``scales`` is a tensor with a leading dimension of 2: ``scales[0]`` left, ``scales[1]`` right.
    """

    def __init__(self, levels: int = 128, tail_sigmas: float = 10.0):
        super().__init__(default_scale_table(levels=levels), tail_sigmas)
        self.levels = levels
        self._tail_cache: dict[int, np.ndarray] = {}
        self.tables = LazyTables(levels * levels, self._build_table)

    @staticmethod
    def likelihood(values: torch.Tensor, scales: torch.Tensor, means: torch.Tensor | None = None) -> torch.Tensor:
        """Mass of the unit bin around each value under the split normal (eq. 10)."""
        left, right = lower_bound(scales[0], SCALE_MIN), lower_bound(scales[1], SCALE_MIN)
        centred = values - means if means is not None else values
        return lower_bound(split_normal_mass(centred - 0.5, centred + 0.5, left, right), LIKELIHOOD_BOUND)

    def scale_index(self, scales: torch.Tensor) -> torch.Tensor:
        """Joint table index ``left_index * levels + right_index`` (nearest entries in log domain)."""
        idx = [GaussianConditional.scale_index(self, s) for s in scales[:2]]
        return idx[0] * self.levels + idx[1]

    def _tails(self, index: int) -> np.ndarray:
        """``T[k] = Phi(-(k + 1/2) / s)`` for one table scale: the mass beyond each half-integer."""
        if index not in self._tail_cache:
            s = float(self.scale_table[index])
            k = torch.arange(int(np.ceil(self.tail_sigmas * s)) + 2, dtype=torch.float64)
            self._tail_cache[index] = _std_normal_cdf(-(k + 0.5) / s).numpy()
        return self._tail_cache[index]

    def _build_table(self, index: int) -> PmfTable:
        """pmf of the split normal for table pair ``index``, assembled from the two one-sided tails.

        Left of the mode a bin ``v = -m`` has mass ``w_l (T_l[m-1] - T_l[m])``, right of it
        ``v = m`` has ``w_r (T_r[m-1] - T_r[m])``, and the centre bin ``1 - w_l T_l[0] - w_r T_r[0]``.
        """
        i, j = divmod(index, self.levels)
        left, right = float(self.scale_table[i]), float(self.scale_table[j])
        t_l, t_r = self._tails(i), self._tails(j)
        lo, hi = len(t_l) - 2, len(t_r) - 2
        w_l, w_r = 2 * left / (left + right), 2 * right / (left + right)
        pmf = np.concatenate(
            [
                [w_l * t_l[lo]],
                (w_l * (t_l[:lo] - t_l[1 : lo + 1]))[::-1],
                [1 - w_l * t_l[0] - w_r * t_r[0]],
                w_r * (t_r[:hi] - t_r[1 : hi + 1]),
                [w_r * t_r[hi]],
            ]
        )
        return PmfTable(lo=-lo, pmf=quantize_pmf(pmf))

    def all_tables(self) -> LazyTables:  # type: ignore[override]
        return self.tables

    @staticmethod
    def symbol_shape(scales: torch.Tensor) -> torch.Size:
        return scales.shape[1:]
