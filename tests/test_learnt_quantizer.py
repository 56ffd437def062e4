"""CWIC's learnt channel-wise multi-valued quantizer (eqs. 1-2, 9, 11-12, dead-level re-spreading)."""
import pytest
import torch

from lic_lab.quantization.learnt import LearntQuantizer


def test_initial_centres_suit_a_uniform_input():
    q = LearntQuantizer(3, levels=8)
    assert torch.allclose(q.centres()[0], (torch.arange(8) + 0.5) / 8)
    assert q.centres().shape == (3, 8)


def test_forward_is_nearest_centre_backward_is_identity():
    q = LearntQuantizer(2, levels=4)
    e = torch.rand(2, 2, 3, 3, requires_grad=True)
    value, idx, _ = q(e)
    centres = q.centres().detach()
    nearest = (e.detach().unsqueeze(-1) - centres[None, :, None, None]).abs().argmin(-1)
    assert torch.equal(idx, nearest)
    assert torch.allclose(value, torch.gather(centres[None, :, None, None].expand(2, 2, 3, 3, 4), -1, idx[..., None])[..., 0])
    value.sum().backward()
    assert torch.equal(e.grad, torch.ones_like(e))  # eq. 12


def test_quantization_loss_moves_only_the_centres_toward_the_data():
    torch.manual_seed(0)
    q = LearntQuantizer(1, levels=2)
    e = (0.3 + 0.02 * torch.randn(1, 1, 20, 20)).clamp(0, 1).requires_grad_(True)
    opt = torch.optim.SGD(q.parameters(), lr=0.5)
    first = None
    for _ in range(200):
        _, _, loss = q(e)
        first = first if first is not None else loss.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert e.grad is None  # eq. 9 never reaches the encoder
    assert loss.item() < 0.2 * first  # down to the data's own variance (0.02^2)
    assert (q.centres()[0] - 0.3).abs().min().item() < 0.02  # (the unused top level was re-spread meanwhile)


def test_dead_levels_are_respread_after_patience():
    q = LearntQuantizer(1, levels=4, patience=3)
    e = torch.full((1, 1, 4, 4), 0.3)  # only levels 0 and 1 (0.125, 0.375) are ever used
    before = q.centres().detach().clone()
    for _ in range(3):
        q(e)
    assert q.idle.item() == 3 and q.respread_dead_levels() == [0]
    after = q.centres().detach()
    assert after[0, 0] == before[0, 0]  # q_{t0-2} unchanged
    assert after[0, -1].item() == pytest.approx(before[0, 1].item())  # the top lands on the old last used centre
    assert (after[0, 1:] > after[0, :-1]).all()


@pytest.mark.parametrize("mode", ["lmq", "fmq", "bin"])
def test_variants(mode):
    q = LearntQuantizer(4, levels=8, mode=mode)
    c = q.centres()
    assert torch.equal(c[0], c[3])  # shared across channels
    trainable = sum(p.numel() for p in q.parameters())
    assert trainable == {"lmq": 8, "fmq": 0, "bin": 0}[mode]
    if mode == "bin":
        _, idx, _ = q(torch.tensor([0.2, 0.7]).view(1, 1, 1, 2).expand(1, 4, 1, 2))
        assert idx[0, :, 0].tolist() == [[0, 1]] * 4
    with pytest.raises(ValueError):
        LearntQuantizer(4, mode="ternary")


def test_fit_centres_moves_centres_to_the_data_and_respreads_dead_levels():
    from lic_lab.quantization.learnt import fit_centres

    torch.manual_seed(0)
    samples = torch.rand(5000) * 0.4  # the top of (0, 1) is never used
    fixed, h_fixed = fit_centres(samples, steps=100, mode="fmq")
    learnt, h = fit_centres(samples, steps=300, patience=20)
    assert h[-1]["mse"] < 0.5 * h_fixed[-1]["mse"]
    assert any(r["respread"] for r in h)  # the unused top levels were pulled in
    assert max(h[-1]["centres"]) < 0.6 and h_fixed[-1]["centres"] == h_fixed[0]["centres"]
