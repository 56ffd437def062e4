"""Slider images drawn with Pillow instead of matplotlib: a row of titled panels in milliseconds.

A matplotlib figure costs 200-600 ms to lay out and rasterise on 2 cores, more than the coding it
shows; the sliders need an update under 150 ms. A panel row is pasted pixels, a colour map applied
through a lookup table and a line of text per panel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

from lic_lab.data import to_uint8

TITLE_HEIGHT = 20
BAR_HEIGHT = 22
GAP = 10


@dataclass(frozen=True)
class Panel:
    """One panel: an RGB image (``H x W x 3`` uint8 or an image tensor) or a 2-D map drawn with
    ``cmap`` between ``vmin`` and ``vmax`` (then a colour bar is drawn under it); ``scale``
    enlarges it by pixel repetition (latent maps are 16 times smaller than the image)."""

    image: np.ndarray | torch.Tensor
    title: str
    cmap: str | None = None
    vmin: float = 0.0
    vmax: float = 1.0
    scale: int = 1


@lru_cache(maxsize=16)
def _lut(cmap: str) -> np.ndarray:
    """A colour map as a 256 x 3 uint8 lookup table."""
    from matplotlib import colormaps

    return (colormaps[cmap](np.linspace(0, 1, 256))[:, :3] * 255).round().astype(np.uint8)


def colorize(values: np.ndarray, cmap: str, vmin: float, vmax: float) -> np.ndarray:
    """A 2-D map as RGB pixels: ``values`` clipped to ``[vmin, vmax]`` and looked up in ``cmap``."""
    span = max(vmax - vmin, 1e-12)
    index = np.clip((np.asarray(values, dtype=np.float64) - vmin) / span * 255, 0, 255).round().astype(np.uint8)
    return _lut(cmap)[index]


@lru_cache(maxsize=4)
def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def _rgb(panel: Panel) -> np.ndarray:
    image = panel.image
    if isinstance(image, torch.Tensor):
        image = to_uint8(image) if image.dim() >= 3 else image.detach().cpu().numpy()
    rgb = colorize(image, panel.cmap, panel.vmin, panel.vmax) if panel.cmap else np.asarray(image, dtype=np.uint8)
    return np.repeat(np.repeat(rgb, panel.scale, 0), panel.scale, 1) if panel.scale > 1 else rgb


def panel_row(panels: Sequence[Panel]) -> Image.Image:
    """The panels side by side on white, each titled; 2-D maps get a colour bar with their range."""
    rgbs = [_rgb(p) for p in panels]
    height = max(r.shape[0] for r in rgbs)
    has_bar = any(p.cmap is not None for p in panels)
    width = sum(r.shape[1] for r in rgbs) + GAP * (len(rgbs) - 1)
    canvas = Image.new("RGB", (width, TITLE_HEIGHT + height + (BAR_HEIGHT if has_bar else 0)), "white")
    draw = ImageDraw.Draw(canvas)
    font = _font(12)
    x0 = 0
    for panel, rgb in zip(panels, rgbs):
        h, w = rgb.shape[:2]
        canvas.paste(Image.fromarray(np.ascontiguousarray(rgb)), (x0, TITLE_HEIGHT))
        draw.text((x0 + 2, 3), panel.title, fill="black", font=font)
        if panel.cmap is not None:
            top = TITLE_HEIGHT + height + 4
            bar = np.repeat(_lut(panel.cmap)[np.linspace(0, 255, w).astype(int)][None], 6, 0)
            canvas.paste(Image.fromarray(bar), (x0, top))
            draw.text((x0, top + 7), f"{panel.vmin:.3g}", fill="black", font=font)
            label = f"{panel.vmax:.3g}"
            draw.text((x0 + w - draw.textlength(label, font=font), top + 7), label, fill="black", font=font)
        x0 += w + GAP
    return canvas


def png_bytes(image: Image.Image | np.ndarray, compress_level: int = 1) -> bytes:
    """An image as PNG bytes, quickly (light compression: the bytes only travel to the browser)."""
    import io

    if isinstance(image, np.ndarray):
        image = Image.fromarray(np.ascontiguousarray(image))
    buf = io.BytesIO()
    image.save(buf, format="PNG", compress_level=compress_level)
    return buf.getvalue()
