"""Kodak studies behind notebooks 05 (AG-VAE) and 06 (CBANet), written to data/results/.

Usage: LIC_LAB_DATA=../shared/datasets python scripts/paper_studies.py [agvae] [cbanet] [c2f] [cvqn] [cwic]
       LIC_LAB_DATA=../shared/datasets python scripts/paper_studies.py timings [agvae] [cbanet] [cvqn] [cwic]
           (re-measures only the timings, on an idle machine: other processes make them meaningless)
       LIC_LAB_DATA=../shared/datasets python scripts/paper_studies.py cwic-gamma   (prints gamma per rate)
       LIC_LAB_DATA=../shared/datasets python scripts/paper_studies.py cbanet-rounds
           (re-measures only the CBANet training rounds of notebook 06 section 2.1, keeps the timings)
       LIC_LAB_DATA=../shared/datasets python scripts/paper_studies.py c2f-seeds
           (re-measures only the c2f seed study of notebook 07 section 2.5: each seed's finished runs, q3 required)

* agvae: real bitstream sizes over a 0.1-step rate grid on every Kodak image (is bpp increasing
  everywhere?), exponential vs linear interpolation between the levels, and the latency of one
  slider update on a 768x512 image (median of 10, 2 threads);
* c2f: bits per level (real sections and estimates) of the coarse-to-fine, single-level and
  mean-scale families over Kodak, and the coarse-to-fine vs single-level BD-rate on the held-out
  large photos at 1/2 and 1/4 size and on Kodak at full and half size (the paper's Table 8 compares
  resolutions);
* cvqn: encode / decode time of kodim15 with cvqn-q2 (median of 5, 1 and 2 threads), one group
  decoded by wavefronts, one symbol at a time, and naively (:func:`analysis.context_decode_times`),
  real bits per group section vs the estimate over Kodak, how often the SE variant's channel order
  moves a channel to another group between Kodak images, and the RE variants' importance vectors;
* cwic: bits of the code o' and of QI(p) under inclined TCAE, sequential TCAE (cwic-q2's codes),
  the CABAC-like and i.i.d. baselines on every Kodak image (Fig. 12); encode / decode times of
  both TCAE kinds on kodim15 (Table 2); real bytes per section vs the estimate; the quantization
  error of the four quantizer variants (Table 1; variants not shipped are read from runs/unshipped/, see scripts/unship.py);
* cwic-gamma: the rate-loss weight gamma of each rate: the value at which the relaxation's targets
  keep half the budget r = 2/3 r0 on cwic-base's dL_D/dz over 16 training crops
  (:func:`lic_lab.quantization.importance_map.gamma_for_ratio`), for scripts/train_zoo.sh;
* cbanet: decode time of a 768x512 image for K = 1, 2, 3 branches and for the baseline
  hyperprior (median of 11 after 3 warm-ups, 1 and 2 threads), and the decoder FLOPs.
"""
from __future__ import annotations

import hashlib
import json
import multiprocessing
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lic_lab import data, zoo  # noqa: E402
from lic_lab.evaluation.complexity import decoder_flops  # noqa: E402
from lic_lab.evaluation.evaluate import coding_times, evaluate_image  # noqa: E402
from lic_lab.evaluation.metrics import bd_psnr, bd_rate  # noqa: E402
from lic_lab.quantization.variable import groups_of  # noqa: E402
from lic_lab.teaching.ablation import variant_and_seed  # noqa: E402
from lic_lab.teaching.analysis import (  # noqa: E402
    context_decode_times,
    entropy_model_bits,
    level_bits,
    quantization_error,
    tcae_coding_times,
)
from lic_lab.teaching.channels import spearman  # noqa: E402
from lic_lab.teaching.rate_control import interpolation_study, monotonicity  # noqa: E402
from lic_lab.teaching.widgets import GainRateView  # noqa: E402

OUT = ROOT / "data" / "results"


def kodak_images() -> list[tuple[str, torch.Tensor]]:
    return [(p.name, data.read_image(p)) for p in data.list_images(data.kodak_dir())]


