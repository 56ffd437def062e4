"""Adaptive count-based context models: CWIC's CABAC-like and i.i.d. baselines (Li et al. Fig. 12).

CABAC (Marpe et al.) keeps, for every context, counts of the symbols seen so far and codes the next
symbol with the resulting estimate: nothing is trained, the model adapts while coding. With the
Krichevsky-Trofimov estimator ``P(s | ctx) = (n_{ctx,s} + 1/2) / (n_ctx + m/2)`` the total code
length of a sequence depends only on the final counts of each context,

    bits = -log2 prod_ctx [ prod_s Gamma(n_{ctx,s} + 1/2) / Gamma(1/2)^m ] * Gamma(m/2) / Gamma(n_ctx + m/2),

so the ideal adaptive code length is computed in one pass (an arithmetic coder lands within a few
bytes of it). The contexts of CWIC's "modified CABAC": the symbols above and to the left in the same
channel and the symbol at the same position in the previous channel (all decoded before, in both
TCAE orders); for the one-channel importance map, above and left only. The i.i.d. baseline is
one context for every symbol.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def kt_code_length(symbols: torch.Tensor, contexts: torch.Tensor, alphabet: int) -> float:
    """Ideal code length in bits of ``symbols`` (ints ``0 .. alphabet-1``) coded adaptively per context."""
    symbols, contexts = symbols.flatten().long(), contexts.flatten().long()
    if not symbols.numel():
        return 0.0
    _, ctx = torch.unique(contexts, return_inverse=True)
    counts = torch.zeros(int(ctx.max()) + 1, alphabet, dtype=torch.float64)
    counts.index_put_((ctx, symbols), torch.ones_like(symbols, dtype=torch.float64), accumulate=True)
    half = torch.tensor(0.5, dtype=torch.float64)
    log_p = (
        (torch.lgamma(counts + 0.5) - torch.lgamma(half)).sum(1)
        + math.lgamma(alphabet / 2)
        - torch.lgamma(counts.sum(1) + alphabet / 2)
    )
    return float(-log_p.sum() / math.log(2))


def neighbour_contexts(codes: torch.Tensor, alphabet: int, across_channels: bool = True) -> torch.Tensor:
    """(n, h, w) symbols -> the context index of each: (above, left[, previous channel]), 0 outside."""
    padded = F.pad(codes.long(), (1, 0, 1, 0))  # a zero row above and a zero column on the left
    above, left = padded[:, :-1, 1:], padded[:, 1:, :-1]
    ctx = above * alphabet + left
    if across_channels:
        previous = torch.cat([torch.zeros_like(codes[:1]), codes[:-1]]).long()
        ctx = ctx * alphabet + previous
    return ctx


def baseline_bits(
    codes: torch.Tensor, alphabet: int, mask: torch.Tensor | None = None, across_channels: bool = True
) -> dict[str, float]:
    """Adaptive code lengths of an (n, h, w) cuboid's symbols where ``mask`` is 1: CABAC-like and i.i.d."""
    keep = torch.ones_like(codes, dtype=torch.bool) if mask is None else mask.bool()
    symbols = codes[keep]
    ctx = neighbour_contexts(codes, alphabet, across_channels)[keep]
    return {
        "cabac": kt_code_length(symbols, ctx, alphabet),
        "iid": kt_code_length(symbols, torch.zeros_like(symbols), alphabet),
    }
