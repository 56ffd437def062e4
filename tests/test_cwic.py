"""CWIC (Li et al.): the model's parts, the two-stage relaxation, stages and bit-exact coding."""
import pytest
import torch

from lic_lab.entropy.coder import BitstreamError
from lic_lab.models import CWIC
from lic_lab.models.cwic import ImportanceRelaxation
from lic_lab.quantization.importance_map import (
    importance_loss,
    importance_mask,
    importance_targets,
    quantize_importance,
)


def small(**kw) -> CWIC:
    torch.manual_seed(0)
    return CWIC(widths=(4, 8, 16), M=16, levels=4, importance_levels=8, tcae_groups=2, **kw).eval()


@pytest.mark.parametrize("tcae, masked_value", [("inclined", 0.0), ("sequential", 0.0), ("inclined", 0.5)])
@pytest.mark.parametrize("importance", [True, False])
def test_round_trip_is_bit_exact_and_near_the_estimate(tcae, importance, masked_value):
    model = small(tcae=tcae, importance=importance, masked_value=masked_value)
    x = torch.rand(1, 3, 30, 44)
    data = model.compress(x)
    x_hat = model.decompress(data)
    with torch.no_grad():
        padded = torch.nn.functional.pad(x, (0, 4, 0, 2), mode="replicate")
        out = model(padded)
        a = model.analyse(padded)
    assert torch.equal(x_hat, out["x_hat"].clamp(0, 1)[..., :30, :44])  # the decoder sees exactly the forward pass's code
    # the mask keeps the first n QI(p) / L channels (eqs. 3-4), and o' = (o + 1) m
    if importance:
        assert torch.equal(a["mask"], importance_mask(quantize_importance(a["p"], 8), 16, 8))
        assert 0 < a["mask"].mean() < 1
    assert torch.equal(a["o"] == 0, a["mask"] == 0)
    assert torch.equal(a["z"][a["mask"] == 0], torch.full_like(a["z"][a["mask"] == 0], masked_value))
    estimate = sum(-torch.log2(v).sum().item() for v in out["likelihoods"].values())
    sections = len(model.section_names)
    assert 8 * len(data) <= estimate + 32 * sections + 8 * 64  # header + ANS word padding
    with pytest.raises(BitstreamError):
        model.decompress(data[: len(data) - 6])


def test_relaxation_gradients_follow_eqs_15_to_19():
    torch.manual_seed(0)
    q = torch.rand(2, 8, 3, 3, requires_grad=True)
    p = torch.rand(2, 3, 3, requires_grad=True)
    mask = importance_mask(quantize_importance(p.detach(), 4), 8, 4)
    settings = (4, 0.3, 1e-3, 0.1, 0.001)
    z = ImportanceRelaxation.apply(q, p, mask, settings)
    assert torch.equal(z, q * mask)
    g = torch.randn(2, 8, 3, 3) * 0.01
    z.backward(g)
    assert torch.equal(q.grad, g * mask)  # straight through where kept, nothing where dropped
    targets = importance_targets(g * 2, mask, 4, 0.3, 1e-3, 0.1)
    p2 = p.detach().requires_grad_(True)
    importance_loss(p2, targets, 4, 0.001).backward()
    assert torch.allclose(p.grad, p2.grad)
    assert torch.all((p.grad.abs() < 1e-12) | ((p.grad.abs() - 0.001 / 2).abs() < 1e-9))


def test_training_step_reaches_each_part_through_its_own_loss():
    model = small().train()
    x = torch.rand(2, 3, 32, 32)
    out = model(x)
    distortion = ((out["x_hat"] - x) ** 2).mean()
    distortion.backward(retain_graph=True)
    assert model.shared[0].weight.grad.abs().sum() > 0  # straight-through to the encoder
    assert model.importance_net[-2].weight.grad.abs().sum() > 0  # the relaxation feeds the importance map
    assert model.quantizer.steps.grad is None  # the centres learn from eq. 9 only
    assert model.tcae.convs[0].weight.grad is None  # the codes are integers: no rate gradient to the encoder
    model.zero_grad()
    out["extra_loss"].backward(retain_graph=True)
    assert model.quantizer.steps.grad.abs().sum() > 0 and model.shared[0].weight.grad is None
    bits = sum(-torch.log2(v).sum() for v in out["likelihoods"].values())
    bits.backward()
    assert model.tcae.convs[0].weight.grad.abs().sum() > 0 and model.shared[0].weight.grad is None
    assert out["rate_loss"].item() >= 0


def test_masked_value_fills_dropped_codes_in_training_too_and_defaults_to_the_papers_zero():
    model = small(masked_value=0.5).train()
    a = model.analyse(torch.rand(2, 3, 32, 32))
    dropped = a["mask"] == 0
    assert dropped.any() and torch.equal(a["z"][dropped], torch.full_like(a["z"][dropped], 0.5))
    assert torch.equal(a["z"][~dropped], a["q"][~dropped])
    config = dict(small().config)
    config.pop("masked_value")  # a checkpoint written before the option existed
    assert CWIC(**config).masked_value == 0.0


