"""The contract every lic_lab model follows, and the registry of architectures."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any, cast

import torch
from torch import nn

from lic_lab.bitstream import Bitstream
from lic_lab.data import crop_to, pad_to_multiple
from lic_lab.entropy.fixed_point import exact_mode
from lic_lab.errors import BitstreamError, CheckpointError, CodingError, UsageError
from lic_lab.limits import max_pixels, size_problem

ARCHITECTURES: dict[str, type[CompressionModel]] = {}


def register(cls: type[CompressionModel]) -> type[CompressionModel]:
    """Class decorator: make an architecture buildable by name from a checkpoint's config."""
    ARCHITECTURES[cls.arch] = cls
    return cls


def keep_shared_channels(
    state: dict[str, torch.Tensor], own: dict[str, torch.Tensor], keys: list[tuple[str, int]]
) -> dict[str, torch.Tensor]:
    """Warm start across latent widths: ``state[key]`` keeps its first channels along ``dim``.

    For each ``(key, dim)`` whose shape differs from the new model's, the channels both models have
    are copied and any extra ones keep the new model's initialisation.
    """
    for key, dim in keys:
        if key in state and key in own and state[key].shape != own[key].shape:
            n = min(own[key].shape[dim], state[key].shape[dim])
            state[key] = place_channels(state[key].narrow(dim, 0, n), own[key], {dim: torch.arange(n)})
    return state


def place_channels(
    src: torch.Tensor, init: torch.Tensor, maps: dict[int, torch.Tensor], silent: tuple[int, ...] = ()
) -> torch.Tensor:
    """``init`` with ``src`` written at the indices ``maps[dim]`` (the first ones along other dims).

    Widening a layer (Net2Net-style warm start): the source's channels land where ``maps`` says,
    new ones keep ``init``'s fresh weights, except along the ``silent`` dims (new *inputs*), which
    start at zero so that the old outputs are computed exactly as before.
    """
    out = init.clone()
    for dim in silent:
        new = torch.ones(out.shape[dim], dtype=torch.bool)
        new[maps[dim]] = False
        out.index_fill_(dim, new.nonzero().squeeze(1), 0.0)
    index = [maps.get(d, torch.arange(src.shape[d])) for d in range(src.dim())]
    out[torch.meshgrid(*index, indexing="ij")] = src
    return out


def build_model(config: dict[str, Any]) -> CompressionModel:
    """Instantiate an architecture from ``{"arch": name, **kwargs}``."""
    config = dict(config)
    arch = config.pop("arch", None)
    if arch not in ARCHITECTURES:
        raise CheckpointError(f"unknown architecture {arch!r}; known: {sorted(ARCHITECTURES)}")
    return ARCHITECTURES[arch](**config)


@dataclass(frozen=True)
class Capabilities:
    """What a model offers beyond compress / decompress at one fixed rate."""

    variable_rate: bool  # one model, many rates: ``compress(x, rate=...)``; the header carries it
    discrete_rates: bool  # only whole-number rates are valid
    rate_range: tuple[float, float] | None
    branches: bool  # the decoder's complexity is selectable: ``decompress(data, branches=K)`` (CBANet)


