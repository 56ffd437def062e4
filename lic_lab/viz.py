"""Plotting helpers shared by notebooks and commands (figures are written to ``figures/``)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch

from . import FIGURES_DIR
from .data import to_uint8

STYLE = {"jpeg": ("JPEG 4:4:4", "#999999", "s"), "jpeg420": ("JPEG 4:2:0", "#bbbbbb", "s"),
         "jpeg2000": ("JPEG 2000", "#8c6d31", "D"), "webp": ("WebP", "#e6550d", "^"),
         "avif": ("AVIF", "#d62728", "v")}


def rd_plot(curves: dict[str, tuple[Sequence[float], Sequence[float]]], metric: str = "PSNR (dB)",
            ax: plt.Axes | None = None, title: str | None = None, save: str | None = None,
            palette: str | None = None) -> plt.Axes:
    """Plot rate-distortion curves ``{label: (bpp, quality)}``; optionally save to figures/<save>.

    Classical codecs keep their fixed style (dashed); with ``palette`` (a matplotlib colormap name)
    the other curves take evenly spaced colours from it, so many learned curves stay distinguishable.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.4))
    learned = [label for label in curves if label not in STYLE]
    cmap = plt.get_cmap(palette) if palette else None
    for label, (rates, quality) in curves.items():
        name, color, marker = STYLE.get(label, (label, None, "o"))
        if cmap is not None and label in learned:
            color = cmap(learned.index(label) / max(1, len(learned) - 1))
        dashed = "reference" in label.lower() or (palette is not None and label in STYLE)
        ax.plot(rates, quality, marker=marker, color=color, label=name, linestyle="--" if dashed else "-", ms=4)
    ax.set_xlabel("bits per pixel")
    ax.set_ylabel(metric)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    if save:
        save_figure(ax.figure, save)
    return ax


def training_curves(curve: list[dict[str, float]], panels: dict[str, str]) -> plt.Figure:
    """A training run's logged values against the step, one panel per ``{key: title}``."""
    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 3))
    for ax, (key, title) in zip(np.atleast_1d(axes), panels.items()):
        ax.plot([c["step"] for c in curve], [c[key] for c in curve])
        ax.set_title(title)
        ax.set_xlabel("step")
    fig.tight_layout()
    return fig


def save_figure(fig: plt.Figure, name: str) -> Path:
    """Save a figure as ``figures/<name>`` (PNG, 120 dpi)."""
    FIGURES_DIR.mkdir(exist_ok=True)
    path = FIGURES_DIR / name
    fig.savefig(path, dpi=120, bbox_inches="tight")
    return path


def show_images(images: Iterable[torch.Tensor | np.ndarray], titles: Iterable[str], cmap: str | None = None,
                width: float = 4.0) -> plt.Figure:
    """A row of images (RGB tensors or 2-D maps) with titles."""
    images, titles = list(images), list(titles)
    fig, axes = plt.subplots(1, len(images), figsize=(width * len(images), width * 0.7))
    for ax, im, title in zip(np.atleast_1d(axes), images, titles):
        if isinstance(im, torch.Tensor):
            im = to_uint8(im) if im.dim() >= 3 and im.shape[-3] == 3 else im.detach().cpu().numpy()
        ax.imshow(im, cmap=cmap if np.ndim(im) == 2 else None)
        ax.set_title(title, fontsize=9)
        ax.axis("off")
    fig.tight_layout()
    return fig


def error_map(x: torch.Tensor, x_hat: torch.Tensor) -> np.ndarray:
    """Per-pixel absolute error (mean over colour), in 8-bit units."""
    return (x - x_hat).abs().mean(1)[0].mul(255).cpu().numpy()


def channel_grid(y: torch.Tensor, channels: Sequence[int] | None = None, cols: int = 8) -> plt.Figure:
    """Latent channels of a (1, C, h, w) tensor as a grid of images."""
    y = y[0].detach().cpu()
    channels = list(range(y.shape[0])) if channels is None else list(channels)
    rows = (len(channels) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(1.6 * cols, 1.2 * rows))
    for ax in np.ravel(axes):
        ax.axis("off")
    for ax, c in zip(np.ravel(axes), channels):
        ax.imshow(y[c].numpy(), cmap="coolwarm", vmin=-y[c].abs().max(), vmax=y[c].abs().max())
        ax.set_title(f"ch {c}", fontsize=7)
    fig.tight_layout()
    return fig


def table(rows: list[dict[str, Any]], floatfmt: str = "{:.4g}") -> str:
    """Rows as a Markdown table (for ``IPython.display.Markdown``)."""
    if not rows:
        return ""
    keys = list(rows[0])
    fmt = lambda v: floatfmt.format(v) if isinstance(v, float) else ("—" if v is None else str(v))  # noqa: E731
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(fmt(r[k]) for k in keys) + " |" for r in rows]
    return "\n".join(lines)


def triptych(left: tuple[Any, str, dict[str, Any]], middle: tuple[Any, str, dict[str, Any]],
             error: np.ndarray, error_title: str, error_max: float) -> plt.Figure:
    """Three panels side by side (what the sliders show): two images and an error map with a colour bar.

    ``left`` and ``middle`` are ``(image array, title, imshow keyword arguments)``.
    """
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.2))
    for ax, (image, title, kwargs) in zip(axes, (left, middle)):
        ax.imshow(image, **kwargs)
        ax.set_title(title, fontsize=9)
    im = axes[2].imshow(error, cmap="magma", vmin=0, vmax=error_max)
    axes[2].set_title(error_title, fontsize=9)
    fig.colorbar(im, ax=axes[2], fraction=0.046)
    for ax in axes:
        ax.axis("off")
    fig.tight_layout()
    return fig
