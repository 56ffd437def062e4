"""The public training set's download helper, on a small local fixture (file:// archives)."""

import hashlib
import io
import json
import lzma
import tarfile
import zipfile

import numpy as np
import pytest
from PIL import Image

from lic_lab.errors import DownloadError
from lic_lab.public_data import download_training_set, manifest, pixels_sha256


def _jpeg(w: int, h: int) -> bytes:
    rng = np.random.default_rng(0)
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (h, w, 3), dtype=np.uint8)).save(buf, format="JPEG")
    return buf.getvalue()


def _deb(files: dict[str, bytes], links: dict[str, str]) -> bytes:
    """A minimal Debian package: an ar archive with debian-binary and data.tar.xz."""
    tar_buf = io.BytesIO()
    with tarfile.open(fileobj=tar_buf, mode="w") as tar:
        for name, blob in files.items():
            info = tarfile.TarInfo("./" + name)
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
        for name, target in links.items():
            info = tarfile.TarInfo("./" + name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            tar.addfile(info)
    out = b"!<arch>\n"
    for member, body in ((b"debian-binary", b"2.0\n"), (b"data.tar.xz", lzma.compress(tar_buf.getvalue()))):
        header = member.ljust(16) + b"0".ljust(12) + b"0".ljust(6) + b"0".ljust(6) + b"100644".ljust(8)
        out += header + str(len(body)).encode().ljust(10) + b"`\n" + body + (b"\n" if len(body) % 2 else b"")
    return out


@pytest.fixture
def fixture_manifest(tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    big = _jpeg(1200, 1100)  # short side over 1000 px: halved
    (served / "walls.deb").write_bytes(_deb({"usr/share/walls/big.jpg": big}, {"usr/share/walls/link.jpg": "big.jpg"}))
    wheel = io.BytesIO()
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr("pkg/data/small.png", _png_bytes())
    (served / "data.whl").write_bytes(wheel.getvalue())
    archives = {
        name: {"url": (served / f).as_uri(), "size": (served / f).stat().st_size,
               "sha256": hashlib.sha256((served / f).read_bytes()).hexdigest()}
        for name, f in (("walls", "walls.deb"), ("wheel", "data.whl"))
    }  # fmt: skip
    photos = [
        {"name": "walls_01.png", "archive": "walls", "member": "usr/share/walls/link.jpg", "stored_size": [600, 550],
         "licence": "CC0", "author": "a"},
        {"name": "wheel_01.png", "archive": "wheel", "member": "pkg/data/small.png", "stored_size": [40, 30],
         "licence": "CC0", "author": "b", "pixels_sha256": pixels_sha256(Image.open(io.BytesIO(_png_bytes())))},
    ]  # fmt: skip
    spec = {"description": "fixture", "source_notes": "notes", "archives": archives, "photos": photos}
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(spec))
    return path, served


def _png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGBA", (40, 30), (10, 20, 30, 128)).save(buf, format="PNG")
    return buf.getvalue()


def test_builds_the_photos_from_checked_archives(fixture_manifest, tmp_path):
    path, served = fixture_manifest
    built = download_training_set(tmp_path / "root", path)
    folder = built.folder
    assert (built.photos, built.identical) == (2, 1)  # the fixture records the wheel photo's pixels only
    assert not list(folder.glob("*.part"))
    big = Image.open(folder / "walls_01.png")
    assert big.size == (600, 550) and big.mode == "RGB"  # followed the link, halved with Lanczos
    assert Image.open(folder / "wheel_01.png").mode == "RGB"  # RGBA -> RGB, small: not scaled
    assert "walls_01.png" in (folder / "SOURCES.md").read_text()
    for f in served.iterdir():
        f.unlink()  # a second run uses the checked archives it kept
    assert download_training_set(tmp_path / "root", path).folder == folder


def test_a_tampered_archive_is_refused(fixture_manifest, tmp_path):
    path, served = fixture_manifest
    blob = bytearray((served / "data.whl").read_bytes())
    blob[-5] ^= 1
    (served / "data.whl").write_bytes(bytes(blob))
    with pytest.raises(DownloadError, match="SHA-256"):
        download_training_set(tmp_path / "root", path)
    assert not list((tmp_path / "root" / ".archives").glob("*.part"))


def test_an_unreachable_archive_is_one_error(fixture_manifest, tmp_path):
    path, served = fixture_manifest
    (served / "walls.deb").unlink()
    with pytest.raises(DownloadError, match="cannot download"):
        download_training_set(tmp_path / "root", path)


def test_the_shipped_manifest_names_every_photo_once():
    spec = manifest()
    names = [p["name"] for p in spec["photos"]]
    assert len(names) == len(set(names)) == 40
    assert {p["archive"] for p in spec["photos"]} == set(spec["archives"])
    for entry in spec["archives"].values():
        assert entry["url"].startswith(("http://deb.debian.org/", "https://files.pythonhosted.org/"))
        assert len(entry["sha256"]) == 64 and entry["size"] > 0
    assert all(len(p["pixels_sha256"]) == 64 for p in spec["photos"])


def test_full_training_uses_the_data_root_or_the_public_set(tmp_path, monkeypatch):
    from lic_lab import public_data
    from lic_lab.teaching import full_training

    (tmp_path / "mine" / "train").mkdir(parents=True)
    monkeypatch.setenv("LIC_LAB_DATA", str(tmp_path / "mine"))
    assert full_training.training_data_root() == tmp_path / "mine"  # a data root with photos: used as is
    built = []
    monkeypatch.setenv("LIC_LAB_DATA", str(tmp_path / "empty"))
    monkeypatch.setattr(public_data, "default_root", lambda: tmp_path / "public")
    monkeypatch.setattr(public_data, "download_training_set", lambda root: built.append(root))  # no network here
    assert full_training.training_data_root() == tmp_path / "public" and built == [tmp_path / "public"]
    import os

    assert os.environ["LIC_LAB_DATA"] == str(tmp_path / "public")  # the recipes read it


def test_full_training_names_the_finished_records_it_would_skip(tmp_path):
    import json

    from lic_lab.teaching import full_training

    (tmp_path / "sub").mkdir()
    (tmp_path / "a.json").write_text(json.dumps({"finished": True}))
    (tmp_path / "sub" / "b.json").write_text(json.dumps({"finished": False}))
    (tmp_path / "c.json").write_text("not json")
    assert full_training.finished_records(tmp_path) == ["a"]
    assert full_training.finished_records(tmp_path / "missing") == []
    assert "cvqn-q1" in full_training.finished_records()  # the shipped records: a recipe skips their stages
