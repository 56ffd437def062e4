"""The README's measured numbers are the result files' numbers (lic_lab.evaluation.report)."""
import pytest

from lic_lab import REPO_DIR, in_checkout
from lic_lab.evaluation import report
from lic_lab.teaching import study_report

pytestmark = pytest.mark.skipif(not in_checkout(), reason="needs the checkout's README and results")


def test_readme_numbers_are_current():
    text = (REPO_DIR / "README.md").read_text()
    assert report.replace_block(text, report.readme_block()) == text, "run: python scripts/readme_numbers.py"
    block = study_report.studies_block()
    assert report.replace_block(text, block, study_report.BEGIN, study_report.END) == text, (
        "run: python scripts/readme_numbers.py"
    )


def test_study_rows_read_the_results():
    rows = dict(study_report.study_rows())
    assert any(k.startswith("CBANet: decode") for k in rows) and all(v for v in rows.values())
    # the paper's numbers come from references, never typed: Table III's four values
    from lic_lab.evaluation.references import CBANET_TABLE3

    table3 = next(v for k, v in rows.items() if k.startswith("CBANet: Table III"))
    assert f"paper {CBANET_TABLE3['baseline_one_level'] / 1e6:.2f}" in table3


def test_block_replacement_and_rows():
    text = f"intro\n{report.BEGIN}\nold\n{report.END}\noutro\n"
    assert report.replace_block(text, "NEW") == "intro\nNEW\noutro\n"
    assert report.table([("a", "1")]).splitlines()[-1] == "| a | 1 |"
    doc = {"photos": [{}, {}], "families": {"hyperprior": {"mean_saving_percent": 31.25, "photos_in_range": 2,
                                                          "mean_bd_rate_vs_jpeg_sweep": -40.0, "photos_with_overlap": 2}}}
    row = report.unseen_rows(doc)[0][1]
    assert "`hyperprior` 31.2% fewer bytes (2 of 2 photos" in row and "sweep -40.0% (2 photos)" in row
    assert report._pct(None).startswith("N/A") and report._pct(-4.56) == "-4.6%"
