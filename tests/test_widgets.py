"""The GMM toy explorer's pure render function."""
from lic_lab.widgets import render_gmm


def test_render_gmm_values():
    fig, v = render_gmm(3, "bimodal", steps=50)
    assert v["used_levels"] <= 3 and 0 <= v["entropy_bits"] <= v["bound_bits"] + 1e-9
    assert len(v["means"]) == 3 and v["means"] == sorted(v["means"])
    assert len(fig.axes) >= 3
