"""Classical codecs through Pillow: JPEG, JPEG 2000, WebP and AVIF, over a sweep of settings.

Settings used (state them beside every comparison):

* JPEG: Pillow's libjpeg, 4:4:4 chroma (``subsampling=0``) unless ``jpeg420`` is chosen, setting = quality;
* JPEG 2000: OpenJPEG with the *irreversible* 9/7 wavelet (Pillow's default 5/3 is for lossless) and
  the colour transform on (`mct=1`; Pillow's default leaves RGB untransformed, 2.5 dB worse),
  setting = compression ratio (``quality_mode="rates"``);
* WebP: libwebp, ``method=6`` (slowest, best), setting = quality;
* AVIF: libavif, 4:4:4, ``speed=4``, setting = quality.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image

from lic_lab.errors import UsageError


@dataclass(frozen=True)
class Codec:
    """One classical codec: a Pillow format, how a setting maps to save() options, and a sweep."""

    name: str
    pil_format: str
    options: Callable[[float], dict[str, Any]]
    sweep: tuple[float, ...]
    higher_is_better: bool = True  # does a larger setting give more bits?
    bounds: tuple[float, float] = (1, 100)
    extra: dict[str, Any] = field(default_factory=dict)

    def encode(self, image: np.ndarray, setting: float) -> bytes:
        """Encode an HxWx3 uint8 image; returns the file's bytes."""
        buf = io.BytesIO()
        Image.fromarray(image).save(buf, self.pil_format, **self.options(setting))
        return buf.getvalue()

    @staticmethod
    def decode(data: bytes) -> np.ndarray:
        """Decode a file's bytes to an HxWx3 uint8 array."""
        with Image.open(io.BytesIO(data)) as im:
            return np.asarray(im.convert("RGB"))


CODECS: dict[str, Codec] = {
    "jpeg": Codec(
        "jpeg", "JPEG", lambda q: {"quality": int(round(q)), "subsampling": 0}, (5, 10, 20, 30, 45, 60, 75, 85, 92)
    ),
    "jpeg420": Codec(
        "jpeg420", "JPEG", lambda q: {"quality": int(round(q)), "subsampling": 2}, (5, 10, 20, 30, 45, 60, 75, 85, 92)
    ),
    "jpeg2000": Codec(
        "jpeg2000",
        "JPEG2000",
        lambda r: {"quality_mode": "rates", "quality_layers": [float(r)], "irreversible": True, "mct": 1},
        (240, 160, 100, 64, 40, 24, 16, 10),
        higher_is_better=False,
        bounds=(4, 400),
    ),
    "webp": Codec(
        "webp",
        "WEBP",
        lambda q: {"quality": int(round(q)), "method": 6},
        (1, 5, 15, 30, 50, 70, 85, 95),
        bounds=(0, 100),
    ),
    "avif": Codec(
        "avif",
        "AVIF",
        lambda q: {"quality": int(round(q)), "speed": 4, "subsampling": "4:4:4"},
        (10, 20, 30, 40, 50, 60, 70, 80),
        bounds=(0, 100),
    ),
}


def get_codec(name: str) -> Codec:
    if name not in CODECS:
        raise UsageError(f"unknown codec {name!r}; choose from {sorted(CODECS)}")
    return CODECS[name]


def find_setting(codec: Codec | str, image: np.ndarray, target_bpp: float, iterations: int = 12) -> tuple[float, bytes]:
    """Bisect the codec's setting to the largest rate not above ``target_bpp`` (or the smallest rate).

    Returns (setting, the encoded bytes).
    """
    codec = get_codec(codec) if isinstance(codec, str) else codec
    pixels = image.shape[0] * image.shape[1]
    lo, hi = codec.bounds
    integer = codec.name != "jpeg2000"
    best: tuple[float, bytes] | None = None
    for _ in range(iterations):
        mid = (lo + hi) / 2
        if integer:
            mid = float(int(round(mid)))
        data = codec.encode(image, mid)
        bpp = 8 * len(data) / pixels
        fits = bpp <= target_bpp
        if fits and (best is None or len(data) > len(best[1])):
            best = (mid, data)
        # move towards more bits if it fits, fewer if it does not
        more_bits_is_up = codec.higher_is_better
        if fits == more_bits_is_up:
            lo = mid
        else:
            hi = mid
        if integer and hi - lo <= 1:
            break
    if best is None:
        setting = codec.bounds[0] if codec.higher_is_better else codec.bounds[1]
        best = (setting, codec.encode(image, setting))
    return best
