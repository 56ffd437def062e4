import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from lic_lab.evaluation.evaluate import bd_table, evaluate, rd_points
from lic_lab.models import build_model
from lic_lab.teaching import analysis, viz
from lic_lab.teaching.exercises import check, verdict
from lic_lab.teaching.widgets import render_rate


def test_quantization_mismatch_and_coding_report(small_model, small_photo):
    if small_model.arch in ("cvqn", "cwic"):  # finite learnt levels: no rounding proxies, and a clear error says so
        with pytest.raises(ValueError, match="rounding"):
            analysis.quantization_mismatch(small_model, small_photo)
    else:
        qm = analysis.quantization_mismatch(small_model, small_photo)
        assert set(qm["psnr"]) == {"noise", "ste", "round"}
        assert qm["psnr"]["ste"] == pytest.approx(qm["psnr"]["round"])
        assert torch.equal(qm["versions"]["round"], qm["versions"]["ste"])
    rep = analysis.coding_report(small_model, small_photo)
    assert rep["bit_exact"] and rep["bpp"] > rep["bpp_est"] > 0


def test_render_rate_codes_for_real(small_photo):
    models = [build_model({"arch": "factorized", "N": 16, "M": 24}).eval() for _ in range(2)]
    image, values = render_rate(models, small_photo, 1)
    assert values["bpp"] > 0 and values["decode_ms"] > 0
    assert image.width > 3 * small_photo.shape[-1]  # original, reconstruction, error map


def test_evaluate_entries_and_bd_table(small_photo, tmp_path):
    from lic_lab.data import embedded_paths

    model = build_model({"arch": "scale_hyperprior", "N": 16, "M": 24}).eval()
    entries = evaluate(model, embedded_paths()[:1])
    row = entries[0]["images"][0]
    assert row["roundtrip_max_abs"] == 0 and row["bpp"] > 0
    jpeg = evaluate("jpeg", embedded_paths()[:1], settings=[10, 30, 60, 90])
    rates, quality = rd_points(jpeg)
    assert rates == sorted(rates) and quality == sorted(quality)
    better = (rates, [q + 1 for q in quality])
    rows = bd_table({"jpeg": (rates, quality), "better": better}, ["better"], ["jpeg"])
    assert rows[0]["BD-rate (%)"] < 0 and rows[0]["BD-PSNR (dB)"] == pytest.approx(1.0, abs=1e-6)
    sliver = ([r * 3 for r in rates], [q + (max(quality) - min(quality)) - 1.0 for q in quality])  # 1 dB in common
    row = bd_table({"jpeg": (rates, quality), "sliver": sliver}, ["sliver"], ["jpeg"])[0]
    assert row["BD-rate (%)"] is None and "overlap too small" in row["note"] and row["overlap (dB)"] == 1.0
    # the same qualities at bit-rates the anchor never reaches: a BD-rate, but no BD-PSNR (and no error)
    far = ([r * 100 for r in rates], quality)
    row = bd_table({"jpeg": (rates, quality), "far": far}, ["far"], ["jpeg"])[0]
    assert row["BD-rate (%)"] > 1000 and row["BD-PSNR (dB)"] is None and "bit-rate" in row["note"]


def test_viz_helpers(small_photo):
    fig = viz.channel_grid(torch.randn(1, 6, 4, 4), cols=3)
    plt.close(fig)
    fig = viz.group_grid(torch.randn(1, 6, 4, 4), [5, 4, 3, 2, 1, 0], [1, 3, 2], [3, 5, 7], cols=2)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == ["ch 5 · 3 levels", "ch 4 · 5 levels", "ch 3 · 5 levels", "ch 2 · 5 levels", "ch 1 · 7 levels",
                      "ch 0 · 7 levels"]
    plt.close(fig)
    ax = viz.rd_plot({"jpeg": ([0.1, 0.2], [25, 28]), "ours": ([0.1, 0.2], [26, 29])})
    plt.close(ax.figure)
    assert viz.error_map(small_photo, small_photo).max() == 0
    assert "| a |" in viz.table([{"a": 1.0}])


