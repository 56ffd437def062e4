"""CVQN (Zhong et al. 2020): en/decoder, variable quantization controller, coding, training stages."""
import pytest
import torch

from lic_lab.bitstream import Bitstream
from lic_lab.entropy.coder import BitstreamError
from lic_lab.models import build_model
from lic_lab.training.train import warm_start


def cvqn(**kw):
    torch.manual_seed(0)
    return build_model({"arch": "cvqn", "N": 8, "M": 16, "context_hidden": 4, **kw}).eval()


def test_encoder_is_four_inverse_pixelshuffle_stages():
    model = cvqn()
    x = torch.rand(1, 3, 64, 96)
    assert model.encoder(x).shape == (1, 16, 4, 6)  # 1/16 size, C channels
    names = [type(m).__name__ for m in model.encoder]
    assert names.count("PixelUnshuffle") == 4 and names.count("ResidualGroup") == 4
    assert [type(m).__name__ for m in model.decoder].count("PixelShuffle") == 4
    assert model.synthesize(model.encoder(x)).shape == x.shape


def test_groups_get_their_own_levels():
    model = cvqn()
    assert model.sizes == [4, 8, 4] and model.section_names == ("g1", "g2", "g3")
    assert model.bound_bpp == pytest.approx(16 * (0.25 * 1.585 + 0.5 * 2.3219 + 0.25 * 2.8074) / 256, rel=1e-3)
    with torch.no_grad():
        out = model(torch.rand(2, 3, 32, 48))
    assert torch.equal(out["order"], torch.arange(16))  # predefined: w_c = c
    for g, (lo, hi) in enumerate([(0, 4), (4, 12), (12, 16)]):
        means = model.quantizers[g].means
        values = out["y_hat"][:, lo:hi].unique()
        assert all(torch.isclose(v, means).any() for v in values)
        assert out["likelihoods"][f"g{g + 1}"].shape == (2, hi - lo, 2, 3)
        assert int(out["indices"][g].max()) < model.levels[g]
    assert out["extra_loss"].item() > 0
    with pytest.raises(ValueError):
        cvqn(levels=[3, 5], ratios=[1.0])


@pytest.mark.parametrize("importance", ["predefined", "se", "re"])
def test_round_trip_is_bit_exact(importance, small_photo):
    model = cvqn(importance=importance)
    data = model.compress(small_photo)
    x_hat = model.decompress(data)
    from lic_lab.data import crop_to, pad_to_multiple

    padded, size = pad_to_multiple(small_photo, 16)
    with torch.no_grad():
        ref = crop_to(model(padded)["x_hat"].clamp(0, 1), size)
    assert torch.equal(x_hat, ref)
    assert len(Bitstream.from_bytes(data).sections) == (4 if importance == "se" else 3)


def test_se_order_travels_in_the_stream_and_is_checked(small_photo):
    model = cvqn(importance="se")
    stream = Bitstream.from_bytes(model.compress(small_photo))
    padded = torch.nn.functional.pad(small_photo, (0, 10, 0, 12))
    assert list(stream.sections[0]) == model.importance.order(model.encoder(padded)).tolist()
    bad = Bitstream(stream.model, stream.height, stream.width, [bytes(16)] + stream.sections[1:], weights=stream.weights)
    with pytest.raises(BitstreamError, match="permutation"):
        model.decompress(bad.to_bytes())
    short = Bitstream(stream.model, stream.height, stream.width, stream.sections[:2], weights=stream.weights)
    with pytest.raises(BitstreamError, match="sections"):
        model.decompress(short.to_bytes())


def test_reconstruction_error_importance_is_refreshed_in_training():
    model = cvqn(importance="re", re_every=2)
    x = torch.rand(2, 3, 176, 176)  # MS-SSIM needs more than 160 px
    w = model.reconstruction_importance(x)
    assert w.shape == (16,) and (w >= 0).all()
    model.train()
    model(x)
    assert torch.allclose(model.importance.re_weights, w, atol=1e-5)
    assert model.training


def test_new_entropy_stage_resets_quantizers_and_contexts():
    model = cvqn()
    with torch.no_grad():
        model.quantizers[1].means.add_(0.3)
    before = model.contexts[0].convs[0].weight.clone()
    model.configure_training("new-entropy")
    assert torch.equal(model.quantizers[1].means.detach(), torch.arange(5.0) - 2)
    assert not torch.equal(model.contexts[0].convs[0].weight, before)
    with pytest.raises(ValueError):
        model.configure_training("branch2")


def test_warm_start_across_latent_widths_keeps_shared_channels():
    small, wide = cvqn(M=16), cvqn(M=24)
    report = warm_start(wide, small)
    tail = f"encoder.{len(wide.encoder) - 1}.weight"
    assert torch.equal(wide.state_dict()[tail][:16], small.state_dict()[tail])
    assert torch.equal(wide.state_dict()["decoder.0.weight"][:, :16], small.state_dict()["decoder.0.weight"])
    assert "of" in report
