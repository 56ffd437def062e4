"""Gain units, exponential interpolation and the AG-VAE model (Cui et al. 2021, eqs. 2-8)."""
import pytest
import torch
from conftest import small

from lic_lab.bitstream import Bitstream
from lic_lab.entropy.coder import BitstreamError
from lic_lab.quantization.gain_units import GainUnit, interpolate, split_rate
from lic_lab.training.losses import rd_loss


def test_split_rate_covers_the_range():
    assert split_rate(1, 5) == (1, 0.0)
    assert split_rate(3.25, 5) == (3, 0.25)
    assert split_rate(5, 5) == (4, 1.0)
    for bad in (0.99, 5.01, float("nan"), "3"):
        with pytest.raises(ValueError):
            split_rate(bad, 5)


@pytest.mark.parametrize("mode", ["exponential", "linear"])
def test_interpolation_endpoints_are_the_discrete_pairs(mode):
    unit = GainUnit(4, 6)
    with torch.no_grad():
        unit.matrix.copy_(torch.rand(4, 6) * 3 + 0.1)
    rows = unit.matrix.abs()
    for s in (1, 2, 3):
        assert torch.equal(unit.vector(float(s), mode), rows[s - 1])
    assert torch.equal(unit.vector(4.0, mode), rows[3])
    assert torch.equal(interpolate(rows[0], rows[1], 1.0, mode), rows[1])


def test_exponential_interpolation_keeps_the_product_on_the_geometric_path():
    """Eq. 8: if m_s m'_s = C at both ends, m_v m'_v = C for every l."""
    m = torch.tensor([[0.5, 2.0, 1.0], [1.5, 4.0, 3.0]])
    c = torch.tensor([2.0, 0.5, 1.0])
    m_inv = c / m
    for l in (0.1, 0.5, 0.9):
        product = interpolate(m[0], m[1], l) * interpolate(m_inv[0], m_inv[1], l)
        assert torch.allclose(product, c)
        linear = interpolate(m[0], m[1], l, "linear") * interpolate(m_inv[0], m_inv[1], l, "linear")
        assert not torch.allclose(linear, c)


def test_gain_init_and_validation():
    unit = GainUnit(3, 2, [0.5, 1.0, 2.0])
    assert torch.equal(unit.matrix[:, 0], torch.tensor([0.5, 1.0, 2.0]))
    with pytest.raises(ValueError):
        GainUnit(3, 2, [1.0, -1.0, 2.0])


def test_bad_rate_in_header_is_a_bitstream_error(small_photo):
    model = small("gained_mean_scale")
    stream = Bitstream.from_bytes(model.compress(small_photo))
    stream.setting = 9.0
    with pytest.raises(BitstreamError, match="rate"):
        model.decompress(stream.to_bytes())
    with pytest.raises(ValueError):
        model.set_rate(0.5)


def test_variable_rate_training_reaches_every_level_gain(small_photo):
    model = small("gained_mean_scale").train()
    x = small_photo[..., :64, :64]
    for level in (1, 3):
        model.set_rate(level)
        rd_loss(x, model(x), 0.01)["loss"].backward()
    grad = model.gain.matrix.grad
    assert grad[0].abs().sum() > 0 and grad[2].abs().sum() > 0 and grad[1].abs().sum() == 0
    assert model.hyper_gain.matrix.grad is not None
    model.eval()


def test_larger_gain_means_more_bits(small_photo):
    """The mechanism behind rate control: scaling the latent up spreads it over more bins."""
    model = small("gained_mean_scale")
    with torch.no_grad():
        model.gain.matrix.copy_(torch.tensor([0.25, 1.0, 4.0])[:, None].repeat(1, 24))
    sizes = []
    for rate in (1.0, 1.5, 2.0, 2.5, 3.0):
        model.set_rate(rate)
        sizes.append(len(model.compress(small_photo)))
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1]


def test_asymmetric_head_warm_starts_from_a_mean_scale_model():
    from lic_lab.training.train import warm_start

    source = small("mean_scale_hyperprior")
    model = small("gained_mean_scale")
    warm_start(model, source)
    w_src = source.h_s[-1].weight
    w = model.h_s[-1].weight
    assert torch.equal(w[:24], w_src[:24]) and torch.equal(w[24:48], w_src[:24]) and torch.equal(w[48:], w_src[24:])


