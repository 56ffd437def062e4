"""Ablation tables: seeds grouped per variant, paired bpp changes, rank agreement."""
import pytest

from lic_lab.teaching.ablation import ablation_rows, same_order, seed_results


def entry(bpp, ms_ssim=0.95):
    return {"bpp": bpp, "bpp_est": bpp * 0.99, "psnr": 25.0, "ms_ssim": ms_ssim}


REG = {"m-abl-q5-s0": entry(0.30), "m-abl-q5-s1": entry(0.20), "m-abl-q357-s0": entry(0.27, 0.96),
       "m-abl-q357-s1": entry(0.19, 0.94), "m-abl-q357-s2": entry(0.5), "other-q3": entry(1.0), "m-abl-x": entry(1.0)}


def test_seed_results_groups_by_variant_and_seed():
    res = seed_results(REG, "m-abl-")
    assert set(res) == {"q5", "q357"} and set(res["q357"]) == {0, 1, 2}


def test_changes_are_paired_by_seed():
    rows = ablation_rows(seed_results(REG, "m-abl-"), ["q5", "q357"], "q5")
    base, var = rows
    assert base["dbpp_percent"] == 0 and base["seeds"] == 2
    # seed 2 has no baseline run: only seeds 0 and 1 pair up (-10% and -5%)
    assert var["dbpp_percent"] == pytest.approx(-7.5) and var["dbpp_spread"] == pytest.approx(2.5)
    assert var["bpp"] == pytest.approx((0.27 + 0.19 + 0.5) / 3)
    assert var["ms_ssim_spread"] == pytest.approx(0.01)


def test_same_order():
    assert same_order({"a": 1, "b": 2, "c": 3}, {"a": 0.1, "b": 0.5, "c": 0.9, "d": 0})
    assert not same_order({"a": 2, "b": 1}, {"a": 0.1, "b": 0.5})


def test_kodak_means_cover_shipped_and_unshipped_runs():
    from lic_lab import zoo

    means = zoo.kodak_means("cvqn-abl-")
    if not means:
        pytest.skip("no CVQN ablation results")
    shipped = {n for n in zoo.registry() if n.startswith("cvqn-abl-")}
    assert shipped <= set(means)
    for name in set(means) - shipped:  # unshipped seed repeats keep their record and card
        assert (zoo.UNSHIPPED_DIR / f"{name}.json").is_file() and (zoo.UNSHIPPED_DIR / f"{name}.md").is_file()
    for name in shipped:
        assert means[name]["bpp"] == pytest.approx(zoo.registry()[name]["kodak"]["bpp"], abs=1e-5)


def test_versus_paper_puts_the_papers_numbers_beside_ours():
    from lic_lab.teaching.ablation import beyond_noise, versus_paper

    rows = ablation_rows(seed_results(REG, "m-abl-"), ["q5", "q357"], "q5")
    paper = {"[5]": (None, 0.96, 0.25), "[3,5,7]": (None, 0.97, 0.24)}
    table = versus_paper(rows, {"[5]": "q5", "[3,5,7]": "q357"}, paper, "[5]", "q", extra={"[5]": {"note": "base"}})
    assert list(table[0])[:3] == ["q", "note", "seeds"] and "PSNR" not in table[0]
    assert table[1]["Δbpp vs [5] (%)"] == "-7.50 ± 2.50" and table[1]["paper Δbpp (%, from its bpp)"] == "-4.00"
    assert beyond_noise(rows[1]) and not beyond_noise({"dbpp_percent": -1.0, "dbpp_spread": 1.5})


def test_paired_bd_rates_pair_seeds_and_verdict_uses_the_spread():
    from lic_lab.teaching.ablation import paired_bd_rates, seeded_verdict

    rates = [0.2, 0.4, 0.8, 1.6]
    psnr = [28.0, 30.0, 32.0, 34.0]
    curve = (rates, psnr)
    cheaper = ([r * 0.9 for r in rates], psnr)   # 10% fewer bits at every PSNR
    dearer = ([r * 1.02 for r in rates], psnr)
    curves = {"base": {0: curve, 1: curve, 2: curve}, "v": {0: cheaper, 1: dearer}}
    out = paired_bd_rates(curves, "v", "base")
    assert set(out["per_seed"]) == {0, 1}  # seed 2 has no variant run
    assert out["per_seed"][0] == pytest.approx(-10, abs=0.05) and out["per_seed"][1] == pytest.approx(2, abs=0.05)
    assert out["mean"] == pytest.approx(-4, abs=0.05) and out["spread"] == pytest.approx(6, abs=0.05)
    # a mean of -4% inside a +-6% seed spread is not resolved, whatever the direction
    assert seeded_verdict(out, out["mean"] < 0) == "no measurable difference at lab scale"
    two = paired_bd_rates({"base": {0: curve, 1: curve}, "v": {0: cheaper, 1: cheaper}}, "v", "base")
    assert seeded_verdict(two, two["mean"] < 0) == "reproduced"
    assert seeded_verdict(two, two["mean"] > 0) == "not reproduced"
    from lic_lab.teaching.ablation import verdict

    assert verdict(None) == "no measurable difference at lab scale"  # a three-valued rule inside its resolution
    assert verdict(True, -0.4) == "no measurable difference at lab scale" and verdict(True, -0.6) == "reproduced"
    from lic_lab.teaching.ablation import direction

    assert [direction(v) for v in (-0.5, -0.49, 0.49, 0.5, None)] == [True, None, None, False, False]


