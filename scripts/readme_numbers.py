"""Write the README's measured numbers from the result files (``lic_lab.evaluation.report``).

    python scripts/readme_numbers.py          # rewrite the block between the README's markers
    python scripts/readme_numbers.py --check  # exit 1 when the README says something the results do not

Run it after anything that changes a result file (build_zoo, the benchmark, unseen_photos.py,
paper_studies.py);
``tests/test_readme.py`` runs the check.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lic_lab.teaching.study_report import current_readme  # noqa: E402


def main(argv: list[str]) -> int:
    readme = ROOT / "README.md"
    text = readme.read_text()
    new = current_readme(text)
    if argv[:1] == ["--check"]:
        if new != text:
            print("README.md's numbers differ from the results: run python scripts/readme_numbers.py", file=sys.stderr)
            return 1
        return 0
    readme.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
