"""The conditional Gaussian entropy model (Ballé et al. 2018; Minnen et al. 2018).

Each latent element has its own mean and scale, predicted by the hyperprior. The likelihood
of a quantized value v is the mass of its bin: ``Phi((v - mu + 1/2) / s) - Phi((v - mu - 1/2) / s)``.

For real coding the symbol is ``round(y - mu)`` and the scale is snapped to the nearest entry
of a fixed log-spaced table. The snapping compares the scale with fixed float64 thresholds (the
geometric means of neighbouring entries): no logarithm, so a scale computed exactly on the coding
grid (:mod:`lic_lab.entropy.fixed_point`) selects the same table on every machine and thread count.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from lic_lab.entropy.coder import PmfTable, decode_symbols, encode_symbols, quantize_pmf
from lic_lab.layers import lower_bound

SCALE_MIN = 0.11
LIKELIHOOD_BOUND = 1e-9


def default_scale_table(low: float = SCALE_MIN, high: float = 256.0, levels: int = 256) -> torch.Tensor:
    """Log-spaced scales; neighbours differ by about 3% so snapping costs well under 0.1%.

    Rounded to multiples of 2^-20, so a last-bit difference in ``exp`` between machines cannot
    change the table.
    """
    table = torch.exp(torch.linspace(np.log(low), np.log(high), levels, dtype=torch.float64))
    return torch.round(table * 2.0**20) / 2.0**20


def _std_normal_cdf(x: torch.Tensor) -> torch.Tensor:
    return 0.5 * torch.erfc(-x * (2.0**-0.5))


class GaussianConditional(nn.Module):
    """Likelihoods of ``y`` given (scale, mean), and real coding through a scale table."""

    scale_table: torch.Tensor

    def __init__(self, scale_table: torch.Tensor | None = None, tail_sigmas: float = 10.0):
        super().__init__()
        table = default_scale_table() if scale_table is None else scale_table.double()
        self.register_buffer("scale_table", table, persistent=False)
        self.tail_sigmas = tail_sigmas
        self._tables: dict[int, PmfTable] = {}

    @staticmethod
    def likelihood(values: torch.Tensor, scales: torch.Tensor, means: torch.Tensor | None = None) -> torch.Tensor:
        """Mass of the unit bin around each value under N(mean, scale^2):
        ``Phi((v - mu + 1/2) / sigma) - Phi((v - mu - 1/2) / sigma)`` (the scale hyperprior of Balle et al.
        2018, with Minnen et al.'s mean; notebook 01, section 3). Computed on ``|v - mu|``: the bin's mass is
        symmetric about the mean, and on the side of the lower tail both CDF values are small, so their
        difference keeps its precision in float32."""
        scales = lower_bound(scales, SCALE_MIN)
        centred = torch.abs(values - means if means is not None else values)
        upper = _std_normal_cdf((0.5 - centred) / scales)
        lower = _std_normal_cdf((-0.5 - centred) / scales)
        return lower_bound(upper - lower, LIKELIHOOD_BOUND)

    def scale_index(self, scales: torch.Tensor) -> torch.Tensor:
        """Index of the nearest table scale (in the log domain) for each predicted scale.

        The thresholds ``sqrt(t_i t_{i+1})`` are computed with correctly rounded float64 operations
        only, and the comparison is made in float64: no transcendental function decides an index.
        """
        table = self.scale_table.double().cpu()
        mids = torch.sqrt(table[1:] * table[:-1])
        return torch.bucketize(scales.detach().double().cpu().contiguous(), mids)

    def table(self, index: int) -> PmfTable:
        """The pmf table of scale-table entry ``index`` (built once, cached)."""
        if index not in self._tables:
            s = float(self.scale_table[index])
            t = int(np.ceil(self.tail_sigmas * s)) + 1
            v = torch.arange(-t, t + 1, dtype=torch.float64)
            upper = _std_normal_cdf((v + 0.5) / s)
            lower = _std_normal_cdf((v - 0.5) / s)
            pmf = torch.cat([lower[:1], upper - lower, 1 - upper[-1:]]).numpy()
            self._tables[index] = PmfTable(lo=-t, pmf=quantize_pmf(pmf))
        return self._tables[index]

    def all_tables(self) -> list[PmfTable]:
        """The pmf tables that :meth:`scale_index` values point into."""
        return [self.table(i) for i in range(len(self.scale_table))]

    @staticmethod
    def symbol_shape(scales: torch.Tensor) -> torch.Size:
        """Shape of the coded symbols given the scale tensor."""
        return scales.shape

    @staticmethod
    def quantize(y: torch.Tensor, means: torch.Tensor | None = None) -> torch.Tensor:
        """The values :meth:`compress` codes and :meth:`decompress` returns: ``round(y - mean) + mean``."""
        return torch.round(y - means) + means if means is not None else torch.round(y)

    def compress(self, y: torch.Tensor, scales: torch.Tensor, means: torch.Tensor | None = None) -> bytes:
        """Code ``round(y - mean)`` with the snapped scales."""
        centred = y - means if means is not None else y
        symbols = torch.round(centred).to(torch.int64)
        return encode_symbols(symbols.cpu().numpy(), self.scale_index(scales).cpu().numpy(), self.all_tables())

    def decompress(self, data: bytes, scales: torch.Tensor, means: torch.Tensor | None = None) -> torch.Tensor:
        """Decode y_hat given the same scales (and means) the encoder used."""
        symbols = decode_symbols(data, self.scale_index(scales).cpu().numpy(), self.all_tables())
        y_hat = torch.from_numpy(symbols.reshape(self.symbol_shape(scales))).to(scales.dtype)
        return y_hat + means if means is not None else y_hat
