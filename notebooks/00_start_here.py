# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 00 · Start here: a workbook of learned image compression
#
# Seven notebooks rebuild five papers step by step, with models trained by this project, real
# bitstreams decoded back exactly, and measurements you can re-run. Each notebook opens with what
# you will learn, what it assumes and how long it takes, and ends with functions you write yourself
# (checked against the library) and an open experiment.
#
# **What you will learn here:** which notebook rebuilds which paper, an order to read them in, how to run
# them on a CPU or a GPU, and how to train the models yourself. **Time** 10 minutes.
#
# **Prerequisites.** Python and a little PyTorch (tensors, `nn.Module`, a training loop); the idea of
# a probability distribution and of a logarithm. No prior compression knowledge: notebook 01 starts
# from the rate–distortion objective.
#
# **The papers** (read them beside the notebooks):
#
# | notebook | paper |
# |---|---|
# | 01, 07 | Hu, Yang, Ma, Liu, *Learning End-to-End Lossy Image Compression: A Benchmark*, TPAMI, [arXiv:2002.03711](https://arxiv.org/abs/2002.03711) (foundations, the benchmark, the coarse-to-fine hyperprior) |
# | 02 | Zhong, Akutsu, Aizawa, *Channel-Level Variable Quantization Network for Deep Image Compression*, IJCAI 2020, [arXiv:2007.12619](https://arxiv.org/abs/2007.12619) |
# | 03 | channel ablation: the measurement behind 02's motivation (same paper, sec. 2) |
# | 04 | Li, Zuo, Gu, You, Zhang, *Learning Content-Weighted Deep Image Compression*, TPAMI, [arXiv:1904.00664](https://arxiv.org/abs/1904.00664) |
# | 05 | Cui, Wang, Gao, Guo, Feng, Bai, *Asymmetric Gained Deep Image Compression with Continuous Rate Adaptation*, CVPR 2021, [arXiv:2003.02012](https://arxiv.org/abs/2003.02012) |
# | 06 | Guo, Xu, Lu, *CBANet: Towards Complexity and Bitrate Adaptive Deep Image Compression using a Single Network*, TIP, [arXiv:2105.12386](https://arxiv.org/abs/2105.12386) |
#
# **A suggested path.** 01 first (everything else builds on it), then 03 → 02 (channels, then
# channel-level quantization), 04 (importance maps), 05 (one model, any rate), 06 (one decoder,
# any device), and 07 (the benchmark's view of the field) last. Each notebook is one lab; the cell
# below lists, from each notebook's own opening, what it covers, what it assumes
# and how long it takes.
#
# **Running it.** `pip install -r requirements.txt` and `jupyter lab`. Every notebook runs top to
# bottom on 2 CPU cores in a few minutes with the shipped models and an embedded photo (photos by Wikimedia Commons
# contributors, under Creative Commons licences: `lic_lab/embedded/ATTRIBUTION.md`); set
# `LIC_LAB_DATA` to a folder holding `kodak/` to measure on Kodak yourself (the notebooks read the stored Kodak
# results; notebook 07's `RUN_BENCHMARK` re-measures them). **On a GPU** the same commands
# work: `lic_lab.device()` picks CUDA when PyTorch sees it (the PyPI wheel of torch 2.13 on Linux
# x86-64 includes it), the sliders code on the GPU, and `bash scripts/gpu_flagship.sh` trains a
# wider model in minutes. Decoding stays bit-exact across devices (README, "What decoding guarantees").
#
# **Training the models yourself.** Notebooks 01, 02 and 04–07 have a `FULL_TRAINING` switch at the top that re-runs
# their shipped recipes (`scripts/train_zoo.sh`, CPU-hours; the model cards give each wall time). A recipe skips
# every stage whose record is already finished in `data/training/`, as the shipped ones are: move `data/training/`
# and `runs/` aside first to train from scratch (the switch prints this reminder). They
# train on the data root's `train/` (49 photos) and `train-extra/` (40), 80 of them for training and the
# rest held out. Without a data root, the switch first builds the public half of that set: `python -m lic_lab download-train` fetches 40 free-licensed photos (Debian's
# wallpaper packages and the scikit-image wheel; about 180 MB of archives, each checked against its
# SHA-256) and converts them exactly as the zoo's `train-extra/` was made. `python -m lic_lab
# download-kodak` fetches the evaluation set the same way. Trained on the 34 of those 40 that are training photos
# (three are validation photos, three held out as large test photos), the recipes
# will not reproduce the model cards' numbers: `train/` (Wikimedia Commons photos, listed in its
# `ATTRIBUTION.md`) has no download command, because its collection did not record which file came from
# which source page.

# %%
# NBVAL_IGNORE_OUTPUT
# (what this machine has: versions, device and data differ between machines)
import os
import platform

import torch

import lic_lab
from lic_lab import data, zoo
from lic_lab.teaching import timings

root = lic_lab.data_root()
print(f"Python {platform.python_version()}, torch {torch.__version__}, lic_lab {lic_lab.__version__}")
print(f"device: {lic_lab.device()} ({torch.get_num_threads()} CPU threads)")
print(f"data root: {root if root else 'not set (the notebooks use their embedded photos)'}")
print(f"Kodak: {'found' if root and (root / 'kodak').is_dir() else 'not found'}; embedded photos: {len(data.embedded_paths())}")
print(f"shipped models: {len(zoo.registry())}")
for stem, t in timings.load_times().items():  # measured by scripts/run_notebooks.py
    print(f"{stem}: last ran top to bottom in {t['seconds']:.0f} s on {t['cores']} CPU cores ({t['date']})")

# %%
from IPython.display import Markdown, display

from lic_lab import REPO_DIR
from lic_lab.teaching import outline


rows = ["| notebook | what you will learn | assumes | time |", "|---|---|---|---|"]
for source in sorted((REPO_DIR / "notebooks").glob("0[1-9]_*.py")):  # wherever the kernel was started
    o = outline.outline(source)  # read from the notebook's own opening; a missing part raises
    rows.append(f"| [{o.title}]({source.with_suffix('.ipynb').name}) | {'<br>'.join(o.learn)} | {o.assumes} | {o.time} |")
display(Markdown("\n".join(rows)))
