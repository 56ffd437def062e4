"""The model zoo: shipped checkpoints loaded by name, SHA-256 checked, ``weights_only=True``.

Checkpoints live in ``lic_lab/zoo/checkpoints/<name>.pt`` as ``{"config", "state_dict" (fp16, or
int8 convolution weights with ``"int8_scales"``), "meta"}``; ``lic_lab/zoo/registry.json`` lists each with its SHA-256, rate and Kodak results, and
``<name>.md`` beside it is the model card.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import torch

from lic_lab import PACKAGE_DIR, REPO_DIR, home
from lic_lab.data import sha256_file
from lic_lab.errors import BitstreamError, CheckpointError

if TYPE_CHECKING:
    from lic_lab.models import CompressionModel

ZOO_DIR = PACKAGE_DIR / "zoo"
CHECKPOINT_DIR = ZOO_DIR / "checkpoints"
REGISTRY = ZOO_DIR / "registry.json"
CHECKPOINT_FORMATS = ("lic_lab-checkpoint-1", "lic_lab-checkpoint-2")  # 2: with int8 weights and their scales


PRECISIONS = ("fp32", "fp16", "int8")
INT8_MIN_ELEMENTS = 1024  # smaller tensors (biases, GDN, entropy-model parameters) stay fp16


def quantize_int8(weight: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Symmetric int8 storage of a convolution weight, one fp16 scale per slice along dim 0 (the
    output channel of a convolution, the input channel of a transposed one).

    ``weight ~ q * scale`` with ``q`` in [-127, 127]; :func:`dequantize_int8` is exact float32 arithmetic,
    so every machine rebuilds the same weights (and decodes the same bits).
    """
    amax = weight.float().abs().amax(dim=tuple(range(1, weight.dim())), keepdim=True)
    scale = (amax / 127).half().clamp_min(2.0**-24)  # fp16's smallest step: an all-zero slice stores zeros
    q = (weight.float() / scale.float()).round().clamp(-127, 127).to(torch.int8)
    return q, scale


