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


SMALL_CONFIGS = {
    "factorized": {},
    "scale_hyperprior": {},
    "mean_scale_hyperprior": {},
    "gained_mean_scale": {"levels": 3},
    "gained_mean_scale_symmetric": {"arch": "gained_mean_scale", "levels": 3, "asymmetric": False},
    "cbanet_hp": {"widths": [6, 6, 8], "bitrates": 3, "bam_hidden": 12, "hyper_bam_hidden": 8},
    "coarse_to_fine": {"C": 8, "pe_hidden": 8, "iar_width": 8, "iar_res_width": 4, "iar_out_width": 4},
    "coarse_to_fine_3_levels": {"arch": "coarse_to_fine", "levels": 3, "C": 8, "pe_hidden": 8, "iar_width": 8,
                                "iar_res_width": 4, "iar_out_width": 4},
    "cvqn": {"N": 8, "context_hidden": 4},
    "cvqn_se": {"arch": "cvqn", "N": 8, "context_hidden": 4, "importance": "se"},
    "cwic": {"N": 0, "M": 8, "importance_levels": 4, "widths": [4, 6, 8], "tcae_layers": 2},
}


def small(name: str) -> torch.nn.Module:
    """An untrained N = 16, M = 24 model of an architecture (or a named variant of one)."""
    torch.manual_seed(1)
    return build_model({"arch": name, "N": 16, "M": 24, **SMALL_CONFIGS[name]}).eval()


@pytest.fixture(scope="session", params=sorted(SMALL_CONFIGS))
def small_model(request):
    return small(request.param)
