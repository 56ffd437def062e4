"""Ballé-family models: factorized prior (2017), scale hyperprior (2018), mean-scale (Minnen 2018).

Benchmark paper sec. 4.1 and Fig. 1: an analysis transform g_a (strided convs + GDN) maps the
image to a latent y, which is quantized and entropy-coded; a synthesis transform g_s (transposed
convs + inverse GDN) maps it back. The hyperprior variants add side information z = h_a(y),
coded with a factorized density, from which h_s predicts the scale (and mean) of each element
of y (benchmark paper sec. 5, "hyperprior").
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from lic_lab.entropy import FactorizedDensity, GaussianConditional
from lic_lab.errors import BitstreamError
from lic_lab.layers import GDN, conv, deconv
from lic_lab.models.base import CompressionModel, place_channels, register
from lic_lab.quantization.proxies import quantize

QUANT_MODES = {"noise": ("noise", "noise"), "ste": ("ste", "ste"), "mixed": ("noise", "ste")}


def analysis_transform(n: int, m: int) -> nn.Sequential:
    """g_a: four 5x5 stride-2 convolutions with GDN between them (x -> y at 1/16 size)."""
    return nn.Sequential(conv(3, n), GDN(n), conv(n, n), GDN(n), conv(n, n), GDN(n), conv(n, m))


def synthesis_transform(n: int, m: int) -> nn.Sequential:
    """g_s: the mirror of g_a with transposed convolutions and inverse GDN."""
    return nn.Sequential(
        deconv(m, n),
        GDN(n, inverse=True),
        deconv(n, n),
        GDN(n, inverse=True),
        deconv(n, n),
        GDN(n, inverse=True),
        deconv(n, 3),
    )


class BalleBase(CompressionModel):
    """Shared by the three models: widths, the training quantization proxy, the transforms."""

    transforms: tuple[str, ...] = ("g_a", "g_s")

    def __init__(self, N: int = 64, M: int = 96, quant_mode: str = "mixed", **extra: Any):
        if quant_mode not in QUANT_MODES:
            raise ValueError(f"quant_mode must be one of {sorted(QUANT_MODES)}")
        super().__init__(N=N, M=M, quant_mode=quant_mode, **extra)
        self.N, self.M, self.quant_mode = N, M, quant_mode
        self.g_a = analysis_transform(N, M)
        self.g_s = self.build_synthesis()

    def build_synthesis(self) -> nn.Module:
        """g_s; CBANet replaces it with its complexity-adaptive branches."""
        return synthesis_transform(self.N, self.M)

    # --- plug-in points for later papers (identity here) -----------------------------------
    def latent_to_code(self, y: torch.Tensor) -> torch.Tensor:
        """Map the analysis output to what is quantized (e.g. AG-VAE's gain unit, eq. 2)."""
        return y

    def code_to_latent(self, y_hat: torch.Tensor) -> torch.Tensor:
        """Map the decoded code back before synthesis (e.g. AG-VAE's inverse gain unit, eq. 4)."""
        return y_hat

    def synthesize(self, y_hat: torch.Tensor) -> torch.Tensor:
        """Decode quantized code(s) to image(s): ``g_s(code_to_latent(y_hat))``."""
        return self.g_s(self.code_to_latent(y_hat))

    def decoded(self, y_hat: torch.Tensor) -> dict[str, Any]:
        """The forward pass's decoder outputs: ``x_hat``; a model that trains several decoders of
        one code at once also gives each one's image as ``x_hats`` (CBANet's ``joint`` stage)."""
        return {"x_hat": self.synthesize(y_hat)}

    def quantize_pair(self, y: torch.Tensor, offset: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(value for the rate term, value for the decoder); both true rounding in eval mode.

        ``"mixed"`` (the default) uses additive noise for the likelihood and straight-through
        rounding for the decoder, so the decoder trains on what it will see at test time.
        """
        if not self.training:
            q = quantize(y, "round", offset)
            return q, q
        rate_mode, dec_mode = QUANT_MODES[self.quant_mode]
        return quantize(y, rate_mode, offset), quantize(y, dec_mode, offset)


@register
class FactorizedPrior(BalleBase):
    """Ballé et al. 2017/2018 "factorized prior": y coded with a per-channel learned density."""

    arch = "factorized"
    section_names = ("y",)

    def __init__(self, N: int = 64, M: int = 96, **kw: Any):
        super().__init__(N=N, M=M, **kw)
        self.entropy_y = FactorizedDensity(M)

    def forward(self, x: torch.Tensor) -> dict[str, Any]:
        y = self.latent_to_code(self.g_a(x))
        y_rate, y_hat = self.quantize_pair(y)
        return {
            **self.decoded(y_hat),
            "likelihoods": {"y": self.entropy_y.likelihood(y_rate)},
            "y": y,
            "y_hat": y_hat,
        }

    def compress_latents(self, x: torch.Tensor) -> list[bytes]:
        return [self.entropy_y.compress(self.latent_to_code(self.g_a(x)))]

    def decompress_latents(self, sections: list[bytes], padded: tuple[int, int]) -> torch.Tensor:
        h, w = self.latent_shape(padded, 16)
        if len(sections) != 1:
            raise BitstreamError("factorized-prior bitstream needs one section (y)")
        y_hat = self.entropy_y.decompress(sections[0], (1, self.M, h, w))
        return self.synthesize(y_hat.to(next(self.parameters()).device))


@register
class ScaleHyperprior(BalleBase):
    """Ballé et al. 2018: z = h_a(|y|) is side information; h_s(z_hat) gives the scale of each y.

    ``y`` is modelled as zero-mean Gaussian with that scale (convolved with a unit uniform), ``z``
    with a factorized density. Subclasses change :meth:`entropy_parameters` (the mean-scale
    model) or wrap the latent (gain units, BAM) without copying the coding path.
    """

    arch = "scale_hyperprior"
    section_names = ("z", "y")  # latent coded in each bitstream section, in order

    def __init__(self, N: int = 64, M: int = 96, **kw: Any):
        super().__init__(N=N, M=M, **kw)
        self.h_a = self.build_hyper_analysis()
        self.h_s = self.build_hyper_synthesis()
        self.entropy_z = FactorizedDensity(N)
        self.gaussian = GaussianConditional()

    def build_hyper_analysis(self) -> nn.Module:
        n, m = self.N, self.M
        return nn.Sequential(conv(m, n, 3, 1), nn.ReLU(), conv(n, n), nn.ReLU(), conv(n, n))

    def build_hyper_synthesis(self) -> nn.Sequential:
        n, m = self.N, self.M
        return nn.Sequential(deconv(n, n), nn.ReLU(), deconv(n, n), nn.ReLU(), conv(n, m, 3, 1), nn.ReLU())

    def hyper_input(self, y: torch.Tensor) -> torch.Tensor:
        return torch.abs(y)

    def hyper_analysis(self, y: torch.Tensor) -> torch.Tensor:
        """Side information ``z`` from the (coded) latent; gain units wrap this."""
        return self.h_a(self.hyper_input(y))

    def entropy_parameters(self, z_hat: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(scales, means) of y from the decoded side information; zero mean here."""
        return self.h_s(z_hat), None

    def forward(self, x: torch.Tensor) -> dict[str, Any]:
        y = self.latent_to_code(self.g_a(x))
        z = self.hyper_analysis(y)
        z_rate, z_hat = self.quantize_pair(z)
        scales, means = self.entropy_parameters(z_hat)
        y_rate, y_hat = self.quantize_pair(y, means)
        return {
            **self.decoded(y_hat),
            "likelihoods": {
                "y": self.gaussian.likelihood(y_rate, scales, means),
                "z": self.entropy_z.likelihood(z_rate),
            },
            "y": y,
            "y_hat": y_hat,
            "z_hat": z_hat,
            "scales": scales,
            "means": means,
        }

    def compress_latents(self, x: torch.Tensor) -> list[bytes]:
        return self.code_analysed(self.g_a(x))

    def code_analysed(self, y_raw: torch.Tensor) -> list[bytes]:
        """Entropy-code an analysis output ``g_a(x)``: what changes with the rate setting.

        Split out so a slider can run the analysis transform once and re-code at many rates.
        """
        y = self.latent_to_code(y_raw)
        z = self.hyper_analysis(y)
        scales, means = self.entropy_parameters(self.entropy_z.quantize(z))
        return [self.entropy_z.compress(z), self.gaussian.compress(y, scales, means)]

    def decompress_latents(self, sections: list[bytes], padded: tuple[int, int]) -> torch.Tensor:
        if len(sections) != 2:
            raise BitstreamError("hyperprior bitstream needs two sections (z, y)")
        h, w = self.latent_shape(padded, 64)
        device = next(self.parameters()).device
        z_hat = self.entropy_z.decompress(sections[0], (1, self.N, h, w)).to(device)
        scales, means = self.entropy_parameters(z_hat)
        y_hat = self.gaussian.decompress(sections[1], scales, means)
        return self.synthesize(y_hat)


@register
class MeanScaleHyperprior(ScaleHyperprior):
    """Minnen et al. 2018 without the autoregressive context: h_s predicts a mean and a scale."""

    arch = "mean_scale_hyperprior"

    def build_hyper_analysis(self) -> nn.Module:
        n, m = self.N, self.M
        return nn.Sequential(conv(m, n, 3, 1), nn.LeakyReLU(), conv(n, n), nn.LeakyReLU(), conv(n, n))

    def build_hyper_synthesis(self) -> nn.Sequential:
        n, m = self.N, self.M
        return nn.Sequential(
            deconv(n, m), nn.LeakyReLU(), deconv(m, m * 3 // 2), nn.LeakyReLU(), conv(m * 3 // 2, 2 * m, 3, 1)
        )

    def hyper_input(self, y: torch.Tensor) -> torch.Tensor:
        return y

    def entropy_parameters(self, z_hat: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        scales, means = self.h_s(z_hat).chunk(2, dim=1)
        return scales, means

    def adapt_state(self, state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Warm start a wider model from a narrower mean-scale one: a wider latent (``M``) or wider
        transforms (``N``, which also widens the hyper transforms and ``z``), one at a time.

        Ballé 2018 and Minnen 2018 widen their models for high rates (N, M = 128, 192 -> 192, 320);
        the benchmark paper (sec. 7.2.3) concludes that width matters most there. The source's channels
        keep their weights and are computed as before (Net2Net-style): new channels get fresh weights
        and start silent wherever they feed an old channel (a new GDN entry starts as GDN's own init,
        whose cross-channel terms are exactly 0). Two things change at first, and training removes
        them: the new latent (or ``z``) channels cost bits, and a wider latent's new channels feed
        g_s through fresh weights, which changes the reconstruction a little. A wider ``N`` decodes
        exactly as before. Same widths (or a scale-hyperprior source) leave the state as it is.
        """
        m_src = state["g_a.6.bias"].shape[0] if "g_a.6.bias" in state else self.M
        n_src = state["g_a.0.bias"].shape[0] if "g_a.0.bias" in state else self.N
        heads = state.get("h_s.4.weight", torch.empty(0)).shape[0]  # 2 M_src for a mean-scale source
        if (m_src, n_src) == (self.M, self.N) or heads != 2 * m_src:
            return state
        if m_src > self.M or n_src > self.N or (m_src < self.M and n_src < self.N):
            raise ValueError(
                f"a warm start can widen M or N, one at a time: source N = {n_src}, M = {m_src}; "
                f"this model N = {self.N}, M = {self.M}"
            )
        plan = self._latent_plan(m_src) if m_src < self.M else self._transform_plan(n_src, state)
        own = self.state_dict()
        for key, (maps, silent) in plan.items():
            state[key] = place_channels(state[key], own[key], maps, silent)
        return state

    def _latent_plan(self, m_src: int) -> dict[str, tuple[dict[int, torch.Tensor], tuple[int, ...]]]:
        """Where a narrower latent's tensors go (``{key: (index per dim, silent dims)}``). h_s's last
        layer stacks (scales, means), so the source's mean rows move from ``m_src`` to ``M``."""
        old, hidden = torch.arange(m_src), torch.arange(m_src * 3 // 2)
        heads = torch.cat([old, self.M + old])
        return {
            "g_a.6.weight": ({0: old}, ()),
            "g_a.6.bias": ({0: old}, ()),
            "g_s.0.weight": ({0: old}, ()),
            "h_a.0.weight": ({1: old}, (1,)),
            "h_s.0.weight": ({1: old}, ()),
            "h_s.0.bias": ({0: old}, ()),
            "h_s.2.weight": ({0: old, 1: hidden}, (0,)),
            "h_s.2.bias": ({0: hidden}, ()),
            "h_s.4.weight": ({0: heads, 1: hidden}, (1,)),
            "h_s.4.bias": ({0: heads}, ()),
        }

    def _transform_plan(
        self, n_src: int, state: dict[str, torch.Tensor]
    ) -> dict[str, tuple[dict[int, torch.Tensor], tuple[int, ...]]]:
        """Where narrower transforms' tensors go: every N-wide layer of g_a, g_s, h_a (z) and the z density.
        A Conv2d weight is (out, in, k, k), a ConvTranspose2d weight (in, out, k, k)."""
        old = torch.arange(n_src)
        plan: dict[str, tuple[dict[int, torch.Tensor], tuple[int, ...]]] = {
            "g_a.6.weight": ({1: old}, (1,)),  # conv N -> M
            "g_s.0.weight": ({1: old}, ()),  # deconv M -> N
            "g_s.6.weight": ({0: old}, (0,)),  # deconv N -> 3
            "h_a.0.weight": ({0: old}, ()),  # conv M -> N
            "h_s.0.weight": ({0: old}, (0,)),  # deconv N -> M
        }
        for key in ("g_a.0.weight", "g_a.0.bias", "g_s.0.bias", "h_a.0.bias"):
            plan[key] = ({0: old}, ())
        for i in (2, 4):  # N -> N
            plan[f"g_a.{i}.weight"] = plan[f"h_a.{i}.weight"] = ({0: old, 1: old}, (1,))
            plan[f"g_s.{i}.weight"] = ({0: old, 1: old}, (0,))
            for t in ("g_a", "g_s", "h_a"):
                plan[f"{t}.{i}.bias"] = ({0: old}, ())
        for t in ("g_a", "g_s"):
            for i in (1, 3, 5):  # (inverse) GDN
                plan[f"{t}.{i}.beta_sqrt"] = ({0: old}, ())
                plan[f"{t}.{i}.gamma_sqrt"] = ({0: old, 1: old}, ())
        plan.update({key: ({0: old}, ()) for key in state if key.startswith("entropy_z.")})
        return plan
