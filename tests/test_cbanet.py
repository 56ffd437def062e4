"""CBANet-HP: branches (CAM), bitrate adaptive layers (BAM), staged training, FLOPs."""
import pytest
import torch
from conftest import small

from lic_lab.evaluation.complexity import decoder_flops, parameter_count
from lic_lab.evaluation.references import CBANET_PAPER_SIZE
from lic_lab.layers import BitrateAdaptiveLayer
from lic_lab.training.losses import rd_loss


def test_bal_shrinks_and_ibal_expands():
    torch.manual_seed(0)
    y = torch.randn(2, 8, 5, 5)
    bal, ibal = BitrateAdaptiveLayer(8, 12), BitrateAdaptiveLayer(8, 12, inverse=True)
    with torch.no_grad():
        ratio_bal, ratio_ibal = bal(y) / y, ibal(y) / y
    assert ((ratio_bal > 0) & (ratio_bal < 1)).all()  # eq. 8: y (1 - sigmoid)
    assert (ratio_ibal >= 1).all()  # eq. 9: y (1 + relu)


def test_base_bitrate_is_identity(small_photo):
    model = small("cbanet_hp")
    y = torch.randn(1, 24, 4, 4)
    model.set_rate(3)
    assert torch.equal(model.latent_to_code(y), y) and torch.equal(model.code_to_latent(y), y)
    model.set_rate(1)
    assert not torch.equal(model.latent_to_code(y), y)


def test_branches_sum_to_the_image():
    model = small("cbanet_hp")
    y = torch.randn(1, 24, 2, 3)
    with torch.no_grad():
        parts = model.g_s.residuals(y, 3)
        for k in (1, 2, 3):
            model.set_branches(k)
            assert torch.allclose(model.synthesize(y), torch.stack(parts[:k]).sum(0), atol=1e-6)
    with pytest.raises(ValueError):
        model.set_branches(4)


def test_branches_are_chosen_at_decode(small_photo):
    model = small("cbanet_hp")
    model.set_rate(2)
    data = model.compress(small_photo)
    outs = []
    for k in (1, 2, 3):
        model.set_branches(k)
        outs.append(model.decompress(data))
    assert not torch.equal(outs[0], outs[2])
    with pytest.raises(ValueError):
        model.set_rate(1.5)


@pytest.mark.parametrize("stage,trainable", [("branch1", ["g_s.branches.0."]), ("branch2", ["g_s.branches.1."]),
                                             ("bam1", ["bal.0.", "ibal.0.", "bal_z.0.", "ibal_z.0."]),
                                             ("joint", ["g_s."])])
def test_stages_freeze_everything_else(stage, trainable, small_photo):
    model = small("cbanet_hp")
    model.configure_training(stage)
    names = [n for n, p in model.named_parameters() if p.requires_grad]
    assert names and all(n.startswith(tuple(trainable)) for n in names)
    model.train()
    x = small_photo[..., :64, :64]
    rd_loss(x, model(x), 0.01)["loss"].backward()
    assert all(p.grad is not None for n, p in model.named_parameters() if p.requires_grad)
    assert all(p.grad is None for n, p in model.named_parameters() if not p.requires_grad)
    model.eval()
    for p in model.parameters():
        p.requires_grad_(True)
    with pytest.raises(ValueError):
        model.configure_training("bam3")  # the base bitrate has no BAM


def test_joint_stage_weighs_every_k(small_photo):
    """The joint stage's loss is R + lambda * mean_K D_K, each D_K the first K branches' sum."""
    model = small("cbanet_hp")
    model.configure_training("joint")
    model.train()
    x = small_photo[..., :64, :64]
    torch.manual_seed(0)
    out = model(x)
    x_hats = out["x_hats"]
    assert len(x_hats) == model.max_branches and x_hats[-1] is out["x_hat"]
    with torch.no_grad():
        parts = model.g_s.residuals(out["y_hat"])
        for k, x_hat in enumerate(x_hats, 1):
            assert torch.allclose(x_hat, torch.stack(parts[:k]).sum(0), atol=1e-6)
    parts_loss = rd_loss(x, out, 0.01)
    mean_d = torch.stack([255.0**2 * torch.mean((xh - x) ** 2) for xh in x_hats]).mean()
    assert torch.allclose(parts_loss["distortion"], mean_d)
    assert torch.allclose(parts_loss["mse"], torch.mean((x_hats[-1] - x) ** 2))
    model.eval()  # decoding is unchanged: one image, the active K's
    assert "x_hats" not in model(x)
    model.configure_training("branch2")
    model.train()
    assert "x_hats" not in model(x)


def test_flops_split_and_parameter_counts():
    from lic_lab.models import build_model

    model = build_model({"arch": "cbanet_hp"})
    flops = [decoder_flops(model, (512, 768), k) for k in (1, 2, 3)]
    share = [f / flops[-1] for f in flops]
    assert 0.2 < share[0] < 0.3 and 0.45 < share[1] < 0.55
    base = build_model({"arch": "scale_hyperprior"})
    assert 0.9 < flops[-1] / decoder_flops(base, (512, 768)) < 1.15
    assert parameter_count(model.bal[0]) + parameter_count(model.ibal[0]) > 0


def test_storage_table_at_paper_size_matches_table_iii():
    """Counting our layout at the paper's size reproduces CBANet's Table III (2.53 / 5.93 / 2.84 / 0.17 M)."""
    from lic_lab.evaluation.complexity import storage_table

    t = storage_table(**CBANET_PAPER_SIZE)
    assert t["baseline_widths"] == [60, 88, 128]  # found by matching FLOPs, as the paper chose them
    for key, paper in (("baseline_one_level", 2.53e6), ("baseline_three_levels", 5.93e6), ("cbanet", 2.84e6),
                       ("bam_y_only", 0.17e6)):
        assert abs(t[key] / paper - 1) < 0.015, (key, t[key])


def test_later_branches_start_as_small_residuals_with_unit_weight():
    """Branches 2 and 3 begin near zero with g_k = 1, so their updates are not scaled away (eq. 7)."""
    torch.manual_seed(0)
    model = small("cbanet_hp")
    y = torch.randn(1, model.M, 4, 4)
    parts = model.g_s.residuals(y, 3)
    assert all(float(b.weight.detach()) == 1.0 for b in model.g_s.branches)
    assert parts[1].abs().max() < 0.05 * parts[0].abs().max()
    assert parts[2].abs().max() < 0.05 * parts[0].abs().max()
    assert parts[1].abs().max() > 0  # not exactly zero: K = 1 and K = 3 still decode differently
