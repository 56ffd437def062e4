"""Shipped checkpoints: registered, checksummed, loadable safely, small, and their Kodak numbers reproducible."""
import pytest
import torch

from lic_lab import data, zoo
from lic_lab.evaluation.evaluate import evaluate, load_results

REG = zoo.registry()
pytestmark = pytest.mark.skipif(not REG, reason="no shipped models registered")


def test_registry_files_and_cards():
    total = 0
    for name, e in REG.items():
        path = zoo.CHECKPOINT_DIR / e["file"]
        assert data.sha256_file(path) == e["sha256"]
        assert (zoo.CHECKPOINT_DIR / f"{name}.md").is_file()
        total += path.stat().st_size
    assert total < 100e6


def test_checkpoints_load_with_weights_only():
    for e in REG.values():
        ckpt = torch.load(zoo.CHECKPOINT_DIR / e["file"], weights_only=True)
        assert all(v.dtype == torch.float16 for v in ckpt["state_dict"].values() if v.is_floating_point())
        scales = ckpt.get("int8_scales", {})  # int8 convolution weights, each with its fp16 scales
        assert all(ckpt["state_dict"][k].dtype == torch.int8 and s.dtype == torch.float16 for k, s in scales.items())


def test_wrong_or_tampered_checkpoint_is_refused(tmp_path):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(zoo.CheckpointError):
        zoo.load_checkpoint_file(bad)
    name, e = next(iter(REG.items()))
    with pytest.raises(zoo.CheckpointError, match="SHA-256"):
        zoo.load_checkpoint_file(zoo.CHECKPOINT_DIR / e["file"], expected_sha256="0" * 64)
    with pytest.raises(zoo.CheckpointError, match="unknown model"):
        zoo.load_model("nope")
    ckpt = torch.load(zoo.CHECKPOINT_DIR / e["file"], weights_only=True)
    ckpt["config"]["M"] = ckpt["config"]["M"] + 8
    torch.save(ckpt, tmp_path / "mismatch.pt")
    with pytest.raises(zoo.CheckpointError, match="does not match"):
        zoo.load_checkpoint_file(tmp_path / "mismatch.pt")


def test_rates_increase_within_each_family():
    families = {}
    for e in REG.values():
        families.setdefault(e["family"], []).append((e["quality"], e["kodak"]["bpp"], e["lmbda"]))
    for fam in families.values():
        fam.sort()
        assert [b for _, b, _ in fam] == sorted(b for _, b, _ in fam)
        assert [l for _, _, l in fam] == sorted(l for _, _, l in fam)


@pytest.mark.skipif(not data.have_kodak(), reason="Kodak not under the data root")
def test_shipped_kodak_results_reproduce():
    """Re-code a Kodak image with every shipped model: bytes and PSNR match the stored results.

    One image per model and setting keeps the README's test command within its time budget
    (43 models); the benchmark test and the paper-study tests re-code others."""
    paths = data.list_images(data.kodak_dir())[:1]
    for name in REG:
        model = zoo.load_model(name)
        results = load_results(zoo.ZOO_DIR / "results" / f"{name}.json")
        for entry in (results if len(results) == 1 else [results[0], results[-1]]):  # lowest and highest setting
            if entry.get("branches"):
                model.set_branches(entry["branches"])
            if model.rate_range is not None:
                model.set_rate(entry["setting"])
            stored = {r["image"]: r for r in entry["images"]}
            for r in evaluate(model, paths)[0]["images"]:
                s = stored[r["image"]]
                assert r["roundtrip_max_abs"] == 0
                assert abs(r["bytes"] - s["bytes"]) <= 4
                assert r["psnr"] == pytest.approx(s["psnr"], abs=0.01)


@pytest.mark.skipif("agvae" not in REG, reason="agvae not shipped")
def test_agvae_bpp_increases_over_the_whole_range():
    """AG-VAE's continuous rate control: real bytes grow with R on every test photo (0.05 steps)."""
    from lic_lab.teaching.rate_control import monotonicity

    images = [(p.name, data.read_image(p)) for p in data.embedded_paths()]
    model = zoo.load_model("agvae")
    result = monotonicity(model, images, step=0.05)
    assert len(result["rates"]) == 1 + round((model.levels - 1) / 0.05) and result["all_increasing"], [r["image"] for r in result["images"]]


