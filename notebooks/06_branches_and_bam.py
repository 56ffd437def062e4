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
# # 06 · One decoder for every device and bitrate: branches and BAM (CBANet)
#
# **What you will learn**
# - the problem CBANet (Guo et al., *CBANet: Towards Complexity and Bitrate Adaptive Deep Image Compression using a Single Network*, TIP, [arXiv:2105.12386](https://arxiv.org/abs/2105.12386)) solves: one model that decodes on a weak or a strong device, at a high or a low bitrate;
# - the **complexity adaptive module** (CAM, sec. III-C, eqs. 6–7): parallel decoder branches whose scaled outputs add up, trained progressively (eq. 3);
# - the **bitrate adaptive module** (BAM, sec. III-D, eqs. 8–9): a small layer that shrinks the base-rate latent before rounding and an inverse layer that expands it after;
# - how to measure what the paper measures — FLOPs, decode time, storage, BD-PSNR — on our lab-size model.
#
# **Assumes** notebook 01 (the scale hyperprior, RD curves and BD-rate).
#
# **Time** 45 minutes to study; the first code cell prints how long the notebook took to run top to bottom when it was last executed.
#
# The model `cbanet` was trained by three recipes of `scripts/train_zoo.sh`, `cbanet` (seven stages), `cbanet-long` and `cbanet-joint` (section 2.1; model card: `lic_lab/zoo/checkpoints/cbanet.md`, with every stage's command). Kodak numbers come from `scripts/build_zoo.py` and `scripts/paper_studies.py`; `tests/test_zoo.py` re-derives them from the checkpoint.

# %%
# NBVAL_IGNORE_OUTPUT
# (this cell prints the device and the last run time, which differ between machines)
# %matplotlib inline
import json, subprocess
from pathlib import Path
import numpy as np, torch, matplotlib.pyplot as plt
from IPython.display import Markdown, display

import lic_lab
from lic_lab import data, zoo
from lic_lab.teaching import analysis, viz, timings
from lic_lab.evaluation import evaluate, complexity, references
from lic_lab.teaching.exercises import check

FULL_TRAINING = False   # <- switch: True re-runs the training stages of recipes cbanet, cbanet-long and cbanet-joint (CPU time: the model cards give each wall time); False uses the shipped checkpoint
lic_lab.seed_everything(0)
torch.set_num_threads(2)
print("device:", lic_lab.device())
print(timings.run_time_line("06_branches_and_bam"))

# %% [markdown]
# ## 1. The problem
#
# A phone, a laptop and a GPU server have very different compute budgets, and the network bandwidth changes from minute to minute (the paper's Fig. 1). Classical answer: train one model per (bitrate, complexity) pair — 4 bitrates × 3 complexity levels = 12 models. CBANet's answer: **one** model whose decoder can run with $K = 1, 2$ or $3$ branches (about 25%, 50% and 100% of the FLOPs) and whose encoder side can move to lower bitrates through a BAM per bitrate:
#
# $$\hat{x} = \sum_{k=1}^{K} g_k\,\mathcal F_k(\hat y^b)\quad\text{(eqs. 6–7)},\qquad y^j = y^b\,(1-\sigma(\mathcal B(y^b))),\quad \hat y^b = \hat y^j\,(1+\mathrm{ReLU}(\hat{\mathcal B}(\hat y^j)))\quad\text{(eqs. 8–9)}$$
#
# **Training, in order** (sec. III-B to III-D): (1) a scale hyperprior at the *base* bitrate — the foundation's `hyperprior-q5`, whose encoder, hyper networks and $z$ density stay frozen from then on; (2) branch 1 alone, then branch 2 with branch 1 frozen ($K=2$), then branch 3 — eq. 3 with $R = R_b$; (3) with encoder and CAM frozen, one BAM per lower bitrate $j$ on $R + \lambda_j D$ (eq. 5), with the λ of `hyperprior-q4` … `q1` (the cell below prints every stage and its λ). As in CBANet-HP (sec. III-E), a second BAL/IBAL pair wraps the hyper latent $z$.
#
# The paper does not say how $g_k$ starts. Ours: $g_k = 1$, and branches 2 and 3 begin as near-zero residuals (their last layer scaled by $10^{-2}$). A first build started $g_2, g_3$ at 0.1 on random branches; their first outputs were noise, Adam pushed the two scalars to about 0.005 within their stage, and because every update of $\mathcal F_k$ reaches the image multiplied by $g_k$, those branches then learned almost nothing (the docstring of `Branch` in `lic_lab/models/cbanet.py`). Starting at 1 did not stop $g_k$ drifting in a longer round; section 2.1 shows what stopping the drift changed (little) and what does limit the branches.

# %%
model = zoo.load_model("cbanet")
card = zoo.registry()["cbanet"]
print(f"{model.name}: {card['params']:,} parameters; branch widths {model.config['widths']}; bitrates 1..{model.bitrates} "
      f"(base = {model.bitrates}); BAM hidden width P = {model.config['bam_hidden']}")
print("learned branch weights g_k:", [round(float(b.weight.detach()), 3) for b in model.g_s.branches])
for r in zoo.training_chain(zoo.training_record("cbanet"))[::-1]:
    print(f"  stage {r['config'].get('stage') or 'base'}: {r['name']}, {r['steps']:,} steps, lambda {r['config']['lmbda']}")

# %% [markdown]
# **The code of eqs. 8–9 and of the CAM**: the BAL and IBAL, and the decoder that sums its first K branches:

# %%
from lic_lab.teaching.source import show_source
from lic_lab.layers import BitrateAdaptiveLayer
from lic_lab.models.cbanet import ComplexityAdaptiveDecoder
show_source(BitrateAdaptiveLayer.forward, ComplexityAdaptiveDecoder.residuals, ComplexityAdaptiveDecoder.forward)

