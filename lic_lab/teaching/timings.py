"""How long each notebook took to run top to bottom, measured by ``scripts/run_notebooks.py``.

The notebooks' headers do not type a run time: their first cell prints the last measured one
(``data/results/notebook_times.json``), with the machine it was measured on.
"""

from __future__ import annotations

import json
import os
import platform
from datetime import date
from pathlib import Path
from typing import Any

from lic_lab import REPO_DIR

NOTEBOOK_TIMES = REPO_DIR / "data" / "results" / "notebook_times.json"


def load_times(path: Path = NOTEBOOK_TIMES) -> dict[str, Any]:
    """{notebook stem: {"seconds", "cores", "machine", "date"}} of the last measured runs ({} when none)."""
    return json.loads(path.read_text()) if path.is_file() else {}


def record_run(stem: str, seconds: float, path: Path = NOTEBOOK_TIMES) -> None:
    """Store one notebook's run time, with this machine's core count and today's date."""
    times = load_times(path)
    times[stem] = {
        "seconds": round(seconds, 1),
        "cores": os.cpu_count(),
        "machine": platform.machine(),
        "date": date.today().isoformat(),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(dict(sorted(times.items())), indent=1) + "\n")


def run_time_line(stem: str, path: Path = NOTEBOOK_TIMES) -> str:
    """One sentence: how long ``stem`` last took to run top to bottom, and where."""
    t = load_times(path).get(stem)
    if t is None:
        return f"{stem}: run time not measured yet (python scripts/run_notebooks.py measures it)"
    minutes = t["seconds"] / 60
    span = f"{t['seconds']:.0f} s" if minutes < 1 else f"{minutes:.1f} minutes"
    return (
        f"this notebook last ran top to bottom in {span} on {t['cores']} CPU cores "
        f"({t['date']}, scripts/run_notebooks.py)"
    )
