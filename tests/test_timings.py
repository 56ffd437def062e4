"""Notebook run times: recorded by scripts/run_notebooks.py, printed by each notebook's first cell."""
from lic_lab.teaching import timings


def test_record_and_print_a_run_time(tmp_path):
    path = tmp_path / "times.json"
    assert "not measured" in timings.run_time_line("01_foundations", path)
    timings.record_run("01_foundations", 42.24, path)
    timings.record_run("07_benchmark", 130.0, path)
    assert timings.load_times(path)["01_foundations"]["seconds"] == 42.2
    assert "in 42 s on" in timings.run_time_line("01_foundations", path)
    assert "in 2.2 minutes" in timings.run_time_line("07_benchmark", path)


def test_every_notebook_prints_its_measured_time_not_a_typed_one():
    from lic_lab import REPO_DIR

    for source in sorted((REPO_DIR / "notebooks").glob("0[1-7]_*.py")):
        text = source.read_text()
        assert f'timings.run_time_line("{source.stem}")' in text, source.name
        header = next(line for line in text.splitlines() if "**Time" in line)
        assert "to run" in header and "minute to run" not in header and "minutes to run" not in header, header
