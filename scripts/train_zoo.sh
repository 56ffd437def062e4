#!/usr/bin/env bash
# Train the foundation zoo on ../shared/datasets/train (CPU, one thread per chain).
# Each rate is fine-tuned from its neighbour instead of trained from scratch (see the model cards).
# Usage: LIC_LAB_DATA=../shared/datasets bash scripts/train_zoo.sh hyperprior|factorized|meanscale
set -euo pipefail
cd "$(dirname "$0")/.."
T="python -m lic_lab train --threads ${THREADS:-1} --quiet"
CK=lic_lab/zoo/checkpoints
case "$1" in
  hyperprior)
    $T --arch scale_hyperprior --lmbda 0.0067 --steps 6000 --lr 1e-3 --name hyperprior-q3
    $T --arch scale_hyperprior --lmbda 0.013 --steps 2000 --lr 5e-4 --init $CK/hyperprior-q3.pt --name hyperprior-q4
    $T --arch scale_hyperprior --lmbda 0.0035 --steps 2000 --lr 5e-4 --init $CK/hyperprior-q3.pt --name hyperprior-q2
    $T --arch scale_hyperprior --lmbda 0.025 --steps 2000 --lr 5e-4 --init $CK/hyperprior-q4.pt --name hyperprior-q5
    $T --arch scale_hyperprior --lmbda 0.0018 --steps 2000 --lr 5e-4 --init $CK/hyperprior-q2.pt --name hyperprior-q1
    ;;
  factorized)
    $T --arch factorized --lmbda 0.0067 --steps 6000 --lr 1e-3 --name factorized-q3
    $T --arch factorized --lmbda 0.013 --steps 2000 --lr 5e-4 --init $CK/factorized-q3.pt --name factorized-q4
    $T --arch factorized --lmbda 0.0035 --steps 2000 --lr 5e-4 --init $CK/factorized-q3.pt --name factorized-q2
    $T --arch factorized --lmbda 0.025 --steps 2000 --lr 5e-4 --init $CK/factorized-q4.pt --name factorized-q5
    ;;
  meanscale)
    # transforms and z density start from the scale hyperprior of the same rate; h_a/h_s are new
    $T --arch mean_scale_hyperprior --lmbda 0.0067 --steps 2000 --lr 5e-4 --init $CK/hyperprior-q3.pt --name meanscale-q3
    $T --arch mean_scale_hyperprior --lmbda 0.025 --steps 1500 --lr 5e-4 --init $CK/meanscale-q3.pt --name meanscale-q5
    $T --arch mean_scale_hyperprior --lmbda 0.0018 --steps 1500 --lr 5e-4 --init $CK/meanscale-q3.pt --name meanscale-q1
    ;;
  *) echo "usage: $0 hyperprior|factorized|meanscale" >&2; exit 2 ;;
esac
