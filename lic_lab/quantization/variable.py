"""CVQN's variable quantization controller (Zhong et al., sec. 3.3).

* **Channel importance** ``w in R_+^C``, three kinds: *predefined* ``w_c = c`` (fixed);
  *squeeze-excitation* (SE: average pooling and two 1x1 convs on ``Z``, averaged over the batch);
  *reconstruction error* (RE, eq. 6: the mean MS-SSIM loss of decoding with channel ``c`` zeroed,
  over a set of training images, recomputed now and then).
* **Splitting-merging**: sort channels by ascending importance, split them into ``G`` groups by the
  ratio vector ``r`` (least important first), quantize group ``g`` with ``q_g`` levels, and merge
  the groups back into the original channel order.
* **The bound of eq. 7**: ``H({Z_g}) <= H W C sum_g r_g log2 q_g``, below the one-group bound
  ``H W C log2 Q`` when ``r^T log2 q < log2 Q``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from lic_lab.layers import ChannelAttention

IMPORTANCE_KINDS = ("predefined", "se", "re")


def group_sizes(channels: int, ratios: Sequence[float]) -> list[int]:
    """Channels per group, ``C r_g`` rounded so they add up to ``C`` (every group non-empty)."""
    if abs(sum(ratios) - 1) > 1e-6 or min(ratios) <= 0:
        raise ValueError(f"ratios must be positive and sum to 1, got {list(ratios)}")
    if channels < len(ratios):
        raise ValueError(f"{channels} channels cannot fill {len(ratios)} groups")
    edges = [round(channels * sum(ratios[:g])) for g in range(len(ratios) + 1)]
    sizes = [b - a for a, b in zip(edges, edges[1:])]
    if min(sizes) < 1:
        raise ValueError(f"ratios {list(ratios)} leave a group of {channels} channels empty")
    return sizes


def entropy_bound_bits(shape: tuple[int, int, int], ratios: Sequence[float], levels: Sequence[int]) -> float:
    """Eq. 7: the upper bound ``H W C sum_g r_g log2 q_g`` (bits) of a ``C x H x W`` latent."""
    c, h, w = shape
    return h * w * c * sum(r * math.log2(q) for r, q in zip(ratios, levels))


def bound_bpp(channels: int, stride: int, ratios: Sequence[float], levels: Sequence[int]) -> float:
    """Eq. 7 per image pixel: ``C sum_g r_g log2 q_g / stride^2``."""
    return entropy_bound_bits((channels, 1, 1), ratios, levels) / stride**2


class ChannelImportance(nn.Module):
    """The importance vector ``w`` (C,) of one of the three kinds; :meth:`order` sorts by it."""

    re_weights: torch.Tensor

    def __init__(self, channels: int, kind: str = "predefined"):
        super().__init__()
        if kind not in IMPORTANCE_KINDS:
            raise ValueError(f"importance must be one of {IMPORTANCE_KINDS}, not {kind!r}")
        self.kind, self.channels = kind, channels
        if kind == "se":
            self.se = ChannelAttention(channels)
        # RE weights (eq. 6), refreshed by the model; start as the predefined order
        self.register_buffer("re_weights", torch.arange(channels, dtype=torch.float32))

    def forward(self, z: torch.Tensor | None = None) -> torch.Tensor:
        """``w`` for a batch of latents (N, C, H, W); only SE needs them (the others are fixed)."""
        if self.kind == "predefined":
            return torch.arange(self.channels, dtype=self.re_weights.dtype, device=self.re_weights.device)
        if self.kind == "se":
            if z is None:
                raise ValueError("SE importance depends on the latent; pass it")
            return self.se.weights(z).flatten(1).mean(0)
        return self.re_weights

    def order(self, z: torch.Tensor | None = None) -> torch.Tensor:
        """Channel indices sorted by ascending importance (ties keep channel order).

        Only this arg-sort of ``w`` is used, as in the authors' code: no gradient reaches the SE
        weights, so the SE module stays at its random initialisation.
        """
        return torch.argsort(self.forward(z).detach(), stable=True)


def split(z: torch.Tensor, order: torch.Tensor, sizes: Sequence[int]) -> list[torch.Tensor]:
    """Sort channels of ``z`` (N, C, H, W) by ``order`` and cut them into groups of ``sizes``."""
    return list(torch.split(z[:, order], list(sizes), dim=1))


def merge(groups: Sequence[torch.Tensor], order: torch.Tensor) -> torch.Tensor:
    """Inverse of :func:`split`: concatenate the groups and restore the original channel order."""
    sorted_z = torch.cat(list(groups), dim=1)
    return sorted_z[:, torch.argsort(order)]


def groups_of(order: torch.Tensor, sizes: Sequence[int]) -> torch.Tensor:
    """The group index of each original channel under ``order`` (what :func:`split` does to it)."""
    group = torch.repeat_interleave(torch.arange(len(sizes)), torch.tensor(list(sizes)))
    out = torch.empty_like(group)
    out[order] = group
    return out
