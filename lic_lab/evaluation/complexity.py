"""Complexity measurements: decoder FLOPs, parameter counts, the storage table of CBANet.

FLOPs are counted with PyTorch's own counter (``torch.utils.flop_counter``): convolutions and
matrix products, 2 FLOPs per multiply-accumulate, on a zero input of the right shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from lic_lab.models import CBANetHP, CompressionModel, GainedMeanScale, ScaleHyperprior
from lic_lab.models.balle import BalleBase
from lic_lab.models.cbanet import ComplexityAdaptiveDecoder


def parameter_count(module: nn.Module) -> int:
    """Number of parameters of a module."""
    return sum(p.numel() for p in module.parameters())


@torch.no_grad()
def decoder_flops(
    model: CompressionModel, size: Sequence[int], branches: int | None = None, part: str = "synthesis"
) -> int:
    """FLOPs to decode an image of ``size = (H, W)``.

    ``part="synthesis"``: the synthesis transform only (what CBANet's branches change, incl. the
    IBAL when the rate is not the base); ``"all"``: plus the hyper decoder (``h_s``) and BAM layers.
    """
    h, w = (-(-size[0] // model.downsample) * model.downsample, -(-size[1] // model.downsample) * model.downsample)
    param = next(model.parameters())
    y = torch.zeros(1, model.M, h // 16, w // 16, dtype=param.dtype, device=param.device)
    with model.at(branches=branches), FlopCounterMode(display=False) as counter:
        if part == "all" and isinstance(model, ScaleHyperprior):  # the models with a hyper decoder h_s
            model.entropy_parameters(torch.zeros(1, model.N, h // 64, w // 64, dtype=param.dtype, device=param.device))
        model.synthesize(y)
    return int(counter.get_total_flops())


def decoder_parameters(model: BalleBase, branches: int | None = None) -> int:
    """Parameters a decoder must store: synthesis (first ``branches`` CAM branches) + hyper decoder + z density."""
    if branches is not None and isinstance(model.g_s, ComplexityAdaptiveDecoder):  # CBANet's CAM branches
        synthesis = sum(parameter_count(b) for b in model.g_s.branches[:branches])
    else:
        synthesis = parameter_count(model.g_s)
    hyper = parameter_count(model.h_s) + parameter_count(model.entropy_z) if isinstance(model, ScaleHyperprior) else 0
    return synthesis + hyper


def storage_table(
    N: int, M: int, widths: tuple[int, int, int], bam_hidden: int, hyper_bam_hidden: int, bitrates: int = 4
) -> dict[str, Any]:
    """CBANet's Table III at a given size: decoder parameters of one model per complexity level vs CBANet.

    The baselines at lower complexity are scale hyperpriors whose synthesis width matches each
    level's FLOPs (the paper uses 60, 88 and 128 channels for N = 128); we pick them the same way,
    as the narrowest width whose synthesis needs at least the level's FLOPs.
    """
    model = CBANetHP(
        N=N,
        M=M,
        widths=tuple(widths),
        bitrates=bitrates,
        bam_hidden=bam_hidden,
        hyper_bam_hidden=hyper_bam_hidden,
    )
    base = ScaleHyperprior(N=N, M=M)
    size = (64, 64)  # FLOPs of these fully convolutional decoders scale with the pixel count
    targets = [decoder_flops(model, size, k) for k in (1, 2, 3)]
    widths_found = [_narrowest_width(M, t, size, 4 * N) for t in targets[:2]] + [N]
    baseline_params = [decoder_parameters(_narrow(N, M, n)) for n in widths_found[:2]] + [decoder_parameters(base)]
    bam_y = parameter_count(model.bal[0]) + parameter_count(model.ibal[0])
    bam_z = parameter_count(model.bal_z[0]) + parameter_count(model.ibal_z[0])
    return {
        "baseline_one_level": decoder_parameters(base),
        "baseline_widths": widths_found,
        "baseline_three_levels": sum(baseline_params),
        "cbanet": decoder_parameters(model),
        "bam_per_bitrate": bam_y + bam_z,
        "bam_y_only": bam_y,
    }


def _narrowest_width(M: int, flops: int, size: tuple[int, int], limit: int) -> int:
    """Smallest synthesis width whose FLOPs reach ``flops`` (binary search; FLOPs grow with width)."""
    lo, hi = 1, limit
    while lo < hi:
        mid = (lo + hi) // 2
        if _synthesis_flops(M, mid, size) >= flops:
            hi = mid
        else:
            lo = mid + 1
    return lo


@torch.no_grad()
def _synthesis_flops(M: int, width: int, size: tuple[int, int]) -> int:
    from lic_lab.models.balle import synthesis_transform

    with FlopCounterMode(display=False) as counter:
        synthesis_transform(width, M)(torch.zeros(1, M, size[0] // 16, size[1] // 16))
    return int(counter.get_total_flops())


def _narrow(N: int, M: int, width: int) -> ScaleHyperprior:
    """A scale hyperprior whose synthesis transform is ``width`` channels wide (hyper part unchanged)."""
    from lic_lab.models.balle import synthesis_transform

    model = ScaleHyperprior(N=N, M=M)
    model.g_s = synthesis_transform(width, M)
    return model


@torch.no_grad()
def model_flops(model: CompressionModel, size: tuple[int, int]) -> int:
    """FLOPs of one forward pass (encoder, hyper networks and decoder) on an image of ``size``."""
    param = next(model.parameters())
    was_training = model.training
    model.eval()
    with FlopCounterMode(display=False) as counter:
        model(torch.zeros(1, 3, *size, dtype=param.dtype, device=param.device))
    model.train(was_training)
    return int(counter.get_total_flops())


def gain_unit_overhead(model: GainedMeanScale, size: tuple[int, int] = (512, 768)) -> dict[str, float]:
    """AG-VAE's Table 1 for a gained model: extra parameters and FLOPs of its gain units, in percent of
    the whole gained model (the paper counts against its fixed-rate base; notebook 05 says so beside it).

    A gain unit multiplies each latent element once, so the gain and inverse-gain units add
    ``2 * M * h * w`` multiplications on ``y`` (and ``2 * N * h' * w'`` on ``z`` with HCVR); the
    FLOP counter ignores element-wise products, so they are counted here by hand.
    """
    h, w = size
    units = [model.gain, model.inverse_gain] + (
        [model.hyper_gain, model.hyper_inverse_gain] if model.hyper_gains else []
    )
    params = sum(parameter_count(u) for u in units)
    flops = 2 * model.M * (h // 16) * (w // 16) + (2 * model.N * (h // 64) * (w // 64) if model.hyper_gains else 0)
    total_flops = model_flops(model, size)
    return {
        "gain_params": params,
        "model_params": parameter_count(model),
        "params_pct": 100 * params / parameter_count(model),
        "gain_flops": flops,
        "model_flops": total_flops,
        "flops_pct": 100 * flops / total_flops,
    }