def agvae(images: list[tuple[str, torch.Tensor]]) -> dict:
    torch.set_num_threads(2)
    model = zoo.load_model("agvae")
    report = {"model": "agvae", "images": len(images)}
    t0 = time.time()
    report["monotonicity"] = {mode: monotonicity(model, images, 0.1, mode) for mode in ("exponential", "linear")}
    rates = [s + f for s in range(1, model.levels) for f in (0.25, 0.5, 0.75)]
    report["interpolation"] = interpolation_study(model, images, rates)
    report.update(agvae_timings(images, model))
    report["wall_s"] = round(time.time() - t0, 1)
    return report


def agvae_timings(images: list[tuple[str, torch.Tensor]], model: Any = None) -> dict:
    """The latency of one slider update on a 768x512 image (median of 15, 2 threads)."""
    torch.set_num_threads(2)
    if model is None:
        model = zoo.load_model("agvae")
    x = next(img for name, img in images if img.shape[-2:] == (512, 768))
    view = GainRateView(model, x, [1.0, 3.0, model.levels])
    runs = [view.update(r / 4) for r in range(5, 4 * model.levels)]
    return {"slider": {"size": "768x512", "threads": 2,
                       **{k: statistics.median(r["values"][k] for r in runs)
                          for k in ("update_ms", "code_ms", "encode_ms", "decode_ms")}}}


def cbanet_timings(images: list[tuple[str, torch.Tensor]]) -> dict:
    """Decode time of a 768x512 image for K = 1, 2, 3 and the baseline (median of 11, 1 and 2 threads)."""
    x = next(img for name, img in images if img.shape[-2:] == (512, 768))
    model, base = zoo.load_model("cbanet"), zoo.load_model("hyperprior-q5")
    report: dict = {"decode_ms": {}}
    for threads in (1, 2):
        rows = {}
        for label, m, k in [("baseline", base, None), ("K=1", model, 1), ("K=2", model, 2), ("K=3", model, 3)]:
            if k:
                m.set_branches(k)
            rows[label] = 1000 * coding_times(m, x, threads, repeats=11, warmup=3)["decode_s"]
        report["decode_ms"][f"{threads} thread(s)"] = rows
    return report


def cbanet(images: list[tuple[str, torch.Tensor]]) -> dict:
    model, base = zoo.load_model("cbanet"), zoo.load_model("hyperprior-q5")
    report = {"model": "cbanet", "size": "768x512", **cbanet_timings(images), "flops": {}}
    for k in (1, 2, 3):
        report["flops"][f"K={k}"] = {"synthesis": decoder_flops(model, (512, 768), k),
                                     "all": decoder_flops(model, (512, 768), k, part="all")}
    report["flops"]["baseline"] = {"synthesis": decoder_flops(base, (512, 768)),
                                   "all": decoder_flops(base, (512, 768), part="all")}
    probe = zoo.load_checkpoint_file(ROOT / CBANET_PROBE)[0]  # recipe cbanet-probe, not shipped
    report["flops"]["probe"] = {"synthesis": decoder_flops(probe, (512, 768)),
                                "all": decoder_flops(probe, (512, 768), part="all")}
    model.set_rate(1)
    report["flops"]["K=3, bitrate 1 (with IBAL)"] = {"synthesis": decoder_flops(model, (512, 768), 3),
                                                     "all": decoder_flops(model, (512, 768), 3, part="all")}
    report["rounds"] = cbanet_rounds(images)
    return report


CBANET_PROBE = "data/training/cbanet/cbanet-probe-single64.pt"
CBANET_ROUNDS = {"round 1": "data/training/cbanet/cbanet-round1.pt", "round 2": "data/training/cbanet/cbanet-round2.pt",
                 "round 3": "data/training/cbanet/cbanet-round3.pt",
                 "round 4 (joint)": "lic_lab/zoo/checkpoints/cbanet.pt",  # recipes cbanet, cbanet-long, cbanet-joint (shipped)
                 "higher base (not shipped)": "data/training/cbanet/cbanet-top-joint.pt",  # recipe cbanet-top, RUNG=1: at lambda 0.0932
                 "two rungs up (not shipped)": "data/training/cbanet/cbanet-top2-joint.pt"}  # recipe cbanet-top, RUNG=2: at 0.18


