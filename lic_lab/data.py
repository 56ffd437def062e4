"""Images in and out: reading any file as RGB, padding, training patches, Kodak, the embedded set."""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.request
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageOps, UnidentifiedImageError

from lic_lab import PACKAGE_DIR, data_root, home
from lic_lab.errors import ImageReadError, UsageError
from lic_lab.limits import size_problem

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".ppm", ".pgm"}
EMBEDDED_DIR = PACKAGE_DIR / "embedded"  # package data: installed with the wheel
KODAK_URL = "http://r0k.us/graphics/kodak/{name}"
KODAK_CACHE = home() / "data" / "kodak"
KODAK_SHA256 = PACKAGE_DIR / "kodak_SHA256SUMS"
VALIDATION_NAMES = (
    "wiki47.png",
    "wiki48.png",
    "wiki49.png",  # train/
    "mate-backgrounds_12.png",
    "plasma-workspace-wallpapers_09.png",  # train-extra/
    "scikit-image-wheel_04.png",
)
# The three largest photos of train-extra/ never enter training or validation: they are the
# held-out "larger images" test set (the coarse-to-fine hyperprior's resolution study).
LARGE_TEST_NAMES = (
    "lomiri-wallpapers-16.04_13.png",
    "lomiri-wallpapers-16.04_14.png",
    "lomiri-wallpapers-20.04_01.png",
)
TRAIN_FOLDERS = ("train", "train-extra")


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


def read_image(path: str | Path, max_pixels: int | None = None) -> torch.Tensor:
    """Read an image file as a float tensor of shape (1, 3, H, W) in [0, 1].

    The size is checked from the file's header before any pixel is decoded (decompression bombs
    and images over ``max_pixels``, by default :func:`lic_lab.limits.max_pixels`, are refused), EXIF orientation is applied
    (a phone photo comes out the way it is shown), and multi-frame files (animated GIF, PNG or
    WebP, multi-page TIFF) are refused; a multi-picture JPEG (MPO) gives its primary image.
    Raises :class:`ImageReadError` with a one-line reason for anything that is not a usable image.
    """
    path = Path(path)
    if not path.is_file():
        raise ImageReadError(f"{path}: no such file" if not path.exists() else f"{path}: not a file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                problem = size_problem(*im.size, max_pixels)
                if problem:
                    raise ImageReadError(f"{path}: {problem}")
                frames = getattr(im, "n_frames", 1)
                if frames > 1 and im.format != "MPO":
                    raise ImageReadError(
                        f"{path}: has {frames} frames ({im.format}); lic_lab codes still images, "
                        "save the frame you want as PNG"
                    )
                im.load()
                rgb = pil_to_rgb(ImageOps.exif_transpose(im))
    except ImageReadError:
        raise
    except Image.DecompressionBombError as err:
        raise ImageReadError(f"{path}: image size is over the limit ({err})") from None
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


LOSSY_SUFFIXES = {".jpg", ".jpeg", ".webp", ".jp2", ".j2k", ".avif"}


def write_image(x: torch.Tensor, path: str | Path) -> None:
    """Save a (1, 3, H, W) tensor in [0, 1] as an 8-bit image (format from the suffix), atomically.

    The file appears complete or not at all (a temporary file beside it, then a rename).
    """
    path = Path(path)
    fmt = Image.registered_extensions().get(path.suffix.lower())
    if fmt is None:
        raise UsageError(f"{path}: unknown image format {path.suffix!r}; use .png for the exact decoded pixels")
    write_atomically(path, lambda fh: Image.fromarray(to_uint8(x)).save(fh, format=fmt))


def write_atomically(path: str | Path, write) -> None:
    """Call ``write(file)`` on a temporary file next to ``path``, then rename it to ``path``."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent if str(path.parent) else ".")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def pad_to_multiple(x: torch.Tensor, multiple: int = 64) -> tuple[torch.Tensor, tuple[int, int]]:
    """Pad (replicate) bottom and right so H and W are multiples of ``multiple``.

    Returns the padded tensor and the original (H, W) for :func:`crop_to`.
    """
    h, w = x.shape[-2:]
    ph, pw = (-h) % multiple, (-w) % multiple
    if ph or pw:
        x = F.pad(x, (0, pw, 0, ph), mode="replicate")
    return x, (h, w)


def crop_to(x: torch.Tensor, size: Sequence[int]) -> torch.Tensor:
    """Crop back to the original (H, W) after :func:`pad_to_multiple`."""
    return x[..., : size[0], : size[1]]


def list_images(folder: str | Path) -> list[Path]:
    """Image files in a folder, sorted by name."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: not a directory")
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)


