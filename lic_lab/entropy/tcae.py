"""CWIC's trimmed convolutional arithmetic encoder (TCAE, Li et al. sec. 4.3-4.4) with real coding.

A stack of :class:`lic_lab.layers.trimmed_conv.TrimmedConv2d` layers over an ``n``-channel code cuboid
predicts, for every symbol, a categorical distribution over ``m`` values; the last layer has ``m``
output groups, one per value. Training evaluates it in one pass (the code length of eq. 25, with
an optional mask that leaves out codes the importance map discarded).

**Coding.** The encoder knows every symbol, so it runs each layer once over the whole cuboid
(one pass, as in the paper). The decoder must follow the coding order: one symbol at a time for
the sequential TCAE (channel by channel, raster order inside a channel), one inclined plane
``k + i + j = t`` at a time for the inclined TCAE (eqs. 26-27), each step evaluating every layer
only at the step's positions and reusing earlier activations.

Encoder and decoder thus add the same products in different orders; in floating point that can
change the last bits of a probability, and one changed probability derails an arithmetic decoder.
So coding runs on a fixed-point grid (in the spirit of Ballé et al.'s integer networks): weights,
biases and activations are rounded to multiples of ``2^-14`` and clipped (weights to +-4,
activations to +-64), and the sums are taken in float64, where every partial sum of such products
is exact. Any summation order gives the same logits, so coding is bit-exact by construction; the
rounding moves the probabilities by about 1e-4 against training (a negligible cost in bits).
"""

from __future__ import annotations

from typing import cast

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from lic_lab.entropy.coder import StepDecoder, StepEncoder
from lic_lab.entropy.fixed_point import on_grid
from lic_lab.layers.trimmed_conv import TrimmedConv2d

WEIGHT_MAX, ACT_MAX = 4.0, 64.0  # each product < 2^8; partial sums stay exact while below 2^53 x 2^-28 = 2^25
MAX_TAPS = 2**17  # inputs x K x K per output: 2^17 x 2^8 = 2^25


