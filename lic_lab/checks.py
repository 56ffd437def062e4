"""The errors a user can cause, gathered so the CLI reports each as one line (anything else is a bug)."""

from __future__ import annotations

from lic_lab.errors import LicLabError

USER_ERRORS: tuple[type[BaseException], ...] = (LicLabError, OSError)