# %% [markdown]
# ## 2. What each branch adds
#
# Each branch decodes the same $\hat y$. Branch 1 alone produces a complete image; branches 2 and 3 produce *residuals* $\tilde x_k = g_k\mathcal F_k(\hat y)$ (shown amplified around grey) meant to add the detail branch 1 misses. The photo is coded at the base bitrate; the cell prints the PSNR after each branch and the residuals' mean amplitude, so you can see how much detail our branches actually add.

# %%
x = data.read_image(data.embedded_paths()[0])
model.set_rate(model.bitrates)
parts, cum = analysis.branch_outputs(model, x)  # g_k F_k(y_hat) per branch, and their partial sums (K = 1, 2, 3)
from lic_lab.evaluation.metrics import psnr
panels = [cum[0]] + [(0.5 + 4 * p).clamp(0, 1) for p in parts[1:]] + [cum[2]]
titles = [f"x~1 (K = 1): {psnr(x, cum[0]):.2f} dB", "x~2 (x4 around grey)", "x~3 (x4 around grey)", f"sum, K = 3: {psnr(x, cum[2]):.2f} dB"]
fig = viz.show_images(panels, titles, width=3.2); plt.show()
print("PSNR with K = 1, 2, 3 branches:", [round(psnr(x, c), 2) for c in cum])
print("mean |residual| of branches 2 and 3 (8-bit units):", [round(255 * float(p.abs().mean()), 2) for p in parts[1:]])

# %% [markdown]
# ### 2.1 Why branches 2 and 3 add so little: four rounds and a probe
#
# The shipped CAM is the fourth round of its training (recipes `cbanet`, `cbanet-long` and `cbanet-joint`; rounds 1 to 3 are kept in `data/training/cbanet/`). Each round's stages, with their steps and lr, are read from the training records in the table under this paragraph. In round 1 branches 2 and 3 had fewer steps at a lower lr than branch 1. Round 2 started from round 1 and trained branches 2 and 3 on until each had as many steps as branch 1, at its lr, then refitted the BAMs. During it $g_2$ and $g_3$ drifted towards 0: $g_k$ multiplies the scale of $\mathcal F_k$'s last layer, so the loss only sees their product, and along that flat direction Adam's steps (about the lr each, whatever the gradient's size) can move $g_k$ by up to lr × steps (printed under the table). Round 3 repeated round 2 with $g_k$ learning at 1/100 of the lr (the model's `weight_lr_scale`, used by `CBANetHP.lr_scales`), so each $g_k$ stays near round 1's value. Round 4 comes after the probe below, and the last two rows, a CAM on a base one and two bitrate rungs higher (not shipped), after round 4. The base bitrate, every round in fp16, on Kodak and on the validation photos (`scripts/paper_studies.py cbanet`):

# %%
st = json.loads((lic_lab.REPO_DIR / "data" / "results" / "cbanet_studies.json").read_text())
MEASURABLE_DB = evaluate.ONE_MODEL_RESOLUTION_DB  # the smallest change between two trained models (rounds, runs) this notebook counts as a change
rows = [{"round": label, "Kodak bpp at the base": round(r["bpp"], 3), "g_1, g_2, g_3": ", ".join(f"{g:.3f}" for g in r["g"]),
         "Kodak PSNR, K = 1 / 2 / 3 (dB)": " / ".join(f"{v:.2f}" for v in r["psnr"]),
         "K = 1 -> 3 (dB)": round(r["psnr"][2] - r["psnr"][0], 3),
         "validation PSNR, K = 1 / 2 / 3 (dB)": " / ".join(f"{v:.2f}" for v in r["validation_psnr"]),
         "validation K = 1 -> 3 (dB)": round(r["validation_psnr"][2] - r["validation_psnr"][0], 3)}
        for label, r in st["rounds"].items()]
display(Markdown(viz.table(rows)))
rounds = ["cbanet-round1", "cbanet-round2", "cbanet-round3", "cbanet-round4"]
stages = zoo.round_stages(rounds, base="hyperprior-q5")   # each round's own stages, in training order
display(Markdown(viz.table([{**r, "steps": f"{r['steps']:,}", "lr": f"{r['lr']:g}"} for r in stages])))
drift = next(r for r in stages if r["round"] == "cbanet-round2" and r["stage"] == "branch2")
print(f"round 2's branch-2 stage: {drift['steps']:,} steps at lr {drift['lr']:g}, so Adam can move g_2 by up to "
      f"{drift['steps'] * drift['lr']:.1f}")
gains = [r["validation_psnr"][2] - r["validation_psnr"][0] for r in st["rounds"].values()]  # read on the validation photos
# rule: a change under MEASURABLE_DB is no change; rounds are compared on the validation photos, never on Kodak
branch2 = {n: zoo.stage_steps(n, "branch2", base="hyperprior-q5") for n in rounds[:2]}   # branch 3 trained alike
print(f"{branch2['cbanet-round2']:,} instead of {branch2['cbanet-round1']:,} steps for branches 2 and 3 (round 1 -> 2): {gains[1] - gains[0]:+.3f} dB of K = 1 -> 3 gain on the validation photos "
      f"({'a change' if abs(gains[1] - gains[0]) >= MEASURABLE_DB else 'no change'}); g_k kept in place (round 2 -> 3): "
      f"{gains[2] - gains[1]:+.3f} dB ({'a change' if abs(gains[2] - gains[1]) >= MEASURABLE_DB else 'no change'})")

