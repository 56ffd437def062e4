"""The one training entry point used by the CLI, the notebooks and every paper issue.

``python -m lic_lab train --arch scale_hyperprior --lmbda 0.0067 --steps 8000 --name hp_q3``

Adam on random crops of the training folder; rate-distortion loss of :mod:`lic_lab.losses`; a
model's auxiliary loss if it has one; a progress bar; resumable run checkpoints in ``runs/``; and,
at the end, a small fp16 checkpoint plus a JSON record (command, steps, data, wall time,
validation results) that :mod:`lic_lab.zoo` turns into a model card.
"""
from __future__ import annotations

import json
import shlex
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import torch
from tqdm.auto import tqdm

from . import REPO_DIR, seed_everything
from .data import PatchDataset, read_image, training_paths
from .losses import rd_loss
from .models import CompressionModel, build_model
from .zoo import load_checkpoint_file, model_card, registry_entry, save_checkpoint

RUNS_DIR = REPO_DIR / "runs"


@dataclass
class TrainConfig:
    """Everything a run needs; stored in the run checkpoint and the model record."""

    arch: str = "scale_hyperprior"
    N: int = 64
    M: int = 96
    lmbda: float = 0.0067
    metric: str = "mse"
    steps: int = 1000
    batch: int = 8
    patch: int = 128
    lr: float = 1e-3
    lr_drop_at: float = 0.85  # fraction of steps after which lr is divided by 10
    clip: float = 1.0
    seed: int = 0
    init: str | None = None  # checkpoint to fine-tune from
    data: str | None = None  # data root holding train/
    name: str = "model"
    out_dir: str = str(REPO_DIR / "lic_lab" / "zoo" / "checkpoints")
    val_every: int = 500
    log_every: int = 50
    save_every: int = 500  # run checkpoints for resuming; 0 writes none
    threads: int = 0
    extra: dict[str, Any] = field(default_factory=dict)  # architecture-specific arguments
    lmbdas: list[float] | None = None  # variable-rate training: one level drawn per batch (AG-VAE eq. 6)
    stage: str | None = None  # a staged recipe's stage (CBANet: "branch2", "bam3", ...)

    def level_lambda(self, level: int) -> float:
        """The lambda of a rate level (1-based) in variable-rate training."""
        return self.lmbdas[level - 1] if self.lmbdas else self.lmbda


def warm_start(model: CompressionModel, source: torch.nn.Module) -> str:
    """Copy every parameter whose name and shape match (fine-tuning, or a new head on old transforms)."""
    own = model.state_dict()
    source_state = model.adapt_state(dict(source.state_dict()))
    matched = {k: v for k, v in source_state.items() if k in own and own[k].shape == v.shape}
    model.load_state_dict(matched, strict=False)
    return f"{len(matched)} of {len(own)} tensors copied"


def validate_rates(model: CompressionModel, images: list[torch.Tensor], cfg: TrainConfig) -> dict[str, Any]:
    """:func:`validate` at the model's current setting, or at every level of a variable-rate run."""
    if not cfg.lmbdas:
        return validate(model, images, cfg.lmbda, cfg.metric)
    rows = []
    for level in range(1, len(cfg.lmbdas) + 1):
        model.set_rate(level)
        rows.append({"rate": level, **validate(model, images, cfg.level_lambda(level), cfg.metric)})
    return {"bpp": rows[-1]["bpp"], "psnr": rows[-1]["psnr"], "by_rate": rows}


@torch.no_grad()
def validate(model: CompressionModel, images: list[torch.Tensor], lmbda: float, metric: str) -> dict[str, float]:
    """Mean estimated bpp, PSNR and loss over whole images (true rounding, eval mode)."""
    from .analysis import latents

    was_training = model.training
    model.eval()
    rows = []
    for x in images:
        out = latents(model, x)
        parts = rd_loss(x, out, lmbda, metric)
        bpp = parts["bpp"].item() * out["padded_pixels"] / (x.shape[-2] * x.shape[-1])
        rows.append((bpp, parts["psnr"].item()))
    model.train(was_training)
    n = len(rows)
    return {"bpp": sum(r[0] for r in rows) / n, "psnr": sum(r[1] for r in rows) / n}


