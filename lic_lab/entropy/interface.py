"""The one interface every entropy model follows.

Training needs a differentiable probability for each value; coding needs bytes and the exact values
back. So every entropy model of lic_lab (factorized density, Gaussian and asymmetric-Gaussian
conditionals, CVQN's 3D context model, CWIC's TCAE) offers the same three methods; what it is
conditioned on (scales and means, the quantizer's centres, an importance mask) follows the values:

- ``likelihood(values, *condition) -> Tensor``: the probability of each value (the rate term is
  ``-log2`` of it);
- ``compress(values, *condition) -> bytes``: the values coded for real (ANS through constriction);
- ``decompress(data, *condition) -> Tensor``: the values :meth:`compress` was given, exactly.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import torch


@runtime_checkable
class EntropyModel(Protocol):
    """Likelihoods for training, ``compress`` / ``decompress`` to bytes for coding."""

    def likelihood(self, values: torch.Tensor, *condition: Any, **options: Any) -> torch.Tensor: ...

    def compress(self, values: torch.Tensor, *condition: Any, **options: Any) -> bytes: ...

    def decompress(self, data: bytes, *condition: Any, **options: Any) -> torch.Tensor: ...
