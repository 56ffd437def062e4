"""Slider explorers: a pure ``render`` function (tested) and a thin ipywidgets builder."""
from __future__ import annotations

import time
from typing import Any, Sequence

import matplotlib.pyplot as plt
import torch

from .metrics import bpp_from_bytes, psnr
from .models import CompressionModel
from .viz import error_map


def render_rate(models: Sequence[CompressionModel], x: torch.Tensor, index: int,
                crop: tuple[slice, slice] | None = None) -> tuple[plt.Figure, dict[str, Any]]:
    """Code ``x`` with ``models[index]`` for real: the reconstruction, error map, bpp, PSNR, times."""
    model = models[index]
    t0 = time.perf_counter()
    data = model.compress(x)
    t1 = time.perf_counter()
    x_hat = model.decompress(data)
    t2 = time.perf_counter()
    h, w = x.shape[-2:]
    values = {"model": model.name, "bpp": bpp_from_bytes(len(data), h, w), "psnr": psnr(x, x_hat),
              "encode_ms": 1000 * (t1 - t0), "decode_ms": 1000 * (t2 - t1)}
    view = crop or (slice(None), slice(None))
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.2))
    from .data import to_uint8

    axes[0].imshow(to_uint8(x)[view])
    axes[0].set_title("original", fontsize=9)
    axes[1].imshow(to_uint8(x_hat)[view])
    axes[1].set_title(f"{model.name}: {values['bpp']:.3f} bpp, {values['psnr']:.2f} dB", fontsize=9)
    im = axes[2].imshow(error_map(x, x_hat)[view], cmap="magma", vmin=0, vmax=40)
    axes[2].set_title("|error| (8-bit units)", fontsize=9)
    fig.colorbar(im, ax=axes[2], fraction=0.046)
    for ax in axes:
        ax.axis("off")
    fig.tight_layout()
    return fig, values


def rate_slider(models: Sequence[CompressionModel], x: torch.Tensor, crop: tuple[slice, slice] | None = None):
    """An ipywidgets slider over the shipped rates that re-codes the image live."""
    import ipywidgets as widgets
    from IPython.display import display

    out = widgets.Output()
    slider = widgets.IntSlider(value=len(models) // 2, min=0, max=len(models) - 1, description="rate index s",
                               continuous_update=False)
    label = widgets.HTML()

    def update(change: Any = None) -> None:
        fig, v = render_rate(models, x, slider.value, crop)
        label.value = (f"<b>{v['model']}</b>: {v['bpp']:.4f} bpp, {v['psnr']:.2f} dB, "
                       f"encode {v['encode_ms']:.0f} ms, decode {v['decode_ms']:.0f} ms")
        with out:
            out.clear_output(wait=True)
            display(fig)
            plt.close(fig)

    slider.observe(update, names="value")
    update()
    return widgets.VBox([slider, label, out])
