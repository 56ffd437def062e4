"""The notebooks' figures (RD curves, STYLE and saving come from :mod:`lic_lab.evaluation.plots`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import torch

from lic_lab.data import to_uint8
from lic_lab.evaluation.plots import STYLE as STYLE  # re-exported for the notebooks
from lic_lab.evaluation.plots import figures_dir as figures_dir
from lic_lab.evaluation.plots import rd_plot as rd_plot
from lic_lab.evaluation.plots import save_figure as save_figure
from lic_lab.evaluation.plots import style as style


def training_curves(curve: list[dict[str, float]], panels: dict[str, str]) -> plt.Figure:
    """A training run's logged values against the step, one panel per ``{key: title}``."""
    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 3))
    for ax, (key, title) in zip(np.atleast_1d(axes), panels.items()):
        ax.plot([c["step"] for c in curve], [c[key] for c in curve])
        ax.set_title(title)
        ax.set_xlabel("step")
    fig.tight_layout()
    return fig


def show_images(
    images: Iterable[torch.Tensor | np.ndarray], titles: Iterable[str], cmap: str | None = None, width: float = 4.0
) -> plt.Figure:
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
        latent_image(ax, y[c], f"ch {c}")
    fig.tight_layout()
    return fig


def latent_image(ax: plt.Axes, plane: torch.Tensor, title: str) -> None:
    """One latent channel on a symmetric blue-red scale (zero is white)."""
    lim = float(plane.abs().max()) or 1.0
    ax.imshow(plane.numpy(), cmap="coolwarm", vmin=-lim, vmax=lim)
    ax.set_title(title, fontsize=7)


def table(rows: list[dict[str, Any]], floatfmt: str = "{:.4g}") -> str:
    """Rows as a Markdown table (for ``IPython.display.Markdown``)."""
    if not rows:
        return ""
    keys = list(rows[0])
    fmt = lambda v: floatfmt.format(v) if isinstance(v, float) else ("—" if v is None else str(v))
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(fmt(r[k]) for k in keys) + " |" for r in rows]
    return "\n".join(lines)


def gmm_figure(quantizer: Any, samples: torch.Tensor) -> plt.Figure:
    """A 1-D GMM quantizer (CVQN eqs. 2-4) on samples: the mixture, responsibilities, both paths.

    Left: histogram and the weighted components ``pi_q N(z | mu_q, sigma_q^2)``. Middle: the
    responsibilities of eq. 3-4. Right: the hard value (eq. 3, forward), the soft value (eq. 4)
    and its derivative, which is the gradient the encoder receives (backward).
    """
    z = torch.linspace(float(samples.min()) - 0.5, float(samples.max()) + 0.5, 600, requires_grad=True)
    log_comp = quantizer.component_log_density(z)
    resp = torch.softmax(log_comp, -1)
    soft = (resp * quantizer.means).sum(-1)
    (grad,) = torch.autograd.grad(soft.sum(), z)
    hard = quantizer.means[resp.argmax(-1)]
    zs, comps = z.detach().numpy(), log_comp.exp().detach().numpy()
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.3))
    axes[0].hist(samples.numpy(), bins=80, density=True, color="#cccccc")
    axes[0].plot(zs, comps, lw=1)
    axes[0].plot(zs, comps.sum(-1), "k", lw=1.5, label="mixture p(z), eq. 2")
    axes[0].set_title("samples and weighted components")
    axes[0].legend(fontsize=8)
    axes[1].plot(zs, resp.detach().numpy())
    axes[1].set_title("responsibilities (eqs. 3-4)")
    axes[2].plot(zs, hard.detach().numpy(), "k", label="hard (forward, eq. 3)")
    axes[2].plot(zs, soft.detach().numpy(), "C1", label="soft (backward, eq. 4)")
    twin = axes[2].twinx()
    twin.plot(zs, grad.numpy(), "C2", lw=1, alpha=0.7)
    twin.set_ylabel("d soft / dz (gradient)", color="C2")
    axes[2].set_title("quantized value and its gradient")
    index = resp.argmax(-1).numpy()
    for k, edge in enumerate(np.flatnonzero(np.diff(index))):  # decision boundaries: the hard value jumps
        axes[2].axvline(
            (zs[edge] + zs[edge + 1]) / 2, color="C3", lw=0.8, ls="--", label="decision boundary" if k == 0 else None
        )
    axes[2].legend(fontsize=8, loc="upper left")
    axes[0].set_ylabel("density")
    axes[1].set_ylabel("responsibility")
    axes[2].set_ylabel("quantized value")
    for ax in axes:
        ax.set_xlabel("z (dotted: the levels mu_q)")
        for m in quantizer.means.detach().numpy():
            ax.axvline(m, color="k", lw=0.4, ls=":")
    fig.tight_layout()
    return fig


