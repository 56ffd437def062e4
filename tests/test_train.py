import json
from pathlib import Path

import pytest
import torch

from lic_lab.data import embedded_paths
from lic_lab.training.train import TrainConfig, train, train_and_save, warm_start
from lic_lab.zoo import load_checkpoint_file


def _cfg(tmp_path, **kw):
    base = dict(arch="scale_hyperprior", N=16, M=24, steps=30, batch=2, patch=64, lr=1e-3,
                name="tiny", out_dir=str(tmp_path), val_every=1000, save_every=10)
    base.update(kw)
    return TrainConfig(**base)


def test_training_lowers_the_loss(tmp_path, monkeypatch):
    monkeypatch.setattr("lic_lab.training.train.RUNS_DIR", tmp_path / "runs")
    from lic_lab.training.losses import rd_loss

    model0, _ = train(_cfg(tmp_path, steps=0), progress=False, images=embedded_paths())
    model, record = train(_cfg(tmp_path, steps=60), progress=False, images=embedded_paths(), resume=False)
    from lic_lab.data import read_image

    x = read_image(embedded_paths()[0])[..., :128, :128]
    with torch.no_grad():
        before = rd_loss(x, model0(x), 0.0067)["loss"].item()
        after = rd_loss(x, model(x), 0.0067)["loss"].item()
    assert after < before
    assert record["steps"] == 60


def test_resume_continues_the_same_run(tmp_path, monkeypatch):
    monkeypatch.setattr("lic_lab.training.train.RUNS_DIR", tmp_path / "runs")
    straight, _ = train(_cfg(tmp_path, steps=20), progress=False, images=embedded_paths(), resume=False)
    train(_cfg(tmp_path, steps=20, name="r"), progress=False, images=embedded_paths())
    # a second call with the same config resumes at step 20 and does nothing more
    resumed, rec = train(_cfg(tmp_path, steps=20, name="r"), progress=False, images=embedded_paths())
    assert rec["steps"] == 20
    for a, b in zip(straight.state_dict().values(), resumed.state_dict().values()):
        assert torch.equal(a, b)


def test_save_writes_fp16_checkpoint_and_record(tmp_path, monkeypatch):
    monkeypatch.setattr("lic_lab.training.train.RUNS_DIR", tmp_path / "runs")
    monkeypatch.setattr("lic_lab.training.train.training_paths", lambda root: (embedded_paths(), []))
    path = train_and_save(_cfg(tmp_path, steps=5), progress=False)
    ckpt = torch.load(path, weights_only=True)
    assert all(v.dtype == torch.float16 for v in ckpt["state_dict"].values() if v.is_floating_point())
    model, meta = load_checkpoint_file(path)
    assert meta["lmbda"] == 0.0067 and model.name == "tiny"
    record = json.loads(path.with_suffix(".json").read_text())
    assert "Not measured yet" in path.with_suffix(".md").read_text()
    assert record["steps"] == 5 and record["config"]["arch"] == "scale_hyperprior"


def test_warm_start_copies_matching_tensors():
    from lic_lab.models import build_model

    src = build_model({"arch": "scale_hyperprior", "N": 16, "M": 24})
    dst = build_model({"arch": "mean_scale_hyperprior", "N": 16, "M": 24})
    report = warm_start(dst, src)
    assert torch.equal(dst.g_a[0].weight, src.g_a[0].weight)
    assert "copied" in report


def test_wider_mean_scale_keeps_the_old_channels_and_their_entropy_parameters():
    from lic_lab.models import build_model

    torch.manual_seed(0)
    src = build_model({"arch": "mean_scale_hyperprior", "N": 16, "M": 24}).eval()
    dst = build_model({"arch": "mean_scale_hyperprior", "N": 16, "M": 40}).eval()
    assert "copied" in warm_start(dst, src)
    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        y_src, y_dst = src.g_a(x), dst.g_a(x)
        assert torch.allclose(y_dst[:, :24], y_src, atol=1e-6)  # old channels unchanged ...
        assert y_dst[:, 24:].abs().sum() > 0  # ... and the new ones are not dead
        z_src, z_dst = src.h_a(y_src), dst.h_a(y_dst)
        assert torch.allclose(z_dst, z_src, atol=1e-5)  # new channels start silent in h_a
        s_src, m_src = src.entropy_parameters(z_src.round())
        s_dst, m_dst = dst.entropy_parameters(z_dst.round())
        assert torch.allclose(s_dst[:, :24], s_src, atol=1e-5)  # scale rows kept ...
        assert torch.allclose(m_dst[:, :24], m_src, atol=1e-5)  # ... and mean rows moved from M_src to M
        y_hat = y_dst.round()
        assert (dst.g_s(y_hat) - src.g_s(y_hat[:, :24])).abs().max() < 0.05  # new channels: fresh g_s rows
    same = build_model({"arch": "mean_scale_hyperprior", "N": 16, "M": 24})
    warm_start(same, src)
    assert torch.equal(same.h_s[4].weight, src.h_s[4].weight)


