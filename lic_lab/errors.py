"""Every error a user can cause, in one place. The CLI prints these as one line; anything else is a bug.

All derive from :class:`LicLabError` (and from ``ValueError``, so older callers that caught
``ValueError`` keep working).
"""

from __future__ import annotations


class LicLabError(ValueError):
    """Base of the errors a user's input can cause (bad file, bad stream, bad option)."""


class BitstreamError(LicLabError):
    """A bitstream that cannot be decoded (corrupt, truncated, foreign, or with an invalid header)."""


class CheckpointError(LicLabError):
    """A file that is not a usable lic_lab checkpoint."""


class ImageReadError(LicLabError):
    """A file that is not an image lic_lab can read (or one over the size limit)."""


class CodingError(LicLabError):
    """An image the codec refuses to code (e.g. over the size limit)."""


class UsageError(LicLabError):
    """An option or combination of options that does not apply (e.g. ``--rate`` on a fixed-rate model)."""


class DownloadError(LicLabError):
    """A download that failed or whose SHA-256 does not match the manifest."""


class TrainingDiverged(LicLabError):
    """A training run whose loss blew up (``lic_lab.training.curves.divergence``); nothing was written."""
