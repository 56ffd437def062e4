"""The 3D masked context model: masks, wavefront schedule, and bit-exact coding."""
import numpy as np
import pytest
import torch

from lic_lab.entropy.coder import BitstreamError
from lic_lab.entropy.context3d import ContextModel3D, _unpadded, kernel_offsets

MEANS = torch.linspace(-2, 2, 5)


def _raster_before(off):
    return off < (0, 0, 0)  # lexicographic: earlier channel, then row, then column


def test_order_4_2_is_mentzers_raster_mask():
    every = [(a, b, c) for a in (-1, 0, 1) for b in (-1, 0, 1) for c in (-1, 0, 1)]
    assert kernel_offsets((4, 2), first=True) == [o for o in every if _raster_before(o)]
    assert kernel_offsets((4, 2), first=False) == [o for o in every if _raster_before(o) or o == (0, 0, 0)]
    # the inclined (TCAE) mask keeps offsets below the plane dc + dh + dw = 0
    assert all(sum(o) < 0 for o in kernel_offsets((1, 1), True))
    assert len(kernel_offsets((1, 1), True)) == 10


@pytest.mark.parametrize("order", [(4, 2), (1, 1)])
def test_prediction_never_sees_the_symbol_or_later_ones(order):
    """Changing one symbol changes no earlier position's logits (causality of the whole stack)."""
    torch.manual_seed(0)
    model = ContextModel3D(5, hidden=8, layers=3, order=order)
    v = MEANS[torch.randint(0, 5, (1, 4, 5, 6))]
    base = model.logits(v)
    a, b = order
    t = torch.tensor([[[a * c + b * h + w for w in range(6)] for h in range(5)] for c in range(4)])
    for pos in [(0, 0, 0), (1, 2, 3), (3, 4, 5), (2, 0, 5)]:
        v2 = v.clone()
        v2[(0, *pos)] += 1.0
        changed = (model.logits(v2) - base).abs().amax(dim=1)[0] > 1e-6
        assert not changed[t <= t[pos]].any(), f"position {pos} leaks into an earlier or same wavefront"


def test_planes_cover_every_position_once_in_wavefront_order():
    model = ContextModel3D(3, hidden=4)
    planes = model.planes((3, 4, 5))
    assert len(planes) == 4 * 2 + 2 * 3 + 4 + 1
    flat = torch.cat(planes)
    assert flat.numel() == 60 and flat.unique().numel() == 60


@pytest.mark.parametrize("order,shape", [((4, 2), (6, 7, 9)), ((1, 1), (3, 5, 4)), ((4, 2), (1, 1, 1))])
def test_coding_is_bit_exact_and_matches_the_training_estimate(order, shape):
    torch.manual_seed(1)
    model = ContextModel3D(5, hidden=8, layers=3, order=order)
    idx = torch.randint(0, 5, shape)
    data = model.compress(idx, MEANS)
    assert torch.equal(model.decompress(data, shape, MEANS), idx)
    with torch.no_grad():
        estimate = -torch.log2(model.likelihood(MEANS[idx][None], idx[None])).sum().item()
    # ANS overhead: the 16-bit end marker and at most a couple of 32-bit words
    assert estimate - 1 <= len(data) * 8 <= estimate * 1.0001 + 80


@pytest.mark.parametrize("order,shape", [((4, 2), (5, 6, 7)), ((1, 1), (4, 5, 3))])
def test_the_one_pass_encoder_sees_the_decoders_probabilities_bit_for_bit(order, shape):
    """compress evaluates each layer over the whole volume (in chunks); the decoder walks the planes.
    Both must give the same probabilities, exactly, in the same order."""
    torch.manual_seed(4)
    model = ContextModel3D(5, hidden=8, layers=3, order=order)
    idx = torch.randint(0, 5, shape)
    walked: list[np.ndarray] = []
    symbols: list[torch.Tensor] = []

    def step(plane, probs):
        walked.append(probs)
        symbols.append(idx.flatten()[_unpadded(shape)[plane]])
        return symbols[-1]

    model._run(shape, MEANS, step)
    one_symbols, one_probs = model._probabilities(idx, MEANS, chunk=7)  # chunks that cut across planes
    assert torch.equal(one_symbols, torch.cat(symbols))
    assert np.array_equal(one_probs, np.concatenate(walked))


def test_sequential_raster_decoding_is_the_same_model():
    torch.manual_seed(3)
    model = ContextModel3D(4, hidden=6)
    means = torch.linspace(-1.5, 1.5, 4)
    idx = torch.randint(0, 4, (3, 4, 5))
    data = model.compress(idx, means, sequential=True)
    assert len(model.planes((3, 4, 5), sequential=True)) == 60
    assert torch.equal(model.decompress(data, (3, 4, 5), means, sequential=True), idx)
    assert abs(len(data) - len(model.compress(idx, means))) <= 4  # same probabilities up to float rounding


def test_a_trained_model_codes_a_predictable_volume_below_uniform():
    """Fit on a volume whose channels copy each other: the coder exploits the context."""
    torch.manual_seed(2)
    model = ContextModel3D(3, hidden=8)
    opt = torch.optim.Adam(model.parameters(), lr=0.02)
    means = torch.tensor([-1.0, 0.0, 1.0])
    idx = torch.randint(0, 3, (1, 1, 6, 6)).repeat(1, 4, 1, 1)
    for _ in range(150):
        opt.zero_grad()
        loss = -torch.log(model.likelihood(means[idx], idx)).mean()
        loss.backward()
        opt.step()
    data = model.compress(idx[0], means)
    with torch.no_grad():
        bits = -torch.log2(model.likelihood(means[idx], idx)).sum().item()
    assert bits < 0.6 * idx.numel() * np.log2(3) and len(data) * 8 <= bits + 80
    assert torch.equal(model.decompress(data, (4, 6, 6), means), idx[0])


def test_bad_sections_raise_clear_errors():
    model = ContextModel3D(5, hidden=4)
    with pytest.raises(BitstreamError):
        model.decompress(b"abc", (2, 2, 2), MEANS)
    with pytest.raises(ValueError):
        model.compress(torch.zeros(2, 2, dtype=torch.long), MEANS)
    with pytest.raises(ValueError):
        ContextModel3D(5, layers=1)