def test_wider_mean_scale_transforms_start_as_the_narrower_model():
    from lic_lab.models import build_model

    torch.manual_seed(0)
    src = build_model({"arch": "mean_scale_hyperprior", "N": 16, "M": 24}).eval()
    with torch.no_grad():  # a trained GDN has cross-channel terms; they must survive the widening
        for p in src.parameters():
            p.add_(0.01 * torch.rand_like(p))
    dst = build_model({"arch": "mean_scale_hyperprior", "N": 40, "M": 24}).eval()
    warm_start(dst, src)
    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        y = src.g_a(x)
        assert torch.allclose(dst.g_a(x), y, atol=1e-5)  # new channels of g_a are silent in its output
        z_src, z_dst = src.h_a(y), dst.h_a(y)
        assert torch.allclose(z_dst[:, :16], z_src, atol=1e-5) and z_dst[:, 16:].abs().sum() > 0
        s_src, m_src = src.entropy_parameters(z_src.round())
        s_dst, m_dst = dst.entropy_parameters(z_dst.round())
        assert torch.allclose(s_dst, s_src, atol=1e-5) and torch.allclose(m_dst, m_src, atol=1e-5)
        assert torch.allclose(dst(x)["x_hat"], src(x)["x_hat"], atol=1e-5)  # decodes exactly as before
        lik_src, lik_dst = src(x)["likelihoods"]["z"], dst(x)["likelihoods"]["z"]
        assert torch.allclose(lik_dst[:, :16], lik_src, atol=1e-5)  # old z channels coded as before

    both = build_model({"arch": "mean_scale_hyperprior", "N": 40, "M": 40})
    with pytest.raises(ValueError, match="one at a time"):
        warm_start(both, src)
    narrow_hp = build_model({"arch": "scale_hyperprior", "N": 16, "M": 24})
    assert "copied" in warm_start(dst, narrow_hp)  # not a mean-scale source: only matching tensors


def test_ms_ssim_loss_and_patch_limit():
    from lic_lab.training.losses import rd_loss

    x = torch.rand(2, 3, 176, 176)
    out = {"x_hat": (x + 0.05 * torch.randn_like(x)).clamp(0, 1).requires_grad_(),
           "likelihoods": {"y": torch.full((2, 4, 4, 4), 0.5)}}
    parts = rd_loss(x, out, 10.0, "ms-ssim")
    parts["loss"].backward()
    assert 0 < parts["distortion"] < 1 and out["x_hat"].grad is not None
    assert parts["bpp"].item() == pytest.approx(2 * 64 / (2 * 176 * 176))
    small = {"x_hat": out["x_hat"][..., :64, :64].detach(), "likelihoods": out["likelihoods"]}
    assert 0 < rd_loss(x[..., :64, :64], small, 10.0, "ms-ssim")["distortion"] < 1  # padded (metrics policy)
    from lic_lab.training.train import TrainConfig, train

    with pytest.raises(ValueError, match="161"):  # but training on patches that small is refused
        train(TrainConfig(arch="factorized", metric="ms-ssim", patch=128, steps=1), progress=False)


def test_validation_reports_ms_ssim_for_an_ms_ssim_run():
    from lic_lab.data import read_image
    from lic_lab.evaluation.metrics import ms_ssim_tensor
    from lic_lab.models import build_model, latents
    from lic_lab.training.train import validate

    torch.manual_seed(0)
    model = build_model({"arch": "factorized", "N": 8, "M": 8}).eval()
    x = read_image(embedded_paths()[0])[..., :192, :192]
    val = validate(model, [x], 1.0, "ms-ssim")
    with torch.no_grad():
        expected = ms_ssim_tensor(latents(model, x)["x_hat"].clamp(0, 1), x, size_average=True).item()
    assert val["ms_ssim"] == pytest.approx(expected, abs=1e-6)
    assert "ms_ssim" not in validate(model, [x], 0.01, "mse")


