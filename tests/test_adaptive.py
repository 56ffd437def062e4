"""Adaptive count models (CWIC's CABAC-like and i.i.d. baselines)."""
import math

import torch

from lic_lab.entropy.adaptive import baseline_bits, kt_code_length, neighbour_contexts


def sequential_kt(symbols, contexts, alphabet):
    counts, bits = {}, 0.0
    for s, c in zip(symbols.tolist(), contexts.tolist()):
        row = counts.setdefault(c, [0] * alphabet)
        bits -= math.log2((row[s] + 0.5) / (sum(row) + alphabet / 2))
        row[s] += 1
    return bits


def test_closed_form_equals_coding_symbol_by_symbol():
    torch.manual_seed(0)
    symbols = torch.randint(0, 4, (300,))
    contexts = torch.randint(0, 5, (300,)) * 7
    assert abs(kt_code_length(symbols, contexts, 4) - sequential_kt(symbols, contexts, 4)) < 1e-6
    assert kt_code_length(symbols[:0], contexts[:0], 4) == 0.0


def test_contexts_see_only_decoded_neighbours_and_exploit_structure():
    codes = torch.arange(2 * 3 * 3).view(2, 3, 3) % 3
    ctx = neighbour_contexts(codes, 3)
    assert ctx[0, 0, 0] == 0  # nothing above, left or in a previous channel
    assert ctx[1, 1, 1] == (codes[1, 0, 1] * 3 + codes[1, 1, 0]) * 3 + codes[0, 1, 1]
    stripes = (torch.arange(40).view(1, 1, 40) % 2).expand(3, 40, 40).contiguous()  # predictable from the left
    bits = baseline_bits(stripes, 2)
    assert bits["cabac"] < 0.05 * bits["iid"]
    mask = torch.zeros_like(stripes)
    mask[0] = 1
    assert baseline_bits(stripes, 2, mask)["iid"] < bits["iid"] / 2
