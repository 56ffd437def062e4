"""Deterministic entropy parameters: the parts of a codec that choose probabilities run on a grid.

An arithmetic (ANS) decoder must see *exactly* the probabilities the encoder used. A learned codec
computes them with a network (the hyper synthesis, a context model), and floating-point sums give
different last bits with a different thread count, CPU or GPU: one changed scale index derails
the decoder and the rest of the image comes out as noise (issue 19 measured 12 of 24 Kodak images
lost this way when encoding with one thread and decoding with two).

The cure, in the spirit of Ballé et al.'s integer networks: every number on the path that selects
a probability table is a multiple of ``GRID = 2^-14``, computed in float64 on the CPU:

* weights and biases are rounded to the grid once; every layer's input and output are rounded to
  the grid (:func:`on_grid`);
* a product of two grid values is a multiple of ``2^-28``, so a sum of such products is exact in
  float64 as long as every partial sum stays below ``2^53 x 2^-28 = 2^25`` (``EXACT_LIMIT``).
  :func:`check_exact` bounds this per layer (max |input| x the largest row sum of |weights|) and
  refuses to code rather than risk a silent mismatch. Exact sums do not depend on their order,
  so any thread count or BLAS blocking gives the same numbers;
* element-wise operations (ReLU, leaky ReLU, abs, products) are correctly rounded IEEE operations
  and give the same result everywhere.

What is *not* guaranteed bit for bit: element-wise transcendental functions (exp, pow, sigmoid,
erfc) may differ by one unit in the last place between CPU models or libraries. Their results are
rounded to the grid (or to the pmf grid of :func:`lic_lab.entropy.coder.quantize_pmf`) before they
matter, so a difference survives only if a value falls within 1e-16 of a rounding boundary.
The analysis and synthesis transforms stay in float32 on any device ("float islands"): they never
choose a probability, and their last-bit differences move a reconstruction by far less than one
8-bit level.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch
from torch import nn

from lic_lab.errors import CodingError

GRID = 2.0**-14
EXACT_LIMIT = 2.0**25  # partial sums of products of two grid values stay exact below this


def on_grid(t: torch.Tensor, limit: float | None = None) -> torch.Tensor:
    """Round to the coding grid in float64 (clipped to ``[-limit, limit]`` when a limit is given)."""
    t = t.double()
    if limit is not None:
        t = t.clamp(-limit, limit)
    return torch.round(t / GRID) * GRID


def on_grid_np(a: np.ndarray, limit: float | None = None) -> np.ndarray:
    """:func:`on_grid` for a float64 NumPy array: the same clip and the same half-to-even rounding."""
    if limit is not None:
        a = np.clip(a, -limit, limit)
    return np.round(a / GRID) * GRID


def weight_row_sum(module: nn.Module) -> float:
    """The largest sum of |weights| that feeds one output of a linear layer (conv, deconv, dense)."""
    w = getattr(module, "weight", None)
    if not isinstance(w, torch.Tensor):
        return 0.0
    w = w.detach().abs()
    if isinstance(module, nn.modules.conv._ConvTransposeNd):
        total = w.sum(dim=[d for d in range(w.dim()) if d != 1])  # (in, out, k, k): an over-estimate
    else:
        total = w.sum(dim=list(range(1, w.dim())))
    bias = getattr(module, "bias", None)
    if isinstance(bias, torch.Tensor):
        total = total + bias.detach().abs()
    return float(total.max()) if total.numel() else 0.0


def check_exact(max_input: float, row_sum: float, where: str = "a layer") -> None:
    """Refuse when a layer's sums could leave the exact range of float64 on the grid."""
    if max_input * row_sum >= EXACT_LIMIT:
        raise CodingError(
            f"entropy parameters out of the exact fixed-point range in {where} "
            f"({max_input:.3g} x {row_sum:.3g} >= 2^25); this image cannot be coded deterministically"
        )


def _linear(module: nn.Module) -> bool:
    return isinstance(module, (nn.modules.conv._ConvNd, nn.Linear))


