"""CVQN: the channel-level variable quantization network (Zhong, Akutsu, Aizawa, IJCAI 2020).

* **Channel attention residual en/decoder** (sec. 3.1): a head conv, four stages that each halve
  the resolution with inverse PixelShuffle (eq. 1), and a tail conv to ``C`` latent channels; the
  decoder mirrors it with PixelShuffle. Lab scale: stage widths ``N, 2N, 3N, 4N`` (paper 32, 64,
  128, 192) and ``B`` residual channel-attention blocks per stage (paper 6); each stage's conv
  changes the width right after the (inverse) shuffle, so the residual group runs at the stage's
  own width (the paper runs it before that conv, at 4x the channels: too slow for this CPU).
* **Variable quantization controller** (sec. 3.3, :mod:`lic_lab.quantization.variable`): channel
  importance, split into ``G`` groups by ``r``, group ``g`` quantized by its own ``q_g``-level GMM
  quantizer (sec. 3.2, eqs. 2-5) and coded with its own 3D context model, merged back.
* **Loss** (eq. 8): ``alpha L_dis + 1/G sum_g L_ent,g + beta 1/G sum_g L_GMM,g``. Here the trainer's
  ``bpp + lambda (1 - MS-SSIM)`` supplies the first two terms (bits summed over groups, per
  pixel, rather than averaged per group) and :meth:`forward` returns ``beta`` times the mean
  per-symbol GMM negative log-likelihood averaged over groups as ``extra_loss``.
* **Bitstream**: one section per group, least important first; SE importance depends on the
  image, so its channel order travels in a leading section of ``C`` bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import torch
from torch import nn

from lic_lab.entropy.context3d import ContextModel3D
from lic_lab.errors import BitstreamError
from lic_lab.layers import ResidualGroup
from lic_lab.models.base import CompressionModel, keep_shared_channels, register
from lic_lab.quantization.gmm import GMMQuantizer
from lic_lab.quantization.variable import ChannelImportance, bound_bpp, group_sizes, merge, split


def cvqn_encoder(widths: Sequence[int], channels: int, blocks: int) -> nn.Sequential:
    """Head conv, four stages (inverse PixelShuffle, conv, residual group), tail conv to ``C``."""
    layers: list[nn.Module] = [nn.Conv2d(3, widths[0], 3, padding=1)]
    for w_in, w_out in zip(widths, widths[1:]):
        layers += [nn.PixelUnshuffle(2), nn.Conv2d(4 * w_in, w_out, 3, padding=1), ResidualGroup(w_out, blocks)]
    layers.append(nn.Conv2d(widths[-1], channels, 3, padding=1))
    return nn.Sequential(*layers)


def cvqn_decoder(widths: Sequence[int], channels: int, blocks: int) -> nn.Sequential:
    """The mirror: head conv from ``C``, four stages (residual group, conv, PixelShuffle), tail conv."""
    rev = list(widths)[::-1]
    layers: list[nn.Module] = [nn.Conv2d(channels, rev[0], 3, padding=1)]
    for w_in, w_out in zip(rev, rev[1:]):
        layers += [ResidualGroup(w_in, blocks), nn.Conv2d(w_in, 4 * w_out, 3, padding=1), nn.PixelShuffle(2)]
    layers.append(nn.Conv2d(rev[-1], 3, 3, padding=1))
    return nn.Sequential(*layers)


@register
class CVQN(CompressionModel):
    """Channel-level variable quantization network; ``M`` = ``C`` latent channels, ``N`` = base width."""

    arch = "cvqn"
    transforms = ("encoder", "decoder")
    downsample = 16

    def __init__(
        self,
        N: int = 12,
        M: int = 32,
        levels: Sequence[int] = (3, 5, 7),
        ratios: Sequence[float] = (0.25, 0.5, 0.25),
        importance: str = "predefined",
        blocks: int = 1,
        context_hidden: int = 16,
        context_layers: int = 3,
        beta: float = 0.001,
        re_every: int = 100,
        **extra: Any,
    ):
        levels, ratios = [int(q) for q in levels], [float(r) for r in ratios]
        if len(levels) != len(ratios):
            raise ValueError("levels and ratios need one entry per group")
        super().__init__(
            N=N,
            M=M,
            levels=levels,
            ratios=ratios,
            importance=importance,
            blocks=blocks,
            context_hidden=context_hidden,
            context_layers=context_layers,
            beta=beta,
            re_every=re_every,
            **extra,
        )
        self.N, self.M, self.C = N, M, M
        self.levels, self.ratios, self.beta, self.re_every = levels, ratios, beta, re_every
        self.sizes = group_sizes(M, ratios)
        widths = [N // 2 if N >= 2 else 1, N, 2 * N, 3 * N, 4 * N]
        self.encoder = cvqn_encoder(widths, M, blocks)
        self.decoder = cvqn_decoder(widths, M, blocks)
        self.importance = ChannelImportance(M, importance)
        self.quantizers = nn.ModuleList(GMMQuantizer(q) for q in levels)
        self.contexts = nn.ModuleList(ContextModel3D(q, context_hidden, context_layers) for q in levels)
        self.section_names = (("order",) if importance == "se" else ()) + tuple(f"g{g + 1}" for g in range(len(levels)))
        self._steps = 0

    def group_models(self) -> list[tuple[ContextModel3D, GMMQuantizer]]:
        """Each group's (context model, quantizer), typed (the stub of ``nn.ModuleList`` yields plain modules)."""
        contexts = cast(list[ContextModel3D], list(self.contexts))
        quantizers = cast(list[GMMQuantizer], list(self.quantizers))
        return list(zip(contexts, quantizers))

    @property
    def bound_bpp(self) -> float:
        """Eq. 7's upper bound on the rate, in bits per image pixel."""
        return bound_bpp(self.C, self.downsample, self.ratios, self.levels)

    def configure_training(self, stage: str | None) -> None:
        """Stage ``"new-entropy"`` re-initialises every GMM quantizer and context model.

        The ablations fine-tune one shared en/decoder with each variant's own quantization; this
        stage gives every variant (the control too) the same fresh start on the entropy side.
        """
        if stage == "new-entropy":
            for module in [*self.quantizers, *self.contexts, self.importance]:
                for m in module.modules():
                    if hasattr(m, "reset_parameters"):
                        m.reset_parameters()
        elif stage:
            super().configure_training(stage)

    def adapt_state(self, state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Warm start across latent widths: the channels both models have keep their weights.

        Only the encoder's tail conv (outputs) and the decoder's head conv (inputs) depend on ``C``;
        a model with more channels gets the source's in its first ``C_src`` and fresh ones after.
        """
        tail = f"encoder.{len(self.encoder) - 1}"
        return keep_shared_channels(
            state, self.state_dict(), [(f"{tail}.weight", 0), (f"{tail}.bias", 0), ("decoder.0.weight", 1)]
        )

    def synthesize(self, y_hat: torch.Tensor) -> torch.Tensor:
        return self.decoder(y_hat)

    def quantize_groups(
        self, z: torch.Tensor, order: torch.Tensor
    ) -> tuple[list[torch.Tensor], list[torch.Tensor], list[torch.Tensor]]:
        """Split ``z`` by ``order`` and quantize each group: (values, indices, raw group latents)."""
        groups = split(z, order, self.sizes)
        values, indices = zip(*(quant(zg) for quant, zg in zip(self.quantizers, groups)))
        return list(values), list(indices), groups

    def forward(self, x: torch.Tensor) -> dict[str, Any]:
        z = self.encoder(x)
        if self.training and self.importance.kind == "re":
            if self._steps % self.re_every == 0:
                self.refresh_reconstruction_importance(x)
            self._steps += 1
        order = self.importance.order(z)
        values, indices, groups = self.quantize_groups(z, order)
        models = self.group_models()
        likelihoods = {
            f"g{g + 1}": ctx.likelihood(v, i) for g, ((ctx, _), v, i) in enumerate(zip(models, values, indices))
        }
        nll = torch.stack([q.nll(zg) / zg.numel() for (_, q), zg in zip(models, groups)]).mean()
        z_hat = merge(values, order)
        return {
            "x_hat": self.decoder(z_hat),
            "likelihoods": likelihoods,
            "extra_loss": self.beta * nll,
            "y": z,
            "y_hat": z_hat,
            "order": order,
            "indices": indices,
            "y_likelihoods": merge(list(likelihoods.values()), order),
        }

    @torch.no_grad()
    def reconstruction_importance(self, x: torch.Tensor) -> torch.Tensor:
        """Eq. 6: ``w_c`` = mean MS-SSIM loss of decoding ``x`` with channel ``c`` zeroed before quantization."""
        from lic_lab.evaluation.metrics import ms_ssim

        z = self.encoder(x)
        order = self.importance.order(z)
        weights = torch.zeros(self.C)
        for c in range(self.C):
            pruned = z.clone()
            pruned[:, c] = 0
            values, _, _ = self.quantize_groups(pruned, order)
            x_hat = self.decoder(merge(values, order)).clamp(0, 1)
            weights[c] = sum(1 - ms_ssim(x[i : i + 1], x_hat[i : i + 1]) for i in range(x.shape[0])) / x.shape[0]
        return weights

    def refresh_reconstruction_importance(self, x: torch.Tensor) -> None:
        """Recompute the RE importance on ``x`` (during training: that step's batch of training crops)."""
        was_training = self.training
        self.eval()
        self.importance.re_weights.copy_(self.reconstruction_importance(x))
        self.train(was_training)

    # --- real coding -------------------------------------------------------------------------
    @torch.no_grad()
    def symbols(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """``(channel order, level indices of each group)`` of a padded image: what the coder codes."""
        z = self.encoder(x)
        order = self.importance.order(z)
        return order, self.quantize_groups(z, order)[1]

    def compress_latents(self, x: torch.Tensor) -> list[bytes]:
        order, indices = self.symbols(x)
        sections = [bytes(order.tolist())] if self.importance.kind == "se" else []
        for (ctx, quant), idx in zip(self.group_models(), indices):
            sections.append(ctx.compress(idx[0], quant.means))
        return sections

    def decode_order(self, sections: list[bytes]) -> tuple[torch.Tensor, list[bytes]]:
        """The channel order (from the stream for SE, else the model's) and the group sections."""
        if len(sections) != len(self.section_names):
            raise BitstreamError(f"{self.name} bitstream needs {len(self.section_names)} sections, got {len(sections)}")
        if self.importance.kind != "se":
            return self.importance.order(), sections
        order = list(sections[0])
        if sorted(order) != list(range(self.C)):
            raise BitstreamError("bitstream channel order is not a permutation of the latent channels")
        return torch.tensor(order), sections[1:]

    def decompress_latents(self, sections: list[bytes], padded: tuple[int, int]) -> torch.Tensor:
        order, groups = self.decode_order(sections)
        h, w = self.latent_shape(padded, self.downsample)
        values = []
        for size, (ctx, quant), data in zip(self.sizes, self.group_models(), groups):
            idx = ctx.decompress(data, (size, h, w), quant.means)
            values.append(quant.dequantize(idx)[None])
        return self.decoder(merge(values, order))
