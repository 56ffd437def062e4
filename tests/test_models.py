import pytest
import torch

from lic_lab.bitstream import Bitstream
from lic_lab.entropy.coder import BitstreamError
from lic_lab.models import build_model
from lic_lab.training.losses import rd_loss


def test_forward_contract_and_gradients(small_model, small_photo):
    model = small_model
    model.train()
    from lic_lab.data import pad_to_multiple

    x = pad_to_multiple(small_photo[..., :64, :64], model.downsample)[0]
    out = model(x)
    assert out["x_hat"].shape == x.shape
    coded = set(model.section_names) - {"order"}
    assert set(out["likelihoods"]) >= coded
    parts = rd_loss(x, out, 0.01)
    parts["loss"].backward()
    prefixes = ("g_a.", "g_s.", "h_a.", "h_s.", "entropy", "encoder.", "decoder.", "contexts.", "quantizers.",
                "shared.", "encoding.", "tcae.")
    core = [p.grad for n, p in model.named_parameters() if n.startswith(prefixes)]
    assert core and all(g is not None for g in core)
    model.zero_grad(set_to_none=True)
    model.eval()


def test_compress_decompress_bit_exact(small_model, small_photo):
    model = small_model
    data = model.compress(small_photo)
    x_hat = model.decompress(data)
    assert x_hat.shape == small_photo.shape
    from lic_lab.data import crop_to, pad_to_multiple

    padded, size = pad_to_multiple(small_photo, model.downsample)
    with torch.no_grad(), model.coding():  # the forward pass as the codec runs it
        ref = crop_to(model(padded)["x_hat"].float().clamp(0, 1), size)
    assert torch.equal(x_hat, ref)


def test_bitstream_is_self_describing(small_model, small_photo):
    data = small_model.compress(small_photo)
    stream = Bitstream.from_bytes(data)
    assert (stream.model, stream.height, stream.width) == (small_model.name, 100, 150)


@pytest.mark.parametrize("damage", ["truncate", "flip", "magic", "empty", "version"])
def test_damaged_bitstreams_raise(small_model, small_photo, damage):
    data = bytearray(small_model.compress(small_photo))
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "flip":
        data[len(data) // 2] ^= 0x10
    elif damage == "magic":
        data[:4] = b"JFIF"
    elif damage == "empty":
        data = bytearray()
    else:
        data[4] = 99
    with pytest.raises(BitstreamError):
        small_model.decompress(bytes(data))


def test_wrong_model_and_bad_inputs(small_photo):
    a = build_model({"arch": "factorized", "N": 16, "M": 24}).eval()
    b = build_model({"arch": "scale_hyperprior", "N": 16, "M": 24}).eval()
    with pytest.raises(BitstreamError, match="made by model"):
        b.decompress(a.compress(small_photo))
    for bad in (small_photo[:, :1], small_photo * 2, torch.zeros(2, 3, 8, 8), small_photo.double() * float("nan")):
        with pytest.raises(ValueError):
            a.compress(bad)


def test_huge_size_claim_is_rejected(small_model, small_photo):
    stream = Bitstream.from_bytes(small_model.compress(small_photo))
    stream.height, stream.width = 60000, 60000
    with pytest.raises(BitstreamError, match="limit"):
        small_model.decompress(stream.to_bytes())


def test_unknown_architecture():
    with pytest.raises(ValueError, match="unknown architecture"):
        build_model({"arch": "nope"})


@pytest.mark.parametrize("name,rate", [("gained_mean_scale", 2.25), ("cbanet_hp", 2)])
def test_rate_setting_travels_in_the_header(name, rate, small_photo):
    from conftest import small

    model = small(name)
    own = model.setting
    data = model.compress(small_photo, rate=rate)
    assert Bitstream.from_bytes(data).setting == rate and model.setting == own  # an argument, not state
    expected = model.decompress(data)
    assert model.setting == own
    model.set_rate(1)  # whatever the model's own rate, the decoder reads the stream's
    assert torch.equal(model.decompress(data), expected) and model.setting == 1


def test_branches_are_a_decode_argument(small_photo):
    from conftest import small

    model = small("cbanet_hp")
    data = model.compress(small_photo)
    by_k = [model.decompress(data, branches=k) for k in (1, 2, 3)]
    assert model.branches == 3 and not torch.equal(by_k[0], by_k[2])
    with model.at(branches=1):
        assert torch.equal(model.decompress(data), by_k[0])
    assert torch.equal(model.decompress(data), by_k[2])
    with pytest.raises(ValueError, match="single decoder"):
        small("mean_scale_hyperprior").decompress(small("mean_scale_hyperprior").compress(small_photo), branches=2)
    with pytest.raises(ValueError, match="fixed-rate"):
        small("mean_scale_hyperprior").compress(small_photo, rate=2.0)


def test_a_changed_model_refuses_the_files_of_its_former_weights(small_model, small_photo):
    """The header's weights fingerprint: the same name with other weights is an error, not a wrong image."""
    import copy

    data = small_model.compress(small_photo)
    assert Bitstream.from_bytes(data).weights == small_model.weights_fingerprint()
    other = copy.deepcopy(small_model)
    for module in other.modules():  # as the zoo loads them: the layout does not change the fingerprint
        if isinstance(module, (torch.nn.Conv2d, torch.nn.ConvTranspose2d)):
            module.to(memory_format=torch.channels_last)
    assert other.weights_fingerprint() == Bitstream.from_bytes(data).weights
    with torch.no_grad():
        next(other.parameters()).add_(1e-3)  # as a retrained model of the same name
    with pytest.raises(BitstreamError, match="other weights"):
        other.decompress(data)