# %% [markdown]
# **A probe: the budget, or the branches?** If keeping $g_k$ in place made no change, its drift was harmless, and something else holds branches 2 and 3 back. `cbanet-probe-single64` (recipe `cbanet-probe`, not shipped) asks what: one 64-channel branch, the baseline decoder's width, trained exactly as branch 1 was (its steps and lr are branch 1's in the stage table above, on the same frozen encoder, so it codes the same bits; branches 2 and 3 had as many each on top of branch 1's). If it does no better than $K = 3$, steps on a frozen encoder are the limit; if it does better by more than 0.05 dB (`MEASURABLE_DB`) with about the same FLOPs, the progressive sum of narrow branches is. What the probe cannot separate: narrow branches summed, versus each branch trained with the earlier ones frozen (round 4 below asks that); and each model is one seed. Kodak at the base bitrate, every model in fp16:

# %%
fp16_means = zoo.training_kodak_means()
at_base = {k: st["rounds"]["round 3"]["psnr"][k - 1] for k in (1, 3)}  # the last progressively trained round, like the probe
probe, q5 = fp16_means["cbanet-probe-single64"]["psnr"], fp16_means["hyperprior-q5"]["psnr"]
widths = model.config["widths"]
ladder = {f"K = 1 (branch 1, {widths[0]} channels, round 3)": at_base[1],
          f"K = 3 ({' + '.join(map(str, widths))} channels, trained progressively: round 3)": at_base[3],
          "probe: one 64-channel branch, trained as branch 1": probe,
          "hyperprior-q5's own decoder (64 channels, trained with its encoder)": q5}
for label, value in ladder.items():
    print(f"  {label}: {value:.2f} dB")
probe_flops = st["flops"]["probe"]["synthesis"] / st["flops"]["K=3"]["synthesis"]
structure_cost = probe - at_base[3]
# rule: the branch structure is the limit when one decoder of about K = 3's FLOPs, trained the same way, is better by > MEASURABLE_DB
print(f"the probe has {100 * probe_flops:.0f}% of K = 3's synthesis FLOPs and is {structure_cost:+.2f} dB above it -> the limit is "
      f"{'the progressive sum of narrow branches' if structure_cost > MEASURABLE_DB else 'the training budget on a frozen encoder'}")
print(f"of the {q5 - at_base[3]:.2f} dB between K = 3 and hyperprior-q5's decoder: {structure_cost:.2f} dB branch structure, "
      f"{q5 - probe:.2f} dB frozen encoder and steps; branches 2 and 3 recover "
      f"{100 * (at_base[3] - at_base[1]) / (probe - at_base[1]):.0f}% of the {probe - at_base[1]:.2f} dB a 64-channel decoder adds to branch 1")

# %% [markdown]
# **Round 4: the branches trained together** (recipe `cbanet-joint`; not the paper's schedule, which trains them one by one, eq. 3). If freezing each branch before training the next holds them back, training all three at once should raise the gain from $K = 1$ to $3$. From round 3, stage `joint` trains every branch at once (its steps and lr are in the stage table above) on
#
# $$\mathcal L = R + \lambda\,\tfrac1{3}\textstyle\sum_{K=1}^{3} D\big(x, \sum_{k\le K} g_k\mathcal F_k(\hat y)\big),$$
#
# so branch 1 still answers for $K = 1$ alone (the three images are running sums of one pass: `ComplexityAdaptiveDecoder.every_k`; the mean of the distortions is `rd_loss`'s, over the model's `x_hats`); then the BAMs are refitted. Two rules, both on the validation photos, never on Kodak: unfreezing helps the branches when round 4's gain from $K = 1$ to $3$ beats round 3's by more than `MEASURABLE_DB`; round 4 replaces round 3 as the shipped model when it is no worse at any $K$. One seed, and a fine-tune from round 3, not joint training from the start: it asks whether freezing left something on the table, not what joint training would reach.

# %%
r3, r4 = st["rounds"]["round 3"], st["rounds"]["round 4 (joint)"]
k_gain = lambda r: r["validation_psnr"][2] - r["validation_psnr"][0]  # noqa: E731
print("validation photos, round 4 minus round 3 at K = 1 / 2 / 3: "
      + " / ".join(f"{b - a:+.3f}" for a, b in zip(r3["validation_psnr"], r4["validation_psnr"])) + " dB")
print(f"gain K = 1 -> 3 on the validation photos: round 3 {k_gain(r3):+.3f} dB, round 4 {k_gain(r4):+.3f} dB -> unfreezing the "
      f"branches for 4,000 steps {'raised the gain' if k_gain(r4) - k_gain(r3) > MEASURABLE_DB else 'did not raise the gain'} (one seed)")
ships = all(b >= a for a, b in zip(r3["validation_psnr"], r4["validation_psnr"]))
print(f"Kodak: round 4 raised K = 1 by {r4['psnr'][0] - r3['psnr'][0]:+.2f} dB and K = 3 by {r4['psnr'][2] - r3['psnr'][2]:+.2f} dB; "
      f"the probe is {probe - r4['psnr'][2]:.2f} dB above round 4's K = 3 (round 3's: {probe - r3['psnr'][2]:.2f}), so "
      f"round 4's 4,000 more steps of every branch closed {100 * (1 - (probe - r4['psnr'][2]) / (probe - r3['psnr'][2])):.0f}% of the "
      f"gap the probe put on the branch structure (the probe had no such extra steps, so this bounds what the structure costs, "
      f"it does not split it); against round 4, branches 2 and 3 recover "
      f"{100 * (r4['psnr'][2] - r4['psnr'][0]) / (probe - r4['psnr'][0]):.0f}% of what a 64-channel decoder adds to branch 1")
shipped = "round 4" if "joint" in zoo.training_record("cbanet")["config"]["init"] else "round 3"
print(f"the rule picks {'round 4' if ships else 'round 3'} (no worse at any K); shipped: {shipped}")

