"""CWIC's trimmed convolutional arithmetic encoder (TCAE, Li et al. sec. 4.3-4.4) with real coding.

A stack of :class:`lic_lab.trimmed_conv.TrimmedConv2d` layers over an ``n``-channel code cuboid
predicts, for every symbol, a categorical distribution over ``m`` values; the last layer has ``m``
output groups, one per value. Training evaluates it in one pass (the code length of eq. 25, with
an optional mask that leaves out codes the importance map discarded).

Decoding must follow the coding order: one symbol at a time for the sequential TCAE (channel by
channel, raster order inside a channel), one inclined plane ``k + i + j = t`` at a time for the
inclined TCAE (eqs. 26-27). Either way each step evaluates every layer only at the step's
positions (each output channel has its own weights, so the kept taps are gathered per position),
reusing earlier activations; encoder and decoder run the same steps, so coding is bit-exact.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from ..trimmed_conv import TrimmedConv2d
from .coder import StepDecoder, StepEncoder


class TCAE(nn.Module):
    """Trimmed-convolution context model of a ``channels x h x w`` cuboid of symbols ``0 .. symbols-1``."""

    def __init__(self, channels: int, symbols: int, groups: int = 3, layers: int = 3, kernel: int = 5,
                 inclined: bool = False):
        super().__init__()
        if layers < 2:
            raise ValueError("TCAE needs at least two layers")
        self.channels, self.symbols, self.inclined = channels, symbols, inclined
        widths = [1] + [groups] * (layers - 1) + [symbols]
        self.convs = nn.ModuleList(TrimmedConv2d(channels, widths[i], widths[i + 1], kernel, first=i == 0,
                                                 inclined=inclined) for i in range(layers))

    def logits(self, codes: torch.Tensor) -> torch.Tensor:
        """(N, n, h, w) symbol values -> (N, symbols, n, h, w) logits (one pass, for training)."""
        x = codes
        for i, conv in enumerate(self.convs):
            x = conv(x)
            if i < len(self.convs) - 1:
                x = F.relu(x)
        n, _, h, w = x.shape
        return x.view(n, self.symbols, self.channels, h, w)

    def code_length(self, codes: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """Eq. 25: bits of the (integer-valued) ``codes`` under the model, only where ``mask`` is 1."""
        logp = torch.log_softmax(self.logits(codes.float()), dim=1)
        bits = -logp.gather(1, codes.long().unsqueeze(1)).squeeze(1) / np.log(2)
        return (bits * mask).sum() if mask is not None else bits.sum()

    # --- coding -------------------------------------------------------------------------------
    def steps(self, shape: tuple[int, int, int]) -> list[torch.Tensor]:
        """(c, h, w) positions of each decoding step: single symbols in order, or inclined planes."""
        d, h, w = shape
        c_i, h_i, w_i = (t.flatten() for t in torch.meshgrid(torch.arange(d), torch.arange(h), torch.arange(w),
                                                             indexing="ij"))
        pos = torch.stack([c_i, h_i, w_i], 1)
        if not self.inclined:
            return list(pos.split(1))
        t = c_i + h_i + w_i
        order = torch.argsort(t, stable=True)
        return [p for p in torch.split(pos[order], torch.bincount(t).tolist()) if len(p)]

    @torch.no_grad()
    def _run(self, shape: tuple[int, int, int], step) -> None:
        d, h, w = shape
        r = self.convs[0].kernel_size[0] // 2
        acts = [torch.zeros(conv.in_channels, h + 2 * r, w + 2 * r) for conv in self.convs]
        weights = [(conv.weight * conv.mask).view(conv.groups_out, d, conv.in_channels, -1) for conv in self.convs]
        offsets = torch.arange(-r, r + 1)
        last = len(self.convs) - 1
        for pos in self.steps(shape):
            c, y, x = pos[:, 0], pos[:, 1] + r, pos[:, 2] + r
            rows = (y[:, None] + offsets)[:, :, None]  # (P, K, 1)
            cols = (x[:, None] + offsets)[:, None, :]  # (P, 1, K)
            for i, conv in enumerate(self.convs):
                patch = acts[i][:, rows, cols].permute(1, 0, 2, 3).reshape(len(pos), -1)  # (P, in * K * K)
                w_sel = weights[i][:, c]  # (groups_out, P, in, K*K)
                out = torch.einsum("pk,gpk->pg", patch, w_sel.reshape(conv.groups_out, len(pos), -1))
                out = out + conv.bias.view(conv.groups_out, d)[:, c].t()
                if i < last:
                    acts[i + 1][torch.arange(conv.groups_out)[:, None] * d + c, y, x] = F.relu(out).t()
            probs = torch.softmax(out.double(), dim=1).numpy()
            values = step(pos, probs)
            acts[0][c, y, x] = values.float()

    def encode(self, codes: torch.Tensor) -> bytes:
        """Code an (n, h, w) cuboid of symbols ``0 .. symbols-1``."""
        if codes.dim() != 3 or codes.shape[0] != self.channels:
            raise ValueError(f"expected one ({self.channels}, h, w) cuboid of symbols")
        coder = StepEncoder()

        def step(pos: torch.Tensor, probs: np.ndarray) -> torch.Tensor:
            values = codes[pos[:, 0], pos[:, 1], pos[:, 2]].long()
            coder.add(values.numpy(), probs)
            return values

        self._run(tuple(codes.shape), step)
        return coder.finish()[0]

    def decode(self, data: bytes, shape: tuple[int, int, int]) -> torch.Tensor:
        """Inverse of :meth:`encode`."""
        coder, out = StepDecoder(data), torch.zeros(shape, dtype=torch.long)

        def step(pos: torch.Tensor, probs: np.ndarray) -> torch.Tensor:
            values = torch.from_numpy(coder.decode(probs))
            out[pos[:, 0], pos[:, 1], pos[:, 2]] = values
            return values

        self._run(shape, step)
        return out
