"""The command-line contract (see the README): every error is one line and a non-zero exit."""
from __future__ import annotations

import argparse
import sys


def _train(args: argparse.Namespace) -> int:
    from .train import TrainConfig, train_and_save

    cfg = TrainConfig(arch=args.arch, N=args.N, M=args.M, lmbda=args.lmbda, metric=args.metric,
                      steps=args.steps, batch=args.batch, patch=args.patch, lr=args.lr, seed=args.seed,
                      init=args.init, data=args.data, name=args.name, threads=args.threads,
                      **({"out_dir": args.out_dir} if args.out_dir else {}))
    path = train_and_save(cfg, progress=not args.quiet)
    print(path)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m lic_lab", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
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
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--init", help="checkpoint to fine-tune from")
    p.add_argument("--data", help="data root holding train/ (default: $LIC_LAB_DATA)")
    p.add_argument("--name", required=True)
    p.add_argument("--out-dir", dest="out_dir")
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=_train)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return args.func(args)
