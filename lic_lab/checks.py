"""The errors a user can cause, gathered so the CLI reports each as one line."""
from __future__ import annotations

from .data import ImageReadError
from .entropy.coder import BitstreamError
from .zoo import CheckpointError

USER_ERRORS: tuple[type[BaseException], ...] = (
    ImageReadError, BitstreamError, CheckpointError, FileNotFoundError, IsADirectoryError,
    PermissionError, ValueError, OSError,
)
