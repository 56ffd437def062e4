"""Slider explorers: a pure ``render`` function (tested) and a thin ipywidgets builder."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from typing import Any, cast

import matplotlib.pyplot as plt
import numpy as np
import torch
from PIL import Image

from lic_lab.data import to_uint8
from lic_lab.evaluation.metrics import bpp_from_bytes, psnr
from lic_lab.models import CompressionModel
from lic_lab.teaching.panels import Panel, panel_row, png_bytes
from lic_lab.teaching.viz import error_map


def render_rate(
    models: Sequence[CompressionModel], x: torch.Tensor, index: int, crop: tuple[slice, slice] | None = None
) -> tuple[Image.Image, dict[str, Any]]:
    """Code ``x`` with ``models[index]`` for real: the reconstruction, error map, bpp, PSNR, times."""
    model = models[index]
    t0 = time.perf_counter()
    data = model.compress(x)
    t1 = time.perf_counter()
    x_hat = model.decompress(data)
    t2 = time.perf_counter()
    h, w = x.shape[-2:]
    values = {
        "model": model.name,
        "bpp": bpp_from_bytes(len(data), h, w),
        "psnr": psnr(x, x_hat),
        "encode_ms": 1000 * (t1 - t0),
        "decode_ms": 1000 * (t2 - t1),
    }
    view = crop or (slice(None), slice(None))
    image = panel_row(
        [
            Panel(to_uint8(x)[view], "original"),
            Panel(to_uint8(x_hat)[view], f"{model.name}: {values['bpp']:.3f} bpp, {values['psnr']:.2f} dB"),
            Panel(error_map(x, x_hat)[view], "|error| (8-bit units)", "magma", 0, 40),
        ]
    )
    return image, values


def figure_png(fig: plt.Figure) -> bytes:
    """A matplotlib figure as PNG bytes (closing it), for views drawn once and cached."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def _png(image: Image.Image | plt.Figure) -> bytes:
    return png_bytes(image) if isinstance(image, Image.Image) else figure_png(image)


class CachedViews:
    """A slider position's view, computed once (real coding, real drawing) and then reused.

    The sliders over shipped models have a few positions; each is coded and drawn when first
    needed (all of them when the widget is built, with ``prefetch``), so moving the slider
    afterwards only swaps PNG bytes. ``render(key) -> (image or figure, values)``.
    """

    def __init__(self, render: Callable[[Any], tuple[Any, dict[str, Any]]]):
        self.render = render
        self.views: dict[Any, tuple[bytes, dict[str, Any]]] = {}

    def __call__(self, key: Any) -> tuple[bytes, dict[str, Any]]:
        if key not in self.views:
            image, values = self.render(key)
            self.views[key] = (_png(image), values)
        return self.views[key]


def index_slider(
    count: int, render: Any, describe: Any, description: str = "rate index s", prefetch: bool = True, first: int = 1
):
    """An ipywidgets slider over ``count`` shipped models, numbered ``first .. first + count - 1`` as the
    zoo's quality indices (``hyperprior-q0`` is 0): ``render(index) -> (image, values)`` with a 0-based
    index, ``describe(values) -> HTML``. Every position is rendered once (at build with ``prefetch``);
    moving the slider reuses it."""
    import ipywidgets as widgets

    views = CachedViews(render)
    if prefetch:
        for i in range(count):
            views(i)
    image = widgets.Image(format="png")
    # numbered as the zoo's quality indices (q0 .. q7, q1 .. q3); render() takes 0-based
    slider = widgets.IntSlider(
        value=first + count // 2, min=first, max=first + count - 1, description=description, continuous_update=True
    )
    label = widgets.HTML()

    def update(change: Any = None) -> None:
        png, values = views(slider.value - first)
        label.value = describe(values)
        image.value = png

    slider.observe(update, names="value")
    update()
    return widgets.VBox([slider, label, image])


def first_quality(models: Sequence[CompressionModel]) -> int:
    """The quality index of a family's first (lowest) model, read from the names (``hyperprior-q0`` -> 0),
    when the models are one family at consecutive indices; else 1 (the slider then counts 1 .. N)."""
    from lic_lab.zoo import is_ablation, name_parts

    parts = [name_parts(m.name) for m in models]
    family = parts[0][0]
    qualities = [q for _, q in parts]
    consecutive = qualities == list(range(qualities[0], qualities[0] + len(qualities)))
    named = all(f == family and f != m.name and not is_ablation(m.name) for (f, _), m in zip(parts, models))
    return qualities[0] if named and consecutive else 1


