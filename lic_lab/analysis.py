"""Small measurements the notebooks narrate: quantization mismatch, coding tables, hyperprior scales."""
from __future__ import annotations

import time
from typing import Any

import torch

from .data import crop_to, pad_to_multiple
from .entropy import GaussianConditional
from .metrics import bpp_from_likelihoods, psnr
from .models import CompressionModel
from .quantizers import quantize


@torch.no_grad()
def latents(model: CompressionModel, x: torch.Tensor) -> dict[str, torch.Tensor]:
    """The eval-mode forward pass on a padded image (y, y_hat, scales, ... and x_hat cropped)."""
    padded, size = pad_to_multiple(x, model.downsample)
    out = model(padded)
    out["x_hat"] = crop_to(out["x_hat"].clamp(0, 1), size)
    out["padded_pixels"] = padded.shape[-2] * padded.shape[-1]
    return out


@torch.no_grad()
def quantization_mismatch(model: CompressionModel, x: torch.Tensor, seed: int = 0) -> dict[str, Any]:
    """What each training proxy feeds the decoder and the rate term, against true rounding.

    Returns the latent ``y``, its three quantized versions, the PSNR of decoding each, and the
    estimated bpp under noise (what training sees) and under rounding (what the codec codes).
    """
    torch.manual_seed(seed)
    out = latents(model, x)
    if "scales" not in out and not hasattr(model, "entropy_y"):
        raise ValueError(f"{model.name} does not quantize by rounding (e.g. CVQN's finite GMM levels): "
                         "the rounding proxies do not apply")
    y, means = out["y"], out.get("means")
    versions = {mode: quantize(y, mode, means) for mode in ("noise", "ste", "round")}
    h, w = x.shape[-2:]
    result: dict[str, Any] = {"y": y, "versions": versions, "psnr": {}, "bpp": {}}
    for mode, y_q in versions.items():
        x_hat = crop_to(model.synthesize(y_q).clamp(0, 1), (h, w))
        result["psnr"][mode] = psnr(x, x_hat)
        if "scales" in out:
            lik = GaussianConditional.likelihood(y_q, out["scales"], means)
        else:
            lik = model.entropy_y.likelihood(y_q)
        result["bpp"][mode] = bpp_from_likelihoods([lik], h, w)
    return result


@torch.no_grad()
def coding_report(model: CompressionModel, x: torch.Tensor) -> dict[str, Any]:
    """Real bytes vs estimate for one image, and whether decoding reproduced the forward pass."""
    from .evaluate import evaluate_image

    row = evaluate_image(model, x, keep=True)
    return {"model": model.name, **row, "bit_exact": row["roundtrip_max_abs"] == 0}


@torch.no_grad()
def level_bits(model: CompressionModel, x: torch.Tensor) -> dict[str, dict[str, float]]:
    """Bits per pixel spent on each latent: the real section of the bitstream and the estimate.

    ``{"z2": {"bpp": ..., "bpp_est": ...}, ..., "y": {...}}`` in bitstream order (a hyperprior has
    ``z`` and ``y``, the coarse-to-fine model ``z_L .. z_1`` and ``y``). The container's few header
    bytes are not in any section.
    """
    from .bitstream import Bitstream

    h, w = x.shape[-2:]
    sections = Bitstream.from_bytes(model.compress(x)).sections
    likelihoods = latents(model, x)["likelihoods"]
    return {name: {"bpp": 8 * len(data) / (h * w),
                   "bpp_est": bpp_from_likelihoods([likelihoods[name]], h, w) if name in likelihoods else 0.0}
            for name, data in zip(model.section_names, sections)}  # (a side section, e.g. CVQN's SE order, has no estimate)


@torch.no_grad()
def context_decode_times(model: CompressionModel, x: torch.Tensor, group: int = 1) -> dict[str, Any]:
    """Decoding one CVQN group of ``x`` three ways: wavefronts, one symbol at a time, and naively.

    *wavefront*: every plane ``a c + b h + w = t`` in one step (what the codec does); *sequential*:
    one symbol per step in raster order, still evaluating each layer only where it changed;
    *naive*: the whole 3D network once per symbol (estimated: symbols x one timed full pass).
    The first two are decoded for real and checked against the encoder's symbols.
    """
    _, indices = model.symbols(pad_to_multiple(x, model.downsample)[0])
    ctx, means, idx = model.contexts[group], model.quantizers[group].means, indices[group][0]
    shape = tuple(idx.shape)
    report: dict[str, Any] = {"group": group + 1, "shape": list(shape), "symbols": idx.numel()}
    for mode, sequential in (("wavefront", False), ("sequential", True)):
        data, bits = ctx.encode(idx, means, sequential)
        t0 = time.perf_counter()
        decoded = ctx.decode(data, shape, means, sequential)
        seconds = time.perf_counter() - t0
        report[mode] = {"steps": len(ctx.planes(shape, sequential)), "decode_s": seconds, "bytes": len(data),
                        "bits_est": bits, "bit_exact": bool(torch.equal(decoded, idx))}
    values = means[idx][None]
    ctx.logits(values)
    t0 = time.perf_counter()
    for _ in range(3):
        ctx.logits(values)
    one_pass = (time.perf_counter() - t0) / 3
    report["naive"] = {"steps": idx.numel(), "decode_s": one_pass * idx.numel(), "one_pass_s": one_pass}
    return report