def test_variable_rate_training_draws_levels_and_validates_each(tmp_path, monkeypatch):
    monkeypatch.setattr("lic_lab.training.train.RUNS_DIR", tmp_path / "runs")
    seen = []
    from lic_lab.models.gained import GainedMeanScale

    original = GainedMeanScale.set_rate
    monkeypatch.setattr(GainedMeanScale, "set_rate", lambda self, r, *a: (seen.append(r), original(self, r, *a))[1])
    cfg = _cfg(tmp_path, arch="gained_mean_scale", extra={"levels": 3}, lmbdas=[0.002, 0.006, 0.02], steps=12,
               val_every=12)
    model, record = train(cfg, progress=False, images=embedded_paths()[:2])
    # no validation images when `images` is given: levels drawn per batch only
    assert set(seen) - {3.0} and all(r in (1, 2, 3) for r in seen[1:])
    assert cfg.level_lambda(2) == 0.006
    from lic_lab.data import read_image
    from lic_lab.training.train import validate_rates

    val = validate_rates(model, [read_image(embedded_paths()[0])[..., :128, :128]], cfg)
    assert [r["rate"] for r in val["by_rate"]] == [1, 2, 3]


def test_staged_training_only_updates_the_stage(tmp_path, monkeypatch):
    monkeypatch.setattr("lic_lab.training.train.RUNS_DIR", tmp_path / "runs")
    from lic_lab.models import build_model

    config = {"arch": "cbanet_hp", "N": 16, "M": 24, "widths": [6, 6, 8], "bitrates": 3, "bam_hidden": 12,
              "hyper_bam_hidden": 8}
    torch.manual_seed(0)
    start = build_model(config)
    from lic_lab.zoo import save_checkpoint

    save_checkpoint(start, tmp_path / "start.pt", precision="fp32")
    extra = {k: v for k, v in config.items() if k not in ("arch", "N", "M")}
    cfg = _cfg(tmp_path, arch="cbanet_hp", extra=extra, stage="bam1", steps=5, init=str(tmp_path / "start.pt"))
    model, _ = train(cfg, progress=False, images=embedded_paths()[:2])
    after, before = model.state_dict(), start.state_dict()
    changed = {k for k in before if not torch.equal(before[k], after[k])}
    assert changed and all(k.startswith(("bal.0.", "ibal.0.", "bal_z.0.", "ibal_z.0.")) for k in changed)


def test_init_over_puts_a_new_base_under_a_trained_decoder(tmp_path, monkeypatch):
    """--init-over: a second checkpoint's matching tensors replace --init's (CBANet's CAM on another
    rate's frozen encoder); the record and card name both, and it refuses to run without --init."""
    monkeypatch.setattr("lic_lab.training.train.RUNS_DIR", tmp_path / "runs")
    from lic_lab.models import build_model
    from lic_lab.zoo import save_checkpoint

    config = {"arch": "cbanet_hp", "N": 16, "M": 24, "widths": [6, 6, 8], "bitrates": 3, "bam_hidden": 12,
              "hyper_bam_hidden": 8}
    torch.manual_seed(0)
    decoder_side = build_model(config)
    base = build_model({"arch": "scale_hyperprior", "N": 16, "M": 24})
    save_checkpoint(decoder_side, tmp_path / "cam.pt", precision="fp32")
    save_checkpoint(base, tmp_path / "base.pt", precision="fp32")
    extra = {k: v for k, v in config.items() if k not in ("arch", "N", "M")}
    cfg = _cfg(tmp_path, arch="cbanet_hp", extra=extra, stage="bam1", steps=0, init=str(tmp_path / "cam.pt"),
               init_over=str(tmp_path / "base.pt"))
    model, record = train(cfg, progress=False, images=embedded_paths()[:2])
    assert torch.equal(model.g_a[0].weight, base.g_a[0].weight)  # the base's encoder
    assert torch.equal(model.g_s.branches[0].net[0].weight, decoder_side.g_s.branches[0].net[0].weight)
    assert "base.pt" in record["init_report"] and "g_a" in record["init_report"] and "g_s" not in record["init_report"]
    with pytest.raises(ValueError, match="give init too"):
        train(_cfg(tmp_path, arch="cbanet_hp", extra=extra, stage="bam1", steps=0, init_over=str(tmp_path / "base.pt")),
              progress=False, images=embedded_paths()[:2])


