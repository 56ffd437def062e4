#!/usr/bin/env bash
# The GPU recipe: a wider mean-scale hyperprior (N = 128, M = 192) trained in at most 8 minutes on
# one large NVIDIA GPU, written as fp16 weights + record + model card, labelled as GPU-trained.
#
#   LIC_LAB_DATA=/path/to/datasets bash scripts/gpu_flagship.sh [LAMBDA] [NAME]
#
# The same `python -m lic_lab train` as every CPU recipe (CUDA is picked up by lic_lab.device());
# `--hours 0.125` stops the sitting at 7.5 minutes whatever the GPU's speed, and the card records
# the steps reached, the wall time and the GPU's name. The CPU recipes in scripts/train_zoo.sh stay
# the reproducible path; a model from here ships beside them as `meanscale-gpu-q*`.
set -euo pipefail
cd "$(dirname "$0")/.."
LMBDA="${1:-0.0130}"
NAME="${2:-meanscale-gpu-q3}"
: "${LIC_LAB_DATA:?set LIC_LAB_DATA to the folder holding train/ and train-extra/}"
python -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 'no CUDA GPU: this recipe is for a GPU machine')"
python -m lic_lab train --arch mean_scale_hyperprior --N 128 --M 192 --lmbda "$LMBDA" \
  --steps 10000 --batch 16 --patch 256 --lr 1e-3 --workers 6 --val-every 2000 \
  --hours 0.125 --name "$NAME" --out-dir lic_lab/zoo/checkpoints --quiet
python - "$NAME" <<'PY'
import json, sys
from pathlib import Path
name = sys.argv[1]
path = Path("lic_lab/zoo/checkpoints") / f"{name}.json"
record = json.loads(path.read_text())
record["trained_on"] = "GPU (scripts/gpu_flagship.sh); the CPU recipes are the reproducible path"
path.write_text(json.dumps(record, indent=1))
print(f"{name}: {record['steps']} steps in {record['wall_time_s']:.0f} s on {record['segments'][-1]['where']}")
PY
echo "then: LIC_LAB_DATA=... python scripts/build_zoo.py $NAME   (Kodak results, registry, card)"
