"""Models: every one has ``forward`` (training), ``compress(x) -> bytes``, ``decompress(bytes)``."""
from .balle import FactorizedPrior, MeanScaleHyperprior, ScaleHyperprior
from .base import ARCHITECTURES, CompressionModel, build_model
from .cbanet import CBANetHP
from .coarse_to_fine import CoarseToFineHyperprior
from .cvqn import CVQN
from .cwic import CWIC
from .gained import GainedMeanScale

__all__ = ["CompressionModel", "FactorizedPrior", "ScaleHyperprior", "MeanScaleHyperprior", "GainedMeanScale",
           "CBANetHP", "CoarseToFineHyperprior", "CVQN", "CWIC", "ARCHITECTURES", "build_model"]
