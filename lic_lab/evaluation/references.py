"""Published reference numbers shown beside ours (Kodak, mean bpp / PSNR over 24 images).

Source: ``shared/notes/implementation-notes.md`` (CompressAI's pretrained, GPU-trained models with
real bitstreams). These are references for comparison, never our own results.
"""

from __future__ import annotations

from typing import Any

COMPRESSAI_HYPERPRIOR = (
    [0.131, 0.209, 0.320, 0.478, 0.669, 0.939, 1.259, 1.660],
    [27.58, 29.20, 30.97, 32.84, 34.53, 36.74, 38.58, 40.56],
)
COMPRESSAI_FACTORIZED = ([0.123, 0.189, 0.288, 0.440, 0.648, 0.967], [26.91, 28.22, 29.62, 31.28, 32.96, 35.38])
COMPRESSAI_OVERHEAD_PERCENT = (0.14, 0.26)  # coded size over entropy estimate (../shared/notes/implementation-notes.md)

# Benchmark paper, Table 7 (Kodak, PSNR-optimised, BD-rate against BPG 4:4:4, full / median range).
BENCHMARK_TABLE7_KODAK = {
    "CVPR17-RNN": {"low": 189.38, "median": 174.02, "high": 193.28, "full": 176.16},
    "PCS18-GDN": {"low": 42.09, "median": 40.64, "high": 41.62, "full": 41.68},
    "ICLR18-Factorized": {"low": 35.46, "median": 32.75, "high": 28.59, "full": 32.96},
    "ICLR18-HyperPrior": {"low": 6.11, "median": 3.06, "high": 0.32, "full": 4.07},
    "NeurIPS18": {"low": -4.63, "median": -4.62, "high": -5.03, "full": -4.68},
    "ICLR19": {"low": -6.27, "median": -4.75, "high": -4.18, "full": -5.40},
    "Ours (coarse-to-fine)": {"low": -10.65, "median": -8.74, "high": -8.31, "full": -9.42},
    "JPEG": {"median": 113.28, "high": 104.99},
    "VTM8-4:4:4": {"low": -20.85, "median": -18.26, "high": -15.86, "full": -18.91},
}
# Table 6: the Kodak BD ranges (bpp, PSNR dB); Table 8: coarse-to-fine vs single-level hyperprior
# BD-rate (%) on LIU4K downsampled to three resolutions; Table 10: seconds for one CLIC image
# (Intel i7-7700K), their full-width model.
BENCHMARK_TABLE6_KODAK = ((0.25, 1.40), (26.0, 40.0))
BENCHMARK_TABLE8 = {"540p": -1.97, "1080p": -2.65, "4K": -4.65}
BENCHMARK_TABLE10 = {"encode": {1: 24.4, 2: 13.6, 4: 9.2}, "decode": {1: 69.8, 2: 41.4, 4: 28.8}}


def chained_bd(method_vs_common: float, anchor_vs_common: float) -> float:
    """BD-rate (%) of a method against an anchor from both against a common anchor (BD-rates as rate
    ratios minus 1): ``(1 + a) / (1 + b) - 1``, in percent. An approximation: BD-rates are averages over
    a quality range and do not compose exactly."""
    return ((1 + method_vs_common / 100) / (1 + anchor_vs_common / 100) - 1) * 100


def paper_bd_between(method: str, anchor: str, bit_range: str = "median") -> float:
    """BD-rate (%) of one Table 7 method against another, chained through their common BPG anchor
    (:func:`chained_bd`)."""
    return chained_bd(BENCHMARK_TABLE7_KODAK[method][bit_range], BENCHMARK_TABLE7_KODAK[anchor][bit_range])


def paper_saving_vs_jpeg(method: str, bit_range: str = "median") -> float:
    """BD-rate (%) of a Table 7 method against JPEG, chained through the common BPG anchor."""
    return paper_bd_between(method, "JPEG", bit_range)


