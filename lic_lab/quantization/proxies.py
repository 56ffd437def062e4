"""Quantization and its training-time proxies (benchmark paper sec. 5; Ballé et al. 2017).

Rounding has zero gradient almost everywhere, so training replaces it by a proxy:

* ``"noise"``: additive uniform noise ``y + u, u ~ U(-1/2, 1/2)`` (Ballé et al. 2017): the density
  of ``y + u`` equals the probability mass of the rounded value under the model, so the rate term
  stays an honest estimate;
* ``"ste"``: straight-through estimator, ``round`` forward and identity backward (Theis et al. 2017);
* ``"round"``: true rounding (what the codec does at test time).
"""

from __future__ import annotations

import torch

MODES = ("noise", "ste", "round")


def ste_round(x: torch.Tensor) -> torch.Tensor:
    """Round in the forward pass, identity gradient in the backward pass."""
    return x + (torch.round(x) - x).detach()


def quantize(y: torch.Tensor, mode: str, offset: torch.Tensor | None = None) -> torch.Tensor:
    """Quantize ``y`` to the integer grid shifted by ``offset`` (e.g. a predicted mean).

    ``round(y - offset) + offset`` for ``"round"``/``"ste"``; ``y + u`` for ``"noise"``.
    """
    if mode == "noise":
        return y + torch.empty_like(y).uniform_(-0.5, 0.5)
    if mode not in ("ste", "round"):
        raise ValueError(f"unknown quantization mode {mode!r}; choose from {MODES}")
    centred = y if offset is None else y - offset
    q = ste_round(centred) if mode == "ste" else torch.round(centred)
    return q if offset is None else q + offset
