"""CBANet-HP (Guo et al.): one scale-hyperprior decoder for several bitrates and complexities.

Assembled on the foundation's scale hyperprior (Ballé et al. 2018):

* **Encoder preparation** (sec. III-B): the analysis transform, the hyper transforms and the
  z density come from a hyperprior trained at the *base* (highest) bitrate, then stay frozen.
* **Complexity adaptive module** (sec. III-C, eqs. 6-7): ``K_max`` parallel synthesis branches
  read the same ``y_hat``; the image is ``x_hat = sum_k g_k * F_k(y_hat)`` over the first ``K``
  branches. Branch widths are chosen so their FLOPs split about 25 / 25 / 50 %. Trained
  progressively (eq. 3): branch 1 alone, then branch 2 with branch 1 frozen, then branch 3.
  A ``joint`` stage (not the paper's; the workbook's experiment, notebook 06 section 2.1) then
  trains all branches together on the mean distortion of every ``K``.
* **Bitrate adaptive module** (sec. III-D, eqs. 4-5, 8-9): for each lower bitrate ``j`` a BAL
  shrinks ``y`` before quantization and an IBAL expands ``y_hat`` after it; as in CBANet-HP
  (sec. III-E) a second pair wraps the hyper latent ``z``. Identity at the base bitrate. Each
  pair is trained with the encoder and the CAM frozen, on ``R + lambda_j D`` (eq. 5).

Bitrate ``j`` (1 = lowest, ``bitrates`` = base) travels in the bitstream header; the number of
branches ``K`` is the decoder's own choice (:meth:`set_branches`).
"""

from __future__ import annotations

import itertools
import math
import re
from typing import Any

import torch
from torch import nn

from lic_lab.errors import UsageError
from lic_lab.layers import BitrateAdaptiveLayer
from lic_lab.models.balle import ScaleHyperprior, synthesis_transform
from lic_lab.models.base import register


class Branch(nn.Module):
    """One CAM branch: a synthesis transform ``F_k`` of width ``T_k`` and its learned weight ``g_k``.

    A later branch (``residual=True``) starts as a near-zero residual: its last layer is scaled by
    1e-2 with zero bias, and ``g_k`` starts at 1. The paper gives no initial ``g_k``; an earlier
    version started it at 0.1 on a random ``F_k``, whose first outputs were pure noise, and Adam
    drove the scalar to ~0.005 within its stage, which scaled every later update of ``F_k`` down by
    the same factor: branches 2 and 3 learned almost nothing (+0.04 dB from K = 1 to 3).

    Starting at 1 does not keep it there: ``g_k`` multiplies the scale of ``F_k``'s last layer, so the
    loss only sees their product, and along that flat direction Adam's steps (about the lr each,
    whatever the gradient's size) let ``g_k`` drift: trained on at lr 1e-3 (round 2 of recipe
    ``cbanet-long``), ``g_2`` fell from 0.54 to 0.03 and ``g_3`` from 0.35 to 0.009. The model's
    ``weight_lr_scale`` (default 0.01) is the lr multiplier of ``g_k`` (:meth:`CBANetHP.lr_scales`):
    still learnt, as the paper has it, but it stays where it starts, so the printed ``g_k`` say how
    much each branch adds. Measured (round 3, the same schedule at 0.01): the image quality is the
    same as round 2's; the drift did no harm, and branch 3 stopped improving after 1,000 steps in
    both rounds (notebook 06, section 2.1). Training all branches together afterwards (round 4, stage
    ``joint``) raised every K by 0.07-0.09 dB on the validation photos but the gain from K = 1 to 3
    only from 0.175 to 0.184 dB: neither the drift nor the freezing is what limits the narrow branches.
    """

    def __init__(self, width: int, latent: int, residual: bool = False):
        super().__init__()
        self.net = synthesis_transform(width, latent)
        self.weight = nn.Parameter(torch.tensor(1.0))
        if residual:
            last = self.net[-1]
            assert isinstance(last, nn.ConvTranspose2d)
            with torch.no_grad():
                last.weight.mul_(1e-2)
                if last.bias is not None:
                    last.bias.zero_()

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        """The scaled residual ``x~_k = g_k * F_k(y)`` (eq. 7)."""
        return self.weight * self.net(y)


