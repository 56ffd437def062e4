"""The one training entry point used by the CLI, the notebooks and every paper issue.

``python -m lic_lab train --arch scale_hyperprior --lmbda 0.0067 --steps 8000 --name hp_q3``

Adam on random crops of the training folder; rate-distortion loss of :mod:`lic_lab.training.losses`; a
model's auxiliary loss if it has one; a progress bar; resumable run checkpoints in ``runs/``; and,
at the end, a small fp16 checkpoint plus a JSON record (command, steps, data, wall time,
validation results) that :mod:`lic_lab.zoo` turns into a model card.
"""

from __future__ import annotations

import json
import os
import platform
import shlex
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn
from tqdm.auto import tqdm

from lic_lab import home, seed_everything
from lic_lab.data import PatchDataset, read_image, training_paths
from lic_lab.errors import TrainingDiverged, UsageError
from lic_lab.evaluation.metrics import MS_SSIM_MIN_SIDE
from lic_lab.models import CompressionModel, build_model
from lic_lab.training.curves import divergence
from lic_lab.training.losses import rd_loss
from lic_lab.zoo import float_state, load_checkpoint_file, model_card, registry_entry, save_checkpoint

RUNS_DIR = home() / "runs"


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
    lr_drop_at: float = 0.85  # fraction of steps after which lr is divided by 10 (the decay at the end)
    warmup: int = 500  # steps of linear lr warm-up after a resume from committed weights (fresh optimizer)
    downscale: float = 0.0  # probability of a randomly down-scaled training patch (augmentation)
    channels_last: bool = True  # NHWC memory layout: faster on CPU (data/results/train_speed.json)
    workers: int = 0  # DataLoader worker processes cutting patches (a GPU run; on 2 CPU cores they cost a core)
    clip: float = 1.0
    diverge_factor: float = 4.0  # stop (writing nothing) when the loss collapses (curves.divergence); 0 = off
    seed: int = 0
    init: str | None = None  # checkpoint to fine-tune from
    init_over: str | None = None  # a second checkpoint whose matching tensors replace init's
    data: str | None = None  # data root holding train/
    name: str = "model"
    out_dir: str = str(home() / "models")  # the zoo recipes pass lic_lab/zoo/checkpoints
    val_every: int = 500
    log_every: int = 50
    save_every: int = 500  # run checkpoints for resuming; 0 writes none
    threads: int = 0
    extra: dict[str, Any] = field(default_factory=dict)  # architecture-specific arguments
    lmbdas: list[float] | None = None  # variable-rate training: one level drawn per batch (AG-VAE eq. 6)
    stage: str | None = None  # a staged recipe's stage (CBANet: "branch2", "bam3", ...)
    hours: float = 0.0  # wall-time budget of this sitting; 0 = until ``steps``. Resume by re-running.

    def schedule_key(self) -> dict[str, Any]:
        """What must match for a later sitting to continue this run (not the sitting's own budget)."""
        key = asdict(self)
        for name in (
            "hours",
            "threads",
            "val_every",
            "log_every",
            "save_every",
            "out_dir",
            "data",
            "workers",
            "steps",
            "diverge_factor",
        ):
            key.pop(name)
        return key

    def continues(self, saved: TrainConfig, step: int) -> bool:
        """Whether a run saved at ``step`` under ``saved`` may go on under this config.

        Everything in :meth:`schedule_key` must match. The length (``steps``) may change (a schedule
        shortened or extended between sittings) only while neither schedule has reached its final
        lr decay, so every step done so far ran at the lr the new schedule would have given it.
        """
        if saved.schedule_key() != self.schedule_key() or step >= self.steps:
            return False
        return saved.steps == self.steps or step < min(saved.lr_drop_at * saved.steps, self.lr_drop_at * self.steps)

    def lr_at(self, step: int, resumed_at: int | None = None) -> float:
        """Learning rate of ``step``: ``lr``, divided by 10 after ``lr_drop_at``; warm-up after a resume."""
        lr = self.lr * (0.1 if step >= self.lr_drop_at * self.steps else 1.0)
        if resumed_at is not None and self.warmup and step < resumed_at + self.warmup:
            lr *= (step - resumed_at + 1) / self.warmup
        return lr

    def level_lambda(self, level: int) -> float:
        """The lambda of a rate level (1-based) in variable-rate training."""
        return self.lmbdas[level - 1] if self.lmbdas else self.lmbda


