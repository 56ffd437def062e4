"""CVQN's GMM quantizer (eqs. 2-5) and the soft quantizer."""
import math

import pytest
import torch

from lic_lab.quantization.gmm import TOY_DISTRIBUTIONS, GMMQuantizer, fit_gmm, soft_quantize, toy_samples


def test_degenerate_gmm_equals_the_soft_quantizer():
    """Equal weights and sigma = sqrt(2)/2: responsibilities = softmax(-(z - mu)^2) (the paper's claim)."""
    torch.manual_seed(0)
    q = GMMQuantizer(5)
    with torch.no_grad():
        q.means.copy_(torch.tensor([-2.3, -0.7, 0.1, 1.4, 3.0]))
    z = torch.randn(200) * 2
    hard, soft = soft_quantize(z, q.means.detach())
    weights = torch.softmax(-(z.unsqueeze(-1) - q.means.detach()) ** 2, -1)
    assert torch.allclose(q.responsibilities(z), weights, atol=1e-6)
    z_hat, idx = q(z)
    assert torch.equal(q.means.detach()[idx], hard) and torch.allclose(z_hat.detach(), hard, atol=1e-6)
    assert torch.allclose((q.responsibilities(z) * q.means).sum(-1), soft, atol=1e-6)


def test_forward_is_hard_backward_is_soft():
    torch.manual_seed(1)
    q = GMMQuantizer(3)
    with torch.no_grad():
        q.logits.copy_(torch.tensor([0.0, 2.0, 0.0]))
        q.log_scales.copy_(torch.log(torch.tensor([0.3, 1.0, 0.5])))
    z = torch.randn(50, requires_grad=True)
    z_hat, idx = q(z)
    resp = q.responsibilities(z.detach())
    assert torch.equal(idx, resp.argmax(-1))  # eq. 3 uses the weighted posterior, not the nearest mean
    z_hat.sum().backward()
    z2 = z.detach().clone().requires_grad_(True)
    (q.responsibilities(z2) * q.means).sum().backward()  # eq. 4
    assert torch.allclose(z.grad, z2.grad, atol=1e-6)


def test_nll_is_the_mixture_likelihood():
    q = GMMQuantizer(2)
    z = torch.tensor([0.3, -1.2])
    s = math.sqrt(2) / 2
    dens = [0.5 * sum(math.exp(-((v - m) ** 2) / (2 * s * s)) / (s * math.sqrt(2 * math.pi)) for m in (-0.5, 0.5))
            for v in z.tolist()]
    assert q.nll(z).item() == pytest.approx(-sum(math.log(d) for d in dens), rel=1e-5)


def test_fitting_by_backprop_finds_the_modes():
    """Eq. 5 minimised with Adam (not EM) moves the means onto a 3-mode sample's modes."""
    torch.manual_seed(2)
    z = torch.cat([torch.randn(400) * 0.2 - 2.0, torch.randn(400) * 0.2 + 0.5, torch.randn(400) * 0.2 + 3.0])
    q, history = fit_gmm(z, 3, steps=400)
    assert history[-1] < history[0]
    assert torch.allclose(q.means.detach().sort().values, torch.tensor([-2.0, 0.5, 3.0]), atol=0.15)


@pytest.mark.parametrize("kind", TOY_DISTRIBUTIONS)
def test_toy_samples(kind):
    z = toy_samples(kind, 1000, seed=3)
    assert z.shape == (1000,) and torch.equal(z, toy_samples(kind, 1000, seed=3))
    assert 0.5 < z.std() < 3.0
    with pytest.raises(ValueError):
        toy_samples("cauchy")


def test_dequantize_and_bad_input():
    q = GMMQuantizer(4)
    assert torch.equal(q.dequantize(torch.tensor([0, 3])), torch.tensor([-1.5, 1.5]))
    with pytest.raises(ValueError):
        q.dequantize(torch.tensor([4]))
    with pytest.raises(ValueError):
        GMMQuantizer(1)


def test_quantizer_stats_and_unequal_scales():
    from lic_lab.quantization.gmm import quantizer_stats

    q = GMMQuantizer(3)
    z = torch.linspace(-2, 2, 401)
    s = quantizer_stats(q, z)
    assert s["not_nearest"] == 0 and s["used_levels"] == 3 and s["bound_bits"] == pytest.approx(math.log2(3))
    with torch.no_grad():  # a wide middle component captures values nearer the outer means (eq. 3)
        q.log_scales.copy_(torch.log(torch.tensor([0.2, 2.0, 0.2])))
    assert quantizer_stats(q, z)["not_nearest"] > 0.1
