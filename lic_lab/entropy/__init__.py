"""Entropy models: each gives training-time likelihoods and real coding to bytes and back."""
from .asymmetric import AsymmetricGaussianConditional
from .coder import LazyTables, PmfTable, decode_symbols, encode_symbols
from .factorized import FactorizedDensity
from .gaussian import GaussianConditional

__all__ = ["PmfTable", "LazyTables", "encode_symbols", "decode_symbols", "FactorizedDensity", "GaussianConditional",
           "AsymmetricGaussianConditional"]