def draw_level(model: CompressionModel, cfg: TrainConfig) -> float:
    """Variable-rate training (AG-VAE eq. 6, as its sec. 4.1 trains it): each batch draws one level
    ``s`` uniformly, sets that level's gains on the model and returns its lambda, so the expected loss
    over batches is eq. 6's sum over levels (divided by their number)."""
    assert cfg.lmbdas, "draw_level is for variable-rate training (cfg.lmbdas)"
    level = int(torch.randint(len(cfg.lmbdas), (1,))) + 1
    model.set_rate(level)
    return cfg.level_lambda(level)


def warm_start(model: CompressionModel, source: torch.nn.Module) -> str:
    """Copy every parameter whose name and shape match (fine-tuning, or a new head on old transforms)."""
    own = model.state_dict()
    source_state = model.adapt_state(dict(source.state_dict()))
    matched = {k: v for k, v in source_state.items() if k in own and own[k].shape == v.shape}
    model.load_state_dict(matched, strict=False)
    parts = sorted({k.split(".")[0] for k in matched})
    return f"{len(matched)} of {len(own)} tensors copied" + (f": {', '.join(parts)}" if len(matched) < len(own) else "")


def validate_rates(model: CompressionModel, images: list[torch.Tensor], cfg: TrainConfig) -> dict[str, Any]:
    """:func:`validate` at the model's current setting, or at every level of a variable-rate run."""
    if not cfg.lmbdas:
        return validate(model, images, cfg.lmbda, cfg.metric)
    rows = []
    for level in range(1, len(cfg.lmbdas) + 1):
        model.set_rate(level)
        rows.append({"rate": level, **validate(model, images, cfg.level_lambda(level), cfg.metric)})
    return {**{k: v for k, v in rows[-1].items() if k != "rate"}, "by_rate": rows}


@torch.no_grad()
def validate(model: CompressionModel, images: list[torch.Tensor], lmbda: float, metric: str) -> dict[str, float]:
    """Mean estimated bpp and PSNR over whole images (true rounding, eval mode); MS-SSIM too for an
    MS-SSIM run, since that is what it optimises."""
    from lic_lab.models import latents

    was_training = model.training
    model.eval()
    rows = []
    for x in images:
        out = latents(model, x)
        parts = rd_loss(x, out, lmbda, metric)
        row = {"bpp": parts["bpp"].item() * out["padded_pixels"] / (x.shape[-2] * x.shape[-1])}
        row["psnr"] = parts["psnr"].item()
        if metric == "ms-ssim":
            row["ms_ssim"] = 1.0 - parts["distortion"].item()
        rows.append(row)
    model.train(was_training)
    return {key: sum(r[key] for r in rows) / len(rows) for key in rows[0]}


def _rounded(value: Any) -> Any:
    """Floats to 4 decimals, inside lists and dicts too (for compact records)."""
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def _machine() -> str:
    """Where a segment ran: CPU model or GPU name, for the model card."""
    if torch.cuda.is_available():
        return f"GPU {torch.cuda.get_device_name(0)}"
    return f"CPU {platform.processor() or platform.machine()}, {os.cpu_count()} cores"


def _saved_config(config: dict[str, Any]) -> TrainConfig:
    """A stored training config (a record's or a run checkpoint's) as a :class:`TrainConfig`; fields it
    lacks (added since it was written) take their defaults, fields since removed are dropped."""
    return TrainConfig(**{k: v for k, v in config.items() if k in TrainConfig.__dataclass_fields__})


def _recorded_config(record: dict[str, Any]) -> TrainConfig:
    """A record's config with its ``init`` where those weights live now: a parent moved after the run
    started from it (a later segment took its name) is named by the record's ``init_record``, so a recipe
    that names the moved parent still finds the finished run."""
    config = dict(record.get("config", {}))
    if record.get("init_record"):
        config["init"] = str(Path(record["init_record"]).with_suffix(".pt"))
    return _saved_config(config)


def param_groups(model: CompressionModel) -> list[dict[str, Any]]:
    """The trainable parameters as Adam groups, one per learning-rate multiplier (``model.lr_scales()``,
    stored in each group as ``lr_scale``); frozen parameters are left out."""
    scales = model.lr_scales()
    unknown = set(scales) - {name for name, _ in model.named_parameters()}
    if unknown:
        raise ValueError(f"{model.arch}: lr_scales names no parameter {sorted(unknown)}")
    groups: dict[float, list[nn.Parameter]] = {}
    for name, p in model.named_parameters():
        if p.requires_grad:
            groups.setdefault(float(scales.get(name, 1.0)), []).append(p)
    return [{"params": params, "lr_scale": scale} for scale, params in sorted(groups.items(), reverse=True)]