def running_sums(residuals: list[torch.Tensor]) -> list[torch.Tensor]:
    """The image with K = 1, 2, ... branches: the running sums of the branches' scaled outputs (eq. 7)."""
    return list(itertools.accumulate(residuals))


class ComplexityAdaptiveDecoder(nn.Module):
    """``x_hat = sum_{k <= K} g_k F_k(y_hat)`` (eq. 7, each ``F_k`` eq. 6's branch); ``active`` is K."""

    def __init__(self, latent: int, widths: tuple[int, ...]):
        super().__init__()
        self.branches = nn.ModuleList(Branch(w, latent, residual=k > 0) for k, w in enumerate(widths))
        self.active = len(widths)

    def residuals(self, y_hat: torch.Tensor, k: int | None = None) -> list[torch.Tensor]:
        """Each used branch's scaled output ``x~_k``."""
        return [branch(y_hat) for branch in self.branches[: k or self.active]]

    def forward(self, y_hat: torch.Tensor) -> torch.Tensor:
        return torch.stack(self.residuals(y_hat)).sum(0)

    def every_k(self, y_hat: torch.Tensor) -> list[torch.Tensor]:
        """The image at each ``K = 1 .. active`` from one pass: the running sums of eq. 7."""
        return running_sums(self.residuals(y_hat))


