"""Images in and out: reading any file as RGB, padding, training patches, Kodak, the embedded set."""
from __future__ import annotations

import hashlib
import urllib.request
from pathlib import Path
from typing import Iterable

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, UnidentifiedImageError

from . import REPO_DIR, data_root

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".ppm", ".pgm"}
EMBEDDED_DIR = REPO_DIR / "data" / "embedded"
KODAK_URL = "http://r0k.us/graphics/kodak/{name}"
KODAK_CACHE = REPO_DIR / "data" / "kodak"
KODAK_SHA256 = REPO_DIR / "data" / "kodak_SHA256SUMS"
VALIDATION_NAMES = ("wiki47.png", "wiki48.png", "wiki49.png")


class ImageReadError(ValueError):
    """A file that is not an image lic_lab can read."""


def pil_to_rgb(im: Image.Image) -> Image.Image:
    """Convert any Pillow mode (L, LA, P, RGBA, I;16, I, F, CMYK, ...) to 8-bit RGB.

    Alpha is composited over white; 16-bit and 32-bit grey are scaled to 8 bits.
    """
    if im.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        arr = np.asarray(im, dtype=np.float64)
        top = 65535.0 if im.mode.startswith("I;16") or arr.max() > 255 else 255.0
        arr = np.clip(np.round(arr / top * 255.0), 0, 255).astype(np.uint8)
        im = Image.fromarray(arr, mode="L")
    elif im.mode == "F":
        arr = np.asarray(im, dtype=np.float64)
        scale = 255.0 if arr.max() <= 1.0 else 1.0
        im = Image.fromarray(np.clip(np.round(arr * scale), 0, 255).astype(np.uint8), mode="L")
    if im.mode == "P":
        im = im.convert("RGBA")
    if im.mode in ("RGBA", "LA", "PA"):
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        im = Image.alpha_composite(white, rgba)
    return im.convert("RGB")


def read_image(path: str | Path) -> torch.Tensor:
    """Read an image file as a float tensor of shape (1, 3, H, W) in [0, 1].

    Raises :class:`ImageReadError` with a one-line reason for anything that is not an image.
    """
    path = Path(path)
    if not path.is_file():
        raise ImageReadError(f"{path}: no such file")
    try:
        with Image.open(path) as im:
            im.load()
            rgb = pil_to_rgb(im)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        raise ImageReadError(f"{path}: not a readable image ({err.__class__.__name__}: {err})") from None
    return to_tensor(rgb)


def to_tensor(im: Image.Image | np.ndarray) -> torch.Tensor:
    """A PIL image or HxWx3 uint8 array -> (1, 3, H, W) float tensor in [0, 1]."""
    arr = np.asarray(pil_to_rgb(im) if isinstance(im, Image.Image) else im)
    if arr.ndim != 3 or arr.shape[2] != 3 or arr.dtype != np.uint8:
        raise ImageReadError(f"expected an HxWx3 uint8 array, got shape {arr.shape} {arr.dtype}")
    return torch.from_numpy(arr.copy()).permute(2, 0, 1).unsqueeze(0).float().div_(255.0)


def to_uint8(x: torch.Tensor) -> np.ndarray:
    """(1, 3, H, W) or (3, H, W) tensor in [0, 1] -> HxWx3 uint8 array (rounded, clipped)."""
    if x.dim() == 4:
        x = x[0]
    return x.detach().float().clamp(0, 1).mul(255).round().byte().permute(1, 2, 0).cpu().numpy()


def write_image(x: torch.Tensor, path: str | Path) -> None:
    """Save a (1, 3, H, W) tensor in [0, 1] as an 8-bit image (format from the suffix)."""
    Image.fromarray(to_uint8(x)).save(path)


def pad_to_multiple(x: torch.Tensor, multiple: int = 64) -> tuple[torch.Tensor, tuple[int, int]]:
    """Pad (replicate) bottom and right so H and W are multiples of ``multiple``.

    Returns the padded tensor and the original (H, W) for :func:`crop_to`.
    """
    h, w = x.shape[-2:]
    ph, pw = (-h) % multiple, (-w) % multiple
    if ph or pw:
        x = F.pad(x, (0, pw, 0, ph), mode="replicate")
    return x, (h, w)


def crop_to(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Crop back to the original (H, W) after :func:`pad_to_multiple`."""
    return x[..., : size[0], : size[1]]


def list_images(folder: str | Path) -> list[Path]:
    """Image files in a folder, sorted by name."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: not a directory")
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)


