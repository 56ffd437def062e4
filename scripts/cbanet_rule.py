"""The rule of recipe ``cbanet-top`` (scripts/train_zoo.sh): does a CBANet on a higher base raise the gain?

Usage: LIC_LAB_DATA=../shared/datasets python scripts/cbanet_rule.py NEW.pt OLD.pt

Prints each model's mean PSNR with K = 1, 2, 3 branches at its base bitrate on the validation photos
(never Kodak) and exits 0 when NEW's gain from K = 1 to 3 beats OLD's by more than
``evaluate.ONE_MODEL_RESOLUTION_DB`` (notebook 06's MEASURABLE_DB), 3 when it does not (any other
non-zero status is an error, which the recipe passes on).
"""
from __future__ import annotations

import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from lic_lab import data, zoo  # noqa: E402
from lic_lab.evaluation import evaluate  # noqa: E402
from lic_lab.teaching.analysis import psnr_per_branches  # noqa: E402


def k_gain(path: str, images: list[torch.Tensor]) -> float:
    """PSNR with K = 3 minus K = 1 at the model's base bitrate, mean over ``images`` (dB)."""
    model = zoo.load_checkpoint_file(Path(path))[0]
    model.set_rate(model.bitrates)
    psnrs = psnr_per_branches(model, images)
    print(f"{path}: K = 1 / 2 / 3 " + " / ".join(f"{p:.3f}" for p in psnrs) + f" dB, gain {psnrs[2] - psnrs[0]:+.3f}")
    return psnrs[2] - psnrs[0]


def main(new: str, old: str) -> int:
    torch.set_num_threads(1)
    validation = [data.read_image(p) for p in data.training_paths()[1]]
    margin = k_gain(new, validation) - k_gain(old, validation)
    raises = margin > evaluate.ONE_MODEL_RESOLUTION_DB
    print(f"rule: the new base raises the gain by more than {evaluate.ONE_MODEL_RESOLUTION_DB} dB -> "
          f"{'yes' if raises else 'no'} ({margin:+.3f} dB)")
    return 0 if raises else 3


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[2])
    sys.exit(main(sys.argv[1], sys.argv[2]))
