import numpy as np
import pytest
import torch

from lic_lab.models import latents
from lic_lab.teaching import channels


def test_ablation_matches_one_at_a_time_decoding(small_model, photo):
    x = photo[..., :192, :192]
    abl = channels.ablate_channels(small_model, x, channels=[0, 3, 5], batch=2)
    y_hat = latents(small_model, x)["y_hat"]
    for c, p in zip(abl.channels, abl.psnr):
        y = y_hat.clone()
        y[:, c] = 0
        with torch.no_grad():
            x_hat = small_model.synthesize(y).clamp(0, 1)[..., :192, :192]
        mse = torch.mean((x_hat.double() - x.double()) ** 2).item()
        assert p == pytest.approx(10 * np.log10(1 / mse), abs=1e-6)
    assert np.all(np.isfinite(abl.ms_ssim)) and abl.ranking().shape == (3,)
    assert abl.ms_ssim_loss_db.shape == (3,)


def test_scale_sweep_identity_and_bits(small_model, small_photo):
    out = latents(small_model, small_photo)
    from lic_lab.evaluation.metrics import psnr

    sweep = channels.scale_sweep(small_model, small_photo, 1, [1.0, 0.0])
    assert sweep[0] == pytest.approx(psnr(small_photo, out["x_hat"]), abs=1e-6)
    bits = channels.channel_bits(small_model, small_photo)
    lik = out["y_likelihoods"] if "y_likelihoods" in out else out["likelihoods"]["y"]
    assert bits.shape == (lik.shape[1],)
    assert bits.sum() == pytest.approx(-torch.log2(lik.double()).sum().item())


def test_spearman_and_stability(photo):
    from lic_lab.models import build_model

    torch.manual_seed(0)
    model = build_model({"arch": "factorized", "N": 16, "M": 12}).eval()
    with torch.no_grad():
        model.g_a[-1].weight.mul_(40)  # an untrained latent rounds to zero; make it carry signal
    assert channels.spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert channels.spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert channels.spearman([1, 1, 2], [1, 1, 2]) == pytest.approx(1.0)
    crops = [photo[..., :64, :64], photo[..., 64:128, 64:128], photo[..., :64, 128:192]]
    st = channels.importance_stability(model, crops, k=5)
    assert st.losses.shape == (3, 12) and st.losses.max() > 0 and -1 <= st.mean_spearman <= 1 and 0 <= st.top_overlap <= 1


def test_channels_for_share():
    assert channels.channels_for_share(np.array([10.0, 0, 0, 0]), 0.5) == 1
    assert channels.channels_for_share(np.array([1.0, 1, 1, 1]), 0.5) == 2
    assert channels.channels_for_share(np.array([1.0, 1, 1, 1]), 1.0) == 4
    assert channels.channels_for_share(np.zeros(3)) == 0


def test_bits_spread_and_the_top_channel():
    losses = np.array([10.0, 2.0, 0.05, 0.0])
    assert channels.bits_spread_more_evenly(np.array([30.0, 30, 20, 20]), losses, [0], [2, 3])
    assert not channels.bits_spread_more_evenly(np.array([90.0, 8, 1, 1]), losses, [0], [2, 3])  # bits as concentrated
    st = channels.Stability(np.array([[5.0, 1, 0], [0.5, 4, 0], [6.0, 2, 1]]), 0.5, 0.2, 0.6, 2)
    assert st.top_channel() == (0, 2)  # channel 0 leads on images 0 and 2


def test_ablate_set_zeroes_channels_together(small_model, photo):
    x = photo[..., :192, :192]
    res = channels.ablate_set(small_model, x, [1, 4])
    y = latents(small_model, x)["y_hat"].clone()
    y[:, [1, 4]] = 0
    with torch.no_grad():
        x_hat = small_model.synthesize(y).clamp(0, 1)[..., :192, :192]
    mse = torch.mean((x_hat.double() - x.double()) ** 2).item()
    assert res["psnr"] == pytest.approx(10 * np.log10(1 / mse), abs=1e-6)
    assert res["psnr_loss"] == pytest.approx(res["base_psnr"] - res["psnr"])


