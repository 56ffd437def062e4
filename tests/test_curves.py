"""Reading a run's logged loss (lic_lab.training.curves) and the trainer's divergence guard."""

import math

import pytest

from lic_lab.training.curves import divergence, loss_flattened, loss_windows


def test_loss_windows_and_the_flattened_rule():
    falling = [{"step": s, "loss": 10.0 / s, "lr": 1e-3} for s in range(50, 4001, 50)]
    assert loss_windows(falling[:20], 500)[0] == (500, sum(10.0 / s for s in range(50, 501, 50)) / 10)
    assert not loss_flattened(falling)  # still falling by more than 5 % over 2,000 steps
    flat = [{"step": s, "loss": 2.0 + 0.01 * (s % 100 == 0), "lr": 1e-3} for s in range(50, 4001, 50)]
    assert loss_flattened(flat)
    decayed = flat + [{"step": s, "loss": 1.0, "lr": 1e-4} for s in range(4050, 5001, 50)]
    assert loss_flattened(decayed)  # the decay's drop is not what the rule looks at
    assert not loss_flattened(flat[:30])  # 1,500 steps: too short to tell


def test_divergence_flags_a_collapse_but_not_noise_or_a_falling_loss():
    healthy = [{"step": 50 * i, "loss": 12.0 / (1 + i / 10) + (3.0 if i % 7 == 0 else 0.0)} for i in range(1, 80)]
    assert divergence(healthy, 4.0) is None  # falling, with spikes of single batches
    collapsed = healthy + [{"step": 50 * i, "loss": 70.0} for i in range(80, 90)]  # CWIC's collapse: 3.3 -> 72
    assert "4 x the best" in divergence(collapsed, 4.0)
    assert divergence(healthy[:15], 4.0) is None  # too short to judge
    assert "non-finite" in divergence(healthy + [{"step": 4000, "loss": math.nan}], 4.0)


def test_the_trainer_stops_on_divergence_and_writes_nothing(tmp_path, monkeypatch):
    from lic_lab.data import embedded_paths
    from lic_lab.errors import TrainingDiverged
    from lic_lab.training import train as train_module
    from lic_lab.training.train import TrainConfig, train

    monkeypatch.setattr(train_module, "RUNS_DIR", tmp_path / "runs")
    losses = iter([1.0] * 20 + [100.0] * 100)
    real = train_module.rd_loss

    def exploding(*args, **kwargs):  # the real loss, scaled to follow a collapse after 20 logged steps
        parts = real(*args, **kwargs)
        return {**parts, "loss": parts["loss"] / parts["loss"].detach() * next(losses)}

    monkeypatch.setattr(train_module, "rd_loss", exploding)
    cfg = TrainConfig(arch="factorized", N=8, M=8, steps=60, batch=1, patch=64, log_every=1, val_every=0,
                      save_every=5, name="boom", out_dir=str(tmp_path / "out"))
    with pytest.raises(TrainingDiverged, match="diverged at step 21"):
        train(cfg, progress=False, images=embedded_paths()[:1])
    assert not (tmp_path / "runs" / "boom" / "last.pt").exists()  # no diverged run checkpoint to resume from
