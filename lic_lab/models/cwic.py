"""CWIC: content-weighted image compression (Li, Zuo, Gu, Zhao, Zhang, TPAMI; sec. 3-4).

* **Encoder** (sec. 3.1.1): a shared part ``E_s`` (three stride-2 convs, a dense block after the
  first two) and an encoding part ``E_p`` (a dense block, a conv to ``n`` channels and a sigmoid),
  so the code ``e`` lies in (0, 1). Lab widths ``N, 2N, 4N`` (paper 64, 128, 256).
* **Learnt channel-wise quantization** (sec. 3.1.3, eqs. 1-2, 9, 11-12): :mod:`lic_lab.quantization.learnt`.
* **Importance map** (sec. 3.1.2): two residual blocks on ``E_s(x)`` and a conv + sigmoid give
  ``p in (0, 1)^{h x w}``; ``QI(p)`` and the mask ``m`` of eqs. 3-4 (:mod:`lic_lab.quantization.importance_map`)
  keep the first ``n QI(p) / L`` channels of each position: ``z = m * Q(e)``. Option ``masked_value``
  (ours, not the paper's): a dropped code reaches the decoder as that value instead of 0.
* **Decoder**: the mirror, each stride-2 conv replaced by a conv and depth-to-space (PixelShuffle).
* **Loss** (eq. 10): ``L_D + gamma L_R + eta L_quant``. The trainer supplies ``L_D`` (with ``lambda``)
  and the entropy model's bits (which train only the TCAE: the codes are integers); ``extra_loss``
  is ``eta L_quant``, which moves only the centres. ``L_R`` (eq. 8) has no gradient: it enters
  through the two-stage relaxation (sec. 3.3.2), :class:`ImportanceRelaxation`.
* **Entropy coding** (sec. 4): the code ``o' = (o + 1) m`` and ``QI(p)`` are coded with TCAE
  (:mod:`lic_lab.entropy.tcae`), inclined (plane-parallel decoding) or sequential. ``QI(p)`` is coded
  first, so the decoder knows the mask and only kept codes cost bits.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from lic_lab.entropy.tcae import TCAE
from lic_lab.errors import BitstreamError
from lic_lab.layers import DenseBlock, ResidualBlock
from lic_lab.models.base import CompressionModel, keep_shared_channels, register
from lic_lab.quantization.importance_map import (
    importance_loss,
    importance_mask,
    importance_targets,
    quantize_importance,
    rate_loss,
)
from lic_lab.quantization.learnt import LearntQuantizer

MAX_BITS = 64.0  # per symbol, so that 2^-bits stays a positive float32 likelihood


class ImportanceRelaxation(torch.autograd.Function):
    """``z = m * Q(e)`` forward; backward also hands the importance map its sec. 3.3.2 gradient.

    The gradient reaching ``z`` is ``dL_D/dz`` at the current code (the first stage's Taylor proxy,
    eq. 13, needs exactly that, also at dropped codes). It gives each position its best level ``l*``
    (eqs. 15-17); the second stage's loss (eqs. 18-19) then yields ``p``'s gradient, ``+-alpha``.
    """

    @staticmethod
    def forward(ctx, q: torch.Tensor, p: torch.Tensor, mask: torch.Tensor, settings: tuple) -> torch.Tensor:
        ctx.save_for_backward(p, mask)
        ctx.settings = settings
        return q * mask

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        p, mask = ctx.saved_tensors
        levels, ratio, gamma, xi, alpha = ctx.settings
        per_image = grad * grad.shape[0]  # the trainer averages L_D over the batch
        targets = importance_targets(per_image, mask, levels, ratio, gamma, xi)
        with torch.enable_grad():
            p_ = p.detach().requires_grad_(True)
            (grad_p,) = torch.autograd.grad(importance_loss(p_, targets, levels, alpha), p_)
        return grad * mask, grad_p, None, None


class CodeGain(nn.Module):
    """``(z - 1/2) * gain``: the decoder's first step (not learnt).

    Codes live in (0, 1) with a spread of about 0.1; fed as they are, the decoder's default-initialised
    layers see a signal an order of magnitude weaker than they expect and our small model stalls
    near 17 dB (measured); a fixed affine map fixes the scale without changing what can be learnt.
    """

    def __init__(self, gain: float = 16.0):
        super().__init__()
        self.gain = gain

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return (z - 0.5) * self.gain


def _up(c_in: int, c_out: int) -> nn.Sequential:
    """Upsampling conv: a 3x3 conv to ``4 c_out`` channels, then depth-to-space by 2."""
    return nn.Sequential(nn.Conv2d(c_in, 4 * c_out, 3, padding=1), nn.PixelShuffle(2))


@register
class CWIC(CompressionModel):
    """Content-weighted image compression; ``M`` = ``n`` code channels, ``widths`` of the three
    encoder stages (the paper: 64, 128, 256). ``N`` is accepted for the trainer's common signature
    and not used."""

    arch = "cwic"
    transforms = ("shared", "encoding", "importance_net", "decoder")
    downsample = 8

    def __init__(
        self,
        N: int = 0,
        M: int = 32,
        levels: int = 8,
        importance_levels: int = 16,
        quantizer: str = "lcmq",
        importance: bool = True,
        r0: float = 0.45,
        gamma: float = 1e-4,
        xi: float = 0.1,
        alpha: float = 0.001,
        eta: float = 1.0,
        tcae: str = "inclined",
        tcae_groups: int = 3,
        tcae_layers: int = 3,
        tcae_one_hot: bool = False,
        widths: Sequence[int] = (16, 24, 32),
        masked_value: float = 0.0,
        **extra: Any,
    ):
        if tcae not in ("inclined", "sequential"):
            raise ValueError(f"tcae must be 'inclined' or 'sequential', not {tcae!r}")
        super().__init__(
            N=N,
            M=M,
            levels=levels,
            importance_levels=importance_levels,
            quantizer=quantizer,
            importance=importance,
            r0=r0,
            gamma=gamma,
            xi=xi,
            alpha=alpha,
            eta=eta,
            tcae=tcae,
            tcae_groups=tcae_groups,
            tcae_layers=tcae_layers,
            tcae_one_hot=bool(tcae_one_hot),
            widths=[int(c) for c in widths],
            masked_value=float(masked_value),
            **extra,
        )
        self.N, self.M, self.L, self.eta = N, M, importance_levels, eta
        self.use_importance = bool(importance)
        # What a dropped code decodes as. 0 is the paper's z = m * Q(e); after CodeGain it is -8, just
        # below a kept code at the lowest level (about -7), so the decoder can hardly tell "dropped"
        # from "dark". 1/2, the middle of the code range, reaches the decoder's first conv as 0.
        self.masked_value = float(masked_value)
        self.ratio = 2.0 / 3.0 * r0  # the paper's r = 2/3 r0
        self.relax = (importance_levels, self.ratio, gamma, xi, alpha)
        w = [int(c) for c in widths]
        self.shared = nn.Sequential(  # E_s
            nn.Conv2d(3, w[0], 3, stride=2, padding=1),
            nn.LeakyReLU(0.1, inplace=True),
            DenseBlock(w[0]),
            nn.Conv2d(w[0], w[1], 3, stride=2, padding=1),
            nn.LeakyReLU(0.1, inplace=True),
            DenseBlock(w[1]),
            nn.Conv2d(w[1], w[2], 3, stride=2, padding=1),
            nn.LeakyReLU(0.1, inplace=True),
        )
        self.encoding = nn.Sequential(DenseBlock(w[2]), nn.Conv2d(w[2], M, 3, padding=1), nn.Sigmoid())  # E_p
        self.importance_net = nn.Sequential(
            ResidualBlock(w[2]), ResidualBlock(w[2]), nn.Conv2d(w[2], 1, 3, padding=1), nn.Sigmoid()
        )
        self.decoder = nn.Sequential(
            CodeGain(),
            nn.Conv2d(M, w[2], 3, padding=1),
            nn.LeakyReLU(0.1, inplace=True),
            DenseBlock(w[2]),
            _up(w[2], w[1]),
            nn.LeakyReLU(0.1, inplace=True),
            DenseBlock(w[1]),
            _up(w[1], w[0]),
            nn.LeakyReLU(0.1, inplace=True),
            DenseBlock(w[0]),
            _up(w[0], w[0]),
            nn.LeakyReLU(0.1, inplace=True),
            nn.Conv2d(w[0], 3, 3, padding=1),
        )
        self.quantizer = LearntQuantizer(M, levels, quantizer)
        inclined = tcae == "inclined"
        if not inclined:  # one symbol per step: about 25 s per megapixel, so a lower size limit
            self.max_decode_pixels = 1 << 19
        hot = bool(tcae_one_hot)
        self.tcae = TCAE(M, self.quantizer.levels + 1, tcae_groups, tcae_layers, 5, inclined, out_kernel=1, one_hot=hot)
        self.tcae_p = TCAE(1, importance_levels, 2 * tcae_groups, tcae_layers, 5, inclined, out_kernel=1, one_hot=hot)
        self.section_names = ("importance", "code") if self.use_importance else ("code",)

    def configure_training(self, stage: str | None) -> None:
        """Stages: ``"tcae"`` trains fresh TCAE models alone on the frozen codes (as the paper does);
        ``"new-quantizer"`` restarts the quantizer and the TCAEs (the quantizer ablation's fine-tuning).
        """
        if stage == "tcae":
            for name, param in self.named_parameters():
                param.requires_grad_(name.startswith("tcae"))
            self.quantizer.adapt = False  # no dead-level re-spreading either: the codes stay fixed
            self.reset_entropy_models()
        elif stage == "new-quantizer":
            fresh = LearntQuantizer(self.M, self.quantizer.levels, self.quantizer.mode)
            self.quantizer.load_state_dict(fresh.state_dict())
            self.reset_entropy_models()
        elif stage:
            super().configure_training(stage)

    def reset_entropy_models(self) -> None:
        for module in (self.tcae, self.tcae_p):
            module.reset_parameters()

    def adapt_state(self, state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Warm start across code widths ``n``: the channels both models have keep their weights."""
        keys = [("encoding.1.weight", 0), ("encoding.1.bias", 0), ("decoder.1.weight", 1)]
        if self.quantizer.mode in ("lcmq", "fmq"):
            keys += [("quantizer.steps", 0), ("quantizer.idle", 0), ("quantizer.top_used", 0)]
        return keep_shared_channels(state, self.state_dict(), keys)

    def distortion_gradient(self, x: torch.Tensor, lmbda: float) -> torch.Tensor:
        """``|dL_D/dz|`` per code element of each image (``L_D = lambda 255^2 MSE``, the trainer's
        distortion term): the Taylor proxy of eq. 13 that the relaxation ranks positions by."""
        from lic_lab.training.losses import distortion_term

        was = self.training
        self.eval()
        with torch.enable_grad():
            z = self.analyse(x)["z"].detach().requires_grad_(True)
            loss = lmbda * distortion_term(x, self.decoder(z)) * x.shape[0]
            (grad,) = torch.autograd.grad(loss, z)
        self.train(was)
        return grad.abs()

    def fill_dropped(self, z: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``m * Q(e)`` -> the decoder's input: dropped codes set to ``masked_value`` (0: unchanged)."""
        return z + (1 - mask) * self.masked_value if self.masked_value else z

    def synthesize(self, y_hat: torch.Tensor) -> torch.Tensor:
        return self.decoder(y_hat)

    def analyse(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Code, its quantization, importance map and mask of a padded batch (no entropy model)."""
        f = self.shared(x)
        e = self.encoding(f)
        q, idx, quant_loss = self.quantizer(e)
        n, _, h, w = e.shape
        if self.use_importance:
            p = self.importance_net(f)[:, 0]
            qi = quantize_importance(p, self.L)
            mask = importance_mask(qi, self.M, self.L)
            z = ImportanceRelaxation.apply(q, p, mask, self.relax) if self.training else q * mask
            z = self.fill_dropped(z, mask)
        else:
            p = e.new_ones(n, h, w)
            qi = torch.full((n, h, w), self.L - 1, dtype=torch.long, device=e.device)
            mask, z = torch.ones_like(e), q
        return {
            "e": e,
            "q": q,
            "idx": idx,
            "quant_loss": quant_loss,
            "p": p,
            "qi": qi,
            "mask": mask,
            "z": z,
            "o": (idx + 1) * mask.long(),
        }

    def forward(self, x: torch.Tensor) -> dict[str, Any]:
        a = self.analyse(x)
        bits_o = self.tcae.bits(a["o"]) * a["mask"]
        likelihoods = {"code": torch.exp2(-bits_o.clamp_max(MAX_BITS))}
        if self.use_importance:
            likelihoods["importance"] = torch.exp2(-self.tcae_p.bits(a["qi"].unsqueeze(1)).clamp_max(MAX_BITS))
        return {
            "x_hat": self.decoder(a["z"]),
            "likelihoods": likelihoods,
            "extra_loss": self.eta * a["quant_loss"],
            "y": a["e"],
            "y_hat": a["z"],
            "mask": a["mask"],
            "p": a["p"],
            "y_likelihoods": likelihoods["code"],
            "rate_loss": rate_loss(a["mask"], self.ratio),
        }

    # --- real coding -------------------------------------------------------------------------
    def compress_latents(self, x: torch.Tensor) -> list[bytes]:
        a = self.analyse(x)
        code = self.tcae.compress(a["o"][0], a["mask"][0])
        return [self.tcae_p.compress(a["qi"][:1]), code] if self.use_importance else [code]

    def decode_mask(self, sections: list[bytes], shape: tuple[int, int]) -> tuple[torch.Tensor, list[bytes]]:
        """The importance mask (decoded from the first section, or all ones) and the remaining sections."""
        if len(sections) != len(self.section_names):
            raise BitstreamError(f"{self.name} bitstream needs {len(self.section_names)} sections, got {len(sections)}")
        if not self.use_importance:
            return torch.ones(self.M, *shape), sections
        qi = self.tcae_p.decompress(sections[0], (1, *shape))
        return importance_mask(qi, self.M, self.L)[0], sections[1:]

    def decompress_latents(self, sections: list[bytes], padded: tuple[int, int]) -> torch.Tensor:
        shape = self.latent_shape(padded, self.downsample)
        mask, (code,) = self.decode_mask(sections, shape)
        device = self.quantizer.steps.device
        o, mask = self.tcae.decompress(code, (self.M, *shape), mask).to(device), mask.to(device)
        z = self.fill_dropped(self.quantizer.dequantize((o - 1).clamp_min(0)[None]) * mask, mask)
        return self.decoder(z)