def test_linear_interpolation_is_recorded_in_the_stream(small_photo):
    model = small("gained_mean_scale")
    with torch.no_grad():
        model.gain.matrix.copy_(torch.tensor([0.25, 1.0, 4.0])[:, None].repeat(1, 24))
    model.set_rate(1.5, "linear")
    linear = model.compress(small_photo)
    model.set_rate(1.5, "exponential")
    exponential = model.compress(small_photo)
    assert linear != exponential
    fresh = small("gained_mean_scale")
    with torch.no_grad():
        fresh.gain.matrix.copy_(model.gain.matrix)
    fresh.decompress(linear)
    assert fresh.interpolation == "linear"
    fresh.decompress(exponential)
    assert fresh.interpolation == "exponential"


def test_analysed_image_codes_the_same_bits_as_compress(small_photo):
    from lic_lab.teaching.rate_control import AnalysedImage, is_increasing, rate_grid

    model = small("gained_mean_scale")
    analysed = AnalysedImage(model, small_photo)
    for rate in (1.0, 2.4, 3.0):
        model.set_rate(rate)
        assert analysed.compress(rate) == model.compress(small_photo)
    row = analysed.code(2.0)
    assert row["bytes"] > 0 and row["x_hat"].shape == small_photo.shape
    assert rate_grid(model, 0.5) == [1.0, 1.5, 2.0, 2.5, 3.0]
    assert is_increasing([1, 2, 3]) and not is_increasing([1, 1, 2])
    with pytest.raises(ValueError):
        AnalysedImage(small("scale_hyperprior"), small_photo)


def test_rate_is_snapped_to_the_header_precision(small_photo):
    """R = 2.3 is not a float32; encoder and decoder must both use the stored value."""
    model = small("gained_mean_scale")
    model.set_rate(2.3)
    assert model.rate == Bitstream.from_bytes(model.compress(small_photo)).setting != 2.3


def test_interpolation_curves_include_the_trained_levels_sorted():
    from lic_lab.teaching.rate_control import interpolation_curves

    study = {"exponential": [{"bpp": 0.3, "psnr": 28.0}], "linear": [{"bpp": 0.31, "psnr": 27.9}]}
    curves = interpolation_curves(study, [(0.4, 29.0), (0.2, 27.0)])
    assert curves["exponential"] == ([0.2, 0.3, 0.4], [27.0, 28.0, 29.0])
    assert curves["linear"] == ([0.2, 0.31, 0.4], [27.0, 27.9, 29.0])


def test_chord_gaps_read_each_point_against_its_two_levels_on_a_log_rate_axis():
    from lic_lab.teaching.rate_control import chord_gaps

    levels = [(0.1, 27.0), (0.4, 29.0), (0.8, 30.0)]
    # halfway in log-rate between levels 1 and 2 is 0.2 bpp, where the chord reads 28.0; between 2 and 3, 0.4 * 2 ** 0.5
    points = [{"rate": 1.5, "bpp": 0.2, "psnr": 28.1}, {"rate": 2.5, "bpp": 0.4 * 2**0.5, "psnr": 29.3}]
    assert chord_gaps(points, levels) == pytest.approx([0.1, -0.2])
    assert chord_gaps([{"rate": 2.0, "bpp": 0.4, "psnr": 29.0}], levels) == pytest.approx([0.0])  # a level itself


def test_chord_gaps_clamp_the_top_level_and_draw_level_sets_the_drawn_rate():
    from lic_lab.teaching.rate_control import chord_gaps
    from lic_lab.training.train import TrainConfig, draw_level

    levels = [(0.1, 27.0), (0.4, 29.0), (0.8, 30.0)]
    assert chord_gaps([{"rate": 3.0, "bpp": 0.8, "psnr": 30.0}], levels) == pytest.approx([0.0])  # the top level itself

    class Recorder:
        rate = None

        def set_rate(self, rate):
            self.rate = rate

    cfg = TrainConfig(lmbdas=[0.001, 0.01, 0.1])
    torch.manual_seed(0)
    seen = set()
    for _ in range(60):
        model = Recorder()
        lmbda = draw_level(model, cfg)
        seen.add(model.rate)
        assert lmbda == cfg.lmbdas[model.rate - 1]  # the lambda of the level it set
    assert seen == {1, 2, 3}  # every level is drawn