@register
class CBANetHP(ScaleHyperprior):
    """Scale hyperprior + CAM (``widths``) + one BAM per lower bitrate (``bitrates - 1`` of them)."""

    arch = "cbanet_hp"
    g_s: ComplexityAdaptiveDecoder  # built by build_synthesis
    has_branches = True
    discrete_rates = True

    def __init__(
        self,
        N: int = 64,
        M: int = 96,
        widths: tuple[int, ...] = (30, 30, 44),
        bitrates: int = 5,
        bam_hidden: int = 144,
        hyper_bam_hidden: int = 96,
        weight_lr_scale: float = 0.01,
        **kw: Any,
    ):
        widths = tuple(int(w) for w in widths)
        super().__init__(
            N=N,
            M=M,
            widths=list(widths),
            bitrates=bitrates,
            bam_hidden=bam_hidden,
            hyper_bam_hidden=hyper_bam_hidden,
            weight_lr_scale=float(weight_lr_scale),
            **kw,
        )
        self.bitrates = bitrates
        lower = bitrates - 1
        self.bal = nn.ModuleList(BitrateAdaptiveLayer(M, bam_hidden) for _ in range(lower))
        self.ibal = nn.ModuleList(BitrateAdaptiveLayer(M, bam_hidden, inverse=True) for _ in range(lower))
        self.bal_z = nn.ModuleList(BitrateAdaptiveLayer(N, hyper_bam_hidden) for _ in range(lower))
        self.ibal_z = nn.ModuleList(BitrateAdaptiveLayer(N, hyper_bam_hidden, inverse=True) for _ in range(lower))
        self.rate_range = (1.0, float(bitrates))
        self.set_rate(bitrates)

    def build_synthesis(self) -> nn.Module:
        return ComplexityAdaptiveDecoder(self.M, tuple(self.config["widths"]))

    # --- decode-time choices -------------------------------------------------------------
    def set_rate(self, rate: float) -> None:
        """Bitrate index ``j`` in ``1 .. bitrates`` (the base bitrate is the highest)."""
        if (
            not isinstance(rate, (int, float))
            or not math.isfinite(rate)
            or float(rate) != int(rate)
            or not 1 <= rate <= self.bitrates
        ):
            raise UsageError(f"bitrate must be a whole number in 1..{self.bitrates}, got {rate!r}")
        self.rate = int(rate)
        self.setting = float(self.rate)

    def set_branches(self, k: int) -> None:
        """Number of CAM branches ``K`` used to decode (1 .. K_max): the complexity level."""
        k_max = self.max_branches
        if not isinstance(k, int) or not 1 <= k <= k_max:
            raise UsageError(f"branches must be a whole number in 1..{k_max}, got {k!r}")
        self.g_s.active = k

    @property
    def branches(self) -> int:
        """The number of branches currently used to decode (K)."""
        return self.g_s.active

    @property
    def max_branches(self) -> int:
        return len(self.g_s.branches)

    # --- BAM around the quantizers (identity at the base bitrate) ---------------------------
    def _bam(self, layers: nn.ModuleList, x: torch.Tensor) -> torch.Tensor:
        return x if self.rate == self.bitrates else layers[self.rate - 1](x)

    def latent_to_code(self, y: torch.Tensor) -> torch.Tensor:
        """BAL, eq. 8: ``y^j = y^b (1 - sigmoid(B(y^b)))``."""
        return self._bam(self.bal, y)

    def code_to_latent(self, y_hat: torch.Tensor) -> torch.Tensor:
        """IBAL, eq. 9: ``y_hat^b = y_hat^j (1 + relu(B'(y_hat^j)))``."""
        return self._bam(self.ibal, y_hat)

    def hyper_analysis(self, y: torch.Tensor) -> torch.Tensor:
        return self._bam(self.bal_z, super().hyper_analysis(y))

    def entropy_parameters(self, z_hat: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        return super().entropy_parameters(self._bam(self.ibal_z, z_hat))

    # --- staged training -------------------------------------------------------------------
    joint = False  # set by the ``joint`` stage

    def decoded(self, y_hat: torch.Tensor) -> dict[str, Any]:
        """In the ``joint`` stage, every ``K``'s image, so the loss weighs them all."""
        if not (self.training and self.joint):
            return super().decoded(y_hat)
        x_hats = self.g_s.every_k(self.code_to_latent(y_hat))
        return {"x_hat": x_hats[-1], "x_hats": x_hats}

    def lr_scales(self) -> dict[str, float]:
        """Each branch weight ``g_k`` learns at ``weight_lr_scale`` times the lr (see :class:`Branch`)."""
        return {f"g_s.branches.{k}.weight": self.config["weight_lr_scale"] for k in range(self.max_branches)}

    def configure_training(self, stage: str | None) -> None:
        """``branchK``: train branch K with branches < K frozen (eq. 3); ``bamJ``: train bitrate J's
        BAL/IBAL pairs with everything else frozen (eq. 5); ``joint`` (not the paper's): train every
        branch at once on ``R + lambda * mean_K D_K`` at the base bitrate, ``D_K`` the distortion of
        the first ``K`` branches' sum. The encoder is frozen in all of them."""
        match = re.fullmatch(r"(branch|bam)(\d+)|joint", stage or "")
        if not match:
            raise ValueError(f"cbanet_hp trains in stages 'branchK', 'bamJ' or 'joint', not {stage!r}")
        kind, index = match.group(1) or "joint", int(match.group(2) or 0)
        for p in self.parameters():
            p.requires_grad_(False)
        self.joint = kind == "joint"
        if self.joint:
            self.set_branches(self.max_branches)
            self.set_rate(self.bitrates)
            trainable: list[nn.Module] = [self.g_s]
        elif kind == "branch":
            self.set_branches(index)
            self.set_rate(self.bitrates)
            trainable = [self.g_s.branches[index - 1]]
        else:
            if not 1 <= index < self.bitrates:
                raise ValueError(f"bam stages are 1..{self.bitrates - 1}; bitrate {self.bitrates} is the base")
            self.set_branches(self.max_branches)
            self.set_rate(index)
            trainable = [self.bal[index - 1], self.ibal[index - 1], self.bal_z[index - 1], self.ibal_z[index - 1]]
        for module in trainable:
            for p in module.parameters():
                p.requires_grad_(True)
