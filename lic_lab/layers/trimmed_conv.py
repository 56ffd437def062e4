"""CWIC's trimmed convolutions (Li et al., sec. 4.2-4.4): masked 2D convolutions over a code cuboid.

The code is a cuboid of ``n`` channels x ``h`` x ``w``; a layer's feature maps are ``G`` such cuboids
(*groups*), stored as ``G * n`` conv channels (group-major: channel ``g n + k``). The weight linking
input channel ``k`` of any group to output channel ``t`` of any group at kernel offset ``(i, j)`` is
kept by a mask ``m[t, k, i, j]`` (eq. 24 applies the same mask to every pair of groups):

* **sequential TCAE**, coding order channel by channel, raster order inside a channel:
  input layer (eq. 22) ``k < t``, or ``k = t`` and ``(i, j)`` earlier in raster order;
  hidden layers (eq. 23) also keep the centre of ``k = t``;
* **inclined TCAE** (eqs. 26-27), coding plane by plane, ``k + i + j = const``:
  input layer ``(k - t) + i + j < 0``; hidden layers ``<= 0``.

Unlike the 3D context model of :mod:`lic_lab.entropy.context3d` (one 3x3x3 kernel slid along the
channel axis), a trimmed convolution has its own weights for every pair of channels.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def trimmed_mask(channels: int, kernel: int, first: bool, inclined: bool = False) -> torch.Tensor:
    """The ``(n, n, K, K)`` mask ``m[t, k, i, j]`` of eqs. 22-23 (or 26-27 when ``inclined``)."""
    r = kernel // 2
    t = torch.arange(channels).view(-1, 1, 1, 1)
    k = torch.arange(channels).view(1, -1, 1, 1)
    i = torch.arange(-r, r + 1).view(1, 1, -1, 1)
    j = torch.arange(-r, r + 1).view(1, 1, 1, -1)
    if inclined:
        key = (k - t) + i + j
        keep = key < 0 if first else key <= 0
    else:
        earlier = (i < 0) | ((i == 0) & ((j < 0) if first else (j <= 0)))
        keep = (k < t) | ((k == t) & earlier)
    return keep.float()


class TrimmedConv2d(nn.Conv2d):
    """A ``K x K`` convolution from ``g_in`` to ``g_out`` groups of an ``n``-channel code cuboid (eq. 24)."""

    mask: torch.Tensor

    def __init__(
        self,
        channels: int,
        groups_in: int,
        groups_out: int,
        kernel: int = 5,
        first: bool = False,
        inclined: bool = False,
    ):
        super().__init__(groups_in * channels, groups_out * channels, kernel, padding=kernel // 2)
        self.channels, self.groups_in, self.groups_out = channels, groups_in, groups_out
        self.first, self.inclined = first, inclined
        mask = trimmed_mask(channels, kernel, first, inclined).repeat(groups_out, groups_in, 1, 1)
        self.register_buffer("mask", mask, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight * self.mask, self.bias, padding=self.padding)

    def bias_vector(self) -> torch.Tensor:
        """The ``(groups_out * n,)`` bias (the layer is always built with one)."""
        if self.bias is None:
            raise ValueError("a trimmed convolution needs its bias")
        return self.bias
