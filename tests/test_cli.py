"""The CLI contract, run as a user would (subprocess), on shipped models."""
import json
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image

from lic_lab import zoo
from lic_lab.data import embedded_paths, read_image

pytestmark = pytest.mark.skipif(not zoo.registry(), reason="no shipped models registered")


def run(*args, check=True):
    proc = subprocess.run([sys.executable, "-m", "lic_lab", *map(str, args)], capture_output=True, text=True, timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(proc.stderr)
    return proc


def one_line_error(proc):
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), proc.stderr
    return lines[0]


def test_models_lists_every_shipped_model():
    out = run("models").stdout
    for name in zoo.registry():
        assert name in out


@pytest.fixture(scope="module")
def odd_image(tmp_path_factory):
    """An RGBA image of odd size (not a multiple of 64), as a user might bring."""
    path = tmp_path_factory.mktemp("cli") / "odd.png"
    rgb = (read_image(embedded_paths()[1])[0, :, :101, :77].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
    Image.fromarray(np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])).save(path)
    return path


@pytest.mark.parametrize("family", sorted({e["family"] for e in zoo.registry().values()}))
def test_compress_decompress_roundtrip(family, odd_image, tmp_path):
    members = zoo.family_members(family)
    entry = zoo.registry()[members[0]]
    bits = tmp_path / "x.lic"
    model = zoo.load_model(members[0])
    if zoo.is_variable_rate(entry):  # one model, many rates: --rate (continuous) or --quality (discrete)
        setting = entry["rates"][0] + 1 if entry["discrete_rates"] else (entry["rates"][0] + entry["rates"][1]) / 2 + 0.3
        # by its own name: a family of ablation variants holds several variable-rate models
        run("compress", odd_image, bits, "--model", members[0],
            "--quality" if entry["discrete_rates"] else "--rate", int(setting) if entry["discrete_rates"] else setting)
        model.set_rate(setting)
    else:
        run("compress", odd_image, bits, "--model", family, "--quality", entry["quality"])
    run("decompress", bits, tmp_path / "rec.png")
    rec = read_image(tmp_path / "rec.png")
    assert rec.shape == (1, 3, 101, 77)
    expected = model.decompress(model.compress(read_image(odd_image)))
    assert torch.equal(rec, torch.round(expected * 255) / 255)


def test_bad_inputs_give_one_line_errors(odd_image, tmp_path):
    bits = tmp_path / "x.lic"
    run("compress", odd_image, bits, "--model", "hyperprior-q3")
    data = bits.read_bytes()
    cases = {
        "truncated": data[: len(data) // 2],
        "flipped": data[:40] + bytes([data[40] ^ 0xFF]) + data[41:],
        "foreign": b"\x89PNG\r\n\x1a\n" + data,
        "empty": b"",
    }
    for name, blob in cases.items():
        path = tmp_path / f"{name}.lic"
        path.write_bytes(blob)
        one_line_error(run("decompress", path, tmp_path / "out.png", check=False))
    not_image = tmp_path / "notes.png"
    not_image.write_text("hello")
    one_line_error(run("compress", not_image, bits, "--model", "hyperprior-q3", check=False))
    one_line_error(run("compress", odd_image, bits, "--model", "no-such-model", check=False))
    one_line_error(run("compress", tmp_path / "missing.png", bits, "--model", "hyperprior", check=False))
    one_line_error(run("decompress", tmp_path / "missing.lic", tmp_path / "o.png", check=False))


def test_evaluate_model_and_codec(tmp_path):
    folder = tmp_path / "imgs"
    folder.mkdir()
    for p in embedded_paths()[:2]:
        (folder / p.name).write_bytes(p.read_bytes())
    out = tmp_path / "hp.json"
    run("evaluate", "--model", "hyperprior-q3", "--data", folder, "--out", out, "--quiet")
    res = json.loads(out.read_text())["results"][0]
    assert len(res["images"]) == 2 and all(r["roundtrip_max_abs"] == 0 for r in res["images"])
    assert res["mean"]["bpp"] > res["mean"]["bpp_est"] > 0
    run("evaluate", "--model", "jpeg", "--data", folder, "--out", tmp_path / "j.csv", "--settings", "20", "50", "--quiet")
    assert len((tmp_path / "j.csv").read_text().strip().splitlines()) == 1 + 2 * 2


@pytest.mark.skipif("agvae" not in zoo.registry(), reason="agvae not shipped")
def test_rate_flag_and_rate_ranges(odd_image, tmp_path):
    sizes = []
    for rate in ("1.5", "2.25", "4.8"):
        bits = tmp_path / f"{rate}.lic"
        run("compress", odd_image, bits, "--model", "agvae", "--rate", rate)
        sizes.append(bits.stat().st_size)
        assert "decoded with agvae, rate " + rate in run("decompress", bits, tmp_path / f"r{rate}.png").stdout
    assert sizes == sorted(sizes)
    one_line_error(run("compress", odd_image, tmp_path / "b.lic", "--model", "agvae", "--rate", "7", check=False))
    one_line_error(run("compress", odd_image, tmp_path / "b.lic", "--model", "hyperprior-q3", "--rate", "2", check=False))
    folder = tmp_path / "imgs"
    folder.mkdir()
    (folder / "a.png").write_bytes(embedded_paths()[0].read_bytes())
    out = tmp_path / "ag.json"
    run("evaluate", "--model", "agvae", "--data", folder, "--out", out, "--rates", "1:2:0.5", "4.5", "--quiet")
    res = json.loads(out.read_text())["results"]
    assert [e["setting"] for e in res] == [1.0, 1.5, 2.0, 4.5]
    assert all(r["roundtrip_max_abs"] == 0 for e in res for r in e["images"])


@pytest.mark.skipif("cbanet" not in zoo.registry(), reason="cbanet not shipped")
def test_branches_are_a_decoder_choice(odd_image, tmp_path):
    bits = tmp_path / "c.lic"
    run("compress", odd_image, bits, "--model", "cbanet", "--quality", 2)
    outs = []
    for k in (1, 3):
        assert f"{k} branch(es)" in run("decompress", bits, tmp_path / f"k{k}.png", "--branches", k).stdout
        outs.append(read_image(tmp_path / f"k{k}.png"))
    assert not torch.equal(outs[0], outs[1])
    one_line_error(run("decompress", bits, tmp_path / "k.png", "--branches", 4, check=False))
    one_line_error(run("compress", odd_image, bits, "--model", "cbanet", "--rate", "2.5", check=False))
    plain = tmp_path / "h.lic"
    run("compress", odd_image, plain, "--model", "hyperprior-q3")
    one_line_error(run("decompress", plain, tmp_path / "h.png", "--branches", 2, check=False))
    folder = tmp_path / "imgs"
    folder.mkdir()
    (folder / "a.png").write_bytes(embedded_paths()[0].read_bytes())
    out = tmp_path / "cb.json"
    run("evaluate", "--model", "cbanet", "--data", folder, "--out", out, "--rates", "5", "--branches", "1", "3", "--quiet")
    res = json.loads(out.read_text())["results"]
    assert [e["curve"] for e in res] == ["cbanet K=1", "cbanet K=3"]
    assert res[0]["mean"]["psnr"] < res[1]["mean"]["psnr"]
