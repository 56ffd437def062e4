"""What each notebook says it teaches, read from its own opening (notebook 00's table of contents).

Every notebook opens with a title line, a ``**What you will learn**`` list, an ``**Assumes**`` line
and a ``**Time**`` line (the course-lab standard); :func:`outline` reads them from the jupytext
source and refuses a notebook that lacks one, so the contents table cannot silently lose a row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

LEARN = "# **What you will learn**"


@dataclass(frozen=True)
class Outline:
    title: str
    learn: list[str]  # the first clause of each point
    assumes: str
    time: str


def _field(lines: list[str], name: str, path: Path) -> str:
    """The text after ``**name**`` up to the next bold field or the end of its line."""
    for line in lines:
        match = re.search(rf"\*\*{name}\*\*\s*(.*?)(?:\s*\*\*[A-Z]\w*\*\*|$)", line)
        if match:
            return match.group(1).rstrip(".")
    raise ValueError(f"{path.name}: no **{name}** line in the opening")


def outline(path: Path) -> Outline:
    """A notebook's title, what it teaches, what it assumes and how long it takes."""
    lines = path.read_text().splitlines()
    title = next((line[4:] for line in lines if line.startswith("# # ")), None)
    if title is None or LEARN not in lines:
        raise ValueError(f"{path.name}: the opening needs a '# # ' title and a {LEARN!r} list")
    points = []
    for line in lines[lines.index(LEARN) + 1 :]:
        if not line.startswith("# - "):
            break
        points.append(line[4:].rstrip(";."))
    if not points:
        raise ValueError(f"{path.name}: {LEARN!r} is not followed by a list")
    time = _field(lines, "Time", path).split(";")[0]  # the time, not the sentence about run times after it
    return Outline(title, points, _field(lines, "Assumes", path), time)