def committed_record(cfg: TrainConfig) -> dict[str, Any] | None:
    """The record an earlier sitting of this schedule committed to ``out_dir`` (finished or not), if any."""
    out = Path(cfg.out_dir)
    record_path, weights_path = out / f"{cfg.name}.json", out / f"{cfg.name}.pt"
    if not (record_path.is_file() and weights_path.is_file()):
        return None
    record = json.loads(record_path.read_text())
    return record if _recorded_config(record).schedule_key() == cfg.schedule_key() else None


def committed_state(cfg: TrainConfig) -> tuple[dict[str, torch.Tensor], dict[str, Any]] | None:
    """Weights and record of an unfinished run committed to ``out_dir`` by an earlier sitting, if any.

    A long schedule spans sittings: each one ends by writing ``<name>.pt`` and ``<name>.json``
    with the steps done so far; re-running the same command continues from there.
    """
    record = committed_record(cfg)
    if record is None or not cfg.continues(_recorded_config(record), record.get("steps", 0)):
        return None
    ckpt = torch.load(Path(cfg.out_dir) / f"{cfg.name}.pt", map_location="cpu", weights_only=True)
    return float_state(ckpt), record


class _Distributed:
    """torchrun / DistributedDataParallel support: one process per GPU (or CPU process with gloo)."""

    def __init__(self) -> None:
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        if self.world > 1:
            import torch.distributed as dist

            dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")

    @property
    def main(self) -> bool:
        return self.rank == 0

    def device(self) -> torch.device:
        from lic_lab import device

        dev = device()
        if dev.type == "cuda" and self.world > 1:
            return torch.device("cuda", self.local_rank)
        return dev

    def wrap(self, model: torch.nn.Module, dev: torch.device) -> torch.nn.Module:
        if self.world == 1:
            return model
        from torch.nn.parallel import DistributedDataParallel

        return DistributedDataParallel(
            model, device_ids=[dev.index] if dev.type == "cuda" else None, find_unused_parameters=True
        )

    def agree(self, flag: bool) -> bool:
        """True on every process when it is True on the main one (so all stop at the same step)."""
        if self.world == 1:
            return flag
        import torch.distributed as dist

        t = torch.tensor([1.0 if flag else 0.0])
        dist.broadcast(t, 0)
        return bool(t.item())

    def close(self) -> None:
        if self.world > 1:
            import torch.distributed as dist

            dist.destroy_process_group()


