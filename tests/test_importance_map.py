"""CWIC's importance map: QI (eq. 3), the mask (eq. 4), the rate loss (eq. 8), the two-stage relaxation."""
import pytest
import torch

from lic_lab.quantization.importance_map import (
    importance_loss,
    importance_mask,
    importance_targets,
    quantize_importance,
    rate_loss,
)


def test_qi_and_mask():
    p = torch.tensor([[[0.0, 0.249, 0.25, 0.999]]])
    qi = quantize_importance(p, 4)
    assert qi.tolist() == [[[0, 0, 1, 3]]]
    m = importance_mask(qi, 8, 4)
    assert m.shape == (1, 8, 1, 4)
    assert m[0, :, 0].sum(0).tolist() == [0, 0, 2, 6]  # n QI / L channels kept, the first ones
    assert m[0, :2, 0, 2].tolist() == [1, 1] and m[0, 2:, 0, 2].sum() == 0
    with pytest.raises(ValueError):
        importance_mask(qi, 6, 4)


def test_rate_loss_only_above_the_threshold():
    m = torch.zeros(2, 4, 2, 2)
    m[0, :2] = 1  # 8 of 16 codes kept
    assert rate_loss(m[:1], 0.5).item() == 0
    assert rate_loss(m[:1], 0.25).item() == pytest.approx(4.0)
    assert rate_loss(m, 0.25).item() == pytest.approx(2.0)  # batch mean


def test_targets_trade_distortion_gradient_against_the_rate_penalty():
    grad = torch.zeros(1, 8, 1, 2)
    grad[0, :, 0, 0] = 1.0    # position 0: every channel would help
    grad[0, :2, 0, 1] = 1.0   # position 1: only the first two help
    under = torch.zeros(1, 8, 1, 2)
    t = importance_targets(grad, under, levels=4, ratio=0.5, gamma=0.05)
    assert t.tolist() == [[[3, 1]]]  # under budget: keep as many as help (position 1: the first level's 2)
    over = torch.ones(1, 8, 1, 2)
    t = importance_targets(grad, over, levels=4, ratio=0.5, gamma=0.5)
    assert t.tolist() == [[[0, 0]]]  # over budget with a high price: drop everything


def test_importance_loss_gradient_is_eq_19():
    p = torch.tensor([[[0.1, 0.9, 0.5]]], requires_grad=True)
    importance_loss(p, torch.tensor([[[2, 1, 2]]]), levels=4, alpha=0.01).backward()
    assert torch.allclose(p.grad, torch.tensor([[[-0.01, 0.01, 0.0]]]))


def test_gamma_for_ratio_balances_targets_at_the_budget():
    from lic_lab.quantization.importance_map import gamma_for_ratio
    torch.manual_seed(0)
    grad = torch.rand(2, 16, 8, 8) * torch.linspace(1, 0.01, 16).view(1, -1, 1, 1) * 1e-4
    for ratio in (0.2, 0.5):
        gamma = gamma_for_ratio(grad, 8, ratio)
        over = torch.ones_like(grad)
        kept = importance_targets(grad, over, 8, ratio, gamma).float().mean() / 8
        assert abs(kept - ratio) < 0.03
    assert gamma_for_ratio(grad, 8, 0.2) > gamma_for_ratio(grad, 8, 0.5)