def test_exercise_checks(capsys):
    check(1, 0.25, 12288, 512, 768)
    assert capsys.readouterr().out.strip() == "Exercise 1: correct"
    assert "not attempted" in verdict(1, None, 12288, 512, 768)
    assert "correct" in verdict(1, 0.25, 12288, 512, 768)
    assert "not yet" in verdict(1, 0.3, 12288, 512, 768)
    assert "correct" in verdict(2, math.erf(1 / math.sqrt(2)), 0.5)  # Phi(1) - Phi(-1)
    assert "not yet" in verdict(2, 0.6827, 0.5)  # the value rounded to four digits, as a table prints it
    check(1, None, 12288, 512, 768)  # not attempted: the cell passes
    assert "not attempted" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="Exercise 1: not yet - hint"):  # a wrong answer fails the cell
        check(1, 0.3, 12288, 512, 768)
    y = torch.tensor([0.5, 0.25, 1.0] * 8)  # 1 + 2 + 0 bits, eight times: 24 bits ideal
    section = bytes(4)  # 32 bits coded
    assert "correct" in verdict(4, 100 / 3, {"y": y, "z": torch.tensor([0.5])}, section)
    assert "correct" in verdict(4, torch.tensor(100 / 3), {"y": y}, section)  # a 0-d tensor answer counts too
    assert "not yet" in verdict(4, 100 * (4 / 24 - 1), {"y": y}, section)  # bytes, not bits
    assert "not yet" in verdict(4, 100 * (32 / 25 - 1), {"y": y, "z": torch.tensor([0.5])}, section)  # z counted
    assert "not yet" in verdict(4, "33.3", {"y": y}, section)


def test_render_channel_zero_and_identity(small_model, small_photo):
    from lic_lab.teaching.widgets import render_channel

    image, v = render_channel(small_model, small_photo, 0, 1.0)
    assert v["psnr_edited"] == pytest.approx(v["psnr_full"])
    from lic_lab.teaching.channels import scale_sweep

    image, v = render_channel(small_model, small_photo, 2, 0.5)
    assert v["psnr_edited"] == pytest.approx(scale_sweep(small_model, small_photo, 2, [0.5])[0], abs=1e-6)


def test_channel_exercise_checks():
    import numpy as np

    from lic_lab.teaching.channels import Ablation

    # losses 10, 1, 0.05, 0 dB; channel 3 is empty (all symbols zero), channel 2 is the least important used one
    abl = Ablation(np.arange(4), np.array([20.0, 29.0, 29.95, 30.0]), np.full(4, 0.9), 30.0, 0.95)
    bits = np.array([100.0, 50.0, 40.0, 10.0])  # bits per dB: 10, 50, (800), (inf): channels 2, 3 are worth < 0.1 dB
    assert "correct" in verdict(1, 1, abl, bits, book="03")
    assert "not yet" in verdict(1, 2, abl, bits, book="03") and "not yet" in verdict(1, 3, abl, bits, book="03")
    assert "not yet" in verdict(1, 0, abl, bits, book="03")  # the most bits, not the most bits per dB
    y_hat = torch.ones(1, 4, 2, 2)
    y_hat[0, 3] = 0
    assert "correct" in verdict(2, 2, abl, y_hat, book="03")
    assert "not yet" in verdict(2, 3, abl, y_hat, book="03")  # the empty channel: it costs nothing to remove
    assert "correct" in verdict(2, np.int64(2), abl, y_hat, book="03") and "correct" in verdict(2, 2.0, abl, y_hat, book="03")
    assert "not yet" in verdict(2, "2", abl, y_hat, book="03")
    crossing = 0.5 * (29.0 - 20.0) / (29.2 - 20.0)  # PSNR reaches 30 - 1 dB between factors 0 and 0.5
    assert "correct" in verdict(3, crossing, [0.0, 0.5, 1.0], [20.0, 29.2, 30.0], 30.0, book="03")
    assert "not yet" in verdict(3, 0.5, [0.0, 0.5, 1.0], [20.0, 29.2, 30.0], 30.0, book="03")  # the grid point
    assert "not yet" in verdict(3, round(crossing, 3), [0.0, 0.5, 1.0], [20.0, 29.2, 30.0], 30.0, book="03")