# CVQN (Zhong et al. 2020), Kodak, MS-SSIM-optimised, C = 32, mean of three runs.
# Table 2: the level vector q at r = [25, 50, 25]% (predefined importance); Table 1: importance kinds
# with q = [3, 5, 7]. Values: (PSNR dB or None, MS-SSIM, bpp).
CVQN_TABLE2 = {
    "[5]": (27.926, 0.9651, 0.2664),
    "[4,5,6]": (28.012, 0.9652, 0.2639),
    "[3,5,7]": (28.024, 0.9653, 0.2576),
    "[2,5,8]": (27.982, 0.9644, 0.2471),
}
# CVQN sec. 2 / Fig. 1: the channel-ablation toy model (32 channels, 2 quantization levels) on Kodak,
# and the channels it names on kodim15.
CVQN_FIG1 = {
    "channels": 32,
    "levels": 2,
    "ms_ssim": 0.922,
    "bpp": 0.112,
    "image": "kodim15",
    "important": (8, 23, 26),
    "negligible": (9, 10, 28),
}
# AG-VAE sec. 3.1 / Fig. 2: the first 32 of 192 latent channels zeroed one by one on kodim20; channel 29
# (the most damaging) is then scaled.
AGVAE_FIG2 = {"channels_shown": 32, "channels": 192, "image": "kodim20", "scaled_channel": 29}
CVQN_TABLE1 = {
    "[5]": (None, 0.9651, 0.2664),
    "SE": (None, 0.9646, 0.2608),
    "RE": (None, 0.9652, 0.2586),
    "predefined": (None, 0.9653, 0.2576),
}

# CWIC (Li et al., TPAMI), Table 1: quantization error MSE(e, Q(e)) on Kodak, average over the 7
# parameter sets (n = 32, T = 8); and Table 2: seconds on a GPU (TCAE, inclined TCAE) for the code o'
# and the quantized importance map p' (the same for every parameter set).
# CWIC sec. 3.4: the rate-loss weight gamma set per expected rate r0 (bpp), for its MS-SSIM-trained models
CWIC_GAMMA = {0.1: 1e-3, 0.2: 5e-4, 0.3: 2e-4, 0.45: 1e-4, 0.6: 5e-5, 0.8: 2e-5, 1.0: 1e-5}
CWIC_TABLE1 = {"lcmq": 0.90e-3, "lmq": 1.05e-3, "fmq": 1.97e-3, "bin": 3.18e-2}
CWIC_TABLE2 = {
    "tcae": {"code": (0.021, 202.8), "importance": (0.005, 6.58)},
    "inclined": {"code": (0.021, 0.923), "importance": (0.005, 0.161)},
}  # (encode s, decode s)

# CBANet (Guo et al.), CBANet-HP on Kodak. Table II: BD-rate (%) / BD-PSNR (dB) of the decoder with K
# branches against separately trained scale hyperpriors; decode milliseconds per image on an
# Intel i5-7500 (baseline and K = 1..3; K = 1 is 67.7% faster); Table III: decoder parameters
# (baseline one level, baseline three levels, CBANet, one BAM for y); 4 bitrates x 3 levels as one
# model with BAMs instead of 12 saves 85.9%; the IBALs add 0.42% of the decoder's FLOPs.
CBANET_TABLE2 = {1: (5.82, -0.31), 2: (4.92, -0.27), 3: (2.56, -0.13)}
CBANET_DECODE_MS = {"baseline": 633.26, "K=1": 204.59, "K=2": 391.64, "K=3": 629.94}
CBANET_K1_FASTER_PERCENT = 67.7
CBANET_TABLE3 = {"baseline_one_level": 2.53e6, "baseline_three_levels": 5.93e6, "cbanet": 2.84e6, "bam_y_only": 0.17e6}
CBANET_STORAGE_SAVING_PERCENT = 85.9
CBANET_IBAL_FLOP_PERCENT = 0.42
# Fig. 7 (text, point 3): PSNR (dB) of CBANet-HP with K = 1, 2, 3 branches at 1.49 bpp on Kodak.
CBANET_FIG7_PSNR_AT_149_BPP = (39.47, 39.54, 39.72)
# Fig. 7 (text, point 4): CBANet-HP loses "about 0.5 dB" to the baseline at 0.28 bpp (bpp, dB), far
# from its 0.77 bpp base, where its K = 1, 2, 3 decoders are about equal ("the BAM is the bottleneck").
CBANET_FIG7_LOW_RATE_GAP = (0.28, 0.5)
# The decoders' FLOPs with K = 1, 2, 3 branches, in % of K = 3's (the names CBANet-HP-25%, -50%, -100%).
CBANET_FLOP_SHARES_PERCENT = (25, 50, 100)
# The paper's CBANet-HP size, for Table III: N, M, BAM hidden widths (y, z); the branch widths 60, 60, 88
# are the authors' released code's (the paper's text gives the 25 / 50 / 100% FLOP split).
CBANET_PAPER_SIZE: dict[str, Any] = {
    "N": 128,
    "M": 192,
    "widths": (60, 60, 88),
    "bam_hidden": 192,
    "hyper_bam_hidden": 128,
}
