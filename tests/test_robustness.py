"""Hostile input never crashes or hangs: bitstreams (fuzzed), headers, images and files.

Also: a file encoded with one thread count decodes identically with another (separate processes).
"""
import math
import struct
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from lic_lab.bitstream import Bitstream
from lic_lab.data import embedded_paths, read_image, to_uint8
from lic_lab.errors import BitstreamError, ImageReadError, LicLabError
from lic_lab.evaluation.crosscheck import cross_thread
from lic_lab.evaluation.fuzz import _repack, fuzz_stream, png_claiming, with_crc
from lic_lab.zoo import decompress_bytes, load_model, registry

# one model of every family (the suite's fuzz and cross-thread runs)
FAMILIES = ["factorized-q3", "hyperprior-q3", "meanscale-q3", "agvae", "cbanet", "c2f-q3", "cvqn-q2", "cwic-q2"]


@pytest.fixture(scope="module")
def tiny():
    return read_image(embedded_paths()[0])[..., :64, :80]


@pytest.mark.parametrize("name", FAMILIES)
def test_fuzzed_streams_give_clean_errors(name, tiny):
    model = load_model(name)
    data = model.compress(tiny)
    reference = to_uint8(model.decompress(data))
    # the slowest legitimate case: a 1 x 65535 claim gives CVQN ~4,000 wavefronts (seconds, not a hang)
    report = fuzz_stream(data, reference, sorted(registry()), seed=7, per_kind=1, budget_s=60)
    out = report.as_dict()
    assert report.outcomes["crash"] == 0 and report.outcomes["hang"] == 0, out["crashes"]
    # corruption the CRC sees is always an error; so are impossible header fields
    for kind in ("flip", "truncate", "size", "model_name", "section_count", "section_length", "extra_words", "weights"):
        assert set(out["by_kind"].get(kind, {"error": 1})) <= {"error", "same"}, (kind, out["by_kind"][kind])
    assert report.outcomes["error"] >= 0.8 * report.cases


def _header(data: bytes, **changes) -> bytes:
    return _repack(Bitstream.from_bytes(data), **changes)


def test_header_fields_are_checked_before_allocation(tiny):
    model = load_model("hyperprior-q3")
    data = model.compress(tiny)
    for changes, words in [({"height": 0}, "empty"), ({"width": 0}, "empty"), ({"height": 4096, "width": 4096}, "limit"),
                           ({"height": 1, "width": 65535}, None), ({"height": 100, "width": 65535}, "padded"), ({"setting": math.inf}, "setting"),
                           ({"setting": math.nan}, "setting"), ({"model": "cwic-q2"}, None), ({"model": "../x"}, "name"),
                           ({"weights": b"\x00\x01\x02\x03"}, "other weights")]:
        with pytest.raises(BitstreamError, match=words):
            decompress_bytes(_header(data, **changes))
    cb = load_model("cbanet")
    with pytest.raises(BitstreamError, match="rate"):
        decompress_bytes(_header(cb.compress(tiny), setting=math.inf))


def test_old_format_and_left_over_data_are_refused(tiny):
    data = load_model("meanscale-q3").compress(tiny)
    v1 = with_crc(data[:4] + b"\x01" + data[5:-4])
    with pytest.raises(BitstreamError, match="older lic_lab"):
        Bitstream.from_bytes(v1)
    v2 = with_crc(data[:4] + b"\x02" + data[5:-4])
    with pytest.raises(BitstreamError, match="which weights"):
        Bitstream.from_bytes(v2)
    stream = Bitstream.from_bytes(data)
    padded = _repack(stream, sections=stream.sections[:-1] + [stream.sections[-1] + struct.pack(">I", 12345)])
    with pytest.raises(BitstreamError, match="left over|entropy"):
        decompress_bytes(padded)
    with pytest.raises(BitstreamError):
        decompress_bytes(_repack(stream, sections=[b""] + stream.sections[1:]))


def test_decoded_size_limit_is_configurable(tiny, monkeypatch):
    data = load_model("hyperprior-q3").compress(tiny)
    monkeypatch.setenv("LIC_LAB_MAX_PIXELS", "1000")
    with pytest.raises(BitstreamError, match="LIC_LAB_MAX_PIXELS"):
        decompress_bytes(data)
    with pytest.raises(LicLabError, match="limit"):
        load_model("hyperprior-q3").compress(tiny)


def test_image_bombs_rotation_and_frames(tmp_path):
    bomb = tmp_path / "bomb.png"  # a 70-byte file that claims 50000 x 50000 RGB pixels
    bomb.write_bytes(png_claiming(50000, 50000))
    assert bomb.stat().st_size < 100
    with pytest.raises(ImageReadError, match="over the limit"):
        read_image(bomb)
    arr = np.zeros((20, 40, 3), np.uint8)
    arr[:, :10] = 255  # white on the left
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    Image.fromarray(arr).save(tmp_path / "rot.jpg", exif=exif.tobytes(), quality=95)
    x = read_image(tmp_path / "rot.jpg")
    assert x.shape[-2:] == (40, 20) and x[0, :, :10, :].mean() > 0.9  # shown upright: white on top
    frames = [Image.new("RGB", (16, 16), c) for c in ("red", "blue")]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:])
    with pytest.raises(ImageReadError, match="2 frames"):
        read_image(tmp_path / "anim.gif")


def _cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "lic_lab", *args], capture_output=True, text=True, cwd=cwd)


def test_cli_files_are_never_overwritten_silently(tmp_path):
    src = tmp_path / "a.png"
    Image.open(embedded_paths()[0]).crop((0, 0, 64, 64)).save(src)
    before = src.read_bytes()
    r = _cli("compress", str(src), str(src), "--model", "hyperprior-q3")
    assert r.returncode == 1 and "input file" in r.stderr and src.read_bytes() == before
    out = tmp_path / "a.lic"
    assert _cli("compress", str(src), str(out), "--model", "hyperprior-q3").returncode == 0
    r = _cli("compress", str(src), str(out), "--model", "hyperprior-q3")
    assert r.returncode == 1 and "--force" in r.stderr
    assert _cli("compress", str(src), str(out), "--model", "hyperprior-q3", "--force").returncode == 0
    r = _cli("decompress", str(out), str(tmp_path))
    assert r.returncode == 1 and "folder" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = _cli("decompress", str(out), str(tmp_path / "b.jpg"))
    assert r.returncode == 0 and "lossy" in r.stderr
    r = _cli("decompress", str(out), str(tmp_path / "b.xyz"))
    assert r.returncode == 1 and "unknown image format" in r.stderr
    assert not list(tmp_path.glob(".*.part"))  # atomic writes leave no temporary files
    bad = tmp_path / "bad.lic"
    data = out.read_bytes()
    bad.write_bytes(_header(data, width=0))
    r = _cli("decompress", str(bad), str(tmp_path / "c.png"))
    assert r.returncode == 1 and r.stderr.startswith("error:") and "Traceback" not in r.stderr
    r = _cli("compress", str(src), str(tmp_path / "d.lic"), "--model", "agvae", "--rate", "inf")
    assert r.returncode == 1 and "Traceback" not in r.stderr


def test_encode_and_decode_with_different_thread_counts(tmp_path):
    """Separate processes, 1 -> 2 and 2 -> 1 threads, every family: decodes agree within one level."""
    small = tmp_path / "small.png"
    Image.open(embedded_paths()[1]).crop((0, 0, 128, 128)).save(small)
    report = cross_thread(FAMILIES, [small], tmp_path)
    for name, row in report["models"].items():
        assert row["passed"] == row["cases"] == 2, (name, row)