def test_slider_widgets_build_and_update(small_model, small_photo):
    from lic_lab.teaching.widgets import channel_explorer, rate_slider

    box = rate_slider([small_model, small_model], small_photo)
    slider, label, image = box.children
    first = image.value
    assert first[:4] == b"\x89PNG" and "bpp" in label.value
    slider.value = 1
    assert image.value[:4] == b"\x89PNG"
    ex = channel_explorer(small_model, small_photo, 1)
    (channel_slider, factor), img = ex.children[0].children, ex.children[1]
    channel_slider.value = 0
    assert img.value[:4] == b"\x89PNG"
    factor.value = 1.0
    assert img.value[:4] == b"\x89PNG"


def test_gain_rate_view_codes_any_rate_for_real(small_photo):
    from conftest import small

    from lic_lab.teaching.widgets import GainRateView, gain_rate_explorer

    model = small("gained_mean_scale")
    view = GainRateView(model, small_photo, [1.0, 2.0, 3.0])
    out = view.update(1.75)
    v = out["values"]
    assert (v["s"], v["l"]) == (1, 0.75) and v["bytes"] == len(model.compress(small_photo))
    assert all(png.startswith(b"\x89PNG") for png in out["png"].values())
    assert [c[0] for c in view.curve] == [1.0, 2.0, 3.0]
    import io

    import numpy as np
    from PIL import Image

    rd = np.asarray(Image.open(io.BytesIO(out["png"]["rd"])).convert("RGB"))
    px, py = view.to_pixels((v["bpp"], v["psnr"]))
    assert tuple(rd[int(round(rd.shape[0] - py)), int(round(px))]) == (214, 39, 40)  # the dot is where the point is
    box = gain_rate_explorer(view)
    s, l = box.children[0].children
    l.value = 0.25
    assert "1.25" in box.children[1].value


def test_branch_view_decodes_with_k_branches(small_photo):
    from conftest import small

    from lic_lab.teaching.widgets import BranchView, branch_explorer

    model = small("cbanet_hp")
    view = BranchView(model, small_photo)
    one, three = view.update(2, 1)["values"], view.update(2, 3)["values"]
    assert one["bpp"] == three["bpp"] and one["gflops"] < three["gflops"]
    assert 0.2 < one["flops_share"] < 0.35 and three["flops_share"] == 1.0
    box = branch_explorer(view)
    k, j = box.children[0].children
    k.value = 2
    assert "K = 2" in box.children[1].value


def test_branch_outputs_are_the_cam_partial_sums(small_photo):
    from conftest import small

    model = small("cbanet_hp")
    h, w = small_photo.shape[-2:]
    for rate in (1, model.bitrates):  # below the base bitrate the IBAL runs before the CAM
        model.set_rate(rate)
        parts, images = analysis.branch_outputs(model, small_photo)
        assert len(parts) == len(images) == model.max_branches
        assert all(p.shape[-2:] == (h, w) for p in parts + images)
        model.set_branches(1)
        alone = analysis.latents(model, small_photo)["x_hat"]
        model.set_branches(model.max_branches)
        full = analysis.latents(model, small_photo)["x_hat"]
        assert torch.allclose(images[0], alone, atol=1e-6) and torch.allclose(images[-1], full, atol=1e-6)
    pair = [small_photo, small_photo.flip(-1)]
    per_k = analysis.psnr_per_branches(model, pair)  # the mean over the images of each K's PSNR
    from lic_lab.evaluation.metrics import psnr

    want = [sum(psnr(x, analysis.branch_outputs(model, x)[1][k]) for x in pair) / 2 for k in range(model.max_branches)]
    assert per_k == pytest.approx(want)


