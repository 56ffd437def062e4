"""The benchmark runner: ranges, BD by range, the command's outputs, and its shipped results."""
import json
import math

import pytest

from lic_lab import REPO_DIR, data, zoo
from lic_lab.cli import main
from lic_lab.evaluation.benchmark import MIN_COVER, bd_by_range, bd_matrix, bd_ranges, covered, run_benchmark

SHIPPED = REPO_DIR / "data" / "results" / "benchmark"


def curve(scale: float, lo: float = 0.05, hi: float = 4.0, n: int = 12):
    """A synthetic RD curve: PSNR = 33 + 6 log2(bpp / scale) (about 7 to 45 dB)."""
    rates = [lo * (hi / lo) ** (i / (n - 1)) for i in range(n)]
    return rates, [33 + 6 * math.log2(r / scale) for r in rates]


def test_ranges_follow_table_6():
    r = bd_ranges("kodak")
    assert r["full"] == {"psnr": (26.0, 40.0), "bpp": (0.25, 1.40)}
    assert r["low"]["psnr"][0] == 26.0 and r["high"]["psnr"][1] == pytest.approx(40.0)
    assert r["low"]["psnr"][1] == pytest.approx(r["median"]["psnr"][0])
    assert r["median"]["bpp"][1] == pytest.approx(r["high"]["bpp"][0])
    assert r["low"]["bpp"][1] / 0.25 == pytest.approx(1.40 / r["high"]["bpp"][0])  # geometric thirds


def test_bd_by_range_and_coverage():
    anchor, better = curve(1.0), curve(0.8)  # the same quality with 20% fewer bits everywhere
    short = curve(0.8, hi=0.7)  # only reaches 31.8 dB: covers the low range, a quarter of the median
    rows = {r["curve"]: r for r in bd_by_range({"a": anchor, "b": better, "s": short}, "a", bd_ranges())}
    for name in ("low", "median", "high", "full"):
        assert rows["b"][name] == pytest.approx(-20.0, abs=1e-6)
        assert rows["b"][f"{name}_psnr_db"] == pytest.approx(6 * math.log2(1 / 0.8), abs=1e-6)
    assert covered(short, bd_ranges()["low"]["psnr"], 1) == 1
    assert covered(short, bd_ranges()["median"]["psnr"], 1) < MIN_COVER
    assert rows["s"]["low"] == pytest.approx(-20.0, abs=1e-6)
    assert rows["s"]["median"] is None and rows["s"]["high"] is None and rows["s"]["full"] is None


def test_bd_by_range_sees_where_a_codec_gains():
    """A codec 30% better at low quality and equal at high quality: the ranges tell them apart."""
    anchor = curve(1.0)
    rates, quality = anchor
    test = ([r * (0.7 if q < 31 else (1.0 if q > 35 else 0.7 + 0.3 * (q - 31) / 4)) for r, q in zip(rates, quality)],
            quality)
    row = bd_by_range({"a": anchor, "t": test}, "a", bd_ranges())[0]
    assert row["low"] < -20 and abs(row["high"]) < 1 and row["low"] < row["full"] < row["high"]


def test_bd_matrix_against_each_anchor():
    rows = bd_matrix({"a": curve(1.0), "b": curve(0.8)}, ["a", "b"])
    assert rows[0]["a"] is None and rows[1]["a"] == pytest.approx(-20.0)
    assert rows[0]["b"] == pytest.approx(25.0)


def test_run_benchmark_writes_everything(tmp_path):
    summary = run_benchmark(data.EMBEDDED_DIR, tmp_path, ["hyperprior-q4"], ["jpeg"],
                            threads=(1,), repeats=1, limit=2, progress=False)
    for name in ("results.json", "summary.json", "bd_rate.md", "timing.md", "rd_psnr.png", "rd_ms_ssim.png"):
        assert (tmp_path / name).stat().st_size > 0
    coding = summary["coding"]["hyperprior-q4"]
    assert coding["bit_exact"] == coding["decodes"] == 2
    assert set(summary["timing"]) == {"hyperprior-q4", "jpeg"}
    assert set(summary["curves"]["psnr"]) == {"hyperprior", "jpeg"}
    results = json.loads((tmp_path / "results.json").read_text())["results"]
    assert len(results) == 1 + 9 and all(len(e["images"]) == 2 for e in results)
    # adding a model with reuse: the earlier entries and timings come back unchanged, only the new one is measured
    again = run_benchmark(data.EMBEDDED_DIR, tmp_path, ["hyperprior-q4", "factorized-q4"], ["jpeg"],
                          threads=(1,), repeats=1, limit=2, progress=False, reuse=True)
    assert again["timing"]["hyperprior-q4"] == summary["timing"]["hyperprior-q4"]
    assert again["timing"]["jpeg"] == summary["timing"]["jpeg"] and len(again["timing"]) == 3  # + the factorized family
    merged = json.loads((tmp_path / "results.json").read_text())["results"]
    assert merged[0] == results[0] and {e["model"] for e in merged} == {"hyperprior-q4", "factorized-q4", "jpeg"}