def test_variant_and_seed_and_the_paired_line():
    from lic_lab.teaching.ablation import describe_paired, variant_and_seed

    assert variant_and_seed("cvqn-abl-q357-s2", "cvqn-abl-") == ("q357", 2)
    assert variant_and_seed("cvqn-q2", "cvqn-abl-") is None and variant_and_seed("m-abl-x", "m-abl-") is None
    line = describe_paired({"per_seed": {0: -0.4, 1: -0.5}, "mean": -0.45, "spread": 0.05})
    assert line == "seed 0: -0.40%, seed 1: -0.50% -> mean -0.45% +- 0.05"


def test_gaps_verdict_reads_rate_matched_gaps():
    from lic_lab.teaching.ablation import gaps_verdict

    assert gaps_verdict([0.2, 0.1]) == "reproduced"
    assert gaps_verdict([-0.2, 0.0]) == "not reproduced"  # no gap in the claimed direction
    assert gaps_verdict([0.3, -0.1]) == "mixed"
    assert gaps_verdict([]).startswith("undecided")
    assert gaps_verdict(-g for g in (0.1, 0.2)) == "not reproduced"  # any iterable, e.g. flipped gaps
    assert gaps_verdict([0.2, 0.1], allowance=0.15).startswith("not resolved")  # 0.1: within the allowance
    assert gaps_verdict([0.2, 0.3], allowance=0.15) == "reproduced"
    assert gaps_verdict([0.2, -0.1], allowance=0.15) == "mixed"


def test_seed_verdict_separates_direction_from_noise():
    from lic_lab.teaching.ablation import seed_verdict

    assert seed_verdict(True, True) == "reproduced"
    assert seed_verdict(True, False) == "direction only, within seed noise"
    assert seed_verdict(False, True) == "not reproduced"
    assert seed_verdict(False, False) == "not resolved (the other way, within seed noise)"


def test_order_verdict_reads_neighbours_in_the_papers_order_and_all_outcomes_combines():
    from lic_lab.teaching.ablation import all_outcomes, order_verdict

    rows = {v: {"bpp": b, "dbpp_percent": d, "dbpp_spread": 0.2} for v, b, d in
            (("a", 0.30, 0.0), ("b", 0.29, -3.0), ("c", 0.28, -6.0))}
    variants, paper = {"A": "a", "B": "b", "C": "c"}, {"A": 0.27, "B": 0.26, "C": 0.25}
    assert order_verdict(rows, variants, paper) == "reproduced"
    rows["b"]["dbpp_spread"] = 3.0  # b within noise of both neighbours (gaps of 3 points, spreads 3.2 together)
    assert order_verdict(rows, variants, paper) == "direction only, within seed noise"
    reversed_paper = {"A": 0.25, "B": 0.26, "C": 0.27}
    # reversed: b is within noise of both neighbours, but a and c (6 points apart, spreads 0.4) are beyond it
    assert order_verdict(rows, variants, reversed_paper) == "not reproduced"
    rows["c"]["dbpp_spread"] = 6.0
    assert order_verdict(rows, variants, reversed_paper) == "not resolved (the other way, within seed noise)"
    rows["b"]["dbpp_spread"] = rows["c"]["dbpp_spread"] = 0.2
    # only the swapped neighbours decide a failed order: B and C swap within noise, A and B keep the paper's order
    rows["c"].update(bpp=0.285, dbpp_percent=-2.0, dbpp_spread=1.5)
    assert order_verdict(rows, variants, {"A": 0.27, "B": 0.25, "C": 0.26}) == "not resolved (the other way, within seed noise)"
    # a failed order is decided by every pair it inverts: neighbours within noise, the two ends beyond it
    ends = {v: {"bpp": b, "dbpp_percent": d, "dbpp_spread": 0.6} for v, b, d in
            (("a", 0.30, 0.0), ("b", 0.29, -1.0), ("c", 0.28, -2.0))}
    assert order_verdict(ends, variants, reversed_paper) == "not reproduced"  # a vs c: 2 points > 1.2
    assert all_outcomes([True, True]) is True and all_outcomes([True, None]) is None
    assert all_outcomes([None, False]) is False


