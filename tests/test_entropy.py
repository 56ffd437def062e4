import numpy as np
import pytest
import torch

from lic_lab.entropy import FactorizedDensity, GaussianConditional, PmfTable, decode_symbols, encode_symbols
from lic_lab.entropy.coder import BitstreamError


def test_grouped_coding_roundtrip_with_escapes():
    rng = np.random.default_rng(0)
    tables = [PmfTable(-2, np.array([0.01, 0.1, 0.2, 0.38, 0.2, 0.1, 0.01])),
              PmfTable(0, np.array([0.001, 0.9, 0.098, 0.001]))]
    symbols = np.concatenate([rng.integers(-3, 4, 500), [0, 1, 0, 5000, -77, 2**20]])
    groups = rng.integers(0, 2, symbols.size)
    data = encode_symbols(symbols, groups, tables)
    assert np.array_equal(decode_symbols(data, groups, tables), symbols)


def test_coded_size_close_to_ideal():
    rng = np.random.default_rng(1)
    p = np.array([1e-6, 0.05, 0.2, 0.5, 0.2, 0.05, 1e-6])
    table = PmfTable(-2, p)
    symbols = rng.choice(np.arange(-2, 3), size=50_000, p=p[1:-1] / p[1:-1].sum())
    data = encode_symbols(symbols, np.zeros_like(symbols), [table])
    ideal = table.bits(symbols)
    assert 8 * len(data) <= ideal * 1.001 + 64


def test_decode_rejects_ragged_data():
    with pytest.raises(BitstreamError):
        decode_symbols(b"abc", np.zeros(3, dtype=np.int64), [PmfTable(0, np.ones(3))])


def test_factorized_density_is_a_distribution():
    torch.manual_seed(0)
    fd = FactorizedDensity(4)
    v = torch.arange(-400, 401, dtype=torch.float32).view(1, 1, 1, -1).expand(1, 4, 1, -1)
    mass = fd.likelihood(v).sum(-1)
    assert torch.allclose(mass, torch.ones_like(mass), atol=1e-3)
    y = torch.randn(1, 4, 8, 8) * 3
    data, y_hat = fd.compress(y), fd.quantize(y)
    assert torch.equal(y_hat, torch.round(y))
    assert torch.equal(fd.decompress(data, (1, 4, 8, 8)), y_hat)


@pytest.mark.parametrize("means", [False, True])
def test_gaussian_roundtrip_and_rate(means):
    torch.manual_seed(0)
    gc = GaussianConditional()
    scales = torch.exp(torch.randn(1, 8, 16, 16))
    mu = torch.randn_like(scales) * 2 if means else None
    y = (mu if means else 0) + torch.randn_like(scales) * scales
    data, y_hat = gc.compress(y, scales, mu), gc.quantize(y, mu)
    out = gc.decompress(data, scales, mu)
    assert torch.equal(out, y_hat)
    est = -torch.log2(gc.likelihood(y_hat, scales, mu)).sum().item()
    # within 1% of the estimate, plus the fixed cost of the 16-bit end marker and the last 32-bit word
    assert abs(8 * len(data) - est) < 0.01 * est + 48


def test_quantization_modes():
    from lic_lab.quantization.proxies import quantize

    y = torch.linspace(-2, 2, 101, requires_grad=True)
    noisy = quantize(y, "noise")
    assert (noisy - y).abs().max() <= 0.5
    ste = quantize(y, "ste")
    ste.sum().backward()
    assert torch.equal(ste, torch.round(y)) and torch.all(y.grad == 1)
    off = torch.full_like(y, 0.3)
    assert torch.allclose(quantize(y, "round", off) - off, torch.round(y - off))
    with pytest.raises(ValueError):
        quantize(y, "bogus")


def test_scale_lower_bound_lets_small_scales_grow():
    from lic_lab.entropy.gaussian import SCALE_MIN, lower_bound

    s = torch.tensor([-1.0, 0.05, 0.5], requires_grad=True)
    out = lower_bound(s, SCALE_MIN)
    assert torch.allclose(out, torch.tensor([SCALE_MIN, SCALE_MIN, 0.5]))
    (-out.sum()).backward()  # a loss that wants larger scales: gradient flows everywhere
    assert torch.all(s.grad == -1)
    s.grad = None
    lower_bound(s, SCALE_MIN).sum().backward()  # wants smaller scales: blocked below the bound
    assert s.grad.tolist() == [0.0, 0.0, 1.0]
    # an outlier symbol at a tiny predicted scale pushes that scale up
    scale = torch.tensor([0.01], requires_grad=True)
    (-torch.log2(GaussianConditional.likelihood(torch.tensor([1.0]), scale))).sum().backward()
    assert scale.grad.item() < 0


def test_asymmetric_gaussian_reduces_to_symmetric_and_sums_to_one():
    from lic_lab.entropy import AsymmetricGaussianConditional, GaussianConditional

    torch.manual_seed(0)
    values = torch.arange(-40, 41, dtype=torch.float32).view(1, 1, 1, -1)
    s = torch.full_like(values, 1.7)
    mu = torch.full_like(values, 0.3)
    sym = GaussianConditional.likelihood(values + 0.3, s, mu)
    asym = AsymmetricGaussianConditional.likelihood(values + 0.3, torch.stack([s, s]), mu)
    assert torch.allclose(sym, asym, atol=1e-7)
    skewed = AsymmetricGaussianConditional.likelihood(values, torch.stack([s * 0.3, s * 3]))
    assert skewed.sum().item() == pytest.approx(1.0, abs=1e-5)
    assert skewed[..., 41:].sum() > 3 * skewed[..., :40].sum()  # more mass on the wide side