def cbanet_rounds(images: list[tuple[str, torch.Tensor]]) -> dict:
    """Mean PSNR with K = 1, 2, 3 at the base bitrate for each training round of CBANet, on Kodak and on the
    validation photos (what a choice between rounds may look at), each round's g_k, and its Kodak bpp at
    the base (the entropy estimate; a round's base codes its frozen encoder's bits)."""
    from lic_lab.teaching.analysis import psnr_per_branches
    from lic_lab.training.train import validate

    validation = [data.read_image(p) for p in data.training_paths()[1]]
    report = {}
    for label, path in CBANET_ROUNDS.items():
        model = zoo.load_checkpoint_file(ROOT / path)[0]
        model.set_rate(model.bitrates)
        report[label] = {"psnr": psnr_per_branches(model, [x for _, x in images]),
                         "bpp": validate(model, [x for _, x in images], 0.0, "mse")["bpp"],
                         "validation_psnr": psnr_per_branches(model, validation),
                         "g": [float(b.weight.detach()) for b in model.g_s.branches]}
    return report


# the coarse-to-fine models start from the retrained meanscale-q3's transforms and train at the lambdas of
# meanscale-q1 / -q3 / -q5: those three are the base they are compared with (the third family).
# c2f-single-shared is the paper's ablation: c2f's own first level, level 2 dropped (not shipped: its
# weights are read from data/training/).
C2F_FAMILIES = ("c2f", "c2f-single", "meanscale", "c2f-single-shared")
C2F_PAIRS = (("c2f", "c2f-single"), ("c2f", "meanscale"), ("c2f-single", "meanscale"),
             ("c2f", "c2f-single-shared"), ("c2f-single-shared", "meanscale"))
C2F_RATES = (1, 3, 5)


def _members(family: str) -> list[str]:
    """A family's runs at the coarse-to-fine rates (``C2F_RATES``) whose weights are here."""
    return [f"{family}-q{q}" for q in C2F_RATES if zoo.run_weights(f"{family}-q{q}").is_file()]


_C2F_SETS: list[tuple[str, list[torch.Tensor]]] = []  # (test set, images), shared with the workers by fork


def _c2f_points(model: Any) -> dict[str, tuple[float, float]]:
    """Mean (bpp, PSNR) of real bitstreams on every test set of the c2f study."""
    points = {}
    for key, imgs in _C2F_SETS:
        coded = [evaluate_image(model, x) for x in imgs]
        points[key] = (statistics.fmean(r["bpp"] for r in coded), statistics.fmean(r["psnr"] for r in coded))
    return points


def _c2f_model(job: tuple[str, str]) -> tuple[str, str, dict, dict]:
    """One model of the c2f study on one thread: Kodak level bits and (bpp, PSNR) on every test set."""
    family, name = job
    torch.set_num_threads(1)
    model = run_checkpoint(name)
    rows = [level_bits(model, x) for x in dict(_C2F_SETS)["Kodak"]]
    bits = {k: {m: statistics.fmean(r[k][m] for r in rows) for m in ("bpp", "bpp_est")} for k in rows[0]}
    return family, name, bits, _c2f_points(model)


def _c2f_sets(images: list[tuple[str, torch.Tensor]]) -> None:
    """Fill ``_C2F_SETS``. Table 8 compares one set of photos at several resolutions: the held-out large
    photos at 1/2 and 1/4 (box-filtered; full size is over the models' decode limit), and Kodak at 1/1 and 1/2."""
    # the project's own test set, up to 5.3 MP once padded: over the default limit that guards untrusted
    # input, and only ever coded down-scaled
    large = [data.read_image(p, max_pixels=1 << 23) for p in data.large_test_paths()]
    kodak = [x for _, x in images]
    _C2F_SETS[:] = [(f"held-out photos 1/{f}", [data.downscale(x, f) for x in large]) for f in (2, 4) if large]
    _C2F_SETS.extend([("Kodak", kodak), ("Kodak 1/2", [data.downscale(x, 2) for x in kodak])])


# The seed study (recipe c2f | c2f-single with SEED=S, not shipped): each variant's runs per seed; seed 0 is
# the shipped study's (c2f-q1 .. c2f-single-q5), other seeds live in data/training/<variant>-seeds/.
C2F_SEED_VARIANTS = ("c2f", "c2f-single")


def _seed_run_path(seed: int, variant: str, name: str) -> Path:
    return zoo.run_weights(name) if seed == 0 else ROOT / "data" / "training" / f"{variant}-seeds" / f"{name}.pt"


