"""Layers the models share: GDN / inverse GDN (Ballé et al.) and strided conv helpers."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class _LowerBound(torch.autograd.Function):
    """``max(x, bound)`` whose gradient still flows where it would push ``x`` up to the bound.

    A plain clamp has zero gradient below the bound, so a scale predicted too small (or negative)
    could never learn to grow: the trap Ballé et al.'s ``LowerBound`` avoids.
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor, bound: float) -> torch.Tensor:  # type: ignore[override]
        ctx.save_for_backward(x)
        ctx.bound = bound
        return x.clamp_min(bound)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):  # type: ignore[override]
        (x,) = ctx.saved_tensors
        passes = (x >= ctx.bound) | (grad < 0)
        return grad * passes, None


def lower_bound(x: torch.Tensor, bound: float) -> torch.Tensor:
    """``max(x, bound)`` with Ballé's pass-through gradient (see :class:`_LowerBound`)."""
    return _LowerBound.apply(x, bound)


class GDN(nn.Module):
    """Generalized divisive normalization (Ballé, Laparra, Simoncelli 2016, eq. 6 there).

    ``y_i = x_i / sqrt(beta_i + sum_j gamma_ij x_j^2)``; with ``inverse=True`` the inverse GDN
    ``y_i = x_i * sqrt(beta_i + sum_j gamma_ij x_j^2)`` used in synthesis transforms.

    beta and gamma must stay non-negative. They are stored through a square-root
    reparametrisation with a small pedestal, as in Ballé's and CompressAI's GDN:
    ``gamma = max(g, 2^-18)^2 - 2^-36`` where the max is :func:`lower_bound` (its gradient still
    flows when it pushes ``g`` up). The pedestal matters: storing ``sqrt(gamma)`` without it puts
    the off-diagonal entries at exactly 0, where the gradient of ``g^2`` is 0, so the
    cross-channel terms ``gamma_ij`` (i != j) could never leave zero. With it every entry starts
    at ``g = 2^-18``, its gradient is small but non-zero, and Adam scales it to a full step.
    beta keeps ``beta_sqrt^2 + beta_min`` (its stored value starts at 1, far from any trap).
    """

    REPARAM_OFFSET = 2.0**-18
    # False keeps only gamma_ii: the per-channel normalisation the earlier GDN learned (its off-diagonal
    # entries were stuck at 0), for the before/after measurement of scripts/gdn_ablation.py
    cross_channel = True

    def __init__(self, channels: int, inverse: bool = False, beta_min: float = 1e-6, gamma_init: float = 0.1):
        super().__init__()
        self.inverse = inverse
        self.beta_min = beta_min
        pedestal = self.REPARAM_OFFSET**2
        self.beta_sqrt = nn.Parameter(torch.ones(channels))
        self.gamma_sqrt = nn.Parameter(torch.sqrt(gamma_init * torch.eye(channels) + pedestal))

    @property
    def beta(self) -> torch.Tensor:
        return self.beta_sqrt**2 + self.beta_min

    @property
    def gamma(self) -> torch.Tensor:
        """The non-negative (channels x channels) matrix ``gamma_ij`` (row i: output channel)."""
        bounded = lower_bound(self.gamma_sqrt, self.REPARAM_OFFSET)
        gamma = bounded**2 - self.REPARAM_OFFSET**2
        return gamma if self.cross_channel else torch.diag(torch.diagonal(gamma))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """GDN ``z_i = x_i / sqrt(beta_i + sum_j gamma_ij x_j^2)`` (Balle et al. 2016, its exponents fixed
        at 2 and 1/2); inverse GDN multiplies by the root instead: the synthesis' approximate inverse."""
        c = x.shape[1]
        norm = F.conv2d(x * x, self.gamma.view(c, c, 1, 1), self.beta)
        return x * torch.sqrt(norm) if self.inverse else x * torch.rsqrt(norm)