def rate_slider(models: Sequence[CompressionModel], x: torch.Tensor, crop: tuple[slice, slice] | None = None):
    """An ipywidgets slider over the shipped rates; each rate is coded for real once, when built."""
    return index_slider(
        len(models),
        lambda i: render_rate(models, x, i, crop),
        lambda v: (
            f"<b>{v['model']}</b>: {v['bpp']:.4f} bpp, {v['psnr']:.2f} dB, "
            f"encode {v['encode_ms']:.0f} ms, decode {v['decode_ms']:.0f} ms (coded once, when the cell ran)"
        ),
        first=first_quality(models),
    )


def render_channel(
    model: CompressionModel, x: torch.Tensor, channel: int, factor: float = 0.0, out: dict[str, Any] | None = None
) -> tuple[Image.Image, dict[str, Any]]:
    """One channel of the quantized latent, the image decoded with that channel scaled by
    ``factor`` (0 removes it), and the error against the full decode. ``out``: the image's
    :func:`lic_lab.models.latents`, reused across calls (only the synthesis is re-run)."""
    from lic_lab.data import crop_to
    from lic_lab.models import latents

    out = out or latents(model, x)
    y = out["y_hat"].clone()
    y[:, channel] *= factor
    y = y.contiguous(memory_format=torch.channels_last)  # as the zoo's weights: ~1.4x faster synthesis on CPU
    with torch.inference_mode():
        x_mod = crop_to(model.synthesize(y).clamp(0, 1), x.shape[-2:]).contiguous()
    if "psnr_full" not in out:  # the same for every channel: computed once per ``out``
        out["psnr_full"] = psnr(x, out["x_hat"])
    values = {"channel": channel, "factor": factor, "psnr_full": out["psnr_full"], "psnr_edited": psnr(x, x_mod)}
    ch = out["y_hat"][0, channel].numpy()
    lim = float(max(abs(ch).max(), 1e-6))
    scale = max(1, round(x.shape[-2] / ch.shape[0]))  # the latent at the image's size
    change = error_map(out["x_hat"], x_mod)
    top = float(max(np.percentile(change, 99), 1.0))  # the colour scale follows the change (99th percentile)
    image = panel_row(
        [
            Panel(ch, f"channel {channel} of y_hat", "coolwarm", -lim, lim, scale),
            Panel(
                to_uint8(x_mod),
                f"channel x {factor:g}: {values['psnr_edited']:.2f} dB (full: {values['psnr_full']:.2f})",
            ),
            Panel(change, f"|change| vs full decode (8-bit units, 0-{top:.0f})", "magma", 0, top),
        ]
    )
    return image, values


def channel_explorer(model: CompressionModel, x: torch.Tensor, channel: int = 0):
    """Sliders for channel index and scale factor, re-decoding live (the analysis runs once)."""
    import ipywidgets as widgets

    from lic_lab.models import latents

    out = latents(model, x)
    image = widgets.Image(format="png")
    channels = widgets.IntSlider(value=channel, min=0, max=model.M - 1, description="channel", continuous_update=False)
    factor = widgets.FloatSlider(
        value=0.0, min=0.0, max=2.0, step=0.1, description="scale factor", continuous_update=False
    )

    def update(change: Any = None) -> None:
        picture, _ = render_channel(model, x, channels.value, factor.value, out)
        image.value = png_bytes(picture)

    channels.observe(update, names="value")
    factor.observe(update, names="value")
    update()
    return widgets.VBox([widgets.HBox([channels, factor]), image])