def c2f_seed_runs() -> dict[int, dict[str, dict[int, str]]]:
    """``{seed: {variant: {rate: run name}}}`` of the finished runs, for every seed whose q3 runs of both
    variants are finished (its q1 and q5 where they are too)."""
    runs: dict[int, dict[str, dict[int, str]]] = {0: {v: {q: f"{v}-q{q}" for q in C2F_RATES} for v in C2F_SEED_VARIANTS}}
    for variant in C2F_SEED_VARIANTS:
        for path in sorted((ROOT / "data" / "training" / f"{variant}-seeds").glob(f"{variant}-q[0-9]-s*.json")):
            parsed = variant_and_seed(path.stem, f"{variant}-")  # ("q3", 1) from c2f-q3-s1
            if parsed and re.fullmatch(r"q\d", parsed[0]) and json.loads(path.read_text()).get("finished"):
                runs.setdefault(parsed[1], {}).setdefault(variant, {})[int(parsed[0][1:])] = path.stem
    return {s: r for s, r in sorted(runs.items()) if all(3 in r.get(v, {}) for v in C2F_SEED_VARIANTS)}


def _c2f_seed_model(job: tuple[int, str, int, str]) -> tuple[int, str, int, dict]:
    """One run of the seed study on one thread: its (bpp, PSNR) on every test set."""
    seed, variant, rate, name = job
    torch.set_num_threads(1)
    model, _ = zoo.load_checkpoint_file(_seed_run_path(seed, variant, name))
    return seed, variant, rate, _c2f_points(model.eval())


def c2f_seeds(measured: dict | None = None) -> dict:
    """Each seed's runs of both variants: their names, the SHA-256 of their weights and their mean (bpp, PSNR)
    on every test set (``_C2F_SETS`` filled), as ``points[seed][variant][rate][test set]``. ``measured``
    (``{sha256: points}``) holds runs already measured on the same sets: the study's own seed-0 models, or
    the runs of an earlier seed study whose weights have not changed since."""
    runs = c2f_seed_runs()
    measured = measured or {}
    digest = {n: hashlib.sha256(_seed_run_path(s, v, n).read_bytes()).hexdigest()
              for s, names in runs.items() for v, rates in names.items() for n in rates.values()}
    jobs = [(s, v, q, n) for s, names in runs.items() for v, rates in names.items() for q, n in rates.items()
            if digest[n] not in measured]
    with multiprocessing.get_context("fork").Pool(2) as pool:
        results = pool.map(_c2f_seed_model, jobs, chunksize=1)
    results += [(s, v, q, measured[digest[n]]) for s, names in runs.items() for v, rates in names.items()
                for q, n in rates.items() if digest[n] in measured]
    points: dict[str, dict[str, dict[str, dict]]] = {}
    for seed, variant, rate, p in results:
        points.setdefault(str(seed), {}).setdefault(variant, {})[str(rate)] = p
    return {"runs": {str(s): {v: {str(q): n for q, n in r.items()} for v, r in names.items()} for s, names in runs.items()},
            "sha256": digest, "points": points, "reused": sorted(n for n, d in digest.items() if d in measured)}


def _measured_points(study: dict) -> dict:
    """``{sha256: points}`` of every run an earlier seed study measured (``c2f_seeds``' output)."""
    seeds = study.get("seeds", {})
    return {seeds["sha256"][n]: seeds["points"][s][v][q]
            for s, names in seeds.get("runs", {}).items() for v, rates in names.items() for q, n in rates.items()
            if n in seeds.get("sha256", {})}