class FloatIsland(nn.Module):
    """A float transform (analysis or synthesis) left out of the fixed-point path.

    Inputs are moved to the wrapped module's device and dtype, outputs back to float64 on the CPU.
    Attributes the model reads from the wrapped module (e.g. CBANet's active branches) pass through.
    """

    def __init__(self, module: nn.Module):
        super().__init__()
        object.__setattr__(self, "_inner", module)  # not registered: the grid leaves it alone

    @staticmethod
    def _move(value: Any, device: torch.device, dtype: torch.dtype) -> Any:
        if isinstance(value, torch.Tensor) and value.is_floating_point():
            return value.to(device, dtype)
        if isinstance(value, (list, tuple)):
            return type(value)(FloatIsland._move(v, device, dtype) for v in value)
        return value

    def forward(self, *args: Any) -> Any:
        inner = object.__getattribute__(self, "_inner")
        param = next(inner.parameters(), None)
        device, dtype = (param.device, param.dtype) if param is not None else (torch.device("cpu"), torch.float32)
        out = inner(*self._move(args, device, dtype))
        return self._move(out, torch.device("cpu"), torch.float64)

    def __getattr__(self, name: str) -> Any:
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(object.__getattribute__(self, "_inner"), name)


def _snapped(model: nn.Module, p: torch.Tensor) -> torch.Tensor:
    """``p`` on the grid (float64, CPU), cached per parameter version so coding tables stay cached."""
    cache: dict[int, tuple[tuple[int, int], torch.Tensor]] = model.__dict__.setdefault("_grid_cache", {})
    key = (p.data_ptr(), p._version)
    hit = cache.get(id(p))
    if hit is None or hit[0] != key:
        hit = (key, on_grid(p.detach().cpu()))
        cache[id(p)] = hit
    return hit[1]


def _grid_args(args: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(on_grid(a) if isinstance(a, torch.Tensor) and a.is_floating_point() else a for a in args)


def _grid_output(out: Any) -> Any:
    if isinstance(out, torch.Tensor) and out.is_floating_point():
        return on_grid(out)
    if isinstance(out, (list, tuple)):
        return type(out)(_grid_output(o) for o in out)
    return out


@contextmanager
def exact_mode(model: nn.Module, transforms: tuple[str, ...]) -> Iterator[nn.Module]:
    """Run ``model``'s coding path with every module but ``transforms`` on the fixed-point grid.

    Inside the block the named transforms are :class:`FloatIsland` s, all other parameters are their
    grid values (float64, CPU), and every leaf module rounds its inputs and outputs to the grid and
    checks that its sums are exact. Everything is restored on exit, also after an error.
    """
    originals: dict[str, nn.Module] = {}
    for name in transforms:
        module = model._modules.get(name)
        if module is not None:
            originals[name] = module
    for name, module in originals.items():
        model._modules[name] = FloatIsland(module)
    params = [(p, p.data) for p in model.parameters()]
    buffers = []
    for module in model.modules():
        for key, buf in module._buffers.items():
            if buf is not None and buf.is_floating_point():
                buffers.append((module, key, buf))
    hooks = []
    try:
        for p, _ in params:
            p.data = _snapped(model, p)
        for module, key, buf in buffers:
            module._buffers[key] = buf.detach().to("cpu", torch.float64)
        for name, module in model.named_modules():
            if isinstance(module, FloatIsland) or next(module.children(), None) is not None:
                continue
            hooks.append(module.register_forward_pre_hook(_pre_hook(name)))
            hooks.append(module.register_forward_hook(lambda m, a, out: _grid_output(out)))
        yield model
    finally:
        for h in hooks:
            h.remove()
        for p, data in params:
            p.data = data
        for module, key, buf in buffers:
            module._buffers[key] = buf
        for name, module in originals.items():
            model._modules[name] = module


def _pre_hook(name: str):
    def hook(module: nn.Module, args: tuple[Any, ...]) -> tuple[Any, ...]:
        args = _grid_args(args)
        if _linear(module) and args and isinstance(args[0], torch.Tensor) and args[0].numel():
            check_exact(float(args[0].abs().max()), weight_row_sum(module), name)
        return args

    return hook