def test_stages_and_warm_start_across_code_widths():
    model = small()
    before = model.shared[0].weight.clone()
    tcae_before = model.tcae.convs[0].weight.clone()
    model.configure_training("tcae")
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable and all(n.startswith("tcae") for n in trainable)
    assert torch.equal(model.shared[0].weight, before) and not torch.equal(model.tcae.convs[0].weight, tcae_before)
    model.train()
    model.quantizer.idle.fill_(10**6)  # dead levels everywhere: would re-spread if the quantizer still adapted
    steps = model.quantizer.steps.clone()
    model(torch.rand(1, 3, 32, 32))
    assert torch.equal(model.quantizer.steps, steps)
    with torch.no_grad():
        model.quantizer.steps.add_(0.05)
    model.configure_training("new-quantizer")
    assert torch.allclose(model.quantizer.centres()[0, 0], torch.tensor(1 / 8))
    with pytest.raises(ValueError):
        model.configure_training("nonsense")
    narrow = CWIC(widths=(4, 8, 16), M=8, levels=4, importance_levels=8, tcae_groups=2)
    state = narrow.adapt_state(dict(model.state_dict()))
    assert torch.equal(state["encoding.1.weight"], model.state_dict()["encoding.1.weight"][:8])
    assert torch.equal(state["quantizer.steps"], model.state_dict()["quantizer.steps"][:8])
    with pytest.raises(ValueError):
        CWIC(tcae="parallel")


def test_wrong_section_count_is_a_clear_error():
    model = small()
    model.name = "cwic-test"
    data = model.compress(torch.rand(1, 3, 16, 16))
    from lic_lab.bitstream import Bitstream
    stream = Bitstream.from_bytes(data)
    stream.sections = stream.sections[:1]
    with pytest.raises(BitstreamError, match="sections"):
        model.decompress(stream)


def test_distortion_gradient_is_the_taylor_proxy():
    model = small()
    x = torch.rand(2, 3, 32, 32)
    g = model.distortion_gradient(x, lmbda=0.01)
    assert g.shape == (2, 16, 4, 4) and (g >= 0).all() and g.sum() > 0
    # it is the gradient the relaxation receives during training (per image: x batch size)
    model.train()
    torch.manual_seed(0)
    a = model.analyse(x)
    z = a["z"].detach().requires_grad_(True)
    from lic_lab.training.losses import rd_loss
    (rd_loss(x, {"x_hat": model.decoder(z), "likelihoods": {"none": torch.ones(1)}}, 0.01)["loss"] * 2).backward()
    assert torch.allclose(z.grad.abs(), g, rtol=1e-4, atol=1e-9)


def test_exercise_checks_of_notebook_04():
    from lic_lab.teaching.exercises import verdict

    model = small()
    qi = torch.tensor([[[[0, 3, 4], [15, 5, 1]]]])  # QI(p) of six positions, four keep at most 8 channels
    assert "correct" in verdict(1, 4 / 6, qi, book="04")
    assert "not yet" in verdict(1, 1 / 6, qi, book="04") and "not yet" in verdict(1, 3 / 6, qi, book="04")  # QI = 0; QI < 4
    with pytest.raises(ValueError, match="some but not all"):  # where 0 (or 1) is the answer, no code is needed
        verdict(1, 0.0, torch.full((1, 1, 2, 3), 9), book="04")
    assert "correct" in verdict(2, 16 + 64 + 64 - 2, model, book="04")
    bits = {"cwic-q2": {"code": {"symbols": 100.0, "raw_bits": 300.0, "iid": 240.0, "tcae-inclined": 150.0}}}
    assert "correct" in verdict(3, 1.5, bits, book="04")  # inclined TCAE bits per symbol
    assert "not yet" in verdict(3, 1.25, bits, book="04") and "not yet" in verdict(3, 2.4, bits, book="04")


def test_tcae_claims_read_their_rules():
    from lic_lab.teaching.analysis import EQUAL_RATIO, tcae_claims

    def row(model, coded, seq, inc, cabac, iid):
        return {"model": model, "coded": coded, "tcae-sequential": seq, "tcae-inclined": inc, "cabac": cabac, "iid": iid}

    rows = [row("cwic-q2", "o'", 1.50, 1.52, 1.3, 1.0), row("cwic-q2", "QI(p)", None, 2.0, 1.8, 1.5)]
    from lic_lab.teaching.analysis import inclined_gap

    assert inclined_gap(rows) == pytest.approx(1.52 / 1.50 - 1)
    claims = tcae_claims(rows, 12.0, 220.0, 2)
    assert [c["reproduced"] for c in claims] == [True, True, True, True, False]
    assert "2 CPU threads" in claims[3]["ours"]
    rows[0]["tcae-inclined"] = 1.50 * (1 + 2 * EQUAL_RATIO)  # the two orders apart; the CABAC-like context ahead on QI(p)
    rows[1]["cabac"] = 2.1
    assert [c["reproduced"] for c in tcae_claims(rows, 0.5, 220.0, 2)] == [False, False, True, False, False]