def conv(in_ch: int, out_ch: int, kernel: int = 5, stride: int = 2) -> nn.Conv2d:
    """Convolution with 'same' padding that downsamples by ``stride``."""
    return nn.Conv2d(in_ch, out_ch, kernel, stride=stride, padding=kernel // 2)


def deconv(in_ch: int, out_ch: int, kernel: int = 5, stride: int = 2) -> nn.ConvTranspose2d:
    """Transposed convolution that upsamples by exactly ``stride``."""
    return nn.ConvTranspose2d(in_ch, out_ch, kernel, stride=stride, padding=kernel // 2, output_padding=stride - 1)


class BitrateAdaptiveLayer(nn.Module):
    """CBANet's BAL / IBAL (sec. III-D, eqs. 8-9, Fig. 4; after Lu et al.'s DVC).

    A four-layer CNN ``B``: 1x1 conv (C -> P), leaky ReLU, depthwise 5x5, depthwise 5x5, 1x1 conv
    (P -> C). The BAL shrinks the base-rate latent, ``y * (1 - sigmoid(B(y)))`` (eq. 8); the inverse
    layer (``inverse=True``) expands the decoded one back, ``y * (1 + relu(B(y)))`` (eq. 9).
    """

    def __init__(self, channels: int, hidden: int, inverse: bool = False):
        super().__init__()
        self.inverse = inverse
        self.net = nn.Sequential(
            nn.Conv2d(channels, hidden, 1),
            nn.LeakyReLU(),
            nn.Conv2d(hidden, hidden, 5, padding=2, groups=hidden),
            nn.Conv2d(hidden, hidden, 5, padding=2, groups=hidden),
            nn.Conv2d(hidden, channels, 1),
        )

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        b = self.net(y)
        return y * (1 + F.relu(b)) if self.inverse else y * (1 - torch.sigmoid(b))


class ChannelAttention(nn.Module):
    """Squeeze-and-excitation (Hu et al. 2018): ``x * sigmoid(W2 relu(W1 avgpool(x)))``.

    :meth:`weights` is the per-channel gate alone; CVQN's SE channel importance reuses it.
    """

    def __init__(self, channels: int, reduction: int = 4):
        super().__init__()
        hidden = max(1, channels // reduction)
        self.gate = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            nn.Conv2d(channels, hidden, 1),
            nn.ReLU(),
            nn.Conv2d(hidden, channels, 1),
            nn.Sigmoid(),
        )

    def weights(self, x: torch.Tensor) -> torch.Tensor:
        """The gate, shape (N, C, 1, 1), in (0, 1)."""
        return self.gate(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.weights(x)


class ResidualChannelAttentionBlock(nn.Module):
    """RCAB (Zhang et al. 2018, used by CVQN sec. 3.1): conv-ReLU-conv, channel attention, skip."""

    def __init__(self, channels: int, reduction: int = 4):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(channels, channels, 3, padding=1),
            ChannelAttention(channels, reduction),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class ResidualGroup(nn.Module):
    """``B`` residual channel-attention blocks and a conv under one long skip (keeps the width)."""

    def __init__(self, channels: int, blocks: int):
        super().__init__()
        self.body = nn.Sequential(
            *[ResidualChannelAttentionBlock(channels) for _ in range(blocks)],
            nn.Conv2d(channels, channels, 3, padding=1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class ResidualBlock(nn.Module):
    """``x + conv(relu(conv(x)))`` with 3x3 convolutions (He et al.; no batch norm)."""

    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(channels, channels, 3, padding=1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class DenseBlock(nn.Module):
    """CWIC's dense block (Li et al. sec. 3.1.1, Fig. 2; after DenseNet, without batch norm).

    Sub-blocks of ``convs`` 3x3 conv + leaky ReLU layers (the paper: 3, 2, 2); each sub-block reads the
    concatenation of the block input and every earlier sub-block's output. The last sub-block's
    output is added to the input (a residual sum keeps the block's width and eases training).
    """

    def __init__(self, channels: int, convs: tuple[int, ...] = (3, 2, 2)):
        super().__init__()
        blocks = []
        for i, n in enumerate(convs):
            layers: list[nn.Module] = []
            for j in range(n):
                layers += [
                    nn.Conv2d(channels * (i + 1) if j == 0 else channels, channels, 3, padding=1),
                    nn.LeakyReLU(0.1, inplace=True),
                ]
            blocks.append(nn.Sequential(*layers))
        self.blocks = nn.ModuleList(blocks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feats = [x]
        for block in self.blocks:
            feats.append(block(torch.cat(feats, 1)))
        return x + feats[-1]