def c2f(images: list[tuple[str, torch.Tensor]]) -> dict:
    report: dict = {"families": C2F_FAMILIES, "level_bits": {}, "resolution": {}}
    _c2f_sets(images)
    families = [f for f in C2F_FAMILIES if len(_members(f)) == len(C2F_RATES)]  # a family partly trained waits
    report["families"] = families
    jobs = [(family, name) for family in families for name in _members(family)]
    with multiprocessing.get_context("fork").Pool(2) as pool:  # one model per core, one thread each
        results = pool.map(_c2f_model, jobs, chunksize=1)
    for _, name, bits, _ in results:
        report["level_bits"][name] = bits
    pairs = [(t, a) for t, a in C2F_PAIRS if t in families and a in families]
    for key, imgs in _C2F_SETS:
        curves = {}
        for family in families:
            points = sorted(p[key] for f, _, _, p in results if f == family)
            curves[family] = [list(v) for v in zip(*points)]
        sizes = sorted({f"{x.shape[-1]}x{x.shape[-2]}" for x in imgs})
        report["resolution"][key] = {
            "size": sizes[0] if len(sizes) == 1 else f"{sizes[0]} .. {sizes[-1]}", "images": len(imgs),
            "megapixels": statistics.fmean(x.shape[-2] * x.shape[-1] for x in imgs) / 1e6, "curves": curves,
            "bd_rate": {f"{t} vs {a}": bd_rate(*curves[a], *curves[t]) for t, a in pairs},
            "bd_psnr": {f"{t} vs {a}": bd_psnr(*curves[a], *curves[t]) for t, a in pairs}}
    own = {hashlib.sha256(zoo.run_weights(name).read_bytes()).hexdigest(): points for _, name, _, points in results}
    report["seeds"] = c2f_seeds(own)  # seed 0's points are the study's own, measured above
    return report


@torch.no_grad()
def cvqn_timings(images: list[tuple[str, torch.Tensor]]) -> dict:
    """Encode / decode of kodim15 with cvqn-q2 (median of 5, 1 and 2 threads); one group decoded three ways."""
    model = zoo.load_model("cvqn-q2")
    name, x = next((n, x) for n, x in images if n.startswith("kodim15"))
    report: dict = {"image": name, "model": model.name,
                    "times": {str(t): coding_times(model, x, t, repeats=5, warmup=1) for t in (1, 2)}}
    torch.set_num_threads(2)
    report["decode_schemes"] = context_decode_times(model, x, group=1)
    return report


@torch.no_grad()
def cvqn(images: list[tuple[str, torch.Tensor]]) -> dict:
    model = zoo.load_model("cvqn-q2")
    report = cvqn_timings(images)
    torch.set_num_threads(2)
    rows = [level_bits(model, x) for _, x in images]
    report["group_bits"] = {k: {m: statistics.fmean(r[k][m] for r in rows) for m in ("bpp", "bpp_est")} for k in rows[0]}
    se = [n for n in zoo.registry() if n.startswith("cvqn-abl-se-")]
    report["se_order"] = {}
    for n in se:
        m = zoo.load_model(n)
        groups = []
        for _, img in images:
            order, _ = m.symbols(data.pad_to_multiple(img, m.downsample)[0])
            groups.append(groups_of(order, m.sizes).tolist())
        per_channel = torch.tensor(groups)  # (images, C): group of each channel in each image
        modal = per_channel.mode(0).values
        report["se_order"][n] = {"moved_share": float((per_channel != modal).float().mean()),
                                 "distinct_orders": len({tuple(g) for g in groups})}
    report["re_weights"] = {n: [round(float(v), 5) for v in zoo.load_model(n).importance.re_weights]
                            for n in zoo.registry() if n.startswith("cvqn-abl-re-")}
    report["re_rank_vs_index"] = {n: spearman(np.array(w), np.arange(len(w))) for n, w in report["re_weights"].items()}
    return report


CWIC_RATES = {"cwic-q1": 0.2, "cwic-q2": 0.45, "cwic-q3": 0.8}  # r0 of each shipped rate (scripts/train_zoo.sh)


def cwic_gamma() -> dict:
    """gamma for each r0, from cwic-base's distortion gradients on 16 training crops (seed 0)."""
    from lic_lab.data import training_paths
    from lic_lab.quantization.importance_map import gamma_for_ratio

    torch.manual_seed(0)
    model, _ = zoo.load_checkpoint_file(ROOT / "data" / "training" / "cwic" / "cwic-base.pt")
    crops = data.PatchDataset(training_paths()[0], patch=128, samples_per_epoch=16)
    x = torch.stack([crops[i] for i in range(16)])
    grad = model.distortion_gradient(x, lmbda=0.01)
    return {name: gamma_for_ratio(grad, model.L, 0.5 * 2 / 3 * r0) for name, r0 in CWIC_RATES.items()}


