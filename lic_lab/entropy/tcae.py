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

from typing import NamedTuple, cast

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from lic_lab.entropy.coder import StepDecoder, StepEncoder
from lic_lab.entropy.fixed_point import on_grid, on_grid_np
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
        one_hot: bool = False,
    ):
        super().__init__()
        if layers < 2:
            raise ValueError("TCAE needs at least two layers")
        self.channels, self.symbols, self.inclined, self.one_hot = channels, symbols, inclined, one_hot
        self.groups = groups  # the hidden layers' groups per channel of the cuboid
        widths = [symbols if one_hot else 1] + [groups] * (layers - 1) + [symbols]
        kernels = [kernel] * (layers - 1) + [out_kernel or kernel]  # a 1x1 output layer keeps the zoo small
        convs = [
            TrimmedConv2d(channels, widths[i], widths[i + 1], kernels[i], first=i == 0, inclined=inclined)
            for i in range(layers)
        ]
        self.convs = nn.ModuleList(convs)
        self.pad = max(k // 2 for k in kernels)
        if max(conv.in_channels * k * k for conv, k in zip(convs, kernels)) > MAX_TAPS:
            raise ValueError("too many taps per output for exact coding on the fixed-point grid")
        self.scale = 1.0 / max(symbols - 1, 1)  # without one_hot, symbols enter as values in [0, 1]
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """He initialisation from each output's *kept* inputs (the mask's fan-in, not the kernel's).

        PyTorch's default sizes a weight for every input of the kernel; a trimmed kernel keeps about
        half of them (fewer for early channels), and one-hot inputs are 1 in only one plane of
        ``symbols``, so the default starts the stack with a tiny gain: logits that are nearly the biases,
        a model that ignores its context until its weights have grown many times over.
        """
        convs = self.trimmed_convs()
        for i, conv in enumerate(convs):
            fan = conv.mask.sum(dim=(1, 2, 3)).clamp_min(1)  # kept inputs per output channel
            if i == 0 and self.one_hot:
                fan = (fan / self.symbols).clamp_min(1)  # one active plane of `symbols` per input
            gain = 2.0 if i < len(convs) - 1 else 1.0  # ReLU follows every layer but the last
            with torch.no_grad():
                # masked-out weights never train; zero, they cannot set a stored int8 scale (zoo.quantize_int8)
                conv.weight.copy_(torch.randn_like(conv.weight) * (gain / fan).sqrt().view(-1, 1, 1, 1) * conv.mask)
                conv.bias_vector().zero_()

    def inputs(self, codes: torch.Tensor) -> torch.Tensor:
        """(B, n, h, w) symbols -> the first layer's input planes: their values in [0, 1], or one-hot
        (plane ``s * n + k`` is 1 where channel ``k`` holds symbol ``s``; zero padding is then "no symbol")."""
        if not self.one_hot:
            return codes * self.scale
        b, n, h, w = codes.shape
        hot = F.one_hot(codes.long(), self.symbols).to(codes.dtype if codes.is_floating_point() else torch.float32)
        return hot.permute(0, 4, 1, 2, 3).reshape(b, self.symbols * n, h, w)

    def trimmed_convs(self) -> list[TrimmedConv2d]:
        """The layers, typed (the stub of ``nn.ModuleList`` yields plain modules)."""
        return cast(list[TrimmedConv2d], list(self.convs))

    def logits(self, codes: torch.Tensor) -> torch.Tensor:
        """(N, n, h, w) symbol values -> (N, symbols, n, h, w) logits (one pass, for training)."""
        x = self.inputs(codes)
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

    @torch.no_grad()
    def exact_logits(self, codes: torch.Tensor) -> torch.Tensor:
        """(n, h, w) symbols -> (symbols, n, h, w) logits on the coding grid, whole cuboid at once."""
        layers = self.exact_layers()
        x = on_grid(self.inputs(codes[None].double()), ACT_MAX)
        for i, (weight, bias) in enumerate(layers):
            x = F.conv2d(x, weight, bias, padding=weight.shape[-1] // 2)
            if i < len(layers) - 1:
                x = on_grid(F.relu(x), ACT_MAX)
        return x[0].view(self.symbols, *codes.shape)

    @staticmethod
    def _probs(logits: torch.Tensor | np.ndarray) -> np.ndarray:
        """(P, m) exact logits -> probabilities, row by row (the same numbers for any P)."""
        z = np.ascontiguousarray(logits.numpy() if isinstance(logits, torch.Tensor) else logits)  # sums by layout
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

    def decoding_plan(self, h: int, w: int) -> list[list[_Taps]]:
        """For every layer and output channel ``t``: the kept taps of its mask and their weights.

        A trimmed kernel keeps about half of its taps (eqs. 22-27), so the decoder gathers only
        those, each as one flat offset into the decoder's arrays for an ``h x w`` cuboid, padded by
        :attr:`pad` on every side (so no kept tap leaves its array, whatever the position). The
        one-hot first layer is a table instead: its input at a kept tap is one symbol, so its product
        with the weights is a lookup of that symbol's entry (the last entry of each tap's block, zero,
        stands for "no symbol yet" and for the padding). Sums of looked-up entries are as exact on the grid as the
        products, so the logits are :meth:`exact_logits`' bit for bit.
        """
        plan = []
        d = self.channels
        height, width = h + 2 * self.pad, w + 2 * self.pad
        for i, ((weight_t, bias_t), conv) in enumerate(zip(self.exact_layers(), self.trimmed_convs())):
            weight, bias = weight_t.numpy(), bias_t.numpy()
            r = weight.shape[-1] // 2
            g_in, g_out = weight.shape[1] // d, weight.shape[0] // d
            trim = conv.mask[:d, :d].bool().numpy()  # (t, k', i, j): the same for every pair of groups
            layer = []
            for t in range(d):
                src, iy, ix = np.nonzero(trim[t])
                w_t, b_t = weight[np.arange(g_out) * d + t], bias[np.arange(g_out) * d + t]  # output channel t
                if i == 0 and self.one_hot:  # symbols array (d, height, width)
                    planes = np.arange(self.symbols)[:, None] * d + src[None, :]  # (symbols, taps)
                    table = np.zeros((g_out, len(src), self.symbols + 1))
                    table[:, :, : self.symbols] = w_t[:, planes, iy, ix].transpose(0, 2, 1)
                    offset = (src * height + iy - r) * width + ix - r
                    first = np.arange(len(src)) * (self.symbols + 1)
                    layer.append(_Taps(offset, table.reshape(g_out, -1), b_t, first))
                else:  # activations (height, width, channels), channels-last
                    cols = (np.arange(g_in)[:, None] * d + src[None, :]).ravel()
                    iy, ix = np.tile(iy, g_in), np.tile(ix, g_in)
                    offset = ((iy - r) * width + ix - r) * weight.shape[1] + cols
                    layer.append(_Taps(offset, np.ascontiguousarray(w_t[:, cols, iy, ix].T), b_t))
            plan.append(layer)
        return plan

    def decompress(self, data: bytes, shape: tuple[int, int, int], mask: torch.Tensor | None = None) -> torch.Tensor:
        """Inverse of :meth:`compress`: one symbol (sequential) or one inclined plane per step.

        The decoder must know the same ``mask``; positions outside it are 0 and cost no bits, but
        every layer is still evaluated there, as in training. Each step evaluates each layer at its
        positions, channel by channel, from the kept taps only (:meth:`decoding_plan`). The loop runs
        in NumPy (float64, the same grid): a step is a few small array operations, where NumPy's
        per-call cost is a fraction of PyTorch's, and exact sums make the result independent of the
        library and of the summation order.
        """
        d, h, w = shape
        keep = np.ones(shape, dtype=bool) if mask is None else mask.cpu().bool().numpy()
        coder, out = StepDecoder(data), np.zeros(shape, dtype=np.int64)
        r = self.pad
        height, width = h + 2 * r, w + 2 * r
        plan = self.decoding_plan(h, w)
        # the symbols so far (one-hot input: `symbols` = none yet), padded by r
        symbols = np.full((d, height, width), self.symbols, dtype=np.int64)
        # each layer's input activations channels-last, (height, width, channels), padded by r; a one-hot
        # first layer reads `symbols` instead (its entry stays empty)
        acts = [
            np.zeros((height, width, 0 if i == 0 and self.one_hot else conv.in_channels))
            for i, conv in enumerate(self.trimmed_convs())
        ]
        last = len(plan) - 1
        for pos in (p.numpy() for p in self.steps(shape)):  # positions of a step are sorted by channel
            c, y, x = pos[:, 0], pos[:, 1] + r, pos[:, 2] + r
            base = y * width + x
            cuts = (np.flatnonzero(np.diff(c)) + 1).tolist()
            runs = list(zip([0, *cuts], [*cuts, len(c)]))
            for i, layer in enumerate(plan):
                inputs = symbols if i == 0 and self.one_hot else acts[i]
                parts = [layer[c[a]].apply(inputs, base[a:b]) for a, b in runs]
                logits = parts[0] if len(parts) == 1 else np.concatenate(parts)
                if i < last:
                    cols = np.arange(logits.shape[1])[None, :] * d + c[:, None]
                    acts[i + 1][y[:, None], x[:, None], cols] = on_grid_np(np.maximum(logits, 0.0), ACT_MAX)
            coded = keep[pos[:, 0], pos[:, 1], pos[:, 2]]
            values = np.zeros(len(c), dtype=np.int64)
            if coded.any():
                values[coded] = coder.decode(self._probs(logits[coded]))
            out[pos[:, 0], pos[:, 1], pos[:, 2]] = values
            if self.one_hot:
                symbols[c, y, x] = values
            else:
                acts[0][y, x, c] = on_grid_np(values * self.scale, ACT_MAX)
        coder.finish()
        return torch.from_numpy(out)


class _Taps(NamedTuple):
    """One output channel's kept taps in one layer (:meth:`TCAE.decoding_plan`).

    ``offset``: each tap's flat offset from a position's base index; ``weight``: the
    ``(taps, groups_out)`` matrix, or for the one-hot table ``(groups_out, taps * (symbols + 1))``
    with ``first`` the first entry of each tap's block; ``bias``: the ``(groups_out,)`` biases.
    """

    offset: np.ndarray
    weight: np.ndarray
    bias: np.ndarray
    first: np.ndarray | None = None

    def apply(self, inputs: np.ndarray, base: np.ndarray) -> np.ndarray:
        """This output channel's ``(P, groups_out)`` pre-activations at the flat positions ``base``:
        ``inputs`` are the padded symbols (the one-hot table) or activations (channels-last)."""
        if self.first is not None:
            entries = self.first + inputs.take(base[:, None] + self.offset)  # (P, taps)
            return self.weight.take(entries, axis=1).sum(axis=2).T + self.bias  # rows looked up and added
        return inputs.take(base[:, None] * inputs.shape[2] + self.offset) @ self.weight + self.bias
