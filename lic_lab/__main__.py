"""Command line: ``python -m lic_lab models | compress | decompress | evaluate | train | download-kodak``."""
from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