class PatchDataset(torch.utils.data.Dataset):
    """Random crops (with flips) from every image in a folder, held in memory.

    One epoch is ``samples_per_epoch`` random patches; the random generator comes from the
    DataLoader's worker seed, so a seeded run repeats.
    """

    def __init__(self, paths: Iterable[str | Path], patch: int = 128, samples_per_epoch: int = 10_000):
        self.images = [read_image(p)[0] for p in paths]
        if not self.images:
            raise ValueError("PatchDataset needs at least one image")
        small = [tuple(im.shape[-2:]) for im in self.images if min(im.shape[-2:]) < patch]
        if small:
            raise ValueError(f"images smaller than the {patch}px patch: {small}")
        self.patch = patch
        self.samples_per_epoch = samples_per_epoch

    def __len__(self) -> int:
        return self.samples_per_epoch

    def __getitem__(self, index: int) -> torch.Tensor:
        im = self.images[torch.randint(len(self.images), ()).item()]
        h, w = im.shape[-2:]
        top = torch.randint(h - self.patch + 1, ()).item()
        left = torch.randint(w - self.patch + 1, ()).item()
        crop = im[:, top : top + self.patch, left : left + self.patch]
        if torch.rand(()) < 0.5:
            crop = crop.flip(-1)
        return crop.contiguous()


def training_paths(root: str | Path | None = None) -> tuple[list[Path], list[Path]]:
    """(train, validation) image paths from ``<root>/train``; three photos are held out."""
    root = Path(root) if root else data_root()
    if root is None:
        raise FileNotFoundError("no data root: set LIC_LAB_DATA to a folder holding train/")
    paths = list_images(root / "train")
    train = [p for p in paths if p.name not in VALIDATION_NAMES]
    val = [p for p in paths if p.name in VALIDATION_NAMES]
    return train, val


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 digest of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_sums(path: str | Path) -> dict[str, str]:
    """Parse a ``sha256sum`` style file into {name: digest}."""
    sums = {}
    for line in Path(path).read_text().splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            sums[name.strip().lstrip("*")] = digest.lower()
    return sums


def verify_folder(folder: str | Path, sums: dict[str, str]) -> list[str]:
    """Names whose file is missing or whose SHA-256 does not match ``sums``."""
    folder = Path(folder)
    return [n for n, d in sums.items() if not (folder / n).is_file() or sha256_file(folder / n) != d]


def kodak_dir(download: bool = False, cache: str | Path = KODAK_CACHE) -> Path:
    """The folder with the 24 Kodak images, checked against their SHA-256 sums.

    Uses ``<LIC_LAB_DATA>/kodak`` when the data root is set, else ``data/kodak`` in the repository,
    downloading the images from their canonical location first when ``download=True``.
    """
    sums = read_sums(KODAK_SHA256)
    root = data_root()
    folder = root / "kodak" if root and (root / "kodak").is_dir() else Path(cache)
    if download and folder == Path(cache):
        folder.mkdir(parents=True, exist_ok=True)
        for name, digest in sums.items():
            target = folder / name
            if target.is_file() and sha256_file(target) == digest:
                continue
            tmp = target.with_suffix(".part")
            urllib.request.urlretrieve(KODAK_URL.format(name=name), tmp)
            if sha256_file(tmp) != digest:
                tmp.unlink()
                raise ValueError(f"{name}: SHA-256 mismatch after download")
            tmp.replace(target)
    bad = verify_folder(folder, sums)
    if bad:
        raise FileNotFoundError(
            f"Kodak images missing or corrupt in {folder}: {', '.join(bad[:4])}"
            + (" ..." if len(bad) > 4 else "")
            + " (run `python -m lic_lab download-kodak` or set LIC_LAB_DATA)"
        )
    return folder


def have_kodak() -> bool:
    """True when the 24 verified Kodak images are available without downloading."""
    try:
        kodak_dir()
    except FileNotFoundError:
        return False
    return True


def embedded_paths() -> list[Path]:
    """The embedded default photos shipped in ``data/embedded`` (no network, no data root)."""
    return list_images(EMBEDDED_DIR)


def evaluation_paths(limit: int | None = None) -> tuple[str, list[Path]]:
    """('kodak', paths) when Kodak is available, else ('embedded', paths)."""
    if have_kodak():
        paths = list_images(kodak_dir())
        name = "kodak"
    else:
        paths = embedded_paths()
        name = "embedded"
    return name, paths[:limit] if limit else paths


def centre_crop(x: torch.Tensor, size: int) -> torch.Tensor:
    """The central ``size`` x ``size`` window of a (..., H, W) tensor (the whole image if smaller)."""
    h, w = x.shape[-2:]
    top, left = max(0, (h - size) // 2), max(0, (w - size) // 2)
    return x[..., top : top + size, left : left + size]


def downscale(x: torch.Tensor, factor: int) -> torch.Tensor:
    """Box-filter downsampling by an integer factor, rounded to 8-bit levels (a real smaller image).

    How the benchmark paper builds its lower-resolution test sets (sec. 7.3.1, Table 8).
    """
    if factor < 1:
        raise ValueError("factor must be a positive integer")
    h, w = (x.shape[-2] // factor) * factor, (x.shape[-1] // factor) * factor
    small = torch.nn.functional.avg_pool2d(x[..., :h, :w], factor)
    return torch.round(small * 255) / 255
