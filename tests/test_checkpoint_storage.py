"""Checkpoint storage precisions: fp16 by default, int8 convolution weights with per-slice scales."""
import pytest
import torch

from lic_lab import zoo
from lic_lab.models import build_model


def _model():
    torch.manual_seed(0)
    model = build_model({"arch": "scale_hyperprior", "N": 16, "M": 24})
    model.name = "tiny"
    return model


def test_int8_round_trip_is_close_and_smaller(tmp_path):
    model = _model()
    zoo.save_checkpoint(model, tmp_path / "h.pt")
    zoo.save_checkpoint(model, tmp_path / "q.pt", precision="int8")
    assert (tmp_path / "q.pt").stat().st_size < 0.75 * (tmp_path / "h.pt").stat().st_size
    ckpt = torch.load(tmp_path / "q.pt", weights_only=True)
    assert ckpt["format"] == "lic_lab-checkpoint-2" and ckpt["meta"]["precision"] == "int8"
    int8 = [k for k, v in ckpt["state_dict"].items() if v.dtype == torch.int8]
    assert int8 and set(int8) == set(ckpt["int8_scales"])
    loaded, meta = zoo.load_checkpoint_file(tmp_path / "q.pt")
    for (k, a), b in zip(model.state_dict().items(), loaded.state_dict().values()):
        if k in ckpt["int8_scales"]:  # at most half a quantization step off
            step = ckpt["int8_scales"][k].float()
            assert ((a - b).abs() <= step / 2 + 1e-3 * step).all(), k
        elif a.is_floating_point():
            assert torch.allclose(a, b, atol=1e-2, rtol=1e-3), k


def test_int8_dequantization_is_exact_arithmetic():
    w = torch.randn(8, 4, 3, 3)
    q, scale = zoo.quantize_int8(w)
    assert q.dtype == torch.int8 and scale.dtype == torch.float16 and scale.shape == (8, 1, 1, 1)
    assert q.abs().max() == 127  # each slice uses the whole range
    assert torch.equal(zoo.dequantize_int8(q, scale), q.double().mul(scale.double()).float())


def test_int8_checkpoint_with_broken_scales_is_refused(tmp_path):
    zoo.save_checkpoint(_model(), tmp_path / "q.pt", precision="int8")
    ckpt = torch.load(tmp_path / "q.pt", weights_only=True)
    key = next(iter(ckpt["int8_scales"]))
    ckpt["int8_scales"][key] = ckpt["int8_scales"][key][:1]
    torch.save(ckpt, tmp_path / "bad.pt")
    with pytest.raises(zoo.CheckpointError, match="does not match"):
        zoo.load_checkpoint_file(tmp_path / "bad.pt")
    with pytest.raises(ValueError, match="precision"):
        zoo.save_checkpoint(_model(), tmp_path / "x.pt", precision="int4")