def test_pairs_verdict_decides_a_failed_claim_by_the_pairs_against_it_and_weakest_combines():
    from lic_lab.teaching.ablation import pairs_verdict, weakest

    rows = {v: {"ms_ssim": m, "ms_ssim_spread": 0.001} for v, m in (("q5", 0.915), ("q456", 0.9175), ("q357", 0.917))}
    # the paper: each other variant below q357; q5 is (beyond noise), q456 is above it within noise
    assert pairs_verdict(rows, [("q5", "q357"), ("q456", "q357")], "ms_ssim") == "not resolved (the other way, within seed noise)"
    rows["q456"]["ms_ssim"] = 0.92  # now above q357 beyond the spreads
    assert pairs_verdict(rows, [("q5", "q357"), ("q456", "q357")], "ms_ssim") == "not reproduced"
    assert pairs_verdict(rows, [("q5", "q357")], "ms_ssim") == "reproduced"
    rows["q5"]["ms_ssim"] = 0.917  # a tie goes neither way
    assert pairs_verdict(rows, [("q5", "q357")], "ms_ssim") == "not resolved (the other way, within seed noise)"
    assert weakest(["reproduced", "direction only, within seed noise"]) == "direction only, within seed noise"
    assert weakest(["reproduced", "not reproduced", "direction only, within seed noise"]) == "not reproduced"


def test_ladder_verdict_decides_by_the_steps_with_equal_training():
    from lic_lab.teaching.ablation import ladder_verdict

    steps = {"a → b": -15.0, "b → c": -5.0, "c → d": 2.0}
    assert ladder_verdict(steps, {"a → b": 0, "b → c": 0, "c → d": 0}) is False  # an equal step that does not save
    assert ladder_verdict({"a → b": -15.0, "b → c": -5.0}, {}) is True
    assert ladder_verdict({"a → b": -0.2}, {}) is None  # within the resolution
    mixed = ladder_verdict(steps, {"a → b": 0, "b → c": 2500, "c → d": 5500})
    assert mixed == ("holds with equal training for a → b; training confounded for b → c (saves bits), "
                     "c → d (does not save bits)")
    assert ladder_verdict({"a → b": 3.0, "b → c": -5.0}, {"b → c": 100}) is False  # the equal step fails


def test_seed_summary_and_its_outcome():
    from lic_lab.teaching.ablation import seed_summary, seeded_outcome, seeded_verdict

    s = seed_summary({0: -3.0, 1: -1.0, 2: None})  # a seed without a measurement is kept but not counted
    assert (s["mean"], s["spread"]) == (-2.0, 1.0) and 2 in s["per_seed"]
    assert seeded_outcome(s) is True  # negative as claimed, |mean| beyond the spread
    assert seeded_outcome(seed_summary({0: -3.0, 1: 1.0})) is None  # inside the spread
    assert seeded_outcome(seed_summary({0: -0.3, 1: -0.2})) is None  # inside ONE_MODEL_RESOLUTION
    assert seeded_outcome(seed_summary({0: 3.0, 1: 1.0})) is False
    assert seeded_outcome(seed_summary({0: 3.0, 1: 1.0}), claimed_negative=False) is True
    assert seeded_outcome(seed_summary({0: 0.0, 1: 0.0})) is None
    paired = seed_summary({0: -3.0, 1: -1.0})  # the same rule as seeded_verdict's
    assert seeded_verdict(paired, True) == "reproduced" and seeded_verdict(seed_summary({0: -0.3, 1: -0.2}), True).startswith("no measurable")
    with pytest.raises(ValueError, match="two seeds"):
        seeded_outcome(seed_summary({0: -3.0, 1: None}))


def test_paired_objective_changes_compares_the_loss_of_each_seed():
    from lic_lab.teaching.ablation import paired_objective_changes
    from lic_lab.training.curves import mse_objective

    points = {"0": {"two": (0.50, 30.0), "one": (0.52, 30.0)}, "1": {"two": (0.50, 30.2), "one": (0.50, 30.0)},
              "2": {"two": (0.5, 30.0)}}  # seed 2 lacks the anchor: left out
    s = paired_objective_changes(points, "two", "one", 0.013)
    assert set(s["per_seed"]) == {0, 1} and all(v < 0 for v in s["per_seed"].values())
    expected = 100 * (mse_objective(0.50, 30.0, 0.013) / mse_objective(0.52, 30.0, 0.013) - 1)
    assert s["per_seed"][0] == pytest.approx(expected)


def test_summary_rows_print_each_seed_and_the_verdict():
    from lic_lab.teaching.ablation import seed_summary, summary_rows

    rows = summary_rows({"Kodak": seed_summary({0: -3.0, 1: -1.0}), "big": seed_summary({0: -2.0, 1: None})}, "set")
    assert rows[0] == {"set": "Kodak", "seed 0": "-3.00", "seed 1": "-1.00", "mean +- spread": "-2.00 +- 1.00",
                       "verdict": "reproduced"}
    assert rows[1]["verdict"] == "one seed: no spread" and "seed 1" not in rows[1]


def test_seeded_keeps_the_summaries_a_seed_verdict_can_read():
    from lic_lab.teaching.ablation import seed_summary, seeded

    two, one = seed_summary({0: -1.0, 1: -2.0}), seed_summary({0: -1.0, 1: None})
    assert list(seeded({"a": two, "b": one})) == ["a"]