@pytest.mark.skipif(not data.have_kodak(), reason="Kodak not under the data root")
def test_paper_studies_reproduce():
    """The Kodak study files notebooks 02, 05 and 06 read agree with the shipped checkpoints."""
    import json

    from lic_lab import REPO_DIR
    from lic_lab.evaluation.complexity import decoder_flops
    from lic_lab.teaching.rate_control import AnalysedImage

    results = REPO_DIR / "data" / "results"
    if "agvae" in REG:
        study = json.loads((results / "agvae_studies.json").read_text())["monotonicity"]["exponential"]
        path = data.list_images(data.kodak_dir())[0]
        stored = next(r for r in study["images"] if r["image"] == path.name)
        picks = [0, 17, 40]
        fresh = AnalysedImage(zoo.load_model("agvae"), data.read_image(path)).sizes([study["rates"][i] for i in picks])
        assert fresh == [stored["bytes"][i] for i in picks]
    if "cvqn-q2" in REG:
        study = json.loads((results / "cvqn_studies.json").read_text())
        model = zoo.load_model("cvqn-q2")
        path = next(p for p in data.list_images(data.kodak_dir()) if p.name == study["image"])
        _, indices = model.symbols(data.pad_to_multiple(data.read_image(path), model.downsample)[0])
        stored = study["decode_schemes"]
        assert list(indices[1][0].shape) == stored["shape"]
        assert len(model.contexts[1].compress(indices[1][0], model.quantizers[1].means)) == stored["wavefront"]["bytes"]
        assert stored["wavefront"]["bit_exact"] and stored["sequential"]["bit_exact"]
        for name, weights in study["re_weights"].items():
            assert zoo.load_model(name).importance.re_weights.tolist() == pytest.approx(weights, abs=1e-4)
    if "cwic-q2" in REG:
        study = json.loads((results / "cwic_studies.json").read_text())
        model = zoo.load_model("cwic-q2")
        path = next(p for p in data.list_images(data.kodak_dir()) if p.name == study["times_image"])
        a = model.analyse(data.pad_to_multiple(data.read_image(path), model.downsample)[0])
        stored = study["times"]["cwic-q2"]
        assert len(model.tcae.compress(a["o"][0], a["mask"][0])) == stored["code"]["bytes"]
        assert len(model.tcae_p.compress(a["qi"][:1])) == stored["importance"]["bytes"]
        assert all(v["bit_exact"] for times in study["times"].values() for v in times.values())
    if "cbanet" in REG:
        flops = json.loads((results / "cbanet_studies.json").read_text())["flops"]
        model = zoo.load_model("cbanet")
        assert [decoder_flops(model, (512, 768), k) for k in (1, 2, 3)] == [flops[f"K={k}"]["synthesis"] for k in (1, 2, 3)]


def test_kodak_curves_group_by_family_and_curve():
    from lic_lab.evaluation import evaluate

    curves = evaluate.kodak_curves()
    for e in REG.values():
        if e.get("branches"):
            assert all(f"{e['name']} K={k}" in curves for k in range(1, e["branches"] + 1))
        elif zoo.is_ablation(e["name"]):
            assert e["family"] not in curves  # ablation variants are table rows, not a curve
        else:
            assert e["family"] in curves
    only = evaluate.kodak_curves(families=("hyperprior",))
    assert "hyperprior" in only and not set(only) & {e["family"] for e in REG.values()} - {"hyperprior"}


@pytest.mark.skipif("cbanet" not in REG, reason="cbanet not shipped")
def test_staged_model_card_lists_every_stage():
    chain = [r["name"] for r in zoo.training_chain(zoo.training_record("cbanet"))]
    # the fourth round (recipe cbanet-joint) on the third (cbanet-long) on the first (cbanet)
    joint = ["cbanet", "cbanet-bam2-joint", "cbanet-bam3-joint", "cbanet-bam4-joint", "cbanet-joint"]
    later = ["cbanet-round3", "cbanet-bam2-round3", "cbanet-bam3-round3", "cbanet-bam4-round3", "cbanet-branch3-round3",
             "cbanet-branch2-round3"]
    first = ["cbanet-round1", "cbanet-bam2", "cbanet-bam3", "cbanet-bam4", "cbanet-branch3", "cbanet-branch2",
             "cbanet-branch1"]
    assert chain[:18] == joint + later + first
    # the frozen encoder's own training: the retired hyperprior-q5, or the retrained one it was rebuilt on
    assert "hyperprior-earlier-q5" in chain or "hyperprior-q5" in chain
    card = (zoo.CHECKPOINT_DIR / "cbanet.md").read_text()
    assert all(f"| {name} |" in card for name in chain)


