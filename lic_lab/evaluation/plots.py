"""RD figures, shared by the benchmark command and the notebooks (matplotlib is imported on use).

One style for every figure: each classical codec (``STYLE``) and each zoo family (``LEARNED_STYLE``)
keeps one colour and marker (:func:`style`).
Figures are written where the caller says, by default ``<lic_lab home>/figures``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from lic_lab import home

if TYPE_CHECKING:
    import matplotlib.pyplot as plt

STYLE = {  # classical codecs: greys and warm colours, dashed where learned curves share the plot
    "jpeg": ("JPEG 4:4:4", "#999999", "s"),
    "jpeg420": ("JPEG 4:2:0", "#bbbbbb", "s"),
    "jpeg2000": ("JPEG 2000", "#8c6d31", "D"),
    "webp": ("WebP", "#e6550d", "^"),
    "avif": ("AVIF", "#d62728", "v"),
}
LEARNED_STYLE = {  # the zoo's families: cool and distinct colours, the same in every figure
    "factorized": ("factorized", "#9467bd", "o"),
    "hyperprior": ("hyperprior", "#1f77b4", "o"),
    "meanscale": ("meanscale", "#2ca02c", "o"),
    "meanscale-msssim": ("meanscale-msssim", "#74c476", "P"),
    "c2f": ("c2f", "#17becf", "*"),
    "c2f-single": ("c2f-single", "#7fd8e3", "x"),
    "cvqn": ("cvqn", "#e377c2", "h"),
    "cvqn-ablation": ("cvqn-ablation", "#f2b3dc", "h"),
    "cwic": ("cwic", "#bcbd22", "p"),
    "cwic-ablation": ("cwic-ablation", "#d9d98c", "p"),
    "agvae": ("agvae", "#393b79", "d"),
    "agvae hcvr": ("AG-VAE HCVR", "#5254a3", "d"),  # the ablation variants (notebook 05)
    "agvae symmetric": ("AG-VAE symmetric", "#6b6ecf", "d"),
    "agvae cvr": ("AG-VAE CVR", "#9c9ede", "d"),
    "cbanet": ("cbanet", "#637939", "X"),
    "cbanet k=1": ("CBANet K=1", "#b5cf6b", "X"),
    "cbanet k=2": ("CBANet K=2", "#8ca252", "X"),
    "cbanet k=3": ("CBANet K=3", "#637939", "X"),
}
FALLBACK_COLOURS = ("#7f7f7f", "#a55194", "#3182bd", "#31a354", "#756bb1", "#636363")  # none near a codec's
REFERENCE_STYLE = ("#000000", ".")  # published reference curves (e.g. CompressAI's), always dashed


def _paler(colour: str, amount: float = 0.5) -> str:
    """``colour`` (#rrggbb) blended towards white."""
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c + (255 - c) * amount):02x}" for c in rgb)


def style(label: str) -> tuple[str, str, str]:
    """``(name, colour, marker)`` of a curve, the same wherever it is drawn.

    A codec or zoo family by key (``"webp"``, ``"hyperprior"``), by display name (``"JPEG 4:4:4"``)
    or with a note in brackets (``"hyperprior (5 models)"``), in any case (``"(earlier)"``: a retired family,
    paler and crossed, beside its retrained one); a published reference
    curve (its label says "reference") is black; other labels get a
    colour chosen from their text, so a curve keeps its colour from one panel to the next.
    """
    import zlib

    key = label.split(" (")[0].strip().lower()
    if "reference" in key:
        return (label, *REFERENCE_STYLE)
    for table in (STYLE, LEARNED_STYLE):
        for k, (name, colour, marker) in table.items():
            if key in (k, name.lower()):
                if "(earlier)" in label.lower():  # a retired family beside its retrained one: paler, crossed
                    return label, _paler(colour), "+"
                return label if table is LEARNED_STYLE else name, colour, marker
    return label, FALLBACK_COLOURS[zlib.crc32(key.encode()) % len(FALLBACK_COLOURS)], "o"


def rd_plot(
    curves: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    metric: str = "PSNR (dB)",
    ax: plt.Axes | None = None,
    title: str | None = None,
    save: str | None = None,
) -> plt.Axes:
    """Plot rate-distortion curves ``{label: (bpp, quality)}``; optionally save to figures/<save>.

    Every curve takes its fixed :func:`style`; classical codecs and references are dashed when
    learned curves share the axes. The legend goes where it covers the fewest points.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.4))
    codec_names = {entry[0] for entry in STYLE.values()}
    codecs = {label: style(label)[0] in codec_names for label in curves}
    mixed = not all(codecs.values())
    for label, (rates, quality) in curves.items():
        name, colour, marker = style(label)
        dashed = "reference" in label.lower() or (mixed and codecs[label])
        ax.plot(rates, quality, marker=marker, color=colour, label=name, linestyle="--" if dashed else "-", ms=4)
    ax.set_xlabel("bits per pixel")
    ax.set_ylabel(metric)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="best")
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