# %% [markdown]
# **A higher base bitrate** (recipe `cbanet-top`, `RUNG=1` and `2`, not shipped). The paper's CBANet-HP is two models (sec. IV-A): four low bitrates on a 128-channel base at 0.77 bpp (λ = 2048), which ours (64 channels, 0.80 bpp) mirrors, and three high bitrates on a 192-channel base (λ = 8192), where it reads its +0.25 dB at 1.49 bpp; its text quotes no $K$ gain at the low-rate base. Section 4's last line shows our gain growing with the bitrate: would a base one or two rungs up, on the same narrow model, close the gap? (It moves our rate towards the paper's figure, not our width.) `cbanet-top-joint` puts round 4's CAM on `hyperprior-q6`'s frozen encoder, hyper networks and $z$ density (the trainer's `--init-over` copies them over round 4's weights), `cbanet-top2-joint` on `hyperprior-q7`'s, and each trains jointly as round 4 was, with the same budget as each other (the stage table above gives the steps; more than round 4's: if anything, the extra training favours the higher bases). Each base codes exactly its hyperprior's bits. Rule (validation photos, never Kodak; stated in each recipe before it ran, computed by `scripts/cbanet_rule.py`, which was written for rung 2): a higher base helps the branches when its gain from $K = 1$ to $3$ beats round 4's by more than `MEASURABLE_DB`; only then would its BAMs be fitted and it ship.

# %%
joint_lambda = lambda name: zoo.stage_runs(name, "joint")[0]["config"]["lmbda"]  # noqa: E731 - its base bitrate
fig7 = references.CBANET_FIG7_PSNR_AT_149_BPP
print(f"gain K = 1 -> 3 on the validation photos: round 4 (base lambda {joint_lambda('cbanet')}) {k_gain(r4):+.3f} dB")
tops = {"higher base (not shipped)": "cbanet-top-joint", "two rungs up (not shipped)": "cbanet-top2-joint"}
top_gains = {}
for label, name in tops.items():
    top = st["rounds"][label]
    base = Path(zoo.stage_runs(name, "joint")[0]["config"]["init_over"]).stem   # the hyperprior it stands on
    top_gains[name] = k_gain(top)
    helps = k_gain(top) - k_gain(r4) > MEASURABLE_DB
    own = fp16_means[base]
    print(f"{name} (base lambda {joint_lambda(name)}, {base}): validation {k_gain(top):+.3f} dB -> "
          f"{'raises' if helps else 'does not measurably raise'} the gain; Kodak at {top['bpp']:.3f} bpp ({base}: {own['bpp']:.3f}): "
          "K = 1 / 2 / 3 " + " / ".join(f"{v:.2f}" for v in top["psnr"])
          + f" dB (gain {top['psnr'][2] - top['psnr'][0]:+.2f}; paper {fig7[2] - fig7[0]:+.2f} at 1.49 bpp on its 192-channel "
          f"model); {base}'s own decoder {own['psnr']:.2f} dB")
steps = [k_gain(r4), *top_gains.values()]
print("validation gain at each base, lowest first: " + " -> ".join(f"{g:+.3f}" for g in steps) + " dB; each rung adds "
      + ", ".join(f"{b - a:+.3f}" for a, b in zip(steps, steps[1:])) + " dB"
      + (f": no rung adds MEASURABLE_DB ({MEASURABLE_DB} dB) or more, so at our branch widths a base up to "
         f"{st['rounds'][list(tops)[-1]]['bpp']:.2f} bpp on Kodak does not measurably raise the gain, which stays below the "
         f"paper's {fig7[2] - fig7[0]:+.2f} dB" if all(b - a < MEASURABLE_DB for a, b in zip(steps, steps[1:])) else ""))

# %% [markdown]
# ## 3. Choose K and j
#
# `BranchView` codes the photo at bitrate $j$ (the encoder's choice, written in the header) and decodes it with $K$ branches (the decoder's own choice: `python -m lic_lab decompress in.lic out.png --branches 1`). The FLOPs are counted by PyTorch's FLOP counter for the synthesis transform at this image's size.

# %%
from lic_lab.teaching.widgets import BranchView, branch_explorer
view = BranchView(model, x)
rows = []
for j in (1, 3, 5):
    for k in (1, 2, 3):
        v = view.update(j, k)["values"]
        rows.append({"bitrate j": j, "branches K": k, "bpp": v["bpp"], "PSNR": v["psnr"], "GFLOPs": v["gflops"],
                     "share of K=3": f"{100 * v['flops_share']:.0f}%"})
display(Markdown(viz.table(rows)))

# %% [markdown]
# *Run the notebook's cells, then this one, to get the live slider (a saved page, e.g. on GitHub, shows no widget).*

# %%
# NBVAL_IGNORE_OUTPUT
# (a live widget; its label shows decode times)
branch_explorer(view)

# %% [markdown]
# ### Try it: progressive training, live
#
# The shipped model's second branch trains for 20 more steps (4 crops of 64×64 from the embedded photos) with everything else frozen — the trainer's `stage` argument calls `configure_training`, which sets `requires_grad` as eq. 3's progressive training asks, at the base bitrate's λ, which the recipe's branch stages use. Only branch-2 tensors change, and the cell checks it. The loss is that of each batch of 4 random crops, so it jumps from batch to batch; 20 steps show which tensors train, not a trend:

# %%
from lic_lab.training.train import TrainConfig, train
extra = {k: model.config[k] for k in ("widths", "bitrates", "bam_hidden", "hyper_bam_hidden")}
branch_lambda = zoo.stage_runs("cbanet", "branch2")[0]["config"]["lmbda"]  # eq. 3 at R_b
cfg = TrainConfig(arch="cbanet_hp", extra=extra, stage="branch2", lmbda=branch_lambda, steps=20, batch=4, patch=64, lr=1e-4,
                  init=str(zoo.CHECKPOINT_DIR / "cbanet.pt"), name="demo-cbanet", save_every=0, log_every=5)
demo, record = train(cfg, progress=False, images=data.embedded_paths(), resume=False, log=lambda m: None)
before, after = model.state_dict(), demo.state_dict()
changed = sorted({".".join(k.split(".")[:3]) for k in before if not torch.equal(before[k], after[k])})
print("loss every 5 steps:", [round(c["loss"], 3) for c in record["train_curve"]])
print(f"lambda {branch_lambda}; tensors that changed belong to:", changed)
assert changed == ["g_s.branches.1"], changed  # eq. 3: only branch 2 trains
if FULL_TRAINING:
    from lic_lab.teaching.full_training import run_recipes
    run_recipes(["cbanet", "cbanet-long", "cbanet-joint"])

# %% [markdown]
# ## 4. The paper's results at lab scale
#
# ### 4.1 PSNR vs bpp for K = 1, 2, 3 against separately trained models (Fig. 7, Table II)
#
# The baseline is the scale-hyperprior family CBANet was built on (`zoo.built_on` reads it from the training chain): separately trained models, one 64-channel decoder each, of which `hyperprior-q1` … `q5` have CBANet's five λs. The same λ does not give the same rate, so the last line printed below compares them at equal bpp, through the family's curve; BD-rate averages the rate gap over the PSNR range both curves cover, BD-PSNR the PSNR gap over the rate range both cover; a positive BD-rate means CBANet needs more bits. The paper's Table II covers its seven bitrates from two base models, ours our five, all at or below our base bitrate: the range where the paper's curves also lose most (Fig. 7, observation 4). CBANet reuses `hyperprior-q5`'s encoder, so at bitrate 5 it differs only by its decoder. CBANet is stored in fp16 and the family in int8 (the first line printed says what int8 costs each of its models); so the baseline here is the family's fp16 weights, measured the same way (`zoo.fp16_family_means`), and the curves so labelled. Both training budgets are printed at the end of section 4.

# %%
curves = evaluate.kodak_curves(earlier=("hyperprior",))
base = zoo.built_on("cbanet", "hyperprior")  # the family its frozen encoder came from
# CBANet is stored in fp16, the family in int8: compare like with like, the family's fp16 weights
fp16, shipped = zoo.fp16_family_means(base), zoo.kodak_means(f"{base}-q")
ms = evaluate.kodak_curves("ms_ssim_db", earlier=("hyperprior",))
if fp16:
    cost = [fp16[n]["psnr"] - shipped[n]["psnr"] for n in fp16 if n in shipped]
    print(f"baseline: {base}, {len(fp16)} models in fp16, as CBANet is stored (their int8 storage costs "
          f"{min(cost):.3f} .. {max(cost):.3f} dB PSNR on Kodak)")
    anchor = f"{base} (fp16)"  # the baseline's curve
    curves[anchor], ms[anchor] = evaluate.fp16_family_curve(base), evaluate.fp16_family_curve(base, "ms_ssim_db")
else:
    anchor = base
    print(f"baseline: {base}, int8 weights as shipped (no fp16 measurements of it)")
cb = {f"CBANet K={k}": curves[f"cbanet K={k}"] for k in (1, 2, 3)}
fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
viz.rd_plot({anchor: curves[anchor], **cb, "JPEG 4:4:4": curves["jpeg"]},
            ax=axes[0], title="Kodak, PSNR")
viz.rd_plot({anchor: ms[anchor], **{f"CBANet K={k}": ms[f"cbanet K={k}"] for k in (1, 2, 3)}},
            metric="MS-SSIM (dB)", ax=axes[1], title="Kodak, MS-SSIM")
plt.tight_layout(); viz.save_figure(fig, "cbanet_rd.png"); plt.show()
paper = references.CBANET_TABLE2  # Table II: (BD-rate %, BD-PSNR dB) per K
flop_share = [st["flops"][f"K={k}"]["synthesis"] / st["flops"]["K=3"]["synthesis"] for k in (1, 2, 3)]
rows = []
for k in (1, 2, 3):
    r = evaluate.bd_table(curves, [f"cbanet K={k}"], [anchor])[0]
    rows.append({"decoder": f"K = {k} ({100 * flop_share[k - 1]:.0f}% of K = 3's FLOPs)", "BD-rate (%)": r["BD-rate (%)"], "BD-PSNR (dB)": r["BD-PSNR (dB)"],
                 "paper BD-rate (%)": paper[k][0], "paper BD-PSNR (dB)": paper[k][1]})
display(Markdown(viz.table(rows)))
by_j = [e for e in zoo.registry()["cbanet"]["kodak_settings"] if e["setting"].startswith("K=3")]
hp = [(fp16 or shipped)[f"{base}-q{j}"] for j in range(1, model.bitrates + 1)]  # the models at CBANet's lambdas
print("CBANet, K = 3, bitrates 1..5 (bpp, PSNR):", [(round(e["bpp"], 3), round(e["psnr"], 2)) for e in by_j])
print(f"{anchor}, q1..q{model.bitrates} (bpp, PSNR):", [(round(b["bpp"], 3), round(b["psnr"], 2)) for b in hp])
at_rate = evaluate.point_gaps([(e["bpp"], e["psnr"]) for e in by_j], curves[anchor])  # the baseline read at CBANet's rates
print("CBANet K = 3 minus the baseline family at equal rate, bitrates 1..5 (dB; — outside the family's rates):",
      [round(at_rate[e["bpp"]], 2) if e["bpp"] in at_rate else "—" for e in by_j])

