"""The README's measured numbers are the result files' numbers (lic_lab.evaluation.report)."""
import pytest

from lic_lab import REPO_DIR, in_checkout
from lic_lab.evaluation import report
from lic_lab.teaching import study_report

pytestmark = pytest.mark.skipif(not in_checkout(), reason="needs the checkout's README and results")


def test_readme_numbers_are_current():
    text = (REPO_DIR / "README.md").read_text()
    assert study_report.current_readme(text) == text, "run: python scripts/readme_numbers.py"


def test_study_rows_read_the_results(monkeypatch):
    rows = dict(study_report.study_rows())
    assert any(k.startswith("CBANet: decode") for k in rows) and all(v for v in rows.values())
    # the paper's numbers come from references, never typed: change them and the row changes
    from lic_lab.evaluation import references

    monkeypatch.setitem(references.CBANET_TABLE3, "baseline_one_level", 9.87e6)
    table3 = next(v for k, v in study_report.study_rows() if k.startswith("CBANet: Table III"))
    assert "(paper 9.87 / " in table3


def test_verdict_rules():
    from lic_lab.teaching.ablation import gaps_beyond_noise, verdict

    assert verdict(True) == "reproduced" and verdict(False, -3.0) == "not reproduced"
    assert verdict(True, 0.2).startswith("no measurable")
    rows = {"a": {"dbpp_percent": -3.0, "dbpp_spread": 0.3}, "b": {"dbpp_percent": -2.0, "dbpp_spread": 0.3}}
    assert gaps_beyond_noise(rows, [("a", "b")])
    rows["b"]["dbpp_spread"] = 0.8
    assert not gaps_beyond_noise(rows, [("a", "b")])
    quality = {"a": {"ms_ssim": 0.9174, "ms_ssim_spread": 0.0002}, "b": {"ms_ssim": 0.9173, "ms_ssim_spread": 0.0001}}
    assert not gaps_beyond_noise(quality, [("a", "b")], "ms_ssim")
    quality["a"]["ms_ssim"] = 0.9180
    assert gaps_beyond_noise(quality, [("a", "b")], "ms_ssim")


def test_block_replacement_and_rows():
    text = f"intro\n{report.BEGIN}\nold\n{report.END}\noutro\n"
    assert report.replace_block(text, "NEW") == "intro\nNEW\noutro\n"
    assert report.table([("a", "1")]).splitlines()[-1] == "| a | 1 |"
    doc = {"photos": [{}, {}], "families": {"hyperprior": {"mean_saving_percent": 31.25, "photos_in_range": 2,
                                                          "mean_bd_rate_vs_jpeg_sweep": -40.0, "photos_with_overlap": 2}}}
    row = report.unseen_rows(doc)[0][1]
    assert "`hyperprior` 31.2% fewer bytes (2 of 2 photos" in row and "sweep -40.0% (2 photos)" in row
    assert report.pct(None).startswith("N/A") and report.pct(-4.56) == "-4.6%"
