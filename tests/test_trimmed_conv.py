"""CWIC's trimmed convolutions: masks of eqs. 22-23 / 26-27 and the causality of a whole stack."""
import pytest
import torch

from lic_lab.layers.trimmed_conv import TrimmedConv2d, trimmed_mask


def test_mask_planes_as_in_fig_5():
    m0, m1 = trimmed_mask(3, 5, first=True), trimmed_mask(3, 5, first=False)
    assert m0[2, 0].sum() == 25 and m0[0, 2].sum() == 0  # k < t all ones (Fig. 5a), k > t all zeros (5b)
    assert m0[1, 1].sum() == 12 and m0[1, 1, 2, 2] == 0  # k = t, input layer: 12 earlier positions (5c)
    assert m1[1, 1].sum() == 13 and m1[1, 1, 2, 2] == 1  # hidden layers keep the centre (5d)
    inc = trimmed_mask(3, 3, first=True, inclined=True)
    assert inc[1, 1].tolist() == [[1, 1, 0], [1, 0, 0], [0, 0, 0]]  # i + j < 0
    assert inc[1, 0].sum() == 6 and inc[0, 1].sum() == 1  # the plane shifts by one per channel


def stack(n, inclined, groups=3, kernel=3):
    torch.manual_seed(0)
    return torch.nn.Sequential(TrimmedConv2d(n, 1, groups, kernel, first=True, inclined=inclined), torch.nn.ReLU(),
                               TrimmedConv2d(n, groups, groups, kernel, inclined=inclined), torch.nn.ReLU(),
                               TrimmedConv2d(n, groups, 2, kernel, inclined=inclined))


@pytest.mark.parametrize("inclined", [False, True])
def test_a_symbol_never_changes_the_prediction_of_symbols_coded_before_it(inclined):
    n, h, w = 4, 5, 6
    net = stack(n, inclined)
    x = torch.randint(0, 3, (1, n, h, w)).float()
    base = net(x)
    c, i, j = torch.meshgrid(torch.arange(n), torch.arange(h), torch.arange(w), indexing="ij")
    order = (c + i + j) if inclined else (c * h * w + i * w + j)  # plane index, or raster position
    for pos in [(0, 0, 0), (1, 2, 3), (3, 4, 5), (2, 0, 5), (0, 4, 0)]:
        x2 = x.clone()
        x2[(0, *pos)] += 1
        diff = (net(x2) - base).abs().view(2, n, h, w).amax(0) > 1e-6
        assert not diff[order <= order[pos]].any(), f"{pos} leaks into symbols coded no later than itself"
        if pos != (n - 1, h - 1, w - 1):
            assert diff.any()  # ...but it does inform later ones


def test_groups_share_one_mask():
    conv = TrimmedConv2d(3, 2, 4, kernel=5, first=True)
    assert conv.weight.shape == (12, 6, 5, 5)
    assert torch.equal(conv.mask[:3, :3], conv.mask[9:, 3:])
