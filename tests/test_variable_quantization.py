"""CVQN's variable quantization controller: importance, splitting-merging, eq. 7."""
import math

import pytest
import torch

from lic_lab.quantization.variable import (
    ChannelImportance,
    bound_bpp,
    entropy_bound_bits,
    group_sizes,
    groups_of,
    merge,
    split,
)


def test_group_sizes_follow_the_ratio_vector():
    assert group_sizes(8, [0.25, 0.5, 0.25]) == [2, 4, 2]  # the paper's Fig. 2 example
    assert group_sizes(32, [0.25, 0.5, 0.25]) == [8, 16, 8]
    assert group_sizes(10, [1 / 3] * 3) == [3, 4, 3]
    for bad in ([0.5, 0.6], [0.0, 1.0]):
        with pytest.raises(ValueError):
            group_sizes(8, bad)
    with pytest.raises(ValueError):
        group_sizes(2, [0.25, 0.5, 0.25])


def test_eq7_bound_and_the_papers_ordering():
    r = [0.25, 0.5, 0.25]
    assert entropy_bound_bits((32, 4, 6), [1.0], [5]) == pytest.approx(32 * 24 * math.log2(5))
    bounds = {q: bound_bpp(32, 16, r, q) for q in [(5, 5, 5), (4, 5, 6), (3, 5, 7), (2, 5, 8)]}
    # log2(2)+log2(8) < log2(3)+log2(7) < log2(4)+log2(6) < 2 log2(5) (sec. 4.2)
    assert bounds[(2, 5, 8)] < bounds[(3, 5, 7)] < bounds[(4, 5, 6)] < bounds[(5, 5, 5)]
    assert bounds[(5, 5, 5)] == pytest.approx(32 * math.log2(5) / 256)


def test_split_then_merge_restores_the_channels():
    torch.manual_seed(0)
    z = torch.randn(2, 8, 3, 3)
    order = torch.randperm(8)
    groups = split(z, order, [2, 4, 2])
    assert [g.shape[1] for g in groups] == [2, 4, 2]
    assert torch.equal(groups[0], z[:, order[:2]])  # least important first
    assert torch.equal(merge(groups, order), z)
    g = groups_of(order, [2, 4, 2])
    assert all(torch.equal(z[:, g == k], z[:, sorted(order[sum([2, 4, 2][:k]):sum([2, 4, 2][:k + 1])].tolist())])
               for k in range(3))


def test_importance_kinds():
    z = torch.randn(4, 6, 5, 5)
    pre = ChannelImportance(6, "predefined")
    assert torch.equal(pre.order(z), torch.arange(6))  # w_c = c: channel 0 is least important
    se = ChannelImportance(6, "se")
    w = se(z)
    assert w.shape == (6,) and (w > 0).all() and (w < 1).all()
    assert torch.equal(se.order(z), torch.argsort(w.detach(), stable=True))
    re = ChannelImportance(6, "re")
    re.re_weights.copy_(torch.tensor([5.0, 0.1, 3.0, 0.2, 9.0, 1.0]))
    assert re.order(z).tolist() == [1, 3, 5, 2, 0, 4]
    assert torch.equal(pre.order(), torch.arange(6)) and torch.equal(re.order(), re.order(z))  # fixed kinds
    with pytest.raises(ValueError):
        se.order()
    with pytest.raises(ValueError):
        ChannelImportance(6, "random")


def test_only_the_argsort_is_used_so_se_gets_no_gradient():
    """What the authors' code does: the SE branch never receives a gradient (the notebook shows it)."""
    se = ChannelImportance(4, "se")
    z = torch.randn(2, 4, 3, 3, requires_grad=True)
    order = se.order(z)
    (split(z, order, [2, 2])[1] ** 2).sum().backward()
    assert all(p.grad is None for p in se.parameters())