def train(
    cfg: TrainConfig,
    progress: bool = True,
    log: Callable[[str], None] | None = None,
    images: list[Path] | None = None,
    resume: bool = True,
) -> tuple[CompressionModel, dict[str, Any]]:
    """Train (or fine-tune, or resume) a model; returns it and its record.

    Resumes from whichever is further along: the run checkpoint in ``runs/<name>/last.pt`` (same
    machine, optimizer state kept) or the weights an earlier sitting committed to ``out_dir`` (fresh
    optimizer, ``warmup`` steps of linear lr warm-up). Stops after ``steps`` or after ``hours``
    of this sitting; every sitting is a segment in the record. Runs unchanged under
    ``torchrun --nproc_per_node=K`` (DistributedDataParallel; each process draws its own patches).
    """
    if cfg.metric == "ms-ssim" and cfg.patch < MS_SSIM_MIN_SIDE:
        raise UsageError(
            f"training for MS-SSIM needs patches of at least {MS_SSIM_MIN_SIDE} px (5 scales), "
            f"not {cfg.patch}: smaller ones would be padded and train on the padding"
        )
    dist = _Distributed()
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    seed_everything(cfg.seed)
    log = log or (lambda msg: tqdm.write(msg, file=sys.stderr))
    if not dist.main:
        progress, log = False, (lambda msg: None)
    if images is None:
        train_paths, val_paths = training_paths(cfg.data)
    else:
        train_paths, val_paths = list(images), []
    model = build_model({"arch": cfg.arch, "N": cfg.N, "M": cfg.M, **cfg.extra})
    init_report = None
    if cfg.init:
        init_report = warm_start(model, load_checkpoint_file(cfg.init)[0])
        log(f"{cfg.name}: initialised from {cfg.init} ({init_report})")
    if cfg.init_over:
        if not cfg.init:
            raise ValueError("init_over copies tensors over init's: give init too")
        over = warm_start(model, load_checkpoint_file(cfg.init_over)[0])
        init_report = f"{init_report}; then {over} from {cfg.init_over}"
        log(f"{cfg.name}: then from {cfg.init_over} ({over})")
    model.configure_training(cfg.stage)
    dev = dist.device()
    # channels-last (NHWC) only where every weight is 4-D or less (CVQN's 3-D context model has 5-D ones)
    nhwc = cfg.channels_last and all(p.dim() <= 4 for p in model.parameters())
    fmt = torch.channels_last if nhwc else torch.contiguous_format
    # Module.to accepts memory_format at runtime; torch's stub overloads leave it out
    model = model.to(dev, memory_format=fmt)  # type: ignore[call-overload]
    model.train()
    groups = param_groups(model)
    params = [p for group in groups for p in group["params"]]
    optimizer = torch.optim.Adam(groups, lr=cfg.lr)
    run_dir = RUNS_DIR / cfg.name
    run_ckpt = run_dir / "last.pt"
    step, elapsed, history, curve, segments = 0, 0.0, [], [], []
    resumed_at: int | None = None
    committed = committed_state(cfg) if resume else None
    done = committed_record(cfg) if resume else None  # also a finished one: an older run checkpoint must not win
    committed_steps = done.get("steps", 0) if done is not None else 0
    if resume and run_ckpt.is_file():
        state = torch.load(run_ckpt, map_location="cpu", weights_only=True)
        # the run checkpoint keeps the optimizer, but a later sitting elsewhere may have committed more steps
        if cfg.continues(_saved_config(state["config"]), state["step"]) and state["step"] >= committed_steps:
            model.load_state_dict(state["model"])
            scales = [group["lr_scale"] for group in optimizer.param_groups]
            try:
                optimizer.load_state_dict(state["optimizer"])
            except ValueError:  # saved with another grouping of the parameters (param_groups): a fresh optimizer
                resumed_at = state["step"]
                log(f"{cfg.name}: the run checkpoint's optimizer groups its parameters differently; restarted it")
            for group, scale in zip(optimizer.param_groups, scales):  # the saved groups predate lr_scale, or differ
                group["lr_scale"] = scale
            step, elapsed, history = state["step"], state["elapsed"], json.loads(state["history"])
            segments = json.loads(state.get("segments", "[]"))
            curve = json.loads(state.get("curve", "[]"))
            torch.set_rng_state(state["rng"])
            log(f"resumed {cfg.name} at step {step} (run checkpoint)")
    if resume and step == 0:
        if committed is not None:
            weights, record = committed
            model.load_state_dict(weights)
            step, elapsed = record["steps"], record.get("wall_time_s", 0.0)
            history, curve = record.get("history", []), record.get("train_curve", [])
            segments, init_report = record.get("segments", []), record.get("init_report", init_report)
            resumed_at = step
            torch.manual_seed(
                cfg.seed * 10**7 + step
            )  # new patches, not a replay of the first sitting's (nor seed + 1's)
            log(f"resumed {cfg.name} at step {step} from committed weights (optimizer restarted, warm-up)")
    if dist.world > 1:  # every process draws its own patches
        torch.manual_seed(cfg.seed * 1000 + dist.rank + step)
    forward = dist.wrap(model, dev)
    dataset = PatchDataset(train_paths, patch=cfg.patch, samples_per_epoch=10**9, downscale=cfg.downscale)
    val_images = [read_image(p) for p in val_paths] if dist.main else []
    loader = iter(
        torch.utils.data.DataLoader(
            dataset,
            batch_size=cfg.batch,
            num_workers=cfg.workers,
            pin_memory=dev.type == "cuda",
            persistent_workers=cfg.workers > 0,
        )
    )
    bar = tqdm(total=cfg.steps, initial=step, disable=not progress, desc=cfg.name, file=sys.stderr, mininterval=5.0)
    sitting_start, first_step = time.time(), step
    segment_lr = cfg.lr_at(step)
    while step < cfg.steps:
        if dist.agree(bool(cfg.hours) and step > first_step and time.time() - sitting_start > cfg.hours * 3600):
            log(f"{cfg.name}: this sitting's {cfg.hours} h are spent at step {step} of {cfg.steps}")
            break
        lr = cfg.lr_at(step, resumed_at)
        for group in optimizer.param_groups:
            group["lr"] = lr * group["lr_scale"]
        x = next(loader).to(dev).contiguous(memory_format=fmt)
        lmbda = draw_level(model, cfg) if cfg.lmbdas else cfg.lmbda
        out = forward(x)
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
        if cfg.log_every > 0 and step % cfg.log_every == 0:
            curve.append(
                {"step": step, "loss": loss.item(), "bpp": parts["bpp"].item(), "psnr": parts["psnr"].item(), "lr": lr}
            )
            bar.set_postfix(
                loss=f"{loss.item():.3f}", bpp=f"{parts['bpp'].item():.3f}", psnr=f"{parts['psnr'].item():.2f}"
            )
            why = divergence(curve, cfg.diverge_factor) if cfg.diverge_factor and not cfg.lmbdas else None
            if dist.agree(bool(why)):
                if dist.main:
                    run_ckpt.unlink(missing_ok=True)  # saved after the collapse began: never resume from it
                raise TrainingDiverged(
                    f"{cfg.name} diverged at step {step} ({why}); nothing was written. The weights committed by "
                    f"the last sitting are kept: continue from them under a new --name with --init "
                    f"{Path(cfg.out_dir) / cfg.name}.pt and a lower --lr (as scripts/train_zoo.sh cwic-base does)"
                )
        if ((cfg.val_every > 0 and step % cfg.val_every == 0) or step == cfg.steps) and val_images:
            val = validate_rates(model, [v.to(dev) for v in val_images], cfg)
            history.append({"step": step, "train_loss": round(loss.item(), 5), **_rounded(val)})
            ms = f" ms-ssim {val['ms_ssim']:.4f}" if "ms_ssim" in val else ""
            log(f"{cfg.name} step {step}: val bpp {val['bpp']:.4f} psnr {val['psnr']:.2f}{ms}")
        if dist.main and cfg.save_every > 0 and (step % cfg.save_every == 0 or step == cfg.steps):
            run_dir.mkdir(parents=True, exist_ok=True)
            seg_now = segments + [_segment(first_step, step, segment_lr, lr, time.time() - sitting_start, dist)]
            torch.save(
                {
                    "config": asdict(cfg),
                    "model": model.state_dict(),
                    "optimizer": optimizer.state_dict(),
                    "step": step,
                    "elapsed": elapsed + time.time() - sitting_start,
                    "history": json.dumps(history),
                    "segments": json.dumps(seg_now),
                    "curve": json.dumps(curve),
                    "rng": torch.get_rng_state(),
                },
                run_ckpt,
            )
    bar.close()
    if step > first_step:
        segments = segments + [
            _segment(first_step, step, segment_lr, cfg.lr_at(step - 1), time.time() - sitting_start, dist)
        ]
    dist.close()
    model = model.to("cpu", memory_format=torch.contiguous_format)
    model.eval()
    record = {
        "name": cfg.name,
        "config": asdict(cfg),
        "command": "python -m lic_lab train " + " ".join(shlex.quote(a) for a in sys.argv[2:])
        if sys.argv[1:2] == ["train"]
        else None,
        "steps": step,
        "finished": step >= cfg.steps,
        "wall_time_s": round(elapsed + time.time() - sitting_start, 1),
        "threads": torch.get_num_threads(),
        "train_images": [p.name for p in train_paths],
        "validation_images": [p.name for p in val_paths],
        "history": history,
        "init_report": init_report,
        "segments": segments,
        "train_curve": curve,
    }
    return model, record


