"""The coarse-to-fine hyperprior (Hu et al., the benchmark paper sec. 6).

Several hyper levels instead of one: ``y = g_a(x)`` (1/16 size), ``z_1 = h_a1(y)`` (1/32),
``z_2 = h_a2(z_1)`` (1/64), ... Each level's Gaussian (mean, scale) is predicted from the level
above (eqs. 7, 8, 10, 11); the innermost level is zero-mean Gaussian with one learned scale per
channel, shared over space (eqs. 9, 12). Pieces:

* :class:`SignalPreservingAnalysis` / :class:`SignalPreservingSynthesis`: the hyper transforms of
  Table 3 (a small linear 3x3 conv that expands, space-to-depth, 1x1 convs).
* :class:`ProbabilityEstimation`: Table 4, a small CNN run on the 5x5 neighbourhood of every
  position of the hyper representation, giving the mean and ``|scale|`` of the level below.
* :class:`InformationAggregation`: Table 5 / Fig. 5 at lab width, the reconstruction network that
  fuses the main latent's features with every level's hyper representation.
* Staged training (sec. 6.5) through :meth:`CoarseToFineHyperprior.configure_training`
  (``hyper1``, ``hyper2``, ..., ``iar``, then end-to-end) and the information-fidelity loss of
  eq. 14 (``F(Y)`` one linear conv predicting the level below from the hyper representation).
"""

from __future__ import annotations

import re
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from lic_lab.entropy import GaussianConditional
from lic_lab.errors import BitstreamError
from lic_lab.layers import deconv
from lic_lab.models.balle import BalleBase, synthesis_transform
from lic_lab.models.base import register


class SignalPreservingAnalysis(nn.Sequential):
    """Table 3(a): 3x3 conv to 2c (linear), space-to-depth (8c at half size), 1x1 4c, 4c, c."""

    def __init__(self, c_in: int, c: int):
        super().__init__(
            nn.Conv2d(c_in, 2 * c, 3, padding=1),
            nn.PixelUnshuffle(2),
            nn.Conv2d(8 * c, 4 * c, 1),
            nn.ReLU(),
            nn.Conv2d(4 * c, 4 * c, 1),
            nn.ReLU(),
            nn.Conv2d(4 * c, c, 1),
        )


class SignalPreservingSynthesis(nn.Sequential):
    """Table 3(b): 1x1 to 4c (linear), 4c, 4c (ReLU), depth-to-space (c at double size), 3x3 conv (linear)."""

    def __init__(self, c: int):
        super().__init__(
            nn.Conv2d(c, 4 * c, 1),
            nn.Conv2d(4 * c, 4 * c, 1),
            nn.ReLU(),
            nn.Conv2d(4 * c, 4 * c, 1),
            nn.ReLU(),
            nn.PixelShuffle(2),
            nn.Conv2d(c, c, 3, padding=1),
        )


