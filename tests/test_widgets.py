"""The GMM toy explorer's pure render function."""
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
    fig, v = render_importance(models, x, 1)
    assert v["bit_exact"] and 0 < v["kept_share"] < 1 and v["bpp"] > 0
    assert len(fig.axes) == 5  # three panels and two colour bars
    box = importance_explorer(models, x)
    assert (box.children[0].min, box.children[0].max) == (1, 2)  # 1-based, as the zoo's q1 .. qN


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
    assert mask_explorer().children[0].min == -2