# %% [markdown]
# ### 4.2 FLOPs and decode time per K (768×512)
#
# The paper: the 25% decoder needs 16.46 GFLOPs instead of 61.14 for the baseline, and on an Intel i5-7500 decodes a Kodak image in 205 / 392 / 630 ms (K = 1 / 2 / 3) against 633 ms for the baseline — 67.7% faster at 25%. Ours (FLOPs counted by PyTorch; times measured by `scripts/paper_studies.py` on this workplace's 2-core CPU):

# %%
paper_ms = references.CBANET_DECODE_MS
rows = []
for key in ("baseline", "K=1", "K=2", "K=3"):
    f = st["flops"][key]
    rows.append({"decoder": key, "synthesis GFLOPs": f["synthesis"] / 1e9, "share of baseline": f"{100 * f['synthesis'] / st['flops']['baseline']['synthesis']:.1f}%",
                 "decode ms, 1 thread": st["decode_ms"]["1 thread(s)"][key], "decode ms, 2 threads": st["decode_ms"]["2 thread(s)"][key],
                 "paper ms (i5-7500)": paper_ms[key]})
display(Markdown(viz.table(rows)))
t = st["decode_ms"]["1 thread(s)"]
print(f"K = 1 vs baseline, 1 thread: {100 * (1 - t['K=1'] / t['baseline']):.1f}% faster (paper: {references.CBANET_K1_FASTER_PERCENT}%)")
print(f"K = 3 / baseline decode time, 1 thread: {t['K=3'] / t['baseline']:.2f} at {st['flops']['K=3']['synthesis'] / st['flops']['baseline']['synthesis']:.2f}x "
      f"its synthesis FLOPs (paper: {paper_ms['K=3'] / paper_ms['baseline']:.2f})")

# %% [markdown]
# Decode time includes entropy decoding and the hyper decoder, which do not shrink with $K$; that is one reason time falls less than FLOPs. (The paper sees latency fall less than FLOPs too, and puts it down to "many factors (e.g., the type of CPUs)"; its K = 3 decodes in about the baseline's time, the line above prints ours.) Compare, in the table above, the three-branch decoder's time with the baseline's at the same FLOPs: three narrow branches make three passes over full-resolution feature maps, and narrow convolutions use the cores less well. FLOPs are a proxy for latency, not a measurement of it.
#
# ### 4.3 Storage (Table III), at the paper's size and at ours
#
# To serve three complexity levels without CBANet, one would store three baselines whose decoders match the three FLOP levels (the paper: 60, 88 and 128 channels). `complexity.storage_table` finds those widths by counting FLOPs and counts a model's decoder-side parameters (synthesis + hyper decoder + $z$ density); a BAM counts its BAL and IBAL. The paper's Table III counts one BAM as 0.17 M, which our count of its size matches for the pair on $y$ alone; its CBANet-HP also has a pair on $z$ (as ours), which its arithmetic leaves out, so the saving is printed both ways:

# %%
paper_size = complexity.storage_table(**references.CBANET_PAPER_SIZE)
lab = complexity.storage_table(64, 96, tuple(model.config["widths"]), model.config["bam_hidden"], model.config["hyper_bam_hidden"])
M_ = lambda n: f"{n / 1e6:.2f} M"
rows = []
for label, s_, ref in (("paper size (N=128, M=192)", paper_size, [M_(references.CBANET_TABLE3[k]) for k in ("baseline_one_level", "baseline_three_levels", "cbanet", "bam_y_only")]), ("lab size (N=64, M=96)", lab, None)):
    rows.append({"": label, "baseline, 1 level": M_(s_["baseline_one_level"]), "baseline widths": str(s_["baseline_widths"]),
                 "baseline, 3 levels": M_(s_["baseline_three_levels"]), "CBANet (3 levels)": M_(s_["cbanet"]),
                 "BAM per bitrate (y only / with z pair)": f"{M_(s_['bam_y_only'])} / {M_(s_['bam_per_bitrate'])}"})
    if ref:
        rows.append({"": "paper's Table III", "baseline, 1 level": ref[0], "baseline widths": "[60, 88, 128]",
                     "baseline, 3 levels": ref[1], "CBANet (3 levels)": ref[2], "BAM per bitrate (y only / with z pair)": ref[3]})
display(Markdown(viz.table(rows)))
for label, s_ in (("paper size", paper_size), ("lab size", lab)):
    sep = 4 * s_["baseline_three_levels"]
    y_only, with_z = (s_["cbanet"] + 3 * s_[key] for key in ("bam_y_only", "bam_per_bitrate"))
    print(f"{label}, 4 bitrates x 3 levels: separate models {M_(sep)}, CBANet {M_(y_only)} with BAMs on y only, as the paper counts "
          f"({100 * (1 - y_only / sep):.1f}% less; paper: {references.CBANET_STORAGE_SAVING_PERCENT}%), {M_(with_z)} with the z pairs "
          f"({100 * (1 - with_z / sep):.1f}% less)")

# %% [markdown]
# ### 4.4 The cost of a BAM
#
# The paper: the BAM takes 0.26 GFLOPs of 61.52 (0.42%) at the low bitrates. Ours at 768×512, counting the decoder side (IBAL on $y$ and on $z$, plus synthesis and hyper decoder):

# %%
paper_P = references.CBANET_PAPER_SIZE["bam_hidden"] / references.CBANET_PAPER_SIZE["M"]
print(f"BAM width P = {model.config['bam_hidden']} = {model.config['bam_hidden'] / model.M:.1f} M (paper: P = "
      f"{references.CBANET_PAPER_SIZE['bam_hidden']} = {paper_P:.1f} M)"
      + (": relative to the latent, ours is wider, so its share of the decoder's FLOPs is larger"
         if model.config["bam_hidden"] / model.M > paper_P else ""))