class GainRateView:
    """AG-VAE's live view: code an image at any rate ``R = s + l`` and show where it lands.

    ``update(rate)`` codes and decodes for real (analysis transform cached), and returns the
    values, the reconstruction and a zoomed crop as PNG bytes, and the RD curve with a dot.
    """

    def __init__(
        self,
        model: CompressionModel,
        x: torch.Tensor,
        curve_rates: Sequence[float],
        zoom: tuple[slice, slice] | None = None,
    ):
        from lic_lab.teaching.rate_control import AnalysedImage

        self.analysed = AnalysedImage(model, x)
        self.x = x
        self.zoom = zoom or (slice(0, x.shape[-2] // 3), slice(0, x.shape[-1] // 3))
        points = [self.analysed.code(r) for r in curve_rates]
        self.curve = [(p["rate"], p["bpp"], p["psnr"]) for p in points]
        from lic_lab.evaluation.plots import style

        colour = style(re.sub(r"-q\d+$", "", model.name or "agvae"))[1]  # the family's colour
        self.fig, self.ax = plt.subplots(figsize=(3.6, 2.6))
        self.ax.plot([c[1] for c in self.curve], [c[2] for c in self.curve], "-", color=colour, lw=1)
        self.ax.plot(
            [c[1] for c in self.curve if float(c[0]).is_integer()],
            [c[2] for c in self.curve if float(c[0]).is_integer()],
            "o",
            color=colour,
            ms=3,
            label="trained levels",
        )
        self.ax.plot([], [], "o", color="#d62728", ms=8, label="this rate")
        self.ax.set_xlabel("bpp (real bitstream)", fontsize=8)
        self.ax.set_ylabel("PSNR (dB)", fontsize=8)
        self.ax.tick_params(labelsize=7)
        self.ax.legend(fontsize=7, loc="lower right")
        self.ax.grid(alpha=0.3)
        self.fig.tight_layout()
        # draw the curve once; each update only stamps the dot onto a copy of these pixels
        self.fig.set_dpi(80)
        self.fig.canvas.draw()
        self.background = np.asarray(self.fig.canvas.buffer_rgba())[..., :3].copy()  # type: ignore[attr-defined]  # Agg canvas
        self.to_pixels = self.ax.transData.frozen().transform  # type: ignore[attr-defined]  # before close() resets the dpi
        plt.close(self.fig)

    def rd_png(self, bpp: float, quality: float) -> bytes:
        """The RD curve with a red dot at (bpp, quality), as PNG bytes (no matplotlib redraw)."""
        from PIL import Image, ImageDraw

        x, y = self.to_pixels((bpp, quality))
        y = self.background.shape[0] - y  # display coordinates count from the bottom
        image = Image.fromarray(self.background)
        ImageDraw.Draw(image).ellipse([x - 5, y - 5, x + 5, y + 5], fill=(214, 39, 40), outline=(0, 0, 0))
        return png_bytes(np.asarray(image))

    def update(self, rate: float) -> dict[str, Any]:
        """Re-code at ``rate``; returns values (bpp, PSNR, times) and PNGs (image, zoom, RD plot)."""
        t0 = time.perf_counter()
        row = self.analysed.code(rate)
        t1 = time.perf_counter()
        image = to_uint8(row["x_hat"])
        pngs = {
            "image": png_bytes(image),
            "zoom": png_bytes(image[self.zoom]),
            "rd": self.rd_png(row["bpp"], row["psnr"]),
        }
        values = {k: row[k] for k in ("rate", "bytes", "bpp", "psnr", "encode_ms", "decode_ms")}
        model: Any = self.analysed.model  # a gained model (AG-VAE)
        values["s"], values["l"] = model.rate_split()
        values["code_ms"] = 1000 * (t1 - t0)
        values["update_ms"] = 1000 * (time.perf_counter() - t0)
        return {"values": values, "png": pngs}


def gain_rate_explorer(view: GainRateView):
    """Sliders for the level ``s`` and the interpolation coefficient ``l`` (AG-VAE eqs. 7-8)."""
    import ipywidgets as widgets

    model = view.analysed.model
    assert model.rate_range is not None, "a variable-rate model"
    lo, hi = model.rate_range
    s = widgets.IntSlider(value=int(lo), min=int(lo), max=int(hi) - 1, description="level s", continuous_update=False)
    l = widgets.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.05, description="l", continuous_update=True)
    label = widgets.HTML()
    image, zoom, rd = (widgets.Image(format="png", width=w) for w in (384, 256, 288))

    def update(change: Any = None) -> None:
        out = view.update(s.value + l.value)
        v = out["values"]
        label.value = (
            f"R = s + l = <b>{v['rate']:.2f}</b>: {v['bytes']:,} bytes, <b>{v['bpp']:.4f} bpp</b>, "
            f"<b>{v['psnr']:.2f} dB</b> &nbsp; (code + decode {v['code_ms']:.0f} ms, "
            f"whole update {v['update_ms']:.0f} ms)"
        )
        image.value, zoom.value, rd.value = out["png"]["image"], out["png"]["zoom"], out["png"]["rd"]

    s.observe(update, names="value")
    l.observe(update, names="value")
    update()
    return widgets.VBox(
        [widgets.HBox([s, l]), label, widgets.HBox([image, zoom, rd], layout=widgets.Layout(align_items="flex-start"))]
    )  # no stretching to the tallest


class BranchView:
    """CBANet's live view: bitrate ``j`` (encoder side) and branches ``K`` (decoder side)."""

    def __init__(self, model: CompressionModel, x: torch.Tensor, size_for_flops: tuple[int, int] | None = None):
        from lic_lab.evaluation.complexity import decoder_flops

        self.model: Any = model  # a CBANet model (branches, bitrates)
        self.x = x
        self.streams: dict[int, bytes] = {}
        size = size_for_flops or tuple(x.shape[-2:])
        self.flops = {k: decoder_flops(model, size, k) for k in range(1, cast(Any, model).max_branches + 1)}

    def stream(self, bitrate: int) -> bytes:
        """The image coded at ``bitrate`` (once: the encoder does not depend on K)."""
        if bitrate not in self.streams:
            self.streams[bitrate] = self.model.compress(self.x, rate=bitrate)
        return self.streams[bitrate]

    def update(self, bitrate: int, branches: int) -> dict[str, Any]:
        """Decode the image coded at ``bitrate`` with ``branches`` branches, timing the decoder."""
        data = self.stream(bitrate)
        t0 = time.perf_counter()
        x_hat = self.model.decompress(data, branches=branches)
        decode_ms = 1000 * (time.perf_counter() - t0)
        h, w = self.x.shape[-2:]
        values = {
            "bitrate": bitrate,
            "branches": branches,
            "bpp": bpp_from_bytes(len(data), h, w),
            "psnr": psnr(self.x, x_hat.cpu()),
            "decode_ms": decode_ms,
            "gflops": self.flops[branches] / 1e9,
            "flops_share": self.flops[branches] / self.flops[max(self.flops)],
        }
        return {"values": values, "x_hat": x_hat, "png": png_bytes(to_uint8(x_hat))}


def branch_explorer(view: BranchView):
    """Sliders for the number of branches K and the bitrate j (CBANet's two decode-time choices)."""
    import ipywidgets as widgets

    model = view.model
    assert model.rate_range is not None, "CBANet has bitrates"
    k = widgets.IntSlider(
        value=model.max_branches, min=1, max=model.max_branches, description="branches K", continuous_update=False
    )
    j = widgets.IntSlider(
        value=int(model.rate_range[1]),
        min=int(model.rate_range[0]),
        max=int(model.rate_range[1]),
        description="bitrate j",
        continuous_update=False,
    )
    label = widgets.HTML()
    image = widgets.Image(format="png", width=512)
    for bitrate in range(j.min, j.max + 1):  # code every bitrate once now: a move of j only decodes
        view.stream(bitrate)

    def update(change: Any = None) -> None:
        out = view.update(j.value, k.value)
        v = out["values"]
        label.value = (
            f"j = {v['bitrate']}, K = {v['branches']}: <b>{v['bpp']:.4f} bpp</b>, <b>{v['psnr']:.2f} dB</b>, "
            f"decoder {v['gflops']:.2f} GFLOPs ({100 * v['flops_share']:.0f}% of K = {model.max_branches}), "
            f"decoded in {v['decode_ms']:.0f} ms on {device_name()}"
        )
        image.value = out["png"]

    k.observe(update, names="value")
    j.observe(update, names="value")
    update()
    return widgets.VBox([widgets.HBox([k, j]), label, image])


def device_name() -> str:
    """Where the models run: the GPU's name or "CPU"."""
    from lic_lab import device

    d = device()
    return torch.cuda.get_device_name(d) if d.type == "cuda" else "CPU"


def render_gmm(levels: int, distribution: str, steps: int = 300) -> tuple[plt.Figure, dict[str, Any]]:
    """Fit a ``levels``-level GMM quantizer to toy samples (eq. 5) and draw it (:func:`viz.gmm_figure`)."""
    from lic_lab.quantization.gmm import fit_gmm, quantizer_stats, toy_samples
    from lic_lab.teaching.viz import gmm_figure

    torch.manual_seed(0)
    samples = toy_samples(distribution)
    quantizer, history = fit_gmm(samples, levels, steps)
    values = {
        "nll": history[-1],
        **quantizer_stats(quantizer, samples),
        "means": [round(float(m), 3) for m in quantizer.means.detach().sort().values],
    }
    return gmm_figure(quantizer, samples), values


def gmm_explorer(levels: int = 5, distribution: str = "gaussian"):
    """Sliders for the number of levels Q and the sample distribution of the GMM quantizer toy.

    Each (Q, distribution) is fitted and drawn once; the default distribution's levels when the
    widget is built, another distribution's when it is first chosen."""
    import ipywidgets as widgets

    from lic_lab.quantization.gmm import TOY_DISTRIBUTIONS

    views = CachedViews(lambda key: render_gmm(*key))
    q = widgets.IntSlider(value=levels, min=2, max=9, description="levels Q", continuous_update=True)
    for n in range(q.min, q.max + 1):
        views((n, distribution))
    dist = widgets.Dropdown(options=TOY_DISTRIBUTIONS, value=distribution, description="samples")
    label = widgets.HTML()
    image = widgets.Image(format="png")

    def update(change: Any = None) -> None:
        png, v = views((q.value, dist.value))
        label.value = (
            f"Q = {q.value}: means {v['means']}, quantization MSE <b>{v['mse']:.4f}</b>, "
            f"entropy of the indices <b>{v['entropy_bits']:.3f} bits</b> (bound log2 Q = {v['bound_bits']:.3f})"
        )
        image.value = png

    q.observe(update, names="value")
    dist.observe(update, names="value")
    update()
    return widgets.VBox([widgets.HBox([q, dist]), label, image])


def render_importance(
    models: Sequence[CompressionModel], x: torch.Tensor, index: int
) -> tuple[Image.Image, dict[str, Any]]:
    """A CWIC model on ``x`` coded for real: reconstruction, importance map ``p``, channels kept per position."""
    from lic_lab.models import latents

    model = models[index]
    t0 = time.perf_counter()
    data = model.compress(x)
    x_hat = model.decompress(data)
    seconds = time.perf_counter() - t0
    h, w = x.shape[-2:]
    out = latents(model, x, coding=True)
    lh, lw = -(-h // model.downsample), -(-w // model.downsample)
    kept = out["mask"][0].sum(0)[:lh, :lw].numpy()
    values: dict[str, Any] = {
        "model": model.name,
        "bpp": bpp_from_bytes(len(data), h, w),
        "psnr": psnr(x, x_hat),
        "kept_share": float(kept.mean() / model.M),
        "coding_ms": 1000 * seconds,
        "bit_exact": bool(torch.equal(x_hat, out["x_hat"].float())),
    }
    scale = max(1, round(h / lh))  # the maps at the image's size
    image = panel_row(
        [
            Panel(to_uint8(x_hat), f"{model.name}: {values['bpp']:.3f} bpp, {values['psnr']:.2f} dB"),
            Panel(out["p"][0, :lh, :lw].numpy(), "importance map p", "gray", 0, 1, scale),
            Panel(
                kept, f"channels coded here ({100 * values['kept_share']:.0f}% of codes)", "viridis", 0, model.M, scale
            ),
        ]
    )
    return image, values


def importance_explorer(models: Sequence[CompressionModel], x: torch.Tensor):
    """A slider over the shipped CWIC rates: real coding, importance map and mask (each rate coded once)."""
    return index_slider(
        len(models),
        lambda i: render_importance(models, x, i),
        lambda v: (
            f"<b>{v['model']}</b>: {v['bpp']:.4f} bpp, {v['psnr']:.2f} dB, "
            f"{100 * v['kept_share']:.1f}% of codes kept; encode + decode "
            f"{v['coding_ms']:.0f} ms, bit-exact: {v['bit_exact']}"
        ),
        first=first_quality(models),
    )


def mask_explorer(kernel: int = 5):
    """A slider over the kernel plane ``k - t`` of the trimmed convolution masks (CWIC Fig. 5), over
    ``±(2 (kernel // 2) + 1)``: from the first plane the inclined input mask sees whole to the first past the
    last one the hidden mask sees any of; every plane is drawn when the widget is built."""
    import ipywidgets as widgets

    from lic_lab.teaching.viz import trimmed_mask_planes

    views = CachedViews(lambda offset: (trimmed_mask_planes(offset, kernel), {}))
    reach = 2 * (kernel // 2) + 1
    slider = widgets.IntSlider(value=0, min=-reach, max=reach, description="k - t", continuous_update=True)
    for offset in range(slider.min, slider.max + 1):
        views(offset)
    image = widgets.Image(format="png")

    def update(change: Any = None) -> None:
        image.value = views(slider.value)[0]

    slider.observe(update, names="value")
    update()
    return widgets.VBox([slider, image])