def _rounded(value: Any) -> Any:
    """Floats to 4 decimals, inside lists and dicts too (for compact records)."""
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def train(cfg: TrainConfig, progress: bool = True, log: Callable[[str], None] | None = None,
          images: list[Path] | None = None, resume: bool = True) -> tuple[CompressionModel, dict[str, Any]]:
    """Train (or fine-tune, or resume) a model; returns it and its record."""
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    seed_everything(cfg.seed)
    log = log or (lambda msg: tqdm.write(msg, file=sys.stderr))
    if images is None:
        train_paths, val_paths = training_paths(cfg.data)
    else:
        train_paths, val_paths = list(images), []
    model = build_model({"arch": cfg.arch, "N": cfg.N, "M": cfg.M, **cfg.extra})
    init_report = None
    if cfg.init:
        init_report = warm_start(model, load_checkpoint_file(cfg.init)[0])
        log(f"{cfg.name}: initialised from {cfg.init} ({init_report})")
    model.configure_training(cfg.stage)
    model.train()
    params = [p for n, p in model.named_parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(params, lr=cfg.lr)
    run_dir = RUNS_DIR / cfg.name
    run_ckpt = run_dir / "last.pt"
    step, elapsed, history, curve = 0, 0.0, [], []
    if resume and run_ckpt.is_file():
        state = torch.load(run_ckpt, map_location="cpu", weights_only=True)
        if state["config"] == asdict(cfg):
            model.load_state_dict(state["model"])
            optimizer.load_state_dict(state["optimizer"])
            step, elapsed, history = state["step"], state["elapsed"], json.loads(state["history"])
            torch.set_rng_state(state["rng"])
            log(f"resumed {cfg.name} at step {step}")
    dataset = PatchDataset(train_paths, patch=cfg.patch, samples_per_epoch=10**9)
    val_images = [read_image(p) for p in val_paths]
    loader = iter(torch.utils.data.DataLoader(dataset, batch_size=cfg.batch, num_workers=0))
    bar = tqdm(total=cfg.steps, initial=step, disable=not progress, desc=cfg.name, file=sys.stderr,
               mininterval=5.0)
    start = time.time() - elapsed
    while step < cfg.steps:
        lr = cfg.lr * (0.1 if step >= cfg.lr_drop_at * cfg.steps else 1.0)
        for group in optimizer.param_groups:
            group["lr"] = lr
        x = next(loader)
        lmbda = cfg.lmbda
        if cfg.lmbdas:
            level = int(torch.randint(len(cfg.lmbdas), (1,))) + 1
            model.set_rate(level)
            lmbda = cfg.level_lambda(level)
        out = model(x)
        parts = rd_loss(x, out, lmbda, cfg.metric)
        loss = parts["loss"]
        aux = model.aux_loss()
        if aux is not None:
            loss = loss + aux
        if "extra_loss" in out:  # a model's own training term (e.g. the information fidelity of eq. 14)
            loss = loss + out["extra_loss"]
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if cfg.clip:
            torch.nn.utils.clip_grad_norm_(params, cfg.clip)
        optimizer.step()
        step += 1
        bar.update(1)
        if step % cfg.log_every == 0:
            curve.append({"step": step, "loss": loss.item(), "bpp": parts["bpp"].item(), "psnr": parts["psnr"].item()})
            bar.set_postfix(loss=f"{loss.item():.3f}", bpp=f"{parts['bpp'].item():.3f}",
                            psnr=f"{parts['psnr'].item():.2f}")
        if (step % cfg.val_every == 0 or step == cfg.steps) and val_images:
            val = validate_rates(model, val_images, cfg)
            history.append({"step": step, "train_loss": round(loss.item(), 5), **_rounded(val)})
            log(f"{cfg.name} step {step}: val bpp {val['bpp']:.4f} psnr {val['psnr']:.2f}")
        if cfg.save_every > 0 and (step % cfg.save_every == 0 or step == cfg.steps):
            run_dir.mkdir(parents=True, exist_ok=True)
            torch.save({"config": asdict(cfg), "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                        "step": step, "elapsed": time.time() - start, "history": json.dumps(history),
                        "rng": torch.get_rng_state()}, run_ckpt)
    bar.close()
    model.eval()
    record = {
        "name": cfg.name,
        "config": asdict(cfg),
        "command": "python -m lic_lab train " + " ".join(shlex.quote(a) for a in sys.argv[2:])
        if sys.argv[1:2] == ["train"] else None,
        "steps": step,
        "wall_time_s": round(time.time() - start, 1),
        "threads": torch.get_num_threads(),
        "train_images": [p.name for p in train_paths],
        "validation_images": [p.name for p in val_paths],
        "history": history,
        "init_report": init_report,
        "train_curve": curve,
    }
    return model, record


def train_and_save(cfg: TrainConfig, progress: bool = True) -> Path:
    """Train, then write ``<out_dir>/<name>.pt`` (fp16) and ``<name>.json`` (the record)."""
    model, record = train(cfg, progress=progress)
    out = Path(cfg.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{cfg.name}.pt"
    model.name = cfg.name
    save_checkpoint(model, path, meta={"lmbda": cfg.lmbda, "lmbdas": cfg.lmbdas, "metric": cfg.metric})
    (out / f"{cfg.name}.json").write_text(json.dumps(record, indent=1))
    (out / f"{cfg.name}.md").write_text(model_card(registry_entry(path, record), record))
    return path