def test_coding_times_reports_medians(small_photo):
    from conftest import small

    from lic_lab.evaluation.evaluate import coding_times

    t = coding_times(small("scale_hyperprior"), small_photo, threads=1, repeats=3, warmup=1)
    assert set(t) == {"encode_s", "decode_s"} and all(v > 0 for v in t.values())
    torch.set_num_threads(2)


def test_training_curves_one_panel_per_key():
    from lic_lab.teaching.viz import training_curves

    fig = training_curves([{"step": 1, "bpp": 2.0, "psnr": 20.0}, {"step": 2, "bpp": 1.0, "psnr": 21.0}],
                          {"bpp": "rate", "psnr": "quality"})
    assert [a.get_title() for a in fig.axes] == ["rate", "quality"]
    assert list(fig.axes[0].lines[0].get_ydata()) == [2.0, 1.0]
    plt.close(fig)


def test_codec_times_reports_medians(small_photo):
    from lic_lab.evaluation.evaluate import codec_times

    t = codec_times("jpeg", small_photo, 75, threads=1, repeats=3)
    assert set(t) == {"encode_s", "decode_s"} and all(v > 0 for v in t.values())


def test_dominated_by_reads_two_rd_curves_pointwise():
    from lic_lab.teaching.analysis import dominated_by

    assert dominated_by([(0.4, 25.0), (0.6, 27.0)], [(0.3, 26.0), (0.8, 26.5)]) == [True, False]


def test_importance_map_verdict_needs_no_domination_and_a_negative_bd_rate():
    from lic_lab.teaching.analysis import importance_map_verdict

    without = [(0.25, 26.8), (0.46, 27.9), (0.77, 28.4)]
    above = importance_map_verdict([(0.2, 26.8), (0.35, 27.9), (0.6, 28.4)], without)
    assert above["reproduced"] and above["bd_rate"] < 0 and not any(above["beaten"])
    # nobody dominated, but the same PSNR costs more bits: not reproduced
    below = importance_map_verdict([(0.24, 26.0), (0.6, 28.0), (0.9, 28.6)], without)
    assert not any(below["beaten"]) and below["bd_rate"] > 0 and not below["reproduced"]
    # too little PSNR overlap for BD-rate: rate-matched, against the curve without the map at each rate
    apart = importance_map_verdict([(0.3, 28.5), (0.4, 28.9)], without)
    assert apart["bd_rate"] is None and apart["reproduced"] and min(apart["gaps"]) > 0
    under = importance_map_verdict([(0.3, 26.9), (0.6, 27.95)], without)
    assert under["bd_rate"] is None and not any(under["beaten"]) and under["verdict"] == "not reproduced"
    far = importance_map_verdict([(0.10, 24.0), (0.15, 25.0)], without)  # no common rates: no evidence
    assert far["bd_rate"] is None and not far["reproduced"] and far["verdict"].startswith("undecided")
    # a negative BD-rate does not outweigh a model beaten on both counts
    mixed = importance_map_verdict([(0.2, 26.9), (0.3, 27.9), (0.5, 27.8), (0.7, 28.6)], without)
    assert mixed["bd_rate"] < 0 and any(mixed["beaten"]) and mixed["verdict"] == "not reproduced"


def test_prediction_changes_never_reach_earlier_symbols():
    from lic_lab.entropy.tcae import TCAE
    from lic_lab.teaching.analysis import prediction_changes

    torch.manual_seed(0)
    codes = torch.randint(0, 4, (3, 5, 6))
    for inclined in (False, True):
        v = prediction_changes(TCAE(3, 4, groups=2, kernel=3, inclined=inclined), codes, (1, 2, 3))
        assert v["changed"] > 0 and v["at_or_before"] == 0