def dequantize_int8(q: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """float32 weights from :func:`quantize_int8`'s integers and scales."""
    return q.float() * scale.float()


def save_checkpoint(
    model: CompressionModel, path: str | Path, meta: dict[str, Any] | None = None, precision: str = "fp16"
) -> None:
    """Save config + weights + metadata in a form ``torch.load(weights_only=True)`` accepts.

    ``precision``: "fp16" (the default), "fp32", or "int8": 4-D convolution weights of at least
    ``INT8_MIN_ELEMENTS`` values as int8 with a per-slice scale (:func:`quantize_int8`), the rest fp16;
    about half the size of fp16, at a Kodak cost each model card states.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, not {precision!r}")
    state: dict[str, torch.Tensor] = {}
    scales: dict[str, torch.Tensor] = {}
    for k, v in model.state_dict().items():
        v = v.detach().cpu()
        if precision == "int8" and v.is_floating_point() and v.dim() == 4 and v.numel() >= INT8_MIN_ELEMENTS:
            state[k], scales[k] = quantize_int8(v)
        elif precision != "fp32" and v.is_floating_point():
            state[k] = v.half().clone()
        else:
            state[k] = v.clone()
    ckpt: dict[str, Any] = {
        # an int8 file gets a new format name, so a loader that does not know the scales refuses it
        "format": CHECKPOINT_FORMATS[1] if scales else CHECKPOINT_FORMATS[0],
        "config": dict(model.config),
        "state_dict": state,
        "meta": {**(meta or {}), "precision": precision},
        "name": model.name,
    }
    if scales:
        ckpt["int8_scales"] = scales
    torch.save(ckpt, path)


def float_state(ckpt: dict[str, Any]) -> dict[str, torch.Tensor]:
    """The float32 state dict of a checkpoint (int8 weights dequantized with their scales)."""
    scales = ckpt.get("int8_scales", {})
    if not isinstance(scales, dict) or set(scales) - set(ckpt["state_dict"]):
        raise KeyError("int8 scales without their weights")
    unscaled = [k for k, v in ckpt["state_dict"].items() if v.dtype == torch.int8 and k not in scales]
    if unscaled:
        raise KeyError(f"int8 weights without scales: {unscaled[:3]}")
    state: dict[str, torch.Tensor] = {}
    for k, v in ckpt["state_dict"].items():
        if k in scales:
            if v.dtype != torch.int8 or scales[k].shape != (v.shape[0],) + (1,) * (v.dim() - 1):
                raise KeyError(f"{k}: int8 weight and scale do not match")
            state[k] = dequantize_int8(v, scales[k])
        else:
            state[k] = v.float() if v.is_floating_point() else v
    return state


def load_checkpoint_file(path: str | Path, expected_sha256: str | None = None):
    """Load a checkpoint file into a model (float32, eval mode); returns (model, meta)."""
    from lic_lab.models import build_model

    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such checkpoint")
    if expected_sha256 and sha256_file(path) != expected_sha256:
        raise CheckpointError(f"{path}: SHA-256 mismatch (file changed or corrupt)")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # noqa: BLE001 - torch raises many types for foreign files
        raise CheckpointError(f"{path}: not a loadable checkpoint ({err.__class__.__name__})") from None
    if not isinstance(ckpt, dict) or ckpt.get("format") not in CHECKPOINT_FORMATS:
        if isinstance(ckpt, dict) and "model" in ckpt and "config" in ckpt:  # a training run checkpoint
            cfg = ckpt["config"]
            ckpt = {
                "config": {"arch": cfg["arch"], "N": cfg["N"], "M": cfg["M"], **cfg.get("extra", {})},
                "state_dict": ckpt["model"],
                "meta": {},
                "name": cfg["name"],
            }
        else:
            raise CheckpointError(f"{path}: not a lic_lab checkpoint")
    try:
        model = build_model(ckpt["config"])
        model.load_state_dict(float_state(ckpt))
    except (ValueError, RuntimeError, TypeError, KeyError, AttributeError) as err:
        raise CheckpointError(f"{path}: checkpoint does not match its architecture ({err})") from None
    model.name = ckpt.get("name") or path.stem
    model.eval()
    # channels-last weights make the (transposed) convolutions 15-40% faster on CPUs (oneDNN);
    # encoder and decoder use the same layout, so coding stays bit-exact
    for module in model.modules():  # 2D convolutions only (3D context models keep their layout)
        if isinstance(module, (torch.nn.Conv2d, torch.nn.ConvTranspose2d)):
            # Module.to accepts memory_format at runtime; torch's stub overloads leave it out
            module.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
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
    if model.rate_range is None:  # variable-rate models carry their own rate setting
        model.setting = float(entry.get("quality", 0))
    return model.to(device) if device is not None else model


def result_meta(checkpoint: str | Path) -> dict[str, Any]:
    """What a stored Kodak result was measured with: the checkpoint's SHA-256 and the bitstream format."""
    from lic_lab.bitstream import VERSION

    return {"dataset": "kodak", "sha256": sha256_file(checkpoint), "format": VERSION}


def stored_kodak_entries(name: str, images: list[str]) -> list[dict[str, Any]] | None:
    """The zoo's stored Kodak evaluation of ``name`` when it was measured on these images, with this
    checkpoint and this bitstream format (so the benchmark need not measure it again); else None."""
    path = ZOO_DIR / "results" / f"{name}.json"
    entry = registry().get(name)
    if entry is None or not path.is_file():
        return None
    doc = json.loads(path.read_text())
    from lic_lab.bitstream import VERSION

    if doc.get("sha256") != entry["sha256"] or doc.get("format") != VERSION:
        return None
    results = doc["results"]
    if any([r["image"] for r in e["images"]] != images for e in results):
        return None
    return results


class Decoded(NamedTuple):
    """What decoding a stream gives: the image, the model that made it, the header's rate, K used."""

    image: torch.Tensor
    model: Any
    rate: float
    branches: int | None


def decompress_bytes(data: bytes, branches: int | None = None, cache: dict[str, Any] | None = None) -> Decoded:
    """Decode any lic_lab bitstream with the shipped model it names.

    What ``python -m lic_lab decompress`` does; every problem with the stream is a
    :class:`~lic_lab.errors.BitstreamError`. ``cache`` (name -> model) avoids reloading models;
    decoding leaves a cached model as it was.
    """
    from lic_lab.bitstream import Bitstream

    stream = Bitstream.from_bytes(data)
    if stream.model not in registry():
        raise BitstreamError(f"bitstream names model {stream.model!r}, which this lic_lab does not ship")
    if cache is not None and stream.model in cache:
        model = cache[stream.model]
    else:
        model = load_model(stream.model)
        if cache is not None:
            cache[stream.model] = model
    image = model.decompress(stream, branches=branches)
    used = (branches or model.branches) if model.capabilities().branches else None
    return Decoded(image, model, stream.setting, used)


def resolve_name(name: str, quality: int | None = None) -> str:
    """A shipped model name from a full name, or a family plus a quality index."""
    models = registry()
    if name in models and quality is None:
        return name
    family = [n for n, e in models.items() if e["family"] == name]
    if not family:
        if name in models:
            raise CheckpointError(f"{name!r} is a single model; drop --quality or name its family")
        raise CheckpointError(f"unknown model {name!r}; run `python -m lic_lab models` to list them")
    qualities = sorted(models[n]["quality"] for n in family)
    if quality is None:
        quality = qualities[len(qualities) // 2]
    match = [n for n in family if models[n]["quality"] == quality]
    if not match:
        raise CheckpointError(f"{name} has no quality {quality}; available: {qualities}")
    return match[0]


def family_members(name: str) -> list[str]:
    """Names of a family's models sorted by quality (or ``[name]`` for a single model)."""
    models = registry()
    members = sorted((e["quality"], n) for n, e in models.items() if e["family"] == name)
    if members:
        return [n for _, n in members]
    if name in models:
        return [name]
    raise CheckpointError(f"unknown model {name!r}; run `python -m lic_lab models` to list them")


def write_registry(entries: dict[str, dict[str, Any]]) -> None:
    """Write ``registry.json`` (sorted, stable) for the given entries."""
    REGISTRY.write_text(json.dumps({"format": 1, "models": dict(sorted(entries.items()))}, indent=1) + "\n")


DESCRIPTIONS = {
    "factorized": "Factorized prior (Ballé et al. 2017/2018): y coded with a learned per-channel density.",
    "scale_hyperprior": "Scale hyperprior (Ballé et al. 2018): side information z predicts the scale of each y.",
    "mean_scale_hyperprior": "Mean-scale hyperprior (Minnen et al. 2018, no autoregressive context).",
    "gained_mean_scale": "AG-VAE (Cui et al. 2021): one mean-scale hyperprior for any rate through gain units "
    "and exponential interpolation.",
    "coarse_to_fine": "Coarse-to-fine hyperprior (Hu et al., benchmark paper sec. 6): hyper levels predicting each "
    "other, signal-preserving hyper transforms, information-aggregation reconstruction.",
    "cvqn": "CVQN (Zhong et al. 2020): channel-attention residual en/decoder, channels split by importance into groups "
    "with their own GMM quantizer and 3D masked context model.",
    "cwic": "CWIC (Li et al.): dense-block en/decoder with a sigmoid code, learnt channel-wise quantizer, importance map "
    "masking channels per position, codes and map coded with a (sequential or inclined) TCAE.",
    "cbanet_hp": "CBANet-HP (Guo et al.): one scale-hyperprior decoder with 3 complexity branches (CAM) and "
    "bitrate adaptive modules (BAM).",
}


ABLATION_MARK = "-abl-"  # e.g. cvqn-abl-q357-s0: a variant trained for a paper's ablation table


def is_ablation(name: str) -> bool:
    """Whether a shipped model is an ablation variant (a row of a study, not a leaderboard curve)."""
    return ABLATION_MARK in name


def leaderboard_models() -> list[str]:
    """The shipped models that RD curves and the benchmark show (every model but ablation variants)."""
    return sorted(n for n in registry() if not is_ablation(n))


def name_parts(name: str) -> tuple[str, int]:
    """(family, quality index) of a shipped name: ``hyperprior-q3`` -> ("hyperprior", 3); a single
    model is its own family with quality 0; ablation variants share ``<paper>-ablation``."""
    if is_ablation(name):
        return name.split(ABLATION_MARK)[0] + "-ablation", 0
    family, _, quality = name.rpartition("-q")
    return (family, int(quality)) if family and quality.isdigit() else (name, 0)


UNSHIPPED_DIR = CHECKPOINT_DIR / "unshipped"  # records and cards of runs whose weights are not shipped
UNSHIPPED_WEIGHTS = home() / "runs" / "unshipped"  # their weights, on the machine that trained them (git-ignored)


def kodak_means(prefix: str) -> dict[str, dict[str, float]]:
    """``{name: Kodak means}`` of every run named ``<prefix>...`` with a result file in ``zoo/results``.

    Shipped models and *unshipped* runs alike: seed repeats of ablation variants ship their
    training record, card and per-image Kodak results, but not their weights (the zoo's size cap).
    """
    out = {}
    for path in sorted((ZOO_DIR / "results").glob(f"{prefix}*.json")):
        results = json.loads(path.read_text())["results"]
        out[path.stem] = results[-1]["mean"]
    return out


def is_variable_rate(entry: dict[str, Any]) -> bool:
    """Whether a registry entry is one model covering several rates (``--rate`` / ``--quality``)."""
    return bool(entry.get("rates"))


def registry_entry(path: str | Path, record: dict[str, Any], kodak: dict[str, float] | None = None) -> dict[str, Any]:
    """The registry entry of a trained checkpoint (``<family>-q<quality>.pt``) and its record."""
    path = Path(path)
    model, meta = load_checkpoint_file(path)
    family, quality = name_parts(path.stem)
    arch = model.config["arch"]
    return {
        "name": path.stem,
        "family": family,
        "quality": quality,
        "arch": arch,
        "description": DESCRIPTIONS.get(arch, arch),
        "lmbda": meta.get("lmbda"),
        "metric": meta.get("metric"),
        "file": path.name,
        "sha256": sha256_file(path),
        "size_bytes": path.stat().st_size,
        "params": sum(p.numel() for p in model.parameters()),
        "kodak": kodak,
        "rates": list(model.rate_range) if model.rate_range else None,
        "discrete_rates": model.discrete_rates,
        "lmbdas": meta.get("lmbdas"),
        "precision": meta.get("precision", "fp16"),
        "branches": model.max_branches if model.capabilities().branches else None,
        "training": {"steps": record["steps"], "wall_time_s": record["wall_time_s"], "init": record["config"]["init"]},
    }


def training_chain(record: dict[str, Any]) -> list[dict[str, Any]]:
    """This run's record and its ancestors' (the checkpoints it was fine-tuned from), newest first."""
    chain, init, seen = [record], record["config"].get("init"), set()
    while init and init not in seen:
        seen.add(init)
        # a parent later replaced by a retrained model of the same name: its record moved (scripts/unship.py --retire)
        moved = chain[-1].get("init_record")
        parent = Path(moved or Path(init).with_suffix(".json"))
        if not parent.is_absolute():
            parent = REPO_DIR / parent
        if not parent.is_file():  # intermediate stages ship only their records
            parent = CHECKPOINT_DIR / "stages" / parent.name
        if not parent.is_file():
            break
        record = json.loads(parent.read_text())
        chain.append({**record, "name": parent.stem} if moved else record)  # e.g. meanscale-earlier-q3
        init = chain[-1]["config"].get("init")
    return chain


def chain_until(record: dict[str, Any], stop: Iterable[str]) -> list[dict[str, Any]]:
    """:func:`training_chain` (newest first) up to, not including, the first ancestor named in ``stop``: the
    stages one round of training added on top of an earlier round."""
    stop = set(stop)
    out = []
    for run in training_chain(record):
        if run.get("name") in stop:
            break
        out.append(run)
    return out


def round_stages(rounds: Sequence[str], base: str) -> list[dict[str, Any]]:
    """The stages each of ``rounds`` (run names, in training order, each built on the one before, the first on
    ``base``) added, in training order: round, stage, run, steps, lr, lambda, read from the records."""
    out = []
    for i, name in enumerate(rounds):
        for run in chain_until(training_record(name), [*rounds[:i], base])[::-1]:
            cfg = run["config"]
            out.append({"round": name, "stage": cfg.get("stage"), "run": run["name"], "steps": run["steps"],
                        "lr": cfg["lr"], "lambda": cfg["lmbda"]})  # fmt: skip
    return out


def stage_steps(name: str, stage: str, base: str) -> int:
    """Steps of training ``stage`` (e.g. ``"branch2"``) along ``name``'s chain down to ``base``, all rounds."""
    runs = chain_until(training_record(name), [base])
    return sum(r["steps"] for r in runs if r["config"].get("stage") == stage)


def earlier_name(name: str) -> str:
    """The name a retired model keeps beside its retrained successor: ``hyperprior-q5`` -> ``hyperprior-earlier-q5``."""
    family, quality = name_parts(name)
    return f"{family}-earlier-q{quality}"


def earlier_family(label: str) -> str | None:
    """``"hyperprior (earlier)"`` -> ``"hyperprior"``; None for any other label."""
    suffix = " (earlier)"
    return label[: -len(suffix)] if label.endswith(suffix) else None


def earlier_members(family: str) -> list[str]:
    """The retired (``scripts/unship.py --retire``) models of ``family``, by quality: their Kodak results
    stay in ``zoo/results``, their records and cards in ``checkpoints/unshipped``."""
    paths = (ZOO_DIR / "results").glob(f"{family}-earlier-q*.json")
    return sorted((p.stem for p in paths), key=lambda name: name_parts(name)[1])


def chain_steps(record: dict[str, Any]) -> int:
    """Training steps from scratch along the fine-tuning chain (this run plus its ancestors')."""
    return sum(r["steps"] for r in training_chain(record))


def stage_runs(name: str, stage: str) -> list[dict[str, Any]]:
    """The runs of a staged recipe's ``stage`` along ``name``'s fine-tuning chain, newest first."""
    return [r for r in training_chain(training_record(name)) if r["config"].get("stage") == stage]


def family_budget(family: str) -> dict[str, Any]:
    """What a family's training cost, read from its models' records (for sentences in the notebooks).

    ``models``; ``chain_steps`` (min, max) from scratch along each model's fine-tuning chain;
    ``steps`` and ``cpu_minutes`` summed over every run that produced the family (each ancestor
    counted once, also one from another family); ``train_images`` / ``validation_images`` (the
    largest numbers of photos any run used); ``batch`` (the batch sizes used); ``params`` of its middle model.
    """
    base = earlier_family(family)
    if base is not None:  # a retired family: its records moved to checkpoints/unshipped
        members = earlier_members(base)
        if not members:
            raise CheckpointError(f"no retired models of {base!r} (lic_lab/zoo/results/{base}-earlier-q*.json)")
        # under their retired names, as training_chain names them when they are someone's parent
        records = [{**json.loads((UNSHIPPED_DIR / f"{n}.json").read_text()), "name": n} for n in members]
    else:
        members = family_members(family)
        records = [training_record(n) for n in members]
    runs: dict[str, dict[str, Any]] = {}
    for record in records:
        for run in training_chain(record):
            runs.setdefault(run["name"], run)
    chains = [chain_steps(r) for r in records]
    return {
        "models": len(members),
        "chain_steps": (min(chains), max(chains)),
        "steps": sum(r["steps"] for r in runs.values()),
        "cpu_minutes": sum(r["wall_time_s"] * max(1, r.get("threads") or 1) for r in runs.values()) / 60,
        "train_images": max(_count(r["train_images"]) for r in runs.values()),
        "validation_images": max(_count(r["validation_images"]) for r in runs.values()),
        "batch": sorted({int(r["config"].get("batch", 0)) for r in runs.values()}),
        "params": _params(records[len(records) // 2]["config"]),
    }


def _params(cfg: dict[str, Any]) -> int:
    """Parameter count of the architecture a training config describes (no weights needed)."""
    from lic_lab.models import build_model

    model = build_model({"arch": cfg["arch"], "N": cfg["N"], "M": cfg["M"], **cfg.get("extra", {})})
    return sum(p.numel() for p in model.parameters())


def budget_line(family: str) -> str:
    """:func:`family_budget` as the sentence the notebooks print."""
    b = family_budget(family)
    return (
        f"{family}: {b['models']} model(s), {b['params']:,} parameters (middle model); "
        f"{b['chain_steps'][0]:,}-{b['chain_steps'][1]:,} steps from scratch along each fine-tuning chain, "
        f"batch {'/'.join(map(str, b['batch']))}, {b['train_images']} training photos, "
        f"{b['cpu_minutes']:.0f} CPU-thread-minutes in all"
    )


def _count(images: Any) -> int:
    return len(images) if isinstance(images, (list, tuple)) else int(images)


def _kodak_rows(k: dict[str, Any], label: str = "") -> str:
    return (
        f"| {label}{k['bpp']:.4f} | {k['bpp_est']:.4f} | {100 * (k['bpp'] / k['bpp_est'] - 1):+.3f}% | "
        f"{k['psnr']:.2f} | {k['ms_ssim']:.4f} | {k['ms_ssim_db']:.2f} | {k['enc_s']:.3f} | {k['dec_s']:.3f} |"
    )


def model_card(entry: dict[str, Any], record: dict[str, Any]) -> str:
    """Markdown model card: what it is, how it was trained, what it achieves on Kodak."""
    cfg = record["config"]
    k = entry["kodak"]
    header = "| real bpp | estimated bpp | overhead | PSNR (dB) | MS-SSIM | MS-SSIM (dB) | encode (s) | decode (s) |"
    rule = "|---|---|---|---|---|---|---|---|"
    if entry.get("kodak_settings"):
        kodak_lines = [
            "| setting " + header,
            "|---" + rule,
            *[_kodak_rows(r, f"{r['setting']} | ") for r in entry["kodak_settings"]],
        ]
    elif k:
        kodak_lines = [header, rule, _kodak_rows(k)]
    else:
        kodak_lines = ["Not measured yet: run `python scripts/build_zoo.py` with the data root set."]
    if cfg.get("lmbdas"):
        objective = (
            f"bpp + lambda_s * 255^2 * MSE with lambda_s in {cfg['lmbdas']} for levels 1..{len(cfg['lmbdas'])}, "
            "one level drawn per batch (AG-VAE eq. 6)"
        )
    elif cfg["metric"] == "ms-ssim":
        objective = f"bpp + {cfg['lmbda']} * (1 - MS-SSIM) (trained for MS-SSIM, {cfg['patch']}px crops)"
    else:
        objective = f"bpp + {cfg['lmbda']} * 255^2 * MSE"
    extra = ", ".join(f"{key} = {value}" for key, value in cfg.get("extra", {}).items())
    chain = training_chain(record)
    lines = [
        f"# {entry['name']}",
        "",
        f"{entry['description']}",
        "",
        "| | |",
        "|---|---|",
        f"| architecture | `{entry['arch']}` (N = {cfg['N']}, M = {cfg['M']}{', ' + extra if extra else ''}), "
        f"{entry['params']:,} parameters |",
        f"| objective | {objective} |",
        *(
            [
                f"| rates | {entry['rates'][0]:g} .. {entry['rates'][1]:g} "
                f"({'whole numbers' if entry.get('discrete_rates') else 'any real number'}) |"
            ]
            if entry.get("rates")
            else []
        ),
        f"| training data | `train/` (and `train-extra/` where used) of the data root: {len(record['train_images'])} photos, random {cfg['patch']}px crops, "
        f"batch {cfg['batch']}; validation: {', '.join(record['validation_images'])} |",
        f"| steps | {record['steps']:,} (Adam, lr {cfg['lr']}, divided by 10 after {int(cfg['lr_drop_at'] * 100)}%); "
        f"{chain_steps(record):,} from scratch along the fine-tuning chain |",
        f"| initialised from | {cfg['init'] or 'scratch'}"
        f"{', then the matching tensors of ' + cfg['init_over'] if cfg.get('init_over') else ''}"
        f"{' as it was then (retired since: `' + Path(record['init_record']).stem + '`)' if record.get('init_record') else ''}"
        f"{' (' + record['init_report'] + ')' if record.get('init_report') else ''} |",
        f"| wall time | {record['wall_time_s'] / 60:.1f} min on {record['threads']} CPU thread(s); "
        f"{sum(r['wall_time_s'] for r in chain) / 60:.1f} min along the chain |",
        f"| file | `{entry['file']}` ({entry['size_bytes'] / 1e6:.2f} MB, {_storage_text(entry, record)}), "
        f"SHA-256 `{entry['sha256'][:16]}...` |",
        "",
        "## Command",
        "",
        "```",
        record.get("command") or "(see scripts/train_zoo.sh)",
        "```",
        "",
        "## Training chain (oldest last)",
        "",
        "| run | stage | steps | wall time (min) | lambda |",
        "|---|---|---|---|---|",
        *[
            f"| {r['name']} | {r['config'].get('stage') or '-'} | {r['steps']:,} | {r['wall_time_s'] / 60:.1f} | "
            f"{r['config'].get('lmbdas') or r['config']['lmbda']} |"
            for r in chain
        ],
        "",
        *_segment_lines(record),
        "## Kodak (24 images, real bitstreams; evaluation only, never used for training or selection)",
        "",
        *kodak_lines,
        "",
        "Encode/decode times here were taken while other training ran (indicative only); clean timings: "
        "`python -m lic_lab benchmark` (data/results/benchmark/timing.md).",
        "",
        "Re-measure: `python scripts/build_zoo.py` (needs the data root).",
        "",
        "## Validation during training (held-out photos, entropy estimate)",
        "",
        *_validation_table(record["history"]),
    ]
    return "\n".join(lines) + "\n"


def _validation_table(history: list[dict[str, Any]]) -> list[str]:
    """The validation rows of a card: bpp and PSNR, and MS-SSIM where the run logged it (MS-SSIM runs)."""
    ms = any("ms_ssim" in h for h in history)
    head = ["| step | bpp | PSNR |" + (" MS-SSIM |" if ms else ""), "|---|---|---|" + ("---|" if ms else "")]
    return head + [
        f"| {h['step']} | {_val_cell(h, 'bpp', 4)} | {_val_cell(h, 'psnr', 2)} |"
        + ((f" {_val_cell(h, 'ms_ssim', 4)} |" if "ms_ssim" in h else " — |") if ms else "")
        for h in history
    ]


def _storage_text(entry: dict[str, Any], record: dict[str, Any]) -> str:
    """How the weights are stored, and for int8 what it cost on Kodak against the fp16 training weights."""
    if entry.get("precision", "fp16") != "int8":
        return entry.get("precision", "fp16")
    text = "int8 convolution weights with per-channel fp16 scales, other tensors fp16"
    before, after = record.get("storage", {}).get("fp16_kodak"), entry.get("kodak")
    if before and after:
        text += (
            f"; Kodak with the fp16 weights {before['bpp']:.4f} bpp / {before['psnr']:.2f} dB, "
            f"stored {after['bpp']:.4f} bpp / {after['psnr']:.2f} dB"
        )
    return text


def _segment_lines(record: dict[str, Any]) -> list[str]:
    """The sittings of a long schedule (each resumed from the previous one's committed weights)."""
    segments = record.get("segments") or []
    if not segments:
        return []
    return [
        "## Segments of this run (sittings; each later one resumed from committed weights)",
        "",
        "| steps | lr (first .. last) | wall time (min) | threads x processes | where | date |",
        "|---|---|---|---|---|---|",
        *[
            f"| {s['steps'][0]:,} .. {s['steps'][1]:,} | {s['lr'][0]:g} .. {s['lr'][1]:g} | "
            f"{s['wall_time_s'] / 60:.1f} | {s['threads']} x {s['processes']} | {s['where']} | {s['date']} |"
            for s in segments
        ],
        "",
    ]


def _val_cell(row: dict[str, Any], key: str, digits: int) -> str:
    """One validation value, or the values at every level of a variable-rate run."""
    if "by_rate" in row:
        return " / ".join(f"{r[key]:.{digits}f}" for r in row["by_rate"])
    return f"{row[key]:.{digits}f}"


def run_weights(name: str) -> Path:
    """The weights of a model or run: shipped; else those its recipe committed to ``data/training/``
    (a checkout's root); else those ``scripts/unship.py`` moved to ``runs/unshipped/`` on the machine
    that trained it (that path, whether or not it exists, so a load names what is missing)."""
    places = (CHECKPOINT_DIR, REPO_DIR / "data" / "training", UNSHIPPED_WEIGHTS)
    return next((d / f"{name}.pt" for d in places if (d / f"{name}.pt").is_file()), places[-1] / f"{name}.pt")


def training_record(name: str) -> dict[str, Any]:
    """The training record (``<name>.json``) of a shipped model, of a run whose weights are not shipped,
    or of a run that only its recipe's folder under ``data/training/`` holds (e.g. a probe)."""
    places = [CHECKPOINT_DIR / f"{name}.json", UNSHIPPED_DIR / f"{name}.json"]
    places += sorted((REPO_DIR / "data" / "training").rglob(f"{name}.json"))
    return json.loads(next((p for p in places if p.is_file()), places[1]).read_text())


TRAINING_MEANS = REPO_DIR / "data" / "training" / "kodak_means.json"  # written by scripts/eval_training.py


def training_kodak_means() -> dict[str, dict[str, Any]]:
    """Kodak means of training runs' fp16 weights, by run name (``scripts/eval_training.py`` keeps them in
    ``data/training/kodak_means.json``): shipped int8 models and unshipped experiments compared like with like."""
    return json.loads(TRAINING_MEANS.read_text()) if TRAINING_MEANS.is_file() else {}


def fp16_family_means(family: str) -> dict[str, dict[str, Any]]:
    """The Kodak means of ``family``'s training runs in fp16 (:func:`training_kodak_means`), by run name: the
    like-with-like baseline for a model stored in fp16 when the family ships int8."""
    return {n: m for n, m in training_kodak_means().items() if name_parts(n)[0] == family}


def built_on(name: str, family: str) -> str | None:
    """The curve label of the ``family`` a shipped model was built on: ``"<family> (earlier)"`` when its
    training chain passes through a retired member (``scripts/unship.py --retire``), ``family`` when through
    a current one (or an earlier segment of one, ``<member>-seg<N>``, which that member trained on from),
    None when through neither."""
    names = {re.sub(r"-seg\d+$", "", str(r.get("name", ""))) for r in training_chain(training_record(name))[1:]}
    if names & set(earlier_members(family)):
        return f"{family} (earlier)"
    return family if names & set(family_members(family)) else None
