"""The coarse-to-fine hyperprior (benchmark paper sec. 6): transforms, levels, stages, warm start."""
import pytest
import torch

from lic_lab.entropy.coder import BitstreamError
from lic_lab.models import build_model
from lic_lab.models.coarse_to_fine import (
    InformationAggregation,
    ProbabilityEstimation,
    SignalPreservingAnalysis,
    SignalPreservingSynthesis,
)
from lic_lab.training.train import warm_start

SMALL = {"N": 16, "M": 24, "C": 8, "pe_hidden": 8, "iar_width": 8, "iar_res_width": 4, "iar_out_width": 4}


def c2f(**kw) -> torch.nn.Module:
    torch.manual_seed(2)
    return build_model({"arch": "coarse_to_fine", **SMALL, **kw}).eval()


def test_signal_preserving_transforms_halve_and_double():
    """Table 3: analysis c_in -> c at half size (through 2c and 8c), synthesis back to full size."""
    a, s = SignalPreservingAnalysis(24, 8), SignalPreservingSynthesis(8)
    z = a(torch.randn(2, 24, 8, 12))
    assert z.shape == (2, 8, 4, 6)
    assert s(z).shape == (2, 8, 8, 12)
    assert [m.kernel_size for m in a if isinstance(m, torch.nn.Conv2d)] == [(3, 3), (1, 1), (1, 1), (1, 1)]
    assert a[1].downscale_factor == 2 and s[5].upscale_factor == 2


def test_probability_estimation_sees_a_5x5_window():
    """Table 4: each position's (mean, scale) depends only on its 5x5 neighbourhood; scales >= 0."""
    torch.manual_seed(0)
    pe = ProbabilityEstimation(8, 6, 8)
    r = torch.randn(1, 8, 9, 9)
    means, scales = pe(r)
    assert means.shape == scales.shape == (1, 6, 9, 9) and (scales >= 0).all()
    r2 = r.clone()
    r2[..., 0, 0] += 5.0  # a change at (0, 0) reaches (2, 2) but not (3, 0) or (0, 3)
    m2, _ = pe(r2)
    changed = (m2 - means).abs().amax(1)[0] > 0
    assert changed[2, 2] and changed[:3, :3].all()
    assert not changed[3:, :].any() and not changed[:, 3:].any()