def test_cwic_figures_draw():
    from lic_lab.models import CWIC
    from lic_lab.teaching.viz import importance_maps, quantizer_centres

    torch.manual_seed(0)
    m = CWIC(widths=(4, 8, 16), M=16, levels=4, importance_levels=8, tcae_groups=2).eval()
    x = torch.rand(1, 3, 32, 48)
    assert len(importance_maps([m, m], x).axes) == 6
    assert len(quantizer_centres(m.quantizer, torch.rand(16, 4, 6)).axes[0].collections) == 17
    plt.close("all")


def test_one_colour_and_marker_per_family_in_every_figure():
    from lic_lab.evaluation.plots import LEARNED_STYLE, STYLE, style

    colours = [c for _, c, _ in STYLE.values()] + [c for k, (_, c, _) in LEARNED_STYLE.items() if k != "cbanet k=3"]
    assert len(set(colours)) == len(colours)  # no two codecs or families share a colour
    assert style("hyperprior (5 models)")[1:] == style("hyperprior")[1:]
    assert style("JPEG 4:4:4") == style("jpeg") and style("CBANet K=2")[1] == LEARNED_STYLE["cbanet k=2"][1]
    assert style("a new curve") == style("a new curve")  # unknown labels: stable, whatever the order
    earlier = style("hyperprior (earlier)")  # a retired family beside its retrained one: paler, another marker
    assert earlier[1] != style("hyperprior")[1] and earlier[2] != style("hyperprior")[2]
    for ax_curves in ({"hyperprior": ([0.1, 0.2], [28, 30]), "webp": ([0.1, 0.2], [29, 31])},
                      {"webp": ([0.1, 0.2], [29, 31]), "factorized": ([0.1], [27]), "hyperprior": ([0.1, 0.2], [28, 30])}):
        ax = viz.rd_plot(ax_curves)
        lines = {line.get_label(): line for line in ax.get_lines()}
        assert lines["hyperprior"].get_color() == LEARNED_STYLE["hyperprior"][1]  # the same in both panels
        assert lines["WebP"].get_color() == STYLE["webp"][1] and lines["WebP"].get_linestyle() == "--"
        plt.close(ax.figure)


def test_bd_rate_explainer_draws_the_integral_bd_rate_takes():
    import math

    import numpy as np

    from lic_lab.evaluation.metrics import pchip

    anchor = ([0.2, 0.4, 0.8, 1.6], [28.0, 31.0, 34.0, 37.0])
    test = ([0.15, 0.3, 0.6, 1.2], [27.0, 30.5, 33.5, 36.0])
    fig, v = viz.bd_rate_explainer(anchor, test, ("webp", "hyperprior"))
    assert (v["lo"], v["hi"]) == (28.0, 36.0)
    d = np.linspace(28.0, 36.0, 2001)  # the drawn curves: their mean gap is the BD-rate's
    drawn = pchip(test[1], np.log(test[0]), d) - pchip(anchor[1], np.log(anchor[0]), d)
    assert float(drawn.mean()) == pytest.approx(v["gap"], abs=2e-3)
    assert math.exp(v["gap"]) - 1 == pytest.approx(v["bd_rate"] / 100)
    with pytest.raises(ValueError):
        viz.bd_rate_explainer(anchor, ([0.1, 0.2], [20.0, 21.0]), ("webp", "hyperprior"))  # no common range
    assert pchip(anchor[1], anchor[0], [28.0, 34.0]) == pytest.approx([0.2, 0.8])  # through the points
    plt.close(fig)


