"""Models: every one has ``forward`` (training), ``compress(x) -> bytes``, ``decompress(bytes)``."""
from .balle import FactorizedPrior, MeanScaleHyperprior, ScaleHyperprior
from .base import ARCHITECTURES, CompressionModel, build_model

__all__ = ["CompressionModel", "FactorizedPrior", "ScaleHyperprior", "MeanScaleHyperprior",
           "ARCHITECTURES", "build_model"]
