"""A 3D masked convolutional context model over (channel, height, width) with real coding.

After Mentzer et al. (2018), the entropy model CVQN uses (sec. 3.3): a quantized latent of ``D``
channels is one volume ``D x H x W``; a stack of 3x3x3 convolutions whose kernels are *masked* so
the prediction at a position only sees symbols coded before it gives categorical probabilities over
the ``Q`` quantization levels. Training evaluates the whole stack with ``conv3d`` in one pass.

**Which offsets a kernel keeps.** With an order vector ``(a, b, 1)`` a kernel offset
``(dc, dh, dw)`` is kept when ``a dc + b dh + dw < 0`` in the first layer (the centre is excluded,
so a symbol never sees itself) and ``<= 0`` in later layers. ``(a, b) = (4, 2)`` keeps exactly the
offsets that come earlier in raster order (channel, then row, then column): Mentzer's mask.
``(1, 1)`` is the inclined mask of CWIC's TCAE.

**Fast decoding (wavefronts).** Every kept offset lowers ``t = a c + b h + w`` by at least one
(centre offsets of later layers leave it equal), so a symbol depends only on symbols with a smaller
``t``. All symbols on one plane ``t = const`` are therefore decoded together: ``a(D-1) + b(H-1) + W``
network steps instead of ``D H W``. Each step evaluates every layer only at that plane's positions
(a gather of the kept neighbours and one matrix product per layer), reusing the activations of
earlier planes, so a whole image costs about one network evaluation. The encoder knows every symbol,
so it evaluates each layer over the whole volume at once; every sum is exact on the fixed-point grid,
so its probabilities are bit for bit the decoder's.
"""

from __future__ import annotations

from itertools import product
from typing import cast

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from lic_lab.entropy.coder import StepDecoder, StepEncoder
from lic_lab.entropy.fixed_point import check_exact, on_grid


def kernel_offsets(order: tuple[int, int], first: bool) -> list[tuple[int, int, int]]:
    """The 3x3x3 kernel offsets ``(dc, dh, dw)`` a masked layer keeps (see the module docstring)."""
    a, b = order
    keep = []
    for dc, dh, dw in product((-1, 0, 1), repeat=3):
        key = a * dc + b * dh + dw
        if key < 0 or (key == 0 and not first):
            keep.append((dc, dh, dw))
    return keep


