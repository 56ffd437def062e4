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
REPO_DIR = PACKAGE_DIR.parent  # the checkout's root when running from one (notebooks, scripts)


def in_checkout() -> bool:
    """Whether ``lic_lab`` runs from a source checkout (not from an installed wheel)."""
    return (REPO_DIR / "pyproject.toml").is_file() and (REPO_DIR / "notebooks").is_dir()


def home() -> Path:
    """Where lic_lab writes: training runs, trained models, downloads and figures.

    ``LIC_LAB_HOME`` when set; else the checkout's root when running from one; else
    ``~/.lic_lab``. Nothing is ever written into an installed package.
    """
    value = os.environ.get("LIC_LAB_HOME")
    if value:
        return Path(value).expanduser().resolve()
    return REPO_DIR if in_checkout() else Path.home() / ".lic_lab"


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