def run_checkpoint(name: str):
    """A trained run from its weights, shipped or not (``zoo.run_weights``): an ablation variant whose
    weights left the zoo is read from ``data/training/`` or ``runs/unshipped/``."""
    model, _ = zoo.load_checkpoint_file(zoo.run_weights(name))
    model.name = name
    return model.eval()


def cwic_timings(images: list[tuple[str, torch.Tensor]]) -> dict:
    """Encode / decode times of both TCAE kinds on kodim15 (Table 2), 2 threads."""
    torch.set_num_threads(2)
    name, x = next((n, x) for n, x in images if n.startswith("kodim15"))
    models = (run_checkpoint("cwic-q2"), run_checkpoint("cwic-abl-sequential-s0"))
    return {"times_image": name, "times_threads": 2, "times": {m.name: tcae_coding_times(m, x) for m in models}}


def cwic(images: list[tuple[str, torch.Tensor]]) -> dict:
    torch.set_num_threads(2)
    sequential = run_checkpoint("cwic-abl-sequential-s0")
    report: dict = {"entropy_bits": {}, "sections": {}}
    for name in CWIC_RATES:
        model = run_checkpoint(name)
        rows = [entropy_model_bits(model, x, [sequential] if name == "cwic-q2" else []) for _, x in images]
        report["entropy_bits"][name] = {part: {k: sum(r[part][k] for r in rows) for k in rows[0][part]} for part in rows[0]}
        bits = [level_bits(model, x) for _, x in images]
        report["sections"][name] = {k: {m: statistics.fmean(b[k][m] for b in bits) for m in ("bpp", "bpp_est")} for k in bits[0]}
    report.update(cwic_timings(images))
    report["quantization_error"] = {}
    earlier = json.loads((OUT / "cwic_studies.json").read_text()) if (OUT / "cwic_studies.json").is_file() else {}
    for variant in ("lcmq", "lmq", "fmq", "bin"):
        try:
            model = run_checkpoint(f"cwic-abl-{variant}-s0")
        except zoo.CheckpointError:  # unshipped weights not re-created here: MSE(e, Q(e)) involves no coding,
            if variant not in earlier.get("quantization_error", {}):  # so the earlier measurement stands
                raise
            report["quantization_error"][variant] = earlier["quantization_error"][variant]
            report.setdefault("kept_from_earlier_run", []).append(f"quantization_error.{variant}")
            continue
        report["quantization_error"][variant] = statistics.fmean(quantization_error(model, x) for _, x in images)
    return report


def main(which: list[str]) -> None:
    if which == ["cwic-gamma"]:
        print(json.dumps(cwic_gamma(), indent=1))
        return
    images = kodak_images()
    OUT.mkdir(parents=True, exist_ok=True)
    if which == ["cbanet-rounds"]:  # re-measure only the training rounds (a new round or experiment), keep the rest
        path = OUT / "cbanet_studies.json"
        path.write_text(json.dumps({**json.loads(path.read_text()), "rounds": cbanet_rounds(images)}, indent=1))
        print("cbanet rounds ->", path)
        return
    if which == ["c2f-seeds"]:  # measure only the seed study (a new seed), keep the rest
        path = OUT / "c2f_studies.json"
        _c2f_sets(images)
        study = json.loads(path.read_text())
        path.write_text(json.dumps({**study, "seeds": c2f_seeds(_measured_points(study))}, indent=1))
        print("c2f seeds ->", path)
        return
    if which[:1] == ["timings"]:  # re-measure only the timed parts (an idle machine), keep the rest
        timed = {"agvae": agvae_timings, "cbanet": cbanet_timings, "cvqn": cvqn_timings, "cwic": cwic_timings}
        for name in which[1:] or list(timed):
            path = OUT / f"{name}_studies.json"
            report = {**json.loads(path.read_text()), **timed[name](images)}
            path.write_text(json.dumps(report, indent=1))
            print(name, "timings ->", path)
        return
    for name, fn in (("agvae", agvae), ("cbanet", cbanet), ("c2f", c2f), ("cvqn", cvqn), ("cwic", cwic)):
        if which and name not in which:
            continue
        report = fn(images)
        (OUT / f"{name}_studies.json").write_text(json.dumps(report, indent=1))
        print(name, "->", OUT / f"{name}_studies.json")


if __name__ == "__main__":
    main(sys.argv[1:])