def test_branch_weights_learn_at_their_lower_learning_rate(tmp_path, monkeypatch):
    """CBANet's g_k at weight_lr_scale x the lr: an Adam step moves a parameter by at most about its
    group's lr, so g_2 moves less than 2 x steps x that, while branch 2's own weights move further."""
    monkeypatch.setattr("lic_lab.training.train.RUNS_DIR", tmp_path / "runs")
    from lic_lab.models import build_model
    from lic_lab.training.train import param_groups
    from lic_lab.zoo import save_checkpoint

    config = {"arch": "cbanet_hp", "N": 16, "M": 24, "widths": [6, 6, 8], "bitrates": 3, "bam_hidden": 12,
              "hyper_bam_hidden": 8}
    torch.manual_seed(0)
    start = build_model(config)
    start.configure_training("branch2")
    scale = start.config["weight_lr_scale"]
    assert [(g["lr_scale"], len(g["params"])) for g in param_groups(start)][1] == (scale, 1)
    save_checkpoint(start, tmp_path / "start.pt", precision="fp32")
    extra = {k: v for k, v in config.items() if k not in ("arch", "N", "M")}
    steps, lr = 6, 1e-2
    cfg = _cfg(tmp_path, arch="cbanet_hp", extra=extra, stage="branch2", steps=steps, lr=lr, warmup=0,
               init=str(tmp_path / "start.pt"))
    model, _ = train(cfg, progress=False, images=embedded_paths()[:2])
    moved = lambda key: (model.state_dict()[key] - start.state_dict()[key]).abs().max().item()
    assert 0 < moved("g_s.branches.1.weight") < 2 * steps * lr * scale
    assert moved("g_s.branches.1.net.2.weight") > 2 * steps * lr * scale
    assert moved("g_s.branches.0.weight") == 0  # branch 1 frozen in stage branch2


def test_a_run_checkpoint_saved_before_lr_scales_still_resumes(tmp_path, monkeypatch):
    """Run checkpoints whose optimizer groups have no ``lr_scale`` (written before it existed) or another
    grouping resume: weights and step from the checkpoint, each group's scale from the model."""
    monkeypatch.setattr("lic_lab.training.train.RUNS_DIR", tmp_path / "runs")
    ckpt = tmp_path / "runs" / "tiny" / "last.pt"

    def sitting(edit, **kw):
        state = torch.load(ckpt, weights_only=True)
        edit(state["optimizer"]["param_groups"])
        torch.save(state, ckpt)
        return train(_cfg(tmp_path, steps=10, save_every=1, **kw), progress=False, images=embedded_paths())[1]

    train(_cfg(tmp_path, steps=10, save_every=1, hours=1e-9), progress=False, images=embedded_paths())  # step 1
    assert sitting(lambda groups: groups.extend(list(groups)), hours=1e-9)["steps"] == 2  # another grouping
    record = sitting(lambda groups: [group.pop("lr_scale") for group in groups])  # no lr_scale: to the end
    assert record["steps"] == 10 and record["finished"]


