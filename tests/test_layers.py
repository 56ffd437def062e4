"""GDN / inverse GDN: the formula, gradients that reach the cross-channel terms, training moves them."""
import torch

from lic_lab.data import embedded_paths
from lic_lab.layers import GDN
from lic_lab.training.train import TrainConfig, train


def _random_gdn(channels: int = 5, inverse: bool = False) -> GDN:
    torch.manual_seed(1)
    gdn = GDN(channels, inverse=inverse)
    with torch.no_grad():
        gdn.beta_sqrt.uniform_(0.5, 1.5)
        gdn.gamma_sqrt.uniform_(0.0, 0.6)
    return gdn


def _formula(gdn: GDN, x: torch.Tensor) -> torch.Tensor:
    """y_i = x_i / sqrt(beta_i + sum_j gamma_ij x_j^2), one output element at a time."""
    beta, gamma = gdn.beta.detach(), gdn.gamma.detach()
    out = torch.empty_like(x)
    for i in range(x.shape[1]):
        norm = beta[i] + sum(gamma[i, j] * x[:, j] ** 2 for j in range(x.shape[1]))
        out[:, i] = x[:, i] * norm.sqrt() if gdn.inverse else x[:, i] / norm.sqrt()
    return out


def test_gdn_matches_the_formula_on_random_input():
    x = torch.randn(2, 5, 7, 6)
    for inverse in (False, True):
        gdn = _random_gdn(inverse=inverse)
        assert torch.allclose(gdn(x), _formula(gdn, x), rtol=1e-5, atol=1e-6)


def test_gamma_and_beta_are_non_negative_and_start_diagonal():
    gdn = GDN(4)
    off = gdn.gamma - torch.diag(torch.diagonal(gdn.gamma))
    assert torch.equal(off, torch.zeros_like(off))
    assert torch.allclose(torch.diagonal(gdn.gamma), torch.full((4,), 0.1))
    with torch.no_grad():
        gdn.gamma_sqrt.fill_(-3.0)
    assert (gdn.gamma >= 0).all() and (gdn.beta > 0).all()


def test_inverse_gdn_undoes_gdn_for_diagonal_gamma():
    """With a diagonal gamma, IGDN(GDN(x)) has a closed-form inverse check: y_i^2 relation."""
    gdn, igdn = GDN(3), GDN(3, inverse=True)
    x = torch.randn(1, 3, 4, 4)
    y = gdn(x)
    # x_i = y_i * sqrt(beta_i + gamma_ii x_i^2): IGDN applied with the *input's* norm
    norm = gdn.beta.view(1, 3, 1, 1) + torch.diagonal(gdn.gamma).view(1, 3, 1, 1) * x ** 2
    assert torch.allclose(y * norm.sqrt(), x, atol=1e-5)
    assert torch.allclose(igdn(y), _formula(igdn, y), atol=1e-6)


def test_gradient_reaches_the_off_diagonal_terms():
    gdn = GDN(4)  # freshly initialised: gamma is diagonal, off-diagonal entries at the pedestal
    x = torch.randn(3, 4, 5, 5)
    loss = gdn(x).pow(2).sum()
    loss.backward()
    grad = gdn.gamma_sqrt.grad
    off = grad - torch.diag(torch.diagonal(grad))
    assert (off.abs() > 0).sum() == 12  # every cross-channel entry receives a gradient


def test_a_short_training_run_learns_cross_channel_terms(tmp_path, monkeypatch):
    monkeypatch.setattr("lic_lab.training.train.RUNS_DIR", tmp_path / "runs")
    cfg = TrainConfig(arch="factorized", N=8, M=12, steps=60, batch=2, patch=64, name="gdn", out_dir=str(tmp_path),
                      val_every=1000, save_every=0)
    model, _ = train(cfg, progress=False, images=embedded_paths()[:1], resume=False)
    gdns = [m for m in model.modules() if isinstance(m, GDN)]
    assert len(gdns) == 6
    eye = torch.eye(8, dtype=torch.bool)
    for gdn in gdns:  # every stored cross-channel entry has moved off its initial value (old GDN: stuck at 0)
        assert (gdn.gamma_sqrt.detach()[~eye] != GDN.REPARAM_OFFSET).all()
    # and some cross-channel terms are already active (a long run: 44-64% of g_a's, see the model cards)
    assert max(float((g.gamma.detach()[~eye]).max()) for g in gdns) > 1e-4


def test_diagonal_only_gdn_for_the_before_after_ablation(monkeypatch):
    """GDN.cross_channel = False (scripts/gdn_ablation.py) keeps gamma_ii only: a per-channel normalisation."""
    gdn = _random_gdn(4)
    full = gdn.gamma.detach().clone()
    assert (full - torch.diag(full.diagonal())).abs().max() > 0
    monkeypatch.setattr(GDN, "cross_channel", False)
    assert torch.equal(gdn.gamma.detach(), torch.diag(full.diagonal()))
    x = torch.randn(2, 4, 3, 3)
    expected = x / torch.sqrt(gdn.beta.view(1, 4, 1, 1) + full.diagonal().view(1, 4, 1, 1) * x * x)
    assert torch.allclose(gdn(x), expected, atol=1e-5)