def test_exercise_checks_of_notebooks_02_05_06():
    import numpy as np
    from conftest import small

    from lic_lab.evaluation.complexity import decoder_flops
    from lic_lab.teaching.channels import Ablation

    want = 3**0.25 * 5**0.5 * 7**0.25  # eq. 7's two bounds equated: a share-weighted geometric mean of the levels
    assert "correct" in verdict(1, want, [0.25, 0.5, 0.25], [3, 5, 7], book="02")
    assert "not yet" in verdict(1, 5.0, [0.25, 0.5, 0.25], [3, 5, 7], book="02")  # the arithmetic mean
    abl = Ablation(np.arange(6), np.full(6, 29.0), np.array([0.9, 0.9, 0.8, 0.7, 0.95, 0.5]), 30.0, 0.95)
    group = np.array([0, 1, 2, 2, 2, 1])
    median = float(np.median(abl.ms_ssim_loss_db[[2, 3, 4]]))
    assert "correct" in verdict(2, median, abl, group, book="02")
    assert "not yet" in verdict(2, float(abl.ms_ssim_loss_db[[2, 3, 4]].mean()) + 0.01, abl, group, book="02")
    cvqn = small("cvqn")
    d = cvqn.sizes[2]
    assert "correct" in verdict(3, 4 * (d - 1) + 2 * 31 + 31 + 1, cvqn, book="02")
    gained = small("gained_mean_scale")
    units = [gained.gain, gained.inverse_gain] + ([gained.hyper_gain, gained.hyper_inverse_gain] if gained.hyper_gains else [])
    gains = sum(u.matrix.numel() for u in units)
    share = 100 * gains / (sum(p.numel() for p in gained.parameters()) - gains)  # against the base without the gains
    assert "correct" in verdict(3, share, gained, book="05")
    assert "not yet" in verdict(3, 100 * gains / sum(p.numel() for p in gained.parameters()), gained, book="05")
    with torch.no_grad():  # distinct rows, so the two blends differ
        gained.gain.matrix.copy_(torch.rand_like(gained.gain.matrix) + 0.5)
        gained.inverse_gain.matrix.copy_(torch.rand_like(gained.inverse_gain.matrix) + 0.5)
    g, gi = gained.gain.matrix.detach().abs().double(), gained.inverse_gain.matrix.detach().abs().double()
    linear = (0.5 * g[1] + 0.5 * g[2]) * (0.5 * gi[1] + 0.5 * gi[2])  # R = 2.5: rows 1 and 2, l = 0.5
    ratio = linear / ((g[1] * g[2]).sqrt() * (gi[1] * gi[2]).sqrt())
    assert float(ratio.min()) >= 1 - 1e-12  # the arithmetic mean is never below the geometric one
    assert "correct" in verdict(1, float(ratio.mean()), gained, 2.5, book="05")
    assert "not yet" in verdict(1, 1.0, gained, 2.5, book="05")
    a, b = float(g[1, 0]), float(g[2, 0])  # levels 2 and 3, channel 0: where a^(1-l) b^l reaches (a + b) / 2
    l_mean = math.log((a + b) / (2 * a)) / math.log(b / a)
    assert abs(a ** (1 - l_mean) * b**l_mean - (a + b) / 2) < 1e-9 and l_mean >= 0.5 - 1e-12
    assert "correct" in verdict(2, l_mean, gained, 2, 0, book="05") and "not yet" in verdict(2, 0.5, gained, 2, 0, book="05")
    cbanet = small("cbanet_hp")
    gflops = decoder_flops(cbanet, (256, 256), 2) / 1e9
    assert "correct" in verdict(1, gflops, cbanet, (256, 256), 2, book="06")
    assert "not yet" in verdict(1, decoder_flops(cbanet, (256, 256), 3) / 1e9, cbanet, (256, 256), 2, book="06")
    storage = {"cbanet": 1000, "bam_per_bitrate": 10, "baseline_three_levels": 400}
    assert "correct" in verdict(2, 10 / 400, storage, book="06")
    assert "not yet" in verdict(2, (1000 + 3 * 10) / (4 * 400), storage, book="06")  # 4 bitrates, not the limit


def test_context_information_is_zero_without_context_and_grows_with_it():
    from lic_lab.entropy.tcae import TCAE
    from lic_lab.teaching.analysis import context_information

    torch.manual_seed(0)
    codes = torch.randint(0, 5, (3, 8, 8))
    model = TCAE(channels=3, symbols=5, groups=2, kernel=3, one_hot=True)
    he = context_information(model, codes)
    with torch.no_grad():
        for conv in model.trimmed_convs():
            torch.nn.Conv2d.reset_parameters(conv)  # PyTorch's default, sized for the whole kernel
    default = context_information(model, codes)
    with torch.no_grad():
        for conv in model.trimmed_convs():
            conv.weight.zero_()
        model.trimmed_convs()[-1].bias.copy_(torch.randn(5, 1).expand(5, 3).flatten())  # per symbol, all channels
    const = context_information(model, codes)
    assert abs(const["information"]) < 1e-9 and const["marginal_entropy"] > 0.5  # one distribution everywhere
    assert he["information"] > 10 * default["information"]  # kept fan-in: predictions already vary