class TCAE(nn.Module):
    """Trimmed-convolution context model of a ``channels x h x w`` cuboid of symbols ``0 .. symbols-1``."""

    def __init__(
        self,
        channels: int,
        symbols: int,
        groups: int = 3,
        layers: int = 3,
        kernel: int = 5,
        inclined: bool = False,
        out_kernel: int | None = None,
    ):
        super().__init__()
        if layers < 2:
            raise ValueError("TCAE needs at least two layers")
        self.channels, self.symbols, self.inclined = channels, symbols, inclined
        widths = [1] + [groups] * (layers - 1) + [symbols]
        kernels = [kernel] * (layers - 1) + [out_kernel or kernel]  # a 1x1 output layer keeps the zoo small
        convs = [
            TrimmedConv2d(channels, widths[i], widths[i + 1], kernels[i], first=i == 0, inclined=inclined)
            for i in range(layers)
        ]
        self.convs = nn.ModuleList(convs)
        self.pad = max(k // 2 for k in kernels)
        if max(conv.in_channels * k * k for conv, k in zip(convs, kernels)) > MAX_TAPS:
            raise ValueError("too many taps per output for exact coding on the fixed-point grid")
        self.scale = 1.0 / max(symbols - 1, 1)  # symbols enter the first layer as values in [0, 1]

    def trimmed_convs(self) -> list[TrimmedConv2d]:
        """The layers, typed (the stub of ``nn.ModuleList`` yields plain modules)."""
        return cast(list[TrimmedConv2d], list(self.convs))

    def logits(self, codes: torch.Tensor) -> torch.Tensor:
        """(N, n, h, w) symbol values -> (N, symbols, n, h, w) logits (one pass, for training)."""
        x = codes * self.scale
        for i, conv in enumerate(self.convs):
            x = conv(x)
            if i < len(self.convs) - 1:
                x = F.relu(x)
        n, _, h, w = x.shape
        return x.view(n, self.symbols, self.channels, h, w)

    def bits(self, codes: torch.Tensor) -> torch.Tensor:
        """(N, n, h, w) bits of each symbol of the (integer-valued) ``codes`` under the model."""
        logp = torch.log_softmax(self.logits(codes.float()), dim=1)
        return -logp.gather(1, codes.long().unsqueeze(1)).squeeze(1) / np.log(2)

    def likelihood(self, codes: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """Probability of each symbol of ``codes`` (N, n, h, w); 1 outside ``mask`` (those cost nothing)."""
        p = torch.exp2(-self.bits(codes))
        return torch.where(mask.bool(), p, torch.ones_like(p)) if mask is not None else p

    def code_length(self, codes: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """Eq. 25: bits of the (integer-valued) ``codes`` under the model, only where ``mask`` is 1."""
        bits = self.bits(codes)
        return (bits * mask).sum() if mask is not None else bits.sum()

    # --- coding -------------------------------------------------------------------------------
    def steps(self, shape: tuple[int, int, int]) -> list[torch.Tensor]:
        """(c, h, w) positions of each decoding step: single symbols in order, or inclined planes."""
        d, h, w = shape
        c_i, h_i, w_i = (
            t.flatten() for t in torch.meshgrid(torch.arange(d), torch.arange(h), torch.arange(w), indexing="ij")
        )
        pos = torch.stack([c_i, h_i, w_i], 1)
        if not self.inclined:
            return list(pos.split(1))
        t = pos.sum(1)
        order = torch.argsort(t, stable=True)
        return list(torch.split(pos[order], torch.bincount(t).tolist()))

    def exact_layers(self) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """Each layer's masked weights and bias on the coding grid (float64, on the CPU, where coding runs)."""
        return [
            (
                on_grid((conv.weight.detach() * conv.mask).cpu(), WEIGHT_MAX),
                on_grid(conv.bias_vector().detach().cpu(), WEIGHT_MAX),
            )
            for conv in self.trimmed_convs()
        ]

    def _symbol_values(self, values: torch.Tensor) -> torch.Tensor:
        return on_grid(values.double() * self.scale, ACT_MAX)

    @torch.no_grad()
    def exact_logits(self, codes: torch.Tensor) -> torch.Tensor:
        """(n, h, w) symbols -> (symbols, n, h, w) logits on the coding grid, whole cuboid at once."""
        layers = self.exact_layers()
        x = self._symbol_values(codes)[None]
        for i, (weight, bias) in enumerate(layers):
            x = F.conv2d(x, weight, bias, padding=weight.shape[-1] // 2)
            if i < len(layers) - 1:
                x = on_grid(F.relu(x), ACT_MAX)
        return x[0].view(self.symbols, *codes.shape)

    @staticmethod
    def _probs(logits: torch.Tensor) -> np.ndarray:
        """(P, m) exact logits -> probabilities, row by row (the same numbers for any P)."""
        z = logits.numpy()
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    @torch.no_grad()
    def compress(self, codes: torch.Tensor, mask: torch.Tensor | None = None) -> bytes:
        """Code an (n, h, w) cuboid of symbols ``0 .. symbols-1``, only where ``mask`` is 1 (0 elsewhere).

        One pass: the exact logits of every position, then the symbols in decoding order.
        """
        if codes.dim() != 3 or codes.shape[0] != self.channels:
            raise ValueError(f"expected one ({self.channels}, h, w) cuboid of symbols")
        codes = codes.cpu()
        keep = torch.ones_like(codes, dtype=torch.bool) if mask is None else mask.cpu().bool()
        if bool((codes[~keep] != 0).any()):
            raise ValueError("codes outside the mask must be 0")
        coder = StepEncoder()
        if codes.numel():
            logits = self.exact_logits(codes)
            n, h, w = codes.shape
            every = torch.cat(self.steps((n, h, w)))
            c, y, x = every[:, 0], every[:, 1], every[:, 2]
            coded = keep[c, y, x]
            coder.add(codes[c, y, x][coded].numpy(), self._probs(logits[:, c, y, x].t()[coded]))
        return coder.finish()[0]

    @torch.no_grad()
    def decompress(self, data: bytes, shape: tuple[int, int, int], mask: torch.Tensor | None = None) -> torch.Tensor:
        """Inverse of :meth:`compress`: one symbol (sequential) or one inclined plane per step.

        The decoder must know the same ``mask``; positions outside it are 0 and cost no bits, but
        every layer is still evaluated there, as in training.
        """
        d, h, w = shape
        keep = torch.ones(shape, dtype=torch.bool) if mask is None else mask.cpu().bool()
        coder, out = StepDecoder(data), torch.zeros(shape, dtype=torch.long)
        r = self.pad
        layers = self.exact_layers()
        # activations channels-last, (h + 2r, w + 2r, channels), so a patch gathers as (P, K, K, in)
        acts = [torch.zeros(h + 2 * r, w + 2 * r, weight.shape[1], dtype=torch.float64) for weight, _ in layers]
        # each layer's weights as (channel, K * K * in, groups_out), biases as (channel, groups_out)
        per_channel = [
            (
                weight.permute(0, 2, 3, 1).reshape(weight.shape[0] // d, d, -1).permute(1, 2, 0).contiguous(),
                bias.view(-1, d).t().contiguous(),
            )
            for weight, bias in layers
        ]
        offsets = [torch.arange(-(wt.shape[-1] // 2), wt.shape[-1] // 2 + 1) for wt, _ in layers]
        for pos in self.steps(shape):  # positions of a step are sorted by channel
            c, y, x = pos[:, 0], pos[:, 1] + r, pos[:, 2] + r
            channels, counts = torch.unique_consecutive(c, return_counts=True)
            runs = list(zip(channels.tolist(), torch.cumsum(counts, 0).tolist(), counts.tolist()))
            for i, (weight, bias) in enumerate(per_channel):
                patch = acts[i][(y[:, None] + offsets[i])[:, :, None], (x[:, None] + offsets[i])[:, None, :]]
                patch = patch.reshape(len(pos), -1)  # (P, K * K * in)
                logits = torch.cat([patch[end - n : end] @ weight[ch] + bias[ch] for ch, end, n in runs])
                if i < len(per_channel) - 1:
                    cols = torch.arange(weight.shape[-1])[None, :] * d + c[:, None]
                    acts[i + 1][y[:, None], x[:, None], cols] = on_grid(F.relu(logits), ACT_MAX)
            coded = keep[pos[:, 0], pos[:, 1], pos[:, 2]]
            values = torch.zeros(len(pos), dtype=torch.long)
            if bool(coded.any()):
                values[coded] = torch.from_numpy(coder.decode(self._probs(logits[coded])))
            out[pos[:, 0], pos[:, 1], pos[:, 2]] = values
            acts[0][y, x, c] = self._symbol_values(values)
        coder.finish()
        return out