class MaskedConv3d(nn.Conv3d):
    """A 3x3x3 convolution over (channel, height, width) that sees only already-coded symbols."""

    mask: torch.Tensor

    def __init__(self, in_ch: int, out_ch: int, first: bool, order: tuple[int, int] = (4, 2)):
        super().__init__(in_ch, out_ch, 3, padding=1)
        self.offsets = kernel_offsets(order, first)
        mask = torch.zeros(1, 1, 3, 3, 3)
        for dc, dh, dw in self.offsets:
            mask[0, 0, dc + 1, dh + 1, dw + 1] = 1.0
        self.register_buffer("mask", mask, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv3d(x, self.weight * self.mask, self.bias, padding=1)

    def gathered_weight(self) -> torch.Tensor:
        """The kept taps as a ``(len(offsets) * in_ch, out_ch)`` matrix (for wavefront decoding)."""
        taps = [self.weight[:, :, dc + 1, dh + 1, dw + 1] for dc, dh, dw in self.offsets]  # (out, in) each
        return torch.stack(taps, 0).permute(0, 2, 1).reshape(-1, self.out_channels)

    def bias_vector(self) -> torch.Tensor:
        """The ``(out_ch,)`` bias (the layer is always built with one)."""
        if self.bias is None:
            raise ValueError("a masked layer needs its bias")
        return self.bias


class ContextModel3D(nn.Module):
    """Categorical probabilities of every symbol of a ``D x H x W`` volume from its coded context.

    ``layers`` masked 3x3x3 convolutions of width ``hidden`` with ReLUs between them; the last one
    outputs ``levels`` logits. The input is the dequantized value of each symbol.
    """

    def __init__(self, levels: int, hidden: int = 16, layers: int = 3, order: tuple[int, int] = (4, 2)):
        super().__init__()
        if layers < 2:
            raise ValueError("the context model needs at least two layers")
        if min(order) < 1:
            raise ValueError("the order weights must be positive integers")
        a, b = order
        self.levels, self.order = levels, (a, b)
        widths = [1] + [hidden] * (layers - 1) + [levels]
        self.convs = nn.ModuleList(
            MaskedConv3d(widths[i], widths[i + 1], first=i == 0, order=self.order) for i in range(layers)
        )

    def masked_convs(self) -> list[MaskedConv3d]:
        """The layers, typed (the stub of ``nn.ModuleList`` yields plain modules)."""
        return cast(list[MaskedConv3d], list(self.convs))

    def logits(self, values: torch.Tensor) -> torch.Tensor:
        """(N, D, H, W) dequantized values -> (N, levels, D, H, W) logits (one pass, for training)."""
        h = values.unsqueeze(1)
        for i, conv in enumerate(self.convs):
            h = conv(h)
            if i < len(self.convs) - 1:
                h = F.relu(h)
        return h

    def likelihood(self, values: torch.Tensor, indices: torch.Tensor) -> torch.Tensor:
        """Probability of each coded symbol (the rate term of training), shape (N, D, H, W)."""
        logp = torch.log_softmax(self.logits(values), dim=1)
        return logp.gather(1, indices.unsqueeze(1)).squeeze(1).exp()

    # --- wavefront coding ----------------------------------------------------------------------
    def planes(self, shape: tuple[int, int, int], sequential: bool = False) -> list[torch.Tensor]:
        """Flat positions (in the zero-padded volume) of each wavefront, in decoding order.

        ``sequential=True`` gives one symbol per step in raster order instead (the slow baseline).
        """
        a, b = self.order
        flat, (c_i, h_i, w_i) = _padded_positions(shape)
        t = a * c_i + b * h_i + w_i
        if sequential:
            return list(flat.split(1))
        order = torch.argsort(t, stable=True)
        counts = torch.bincount(t)
        return [p for p in torch.split(flat[order], counts.tolist()) if p.numel()]

    def _exact(self, shape: tuple[int, int, int]) -> list[tuple[torch.Tensor, torch.Tensor, float, torch.Tensor]]:
        """Per layer: weights and bias on the coding grid, the largest row sum of their magnitudes (for
        :func:`check_exact`) and the kernel's taps as offsets in the flat zero-padded volume."""
        d, h, w = shape
        strides = ((h + 2) * (w + 2), w + 2, 1)
        layers = []
        # the fixed-point grid (lic_lab.entropy.fixed_point): exact sums, the same logits for any thread count
        for conv in self.masked_convs():
            weight, bias = on_grid(conv.gathered_weight().detach().cpu()), on_grid(conv.bias_vector().detach().cpu())
            taps = torch.tensor([dc * strides[0] + dh * strides[1] + dw for dc, dh, dw in conv.offsets])
            layers.append((weight, bias, float(weight.abs().sum(0).max() + bias.abs().max()), taps))
        return layers

    def _activations(self, shape: tuple[int, int, int]) -> list[torch.Tensor]:
        """Each layer's input over the flat zero-padded volume, zeros to start with."""
        d, h, w = shape
        return [
            torch.zeros(c.in_channels, (d + 2) * (h + 2) * (w + 2), dtype=torch.float64) for c in self.masked_convs()
        ]

    @staticmethod
    def _layer(
        acts: torch.Tensor, at: torch.Tensor, layer: tuple[torch.Tensor, torch.Tensor, float, torch.Tensor]
    ) -> torch.Tensor:
        """One layer's exact outputs ``(len(at), out)`` at the flat positions ``at`` from its input ``acts``."""
        weight, bias, row_sum, taps = layer
        gathered = acts[:, at[:, None] + taps[None, :]].permute(1, 2, 0).reshape(at.numel(), -1)
        check_exact(float(gathered.abs().max()) if gathered.numel() else 0.0, row_sum, "the 3D context model")
        return torch.addmm(bias, gathered, weight)

    @torch.no_grad()
    def _run(self, shape: tuple[int, int, int], means: torch.Tensor, step, sequential: bool = False) -> None:
        """Walk the wavefronts; ``step(plane, probabilities) -> indices`` codes one plane."""
        d, h, w = shape
        layers = self._exact(shape)
        acts = self._activations(shape)
        means = on_grid(means)
        last = len(layers) - 1
        for plane in self.planes(shape, sequential):
            for i, layer in enumerate(layers):
                out = self._layer(acts[i], plane, layer)
                if i < last:
                    acts[i + 1][:, plane] = on_grid(F.relu(out)).t()
            indices = step(plane, torch.softmax(out, dim=1).numpy())
            acts[0][0, plane] = means[indices]

    @torch.no_grad()
    def _probabilities(
        self, indices: torch.Tensor, means: torch.Tensor, chunk: int = 8192
    ) -> tuple[torch.Tensor, np.ndarray]:
        """The encoder's shortcut: every symbol is known, so each layer runs over the whole volume at
        once (in chunks of positions) instead of plane by plane. The sums are exact on the grid, so
        the order of evaluation cannot change them: the probabilities are bit for bit the
        wavefront's. Returns the symbols and their probabilities, both in decoding order."""
        shape = cast(tuple[int, int, int], tuple(indices.shape))
        layers = self._exact(shape)
        flat, _ = _padded_positions(shape)
        acts = self._activations(shape)
        acts[0][0, flat] = on_grid(means)[indices.flatten().long()]
        for i, layer in enumerate(layers[:-1]):
            for at in flat.split(chunk):
                acts[i + 1][:, at] = on_grid(F.relu(self._layer(acts[i], at, layer))).t()
        order = torch.cat(self.planes(shape))
        probs = [torch.softmax(self._layer(acts[-1], at, layers[-1]), dim=1).numpy() for at in order.split(chunk)]
        return indices.flatten().long()[_unpadded(shape)[order]], np.concatenate(probs)

    def compress(self, indices: torch.Tensor, means: torch.Tensor, sequential: bool = False) -> bytes:
        """Code a (D, H, W) volume of level indices.

        ``sequential`` must match at decoding: one symbol per step in raster order (slower; causal,
        and so the trained model, only for the raster mask ``(4, 2)``). The wavefront order is coded
        in one pass (:meth:`_probabilities`); the sequential one walks its steps.
        """
        if indices.dim() != 3:
            raise ValueError("expected one (D, H, W) volume of symbol indices")
        coder = StepEncoder()
        if not sequential:
            symbols, probs = self._probabilities(indices, means.detach().float())
            coder.add(symbols.numpy(), probs)
            return coder.finish()[0]
        shape = cast(tuple[int, int, int], tuple(indices.shape))
        unpad, flat_idx = _unpadded(shape), indices.flatten().long()

        def step(plane: torch.Tensor, probs: np.ndarray) -> torch.Tensor:
            idx = flat_idx[unpad[plane]]
            coder.add(idx.numpy(), probs)
            return idx

        self._run(shape, means.detach().float(), step, sequential)
        return coder.finish()[0]

    def decompress(
        self, data: bytes, shape: tuple[int, int, int], means: torch.Tensor, sequential: bool = False
    ) -> torch.Tensor:
        """Inverse of :meth:`compress`: the (D, H, W) volume of level indices."""
        coder, unpad = StepDecoder(data), _unpadded(shape)
        out = torch.zeros(int(np.prod(shape)), dtype=torch.long)

        def step(plane: torch.Tensor, probs: np.ndarray) -> torch.Tensor:
            idx = torch.from_numpy(coder.decode(probs))
            out[unpad[plane]] = idx
            return idx

        self._run(shape, means.detach().float(), step, sequential)
        coder.finish()
        return out.view(shape)


def _padded_positions(shape: tuple[int, int, int]) -> tuple[torch.Tensor, torch.Tensor]:
    """``(flat index in the zero-padded volume, (c, h, w) indices)`` of every symbol, in raster order."""
    d, h, w = shape
    c_i, h_i, w_i = torch.meshgrid(torch.arange(d), torch.arange(h), torch.arange(w), indexing="ij")
    flat = ((c_i + 1) * (h + 2) * (w + 2) + (h_i + 1) * (w + 2) + (w_i + 1)).flatten()
    return flat, torch.stack([c_i.flatten(), h_i.flatten(), w_i.flatten()])


def _unpadded(shape: tuple[int, int, int]) -> torch.Tensor:
    """Map from a flat padded-volume index to the symbol's raster index (-1 for padding)."""
    d, h, w = shape
    flat, _ = _padded_positions(shape)
    unpad = torch.full(((d + 2) * (h + 2) * (w + 2),), -1, dtype=torch.long)
    unpad[flat] = torch.arange(d * h * w)
    return unpad