def test_context_information_by_hand():
    """Two contexts predicting (0.9, 0.1) and (0.1, 0.9), equally often: I = 1 - H(0.9) bits."""
    import math

    from lic_lab.teaching.analysis import context_information

    class TwoContexts:  # stands in for a TCAE: logits (N, symbols, n, h, w) from codes (N, n, h, w)
        def logits(self, codes):
            p = torch.tensor([0.9, 0.1]).log()
            out = torch.empty(1, 2, 1, 2, 2)
            out[0, :, 0, 0, :] = p[:, None]
            out[0, :, 0, 1, :] = p.flip(0)[:, None]
            return out

    codes = torch.zeros(1, 2, 2, dtype=torch.long)
    h = -(0.9 * math.log2(0.9) + 0.1 * math.log2(0.1))
    got = context_information(TwoContexts(), codes)
    assert got["marginal_entropy"] == pytest.approx(1.0) and got["mean_entropy"] == pytest.approx(h)
    assert got["information"] == pytest.approx(1 - h)
    assert got["bits"] == pytest.approx(-(math.log2(0.9) + math.log2(0.1)) / 2)  # every symbol is 0: half at p = 0.9, half at 0.1
    one_row = context_information(TwoContexts(), codes, torch.tensor([[[1, 1], [0, 0]]]))  # one context only
    assert one_row["information"] == pytest.approx(0.0, abs=1e-12)


def test_tcae_losses_reads_only_the_code_rows():
    from lic_lab.teaching.analysis import tcae_losses

    rows = [
        {"model": "a", "coded": "o'", "tcae-inclined": 1.5, "cabac": 1.4},
        {"model": "b", "coded": "o'", "tcae-inclined": 1.3, "cabac": 1.4},
        {"model": "a", "coded": "QI(p)", "tcae-inclined": 1.0, "cabac": 2.0},  # QI(p) is not part of the o' rule
    ]
    assert tcae_losses(rows) == ["b"]
    assert tcae_losses(rows[:1] + rows[2:]) == []
    assert tcae_losses(rows, "QI(p)") == ["a"]  # on QI(p), model a's TCAE loses
    assert tcae_losses(rows, None) == ["b o'", "a QI(p)"]


def test_quantizer_rd_compares_each_variant_with_the_curve_at_its_rate():
    from lic_lab.teaching.analysis import quantizer_rd

    curve = ([0.2, 0.4, 0.8], [26.0, 29.0, 32.0])  # 3 dB per doubling of the rate
    means = {"lcmq": {"bpp": 0.5, "psnr": 29.8}, "lmq": {"bpp": 0.3, "psnr": 27.4}, "fmq": {"bpp": 0.6, "psnr": 30.5}}
    v = quantizer_rd(means, curve)
    # on the curve: 0.5 bpp -> 29 + 3 log2(1.25) = 29.966, 0.3 -> 27.755 (PCHIP is exact on a line in ln bpp)
    assert v["offset"]["lcmq"] == pytest.approx(29.8 - (29 + 3 * np.log2(1.25)), abs=1e-6)
    assert v["offset"]["lmq"] == pytest.approx(27.4 - (26 + 3 * np.log2(1.5)), abs=1e-6)
    assert v["verdict"] == "reproduced"  # LCMQ -0.17 dB off the curve, LMQ -0.35, FMQ 30.5 - 30.755 = -0.25
    means["fmq"]["psnr"] = 30.755 - 0.17 - 0.03  # behind LCMQ by 0.03 dB: within one model's resolution (0.05 dB)
    assert quantizer_rd(means, curve)["verdict"].startswith("not resolved")
    means["fmq"]["psnr"] = 31.0
    assert quantizer_rd(means, curve)["verdict"] == "mixed"
    with pytest.raises(ValueError):
        quantizer_rd({**means, "lmq": {"bpp": 0.1, "psnr": 25.0}}, curve)


