import math

import numpy as np
import pytest
import pytorch_msssim
import torch

from lic_lab.evaluation import metrics

# A published pair of curves (libx265 presets, the `bjontegaard` package's README example); the
# reference values are that package's PCHIP (matches the JCT-VC CTC sheet) and VCEG-M33 cubic results.
RATE_A = [9487.76, 4593.60, 2486.44, 1358.24]
PSNR_A = [40.037, 38.615, 36.845, 34.851]
RATE_T = [9787.80, 4469.00, 2451.52, 1356.24]
PSNR_T = [40.121, 38.651, 36.970, 34.987]


def test_bd_rate_matches_published_pchip():
    assert metrics.bd_rate(RATE_A, PSNR_A, RATE_T, PSNR_T) == pytest.approx(-4.417485350589045, abs=1e-6)
    assert metrics.bd_psnr(RATE_A, PSNR_A, RATE_T, PSNR_T) == pytest.approx(0.11969278542479489, abs=1e-6)


def test_bd_rate_matches_published_cubic():
    assert metrics.bd_rate(RATE_A, PSNR_A, RATE_T, PSNR_T, "cubic") == pytest.approx(-4.420462706026296, abs=1e-6)
    assert metrics.bd_psnr(RATE_A, PSNR_A, RATE_T, PSNR_T, "cubic") == pytest.approx(0.12040941911471303, abs=1e-6)


def test_bd_rate_of_scaled_curve_is_exact():
    rates = [0.2, 0.4, 0.8, 1.6]
    q = [28.0, 30.5, 33.0, 35.0]
    assert metrics.bd_rate(rates, q, [r * 0.8 for r in rates], q) == pytest.approx(-20.0, abs=1e-9)
    assert metrics.bd_psnr(rates, q, rates, [v + 0.5 for v in q]) == pytest.approx(0.5, abs=1e-9)
    with pytest.raises(ValueError, match="overlap"):
        metrics.bd_rate(rates, q, rates, [v + 20 for v in q])


def test_psnr_and_msssim():
    x = torch.rand(1, 3, 64, 64)
    y = (x + 0.01).clamp(0, 1)
    mse = torch.mean((x.double() - y.double()) ** 2).item()
    assert metrics.psnr(x, y) == pytest.approx(10 * math.log10(1 / mse))
    assert metrics.psnr(x, x) == math.inf
    assert metrics.ms_ssim(x, x) == pytest.approx(1.0, abs=1e-5)
    assert 0 < metrics.ms_ssim(x, torch.rand(1, 3, 64, 64)) < 0.5
    assert metrics.ms_ssim_db(0.99) == pytest.approx(20.0)


# --- PSNR and MS-SSIM against their references --------------------------------------------------

def _direct_psnr(a: np.ndarray, b: np.ndarray) -> float:
    return 10 * np.log10(1 / np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))


def test_psnr_equals_the_direct_formula_per_image_and_batched():
    g = torch.Generator().manual_seed(3)
    x = torch.rand(5, 3, 40, 56, generator=g)
    y = (x + 0.1 * torch.randn(x.shape, generator=g)).clamp(0, 1)
    xn, yn = x.numpy(), y.numpy()
    per_image = metrics.psnr_per_image(x, y)
    assert per_image.dtype == torch.float64 and per_image.shape == (5,)
    for i in range(5):
        direct = _direct_psnr(xn[i], yn[i])
        assert metrics.psnr(x[i : i + 1], y[i : i + 1]) == pytest.approx(direct, rel=1e-12)
        assert per_image[i].item() == pytest.approx(direct, rel=1e-12)
    assert metrics.psnr(x, y) == pytest.approx(_direct_psnr(xn, yn), rel=1e-12)  # pooled over the batch
    # one reference against a batch (the channel ablation) broadcasts
    assert torch.allclose(metrics.psnr_per_image(y, x[:1]), torch.tensor([_direct_psnr(xn[0], v) for v in yn],
                                                                           dtype=torch.float64), rtol=1e-12)
    x255, y255 = (255 * x).numpy().astype(np.float64), (255 * y).numpy().astype(np.float64)
    assert metrics.psnr(255 * x, 255 * y, data_range=255) == pytest.approx(
        10 * np.log10(255**2 / np.mean((x255 - y255) ** 2)), rel=1e-12)
    # identical images: +inf everywhere, no clamp
    assert metrics.psnr_per_image(x, x).isinf().all() and metrics.psnr_from_mse(0.0) == math.inf
    assert metrics.psnr_from_mse(torch.tensor(0.0)).item() == math.inf
    assert metrics.psnr_from_mse(torch.tensor([1e-3, 1e-2])).tolist() == pytest.approx([30.0, 20.0])