def test_family_budget_reads_the_model_cards():
    b = zoo.family_budget("hyperprior")
    members = zoo.family_members("hyperprior")
    assert b["models"] == len(members)
    chains = [zoo.chain_steps(zoo.training_record(n)) for n in members]
    runs = {r["name"]: r["steps"] for n in members for r in zoo.training_chain(zoo.training_record(n))}
    assert b["chain_steps"] == (min(chains), max(chains)) and b["steps"] == sum(runs.values())  # each run once
    assert b["cpu_minutes"] > 0 and b["train_images"] > b["validation_images"] > 0


def test_standing_states_the_rule():
    from lic_lab.evaluation.evaluate import standing

    rows = [{"model": "m", "anchor": "jpeg", "BD-rate (%)": -12.0}, {"model": "m", "anchor": "webp", "BD-rate (%)": 30.0},
            {"model": "m", "anchor": "avif", "BD-rate (%)": None}, {"model": "m", "anchor": "jpeg2000", "BD-rate (%)": 0.2}]
    assert standing(rows) == {"m": "m needs fewer bits than jpeg (-12.0%), more bits than webp (+30.0%), "
                                    "not compared with avif (overlap too small), "
                                    "about the bits of jpeg2000 (+0.2%, within +/-0.5%)"}


def test_retired_families_keep_their_results_and_the_chains_built_on_them():
    """`scripts/unship.py --retire`: the earlier foundation models left the zoo when it was retrained; their
    records, cards and Kodak results stay, and runs built on them still name them as their ancestors."""
    import json

    for family in ("factorized", "hyperprior", "meanscale"):
        members = zoo.earlier_members(family)
        if not members:
            continue
        assert all((zoo.UNSHIPPED_DIR / f"{n}.json").is_file() and (zoo.UNSHIPPED_DIR / f"{n}.md").is_file()
                   for n in members) and not any(n in REG for n in members)
        from lic_lab.evaluation.evaluate import kodak_curves

        curve = kodak_curves(codecs=(), earlier=(family,))[f"{family} (earlier)"]
        assert len(curve[0]) == len(members) and curve[0] == sorted(curve[0])
        budget = zoo.family_budget(f"{family} (earlier)")
        assert budget["models"] == len(members)
        if family != "meanscale":  # each run counted once (meanscale's chain also holds a hyperprior run)
            assert budget["steps"] == sum(json.loads((zoo.UNSHIPPED_DIR / f"{n}.json").read_text())["steps"]
                                          for n in members)
    if "cbanet" in REG and zoo.built_on("cbanet", "hyperprior") == "hyperprior (earlier)":
        stage = json.loads((zoo.CHECKPOINT_DIR / "stages" / "cbanet-branch1.json").read_text())
        assert stage["init_record"].endswith("unshipped/hyperprior-earlier-q5.json")
        chain = zoo.training_chain(zoo.training_record("cbanet"))
        base = json.loads((zoo.UNSHIPPED_DIR / "hyperprior-earlier-q5.json").read_text())
        # the record of the weights it really started from, not the retrained q5's, under its new name
        assert {**base, "name": "hyperprior-earlier-q5"} in chain
    if "meanscale-q3" in REG:  # the retrained mean-scale rates start from the retrained hyperprior
        assert zoo.built_on("meanscale-q3", "hyperprior") == "hyperprior"
        assert zoo.built_on("hyperprior-q3", "meanscale") is None
    if "meanscale-msssim-q3" in REG:  # started from meanscale-q2's first segment, which q2 has since trained on from
        chain = [r.get("name") for r in zoo.training_chain(zoo.training_record("meanscale-msssim-q3"))]
        assert "meanscale-q2-seg1" in chain and zoo.built_on("meanscale-msssim-q3", "meanscale") == "meanscale"


