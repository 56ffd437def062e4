#!/usr/bin/env bash
# The installed library, not the checkout: build the wheel, install it (no editable link) into a
# scratch folder, then from another folder list the zoo, compress, decompress, evaluate and train a
# few steps, and check that nothing was written into the installed package. Used by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
python -m pip install --quiet "setuptools>=68"  # the build backend, without build isolation
# build from a copy, so setuptools' build/ folder never lands in the checkout
mkdir "$tmp/src" && cp -r pyproject.toml README.md lic_lab "$tmp/src/"
find "$tmp/src" -name __pycache__ -prune -exec rm -rf {} +
python -m pip wheel --quiet --no-deps --no-build-isolation -w "$tmp/dist" "$tmp/src" >/dev/null
python -m pip install --quiet --no-deps --target "$tmp/site" "$tmp"/dist/lic_lab-*.whl
cd "$tmp"; mkdir -p home work/data/train
export PYTHONPATH="$tmp/site" LIC_LAB_HOME="$tmp/home" OMP_NUM_THREADS=1
unset LIC_LAB_DATA
touch "$tmp/stamp"
python - "$tmp/site" <<'PY'
import sys
import lic_lab
from lic_lab import data
assert lic_lab.__file__.startswith(sys.argv[1]), f"imported {lic_lab.__file__}, not the installed wheel"
assert not lic_lab.in_checkout(), "the installed package thinks it is a checkout"
photos = data.embedded_paths()
assert len(photos) == 3, photos
from lic_lab.public_data import manifest
assert len(manifest()["photos"]) == 40  # the public training set's manifest is package data
print("installed:", lic_lab.__file__, "| embedded photos:", len(photos))
PY
photo=$(python -c "from lic_lab import data; print(data.embedded_paths()[0])")
for p in $(python -c "from lic_lab import data; print(' '.join(map(str, data.embedded_paths())))"); do cp "$p" work/data/train/; done
python -m lic_lab models > models.txt
grep -q "hyperprior" models.txt
python -m lic_lab compress "$photo" work/a.lic --model hyperprior-q3
python -m lic_lab decompress work/a.lic work/a.png
python -m lic_lab evaluate --model hyperprior-q3 --data work/data/train --out work/eval.json --quiet
python -m lic_lab train --arch factorized --N 8 --M 8 --steps 2 --batch 1 --patch 64 --data work/data --name wheel-check \
  --val-every 0 --quiet > /dev/null
test -f home/models/wheel-check.pt
changed=$(find "$tmp/site" -newer "$tmp/stamp" -type f ! -name "*.pyc" | head -5)
if [ -n "$changed" ]; then echo "written into the installed package: $changed" >&2; exit 1; fi
echo "wheel check passed: models, compress, decompress, evaluate, train from an installed wheel"