def test_asymmetric_gaussian_codes_bit_exactly_near_its_estimate():
    from lic_lab.entropy import AsymmetricGaussianConditional

    torch.manual_seed(1)
    model = AsymmetricGaussianConditional()
    left = torch.exp(torch.rand(1, 16, 24, 24) * 4 - 1)
    right = torch.exp(torch.rand(1, 16, 24, 24) * 4 - 1)
    mu = torch.randn(1, 16, 24, 24)
    u = torch.rand(1, 16, 24, 24)
    # draw from the split normal: left side with probability left / (left + right)
    side = u < left / (left + right)
    y = mu + torch.where(side, -left, right) * torch.randn_like(mu).abs()
    y[0, 0, 0, 0] = 5000.0  # far outside any table: escape code
    scales = torch.stack([left, right])
    data, y_hat = model.compress(y, scales, mu), model.quantize(y, mu)
    assert torch.equal(model.decompress(data, scales, mu), y_hat)
    est = -torch.log2(model.likelihood(y_hat, scales, mu)).sum().item()
    assert 8 * len(data) < est * 1.02 + 64


def test_asymmetric_tables_match_the_likelihood():
    """The coder's pmf for a (left, right) pair is the training likelihood at those snapped scales."""
    from lic_lab.entropy import AsymmetricGaussianConditional

    model = AsymmetricGaussianConditional()
    for i, j in ((0, 0), (10, 90), (100, 3), (127, 127)):
        table = model.tables[i * model.levels + j]
        left, right = model.scale_table[i].float(), model.scale_table[j].float()
        v = torch.arange(table.lo, table.hi + 1, dtype=torch.float32)
        lik = AsymmetricGaussianConditional.likelihood(v, torch.stack([left.expand_as(v), right.expand_as(v)]))
        assert np.allclose(table.pmf[1:-1], lik.numpy(), atol=1e-6)
        assert table.pmf.sum() == pytest.approx(1.0, abs=1e-9)


def test_factorized_tables_are_cached_until_the_parameters_change():
    density = FactorizedDensity(4)
    first = density.tables()
    assert density.tables() is first
    with torch.no_grad():
        next(density.parameters()).add_(0.1)
    second = density.tables()
    assert second is not first
    density.load_state_dict({k: v.clone() for k, v in density.state_dict().items()})
    assert density.tables() is not second


def _entropy_cases():
    """One instance of every entropy model with values and the condition it is coded under."""
    from lic_lab.entropy.context3d import ContextModel3D
    from lic_lab.entropy.tcae import TCAE

    torch.manual_seed(0)
    scales = torch.exp(torch.randn(1, 4, 6, 6)) + 0.2
    means = torch.randn(1, 4, 6, 6)
    centres = torch.linspace(-1.0, 1.0, 5)
    tcae = TCAE(channels=4, symbols=5, groups=2, layers=2, kernel=3)
    codes = torch.randint(0, 5, (4, 6, 6))
    from lic_lab.entropy import AsymmetricGaussianConditional

    return [
        ("factorized", FactorizedDensity(4), torch.round(torch.randn(1, 4, 6, 6) * 3), (), (1, 4, 6, 6)),
        ("gaussian", GaussianConditional(), torch.round(torch.randn(1, 4, 6, 6) * scales - means) + means,
         (scales, means), None),
        ("asymmetric", AsymmetricGaussianConditional(), torch.round(torch.randn(1, 4, 6, 6)) + means,
         (torch.stack([scales[0], scales[0] * 2]).unsqueeze(1).squeeze(1), means), None),
        ("context3d", ContextModel3D(5, hidden=4), codes, (centres,), (4, 6, 6)),
        ("tcae", tcae, codes, (), (4, 6, 6)),
    ]


@pytest.mark.parametrize("case", _entropy_cases(), ids=lambda c: c[0])
def test_every_entropy_model_follows_the_one_interface(case):
    """likelihood for training, compress to bytes, decompress back to exactly the values."""
    from lic_lab.entropy import EntropyModel

    name, model, values, condition, shape = case
    assert isinstance(model, EntropyModel)
    with torch.no_grad():
        data = model.compress(values, *condition)
        assert isinstance(data, bytes) and data
        decoded = model.decompress(data, *((shape,) if shape else ()), *condition)
        assert torch.equal(decoded.to(values.dtype).reshape(values.shape), values)
        if name == "context3d":
            p = model.likelihood(condition[0][values][None], values[None])
        elif name == "tcae":
            p = model.likelihood(values[None])
        else:
            p = model.likelihood(values, *condition)
    assert p.shape[-2:] == values.shape[-2:] and bool(((p > 0) & (p <= 1)).all())
    assert 8 * len(data) <= -torch.log2(p).sum().item() * 1.05 + 80  # real bytes within reach of the model's estimate
