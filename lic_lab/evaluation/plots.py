"""RD figures, shared by the benchmark command and the notebooks (matplotlib is imported on use).

One style for every figure: each classical codec keeps one colour and marker (``STYLE``).
Figures are written where the caller says, by default ``<lic_lab home>/figures``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from lic_lab import home

if TYPE_CHECKING:
    import matplotlib.pyplot as plt
    from matplotlib.typing import ColorType

STYLE = {
    "jpeg": ("JPEG 4:4:4", "#999999", "s"),
    "jpeg420": ("JPEG 4:2:0", "#bbbbbb", "s"),
    "jpeg2000": ("JPEG 2000", "#8c6d31", "D"),
    "webp": ("WebP", "#e6550d", "^"),
    "avif": ("AVIF", "#d62728", "v"),
}


def rd_plot(
    curves: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    metric: str = "PSNR (dB)",
    ax: plt.Axes | None = None,
    title: str | None = None,
    save: str | None = None,
    palette: str | None = None,
) -> plt.Axes:
    """Plot rate-distortion curves ``{label: (bpp, quality)}``; optionally save to figures/<save>.

    Classical codecs keep their fixed style (dashed); with ``palette`` (a matplotlib colormap name)
    the other curves take evenly spaced colours from it, so many learned curves stay distinguishable.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.4))
    learned = [label for label in curves if label not in STYLE]
    cmap = plt.get_cmap(palette) if palette else None
    color: ColorType | None
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
        from matplotlib.figure import Figure

        if not isinstance(ax.figure, Figure):  # a subfigure's axes: no savefig of its own
            raise ValueError("save needs the axes of a whole figure, not of a subfigure")
        save_figure(ax.figure, save)
    return ax


def figures_dir() -> Path:
    """The default folder for saved figures: ``figures/`` under :func:`lic_lab.home`."""
    return home() / "figures"


def save_figure(fig: plt.Figure, name: str, folder: str | Path | None = None) -> Path:
    """Save a figure as ``<folder>/<name>`` (PNG, 120 dpi); the folder defaults to :func:`figures_dir`."""
    out = Path(folder) if folder is not None else figures_dir()
    out.mkdir(parents=True, exist_ok=True)
    path = out / name
    fig.savefig(path, dpi=120, bbox_inches="tight")
    return path
