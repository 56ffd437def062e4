"""The public training set: 40 free-licensed photos rebuilt from public archives, checked by SHA-256.

``python -m lic_lab download-train [--to DIR]`` makes ``DIR/train-extra/`` (default
``<lic_lab home>/data``), the same photos the zoo trained on besides ``train/``: Debian bookworm's
wallpaper packages and the scikit-image 0.26.0 wheel on PyPI. The manifest
(``public_training.json``, package data) gives every archive's URL, size and SHA-256 and every
photo's file inside its archive, licence and author. Each archive is downloaded once, refused
unless its SHA-256 matches, and the photos are converted as the set was made: 8-bit RGB PNG, and
a photo whose short side exceeds 1000 px is halved with Lanczos (washes out JPEG artefacts).
Then ``LIC_LAB_DATA=DIR`` trains on them (``FULL_TRAINING`` in the notebooks).
"""

from __future__ import annotations

import hashlib
import io
import json
import lzma
import posixpath
import tarfile
import zipfile
from pathlib import Path
from typing import Any, NamedTuple

from PIL import Image

from lic_lab import PACKAGE_DIR, home
from lic_lab.errors import DownloadError

MANIFEST = PACKAGE_DIR / "public_training.json"
FOLDER = "train-extra"
HALVE_ABOVE = 1000  # short side in pixels
TIMEOUT_S = 60  # a stalled connection fails instead of hanging


class TrainingSet(NamedTuple):
    """What :func:`download_training_set` built: the folder, the photos, and how many of them are
    pixel for pixel the ones the zoo trained on (the manifest's ``pixels_sha256``)."""

    folder: Path
    photos: int
    identical: int


def manifest(path: str | Path = MANIFEST) -> dict[str, Any]:
    """The manifest: ``archives`` {name: {url, size, sha256}} and ``photos`` [{name, archive, member, ...}]."""
    return json.loads(Path(path).read_text())


def default_root() -> Path:
    """Where the set goes by default: ``<lic_lab home>/data`` (use it as ``LIC_LAB_DATA``)."""
    return home() / "data"


def fetch_archive(name: str, entry: dict[str, Any], cache: Path) -> Path:
    """Download one archive into ``cache`` (once) and check its size and SHA-256."""
    from lic_lab.data import fetch_verified, sha256_file

    target = cache / Path(entry["url"]).name
    if target.is_file() and sha256_file(target) == entry["sha256"]:
        return target
    try:
        return fetch_verified(entry["url"], target, entry["sha256"], entry["size"], TIMEOUT_S)
    except DownloadError as e:
        raise DownloadError(f"{name}: {e}") from None


def deb_data(path: Path) -> tarfile.TarFile:
    """The ``data.tar.*`` member of a Debian package (an ``ar`` archive) as an open tar file."""
    blob = path.read_bytes()
    if not blob.startswith(b"!<arch>\n"):
        raise DownloadError(f"{path.name}: not a Debian package")
    offset = 8
    while offset + 60 <= len(blob):
        header = blob[offset : offset + 60]
        member, size = header[:16].decode().strip().rstrip("/"), int(header[48:58].decode().strip())
        body = blob[offset + 60 : offset + 60 + size]
        if member.startswith("data.tar"):
            try:
                raw = lzma.decompress(body) if member.endswith(".xz") else body
                return tarfile.open(fileobj=io.BytesIO(raw), mode="r:*")
            except (lzma.LZMAError, tarfile.TarError) as e:
                raise DownloadError(f"{path.name}: cannot read {member} ({e})") from None
        offset += 60 + size + (size % 2)  # members are 2-byte aligned
    raise DownloadError(f"{path.name}: no data.tar member")


def read_members(archive: Path, members: list[str]) -> dict[str, bytes]:
    """Files from a Debian package (paths as installed; symbolic links followed) or a wheel."""
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as z:
            missing = [m for m in members if m not in z.namelist()]
            if missing:
                raise DownloadError(f"{archive.name}: {missing[0]} not found")
            return {m: z.read(m) for m in members}
    out = {}
    with deb_data(archive) as tar:
        infos = {info.name.lstrip("./"): info for info in tar.getmembers()}
        for member in members:
            name = member
            for _ in range(8):  # a wallpaper's sizes are often links to one file
                info = infos.get(name)
                if info is None or not info.issym():
                    break
                name = posixpath.normpath(posixpath.join(posixpath.dirname(name), info.linkname)).lstrip("/")
            handle = tar.extractfile(info) if info is not None and info.isfile() else None
            if handle is None:
                raise DownloadError(f"{archive.name}: {member} not found")
            out[member] = handle.read()
    return out


def convert(raw: bytes) -> Image.Image:
    """As the set was made: 8-bit RGB; halved with Lanczos when the short side exceeds 1000 px."""
    image = Image.open(io.BytesIO(raw)).convert("RGB")
    if min(image.size) > HALVE_ABOVE:
        image = image.resize((image.width // 2, image.height // 2), Image.Resampling.LANCZOS)
    return image


def pixels_sha256(image: Image.Image) -> str:
    """SHA-256 of an image's 8-bit RGB pixels, row-major (independent of the PNG encoder)."""
    return hashlib.sha256(image.convert("RGB").tobytes()).hexdigest()


def download_training_set(root: str | Path | None = None, manifest_path: str | Path = MANIFEST) -> TrainingSet:
    """Build ``<root>/train-extra`` from the manifest's archives.

    Archives are kept in ``<root>/.archives`` so a second run does not download again; each
    photo is written to a temporary file and renamed, so an interrupted run leaves no half photo.
    """
    spec = manifest(manifest_path)
    root = Path(root) if root else default_root()
    folder, cache = root / FOLDER, root / ".archives"
    folder.mkdir(parents=True, exist_ok=True)
    cache.mkdir(parents=True, exist_ok=True)
    archives = {name: fetch_archive(name, entry, cache) for name, entry in spec["archives"].items()}
    identical = 0
    for name, path in archives.items():
        photos = [p for p in spec["photos"] if p["archive"] == name]
        files = read_members(path, [p["member"] for p in photos])
        for photo in photos:
            image = convert(files[photo["member"]])
            if list(image.size) != photo["stored_size"]:
                raise DownloadError(f"{photo['name']}: {image.size} instead of {photo['stored_size']}")
            identical += pixels_sha256(image) == photo.get("pixels_sha256")
            part = folder / (photo["name"] + ".part")
            image.save(part, format="PNG")
            part.replace(folder / photo["name"])
    lines = [
        f"| {p['name']} | {p['archive']} | `{p['member']}` | {p['licence']} | {p['author']} |" for p in spec["photos"]
    ]
    count = len(spec["photos"])
    (folder / "SOURCES.md").write_text(
        f"# Public training photos\n\n{spec['description']}\n\n{spec['source_notes']}\n\n"
        f"{identical} of {count} photos are pixel for pixel the ones the zoo trained on.\n\n"
        "| file | archive | file inside | licence | author |\n|---|---|---|---|---|\n" + "\n".join(lines) + "\n"
    )
    return TrainingSet(folder, count, identical)
