"""Published reference numbers shown beside ours (Kodak, mean bpp / PSNR over 24 images).

Source: ``shared/notes/implementation-notes.md`` (CompressAI's pretrained, GPU-trained models with
real bitstreams). These are references for comparison, never our own results.
"""
from __future__ import annotations

COMPRESSAI_HYPERPRIOR = ([0.131, 0.209, 0.320, 0.478, 0.669, 0.939, 1.259, 1.660],
                         [27.58, 29.20, 30.97, 32.84, 34.53, 36.74, 38.58, 40.56])
COMPRESSAI_FACTORIZED = ([0.123, 0.189, 0.288, 0.440, 0.648, 0.967],
                         [26.91, 28.22, 29.62, 31.28, 32.96, 35.38])
COMPRESSAI_OVERHEAD_PERCENT = (0.14, 0.26)  # coded size over entropy estimate

# Benchmark paper, Table 7 (Kodak, PSNR-optimised, BD-rate against BPG 4:4:4, full / median range).
BENCHMARK_TABLE7_KODAK = {
    "ICLR18-Factorized": {"low": 35.46, "median": 32.75, "high": 28.59, "full": 32.96},
    "ICLR18-HyperPrior": {"low": 6.11, "median": 3.06, "high": 0.32, "full": 4.07},
    "JPEG": {"median": 113.28, "high": 104.99},
    "VTM8-4:4:4": {"low": -20.85, "median": -18.26, "high": -15.86, "full": -18.91},
}


def paper_saving_vs_jpeg(method: str, bit_range: str = "median") -> float:
    """BD-rate (%) of a Table 7 method against JPEG, chained through the common BPG anchor."""
    a = BENCHMARK_TABLE7_KODAK[method][bit_range] / 100 + 1
    j = BENCHMARK_TABLE7_KODAK["JPEG"][bit_range] / 100 + 1
    return (a / j - 1) * 100
