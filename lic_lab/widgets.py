"""Slider explorers: a pure ``render`` function (tested) and a thin ipywidgets builder."""
from __future__ import annotations

import time
from typing import Any, Sequence

import matplotlib.pyplot as plt
import torch

from .metrics import bpp_from_bytes, psnr
from .models import CompressionModel
from .data import to_uint8
from .viz import error_map, triptych


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
    fig = triptych((to_uint8(x)[view], "original", {}),
                   (to_uint8(x_hat)[view], f"{model.name}: {values['bpp']:.3f} bpp, {values['psnr']:.2f} dB", {}),
                   error_map(x, x_hat)[view], "|error| (8-bit units)", 40)
    return fig, values


def figure_png(fig: plt.Figure) -> bytes:
    """A figure as PNG bytes (closing it): what the slider widgets show.

    An ``Image`` widget updated with new bytes avoids ``Output`` widgets, whose captured output
    and ``clear_output`` messages stall headless runners (nbconvert, nbval) at the widget cell.
    """
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def rate_slider(models: Sequence[CompressionModel], x: torch.Tensor, crop: tuple[slice, slice] | None = None):
    """An ipywidgets slider over the shipped rates that re-codes the image live."""
    import ipywidgets as widgets

    image = widgets.Image(format="png")
    slider = widgets.IntSlider(value=len(models) // 2, min=0, max=len(models) - 1, description="rate index s",
                               continuous_update=False)
    label = widgets.HTML()

    def update(change: Any = None) -> None:
        fig, v = render_rate(models, x, slider.value, crop)
        label.value = (f"<b>{v['model']}</b>: {v['bpp']:.4f} bpp, {v['psnr']:.2f} dB, "
                       f"encode {v['encode_ms']:.0f} ms, decode {v['decode_ms']:.0f} ms")
        image.value = figure_png(fig)

    slider.observe(update, names="value")
    update()
    return widgets.VBox([slider, label, image])


def render_channel(model: CompressionModel, x: torch.Tensor, channel: int, factor: float = 0.0
                   ) -> tuple[plt.Figure, dict[str, Any]]:
    """One channel of the quantized latent, the image decoded with that channel scaled by
    ``factor`` (0 removes it), and the error against the full decode."""
    from .analysis import latents
    from .data import crop_to

    out = latents(model, x)
    y = out["y_hat"].clone()
    y[:, channel] *= factor
    with torch.no_grad():
        x_mod = crop_to(model.synthesize(y).clamp(0, 1), x.shape[-2:])
    values = {"channel": channel, "factor": factor, "psnr_full": psnr(x, out["x_hat"]), "psnr_edited": psnr(x, x_mod)}
    ch = out["y_hat"][0, channel].numpy()
    lim = max(abs(ch).max(), 1e-6)
    fig = triptych((ch, f"channel {channel} of y_hat", {"cmap": "coolwarm", "vmin": -lim, "vmax": lim}),
                   (to_uint8(x_mod), f"channel x {factor:g}: {values['psnr_edited']:.2f} dB "
                                     f"(full: {values['psnr_full']:.2f})", {}),
                   error_map(out["x_hat"], x_mod), "|change| vs full decode (8-bit units)", 20)
    return fig, values


def channel_explorer(model: CompressionModel, x: torch.Tensor, channel: int = 0):
    """Sliders for channel index and scale factor, re-decoding live."""
    import ipywidgets as widgets

    image = widgets.Image(format="png")
    channels = widgets.IntSlider(value=channel, min=0, max=model.M - 1, description="channel",
                                 continuous_update=False)
    factor = widgets.FloatSlider(value=0.0, min=0.0, max=2.0, step=0.1, description="scale factor",
                                 continuous_update=False)

    def update(change: Any = None) -> None:
        fig, _ = render_channel(model, x, channels.value, factor.value)
        image.value = figure_png(fig)

    channels.observe(update, names="value")
    factor.observe(update, names="value")
    update()
    return widgets.VBox([widgets.HBox([channels, factor]), image])