def test_trainer_runs_under_torchrun_with_two_processes(tmp_path):
    """DistributedDataParallel over gloo, 2 CPU processes: one record, written by the main process."""
    import os
    import shutil
    import subprocess
    import sys

    if shutil.which("torchrun") is None and not (Path(sys.executable).parent / "torchrun").exists():
        pytest.skip("torchrun not installed")
    torchrun = shutil.which("torchrun") or str(Path(sys.executable).parent / "torchrun")
    data = tmp_path / "data" / "train"
    data.mkdir(parents=True)
    for p in embedded_paths():
        shutil.copy(p, data / p.name)
    cmd = [torchrun, "--nproc_per_node=2", "-m", "lic_lab", "train", "--arch", "scale_hyperprior", "--N", "8",
           "--M", "12", "--steps", "6", "--batch", "2", "--patch", "64", "--name", "ddp", "--out-dir",
           str(tmp_path / "out"), "--data", str(tmp_path / "data"), "--threads", "1", "--quiet"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    subprocess.run(cmd, check=True, capture_output=True, cwd=tmp_path, env=env, timeout=300)
    record = json.loads((tmp_path / "out" / "ddp.json").read_text())
    assert record["steps"] == 6 and record["segments"][0]["processes"] == 2


def test_a_sitting_stops_on_time_and_the_next_continues_from_committed_weights(tmp_path, monkeypatch):
    monkeypatch.setattr("lic_lab.training.train.RUNS_DIR", tmp_path / "runs")
    cfg = _cfg(tmp_path, steps=40, save_every=0, hours=1e-9)  # the first sitting ends after one step
    model, record = train(cfg, progress=False, images=embedded_paths())
    assert 0 < record["steps"] < 40 and not record["finished"]
    from lic_lab.training.train import committed_state  # written by the sitting as train_and_save would
    from lic_lab.zoo import save_checkpoint

    out = tmp_path / "tiny.pt"
    model.name = "tiny"
    save_checkpoint(model, out, meta={})
    (tmp_path / "tiny.json").write_text(json.dumps(record))
    assert committed_state(_cfg(tmp_path, steps=40, save_every=0)) is not None
    _, record2 = train(_cfg(tmp_path, steps=40, save_every=0), progress=False, images=embedded_paths())
    assert record2["steps"] == 40 and record2["finished"]
    assert [s["steps"] for s in record2["segments"]] == [[0, record["steps"]], [record["steps"], 40]]
    cfg2 = _cfg(tmp_path, steps=40)
    assert cfg2.lr_at(record["steps"], resumed_at=record["steps"]) < cfg2.lr  # warm-up after a resume


def test_a_schedule_may_change_length_only_before_its_decay(tmp_path):
    saved = _cfg(tmp_path, steps=36000)
    assert _cfg(tmp_path, steps=20000).continues(saved, 13000)  # both decays (30,600 / 17,000) still ahead
    assert not _cfg(tmp_path, steps=20000).continues(saved, 18000)  # the shorter schedule decays at 17,000
    assert not _cfg(tmp_path, steps=12000).continues(saved, 12000)  # nothing left to do
    assert not _cfg(tmp_path, steps=20000, lr=5e-4).continues(saved, 100)  # another schedule
    assert _cfg(tmp_path, steps=36000).continues(saved, 35000)  # same schedule: always


def test_committed_weights_further_along_win_over_an_older_run_checkpoint(tmp_path, monkeypatch):
    """Machine A keeps a run checkpoint at step s1; a sitting elsewhere committed s2 > s1: resume at s2."""
    from lic_lab.zoo import save_checkpoint

    def sitting(runs: str, **kw):
        monkeypatch.setattr("lic_lab.training.train.RUNS_DIR", tmp_path / runs)
        model, record = train(_cfg(tmp_path, steps=40, **kw), progress=False, images=embedded_paths())
        model.name = "tiny"
        save_checkpoint(model, tmp_path / "tiny.pt", meta={})  # committed, as train_and_save would
        (tmp_path / "tiny.json").write_text(json.dumps(record))
        return record

    s1 = sitting("machine-a", save_every=1, hours=1e-9)["steps"]  # leaves runs/tiny/last.pt at s1
    s2 = sitting("machine-b", save_every=0, hours=1e-9)["steps"]  # another machine, no run checkpoint
    assert s2 > s1
    final = sitting("machine-a", save_every=0)
    assert [s["steps"] for s in final["segments"]] == [[0, s1], [s1, s2], [s2, 40]]


def test_a_finished_schedule_is_not_trained_again(tmp_path, monkeypatch, capsys):
    from lic_lab.training.train import train_and_save

    monkeypatch.setattr("lic_lab.training.train.RUNS_DIR", tmp_path / "runs")
    monkeypatch.setattr("lic_lab.training.train.training_paths", lambda root: (embedded_paths(), []))
    cfg = _cfg(tmp_path, steps=3, save_every=1)
    path = train_and_save(cfg, progress=False)
    before = path.read_bytes()
    (tmp_path / "runs" / "tiny" / "last.pt").unlink()  # as on another machine
    assert train_and_save(cfg, progress=False) == path and path.read_bytes() == before
    assert "finished already" in capsys.readouterr().err


def test_a_finished_run_whose_parent_moved_is_found_under_the_parents_new_path(tmp_path):
    import dataclasses
    import json

    from lic_lab.training.train import committed_record

    cfg = _cfg(tmp_path, steps=3)
    record = {"config": {**dataclasses.asdict(cfg), "init": "data/training/parent.pt"}, "steps": 3, "finished": True}
    (tmp_path / f"{cfg.name}.pt").write_bytes(b"weights")
    (tmp_path / f"{cfg.name}.json").write_text(json.dumps(record))
    moved = dataclasses.replace(cfg, init="data/training/old/parent-seg1.pt", out_dir=str(tmp_path))
    assert committed_record(moved) is None  # the parent's new path is not the one the run recorded
    record["init_record"] = "data/training/old/parent-seg1.json"  # the parent moved there after the run
    (tmp_path / f"{cfg.name}.json").write_text(json.dumps(record))
    assert committed_record(moved)["finished"]
    assert committed_record(dataclasses.replace(moved, init="data/training/parent.pt")) is None  # now a new parent
