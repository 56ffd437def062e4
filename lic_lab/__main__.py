"""Command line: ``python -m lic_lab models | compress | decompress | evaluate | train | download-kodak``."""

from lic_lab.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