def test_share_of_takes_indices_or_a_mask():
    from lic_lab.teaching.channels import share_of

    bits, loss = np.array([100.0, 50.0, 40.0, 10.0]), np.array([5.0, 1.0, 0.05, 0.0])
    assert share_of(bits, loss < 0.1) == pytest.approx(0.25) == share_of(bits, np.flatnonzero(loss < 0.1))
    assert share_of(bits, [0]) == pytest.approx(0.5)
    assert share_of(np.array([2.0, -1.0, 2.0]), [0]) == pytest.approx(0.5)  # negative values count as 0


def test_level_usage_counts_levels_of_kept_codes():
    from lic_lab.models.cwic import CWIC
    from lic_lab.teaching.analysis import level_usage

    torch.manual_seed(0)
    model = CWIC(M=8, widths=(8, 8, 8), tcae_groups=1, importance_levels=4).eval()
    x = torch.rand(1, 3, 32, 32)
    v = level_usage(model, x)
    assert 1 <= v["levels_used"] <= model.quantizer.levels and v["tcae_bits"] > 0
    # the weighted per-channel entropy is H(level | channel) = H(level, channel) - H(channel)
    with torch.no_grad():
        a = model.analyse(x)
    o, mask = a["o"][0], a["mask"][0].bool()
    channel = torch.arange(o.shape[0])[:, None, None].expand_as(o)[mask]
    joint = torch.bincount(channel * 100 + o[mask]).double()

    def h(counts):
        q = counts[counts > 0] / counts.sum()
        return float(-(q * torch.log2(q)).sum())

    assert v["entropy"] == pytest.approx(h(joint) - h(torch.bincount(channel).double()))
    per_channel = [len(torch.unique(o[k][mask[k]])) for k in range(o.shape[0]) if mask[k].any()]
    assert v["levels_used"] == pytest.approx(sum(per_channel) / len(per_channel))
    kept = o[mask].long()
    with torch.no_grad():
        p = torch.softmax(model.tcae.logits(o[None].float())[0].double(), dim=0)[:, mask].t()
    assert v["tcae_bits"] == pytest.approx(float(-torch.log2(p.gather(1, kept[:, None])).mean()))


def test_likelihood_floors_reads_the_two_floors():
    import copy

    from lic_lab import data, zoo
    from lic_lab.entropy.coder import PROBABILITY_FLOOR
    from lic_lab.entropy.gaussian import LIKELIHOOD_BOUND
    from lic_lab.teaching.analysis import latents, likelihood_floors

    model = copy.deepcopy(zoo.load_model("hyperprior-q6"))
    with torch.no_grad():  # scales predicted 0.3 times too small: many symbols far outside their distribution
        model.h_s[-2].weight.mul_(0.3)
        model.h_s[-2].bias.mul_(0.3)
    x = data.read_image(data.embedded_paths()[0])[..., :64, :64]
    v = likelihood_floors(model, x)
    lik = latents(model, x, coding=True)["likelihoods"]["y"].double()
    assert v["symbols"] == lik.numel() and v["at_floor"] == int((lik <= LIKELIHOOD_BOUND * (1 + 1e-6)).sum()) > 10
    saving = v["estimate_bits"] - v["estimate_coder_floor_bits"]
    assert 0 < saving <= v["below_coder_floor"] * np.log2(PROBABILITY_FLOOR / LIKELIHOOD_BOUND)
    # the coder pays what the estimate with its floor says, not what the estimate with 1e-9 says
    assert abs(v["coded_bits"] - v["estimate_coder_floor_bits"]) < 0.1 * saving
