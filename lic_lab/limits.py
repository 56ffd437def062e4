"""Size limits that keep coding and decoding bounded in memory and time, whatever a file claims.

The default, 2^22 pixels (4.2 MP, e.g. 2048 x 2048), keeps the peak memory of coding or decoding
with the shipped models under about 2 GB (measured by ``scripts/fuzz_decode.py``). Set
``LIC_LAB_MAX_PIXELS`` to raise or lower it; a model with a slow one-symbol-at-a-time decoder sets
a lower limit of its own (``CompressionModel.max_decode_pixels``).
"""

from __future__ import annotations

import os

from lic_lab.errors import UsageError

DEFAULT_MAX_PIXELS = 1 << 22
MAX_SIDE = 65535  # what the container's 16-bit fields hold
PAD = 64  # every model pads the image to a multiple of this before coding


def max_pixels() -> int:
    """The pixel limit in force (``LIC_LAB_MAX_PIXELS`` or the default)."""
    value = os.environ.get("LIC_LAB_MAX_PIXELS")
    if not value:
        return DEFAULT_MAX_PIXELS
    try:
        limit = int(value)
    except ValueError:
        raise UsageError(f"LIC_LAB_MAX_PIXELS must be a whole number, got {value!r}") from None
    if limit < 1:
        raise UsageError("LIC_LAB_MAX_PIXELS must be positive")
    return limit


def size_problem(width: int, height: int, limit: int | None = None, pad: int = PAD) -> str | None:
    """Why an image of this size is refused (a sentence), or None when it is fine."""
    limit = max_pixels() if limit is None else limit
    if width < 1 or height < 1:
        return f"image size {width}x{height} is empty"
    if width > MAX_SIDE or height > MAX_SIDE:
        return f"image size {width}x{height} has a side over {MAX_SIDE} pixels"
    padded = -(-width // pad) * pad * (-(-height // pad) * pad)  # what the codec allocates
    if padded > limit:
        return (
            f"image size {width}x{height} ({padded / 1e6:.1f} MP once padded to a multiple of {pad}) is over the "
            f"limit of {limit / 1e6:.1f} MP (set LIC_LAB_MAX_PIXELS to change it)"
        )
    return None