low, base_ = st["flops"]["K=3, bitrate 1 (with IBAL)"]["all"], st["flops"]["K=3"]["all"]
print(f"decoder at the base bitrate {base_ / 1e9:.2f} GFLOPs; at bitrate 1 {low / 1e9:.2f} GFLOPs: "
      f"the IBALs add {(low - base_) / 1e9:.3f} GFLOPs ({100 * (low - base_) / low:.2f}%; paper {references.CBANET_IBAL_FLOP_PERCENT}%)")

# %% [markdown]
# ### Summary

# %%
gaps = [evaluate.bd_table(curves, [f"cbanet K={k}"], [anchor])[0]["BD-PSNR (dB)"] for k in (1, 2, 3)]
storage_saving = 1 - (paper_size["cbanet"] + 3 * paper_size["bam_per_bitrate"]) / (4 * paper_size["baseline_three_levels"])  # z pairs counted
psnr_at = {e["setting"]: e["psnr"] for e in zoo.registry()["cbanet"]["kodak_settings"]}
top = [psnr_at[f"K={k}, rate {model.bitrates}"] for k in (1, 2, 3)]  # Kodak PSNR at the base bitrate
gain_by_rate = [psnr_at[f"K=3, rate {j}"] - psnr_at[f"K=1, rate {j}"] for j in range(1, model.bitrates + 1)]
fig7 = references.CBANET_FIG7_PSNR_AT_149_BPP
rises = [psnr_at[f"K={k + 1}, rate {j}"] - psnr_at[f"K={k}, rate {j}"] for j in range(1, model.bitrates + 1) for k in (1, 2)]
paper_bd = [paper[k][1] for k in (1, 2, 3)]  # Table II's BD-PSNR per K
read_gaps = {j: at_rate[e["bpp"]] for j, e in enumerate(by_j, 1) if e["bpp"] in at_rate}  # section 4.1's last line
summary = [
    {"claim": "K = 1 -> 3 gains at least the paper's figure (Fig. 7: K = 1 / 2 / 3 at 1.49 bpp, its 192-channel high-rate model; ours at our base bitrate)",
     "paper": " / ".join(f"{v:.2f}" for v in fig7) + f" dB ({fig7[2] - fig7[0]:+.2f})",
     "ours": " / ".join(f"{v:.2f}" for v in top) + f" dB ({top[2] - top[0]:+.2f}, base bitrate)",
     # rule: every added branch gains PSNR and K = 1 -> 3 gains at least the paper's difference
     "holds": top[1] > top[0] and top[2] > top[1] and top[2] - top[0] >= fig7[2] - fig7[0]},
    {"claim": "at every bitrate, PSNR rises with each added branch (Fig. 7, observation 3)", "paper": "stated for all bitrates",
     # rule: K = 2 above K = 1 and K = 3 above K = 2 at each of our bitrates (one model, the same bits: any positive step)
     "ours": f"smallest step up over bitrates 1 .. {model.bitrates}: {min(rises):+.3f} dB", "holds": min(rises) > 0},
    {"claim": "each added branch raises BD-PSNR against separate models (Table II)",
     "paper": f"{paper_bd[1] - paper_bd[0]:+.2f} / {paper_bd[2] - paper_bd[1]:+.2f} dB (K = 1 -> 2 / 2 -> 3)",
     # rule: both steps positive. K is the decoder's choice on one model and the same bits, so a step involves no
     # second training run and no run-to-run noise: any positive step is a gain (MEASURABLE_DB is for comparing runs)
     "ours": f"{gaps[1] - gaps[0]:+.2f} / {gaps[2] - gaps[1]:+.2f} dB", "holds": gaps[1] > gaps[0] and gaps[2] > gaps[1]},
    # rule: within 0.5 dB BD-PSNR of the separately trained family (the paper: 0.13 dB)
    {"claim": "K = 3 within 0.5 dB of separate models (Table II)", "paper": f"{references.CBANET_TABLE2[3][1]:+.2f} dB",
     "ours": f"{gaps[2]:+.2f} dB", "holds": gaps[2] > -0.5},
    {"claim": "the loss against separate models is largest at the lowest bitrate (Fig. 7, observation 4; the paper blames the BAM)",
     "paper": f"about {references.CBANET_FIG7_LOW_RATE_GAP[1]:.1f} dB at {references.CBANET_FIG7_LOW_RATE_GAP[0]} bpp",
     # rule: read at bitrate 1 and at least one other (where the family's curve reaches CBANet's rate), K = 3 falls
     # furthest below the family at bitrate 1; otherwise undecided
     "ours": (f"{min(read_gaps.values()):+.2f} dB at bitrate {min(read_gaps, key=read_gaps.get)} (of {sorted(read_gaps)})"
              if read_gaps else "no bitrate inside the family's rates"),
     "holds": min(read_gaps, key=read_gaps.get) == 1 if 1 in read_gaps and len(read_gaps) > 1 else "undecided"},
    {"claim": "FLOPs 25 / 50 / 100%", "paper": " / ".join(f"{v}%" for v in references.CBANET_FLOP_SHARES_PERCENT), "ours": " / ".join(f"{100 * s:.0f}%" for s in flop_share),
     # rule: each share within 3 points of the paper's
     "holds": all(abs(100 * f - v) < 3 for f, v in zip(flop_share, references.CBANET_FLOP_SHARES_PERCENT))},
    {"claim": "K = 1 decodes much faster than the baseline", "paper": f"{references.CBANET_K1_FASTER_PERCENT}% faster",
     "ours": f"{100 * (1 - t['K=1'] / t['baseline']):.0f}% faster (1 thread)", "holds": t["K=1"] < 0.8 * t["baseline"]},
    {"claim": "storage: one model + small BAMs saves over half (Table III)", "paper": f"{references.CBANET_STORAGE_SAVING_PERCENT}% less",
     "ours": f"{100 * storage_saving:.1f}% less (paper size, z pairs counted)", "holds": storage_saving > 0.5},
]
display(Markdown(viz.table(summary)))
print("PSNR gain from K = 1 to 3 at bitrates 1 .. 5 (Kodak, dB):", [round(g, 3) for g in gain_by_rate],
      "| grows with every step up in bitrate:", all(a < b for a, b in zip(gain_by_rate, gain_by_rate[1:])))

