"""The command-line contract.

``python -m lic_lab models``                                   list shipped models and their rates
``python -m lic_lab compress IN.png OUT --model NAME [--quality Q | --rate R]``
``python -m lic_lab decompress IN OUT.png [--branches K]``      everything else is in the bitstream
``python -m lic_lab evaluate --model NAME|jpeg|webp|avif|jpeg2000 --data DIR --out FILE.json
  [--rates 1 2.5 1:5:0.25] [--branches 1 2 3]``
``python -m lic_lab benchmark --data DIR --out DIR [--models ...] [--anchor jpeg]``
                                                               every model and codec, paper protocol
``python -m lic_lab train ...``                                 the project's training recipe
``python -m lic_lab download-kodak``                            fetch Kodak and check SHA-256
``python -m lic_lab download-train [--to DIR]``                 the public training set (40 photos), SHA-256 checked

Every failure a user can cause (a missing or unreadable image, a corrupt, truncated or foreign
bitstream, an unknown model) is one line on stderr and exit status 1; usage errors exit 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from lic_lab.errors import UsageError

MAX_STREAM_BYTES = 1 << 28  # 256 MB: 8 bits per pixel of the largest image the limits allow is 8 MB


def _models(args: argparse.Namespace) -> int:
    from lic_lab.zoo import registry

    models = registry()
    if not models:
        print("no shipped models are registered")
        return 0
    print(f"{'name':<26}{'family':<16}{'quality':>8}{'lambda':>9}{'Kodak bpp':>11}{'PSNR':>8}  arch")
    for name, e in sorted(models.items(), key=lambda kv: (kv[1]["family"], kv[1]["quality"])):
        k = e["kodak"]
        quality, lmbda = e["quality"], e["lmbda"]
        if e.get("rates"):  # one model for a range of rates: Kodak numbers at its highest rate
            lo, hi = e["rates"]
            quality = f"{lo:g}-{hi:g}" + ("" if e.get("discrete_rates") else "*")
            lmbda = "varies"
        print(f"{name:<26}{e['family']:<16}{quality:>8}{lmbda:>9}{k['bpp']:>11.4f}{k['psnr']:>8.2f}  {e['arch']}")
    if any(e.get("rates") for e in models.values()):
        print(
            "ranges: choose with --quality J (whole numbers) or --rate R (* any real number); "
            "Kodak columns show the highest rate"
        )
    return 0


def check_output(source: str, output: str, force: bool) -> Path:
    """The output path, after refusing to overwrite the input, a folder, or (without --force) a file."""
    src, out = Path(source), Path(output)
    if out.is_dir():
        raise UsageError(f"{out}: is a folder; give a file name")
    if out.exists() and src.exists() and out.resolve() == src.resolve():
        raise UsageError(f"{out}: is the input file; choose another output name")
    if out.exists() and not force:
        raise UsageError(f"{out}: exists; use --force to overwrite it")
    if not out.parent.is_dir() and str(out.parent):
        raise UsageError(f"{out.parent}: no such folder")
    return out


def _compress(args: argparse.Namespace) -> int:
    from lic_lab.data import read_image, write_atomically
    from lic_lab.zoo import is_variable_rate, load_model, registry, resolve_name

    out = check_output(args.input, args.output, args.force)
    x = read_image(args.input)
    entry = registry().get(args.model)
    if entry is not None and is_variable_rate(entry):
        model = load_model(args.model)
        rate = args.rate if args.rate is not None else args.quality
    else:
        if args.rate is not None:
            raise UsageError(f"--rate needs a variable-rate model; use --quality with {args.model!r}")
        model, rate = load_model(resolve_name(args.model, args.quality)), None
    data = model.compress(x, rate=None if rate is None else float(rate))
    write_atomically(out, lambda fh: fh.write(data))
    h, w = x.shape[-2:]
    print(f"{args.output}: {len(data)} bytes, {8 * len(data) / (h * w):.4f} bpp ({model.name}, {w}x{h})")
    return 0


def _decompress(args: argparse.Namespace) -> int:
    from lic_lab.data import LOSSY_SUFFIXES, write_image
    from lic_lab.errors import BitstreamError
    from lic_lab.zoo import decompress_bytes

    path = Path(args.input)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    out = check_output(args.input, args.output, args.force)
    from PIL import Image

    if out.suffix.lower() not in Image.registered_extensions():
        raise UsageError(f"{out}: unknown image format {out.suffix!r}; use .png for the exact decoded pixels")
    if path.stat().st_size > MAX_STREAM_BYTES:
        raise BitstreamError(f"{path}: {path.stat().st_size:,} bytes is far larger than any lic_lab bitstream")
    decoded = decompress_bytes(path.read_bytes(), args.branches)
    x_hat, model = decoded.image, decoded.model
    write_image(x_hat, out)
    if out.suffix.lower() in LOSSY_SUFFIXES:
        print(
            f"note: {out.suffix} is a lossy format: the decoded image was re-encoded with loss; "
            "use .png for the exact decoded pixels",
            file=sys.stderr,
        )
    extra = f", rate {decoded.rate:g}" if model.rate_range is not None else ""  # the header's rate
    extra += f", {decoded.branches} branch(es)" if decoded.branches is not None else ""
    print(f"{args.output}: {x_hat.shape[-1]}x{x_hat.shape[-2]} decoded with {model.name}{extra}")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from lic_lab.data import list_images
    from lic_lab.evaluation.codecs import CODECS
    from lic_lab.evaluation.evaluate import evaluate, evaluate_settings, parse_rates, write_results
    from lic_lab.zoo import family_members, is_variable_rate, load_model, registry

    paths = list_images(args.data)
    if not paths:
        raise FileNotFoundError(f"{args.data}: no images")
    entry = registry().get(args.model)
    if args.model in CODECS:
        entries = evaluate(args.model, paths, args.settings, progress=not args.quiet)
    elif entry is not None and (is_variable_rate(entry) or args.branches):
        model = load_model(args.model)
        rates = parse_rates(args.rates) if args.rates else None
        entries = evaluate_settings(model, paths, rates, args.branches, progress=not args.quiet)
    elif args.rates or args.branches:
        raise UsageError(f"--rates and --branches need a variable-rate model, not {args.model!r}")
    else:
        entries = []
        for name in family_members(args.model):
            entries += evaluate(load_model(name), paths, progress=not args.quiet)
    write_results(entries, args.out, {"model": args.model, "data": str(args.data)})
    for e in entries:
        m = e["mean"]
        est = f" (estimate {m['bpp_est']:.4f})" if m["bpp_est"] is not None else ""
        print(
            f"{e.get('curve') or e['codec']} setting {e['setting']:g}: {m['bpp']:.4f} bpp{est}, {m['psnr']:.2f} dB PSNR, "
            f"MS-SSIM {m['ms_ssim']:.4f}"
        )
    print(f"wrote {args.out}")
    return 0


def _benchmark(args: argparse.Namespace) -> int:
    from lic_lab.evaluation.benchmark import run_benchmark

    summary = run_benchmark(
        args.data,
        args.out,
        args.models,
        args.codecs,
        args.anchor,
        args.dataset,
        args.threads,
        args.repeats,
        args.limit,
        progress=not args.quiet,
        reuse=args.reuse,
    )
    print((Path(args.out) / "bd_rate.md").read_text().split("\n\n## BD-rate (%)")[0])
    print(
        f"benchmark of {len(summary['dataset']['images'])} images took {summary['total_s'] / 60:.1f} min; "
        f"wrote {args.out}/summary.json, results.json, bd_rate.md, timing.md, rd_psnr.png, rd_ms_ssim.png"
    )
    return 0


def _download(args: argparse.Namespace) -> int:
    from lic_lab.data import kodak_dir

    print(kodak_dir(download=True))
    return 0


def _download_train(args: argparse.Namespace) -> int:
    from lic_lab.public_data import download_training_set

    built = download_training_set(args.to)
    print(
        f"{built.folder}: {built.photos} photos ({built.identical} pixel-identical to the zoo's training set); "
        f"train on them with LIC_LAB_DATA={built.folder.parent}"
    )
    return 0


def _train(args: argparse.Namespace) -> int:
    from lic_lab.training.train import TrainConfig, train_and_save

    if args.init_over and not args.init:
        raise UsageError("--init-over copies tensors over --init's: give --init too")
    extra = {}
    for item in args.arch_arg or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f"--arch-arg needs KEY=VALUE, got {item!r}")
        extra[key] = json.loads(value)
    cfg = TrainConfig(
        arch=args.arch,
        N=args.N,
        M=args.M,
        lmbda=args.lmbda,
        metric=args.metric,
        steps=args.steps,
        batch=args.batch,
        patch=args.patch,
        lr=args.lr,
        lr_drop_at=args.lr_drop_at,
        seed=args.seed,
        init=args.init,
        init_over=args.init_over,
        data=args.data,
        name=args.name,
        threads=args.threads,
        extra=extra,
        lmbdas=args.lmbdas,
        stage=args.stage,
        hours=args.hours,
        downscale=args.downscale,
        val_every=args.val_every,
        workers=args.workers,
        **({"out_dir": args.out_dir} if args.out_dir else {}),
    )
    print(train_and_save(cfg, progress=not args.quiet))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m lic_lab", description="lic_lab: learned image compression workbook"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("models", help="list shipped models").set_defaults(func=_models)

    p = sub.add_parser("compress", help="compress an image to a lic_lab bitstream")
    p.add_argument("input")
    p.add_argument("output")
    p.add_argument("--model", required=True, help="a model name or a family (see `models`)")
    p.add_argument("--quality", type=int, help="quality index within the family (CBANet: bitrate index J)")
    p.add_argument("--rate", type=float, help="rate R = s + l of a variable-rate model (AG-VAE), any real in its range")
    p.add_argument("--force", action="store_true", help="overwrite an existing output file")
    p.set_defaults(func=_compress)

    p = sub.add_parser("decompress", help="decode a lic_lab bitstream to an image")
    p.add_argument("input")
    p.add_argument("output")
    p.add_argument("--branches", type=int, help="CBANet: decode with K of its branches (complexity level)")
    p.add_argument("--force", action="store_true", help="overwrite an existing output file")
    p.set_defaults(func=_decompress)

    p = sub.add_parser("evaluate", help="evaluate a model family or a classical codec on a folder")
    p.add_argument("--model", required=True, help="model name or family, or jpeg|jpeg420|webp|avif|jpeg2000")
    p.add_argument("--data", required=True)
    p.add_argument("--out", required=True, help="results file (.json or .csv)")
    p.add_argument("--settings", type=float, nargs="+", help="codec settings (default: its sweep)")
    p.add_argument("--rates", nargs="+", help="variable-rate model: rates or ranges lo:hi:step (default: its levels)")
    p.add_argument("--branches", type=int, nargs="+", help="CBANet: numbers of branches to evaluate")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=_evaluate)

    p = sub.add_parser("benchmark", help="every shipped model and the classical codecs, benchmark paper protocol")
    p.add_argument("--data", required=True, help="folder of images (e.g. the Kodak folder)")
    p.add_argument("--out", required=True, help="folder for results, tables and figures")
    p.add_argument("--models", nargs="+", help="shipped model names (default: all but ablation variants)")
    p.add_argument("--codecs", nargs="*", default=["jpeg", "jpeg2000", "webp", "avif"], help="classical codecs")
    p.add_argument("--anchor", default="jpeg", help="curve the per-range BD-rates are measured against")
    p.add_argument(
        "--dataset",
        default="kodak",
        choices=["kodak", "tecnick", "clic"],
        help="whose bit-rate / PSNR ranges to use (paper Table 6)",
    )
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="thread counts to time")
    p.add_argument("--repeats", type=int, default=5, help="timing repeats (median)")
    p.add_argument("--limit", type=int, help="only the first N images (a quick run)")
    p.add_argument(
        "--reuse",
        action="store_true",
        help="keep what an earlier run in --out measured on the same images; measure only what is new",
    )
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=_benchmark)

    sub.add_parser("download-kodak", help="download Kodak into data/kodak, checking SHA-256").set_defaults(
        func=_download
    )
    p = sub.add_parser(
        "download-train", help="build the public training set (train-extra/, 40 photos) from SHA-256-checked archives"
    )
    p.add_argument("--to", help="data root to fill (default: <lic_lab home>/data); then set LIC_LAB_DATA to it")
    p.set_defaults(func=_download_train)

    p = sub.add_parser("train", help="train or fine-tune a model with the project's recipe")
    p.add_argument("--arch", default="scale_hyperprior")
    p.add_argument("--N", type=int, default=64)
    p.add_argument("--M", type=int, default=96)
    p.add_argument("--lmbda", type=float, default=0.0067)
    p.add_argument("--metric", choices=["mse", "ms-ssim"], default="mse")
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--patch", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument(
        "--lr-drop-at",
        dest="lr_drop_at",
        type=float,
        default=0.85,
        help="fraction of the steps after which lr is divided by 10 (1 = no decay)",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--init", help="checkpoint to fine-tune from")
    p.add_argument(
        "--init-over",
        help="a second checkpoint whose matching tensors replace --init's (e.g. a new base encoder under a trained decoder)",
    )
    p.add_argument("--data", help="data root holding train/ (default: $LIC_LAB_DATA)")
    p.add_argument("--name", required=True)
    p.add_argument("--out-dir", dest="out_dir")
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--lmbdas", type=float, nargs="+", help="variable-rate training: one lambda per rate level")
    p.add_argument("--stage", help="stage of a staged recipe (CBANet: branch1..3, bam1..4, joint)")
    p.add_argument(
        "--arch-arg",
        dest="arch_arg",
        action="append",
        metavar="KEY=JSON",
        help="architecture argument, e.g. levels=5 or widths=[30,30,44] (repeatable)",
    )
    p.add_argument(
        "--hours",
        type=float,
        default=0.0,
        help="wall-time budget of this sitting; re-run the same command to continue (default: no limit)",
    )
    p.add_argument("--downscale", type=float, default=0.0, help="probability of a randomly down-scaled patch")
    p.add_argument("--val-every", dest="val_every", type=int, default=500)
    p.add_argument("--workers", type=int, default=0, help="data-loading processes (useful on a GPU machine)")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=_train)
    return parser


def main(argv: list[str] | None = None) -> int:
    from lic_lab.checks import USER_ERRORS

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except USER_ERRORS as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
