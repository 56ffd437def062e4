"""CWIC's TCAE: code length (eq. 25) and bit-exact coding, sequential and inclined."""

import numpy as np
import pytest
import torch

from lic_lab.entropy.coder import BitstreamError
from lic_lab.entropy.fixed_point import on_grid_np
from lic_lab.entropy.tcae import ACT_MAX, TCAE


@pytest.mark.parametrize("one_hot", [False, True])
@pytest.mark.parametrize("inclined", [False, True])
def test_coding_is_bit_exact_and_matches_eq_25(inclined, one_hot):
    torch.manual_seed(0)
    model = TCAE(channels=4, symbols=5, groups=2, kernel=3, inclined=inclined, one_hot=one_hot)
    codes = torch.randint(0, 5, (4, 5, 6))
    data = model.compress(codes)
    assert torch.equal(model.decompress(data, (4, 5, 6)), codes)
    with torch.no_grad():
        bits = model.code_length(codes[None]).item()
    assert 8 * len(data) <= bits + 64
    assert len(model.steps((4, 5, 6))) == (4 + 5 + 6 - 2 if inclined else 120)


def test_mask_leaves_out_discarded_codes():
    model = TCAE(channels=2, symbols=3, groups=2, kernel=3)
    codes = torch.randint(0, 3, (1, 2, 3, 3))
    mask = torch.zeros(1, 2, 3, 3)
    with torch.no_grad():
        assert model.code_length(codes, mask).item() == 0
        assert model.code_length(codes, torch.ones_like(mask)).item() == pytest.approx(model.code_length(codes).item())


def test_bad_input():
    model = TCAE(channels=2, symbols=3, kernel=3)
    with pytest.raises(ValueError):
        model.compress(torch.zeros(3, 2, 2, dtype=torch.long))
    with pytest.raises(BitstreamError):
        model.decompress(b"abc", (2, 2, 2))
    with pytest.raises(ValueError):
        TCAE(2, 3, layers=1)


@pytest.mark.parametrize("one_hot", [False, True])
@pytest.mark.parametrize("inclined", [False, True])
def test_masked_coding_skips_known_zeros_and_a_1x1_output_layer_stays_causal(inclined, one_hot):
    torch.manual_seed(1)
    model = TCAE(channels=4, symbols=4, groups=2, kernel=3, inclined=inclined, out_kernel=1, one_hot=one_hot)
    mask = (torch.rand(4, 5, 5) < 0.5).long()
    codes = torch.randint(1, 4, (4, 5, 5)) * mask
    data = model.compress(codes, mask)
    assert torch.equal(model.decompress(data, (4, 5, 5), mask), codes)
    with torch.no_grad():
        bits = model.code_length(codes[None], mask[None].float()).item()
        full = model.code_length(codes[None]).item()
    assert 8 * len(data) <= bits + 64 and bits < full
    # causality: changing a later symbol never changes an earlier symbol's prediction
    order = torch.cat(model.steps((4, 5, 5)))
    key = order[:, 0] + order[:, 1] + order[:, 2] if inclined else torch.arange(len(order))
    with torch.no_grad():
        base = model.logits(codes[None].float())[0]
        for s in (10, 40, 70):
            k, i, j = order[s].tolist()
            changed = codes.clone()
            changed[k, i, j] = (changed[k, i, j] + 1) % 4
            diff = (model.logits(changed[None].float())[0] - base).abs().sum(0)
            earlier = order[key < key[s]] if inclined else order[: s + 1]
            assert diff[earlier[:, 0], earlier[:, 1], earlier[:, 2]].max() == 0
    with pytest.raises(ValueError, match="outside the mask"):
        model.compress(codes + 1 - mask, mask)
    empty = model.compress(torch.zeros(4, 2, 2, dtype=torch.long), torch.zeros(4, 2, 2))
    assert len(empty) == 4  # nothing coded but the end marker
    assert torch.equal(model.decompress(empty, (4, 2, 2), torch.zeros(4, 2, 2)), torch.zeros(4, 2, 2, dtype=torch.long))


@pytest.mark.parametrize("one_hot", [False, True])
def test_coding_grid_is_exact_and_close_to_training(one_hot):
    from lic_lab.entropy.fixed_point import GRID, on_grid

    torch.manual_seed(2)
    model = TCAE(channels=3, symbols=5, groups=2, kernel=5, out_kernel=1, one_hot=one_hot)
    codes = torch.randint(0, 5, (3, 6, 7))
    exact = model.exact_logits(codes)
    with torch.no_grad():
        trained = model.logits(codes[None].float())[0]
    assert (exact - trained.double()).abs().max() < 1e-3  # the grid barely moves the logits
    assert torch.equal(torch.round(exact / GRID**2) * GRID**2, exact)  # logits are exact multiples of 2^-28
    # float64 sums of grid products do not depend on the order: reversed accumulation agrees
    w = on_grid(torch.randn(4000) * 0.3, 4.0)
    a = on_grid(torch.rand(4000) * 10, 64.0)
    assert float((w * a).sum()) == float((w * a).flip(0).cumsum(0)[-1]) and GRID == 2.0**-14