def test_training_record_finds_shipped_unshipped_and_committed_runs():
    from lic_lab import zoo

    assert zoo.training_record("cwic-q2")["name"] == "cwic-q2"  # shipped
    assert zoo.training_record("cvqn-abl-q5-s1")["config"]["extra"]["levels"] == [5]  # unshipped
    probe = zoo.training_record("cwic-fill-q2")  # only in data/training/cwic-fill/
    assert probe["finished"] and probe["config"]["extra"]["masked_value"] == 0.5
    with pytest.raises(FileNotFoundError):
        zoo.training_record("no-such-run")


def test_run_weights_prefers_the_shipped_file():
    from lic_lab import zoo

    assert zoo.run_weights("hyperprior-q3") == zoo.CHECKPOINT_DIR / "hyperprior-q3.pt"
    assert zoo.run_weights("no-such-run") == zoo.UNSHIPPED_WEIGHTS / "no-such-run.pt"
    committed = zoo.REPO_DIR / "data" / "training" / "cwic-abl-noimp8-s0.pt"  # unshipped, its weights committed
    if committed.is_file():
        assert zoo.run_weights("cwic-abl-noimp8-s0") == committed


def test_training_kodak_means_belong_to_the_weights_in_data_training():
    """Notebooks compare unshipped experiments through these means: each must be of the weights now there."""
    from lic_lab import REPO_DIR
    from lic_lab.data import sha256_file

    means = zoo.training_kodak_means()
    assert means
    for name, m in means.items():
        paths = sorted((REPO_DIR / "data" / "training").rglob(f"{name}.pt"))
        assert paths, f"{name}: no weights in data/training"
        assert sha256_file(paths[0]) == m["sha256"], f"{name}: re-run scripts/eval_training.py {name}"


def test_stage_runs_reads_a_stage_along_the_chain():
    joint = zoo.stage_runs("c2f-q3-joint2", "joint")
    assert [r["name"] for r in joint] == ["c2f-q3-joint2", "c2f-q3"]  # newest first; q1 and q5 branch off elsewhere
    assert sum(r["steps"] for r in joint) == 4000 and not zoo.stage_runs("c2f-q3", "no-such-stage")


def test_card_validation_table_shows_ms_ssim_for_ms_ssim_runs():
    from lic_lab.zoo import _validation_table

    mse = _validation_table([{"step": 1000, "bpp": 0.5, "psnr": 30.0}])
    assert mse[0] == "| step | bpp | PSNR |" and mse[2] == "| 1000 | 0.5000 | 30.00 |"
    ms = _validation_table([{"step": 1000, "bpp": 0.2, "psnr": 25.0}, {"step": 2000, "bpp": 0.2, "psnr": 26.0, "ms_ssim": 0.95}])
    assert ms[0].endswith("MS-SSIM |") and ms[2].endswith("| — |") and ms[3].endswith("| 0.9500 |")
    card = (zoo.CHECKPOINT_DIR / "cvqn-q3.md").read_text()  # an MS-SSIM run's card, as shipped
    assert "| step | bpp | PSNR | MS-SSIM |" in card


def test_chain_until_gives_the_stages_one_round_added():
    import json

    record = json.loads((zoo.REPO_DIR / "data" / "training" / "cbanet" / "cbanet-round2.json").read_text())
    stages = zoo.chain_until(record, {"cbanet-round1"})
    assert [r["name"] for r in stages][:1] == ["cbanet-round2"] and "cbanet-round1" not in [r["name"] for r in stages]
    assert {r["config"]["stage"] for r in stages} >= {"branch2", "branch3", "bam1"}
    assert zoo.chain_until(record, set()) == zoo.training_chain(record)


def test_round_stages_and_stage_steps_read_the_records():
    stages = zoo.round_stages(["cbanet-round1", "cbanet-round2"], base="hyperprior-q5")
    first = [r for r in stages if r["round"] == "cbanet-round1"]
    assert first[0]["stage"] == "branch1" and first[-1]["run"] == "cbanet-round1"  # training order: branches, then BAMs
    second = {r["stage"]: r for r in stages if r["round"] == "cbanet-round2"}
    assert "branch1" not in second and second["branch2"]["steps"] > 0  # round 2 only continued branches 2 and 3
    assert zoo.stage_steps("cbanet-round2", "branch2", base="hyperprior-q5") == (
        zoo.stage_steps("cbanet-round1", "branch2", base="hyperprior-q5") + second["branch2"]["steps"]
    )