@pytest.mark.parametrize("levels", [1, 2, 3])
def test_levels_shapes_and_sections(levels, small_photo):
    model = c2f(levels=levels)
    assert model.downsample == 16 * 2 ** levels
    x = small_photo[..., :64, :128] if levels < 3 else small_photo[..., :128 - 28, :128]
    from lic_lab.data import pad_to_multiple

    padded, _ = pad_to_multiple(x, model.downsample)
    with torch.no_grad():
        out = model(padded)
    h, w = padded.shape[-2:]
    assert out["likelihoods"]["y"].shape[-2:] == (h // 16, w // 16)
    for i in range(1, levels + 1):
        assert out["likelihoods"][f"z{i}"].shape == (1, 8, h // (16 * 2**i), w // (16 * 2**i))
    from lic_lab.bitstream import Bitstream

    assert len(Bitstream.from_bytes(model.compress(x)).sections) == levels + 1


def test_innermost_level_is_zero_mean_with_one_scale_per_channel(small_photo):
    """Eq. 12: the innermost level's likelihood uses the learned per-channel scale only."""
    model = c2f(levels=2)
    like = torch.zeros(1, 8, 3, 4)
    scales = model.innermost_scales(like)
    assert scales.shape == like.shape and torch.equal(scales[0, :, 0, 0], scales[0, :, 2, 3])
    with torch.no_grad():
        model.innermost_log_scales[1][3] = 2.0
    assert torch.allclose(model.innermost_scales(like)[0, 3], torch.full((3, 4), 2.0).exp())


def test_stages_freeze_everything_else():
    model = c2f(levels=2)
    model.configure_training("hyper2")
    trainable = {n.split(".")[0] + "." + n.split(".")[1] for n, p in model.named_parameters() if p.requires_grad}
    assert trainable == {"hyper_a.1", "hyper_s.1", "estimate.1", "fidelity_maps.1", "innermost_log_scales.1"}
    model.configure_training("hyper1")
    assert model.active_levels == 1
    model.train()
    out = model(torch.rand(2, 3, 64, 64))
    assert set(out["likelihoods"]) == {"y", "z1"} and out["extra_loss"] > 0  # eq. 14 in the hyper stages
    model.configure_training("iar")
    assert {n.split(".")[0] for n, p in model.named_parameters() if p.requires_grad} == {"iar"}
    model.configure_training(None)
    assert all(p.requires_grad for p in model.parameters()) and model.active_levels == 2
    assert "extra_loss" not in model(torch.rand(2, 3, 64, 64))
    with pytest.raises(ValueError, match="stages"):
        model.configure_training("hyper3")
    model.eval()


def test_hyper_stage_gradients_stay_in_their_level():
    model = c2f(levels=2)
    model.configure_training("hyper1")
    model.train()
    out = model(torch.rand(2, 3, 64, 64))
    loss = sum(-torch.log2(v).sum() for v in out["likelihoods"].values()) + out["extra_loss"]
    loss.backward()
    grads = {n for n, p in model.named_parameters() if p.grad is not None and p.grad.abs().sum() > 0}
    assert grads and all(n.startswith(("hyper_a.0", "hyper_s.0", "estimate.0", "fidelity_maps.0",
                                       "innermost_log_scales.0")) for n in grads)


def test_warm_start_from_single_level_model_keeps_its_reconstruction():
    """adapt_state: g_a/g_s copied, g_s's last layer becomes the IAR's start (hyper path silenced)."""
    torch.manual_seed(3)
    source = build_model({"arch": "mean_scale_hyperprior", "N": 16, "M": 24}).eval()
    model = c2f(levels=2)
    warm_start(model, source)
    y_hat = torch.round(torch.randn(1, 24, 4, 4) * 3)
    reps = [torch.randn(1, 8, 4, 4), torch.randn(1, 8, 2, 2)]
    with torch.no_grad():
        ours = model.synthesize_with(y_hat, reps).clamp(0, 1)
        theirs = source.g_s(y_hat).clamp(0, 1)
    assert torch.allclose(ours, theirs, atol=1e-5)
    assert torch.equal(model.g_a[0].weight, source.g_a[0].weight)


def test_information_aggregation_uses_every_level():
    torch.manual_seed(4)
    iar = InformationAggregation(16, 16, 8, 4, 4)
    main, reps = torch.randn(1, 16, 32, 32), [torch.randn(1, 8, 4, 4), torch.randn(1, 8, 2, 2)]
    out = iar(main, reps)
    assert out.shape == (1, 3, 64, 64)
    reps[1] = reps[1] + 1.0
    assert not torch.equal(iar(main, reps), out)


def test_wrong_section_count_is_a_clear_error(small_photo):
    from lic_lab.bitstream import Bitstream

    model = c2f(levels=2)
    stream = Bitstream.from_bytes(model.compress(small_photo))
    stream.sections = stream.sections[1:]
    with pytest.raises((BitstreamError, ValueError), match="sections"):
        model.decompress(stream.to_bytes())
    with pytest.raises(ValueError, match="levels"):
        build_model({"arch": "coarse_to_fine", "levels": 0})


STUDIES = __import__("lic_lab").REPO_DIR / "data" / "results" / "c2f_studies.json"


@pytest.mark.skipif(not STUDIES.is_file(), reason="no shipped coarse-to-fine studies")
def test_shipped_studies_reproduce_from_the_checkpoints():
    """Notebook 07's level bits and half-resolution RD point re-derived from c2f-q3 on Kodak."""
    import json
    import statistics

    from lic_lab import data, zoo
    from lic_lab.evaluation.evaluate import evaluate_image
    from lic_lab.teaching.analysis import level_bits

    if not data.have_kodak():
        pytest.skip("Kodak not under the data root")
    report = json.loads(STUDIES.read_text())
    model = zoo.load_model("c2f-q3")
    images = [data.read_image(p) for p in data.list_images(data.kodak_dir())]
    rows = [level_bits(model, x) for x in images]
    for name, stored in report["level_bits"]["c2f-q3"].items():
        assert statistics.fmean(r[name]["bpp"] for r in rows) == pytest.approx(stored["bpp"], rel=1e-12)
    half = [evaluate_image(model, data.downscale(x, 2)) for x in images]
    bpp, psnr = (statistics.fmean(r[k] for r in half) for k in ("bpp", "psnr"))
    bpps, psnrs = report["resolution"]["Kodak 1/2"]["curves"]["c2f"]
    assert min(abs(b - bpp) for b in bpps) < 1e-12
    assert psnrs[bpps.index(min(bpps, key=lambda b: abs(b - bpp)))] == pytest.approx(psnr, abs=1e-6)


def test_table8_rules_from_a_resolution_study():
    from lic_lab.teaching.resolution_study import photos_and_factor, table8

    assert photos_and_factor("Kodak 1/2") == ("Kodak", 2) and photos_and_factor("Kodak") == ("Kodak", 1)
    assert photos_and_factor("held-out photos 1/4") == ("held-out photos", 4)

    def study(values):
        return {k: {"bd_rate": {"c2f vs c2f-single": v}} for k, v in values.items()}

    grows = table8(study({"big 1/2": -3.0, "big 1/4": -1.0, "Kodak": -2.0, "Kodak 1/2": -0.8}))
    assert grows["saves_everywhere"] and grows["grows_with_size"] and grows["unresolved"] == []
    assert grows["by_photos"] == {"big": True, "Kodak": True}
    # one model per variant: a BD-rate (or a difference of two) within 0.5% does not count either way
    small = table8(study({"big 1/2": -3.0, "big 1/4": -2.8, "Kodak": -2.0, "Kodak 1/2": -0.3}))
    assert small["saves_everywhere"] is None and small["unresolved"] == ["Kodak 1/2"]  # neither way
    assert small["by_photos"] == {"big": None, "Kodak": True} and small["grows_with_size"] is None
    assert table8(study({"big 1/2": -3.0, "big 1/4": -2.8}), resolve=0.1)["by_photos"] == {"big": True}
    edge = table8(study({"big 1/2": -0.5, "big 1/4": 0.0}))  # exactly the resolution counts
    assert edge["saves_everywhere"] is None and edge["unresolved"] == ["big 1/4"] and edge["by_photos"] == {"big": True}
    losing = table8(study({"big 1/2": 0.6, "big 1/4": -3.0}))
    assert losing["saves_everywhere"] is False and losing["grows_with_size"] is False
    shrinks = table8(study({"big 1/2": -1.0, "big 1/4": -3.0, "Kodak": -2.0, "Kodak 1/2": 0.5}))
    assert not shrinks["saves_everywhere"] and not shrinks["grows_with_size"]
    assert shrinks["by_photos"] == {"big": False, "Kodak": True}


def test_budget_moves_are_how_far_the_two_single_level_variants_land_apart():
    from lic_lab.teaching.resolution_study import budget_moves

    study = {"big": {"bd_rate": {"c2f-single vs meanscale": -12.0, "c2f-single-shared vs meanscale": -7.0}},
             "Kodak": {"bd_rate": {"c2f-single vs meanscale": -3.0, "c2f-single-shared vs meanscale": -2.9}}}
    assert budget_moves(study) == pytest.approx({"big": 5.0, "Kodak": 0.1})
    assert budget_moves({"Kodak": {"bd_rate": {"c2f-single vs meanscale": -3.0}}}) is None  # no shared variant
    assert budget_moves({"Kodak": {"bd_rate": {"c2f-single vs meanscale": -3.0, "c2f-single-shared vs meanscale": None}}}) is None
    assert budget_moves({}) is None


def test_seed_gaps_compare_both_variants_per_seed_on_every_set(monkeypatch):
    from lic_lab import zoo
    from lic_lab.teaching import resolution_study
    from lic_lab.training.curves import mse_objective

    def record(bpp, psnr, lmbda=0.013):
        return {"finished": True, "config": {"lmbda": lmbda}, "history": [{"bpp": bpp, "psnr": psnr}]}

    records = {"a0": record(0.50, 30.0), "b0": record(0.52, 30.0), "a1": record(0.52, 30.0), "b1": record(0.50, 30.0)}
    monkeypatch.setattr(zoo, "training_record", records.__getitem__)
    study = {
        "resolution": {"Kodak": {}},
        "seeds": {
            "runs": {"0": {"c2f": {"3": "a0"}, "c2f-single": {"3": "b0"}}, "1": {"c2f": {"3": "a1"}, "c2f-single": {"3": "b1"}}},
            "points": {"0": {"c2f": {"3": {"Kodak": (0.5, 30.0)}}, "c2f-single": {"3": {"Kodak": (0.5, 29.0)}}},
                       "1": {"c2f": {"3": {"Kodak": (0.5, 30.0)}}, "c2f-single": {"3": {"Kodak": (0.5, 29.5)}}}},
        },
    }
    gaps = resolution_study.seed_gaps(study)
    assert set(gaps) == {"validation photos", "Kodak"}
    val = gaps["validation photos"]["per_seed"]
    assert val[0] < 0 < val[1] and val[0] == pytest.approx(-val[1] * mse_objective(0.5, 30, 0.013) / mse_objective(0.52, 30, 0.013))
    kodak = gaps["Kodak"]
    assert all(v < 0 for v in kodak["per_seed"].values()) and kodak["spread"] > 0  # two levels better on both seeds
    records["b1"] = record(0.50, 30.0, lmbda=0.0483)  # runs at another lambda cannot be compared
    with pytest.raises(ValueError, match="one lambda"):
        resolution_study.seed_gaps(study)


def test_seed_bd_rates_pair_each_seed_over_the_rates_it_has():
    from lic_lab.evaluation.metrics import bd_rate
    from lic_lab.teaching.resolution_study import seed_bd_rates

    def curve(shift):  # (bpp, PSNR) at rates 1, 3, 5
        return {q: {"Kodak": (b, p + shift)} for q, b, p in (("1", 0.2, 28.0), ("3", 0.4, 30.0), ("5", 0.8, 32.0))}

    points = {"0": {"c2f": curve(0.2), "c2f-single": curve(0.0)}, "1": {"c2f": curve(0.1), "c2f-single": curve(0.0)},
              "2": {"c2f": {"3": curve(0.3)["3"]}, "c2f-single": curve(0.0)}}  # seed 2 has only q3: left out
    runs = {"0": {"c2f": {"1": "a", "3": "b", "5": "c"}}}
    bd = seed_bd_rates({"resolution": {"Kodak": {}}, "seeds": {"runs": runs, "points": points}})["Kodak"]
    assert set(bd["per_seed"]) == {0, 1} and all(v < 0 for v in bd["per_seed"].values())
    b, p = zip(*[curve(0.0)[q]["Kodak"] for q in ("1", "3", "5")])
    assert bd["per_seed"][0] == pytest.approx(bd_rate(b, p, b, [v + 0.2 for v in p]))