@pytest.mark.parametrize("one_hot", [False, True])
def test_initial_logits_follow_the_context(one_hot):
    """Initialised from the kept fan-in, the untrained stack already reacts to its inputs at unit scale
    (PyTorch's default, sized for the whole kernel, gave logits that were nearly constant)."""
    torch.manual_seed(3)
    model = TCAE(channels=8, symbols=9, groups=3, kernel=5, out_kernel=1, one_hot=one_hot)
    codes = torch.randint(0, 9, (4, 8, 12, 12)).float()
    with torch.no_grad():
        logits = model.logits(codes)
    spread = (logits - logits.mean(dim=(0, 3, 4), keepdim=True)).std().item()  # variation with the context
    assert 0.3 < spread < 5
    for conv in model.trimmed_convs():  # weights the mask drops start (and, never trained, stay) at zero
        assert not (conv.weight * (1 - conv.mask)).any()
    one_hot_input = TCAE(channels=2, symbols=3, kernel=3, one_hot=True).inputs(torch.tensor([[[[2]], [[0]]]]))
    assert one_hot_input.flatten().tolist() == [0, 1, 0, 0, 1, 0]  # plane s * n + k


@pytest.mark.parametrize("symbols", [9, 16])  # CWIC's alphabets: T + 1 levels of o', L levels of QI(p)
def test_coding_is_bit_exact_at_cwic_alphabet_sizes(symbols):
    torch.manual_seed(4)
    model = TCAE(channels=3, symbols=symbols, groups=2, kernel=5, inclined=True, out_kernel=1, one_hot=True)
    with torch.no_grad():  # trained-like weights: large enough that the logits spread
        for conv in model.trimmed_convs():
            conv.weight.mul_(3.0)
    codes = torch.randint(0, symbols, (3, 7, 9))
    assert torch.equal(model.decompress(model.compress(codes), (3, 7, 9)), codes)


def test_numpy_grid_matches_the_torch_grid_on_ties_and_clips():
    import numpy as np

    from lic_lab.entropy.fixed_point import GRID, on_grid, on_grid_np

    k = torch.arange(-6, 7, dtype=torch.float64)
    values = torch.cat([(k + 0.5) * GRID, k * GRID * 0.3, torch.tensor([70.0, -70.0, 63.99999])])  # half-way ties
    for limit in (None, 64.0):
        assert np.array_equal(on_grid_np(values.numpy(), limit), on_grid(values, limit).numpy())


@pytest.mark.parametrize("one_hot", [False, True])
@pytest.mark.parametrize("inclined", [False, True])
def test_decoding_plan_gives_the_encoders_logits_bit_for_bit(inclined, one_hot):
    """The decoder's kept-taps-only layers (a lookup table for one-hot inputs) evaluated everywhere
    at once equal exact_logits, the encoder's full convolutions, exactly."""
    torch.manual_seed(2)
    model = TCAE(channels=3, symbols=4, groups=2, kernel=5, inclined=inclined, out_kernel=1, one_hot=one_hot)
    with torch.no_grad():
        for conv in model.trimmed_convs():
            conv.bias.normal_()
    codes = torch.randint(0, 4, (3, 6, 7))
    d, h, w = codes.shape
    r = model.pad
    height, width = h + 2 * r, w + 2 * r
    plan = model.decoding_plan(h, w)
    symbols = np.full((d, height, width), model.symbols)
    symbols[:, r : r + h, r : r + w] = codes.numpy()
    acts = np.zeros((height, width, d))
    acts[r : r + h, r : r + w] = on_grid_np(codes.numpy().transpose(1, 2, 0) * model.scale, ACT_MAX)
    ys, xs = np.meshgrid(np.arange(h) + r, np.arange(w) + r, indexing="ij")
    base = (ys * width + xs).ravel()
    for i, layer in enumerate(plan):
        inputs = symbols if i == 0 and one_hot else acts
        out = np.zeros((len(base), len(layer[0].bias) * d))
        for t, taps in enumerate(layer):
            out[:, np.arange(len(taps.bias)) * d + t] = taps.apply(inputs, base)
        if i < len(plan) - 1:
            acts = np.zeros((height, width, out.shape[1]))
            acts[r : r + h, r : r + w] = on_grid_np(np.maximum(out, 0.0), ACT_MAX).reshape(h, w, -1)
    expected = model.exact_logits(codes).numpy()  # (symbols, d, h, w)
    assert np.array_equal(out.reshape(h, w, model.symbols, d).transpose(2, 3, 0, 1), expected)
    for layer, conv in zip(plan, model.trimmed_convs()):  # each kept tap once (per input group), no other
        assert sum(len(taps.offset) for taps in layer) == conv.mask[:d].sum() // (
            1 if layer[0].first is None else model.symbols
        )
    kept = sum(len(taps.offset) for taps in plan[1])
    assert kept < 0.6 * d * model.trimmed_convs()[1].in_channels * 25  # trimmed: about half the taps


@pytest.mark.parametrize("one_hot", [False, True])
@pytest.mark.parametrize("inclined", [False, True])
@pytest.mark.parametrize(
    "shape, kernel, out_kernel", [((1, 1, 1), 3, None), ((1, 1, 4), 5, 1), ((2, 3, 1), 1, 3), ((3, 2, 5), 3, 7)]
)
def test_round_trip_at_odd_shapes_and_kernels(inclined, one_hot, shape, kernel, out_kernel):
    """Tiny cuboids (smaller than the kernel), 1x1 kernels (channels with no kept tap) and an output
    kernel wider than the others (layers padded by more than their own radius)."""
    torch.manual_seed(3)
    model = TCAE(shape[0], 3, groups=2, kernel=kernel, inclined=inclined, out_kernel=out_kernel, one_hot=one_hot)
    codes = torch.randint(0, 3, shape)
    assert torch.equal(model.decompress(model.compress(codes), shape), codes)
