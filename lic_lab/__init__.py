"""lic_lab: a workbook that teaches learned image compression by rebuilding papers.

Small helpers every part of the package shares live here: the compute device, seeding and the
data root.
"""
from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np
import torch

__version__ = "0.1.0"

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
FIGURES_DIR = REPO_DIR / "figures"


def device() -> torch.device:
    """The GPU when there is one, else the CPU (override with ``LIC_LAB_DEVICE``)."""
    name = os.environ.get("LIC_LAB_DEVICE")
    if name:
        return torch.device(name)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def seed_everything(seed: int = 0) -> None:
    """Seed Python, NumPy and PyTorch so notebooks and training runs repeat."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def data_root() -> Path | None:
    """The configured data root (``LIC_LAB_DATA``), holding ``kodak/`` and ``train/``, if any."""
    value = os.environ.get("LIC_LAB_DATA")
    if value:
        return Path(value).expanduser().resolve()
    return None
