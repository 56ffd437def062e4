import io
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from lic_lab import data
from lic_lab.errors import DownloadError


def test_read_modes_convert_to_rgb(tmp_path):
    rgb = (np.arange(24 * 32 * 3) % 256).astype(np.uint8).reshape(24, 32, 3)
    Image.fromarray(rgb).save(tmp_path / "rgb.png")
    Image.fromarray(rgb[..., 0]).save(tmp_path / "grey.png")
    Image.fromarray(np.dstack([rgb, np.full((24, 32), 255, np.uint8)])).save(tmp_path / "rgba.png")
    Image.fromarray(rgb).convert("P").save(tmp_path / "palette.png")
    Image.fromarray(rgb[..., 0].astype(np.uint16) * 257).save(tmp_path / "grey16.png")
    x = data.read_image(tmp_path / "rgb.png")
    assert x.shape == (1, 3, 24, 32) and x.dtype == torch.float32
    assert torch.equal(data.to_tensor(data.to_uint8(x)), x)
    np.testing.assert_array_equal(data.to_uint8(x), rgb)
    grey = data.read_image(tmp_path / "grey.png")
    assert torch.equal(grey[:, 0], grey[:, 2]) and torch.allclose(grey[:, 0], x[:, 0])
    assert torch.allclose(data.read_image(tmp_path / "rgba.png"), x)
    assert data.read_image(tmp_path / "palette.png").shape == (1, 3, 24, 32)
    g16 = data.read_image(tmp_path / "grey16.png")
    assert torch.allclose(g16[:, 0], x[:, 0], atol=1 / 255)


def test_transparent_pixels_become_white(tmp_path):
    rgba = np.zeros((4, 4, 4), np.uint8)
    Image.fromarray(rgba).save(tmp_path / "clear.png")
    assert torch.all(data.read_image(tmp_path / "clear.png") == 1)


@pytest.mark.parametrize("content", [b"", b"not an image at all", b"\x89PNG\r\n\x1a\n" + b"\0" * 20])
def test_unreadable_files_raise_clear_error(tmp_path, content):
    path = tmp_path / "bad.png"
    path.write_bytes(content)
    with pytest.raises(data.ImageReadError, match="bad.png"):
        data.read_image(path)


def test_missing_file(tmp_path):
    with pytest.raises(data.ImageReadError, match="no such file"):
        data.read_image(tmp_path / "nope.png")


def test_pad_and_crop_roundtrip():
    x = torch.rand(1, 3, 100, 130)
    padded, size = data.pad_to_multiple(x, 64)
    assert padded.shape[-2:] == (128, 192) and size == (100, 130)
    assert torch.equal(data.crop_to(padded, size), x)
    same, _ = data.pad_to_multiple(torch.rand(1, 3, 64, 128))
    assert same.shape[-2:] == (64, 128)


def test_patch_dataset_shapes_and_seeding():
    paths = data.embedded_paths()
    ds = data.PatchDataset(paths, patch=64, samples_per_epoch=5)
    torch.manual_seed(3)
    a = torch.stack([ds[i] for i in range(5)])
    torch.manual_seed(3)
    b = torch.stack([ds[i] for i in range(5)])
    assert a.shape == (5, 3, 64, 64) and torch.equal(a, b)
    with pytest.raises(ValueError, match="smaller"):
        data.PatchDataset(paths, patch=4096)


def test_embedded_set_is_natural_colour():
    paths = data.embedded_paths()
    assert len(paths) >= 3
    for p in paths:
        x = data.read_image(p)
        assert x.shape[1] == 3 and x.std() > 0.05
        assert not torch.equal(x[:, 0], x[:, 1])  # colour, not grey


def test_kodak_sums_and_verification(tmp_path, monkeypatch):
    sums = data.read_sums(data.KODAK_SHA256)
    assert len(sums) == 24 and all(len(d) == 64 for d in sums.values())
    (tmp_path / "kodim01.png").write_bytes(b"tampered")
    bad = data.verify_folder(tmp_path, sums)
    assert "kodim01.png" in bad and len(bad) == 24
    monkeypatch.setenv("LIC_LAB_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="missing or corrupt"):
        data.kodak_dir(cache=tmp_path / "cache")


def test_kodak_from_data_root_verifies():
    if not data.have_kodak():
        pytest.skip("no Kodak under the data root (CI sets LIC_LAB_DATA)")
    folder = data.kodak_dir()
    assert len(data.list_images(folder)) == 24
    assert data.evaluation_paths()[0] == "kodak"


def test_kodak_download_checks_sha256(tmp_path, monkeypatch):
    """The download helper fetches each file and refuses one whose digest is wrong."""
    monkeypatch.delenv("LIC_LAB_DATA", raising=False)
    calls = []

    def fake_open(url, timeout):
        calls.append(url)
        return io.BytesIO(b"a truncated download")

    monkeypatch.setattr(data.urllib.request, "urlopen", fake_open)
    with pytest.raises(DownloadError, match="does not match its SHA-256"):
        data.kodak_dir(download=True, cache=tmp_path)
    assert calls and calls[0].endswith("kodim01.png") and "r0k.us" in calls[0]
    assert not list(tmp_path.glob("*.png")) and not list(tmp_path.glob("*.part"))


def test_kodak_download_accepts_good_files(tmp_path, monkeypatch):
    source = Path("../shared/datasets/kodak").resolve()
    if not (source / "kodim01.png").is_file():
        pytest.skip("no local Kodak copy to serve")
    monkeypatch.delenv("LIC_LAB_DATA", raising=False)
    monkeypatch.setattr(data.urllib.request, "urlopen",
                        lambda url, timeout: io.BytesIO((source / url.rsplit("/", 1)[1]).read_bytes()))
    assert data.kodak_dir(download=True, cache=tmp_path) == tmp_path
    assert len(list(tmp_path.glob("*.png"))) == 24


def test_centre_crop():
    x = torch.arange(6 * 8).view(1, 1, 6, 8)
    c = data.centre_crop(x, 4)
    assert c.shape[-2:] == (4, 4) and c[0, 0, 0, 0].item() == 1 * 8 + 2
    assert data.centre_crop(x, 100).shape[-2:] == (6, 8)


def test_read_image_takes_a_pixel_limit_per_call(tmp_path):
    from PIL import Image

    from lic_lab.errors import ImageReadError

    path = tmp_path / "small.png"
    Image.new("RGB", (100, 60)).save(path)
    assert data.read_image(path).shape == (1, 3, 60, 100)
    with pytest.raises(ImageReadError, match="over the limit"):
        data.read_image(path, max_pixels=64 * 64)  # padded to 128x64: over 4,096 pixels
    assert data.read_image(path, max_pixels=128 * 64).shape == (1, 3, 60, 100)
