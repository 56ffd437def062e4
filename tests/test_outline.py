"""Notebook 00's table of contents reads every notebook's opening."""
from pathlib import Path

import pytest

from lic_lab.teaching.outline import outline

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("0[1-9]_*.py"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_notebook_opening_says_what_it_teaches_assumes_and_takes(path):
    o = outline(path)
    assert o.title and len(o.learn) >= 2 and o.assumes
    assert "minute" in o.time and "**" not in o.assumes + o.time


def test_an_opening_without_its_list_is_refused(tmp_path):
    bad = tmp_path / "09_x.py"
    bad.write_text("# # 09 · X\n#\n# **You will learn**\n# - something\n# **Assumes** 01.\n# **Time** 5 minutes.\n")
    with pytest.raises(ValueError, match="What you will learn"):
        outline(bad)
    bad.write_text("# # 09 · X\n#\n# **What you will learn**\n# - something\n#\n# **Time** 5 minutes.\n")
    with pytest.raises(ValueError, match="Assumes"):
        outline(bad)
