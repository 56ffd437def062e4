"""Models: every one has ``forward`` (training), ``compress(x) -> bytes``, ``decompress(bytes)``."""

from lic_lab.models.balle import FactorizedPrior, MeanScaleHyperprior, ScaleHyperprior
from lic_lab.models.base import ARCHITECTURES, CompressionModel, build_model, latents
from lic_lab.models.cbanet import CBANetHP
from lic_lab.models.coarse_to_fine import CoarseToFineHyperprior
from lic_lab.models.cvqn import CVQN
from lic_lab.models.cwic import CWIC
from lic_lab.models.gained import GainedMeanScale

__all__ = [
    "CompressionModel",
    "FactorizedPrior",
    "ScaleHyperprior",
    "MeanScaleHyperprior",
    "GainedMeanScale",
    "CBANetHP",
    "CoarseToFineHyperprior",
    "CVQN",
    "CWIC",
    "ARCHITECTURES",
    "build_model",
    "latents",
]