class PatchDataset(torch.utils.data.Dataset):
    """Random crops (with flips and optional down-scaling) from every image, held in memory as uint8.

    One epoch is ``samples_per_epoch`` random patches; the random generator is PyTorch's global
    one (or the DataLoader worker's), so a seeded run repeats. With ``downscale=p`` a patch is,
    with probability p, cut from a window up to twice as large and resized to the patch size
    (antialiased): random down-scaling, which shows the model the detail density of smaller photos.
    """

    def __init__(
        self, paths: Iterable[str | Path], patch: int = 128, samples_per_epoch: int = 10_000, downscale: float = 0.0
    ):
        self.images = [(read_image(p)[0] * 255).round().to(torch.uint8) for p in paths]
        if not self.images:
            raise ValueError("PatchDataset needs at least one image")
        small = [tuple(im.shape[-2:]) for im in self.images if min(im.shape[-2:]) < patch]
        if small:
            raise ValueError(f"images smaller than the {patch}px patch: {small}")
        self.patch = patch
        self.samples_per_epoch = samples_per_epoch
        self.downscale = downscale

    def __len__(self) -> int:
        return self.samples_per_epoch

    def __getitem__(self, index: int) -> torch.Tensor:
        im = self.images[int(torch.randint(len(self.images), ()))]
        h, w = im.shape[-2:]
        size = self.patch
        if self.downscale and float(torch.rand(())) < self.downscale:
            size = int(self.patch * (1.0 + float(torch.rand(()))))  # a window 1x to 2x the patch
            size = min(size, h, w)
        top = int(torch.randint(h - size + 1, ()))
        left = int(torch.randint(w - size + 1, ()))
        crop = im[:, top : top + size, left : left + size].float().div_(255.0)
        if size != self.patch:
            crop = F.interpolate(
                crop[None], size=(self.patch, self.patch), mode="bilinear", antialias=True, align_corners=False
            )[0].clamp_(0, 1)
        if float(torch.rand(())) < 0.5:
            crop = crop.flip(-1)
        return crop.contiguous()


def training_paths(
    root: str | Path | None = None, folders: Iterable[str] = TRAIN_FOLDERS
) -> tuple[list[Path], list[Path]]:
    """(train, validation) image paths from ``<root>/train`` and ``<root>/train-extra`` (when present).

    The photos named in ``VALIDATION_NAMES`` are held out for validation and those in
    ``LARGE_TEST_NAMES`` are held out altogether (a test set of large photos).
    """
    root = Path(root) if root else data_root()
    if root is None:
        raise FileNotFoundError("no data root: set LIC_LAB_DATA to a folder holding train/")
    paths = [p for folder in folders if (root / folder).is_dir() for p in list_images(root / folder)]
    if not paths:
        raise FileNotFoundError(f"{root}: no training photos in {', '.join(folders)}")
    train = [p for p in paths if p.name not in VALIDATION_NAMES and p.name not in LARGE_TEST_NAMES]
    val = [p for p in paths if p.name in VALIDATION_NAMES]
    return train, val


def large_test_paths(root: str | Path | None = None) -> list[Path]:
    """The held-out large photos (``LARGE_TEST_NAMES`` in ``<root>/train-extra``), those present."""
    root = Path(root) if root else data_root()
    if root is None:
        return []
    return [root / "train-extra" / n for n in LARGE_TEST_NAMES if (root / "train-extra" / n).is_file()]


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


def fetch_verified(url: str, target: Path, sha256: str, size: int | None = None, timeout: float = 60) -> Path:
    """Download ``url`` to ``target`` through a ``.part`` file, keeping it only if its SHA-256 (and
    size, if given) match; a stalled connection fails after ``timeout`` s. Errors: DownloadError."""
    import shutil

    from lic_lab.errors import DownloadError

    part = target.with_suffix(target.suffix + ".part")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(part, "wb") as out:
            shutil.copyfileobj(response, out, 1 << 20)
    except OSError as e:  # URLError, timeouts and refused connections are OSErrors
        part.unlink(missing_ok=True)
        raise DownloadError(f"{target.name}: cannot download {url} ({e})") from None
    if (size is not None and part.stat().st_size != size) or sha256_file(part) != sha256:
        part.unlink()
        raise DownloadError(f"{target.name}: {url} does not match its SHA-256; refused")
    part.replace(target)
    return target


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
            fetch_verified(KODAK_URL.format(name=name), target, digest)
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
    """The embedded default photos shipped with the package (no network, no data root)."""
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