def _pair(h: int, w: int, n: int = 1, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """A smooth random image and a noisy copy (MS-SSIM well inside (0, 1))."""
    g = torch.Generator().manual_seed(seed)
    x = torch.nn.functional.interpolate(torch.rand(n, 3, h // 8 + 1, w // 8 + 1, generator=g), size=(h, w),
                                        mode="bilinear", align_corners=False)
    y = (x + 0.05 * torch.randn(x.shape, generator=g)).clamp(0, 1)
    return x, y


def _padded_reference(x: torch.Tensor, y: torch.Tensor, size_average: bool = True) -> torch.Tensor:
    """The documented policy written out: replicate-pad bottom / right to 161 px, then pytorch-msssim."""
    h, w = x.shape[-2:]
    pad = (0, max(0, 161 - w), 0, max(0, 161 - h))
    x, y = (torch.nn.functional.pad(v, pad, mode="replicate") for v in (x, y))
    return pytorch_msssim.ms_ssim(x, y, data_range=1, size_average=size_average)


@pytest.mark.parametrize("size", [(161, 161), (192, 176), (200, 300)])
def test_ms_ssim_equals_pytorch_msssim_from_161_px(size):
    x, y = _pair(*size)
    ref = pytorch_msssim.ms_ssim(x, y, data_range=1).item()
    assert 0.2 < ref < 0.999
    assert metrics.ms_ssim(x, y) == pytest.approx(ref, abs=1e-6)
    xb, yb = _pair(*size, n=3, seed=1)
    per_image = metrics.ms_ssim_tensor(xb, yb, size_average=False)
    assert per_image.shape == (3,)
    assert torch.allclose(per_image, pytorch_msssim.ms_ssim(xb, yb, data_range=1, size_average=False), atol=1e-6)
    assert metrics.ms_ssim_tensor(xb, yb).item() == pytest.approx(per_image.mean().item(), abs=1e-6)


def test_ms_ssim_db_formula():
    for v in (0.0, 0.5, 0.9, 0.97, 0.999):
        assert metrics.ms_ssim_db(v) == pytest.approx(-10 * math.log10(1 - v), rel=1e-12)
    assert metrics.ms_ssim_db(1.0) == math.inf


def test_small_image_policy_is_the_same_in_evaluation_loss_and_channel_ablation():
    """Under 161 px: replicate-padded to 161 px in every code path (the metrics module docstring)."""
    from conftest import small

    from lic_lab.data import crop_to
    from lic_lab.evaluation.evaluate import evaluate_image
    from lic_lab.models import latents
    from lic_lab.teaching import channels
    from lic_lab.training.losses import distortion_term, ms_ssim_loss_value, rd_loss

    assert metrics.MS_SSIM_MIN_SIDE == 161
    with pytest.raises(AssertionError):  # why a policy is needed at all
        pytorch_msssim.ms_ssim(*_pair(160, 200), data_range=1)
    x, y = _pair(100, 150, n=2)
    expected = _padded_reference(x, y, size_average=False)
    assert 0.2 < expected.min() and expected.max() < 0.999
    # metrics: per image and the batch mean; broadcasting against one reference
    assert metrics.ms_ssim(x[:1], y[:1]) == pytest.approx(expected[0].item(), abs=1e-6)
    assert torch.allclose(metrics.ms_ssim_tensor(x, y, size_average=False), expected, atol=1e-6)
    assert torch.allclose(metrics.ms_ssim_tensor(x[:1], y, size_average=False),
                          _padded_reference(x[:1].expand_as(y), y, size_average=False), atol=1e-6)
    # only the short side is padded: 100 x 300 pads the height alone
    wide_x, wide_y = _pair(100, 300)
    assert metrics.ms_ssim(wide_x, wide_y) == pytest.approx(_padded_reference(wide_x, wide_y).item(), abs=1e-6)

    # the training loss: the same value, and differentiable through the padding
    y_hat = y.clone().requires_grad_()
    value = ms_ssim_loss_value(y_hat, x)
    assert value.item() == pytest.approx(expected.mean().item(), abs=1e-6)
    value.backward()
    assert y_hat.grad is not None and torch.isfinite(y_hat.grad).all() and y_hat.grad.abs().sum() > 0
    assert distortion_term(x, y, "ms-ssim").item() == pytest.approx(1 - expected.mean().item(), abs=1e-6)
    parts = rd_loss(x, {"x_hat": y, "likelihoods": {"y": torch.full((2, 4, 4, 4), 0.5)}}, 1.0, "ms-ssim")
    assert parts["distortion"].item() == pytest.approx(1 - expected.mean().item(), abs=1e-6)
    assert parts["psnr"].item() == pytest.approx(metrics.psnr(x, y), abs=1e-4)  # float32 batch MSE

    # evaluation and channel ablation of a model on a 100 x 150 image
    model = small("scale_hyperprior")
    img = x[:1]
    row = evaluate_image(model, img, keep=True)
    assert row["ms_ssim"] == pytest.approx(_padded_reference(img, row["x_hat"]).item(), abs=1e-6)
    assert row["psnr"] == pytest.approx(_direct_psnr(img.numpy(), row["x_hat"].numpy()), rel=1e-12)
    res = channels.ablate_set(model, img, [1, 4])
    y_lat = latents(model, img)["y_hat"].clone()
    y_lat[:, [1, 4]] = 0
    with torch.no_grad():
        edited = crop_to(model.synthesize(y_lat).clamp(0, 1), img.shape[-2:])
    assert res["ms_ssim"] == pytest.approx(_padded_reference(edited, img).item(), abs=1e-6)
    assert res["ms_ssim"] == pytest.approx(metrics.ms_ssim(img, edited), abs=1e-6)
    assert res["psnr"] == pytest.approx(_direct_psnr(img.numpy(), edited.numpy()), rel=1e-12)
    assert res["base_ms_ssim"] == pytest.approx(metrics.ms_ssim(img, latents(model, img)["x_hat"].clamp(0, 1)),
                                                abs=1e-6)


# --- Bjøntegaard deltas against the `bjontegaard` package ------------------------------------------

def _random_curve(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """A strictly increasing RD curve: ln bpp in [ln 0.05, ln 2], quality in [24, 42] dB."""
    while True:
        log_rate = np.sort(rng.uniform(np.log(0.05), np.log(2.0), n))
        quality = np.sort(rng.uniform(24, 42, n))
        if np.diff(log_rate).min() > 0.1 and np.diff(quality).min() > 0.3:
            return log_rate, quality


def _curve_pairs(count: int, seed: int = 2024, min_points: int = 3):
    """``count`` seeded anchor / test pairs: the test curve is the anchor moved (rate x 0.6 .. 1.6,
    quality -1.5 .. +1.5 dB) with per-point jitter, sometimes one point fewer (4 to 6 points, 3 to 6
    for the test); points given in increasing or decreasing order. Kept when the quality and the
    rate ranges both overlap by >= 30 % and every curve has ``min_points`` points or more."""
    rng = np.random.default_rng(seed)
    pairs = []
    while len(pairs) < count:
        n = int(rng.integers(4, 7))
        la, qa = _random_curve(rng, n)
        lt = la + rng.uniform(np.log(0.6), np.log(1.6)) + rng.uniform(-0.03, 0.03, n)
        qt = qa + rng.uniform(-1.5, 1.5) + rng.uniform(-0.1, 0.1, n)
        if rng.random() < 0.3:
            lt, qt = (lt[1:], qt[1:]) if rng.random() < 0.5 else (lt[:-1], qt[:-1])
        if len(lt) < min_points or np.diff(lt).min() <= 0 or np.diff(qt).min() <= 0:
            continue
        ok = True
        for u, v in ((la, lt), (qa, qt)):
            ok &= min(u.max(), v.max()) - max(u.min(), v.min()) > 0.3 * (max(u.max(), v.max()) - min(u.min(), v.min()))
        if ok:
            curves = [np.exp(la), qa, np.exp(lt), qt]
            pairs.append(curves if rng.random() < 0.5 else [c[::-1].copy() for c in curves])
    return pairs


@pytest.mark.parametrize("method", ["pchip", "cubic"])
def test_bd_rate_and_bd_psnr_agree_with_the_bjontegaard_package(method):
    """300 seeded curve pairs against the `bjontegaard` package (v1.3): the same interpolation (scipy's
    PchipInterpolator has our Fritsch-Carlson slopes and end conditions; the cubic is
    ``np.polyfit(.., 3)``), the same interval (the overlap of the two curves' ranges), BD-rate in
    percent from the mean log-rate gap. It works in log10 rate, we in ln rate: the same interpolant
    rescaled. Measured: PCHIP within 2e-11 relative (2,000 pairs), 1.5e-13 here.

    The cubic (VCEG-M33) is ill-conditioned on dB abscissae (x^3 ~ 1e5, and the antiderivative is
    evaluated at both ends and subtracted): against an exact rational evaluation both packages err
    by up to ~2e-9 relative where BD-rate is near 0 %, so it gets an absolute floor of 1e-9 (percent
    or dB) besides the 1e-9 relative. It is compared on curves of four or more points only: on three
    the package fits a rank-deficient cubic (numpy's RankWarning; an arbitrary minimum-norm
    solution) where we fit the exact quadratic, and the two then differ by tens of percent.
    """
    bjontegaard = pytest.importorskip("bjontegaard")
    kw = {"method": method, "require_matching_points": False, "min_overlap": 0}
    floor = 1e-12 if method == "pchip" else 1e-9
    for ra, qa, rt, qt in _curve_pairs(300, min_points=3 if method == "pchip" else 4):
        ours = metrics.bd_rate(ra, qa, rt, qt, method), metrics.bd_psnr(ra, qa, rt, qt, method)
        ref = bjontegaard.bd_rate(ra, qa, rt, qt, **kw), bjontegaard.bd_psnr(ra, qa, rt, qt, **kw)
        for o, r in zip(ours, ref, strict=True):
            assert o == pytest.approx(r, rel=1e-9, abs=floor), (method, ra, qa, rt, qt)


def test_bpp():
    assert metrics.bpp_from_bytes(96, 16, 16) == 3.0
    lik = {"y": torch.full((1, 2, 4, 4), 0.5), "z": torch.full((1, 1, 1, 1), 0.25)}
    assert metrics.bpp_from_likelihoods(lik, 4, 8) == pytest.approx((32 + 2) / 32)


def test_quality_at_reads_the_pchip_curve_inside_its_range_only():
    from lic_lab.evaluation.evaluate import quality_at

    curve = ([0.1, 0.2, 0.4], [0.88, 0.92, 0.96])
    assert quality_at(curve, 0.2) == pytest.approx(0.92)  # through the points
    assert 0.92 < quality_at(curve, 0.3) < 0.96  # monotone between them
    assert quality_at(([0.4, 0.1, 0.2], [0.96, 0.88, 0.92]), 0.3) == pytest.approx(quality_at(curve, 0.3))
    assert quality_at(curve, 0.5) is None and quality_at(curve, 0.05) is None  # never extrapolated


def test_quality_gaps_compare_only_rates_both_curves_reach():
    from lic_lab.evaluation.evaluate import quality_at, quality_gaps

    test, anchor = ([0.1, 0.2, 0.4], [0.90, 0.93, 0.96]), ([0.15, 0.3, 0.6], [0.88, 0.94, 0.97])
    gaps = quality_gaps(test, anchor, [0.1, 0.2, 0.3, 0.5])
    assert list(gaps) == [0.2, 0.3]  # 0.1: below the anchor's rates; 0.5: above the test's
    assert gaps[0.2] == pytest.approx(0.93 - quality_at(anchor, 0.2))  # test minus anchor, at the same rate
    assert 0.88 < quality_at(anchor, 0.2) < 0.94 and gaps[0.3] == pytest.approx(quality_at(test, 0.3) - 0.94)
    assert quality_gaps(test, ([1.0, 2.0], [0.98, 0.99]), [0.2]) == {}


def test_point_gaps_compare_single_models_with_a_curve_at_their_own_rates():
    from lic_lab.evaluation.evaluate import point_gaps, quality_at

    anchor = ([0.15, 0.3, 0.6], [0.88, 0.94, 0.97])
    gaps = point_gaps([(0.3, 0.95), (0.2, 0.90), (0.1, 0.99)], anchor)  # 0.1: outside the anchor's rates
    assert list(gaps) == [0.3, 0.2]
    assert gaps[0.3] == pytest.approx(0.01) and gaps[0.2] == pytest.approx(0.90 - quality_at(anchor, 0.2))


def test_means_curve_sorts_model_means_by_rate(tmp_path, monkeypatch):
    import json

    from lic_lab import zoo
    from lic_lab.evaluation.evaluate import means_curve

    means = [{"bpp": 0.5, "psnr": 31.0, "ms_ssim": 0.95}, {"bpp": 0.2, "psnr": 28.0, "ms_ssim": 0.9}]
    assert means_curve(means) == ([0.2, 0.5], [28.0, 31.0])
    assert means_curve(means, "ms_ssim") == ([0.2, 0.5], [0.9, 0.95])
    monkeypatch.setattr(zoo, "TRAINING_MEANS", tmp_path / "kodak_means.json")
    assert zoo.training_kodak_means() == {}
    (tmp_path / "kodak_means.json").write_text(json.dumps({"a-q1": means[0]}))
    assert zoo.training_kodak_means()["a-q1"]["psnr"] == 31.0
    runs = {"a-q1": means[0], "a-q2": means[1], "a-q2-seg1": means[1], "a-wide-q2": means[1]}
    (tmp_path / "kodak_means.json").write_text(json.dumps(runs))
    assert sorted(zoo.fp16_family_means("a")) == ["a-q1", "a-q2"]  # not its segments or wider experiments
    from lic_lab.evaluation.evaluate import fp16_family_curve

    assert fp16_family_curve("a") == ([0.2, 0.5], [28.0, 31.0]) and fp16_family_curve("b") is None
    runs["a-q1-seg1"] = {"bpp": 0.45, "psnr": 30.0, "ms_ssim": 0.94}  # q1 before it was trained on
    (tmp_path / "kodak_means.json").write_text(json.dumps(runs))
    assert fp16_family_curve("a", replace={"a-q1": "a-q1-seg1"}) == ([0.2, 0.45], [28.0, 30.0])


def test_cross_metric_gives_bd_rates_under_the_overlap_rule_and_psnr_at_equal_rate():
    from lic_lab.evaluation.evaluate import cross_metric, quality_at

    mse = {"psnr": ([0.2, 0.4, 0.8], [28.0, 31.0, 34.0]), "ms": ([0.2, 0.4, 0.8], [10.0, 12.0, 14.0])}
    far = {"psnr": ([0.3, 0.6], [26.0, 27.0]), "ms": ([0.3, 0.6], [12.0, 14.5])}  # PSNR overlap: none
    cm = cross_metric({"mse": mse["psnr"], "ms": far["psnr"]}, {"mse": mse["ms"], "ms": far["ms"]}, "ms", "mse")
    assert cm["bd_rate"]["PSNR"] is None and "overlap" in cm["note"]["PSNR"]
    assert cm["bd_rate"]["MS-SSIM (dB)"] < 0  # more MS-SSIM at every rate: fewer bits for it
    assert list(cm["psnr_gaps"]) == [0.3, 0.6]
    assert cm["psnr_gaps"][0.3] == pytest.approx(26.0 - quality_at(mse["psnr"], 0.3))


def test_coding_overhead_sums_images_before_comparing():
    from lic_lab.evaluation.evaluate import coding_overhead

    a = {"bpp": 1.01, "bytes": 1010, "bpp_est": 1.01 * 1000 / 1010, "payload_bytes": 990}  # estimate 1,000 bytes
    b = {"bpp": 2.0, "bytes": 2000, "bpp_est": 2.0 * 1900 / 2000, "payload_bytes": 1950}  # estimate 1,900 bytes
    assert coding_overhead([a]) == pytest.approx(-1.0)
    assert coding_overhead([a], whole_file=True) == pytest.approx(1.0)
    assert coding_overhead([a, b]) == pytest.approx(100 * (2940 / 2900 - 1))  # sums, not a mean of percentages


def test_overhead_table_per_model_and_per_image():
    from lic_lab.evaluation.evaluate import overhead_table

    a = {"image": "a.png", "bpp": 1.01, "bytes": 1010, "bpp_est": 1.01 * 1000 / 1010, "payload_bytes": 990, "roundtrip_max_abs": 0}
    b = {"image": "b.png", "bpp": 2.0, "bytes": 2000, "bpp_est": 2.0 * 1900 / 2000, "payload_bytes": 1950, "roundtrip_max_abs": 1}
    rows, per_model, per_image = overhead_table({"m": [a, b], "n": [a]})
    assert per_model == {"m": pytest.approx(100 * (2940 / 2900 - 1)), "n": pytest.approx(-1.0)}
    assert per_image[("m", "b.png")] == pytest.approx(100 * (1950 / 1900 - 1)) and len(per_image) == 3
    assert rows[0]["estimated bits"] == 8 * 2900 and rows[0]["entropy-coded bits"] == 8 * 2940
    assert rows[0]["bit-exact images"] == 1 and rows[1]["file overhead (%)"] == pytest.approx(1.0)


def test_paper_steps_chain_through_the_bpg_anchor():
    from lic_lab.evaluation.references import paper_bd_between, paper_saving_vs_jpeg

    f, h = "ICLR18-Factorized", "ICLR18-HyperPrior"
    assert paper_bd_between(h, h) == 0
    step = paper_bd_between(h, f)  # Table 7: 3.06% and 32.75% over BPG at the median range
    assert step == pytest.approx((1.0306 / 1.3275 - 1) * 100) and step < 0
    # chaining two steps gives the direct comparison (rates at equal quality multiply)
    assert (1 + step / 100) * (1 + paper_saving_vs_jpeg(f) / 100) == pytest.approx(1 + paper_saving_vs_jpeg(h) / 100)
