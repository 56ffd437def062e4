"""The slider explorers' render functions and the Pillow panels they draw with."""
import numpy as np

from lic_lab.teaching.widgets import render_gmm


def test_render_gmm_values():
    fig, v = render_gmm(3, "bimodal", steps=50)
    assert v["used_levels"] <= 3 and 0 <= v["entropy_bits"] <= v["bound_bits"] + 1e-9
    assert len(v["means"]) == 3 and v["means"] == sorted(v["means"])
    assert len(fig.axes) >= 3


def test_render_importance_codes_for_real_and_draws_the_mask():
    import torch

    from lic_lab.models import CWIC
    from lic_lab.teaching.widgets import importance_explorer, render_importance

    torch.manual_seed(0)
    models = [CWIC(widths=(4, 8, 16), M=16, levels=4, importance_levels=8, tcae_groups=2, r0=r).eval() for r in (0.2, 0.8)]
    for i, m in enumerate(models):
        m.name = f"cwic-test-q{i}"
    x = torch.rand(1, 3, 40, 56)
    image, v = render_importance(models, x, 1)
    assert v["bit_exact"] and 0 < v["kept_share"] < 1 and v["bpp"] > 0
    assert image.width > 3 * 56 and image.height > 40  # three panels side by side, titles and colour bars
    box = importance_explorer(models, x)
    assert (box.children[0].min, box.children[0].max) == (0, 1)  # numbered as the models, cwic-test-q0 .. q1


def test_trimmed_mask_planes_match_fig_5():
    from lic_lab.teaching.viz import trimmed_mask_planes
    from lic_lab.teaching.widgets import mask_explorer

    titles = [ax.get_title() for ax in trimmed_mask_planes(0).axes]
    # k = t: the input layer keeps the 12 earlier raster positions, a hidden layer also the centre
    assert "12 of 25" in titles[0] and "13 of 25" in titles[1]
    # inclined, k = t: offsets with i + j < 0 (10), or <= 0 (15)
    assert "10 of 25" in titles[2] and "15 of 25" in titles[3]
    assert "25 of 25" in trimmed_mask_planes(-1).axes[0].get_title()  # an earlier channel: all of it
    assert "0 of 25" in trimmed_mask_planes(1).axes[1].get_title()  # a later channel: none
    # the inclined masks are diagonal cuts: whole only from k - t = -5 (input) / -4 (hidden), some taps up to +3 / +4
    assert "25 of 25" in trimmed_mask_planes(-5).axes[2].get_title() and "25 of 25" not in trimmed_mask_planes(-4).axes[2].get_title()
    assert "25 of 25" in trimmed_mask_planes(-4).axes[3].get_title()
    assert "1 of 25" in trimmed_mask_planes(3).axes[2].get_title() and "0 of 25" in trimmed_mask_planes(4).axes[2].get_title()
    assert "1 of 25" in trimmed_mask_planes(4).axes[3].get_title()
    slider = mask_explorer().children[0]
    assert (slider.min, slider.max) == (-5, 5)  # the slider reaches all of it


def test_colorize_uses_the_colour_map_and_clips():
    from matplotlib import colormaps

    from lic_lab.teaching.panels import colorize

    rgb = colorize(np.array([[-5.0, 0.0, 20.0, 40.0, 99.0]]), "magma", 0, 40)
    assert rgb.shape == (1, 5, 3) and rgb.dtype == np.uint8
    expected = (np.array(colormaps["magma"]([0.0, 0.0, 128 / 255, 1.0, 1.0]))[:, :3] * 255).round()
    assert np.array_equal(rgb[0], expected.astype(np.uint8))  # clipped at both ends, mid-grey at the middle


def test_panel_row_lays_out_titled_panels_with_colour_bars():
    from lic_lab.teaching.panels import BAR_HEIGHT, GAP, TITLE_HEIGHT, Panel, panel_row, png_bytes

    rgb = np.full((30, 40, 3), 200, np.uint8)
    row = panel_row([Panel(rgb, "an image"), Panel(np.zeros((5, 6)), "a map", "gray", 0, 1, scale=4)])
    assert row.size == (40 + GAP + 24, TITLE_HEIGHT + 30 + BAR_HEIGHT)
    pixels = np.asarray(row)
    assert (pixels[TITLE_HEIGHT : TITLE_HEIGHT + 30, :40] == 200).all()  # the image, pasted unchanged
    assert (pixels[TITLE_HEIGHT : TITLE_HEIGHT + 20, 40 + GAP :] == 0).all()  # zeros on "gray": black, 4x larger
    assert png_bytes(row).startswith(b"\x89PNG")


def test_cached_views_render_each_position_once():
    from PIL import Image

    from lic_lab.teaching.widgets import CachedViews, index_slider

    calls = []

    def render(i):
        calls.append(i)
        return Image.new("RGB", (4, 4), (60 * i, 0, 0)), {"i": i}

    views = CachedViews(render)
    assert views(1)[1] == {"i": 1} and views(1)[0] == views(1)[0] and calls == [1]
    box = index_slider(3, render, lambda v: f"position {v['i']}")  # prefetches 0, 1, 2
    slider, label, image = box.children
    assert calls == [1, 0, 1, 2] and label.value == "position 1"
    before = image.value
    slider.value = 3
    assert label.value == "position 2" and image.value != before and calls == [1, 0, 1, 2]
    slider.value = 4  # beyond the shipped models: clamped by the widget, nothing new rendered
    assert slider.value == 3 and calls == [1, 0, 1, 2]
    # numbered from a family's first quality index: q0 .. q2
    box = index_slider(3, render, lambda v: f"position {v['i']}", first=0)
    slider, label, _ = box.children
    assert (slider.min, slider.max, slider.value, label.value) == (0, 2, 1, "position 1")
    slider.value = 0
    assert label.value == "position 0"


def test_rate_sliders_count_as_the_zoo_names_qualities():
    from types import SimpleNamespace

    from lic_lab.teaching.widgets import first_quality

    assert first_quality([SimpleNamespace(name="hyperprior-q0")]) == 0
    assert first_quality([SimpleNamespace(name="cwic-q1")]) == 1
    assert first_quality([SimpleNamespace(name="agvae")]) == 1
    assert first_quality([SimpleNamespace(name=f"hyperprior-q{q}") for q in range(8)]) == 0
    assert first_quality([SimpleNamespace(name=f"c2f-q{q}") for q in (1, 3, 5)]) == 1  # gaps: count 1 .. N
    assert first_quality([SimpleNamespace(name="cwic-abl-bin-s0")]) == 1