def _segment(first: int, last: int, lr_first: float, lr_last: float, wall: float, dist: _Distributed) -> dict[str, Any]:
    """One sitting of a (possibly multi-sitting) schedule, for the record and the model card."""
    return {
        "steps": [first, last],
        "lr": [lr_first, lr_last],
        "wall_time_s": round(wall, 1),
        "threads": torch.get_num_threads(),
        "processes": dist.world,
        "where": _machine(),
        "date": time.strftime("%Y-%m-%d"),
    }


def train_and_save(cfg: TrainConfig, progress: bool = True) -> Path:
    """Train, then write ``<out_dir>/<name>.pt`` (fp16) and ``<name>.json`` (the record).

    A schedule already finished in ``out_dir`` (same name, same schedule, all its steps) is left as it
    is: re-running a recipe never trains a finished model again from scratch."""
    done = committed_record(cfg)
    if done is not None and done.get("finished") and done.get("steps", 0) >= cfg.steps:
        print(
            f"{cfg.name}: finished already ({done['steps']:,} steps in {cfg.out_dir}); nothing to do", file=sys.stderr
        )
        return Path(cfg.out_dir) / f"{cfg.name}.pt"
    model, record = train(cfg, progress=progress)
    if int(os.environ.get("RANK", "0")) != 0:  # under torchrun only the main process writes
        return Path(cfg.out_dir) / f"{cfg.name}.pt"
    out = Path(cfg.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{cfg.name}.pt"
    model.name = cfg.name
    save_checkpoint(model, path, meta={"lmbda": cfg.lmbda, "lmbdas": cfg.lmbdas, "metric": cfg.metric})
    (out / f"{cfg.name}.json").write_text(json.dumps(record, indent=1))
    (out / f"{cfg.name}.md").write_text(model_card(registry_entry(path, record), record))
    return path