# %% [markdown]
# **What differs at lab scale, honestly.** The paper trains its CAM and each BAM for hundreds of thousands of iterations on 20,745 Flickr images; ours had the budget printed below (from the model cards), with branches 30 / 30 / 44 channels wide (60 / 60 / 88 in the authors' released code, halved like our 64-channel baseline; the paper's text gives the 25 / 50 / 100% FLOP split). Two things follow. First, branch 1 is a 30-channel decoder trained from scratch on a frozen encoder (8,000 steps, then 4,000 more with the other branches in round 4), while the baseline's 64-channel decoder trained with its encoder along a chain of tens of thousands; section 2.1's probe (a 64-channel decoder trained as branch 1) separates the two against round 3, and its round-4 lines say how much of that split was more training of the same branches. Second, the paper's claim that each branch adds quality is tested three times in the summary (the PSNR gain from K = 1 to 3 at the base bitrate, the step per branch at every bitrate, and BD-PSNR per K over all bitrates); sections 1 and 2 show what the branches learned (section 1 the learned $g_k$, section 2 the residuals $\tilde x_2$, $\tilde x_3$ and their mean amplitude). The summary table above says which directions hold; where one does not, our branches 2 and 3 add less detail than the paper's, and section 2.1's verdict line says whether more steps or the branch structure holds them back at our scale. The line under the summary shows how the gain from K = 1 to 3 changes with the bitrate: the paper measures it at a much higher rate and quality, on its wider, 192-channel high-rate model (the summary's first row, paper column), far above our base bitrate. The paper says why its gain is small at low rates (Fig. 7, observation 4, the summary's fifth row): far below the base bitrate the BAM is the bottleneck and the three decoders come out about equal. Whether ours shows the same pattern, the fifth row (where the loss is largest) and the line under the table (how the gain changes with the bitrate) say; our reading, not the paper's, is that a higher rate gives the extra branches more detail to draw, which section 2.1's higher bases test one and two rungs up, printing whether they raised the gain. The rate is not the whole story, though: at our base bitrate a wider decoder still adds the amount section 2.1 prints to branch 1, and branches 2 and 3 recover only the shares printed there (for round 3 and for round 4). What we did not rebuild: CBANet-AR (the context-model variant) and the "BAM without CAM" ablation (Fig. 11).

# %%
for family in ("cbanet", base):
    print(zoo.budget_line(family))

# %% [markdown]
# ## Exercises
#
# Compute each answer with code and set `answer_N`. The check cell prints *correct* or *not attempted yet*, and fails with a hint on a wrong answer; answers computed from data are checked to 1 part in 10⁵, so a rounded number copied from a printed table does not pass.
#
# 1. How many GFLOPs does CBANet's decoder (`view.model`) need with K = 2 branches for a 256×256 image? (a float; `lic_lab.evaluation.complexity` counts them)
# 2. From `lab` (the storage table at lab size): with n bitrates at all 3 complexity levels, CBANet stores itself plus one BAM (`lab["bam_per_bitrate"]`, the BAL and IBAL pairs on $y$ and $z$) for every bitrate but the base, against n sets of three baselines (`lab["baseline_three_levels"]`). What fraction of the separate models' storage does CBANet need as n grows without bound? (a float in [0, 1])
# 3. From `st["decode_ms"]["2 thread(s)"]`, how much faster (in percent) is K = 1 than the baseline with 2 threads? (a float)
#
# Solutions: `notebooks/solutions/06_branches_and_bam.md`.

# %%
answer_1 = None
answer_2 = None
answer_3 = None

# %%
check(1, answer_1, view.model, (256, 256), 2, book="06")
check(2, answer_2, lab, book="06")
check(3, answer_3, st["decode_ms"]["2 thread(s)"], book="06")

# %% [markdown]
# ## Write the code
#
# Each function below is an equation of this notebook. Replace `raise NotImplementedError` with your code and run the cell: the check calls your function on fresh random inputs and compares it with the right answer (`lic_lab`'s own code, or the variant's formula). A right answer prints *correct*; a wrong one fails the cell with a hint. Worked solutions: `notebooks/solutions/code_solutions.py` (try first).

# %%
from lic_lab.teaching.code_exercises import check_code

def bal(y, b):
    """Eq. 8: the bitrate adaptive layer; b = B(y) is the output of its small CNN."""
    raise NotImplementedError  # your code here


check_code("06.bal", bal)

# %%
def ibal(y, b):
    """Eq. 9: the inverse BAL on the decoder side; b is the output of the IBAL's own small CNN."""
    raise NotImplementedError  # your code here


check_code("06.ibal", ibal)

# %% [markdown]
# **Open experiment.** Decode one bitstream with K = 1, 2 and 3 (`model.decompress(data, branches=K)`), time each with 1 and 2 threads and compute the PSNR per K: is the complexity-quality trade-off worth it on your machine?
