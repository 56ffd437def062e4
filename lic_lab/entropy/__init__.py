"""Entropy models: each gives training-time likelihoods and real coding to bytes and back."""

from lic_lab.entropy.asymmetric import AsymmetricGaussianConditional
from lic_lab.entropy.coder import LazyTables, PmfTable, decode_symbols, encode_symbols
from lic_lab.entropy.factorized import FactorizedDensity
from lic_lab.entropy.gaussian import GaussianConditional
from lic_lab.entropy.interface import EntropyModel

__all__ = [
    "EntropyModel",
    "PmfTable",
    "LazyTables",
    "encode_symbols",
    "decode_symbols",
    "FactorizedDensity",
    "GaussianConditional",
    "AsymmetricGaussianConditional",
]
