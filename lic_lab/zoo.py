"""The model zoo: shipped checkpoints loaded by name, SHA-256 checked, ``weights_only=True``.

Checkpoints live in ``lic_lab/zoo/checkpoints/<name>.pt`` as ``{"config", "state_dict" (fp16),
"meta"}``; ``lic_lab/zoo/registry.json`` lists each with its SHA-256, rate and Kodak results, and
``<name>.md`` beside it is the model card.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

from . import PACKAGE_DIR
from .data import sha256_file

ZOO_DIR = PACKAGE_DIR / "zoo"
CHECKPOINT_DIR = ZOO_DIR / "checkpoints"
REGISTRY = ZOO_DIR / "registry.json"


class CheckpointError(ValueError):
    """A file that is not a usable lic_lab checkpoint."""


def save_checkpoint(model: torch.nn.Module, path: str | Path, meta: dict[str, Any] | None = None,
                    half: bool = True) -> None:
    """Save config + (fp16) weights + metadata in a form ``torch.load(weights_only=True)`` accepts."""
    state = {k: (v.half() if half and v.is_floating_point() else v).clone() for k, v in model.state_dict().items()}
    torch.save({"format": "lic_lab-checkpoint-1", "config": dict(model.config), "state_dict": state,
                "meta": dict(meta or {}), "name": model.name}, path)


def load_checkpoint_file(path: str | Path, expected_sha256: str | None = None):
    """Load a checkpoint file into a model (float32, eval mode); returns (model, meta)."""
    from .models import build_model

    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such checkpoint")
    if expected_sha256 and sha256_file(path) != expected_sha256:
        raise CheckpointError(f"{path}: SHA-256 mismatch (file changed or corrupt)")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises many types for foreign files
        raise CheckpointError(f"{path}: not a loadable checkpoint ({err.__class__.__name__})") from None
    if not isinstance(ckpt, dict) or ckpt.get("format") != "lic_lab-checkpoint-1":
        if isinstance(ckpt, dict) and "model" in ckpt and "config" in ckpt:  # a training run checkpoint
            cfg = ckpt["config"]
            ckpt = {"config": {"arch": cfg["arch"], "N": cfg["N"], "M": cfg["M"], **cfg.get("extra", {})},
                    "state_dict": ckpt["model"], "meta": {}, "name": cfg["name"]}
        else:
            raise CheckpointError(f"{path}: not a lic_lab checkpoint")
    try:
        model = build_model(ckpt["config"])
        model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in ckpt["state_dict"].items()})
    except (ValueError, RuntimeError, TypeError, KeyError) as err:
        raise CheckpointError(f"{path}: checkpoint does not match its architecture ({err})") from None
    model.name = ckpt.get("name") or path.stem
    model.eval()
    return model, ckpt.get("meta", {})


def registry() -> dict[str, dict[str, Any]]:
    """{name: entry} of shipped models (empty when none are registered)."""
    if not REGISTRY.is_file():
        return {}
    return json.loads(REGISTRY.read_text())["models"]


def load_model(name: str, device: torch.device | str | None = None):
    """A shipped model by name, checked against its registered SHA-256."""
    models = registry()
    if name not in models:
        raise CheckpointError(f"unknown model {name!r}; run `python -m lic_lab models` to list them")
    entry = models[name]
    model, _ = load_checkpoint_file(CHECKPOINT_DIR / entry["file"], entry["sha256"])
    model.setting = float(entry.get("quality", 0))
    return model.to(device) if device is not None else model