def test_layout_correlation_reads_how_much_of_the_photo_a_channel_shows():
    from lic_lab.teaching.channels import layout_correlation

    torch.manual_seed(0)
    x = torch.rand(1, 3, 64, 96)
    luma = (x[0] * torch.tensor([0.299, 0.587, 0.114])[:, None, None]).sum(0)
    small = torch.nn.functional.adaptive_avg_pool2d(luma[None, None], (4, 6))[0, 0]
    y = torch.stack([small, -3 * small + 1, torch.ones(4, 6), torch.rand(4, 6)])[None]
    r = layout_correlation(y, x)
    assert r[0] == pytest.approx(1.0) and r[1] == pytest.approx(1.0)  # sign and scale do not matter
    assert r[2] == 0.0 and 0.0 <= r[3] < 1.0  # a flat channel shows nothing


def test_mean_ablation_keeps_the_channels_offset(small_model, photo):
    """Replacing a channel by its rounded mean decodes as a hand-made edit would; a channel that is already constant
    loses nothing, where zeroing it (unless its constant is 0) does."""
    x = photo[..., :192, :192]
    y_hat = latents(small_model, x)["y_hat"]
    loss = channels.mean_ablation(small_model, x, [2])
    y = y_hat.clone()
    y[:, 2] = torch.round(y_hat[:, 2].mean())
    from lic_lab.evaluation.metrics import psnr

    with torch.no_grad():
        base = psnr(x, small_model.synthesize(y_hat).clamp(0, 1)[..., :192, :192])
        edited = psnr(x, small_model.synthesize(y).clamp(0, 1)[..., :192, :192])
    assert loss[0] == pytest.approx(base - edited, abs=1e-6)
    constant = [c for c in range(y_hat.shape[1]) if torch.all(y_hat[:, c] == torch.round(y_hat[:, c].mean()))]
    if constant:  # e.g. a channel training switched off on this photo
        assert channels.mean_ablation(small_model, x, constant[:1])[0] == pytest.approx(0.0, abs=1e-9)


def test_sweep_reading_finds_the_peak_and_the_costs():
    factors = [0.0, 0.5, 1.0, 1.5]
    read = channels.sweep_reading(factors, [20.0, 27.0, 30.0, 27.5])
    assert read["monotone"] and read["peak"] == 1.0 and read["largest"] == 1.5
    assert (read["removal_cost"], read["half_cost"], read["largest_cost"]) == (10.0, 3.0, 2.5)
    assert not channels.sweep_reading(factors, [20.0, 31.0, 30.0, 27.5])["monotone"]
    assert read["mirror_cost"] == 2.5 and channels.sweep_reading([0.0, 0.5, 1.0], [20.0, 27.0, 30.0])["mirror_cost"] is None


def test_stability_reads_appears_on_all_images_two_ways():
    from lic_lab.teaching.channels import Stability

    losses = np.array([[9.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]])
    stab = Stability(losses, mean_spearman=0.6, min_spearman=0.6, top_overlap=1.0, k=2)
    assert stab.halves() == [1, 4] and not stab.uneven_everywhere()  # the second image spreads its losses: 4 > 8 // 4
    assert stab.same_everywhere() and not Stability(losses[:1], 0.9, 0.4, 1.0, 2).same_everywhere()
    assert Stability(losses[:1], 0.9, 0.4, 1.0, 2).uneven_everywhere()


def test_symmetry_reading_of_a_scale_sweep():
    from lic_lab.teaching.channels import symmetry_reading

    reading = {"half_cost": 1.0, "mirror_cost": 1.05}
    assert symmetry_reading(reading).startswith("the same within 0.1 dB")
    assert "0.50 dB more above" in symmetry_reading({"half_cost": 1.0, "mirror_cost": 1.5})
    assert "0.50 dB more below" in symmetry_reading({"half_cost": 1.5, "mirror_cost": 1.0})
    assert symmetry_reading({"half_cost": 1.0, "mirror_cost": None}) is None


def test_rank_agreement_has_three_outcomes():
    from lic_lab.teaching.channels import RANKS_AGREE, rank_agreement

    assert rank_agreement(RANKS_AGREE + 0.01) == "agree"
    assert rank_agreement(0.2) == "agree only weakly" and rank_agreement(-0.3) == "do not agree"