class CompressionModel(nn.Module):
    """Base class: a learned transform codec.

    Subclasses implement :meth:`forward` returning ``{"x_hat", "likelihoods": {name: tensor}}``
    and :meth:`compress_latents` / :meth:`decompress_latents`; this class adds padding, the
    bitstream container and input checks so every model codes images the same way.
    """

    arch = "base"
    N: int  # base width of the transforms (every architecture sets N and M)
    M: int  # channels of the latent
    downsample = 64  # images are padded to a multiple of this
    rate_range: tuple[float, float] | None = None  # variable-rate models: what set_rate accepts
    discrete_rates = False  # True when only whole-number rates are valid
    # Float transforms (analysis, synthesis): no probability depends on them, so coding leaves them
    # in float32 on their device; everything else codes on the fixed-point grid (lic_lab.entropy.fixed_point).
    transforms: tuple[str, ...] = ()
    max_decode_pixels: int | None = None  # a lower size limit (slow decoders, memory-hungry models), both ways

    section_names: tuple[str, ...] = ()  # what each bitstream section codes, in order

    def section_count_ok(self, count: int) -> bool:
        """Whether a stream with ``count`` sections can be this model's (checked before decoding)."""
        return count == len(self.section_names)

    def decode_pixel_limit(self) -> int:
        """The largest image this model decodes: the global limit, or the model's own if lower."""
        limit = max_pixels()
        return min(limit, self.max_decode_pixels) if self.max_decode_pixels else limit

    has_branches = False  # CBANet: decode with K of its branches

    def capabilities(self) -> Capabilities:
        """The declared capabilities (no probing with ``hasattr``)."""
        return Capabilities(
            variable_rate=self.rate_range is not None,
            discrete_rates=self.discrete_rates,
            rate_range=self.rate_range,
            branches=self.has_branches,
        )

    def set_rate(self, rate: float) -> None:
        """Set the rate the forward pass (training, analysis) runs at; coding takes it as an argument."""
        raise UsageError(f"{self.name} is a fixed-rate model; it has no rate to set")

    def check_rate(self, rate: float) -> None:
        """Raise if ``rate`` is not one this model codes at (nothing changes)."""
        with self.at(rate=rate):
            pass

    def set_branches(self, k: int) -> None:
        """Set the number of decoder branches the forward pass uses (CBANet); decoding takes it as an argument."""
        raise UsageError(f"{self.name} has a single decoder; choosing branches needs a CBANet model")

    @contextmanager
    def at(self, rate: float | None = None, branches: int | None = None) -> Iterator[CompressionModel]:
        """Run the block at ``rate`` and with ``branches`` (None: as the model stands), then restore.

        This is how :meth:`compress` and :meth:`decompress` take their rate and branches as arguments
        without leaving the model changed.
        """
        saved_rate = self.setting
        # models with branches define ``branches`` (CBANet's property); nn.Module's stub types the lookup loosely
        saved_branches = cast(int, self.branches) if self.has_branches else None
        try:
            if rate is not None:
                self.set_rate(rate)
            if branches is not None:
                self.set_branches(branches)
            yield self
        finally:
            if rate is not None and self.rate_range is not None:
                self.set_rate(saved_rate)
            if saved_branches is not None:
                self.set_branches(saved_branches)

    def configure_training(self, stage: str | None) -> None:
        """Freeze or select parts for a training stage (staged recipes such as CBANet's)."""
        if stage:
            raise ValueError(f"{self.arch} has no training stage {stage!r}")

    def lr_scales(self) -> dict[str, float]:
        """Learning-rate multipliers by parameter name for the trainer's optimizer (none: every
        parameter at the schedule's lr)."""
        return {}

    def adapt_state(self, state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Map a source model's weights onto this architecture before warm-starting (identity)."""
        return state

    def __init__(self, **config: Any):
        super().__init__()
        self.config = {"arch": self.arch, **config}
        self.name = self.arch  # the zoo sets the shipped name
        self.setting = 0.0

    # --- training --------------------------------------------------------------------------
    def forward(self, x: torch.Tensor) -> dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def synthesize(self, y_hat: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        """Decode a (batch of) quantized latent(s) to images; what channel experiments call."""
        raise NotImplementedError

    def aux_loss(self) -> torch.Tensor | None:
        """An auxiliary loss the trainer adds, if the model has one."""
        return None

    # --- real coding -----------------------------------------------------------------------
    def compress_latents(self, x: torch.Tensor) -> list[bytes]:  # pragma: no cover - abstract
        raise NotImplementedError

    def decompress_latents(self, sections: list[bytes], shape: tuple[int, int]) -> torch.Tensor:
        raise NotImplementedError  # pragma: no cover - abstract

    def latent_shape(self, padded: tuple[int, int], stride: int) -> tuple[int, int]:
        return padded[0] // stride, padded[1] // stride

    def check_image(self, x: torch.Tensor) -> None:
        """Reject what the codec cannot code, with a clear message."""
        if not isinstance(x, torch.Tensor) or x.dim() != 4 or x.shape[0] != 1 or x.shape[1] != 3:
            shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise CodingError(f"expected one RGB image as a (1, 3, H, W) tensor, got {shape}")
        if not torch.is_floating_point(x) or not torch.isfinite(x).all():
            raise CodingError("image must be a finite floating-point tensor in [0, 1]")
        if x.min() < 0 or x.max() > 1:
            raise CodingError("image values must lie in [0, 1]")
        problem = size_problem(int(x.shape[3]), int(x.shape[2]), self.decode_pixel_limit(), self.downsample)
        if problem:
            raise CodingError(problem)

    def coding(self) -> AbstractContextManager[nn.Module]:
        """The coding path's context: entropy parameters on the exact grid, transforms in float.

        ``compress`` and ``decompress`` enter it themselves; code that calls the coding methods
        directly (e.g. re-coding one analysed latent at many rates) wraps them in it.
        """
        return exact_mode(self, self.transforms)

    @torch.no_grad()
    def compress(self, x: torch.Tensor, rate: float | None = None) -> bytes:
        """Code one image (1, 3, H, W) in [0, 1] into a self-describing bitstream.

        ``rate``: a variable-rate model's rate (default: its current one); it goes into the header.
        The model is left as it was.
        """
        self.check_image(x)
        if rate is not None and self.rate_range is None:
            raise UsageError(f"{self.name} is a fixed-rate model; it codes at one rate only")
        param = next(self.parameters())
        padded, size = pad_to_multiple(x.to(param.device, param.dtype), self.downsample)
        weights = self.weights_fingerprint()  # of the weights as stored, before coding switches any mode
        with self.at(rate=rate), self.coding():
            return self.pack(self.compress_latents(padded), size, weights)

    def pack(self, sections: list[bytes], size: tuple[int, int], weights: bytes) -> bytes:
        """The bitstream container around coded sections: model name and weights, rate setting, image size."""
        return Bitstream(self.name, size[0], size[1], sections, self.setting, weights).to_bytes()

    def weights_fingerprint(self) -> bytes:
        """The first bytes of a SHA-256 over every parameter and buffer (name, dtype, shape, values).

        It goes into each bitstream's header, and :meth:`decompress` refuses a stream whose
        fingerprint differs: a model retrained under the same name (or changed in place) would
        otherwise decode its predecessor's files into a wrong image. The values are hashed in their
        standard (contiguous) layout on the CPU, so every machine and device agrees. Cached until a
        tensor changes (``Tensor._version`` counts in-place updates, e.g. training steps).
        """
        import hashlib

        from lic_lab.bitstream import FINGERPRINT_BYTES

        state = self.state_dict(keep_vars=True)
        key = tuple((k, v.data_ptr(), v._version) for k, v in state.items())
        cached = getattr(self, "_fingerprint", None)
        if cached is not None and cached[0] == key:
            return cached[1]
        digest = hashlib.sha256()
        for name in sorted(state):
            value = state[name].detach().cpu().contiguous()
            digest.update(f"{name}:{value.dtype}:{tuple(value.shape)};".encode())
            digest.update(value.numpy().tobytes() if value.dtype != torch.bfloat16 else value.float().numpy().tobytes())
        fingerprint = digest.digest()[:FINGERPRINT_BYTES]
        object.__setattr__(self, "_fingerprint", (key, fingerprint))
        return fingerprint

    @torch.no_grad()
    def decompress(self, data: bytes | Bitstream, branches: int | None = None) -> torch.Tensor:
        """Decode a bitstream from :meth:`compress` back to a (1, 3, H, W) image.

        The rate comes from the header; ``branches`` is CBANet's decode-time choice (default: the
        model's current K, all branches as loaded).
        The model is left as it was.
        """
        stream = data if isinstance(data, Bitstream) else Bitstream.from_bytes(data)
        if branches is not None and not self.has_branches:
            self.set_branches(branches)  # raises: a single decoder
        problem = size_problem(stream.width, stream.height, self.decode_pixel_limit(), self.downsample)
        if problem:
            raise BitstreamError(f"bitstream claims an {problem}")
        if stream.model != self.name:
            raise BitstreamError(f"bitstream was made by model {stream.model!r}, not {self.name!r}")
        if stream.weights != self.weights_fingerprint():
            raise BitstreamError(
                f"bitstream was made by other weights of {self.name} (fingerprint {stream.weights.hex()}, these are "
                f"{self.weights_fingerprint().hex()}): the model was retrained or changed since; compress the image again"
            )
        if self.rate_range is not None:
            try:
                self.check_rate(stream.setting)
            except (ValueError, OverflowError, TypeError) as err:
                raise BitstreamError(f"bitstream rate setting is invalid for {self.name}: {err}") from None
        elif stream.setting != self.setting:
            raise BitstreamError(f"bitstream rate setting {stream.setting:g} is invalid for the fixed-rate {self.name}")
        if not self.section_count_ok(len(stream.sections)):
            names = ", ".join(self.section_names)
            raise BitstreamError(
                f"{self.name} bitstream needs {len(self.section_names)} sections ({names}), got {len(stream.sections)}"
            )
        padded = (
            math.ceil(stream.height / self.downsample) * self.downsample,
            math.ceil(stream.width / self.downsample) * self.downsample,
        )
        with self.at(rate=stream.setting if self.rate_range is not None else None, branches=branches), self.coding():
            x_hat = self.decompress_latents(stream.sections, padded)
        return crop_to(x_hat.float().clamp(0, 1), (stream.height, stream.width))


@torch.no_grad()
def latents(model: CompressionModel, x: torch.Tensor, coding: bool = False) -> dict[str, Any]:
    """The eval-mode forward pass on a padded image (y, y_hat, scales, ... and x_hat cropped).

    With ``coding=True`` it runs as the codec does (entropy parameters on the fixed-point grid,
    :meth:`CompressionModel.coding`): its ``x_hat`` is exactly what decoding the bitstream gives.
    """
    padded, size = pad_to_multiple(x, model.downsample)
    if coding:
        with model.coding():
            out = model(padded)
    else:
        out = model(padded)
    out["x_hat"] = crop_to(out["x_hat"].clamp(0, 1), size)
    out["padded_pixels"] = padded.shape[-2] * padded.shape[-1]
    return out
