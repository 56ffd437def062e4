"""Reading a run's logged loss (lic_lab.training.curves) and the trainer's divergence guard."""

import json
import math
import shutil

import pytest

from lic_lab.training.curves import (
    compared_windows,
    divergence,
    loss_trend,
    loss_windows,
    validation_objective,
    window_noise,
)


def test_loss_windows_and_the_trend_rule():
    falling = [{"step": s, "loss": 10.0 / s, "lr": 1e-3} for s in range(50, 4001, 50)]
    assert loss_windows(falling[:20], 500)[0] == (500, sum(10.0 / s for s in range(50, 501, 50)) / 10)
    assert loss_trend(falling) == "still falling"  # by more than 5 % over 2,000 steps
    assert loss_trend([{**row, "loss": 1.0 / row["loss"]} for row in falling]) == "rising"  # the sign counts
    flat = [{"step": s, "loss": 2.0 + 0.01 * (s % 100 == 0), "lr": 1e-3} for s in range(50, 4001, 50)]
    assert loss_trend(flat) == "flat"
    decayed = flat + [{"step": s, "loss": 1.0, "lr": 1e-4} for s in range(4050, 5001, 50)]
    assert loss_trend(decayed) == "flat"  # the decay's drop is not what the rule looks at
    assert loss_trend(flat[:30]) == "too short"  # 1,500 steps: too short to tell
    (s0, l0), (s1, l1) = compared_windows(decayed)
    assert (s0, s1) == (2000, 4000) and l0 == l1 == loss_windows(flat)[-1][1]  # full-lr windows 2,000 steps apart
    assert compared_windows(flat[:30]) is None and compared_windows([]) is None
    # windows that jump +-10 % from one to the next: a 9 % rise over 2,000 steps is within their noise
    noisy = [{"step": s, "loss": 1.0 + 0.1 * (((s - 1) // 500) % 2) + 0.09 * (s > 3500), "lr": 1e-3}
             for s in range(50, 4001, 50)]
    assert window_noise(noisy) == pytest.approx(0.1, rel=0.2) and loss_trend(noisy) == "flat"
    assert window_noise(flat[:20]) is None


def test_validation_objective_is_r_plus_lambda_d_of_the_last_validation():
    record = {"finished": True, "config": {"lmbda": 0.01, "metric": "mse", "lmbdas": None},
              "history": [{"step": 1, "bpp": 9.0, "psnr": 10.0}, {"step": 2, "bpp": 0.5, "psnr": 30.0}]}
    assert validation_objective(record) == pytest.approx(0.5 + 0.01 * 255.0**2 * 1e-3)
    better = {**record, "history": [{"step": 2, "bpp": 0.5, "psnr": 31.0}]}
    assert validation_objective(better) < validation_objective(record)
    with pytest.raises(ValueError, match="no validation MS-SSIM"):  # an MS-SSIM run is read on MS-SSIM
        validation_objective({**record, "config": {"lmbda": 8, "metric": "ms-ssim"}})
    ms = {**record, "config": {"lmbda": 8, "metric": "ms-ssim"}, "history": [{"bpp": 0.2, "psnr": 26.0, "ms_ssim": 0.95}]}
    assert validation_objective(ms) == pytest.approx(0.2 + 8 * 0.05)
    with pytest.raises(ValueError, match="single-lambda"):
        validation_objective({**record, "config": {"lmbda": 0.01, "lmbdas": [0.01, 0.02]}})
    with pytest.raises(ValueError, match="knows MSE"):
        validation_objective({**record, "config": {"lmbda": 0.01, "metric": "lpips"}})
    with pytest.raises(ValueError, match="unfinished"):
        validation_objective({**record, "finished": False})
    from lic_lab.training.curves import objective_change

    change = objective_change(better, record)  # in %, negative when better
    assert change == pytest.approx(100 * (validation_objective(better) / validation_objective(record) - 1)) and change < 0
    from lic_lab.training.curves import mse_objective

    assert mse_objective(0.5, 30.0, 0.01) == validation_objective(record)  # the same loss from a test set's means


def test_divergence_flags_a_collapse_but_not_noise_or_a_falling_loss():
    healthy = [{"step": 50 * i, "loss": 12.0 / (1 + i / 10) + (3.0 if i % 7 == 0 else 0.0)} for i in range(1, 80)]
    assert divergence(healthy, 4.0) is None  # falling, with spikes of single batches
    assert divergence(healthy + [{"step": 4000, "loss": 1000.0}], 4.0) is None  # one bad batch is not a collapse
    collapsed = healthy + [{"step": 50 * i, "loss": 70.0} for i in range(80, 95)]  # CWIC's collapse: 3.3 -> 72
    assert "4 x the best" in divergence(collapsed, 4.0)
    assert divergence(healthy[:30], 4.0) is None  # too short to judge
    assert "non-finite" in divergence(healthy + [{"step": 4000, "loss": math.nan}], 4.0)


def test_no_committed_single_lambda_run_would_have_been_stopped():
    """Replay the guard at every logged step of every committed training record at one lambda."""
    from lic_lab import REPO_DIR
    from lic_lab.training.train import TrainConfig

    records = [json.loads(p.read_text()) for p in sorted((REPO_DIR / "data" / "training").glob("**/*.json"))]
    replayed = 0
    for record in (r for r in records if "train_curve" in r and not r["config"].get("lmbdas")):
        curve = record["train_curve"]
        assert all(divergence(curve[:n], TrainConfig.diverge_factor) is None for n in range(1, len(curve) + 1)), record["name"]
        replayed += 1
    assert replayed >= 20


def test_the_trainer_stops_on_divergence_and_writes_nothing(tmp_path, monkeypatch):
    from lic_lab.data import embedded_paths
    from lic_lab.errors import TrainingDiverged
    from lic_lab.training import train as train_module
    from lic_lab.training.train import TrainConfig, train_and_save

    monkeypatch.setattr(train_module, "RUNS_DIR", tmp_path / "runs")
    losses = iter([1.0] * 40 + [100.0] * 100)
    real = train_module.rd_loss

    def exploding(*args, **kwargs):  # the real loss, scaled to follow a collapse after 40 logged steps
        parts = real(*args, **kwargs)
        return {**parts, "loss": parts["loss"] / parts["loss"].detach() * next(losses)}

    monkeypatch.setattr(train_module, "rd_loss", exploding)
    data = tmp_path / "data" / "train"
    data.mkdir(parents=True)
    for path in embedded_paths()[:1]:
        shutil.copy(path, data / path.name)
    cfg = TrainConfig(arch="factorized", N=8, M=8, steps=80, batch=1, patch=64, log_every=1, val_every=0,
                      save_every=5, name="boom", out_dir=str(tmp_path / "out"), data=str(data.parent))
    with pytest.raises(TrainingDiverged, match="diverged at step 50"):  # once half of the last 20 have collapsed
        train_and_save(cfg, progress=False)
    assert not (tmp_path / "runs" / "boom" / "last.pt").exists()  # no diverged run checkpoint to resume from
    assert not (tmp_path / "out").exists()  # and no weights or record


def test_same_window_pairs_segments_on_their_last_shared_window():
    from lic_lab.training.curves import same_window

    def curve(steps, scale):  # full-lr steps only (lr constant), logged every 50
        return [{"step": s, "loss": scale * (1 + 1000 / s), "lr": 1e-3} for s in range(50, steps + 1, 50)]

    step, means = same_window([curve(3000, 1.0), curve(2000, 0.9)])
    assert step == 2000 and means[1] < means[0]  # the shorter segment bounds the shared windows
    assert same_window([]) is None and same_window([curve(3000, 1.0), []]) is None
