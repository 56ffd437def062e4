"""CWIC's TCAE: code length (eq. 25) and bit-exact coding, sequential and inclined."""
import pytest
import torch

from lic_lab.entropy.coder import BitstreamError
from lic_lab.entropy.tcae import TCAE


@pytest.mark.parametrize("inclined", [False, True])
def test_coding_is_bit_exact_and_matches_eq_25(inclined):
    torch.manual_seed(0)
    model = TCAE(channels=4, symbols=5, groups=2, kernel=3, inclined=inclined)
    codes = torch.randint(0, 5, (4, 5, 6))
    data = model.encode(codes)
    assert torch.equal(model.decode(data, (4, 5, 6)), codes)
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
        model.encode(torch.zeros(3, 2, 2, dtype=torch.long))
    with pytest.raises(BitstreamError):
        model.decode(b"abc", (2, 2, 2))
    with pytest.raises(ValueError):
        TCAE(2, 3, layers=1)
