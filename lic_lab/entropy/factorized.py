"""The factorized (non-parametric, per-channel) density of Ballé et al. 2018, appendix 6.1."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from lic_lab.entropy.coder import PmfTable, decode_symbols, encode_symbols, quantize_pmf

LIKELIHOOD_BOUND = 1e-9


class FactorizedDensity(nn.Module):
    """A learned univariate density per channel, used for ``y`` (factorized prior) or ``z``.

    The cumulative c(x) is a composition ``f_K o ... o f_1`` with
    ``f_k(x) = g_k(H_k x + b_k)``, ``g_k(x) = x + a_k * tanh(x)`` and a final sigmoid; ``H_k`` is
    kept positive (softplus) and ``a_k`` in (-1, 1) (tanh), so c is monotone. The likelihood of a
    quantized value is ``c(v + 1/2) - c(v - 1/2)``: the probability mass of its bin (eq. 4 of the
    benchmark paper takes the cross-entropy of exactly this).
    """

    def __init__(
        self,
        channels: int,
        filters: tuple[int, ...] = (3, 3, 3),
        init_scale: float = 10.0,
        tail: float = 1e-9,
        max_range: int = 2048,
    ):
        super().__init__()
        self.channels = channels
        self.tail = tail
        self.max_range = max_range
        dims = (1, *filters, 1)
        scale = init_scale ** (1.0 / (len(filters) + 1))
        self.matrices = nn.ParameterList()
        self.biases = nn.ParameterList()
        self.factors = nn.ParameterList()
        for i in range(len(dims) - 1):
            init = float(np.log(np.expm1(1.0 / scale / dims[i + 1])))
            self.matrices.append(nn.Parameter(torch.full((channels, dims[i + 1], dims[i]), init)))
            self.biases.append(nn.Parameter(torch.rand(channels, dims[i + 1], 1) - 0.5))
            if i < len(dims) - 2:
                self.factors.append(nn.Parameter(torch.zeros(channels, dims[i + 1], 1)))

    def logits_cdf(self, x: torch.Tensor) -> torch.Tensor:
        """Logit of c(x) for ``x`` of shape (C, 1, N), evaluated per channel."""
        for i, (matrix, bias) in enumerate(zip(self.matrices, self.biases)):
            x = torch.matmul(F.softplus(matrix.to(x.dtype)), x) + bias.to(x.dtype)
            if i < len(self.factors):
                x = x + torch.tanh(self.factors[i].to(x.dtype)) * torch.tanh(x)
        return x

    def likelihood(self, values: torch.Tensor) -> torch.Tensor:
        """Probability mass of the unit bin around each value of a (B, C, H, W) tensor."""
        b, c, h, w = values.shape
        v = values.permute(1, 0, 2, 3).reshape(c, 1, -1)
        lower = self.logits_cdf(v - 0.5)
        upper = self.logits_cdf(v + 0.5)
        sign = -torch.sign(lower + upper).detach()  # evaluate in the tail with better precision
        lik = torch.abs(torch.sigmoid(sign * upper) - torch.sigmoid(sign * lower))
        lik = lik.reshape(c, b, h, w).permute(1, 0, 2, 3)
        return lik.clamp_min(LIKELIHOOD_BOUND)

    def tables(self) -> list[PmfTable]:
        """One pmf table per channel, built once per state of the parameters (they change only
        when trained or loaded, which bumps their version counters)."""
        key = tuple((p.data_ptr(), p._version) for p in self.parameters())
        if getattr(self, "_table_cache", (None,))[0] != key:
            self._table_cache = (key, self._build_tables())
        return self._table_cache[1]

    @torch.no_grad()
    def _build_tables(self) -> list[PmfTable]:
        """One pmf table per channel, from the cdf in float64 (range where the tails > ``tail``)."""
        grid = torch.arange(-self.max_range, self.max_range + 1, dtype=torch.float64)
        v = grid.view(1, 1, -1).expand(self.channels, 1, -1)
        cdf_hi = torch.sigmoid(self.logits_cdf(v + 0.5))[:, 0]  # c(v + 1/2)
        cdf_lo = torch.sigmoid(self.logits_cdf(v - 0.5))[:, 0]  # c(v - 1/2)
        out = []
        for c in range(self.channels):
            inside = torch.nonzero((cdf_hi[c] > self.tail) & (cdf_lo[c] < 1 - self.tail))
            lo_i = int(inside.min()) if len(inside) else self.max_range
            hi_i = int(inside.max()) if len(inside) else self.max_range
            mass = (cdf_hi[c, lo_i : hi_i + 1] - cdf_lo[c, lo_i : hi_i + 1]).clamp_min(0)
            pmf = torch.cat([cdf_lo[c, lo_i : lo_i + 1], mass, 1 - cdf_hi[c, hi_i : hi_i + 1]]).numpy()
            out.append(PmfTable(lo=lo_i - self.max_range, pmf=quantize_pmf(pmf)))
        return out

    @staticmethod
    def quantize(y: torch.Tensor) -> torch.Tensor:
        """The values :meth:`compress` codes: ``round(y)``."""
        return torch.round(y)

    def compress(self, y: torch.Tensor) -> bytes:
        """Code ``round(y)`` (1, C, H, W) (:meth:`quantize`)."""
        symbols = self.quantize(y).to(torch.int64)
        groups = torch.arange(self.channels).view(1, -1, 1, 1).expand_as(symbols)
        return encode_symbols(symbols.cpu().numpy(), groups.numpy(), self.tables())

    def decompress(self, data: bytes, shape: tuple[int, int, int, int]) -> torch.Tensor:
        """Decode a tensor of ``shape`` (B, C, H, W) coded by :meth:`compress`."""
        groups = torch.arange(self.channels).view(1, -1, 1, 1).expand(shape)
        symbols = decode_symbols(data, groups.numpy(), self.tables())
        return torch.from_numpy(symbols.reshape(shape)).float()