def group_grid(
    z_hat: torch.Tensor, order: Sequence[int], sizes: Sequence[int], levels: Sequence[int], cols: int = 8
) -> plt.Figure:
    """CVQN Fig. 3 (left): the quantized channels of one image, sorted by importance, one block per group."""
    z_hat = z_hat[0].detach().cpu()
    order = list(order)
    rows_per = [(s + cols - 1) // cols for s in sizes]
    fig, axes = plt.subplots(sum(rows_per), cols, figsize=(1.5 * cols, 1.15 * sum(rows_per)))
    axes = np.atleast_2d(axes)
    for ax in axes.ravel():
        ax.axis("off")
    start, row = 0, 0
    for size, q, nrows in zip(sizes, levels, rows_per):
        for i, c in enumerate(order[start : start + size]):
            latent_image(axes[row + i // cols, i % cols], z_hat[c], f"ch {c} · {q} levels")
        start, row = start + size, row + nrows
    fig.tight_layout()
    return fig


def channel_loss_bars(
    losses: Sequence[float],
    group_of: Sequence[int],
    labels: Sequence[str],
    ylabel: str = "MS-SSIM loss (dB)",
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """CVQN Fig. 1 (bottom): the loss from zeroing each channel, one colour per quantization group."""
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 2.8))
    colours = [f"C{g}" for g in group_of]
    ax.bar(range(len(losses)), losses, color=colours)
    for g, label in enumerate(labels):
        ax.bar([0], [0], color=f"C{g}", label=label)
    ax.set_xlabel("channel")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, axis="y")
    return ax


def trimmed_mask_planes(offset: int, kernel: int = 5) -> plt.Figure:
    """CWIC Fig. 5: the ``K x K`` mask plane linking input channel ``k = t + offset`` to output ``t``,
    for the input and hidden layers, sequential (eqs. 22-23) and inclined (eqs. 26-27) TCAE."""
    from lic_lab.layers.trimmed_conv import trimmed_mask

    n = 2 * abs(offset) + 1
    t = n // 2
    fig, axes = plt.subplots(1, 4, figsize=(10, 2.8))
    for ax, (first, inclined) in zip(axes, ((True, False), (False, False), (True, True), (False, True))):
        plane = trimmed_mask(n, kernel, first, inclined)[t, t + offset].numpy()
        ax.imshow(plane, cmap="Greys", vmin=-0.3, vmax=1.3)
        ax.plot(kernel // 2, kernel // 2, marker="^", color="tab:blue", ms=10)  # the symbol being predicted
        ax.set_xticks(range(kernel))
        ax.set_yticks(range(kernel))
        ax.set_xticklabels(range(-(kernel // 2), kernel // 2 + 1))
        ax.set_yticklabels(range(-(kernel // 2), kernel // 2 + 1))
        ax.set_title(
            f"{'inclined' if inclined else 'sequential'}, {'input' if first else 'hidden'} layer\n"
            f"k - t = {offset}: {int(plane.sum())} of {kernel * kernel} kept",
            fontsize=9,
        )
    fig.tight_layout()
    return fig


def importance_maps(models: Sequence[Any], x: torch.Tensor) -> plt.Figure:
    """CWIC Fig. 11: the photo, then for each model its importance map ``p`` (real bpp in the title)
    above the number of channels coded at each position."""
    from lic_lab.data import to_uint8
    from lic_lab.models import latents

    fig, axes = plt.subplots(2, len(models) + 1, figsize=(3.5 * (len(models) + 1), 5.2))
    axes[0, 0].imshow(to_uint8(x))
    axes[0, 0].set_title("original", fontsize=9)
    for j, m in enumerate(models, start=1):
        out = latents(m, x)
        bpp = 8 * len(m.compress(x)) / (x.shape[-2] * x.shape[-1])
        axes[0, j].imshow(out["p"][0].numpy(), cmap="gray", vmin=0, vmax=1)
        axes[0, j].set_title(f"{m.name}: p ({bpp:.3f} bpp)", fontsize=9)
        axes[1, j].imshow(out["mask"][0].sum(0).numpy(), cmap="viridis", vmin=0, vmax=m.M)
        axes[1, j].set_title(f"channels coded: {100 * out['mask'].mean():.0f}% of codes", fontsize=9)
    for ax in axes.flat:
        ax.axis("off")
    fig.tight_layout()
    return fig


def quantizer_centres(quantizer: Any, e: torch.Tensor) -> plt.Figure:
    """A learnt channel-wise quantizer's centres, one row per channel, over the 2-98% range of that
    channel's codes ``e`` (C, H, W), with the initial uniform centres below."""
    init = type(quantizer)(quantizer.channels, quantizer.levels).centres().detach()[0]
    centres = quantizer.centres().detach()
    fig, ax = plt.subplots(figsize=(12, 4))
    for k in range(quantizer.channels):
        lo, hi = np.percentile(e[k].numpy(), [2, 98])
        ax.plot([lo, hi], [k, k], color="0.8", lw=5, solid_capstyle="butt", zorder=1)
        ax.scatter(centres[k], [k] * len(centres[k]), s=10, color="tab:blue", zorder=3)  # dots over the range bars
    ax.scatter(init, [-1.5] * len(init), s=10, color="tab:orange", zorder=3, label="initial centres (every channel)")
    ax.set_xlabel("code value")
    ax.set_ylabel("channel k")
    ax.set_xlim(0, 1)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)  # outside: no centre hidden
    fig.tight_layout()
    return fig


def bd_rate_explainer(
    anchor: tuple[Sequence[float], Sequence[float]],
    test: tuple[Sequence[float], Sequence[float]],
    names: tuple[str, str],
) -> tuple[plt.Figure, dict[str, float]]:
    """How BD-rate is computed, drawn for two real curves ``(bpp, PSNR)``.

    Left: the curves as usual, with the PSNR interval both cover. Right: the same curves turned
    sideways, ``ln R`` against quality ``D``, through PCHIP; the shaded area between them over the
    overlap ``[D_L, D_H]``, divided by its width, is the mean log-rate gap ``Delta``, and
    ``BD-rate = exp(Delta) - 1`` (:func:`lic_lab.evaluation.metrics.bd_rate`).
    """
    import math

    from lic_lab.evaluation.metrics import bd_rate, pchip

    rate = bd_rate(*anchor, *test)  # raises a ValueError when the curves share no quality range
    lo = max(min(anchor[1]), min(test[1]))
    hi = min(max(anchor[1]), max(test[1]))
    d = np.linspace(lo, hi, 200)
    ln_anchor = pchip(anchor[1], np.log(anchor[0]), d)
    ln_test = pchip(test[1], np.log(test[0]), d)
    gap = math.log1p(rate / 100)  # the exact mean of the shaded gap (bd_rate integrates the same curves)
    values = {"lo": lo, "hi": hi, "gap": gap, "bd_rate": rate}
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    rd_plot({names[0]: anchor, names[1]: test}, ax=axes[0], title="1. the RD curves")
    axes[0].axhspan(lo, hi, color="0.85", alpha=0.5, label="PSNR range both cover")
    axes[0].legend(fontsize=8)
    for (rates, quality), line, name in ((anchor, ln_anchor, names[0]), (test, ln_test, names[1])):
        _, colour, marker = style(name)
        axes[1].plot(quality, np.log(rates), marker, color=colour, ms=5)
        axes[1].plot(d, line, color=colour, label=f"ln R of {name} (PCHIP)")
    axes[1].fill_between(d, ln_anchor, ln_test, color="0.6", alpha=0.4, label="area between them: the integral")
    axes[1].axvline(lo, color="k", ls=":", lw=1)
    axes[1].axvline(hi, color="k", ls=":", lw=1)
    axes[1].set_xlabel("quality D: PSNR (dB)")
    axes[1].set_ylabel("ln(bits per pixel)")
    axes[1].set_title(
        f"2. mean gap over [{lo:.2f}, {hi:.2f}] dB: Delta = {gap:+.3f}, BD-rate = exp(Delta) - 1 = {values['bd_rate']:+.1f}%",
        fontsize=9,
    )
    axes[1].legend(fontsize=8)
    axes[1].grid(alpha=0.3)
    fig.tight_layout()
    return fig, values