class ProbabilityEstimation(nn.Module):
    """Table 4: mean and scale of every element of a level from its 5x5 hyper neighbourhood.

    The hyper representation is unfolded into one ``c x 5 x 5`` patch per position; a small CNN
    (3x3, 3x3 stride 2, 3x3, leaky ReLU) and a dense layer turn each patch into ``2 * c_out``
    numbers: the first half is the mean, the absolute value of the second half the scale.
    ``hidden`` is the CNN's width (the paper keeps ``c``; lab width is smaller).
    """

    window = 5

    def __init__(self, c_in: int, c_out: int, hidden: int):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(c_in, hidden, 3, padding=1),
            nn.LeakyReLU(),
            nn.Conv2d(hidden, hidden, 3, stride=2, padding=1),
            nn.LeakyReLU(),
            nn.Conv2d(hidden, hidden, 3, padding=1),
            nn.LeakyReLU(),
        )
        self.dense = nn.Linear(hidden * 9, 2 * c_out)

    def forward(self, r: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(means, scales), each ``(b, c_out, h, w)``."""
        b, c, h, w = r.shape
        k = self.window
        patches = F.unfold(r, k, padding=k // 2).transpose(1, 2).reshape(b * h * w, c, k, k)
        out = self.dense(self.net(patches).flatten(1))
        means, scales = out.view(b, h, w, -1).permute(0, 3, 1, 2).chunk(2, dim=1)
        return means.contiguous(), scales.abs().contiguous()


class InformationAggregation(nn.Module):
    """Table 5 / Fig. 5 at lab width: reconstruct from the main features and all hyper levels.

    The hyper representations (each level's ``h_s`` output; coarser ones upsampled to 1/16 by
    nearest neighbour, our choice where the paper is silent) are concatenated and upsampled by
    three transposed convs (#1-#3) to half the image size, concatenated with the main synthesis
    features (``g_s`` without its last layer), refined by one residue block (R#1-R#3) and mapped
    to pixels (#4 transposed conv, #5 3x3 conv, #6 1x1 conv).
    """

    def __init__(self, main: int, hyper: int, width: int, res_width: int, out_width: int):
        super().__init__()
        fused = main + width
        self.hyper = nn.Sequential(
            deconv(hyper, width), deconv(width, width), nn.LeakyReLU(), deconv(width, width), nn.LeakyReLU()
        )
        self.residue = nn.Sequential(
            nn.Conv2d(fused, res_width, 3, padding=1),
            nn.LeakyReLU(),
            nn.Conv2d(res_width, res_width, 3, padding=1),
            nn.LeakyReLU(),
            nn.Conv2d(res_width, fused, 3, padding=1),
            nn.LeakyReLU(),
        )
        self.out = nn.Sequential(
            deconv(fused, out_width), nn.Conv2d(out_width, 3, 3, padding=1), nn.LeakyReLU(), nn.Conv2d(3, 3, 1)
        )

    def forward(self, main: torch.Tensor, reps: list[torch.Tensor]) -> torch.Tensor:
        size = reps[0].shape[-2:]
        side = torch.cat(
            [r if r.shape[-2:] == size else F.interpolate(r, size=size, mode="nearest") for r in reps], dim=1
        )
        fused = torch.cat([main, self.hyper(side)], dim=1)
        return self.out(fused + self.residue(fused))

    @staticmethod
    def baseline_init(
        state: dict[str, torch.Tensor],
        prefix: str,
        last_w: torch.Tensor,
        last_b: torch.Tensor,
        shapes: dict[str, torch.Size],
    ) -> None:
        """Weights that make the network start as the single-level decoder's last layer.

        #4 copies ``g_s``'s last transposed conv onto the main features (zero on the hyper path),
        #5 and #6 pass those three channels through, R#3 starts at zero (the residue block is the
        identity). Training then learns how much of the hyper information to use.
        """
        main = last_w.shape[0]
        w4 = torch.zeros(shapes[prefix + "out.0.weight"], dtype=last_w.dtype)
        w4[:main, :3] = last_w
        b4 = torch.zeros(shapes[prefix + "out.0.bias"], dtype=last_w.dtype)
        b4[:3] = last_b
        w5 = torch.zeros(shapes[prefix + "out.1.weight"], dtype=last_w.dtype)
        w5[torch.arange(3), torch.arange(3), 1, 1] = 1.0
        state.update(
            {
                prefix + "out.0.weight": w4,
                prefix + "out.0.bias": b4,
                prefix + "out.1.weight": w5,
                prefix + "out.1.bias": torch.zeros(3, dtype=last_w.dtype),
                prefix + "out.3.weight": torch.eye(3, dtype=last_w.dtype).view(3, 3, 1, 1),
                prefix + "out.3.bias": torch.zeros(3, dtype=last_w.dtype),
                prefix + "residue.4.weight": torch.zeros(shapes[prefix + "residue.4.weight"], dtype=last_w.dtype),
                prefix + "residue.4.bias": torch.zeros(shapes[prefix + "residue.4.bias"], dtype=last_w.dtype),
            }
        )


@register
class CoarseToFineHyperprior(BalleBase):
    """Multi-level (coarse-to-fine) hyperprior with signal-preserving hyper transforms and IAR.

    ``levels`` hyper levels of ``C`` channels each (``levels = 1`` is the single-level ablation
    with the same transforms). Bitstream sections: the innermost level first, then outwards to y.
    """

    arch = "coarse_to_fine"
    transforms = ("g_a", "g_s", "iar")
    max_decode_pixels = 1 << 21  # the IAR's half-resolution features: 3.0 GB peak at 4.2 MP, half that here

    def __init__(
        self,
        N: int = 64,
        M: int = 96,
        C: int = 64,
        levels: int = 2,
        pe_hidden: int = 32,
        iar_width: int = 32,
        iar_res_width: int = 16,
        iar_out_width: int = 8,
        fidelity: float = 0.1,
        **kw: Any,
    ):
        if levels < 1:
            raise ValueError("levels must be at least 1")
        self.C, self.levels = C, levels
        super().__init__(
            N=N,
            M=M,
            C=C,
            levels=levels,
            pe_hidden=pe_hidden,
            iar_width=iar_width,
            iar_res_width=iar_res_width,
            iar_out_width=iar_out_width,
            fidelity=fidelity,
            **kw,
        )
        self.downsample = 16 * 2**levels
        # latent coded in each bitstream section, in order (innermost level first)
        self.section_names = tuple(f"z{i}" for i in range(levels, 0, -1)) + ("y",)
        widths = [M] + [C] * levels  # channels of y, z_1, ..., z_L
        self.hyper_a = nn.ModuleList(SignalPreservingAnalysis(widths[i], C) for i in range(levels))
        self.hyper_s = nn.ModuleList(SignalPreservingSynthesis(C) for _ in range(levels))
        self.estimate = nn.ModuleList(ProbabilityEstimation(C, widths[i], pe_hidden) for i in range(levels))
        self.fidelity_maps = nn.ModuleList(nn.Conv2d(C, widths[i], 3, padding=1) for i in range(levels))
        # one per-channel log-scale per level: the innermost *active* level uses its own (eq. 12),
        # so the levels can be trained one after another (sec. 6.5)
        self.innermost_log_scales = nn.ParameterList(nn.Parameter(torch.zeros(C)) for _ in range(levels))
        self.iar = InformationAggregation(N, C * levels, iar_width, iar_res_width, iar_out_width)
        self.fidelity_weight = fidelity
        self.active_levels = levels
        self.stage: str | None = None
        self.gaussian = GaussianConditional()

    def build_synthesis(self) -> nn.Module:
        """g_s without its last layer (sec. 6.5): features at half size for the IAR."""
        return nn.Sequential(*list(synthesis_transform(self.N, self.M))[:-1])

    def synthesize_with(self, y_hat: torch.Tensor, reps: list[torch.Tensor]) -> torch.Tensor:
        """IAR(g_s(y_hat), hyper representations); missing (untrained) levels read as zeros."""
        reps = list(reps)
        while len(reps) < self.levels:
            h, w = reps[-1].shape[-2] // 2, reps[-1].shape[-1] // 2
            reps.append(reps[-1].new_zeros(reps[-1].shape[0], self.C, h, w))
        return self.iar(self.g_s(y_hat), reps)

    def synthesize(self, y_hat: torch.Tensor) -> torch.Tensor:
        """Decode a latent alone (channel experiments): the hyper levels are re-derived from it."""
        return self.synthesize_with(y_hat, self._hyper_representations(y_hat))

    def _hyper_representations(self, y_hat: torch.Tensor) -> list[torch.Tensor]:
        """Each level's hyper representation re-derived from a latent (true rounding)."""
        latents = [y_hat]
        for i in range(self.active_levels):
            latents.append(self.hyper_a[i](latents[-1]))
        q = torch.round(latents[-1])
        reps: list[torch.Tensor] = []
        for i in reversed(range(self.active_levels)):
            reps.insert(0, self.hyper_s[i](q))
            if i:
                means, _ = self.estimate[i](reps[0])
                q = torch.round(latents[i] - means) + means
        return reps

    def innermost_scales(self, like: torch.Tensor) -> torch.Tensor:
        """The learned per-channel scale of the innermost active level, broadcast over space (eq. 12)."""
        scale = torch.exp(self.innermost_log_scales[self.active_levels - 1])
        return scale.view(1, -1, 1, 1).expand_as(like)

    # --- training ------------------------------------------------------------------------------
    def configure_training(self, stage: str | None) -> None:
        """Sec. 6.5's stages: ``hyperL`` trains hyper level L alone (lower levels frozen, upper ones
        not used yet), ``iar`` the reconstruction network alone, ``joint`` (or none) everything."""
        self.stage = stage
        self.active_levels = self.levels
        for p in self.parameters():
            p.requires_grad_(stage in (None, "joint"))
        if stage in (None, "joint"):
            return
        m = re.fullmatch(r"hyper(\d+)", stage)
        if m and 1 <= int(m.group(1)) <= self.levels:
            level = int(m.group(1))
            self.active_levels = level
            i = level - 1
            for module in (self.hyper_a[i], self.hyper_s[i], self.estimate[i], self.fidelity_maps[i]):
                module.requires_grad_(True)
            self.innermost_log_scales[i].requires_grad_(True)
        elif stage == "iar":
            self.iar.requires_grad_(True)
        else:
            raise ValueError(f"{self.arch} stages are hyper1..hyper{self.levels}, iar, joint; not {stage!r}")

    def adapt_state(self, state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """From a single-level Ballé model: keep g_a and g_s, turn g_s's last layer into the IAR's start."""
        if "g_s.6.weight" in state and not any(k.startswith("iar.") for k in state):
            shapes = {k: v.shape for k, v in self.state_dict().items()}
            state = dict(state)
            InformationAggregation.baseline_init(
                state, "iar.", state.pop("g_s.6.weight").float(), state.pop("g_s.6.bias").float(), shapes
            )
        return state

    def forward(self, x: torch.Tensor) -> dict[str, Any]:
        y = self.g_a(x)
        latents = [y]
        for i in range(self.active_levels):
            latents.append(self.hyper_a[i](latents[-1]))
        top = latents[-1]
        rate_q, dec_q = self.quantize_pair(top)
        name = f"z{self.active_levels}"
        levels, level_scales = {name: dec_q}, {name: self.innermost_scales(top)}
        likelihoods = {name: self.gaussian.likelihood(rate_q, level_scales[name])}
        reps: list[torch.Tensor] = []
        fidelity: list[torch.Tensor] = []
        for i in reversed(range(self.active_levels)):
            rep = self.hyper_s[i](dec_q)
            reps.insert(0, rep)
            means, scales = self.estimate[i](rep)
            fidelity.append(F.mse_loss(self.fidelity_maps[i](rep), latents[i].detach()))
            rate_q, dec_q = self.quantize_pair(latents[i], means)
            name = "y" if i == 0 else f"z{i}"
            likelihoods[name] = self.gaussian.likelihood(rate_q, scales, means)
            levels[name], level_scales[name] = dec_q, scales
            if i == 0:
                y_hat, y_scales, y_means = dec_q, scales, means
        if self.stage and self.stage.startswith("hyper"):
            with torch.no_grad():  # decoder frozen; its output only fills the loss's distortion term
                x_hat = self.synthesize_with(y_hat, reps)
        else:
            x_hat = self.synthesize_with(y_hat, reps)
        out = {
            "x_hat": x_hat,
            "likelihoods": likelihoods,
            "y": y,
            "y_hat": y_hat,
            "scales": y_scales,
            "means": y_means,
            "reps": reps,
            "levels": levels,
            "level_scales": level_scales,
        }
        if self.training and self.stage and self.stage.startswith("hyper"):
            out["extra_loss"] = self.fidelity_weight * sum(fidelity)  # eq. 14
        return out

    # --- real coding ---------------------------------------------------------------------------
    def compress_latents(self, x: torch.Tensor) -> list[bytes]:
        latents = [self.g_a(x)]
        for i in range(self.levels):
            latents.append(self.hyper_a[i](latents[-1]))
        top = latents[-1]
        sections, q = [self.gaussian.compress(top, self.innermost_scales(top))], self.gaussian.quantize(top)
        for i in reversed(range(self.levels)):
            means, scales = self.estimate[i](self.hyper_s[i](q))
            sections.append(self.gaussian.compress(latents[i], scales, means))
            q = self.gaussian.quantize(latents[i], means)
        return sections

    def decode_levels(
        self, sections: list[bytes], padded: tuple[int, int]
    ) -> tuple[torch.Tensor, list[torch.Tensor], list[torch.Tensor]]:
        """(y_hat, hyper representations, decoded levels z_1..z_L) from the coded sections."""
        if len(sections) != self.levels + 1:
            raise BitstreamError(f"coarse-to-fine bitstream needs {self.levels + 1} sections (z_{self.levels}..z_1, y)")
        device = next(self.parameters()).device
        h, w = self.latent_shape(padded, self.downsample)
        shape = torch.empty(1, self.C, h, w, device=device)
        q = self.gaussian.decompress(sections[0], self.innermost_scales(shape)).to(device)
        levels = [q]
        reps: list[torch.Tensor] = []
        for k, i in enumerate(reversed(range(self.levels))):
            rep = self.hyper_s[i](q)
            reps.insert(0, rep)
            means, scales = self.estimate[i](rep)
            q = self.gaussian.decompress(sections[k + 1], scales, means)
            levels.insert(0, q)
        return levels[0], reps, levels[1:]

    def decompress_latents(self, sections: list[bytes], padded: tuple[int, int]) -> torch.Tensor:
        y_hat, reps, _ = self.decode_levels(sections, padded)
        return self.synthesize_with(y_hat, reps)
