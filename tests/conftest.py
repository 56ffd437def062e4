"""Shared fixtures: small images, and small untrained models (coding must be exact even untrained)."""
from __future__ import annotations

import pytest
import torch

from lic_lab import seed_everything
from lic_lab.data import embedded_paths, read_image
from lic_lab.models import build_model


@pytest.fixture(autouse=True)
def _seed():
    seed_everything(0)
    torch.set_num_threads(2)


@pytest.fixture(scope="session")
def photo() -> torch.Tensor:
    """A 256x384 natural photo from the embedded set."""
    return read_image(embedded_paths()[0])


@pytest.fixture(scope="session")
def small_photo(photo) -> torch.Tensor:
    """A 100x150 crop (not a multiple of 64, to exercise padding)."""
    return photo[..., 10:110, 20:170].contiguous()


@pytest.fixture(scope="session", params=["factorized", "scale_hyperprior", "mean_scale_hyperprior"])
def small_model(request):
    torch.manual_seed(1)
    return build_model({"arch": request.param, "N": 16, "M": 24}).eval()