def test_benchmark_command(tmp_path, capsys):
    out = tmp_path / "bench"
    assert main(["benchmark", "--data", str(data.EMBEDDED_DIR), "--out", str(out), "--models",
                 "factorized-q4", "--codecs", "jpeg", "--limit", "1", "--threads", "1", "--repeats", "1",
                 "--quiet"]) == 0
    assert "BD-rate vs jpeg" in capsys.readouterr().out
    assert main(["benchmark", "--data", str(tmp_path / "none"), "--out", str(out)]) == 1
    assert main(["benchmark", "--data", str(data.EMBEDDED_DIR), "--out", str(out),
                 "--models", "nope"]) == 1
    assert "unknown model" in capsys.readouterr().err
    assert main(["benchmark", "--data", str(data.EMBEDDED_DIR), "--out", str(out),
                 "--models", "factorized-q4", "--anchor", "bpg"]) == 1
    assert "anchor 'bpg'" in capsys.readouterr().err


@pytest.mark.skipif(not (SHIPPED / "results.json").is_file(), reason="no shipped benchmark results")
def test_shipped_benchmark_covers_the_zoo():
    summary = json.loads((SHIPPED / "summary.json").read_text())
    results = json.loads((SHIPPED / "results.json").read_text())["results"]
    assert {e["model"] for e in results} >= set(zoo.leaderboard_models())
    assert all(s["bit_exact"] == s["decodes"] for s in summary["coding"].values())
    assert len(summary["dataset"]["images"]) == 24


@pytest.mark.skipif(not (SHIPPED / "results.json").is_file() or not data.have_kodak(),
                    reason="needs the shipped benchmark results and Kodak")
def test_shipped_benchmark_reproduces_from_the_checkpoints():
    """Re-code one Kodak image with one setting of every learned curve: bytes and PSNR as stored."""
    from lic_lab.evaluation.evaluate import evaluate_image

    results = json.loads((SHIPPED / "results.json").read_text())["results"]
    path = data.list_images(data.kodak_dir())[0]
    x = data.read_image(path)
    seen = set()
    for entry in results:
        if entry["model"] not in zoo.registry() or entry["curve"] in seen:
            continue
        seen.add(entry["curve"])
        model = zoo.load_model(entry["model"])
        if model.rate_range is not None:
            model.set_rate(entry["setting"])
        if entry.get("branches"):
            model.set_branches(entry["branches"])
        stored = next(r for r in entry["images"] if r["image"] == path.name)
        row = evaluate_image(model, x)
        assert row["bytes"] == stored["bytes"], entry["curve"]
        assert row["psnr"] == pytest.approx(stored["psnr"], abs=1e-6)
    assert len(seen) >= 10


def test_benchmark_exercise_checks():
    from lic_lab.teaching.exercises import verdict

    table = {"Ours (coarse-to-fine)": {"high": -10.0}, "ICLR18-HyperPrior": {"high": 12.5}}
    assert "correct" in verdict(1, -20.0, table, book="07")  # 0.9 / 1.125 - 1
    assert "not yet" in verdict(1, -22.5, table, book="07")  # the difference of the two, not their ratio
    bits = {"z2": {"bpp": 0.01}, "z1": {"bpp": 0.03}, "y": {"bpp": 0.36}}
    assert "correct" in verdict(2, 10.0, bits, book="07")
    assert "correct" in verdict(2, 10.0, {"z1": {"bpp": 0.04}, "y": {"bpp": 0.36}}, book="07")  # one hyper level
    assert "correct" in verdict(3, 1.5, {"1": {"decode_s": 0.3}, "2": {"decode_s": 0.2}}, book="07")
    assert "not yet" in verdict(3, 0.67, {"1": {"decode_s": 0.3}, "2": {"decode_s": 0.2}}, book="07")


def test_reuse_measures_a_retrained_model_again(tmp_path):
    """``--reuse`` keys shipped models by checkpoint SHA-256: a new checkpoint under the same name is re-measured."""
    from lic_lab.evaluation.benchmark import previous_run
    from lic_lab.zoo import registry

    run_benchmark(data.EMBEDDED_DIR, tmp_path, ["hyperprior-q4"], ["jpeg"], threads=(1,), repeats=1, limit=1,
                  progress=False)
    images = json.loads((tmp_path / "summary.json").read_text())["dataset"]["images"]
    entries, timing = previous_run(tmp_path, images)
    assert entries["hyperprior-q4"][0]["sha256"] == registry()["hyperprior-q4"]["sha256"] and "hyperprior-q4" in timing
    doc = json.loads((tmp_path / "results.json").read_text())
    for entry in doc["results"]:
        if entry["model"] == "hyperprior-q4":
            entry["sha256"] = "0" * 64  # as if measured with an earlier checkpoint of that name
    (tmp_path / "results.json").write_text(json.dumps(doc))
    entries, timing = previous_run(tmp_path, images)
    assert "hyperprior-q4" not in entries and "hyperprior-q4" not in timing and "jpeg" in entries
