"""Write the workbook notebooks (unexecuted) from the cells below.

Run `python scripts/make_notebooks.py` then execute with
`jupyter nbconvert --to notebook --execute --inplace notebooks/NN_name.ipynb`.
"""
import sys
from pathlib import Path

import nbformat as nbf

sys.path.insert(0, str(Path(__file__).resolve().parent))

MD, CODE = "md", "code"

CELLS = [
(MD, r"""# 01 · Foundations of learned image compression

**What you will learn**
- the rate–distortion objective that every learned codec minimises (eq. 5 of Hu et al., *Learning End-to-End Lossy Image Compression: A Benchmark*);
- why training cannot simply round, and what additive uniform noise and the straight-through estimator do instead;
- how a factorized prior and a hyperprior turn latents into probabilities, and how a real entropy coder turns probabilities into bytes;
- how to read rate–distortion curves and BD-rate, with our CPU-trained models beside JPEG, JPEG 2000, WebP and AVIF.

**Assumes** Python, a little PyTorch, and the idea of a probability distribution. No prior compression knowledge.

**Time** about 3 minutes to run top to bottom on 2 CPU cores; 60–90 minutes to study.

Everything below is computed by `lic_lab` from real bitstreams: each model was trained by `python -m lic_lab train` (see `scripts/train_zoo.sh` and the model cards in `lic_lab/zoo/checkpoints/`). The per-image demos use an embedded photo so this notebook runs anywhere; the Kodak numbers come from result files that `scripts/build_zoo.py` and `python -m lic_lab evaluate` wrote (a test re-derives them from the shipped checkpoints)."""),
(CODE, r"""# NBVAL_IGNORE_OUTPUT
# (this cell prints the device, which differs between machines)
%matplotlib inline
import torch, numpy as np, matplotlib.pyplot as plt
from IPython.display import Markdown, display

import lic_lab
from lic_lab import data, zoo
from lic_lab.evaluation import metrics, evaluate, references
from lic_lab.teaching import viz, analysis
from lic_lab.teaching.exercises import check

FULL_TRAINING = False   # <- switch: True re-trains the whole zoo (about 2 CPU-hours); False uses the shipped checkpoints
lic_lab.seed_everything(0)
torch.set_num_threads(2)
print("device:", lic_lab.device())"""),
(MD, r"""## 1. Transform coding and the rate–distortion objective

A learned codec is a transform code (benchmark paper, eqs. 1–2): an analysis transform $g_a$ maps the image $\mathbf{x}$ to a latent $\mathbf{y}=g_a(\mathbf{x})$, which is quantized to $\hat{\mathbf{y}}=Q(\mathbf{y})$ and entropy-coded; a synthesis transform reconstructs $\hat{\mathbf{x}}=g_s(\hat{\mathbf{y}})$.

The **rate** is the cross-entropy between the true distribution of $\hat{\mathbf{y}}$ and the model $q$ the coder uses (eq. 4):
$$R = \mathbb{E}_{\mathbf{y}\sim p}\left[-\log_2 q(\hat{\mathbf{y}})\right],$$
and training minimises (eq. 5) $\;R + \lambda D\;$ with $D$ the distortion. In `lic_lab.training.losses.rd_loss`, $D = 255^2\cdot\mathrm{MSE}$ and the rate is in bits per pixel, so $\lambda$ matches the values CompressAI and the papers quote (0.0018 … 0.0483). Each $\lambda$ gives one model and one point on the RD curve.

Our photo, and the latent $\mathbf{y}$ of the shipped scale hyperprior (`hyperprior-q3`, $\lambda = 0.0067$):"""),
(CODE, r"""name, paths = "embedded", data.embedded_paths()
x = data.read_image(paths[0])            # 256 x 384 photo shipped with lic_lab (not used for training)
hp = zoo.load_model("hyperprior-q3")
fp = zoo.load_model("factorized-q3")
out = analysis.latents(hp, x)
y = out["y"]
print(f"image {tuple(x.shape)} -> latent y {tuple(y.shape)}: {y.numel() / x.numel():.3f} values per input value")
energy = y.pow(2).mean(dim=(0, 2, 3))
top = energy.argsort(descending=True)[:16].tolist()
fig = viz.channel_grid(y, top, cols=8); fig.suptitle("the 16 highest-energy channels of y", y=1.02); plt.show()"""),
(MD, r"""## 2. Quantization and its training-time proxies

Rounding has zero gradient almost everywhere, so training replaces it (benchmark paper sec. 3; `lic_lab.quantization.proxies`):

| proxy | forward | backward | used for |
|---|---|---|---|
| additive uniform noise | $\tilde y = y + u,\ u\sim\mathcal{U}(-\tfrac12,\tfrac12)$ | identity | the rate term: the density of $y+u$ equals the probability *mass* of the rounded value, so the estimate stays honest |
| straight-through (STE) | $\mathrm{round}(y)$ | identity | the decoder input: it trains on exactly what it will see |
| rounding | $\mathrm{round}(y)$ | 0 | the real codec |

Our models train with noise for the rate and STE for the decoder (`quant_mode="mixed"`). The *train/test mismatch* is the difference between what training saw and what the codec does:"""),
(CODE, r"""qm = analysis.quantization_mismatch(hp, x)
v = qm["versions"]; centre = out["y"]
fig, axes = plt.subplots(1, 3, figsize=(13, 3))
axes[0].hist(centre.flatten().numpy(), bins=np.arange(-6, 6.05, 0.05), color="#444")
axes[0].set_title("y (continuous)")
axes[1].hist(v["noise"].flatten().numpy(), bins=np.arange(-6, 6.05, 0.05), alpha=.6, label="y + u (training)")
axes[1].hist(v["round"].flatten().numpy(), bins=np.arange(-6, 6.05, 0.05), alpha=.6, label="round(y) (codec)")
axes[1].set_yscale("log"); axes[1].legend(fontsize=8); axes[1].set_title("what the rate term sees")
axes[2].hist((v["noise"] - v["round"]).flatten().numpy(), bins=60, color="#d62728")
axes[2].set_title("mismatch (y + u) - round(y)")
plt.tight_layout(); plt.show()
display(Markdown(viz.table([{"proxy": k, "decoded PSNR (dB)": round(qm["psnr"][k], 2), "estimated bpp": round(qm["bpp"][k], 3)}
                            for k in ("noise", "ste", "round")])))"""),
(MD, r"""Two things to notice. The rounded latent is mostly zeros (the spike), which is where the bits are saved. And decoding the *noisy* latent is worse than decoding the rounded one: noise is a pessimistic stand-in for rounding in the decoder, which is why the decoder is trained with STE.

## 3. Entropy models: factorized prior vs hyperprior

- **Factorized prior** (Ballé et al. 2017): one learned density per channel, the same at every position (`lic_lab.entropy.FactorizedDensity`, Ballé 2018 appendix 6.1). It cannot know that a sky region is flat and a tree is busy.
- **Scale hyperprior** (Ballé et al. 2018): a second autoencoder computes side information $\mathbf{z}=h_a(|\mathbf{y}|)$, codes it with a factorized density, and predicts a scale $\sigma$ for every element of $\mathbf{y}$: $q(\hat y_i\mid\hat{\mathbf z}) = \Phi\big(\tfrac{\hat y_i+1/2}{\sigma_i}\big)-\Phi\big(\tfrac{\hat y_i-1/2}{\sigma_i}\big)$ (`lic_lab.entropy.GaussianConditional`).

The hyperprior's predicted scales follow the image structure — compare them with $|\mathbf{y}|$ for the channel with the most energy:"""),
(CODE, r"""c = top[0]
fig = viz.show_images([out["y"][0, c].abs(), out["scales"][0, c]], [f"|y| channel {c}", f"predicted scale sigma, channel {c}"],
                      cmap="viridis", width=4.5)
plt.show()
reports = {m.name: analysis.coding_report(m, x) for m in (fp, hp)}
rows = []
for r in reports.values():
    parts = ", ".join(f"{k}: {v:.3f}" for k, v in r["bpp_est_parts"].items())
    rows.append({"model": r["model"], "estimated bpp": round(r["bpp_est"], 4), "(per latent)": parts,
                 "real bpp": round(r["bpp"], 4), "PSNR (dB)": round(r["psnr"], 2), "bit-exact": r["bit_exact"]})
display(Markdown(viz.table(rows)))"""),
(MD, r"""## 4. Real entropy coding: from probabilities to bytes

An entropy coder turns a sequence of symbols and their model probabilities into about $\sum -\log_2 q$ bits. `lic_lab.entropy.coder` uses the ANS coder of [constriction](https://bamler-lab.github.io/constriction/): symbols that share a distribution (one channel of the factorized density, or one entry of the hyperprior's scale table) are coded together; values outside a table's range take an escape code, so *every* integer round-trips exactly.

The file is self-describing (`lic_lab.bitstream`): magic, format version, model name, setting, image size, section lengths, the sections ($\mathbf z$ then $\mathbf y$), and a CRC-32. Here are the bytes of our photo:"""),
(CODE, r"""from lic_lab.bitstream import Bitstream
blob = reports["hyperprior-q3"]["data"]
print(" ".join(f"{b:02x}" for b in blob[:40]), "...")
s = Bitstream.from_bytes(blob)
print(f"magic LICL, model {s.model!r}, setting {s.setting:g}, size {s.width}x{s.height}, "
      f"sections (z, y) = {[len(p) for p in s.sections]} bytes, total {len(blob)} bytes")
x_hat = hp.decompress(blob)
coded = analysis.latents(hp, x, coding=True)  # the forward pass as the codec runs it (lic_lab.entropy.fixed_point)
print("decoded equals the model's own forward pass:", torch.equal(x_hat, coded["x_hat"].float()))
print(f"header + CRC: {len(blob) - sum(len(p) for p in s.sections)} bytes")"""),
(MD, r"""The header and CRC (their size is printed above) are why a tiny image's real size sits a little above its estimate; on a 768×512 Kodak image the overhead is far smaller (section 7). The codec computes the hyperprior's scales on an exact fixed-point grid (`lic_lab/entropy/fixed_point.py`), so a file decodes to the same image whatever the thread count or device; the forward pass it matches is the one run the same way.

## 5. Training, live

A short, seeded run of a tiny scale hyperprior (N = 16, M = 24) on the embedded photos, with the same trainer the zoo used (`lic_lab.training.train.train`). It takes a few seconds; the loss falls, but a real model needs thousands of steps (the zoo's checkpoints took 0.3–1 CPU-thread-hours per family; see their model cards). Set `FULL_TRAINING = True` at the top to re-train the zoo with the shipped recipe."""),
(CODE, r"""from lic_lab.training.train import TrainConfig, train
cfg = TrainConfig(arch="scale_hyperprior", N=16, M=24, lmbda=0.0067, steps=150, batch=4, patch=64, lr=2e-3,
                  name="live-demo", log_every=10, save_every=0, val_every=10**9)
tiny, record = train(cfg, progress=False, images=data.embedded_paths(), resume=False)
curve = record["train_curve"]
viz.training_curves(curve, {"loss": "loss = bpp + lambda 255^2 MSE", "bpp": "estimated bpp (training batch)"})
plt.show()
assert curve[-1]["loss"] < curve[0]["loss"]
if FULL_TRAINING:
    import subprocess
    for family in ("hyperprior", "factorized", "meanscale"):
        subprocess.run(["bash", "../scripts/train_zoo.sh", family], check=True)"""),
(MD, r"""## 6. The shipped models

Every model below was trained on the 46 training photos of the data root (3 held out for validation), never on Kodak, by the command in its model card. The middle rate of each family was trained from scratch; each other rate was fine-tuned from its neighbour (CPU time is the scarce resource)."""),
(CODE, r"""rows = []
FOUNDATION = ("factorized", "hyperprior", "meanscale")   # the later notebooks' models are shown there
for n, e in sorted(zoo.registry().items(), key=lambda kv: (kv[1]["family"], kv[1]["quality"])):
    if e["family"] not in FOUNDATION:
        continue
    k = e["kodak"]
    rows.append({"model": n, "lambda": e["lmbda"], "params": f"{e['params']:,}", "steps": e["training"]["steps"],
                 "steps from scratch": zoo.chain_steps(zoo.training_record(n)),
                 "init": (e["training"]["init"] or "scratch").split("/")[-1],
                 "Kodak bpp (real)": round(k["bpp"], 4), "estimate": round(k["bpp_est"], 4),
                 "PSNR": round(k["psnr"], 2), "MS-SSIM (dB)": round(k["ms_ssim_db"], 2)})
display(Markdown(viz.table(rows)))"""),
(MD, r"""## 7. Real bytes vs the entropy estimate, on Kodak

Over all 24 Kodak images, how far are the real bytes from the model's cross-entropy? Two answers: the entropy-coded sections alone (what the coder adds: 32-bit word alignment of the ANS stream, a 16-bit end marker per section that catches damaged or mismatched data, the snapping of predicted scales to a 256-entry table, probabilities quantized to 24 bits), and the whole file (adding the 40-byte header and CRC that make it self-describing). CompressAI reports 0.14–0.26 % for its models. Every image also decoded back to exactly the model's own forward pass."""),
(CODE, r"""rows = []
for n, e in sorted(zoo.registry().items()):
    if e["family"] not in FOUNDATION:
        continue
    res = evaluate.load_results(zoo.ZOO_DIR / "results" / f"{n}.json")[0]
    real = sum(r["bytes"] for r in res["images"]) * 8
    est = sum(r["bpp_est"] * 8 * r["bytes"] / r["bpp"] for r in res["images"])  # bpp x pixels
    payload = sum(r["payload_bytes"] for r in res["images"]) * 8
    rows.append({"model": n, "estimated bits": int(round(est)), "entropy-coded bits": payload,
                 "coding overhead (%)": round(100 * (payload / est - 1), 3),
                 "file bits (with header + CRC)": real, "file overhead (%)": round(100 * (real / est - 1), 3),
                 "bit-exact images": sum(r["roundtrip_max_abs"] == 0 for r in res["images"])})
display(Markdown(viz.table(rows)))"""),
(MD, r"""## 8. Rate–distortion curves and BD-rate against classical codecs

Classical codecs through Pillow on the same 24 Kodak images (`lic_lab.evaluation.codecs`): JPEG 4:4:4, JPEG 2000 with the irreversible 9/7 wavelet, WebP (method 6) and AVIF 4:4:4 (speed 4). The dashed line is the GPU-trained reference hyperprior of CompressAI (Ballé 2018 at full width, trained for days); ours is a 1.3 M-parameter model trained for under an hour on 2 CPU cores."""),
(CODE, r"""curves = evaluate.kodak_curves("psnr", families=FOUNDATION)
curves["reference hyperprior (CompressAI, GPU)"] = references.COMPRESSAI_HYPERPRIOR
fig, axes = plt.subplots(1, 2, figsize=(13, 4.4))
viz.rd_plot(curves, "PSNR (dB)", ax=axes[0], title="Kodak, PSNR")
ms = evaluate.kodak_curves("ms_ssim_db", families=FOUNDATION)
viz.rd_plot(ms, "MS-SSIM (dB)", ax=axes[1], title="Kodak, MS-SSIM")
for a in axes: a.set_xlim(0, 2.0)
axes[0].set_ylim(22, 40)
viz.save_figure(fig, "rd_kodak.png"); plt.show()"""),
(CODE, r"""learned = [f for f in ("factorized", "hyperprior", "meanscale") if f in curves]
rows = evaluate.bd_table(curves, learned, ["jpeg", "jpeg2000", "webp", "avif"])
display(Markdown(viz.table([{k: (round(v, 2) if isinstance(v, float) else v) for k, v in r.items()} for r in rows])))
paper = {m: round(references.paper_saving_vs_jpeg(m), 1) for m in ("ICLR18-Factorized", "ICLR18-HyperPrior")}
print("paper (Table 7, Kodak, median range) BD-rate vs JPEG, through the BPG anchor:", paper)"""),
(CODE, r"""ours = metrics.bd_rate(*curves["factorized"], *curves["hyperprior"])
paper = 100 * ((1 + references.BENCHMARK_TABLE7_KODAK["ICLR18-HyperPrior"]["full"] / 100)
               / (1 + references.BENCHMARK_TABLE7_KODAK["ICLR18-Factorized"]["full"] / 100) - 1)
print(f"hyperprior vs factorized, BD-rate on Kodak: ours {ours:+.1f}%, paper (Table 7, full range, via BPG) {paper:+.1f}%")"""),
(MD, r"""**Reading the tables.** Negative BD-rate = fewer bits for the same PSNR. BD-rate uses PCHIP interpolation over the PSNR range both curves cover (`lic_lab.evaluation.metrics.bd_rate`, tested against published values).

**Where lab scale differs, honestly.** The paper's Table 7 puts the full-size hyperprior about 52% below JPEG and about 22% below the factorized prior. Our models are 4–6 times narrower (N = 64, M = 96 instead of 128/192 or 192/320) and were trained for 6,000–14,000 steps of batch 8 on 46 photos on 2 CPU cores (under an hour per family), where the papers train for days on GPUs with hundreds of thousands of images. At this budget both of our models beat JPEG (4:4:4) but lose to JPEG 2000, WebP and AVIF, and the hyperprior has not yet pulled away from the factorized prior (the line printed above): its extra networks (h_a, h_s) converge more slowly, and side information only pays off once the transforms are good. The mean-scale model (Minnen et al.: the hyperprior also predicts a mean) was warm-started from the hyperprior's transforms and trained after we fixed a gradient trap in the scale bound (see `lic_lab.entropy.gaussian.lower_bound`); compare its rows with the other two. The dashed CompressAI curve shows where the same architecture goes with full training. Set `FULL_TRAINING` (or train longer with `python -m lic_lab train --init ...`) to move our curves towards it.

## 9. Explore: a slider over the shipped rates

Drag the rate index: the image is compressed and decompressed *for real* at each position (on the GPU if there is one). The static figure below is the same function at the middle rate, so the page shows something on GitHub too."""),
(CODE, r"""from lic_lab.teaching.widgets import render_rate, rate_slider
family = [zoo.load_model(n) for n in zoo.family_members("hyperprior")]
fig, values = render_rate(family, x, len(family) // 2)
plt.show()"""),
(CODE, r"""# NBVAL_IGNORE_OUTPUT
# (a live widget: its output is interactive)
rate_slider(family, x)"""),
(MD, r"""## 10. Exercises

Set each `answer_N`, then run the check cell. Worked solutions: `notebooks/solutions/01_foundations.md`.

1. A bitstream of 12,288 bytes codes a 768×512 image. How many bits per pixel is that?
2. The hyperprior predicts $\sigma = 0.5$ and mean 0 for an element. What probability does the model give the symbol 0?
3. Using `curves` from section 8, compute the BD-rate (%) of our `hyperprior` family against `webp`.
4. Which training proxy feeds the decoder exactly what it will see at test time? (a string)"""),
(CODE, r"""answer_1 = None
answer_2 = None
answer_3 = None
answer_4 = None"""),
(CODE, r"""check(1, answer_1, 12288, 512, 768)
check(2, answer_2, 0.5)
check(3, answer_3, curves["webp"], curves["hyperprior"])
check(4, answer_4)"""),
(MD, r"""## What's next
- `02` — the GMM quantizer and channel-level variable quantization (CVQN): more levels for the channels that matter.
- `03` — channel ablation: which latent channels matter, measured.
- `04` — importance maps and trimmed convolutions (CWIC), `05` — gain units (AG-VAE), `06` — branches and BAM (CBANet).

See the README for the map of the workbook."""),
]


CELLS_03 = [
(MD, r"""# 03 · Channel ablation: which latent channels matter?

**What you will learn**
- to look at a learned latent as a stack of channel images;
- the experiment behind two papers: zero one channel of the quantized latent, decode, and measure the loss (CVQN sec. 2 and Fig. 1; AG-VAE sec. 3.1 and Fig. 2);
- whether the channels that cost the most bits are the ones that matter most, and whether the ranking holds across images;
- what this motivates: more quantization levels for important channels (CVQN, notebook 02) and per-channel gains (AG-VAE, notebook 05).

**Assumes** notebook 01 (latents, quantization, the hyperprior).

**Time** about 2 minutes to run on 2 CPU cores; 45 minutes to study.

The functions are in `lic_lab.teaching.channels` and work on any model of the workbook that has a latent $\mathbf y$; every ablation of an image is decoded in batches."""),
(CODE, r"""# NBVAL_IGNORE_OUTPUT
# (this cell prints the device, which differs between machines)
%matplotlib inline
import numpy as np, torch, matplotlib.pyplot as plt
from IPython.display import Markdown, display
import lic_lab
from lic_lab import data, zoo
from lic_lab.teaching import viz, channels
from lic_lab.teaching.exercises import check
lic_lab.seed_everything(0)
torch.set_num_threads(2)
print("device:", lic_lab.device())"""),
(MD, r"""## 1. The latent channels as images

The shipped scale hyperprior `hyperprior-q3` (M = 96 channels) on the embedded photo. Some channels look like a blurred copy of the image (low frequencies), others like edges or noise, and many are almost empty after rounding."""),
(CODE, r"""model = zoo.load_model("hyperprior-q3")
x = data.read_image(data.embedded_paths()[0])
from lic_lab.models import latents
out = latents(model, x)
y_hat = out["y_hat"]
nonzero = (y_hat[0] != 0).float().mean(dim=(1, 2))
print(f"y_hat: {tuple(y_hat.shape)}; channels with any non-zero symbol: {(nonzero > 0).sum().item()} of {y_hat.shape[1]}")
fig = viz.channel_grid(y_hat, cols=12); plt.show()"""),
(MD, r"""## 2. Ablation: remove one channel at a time

CVQN (Fig. 1) sets one channel of the quantized feature map to zero, decodes, and plots the PSNR loss and the MS-SSIM loss in dB, $-10\log_{10}(1-\text{MS-SSIM})$. The paper reports that a few channels carry most of the reconstruction and that "this phenomenon appears on all images". Here is the same experiment on our model:"""),
(CODE, r"""abl = channels.ablate_channels(model, x)
fig, axes = plt.subplots(2, 2, figsize=(13, 6))
axes[0, 0].bar(abl.channels, abl.psnr_loss, color="#3182bd"); axes[0, 0].set_title("PSNR loss per channel (dB)")
axes[0, 1].bar(abl.channels, abl.ms_ssim_loss_db, color="#e6550d"); axes[0, 1].set_title("MS-SSIM loss per channel (dB)")
order = np.argsort(-abl.psnr_loss)
axes[1, 0].bar(range(len(order)), abl.psnr_loss[order], color="#3182bd"); axes[1, 0].set_title("PSNR loss, sorted")
axes[1, 1].bar(range(len(order)), np.sort(abl.ms_ssim_loss_db)[::-1], color="#e6550d"); axes[1, 1].set_title("MS-SSIM loss (dB), sorted")
axes[1, 0].set_xlabel("rank"); axes[1, 1].set_xlabel("rank"); axes[0, 0].set_xlabel("channel"); axes[0, 1].set_xlabel("channel")
plt.tight_layout(); viz.save_figure(fig, "channel_ablation.png"); plt.show()
top = abl.ranking()[:5]
print("full decode:", round(abl.base_psnr, 2), "dB; most important channels:", top.tolist())
print("their PSNR losses (dB):", np.round(abl.psnr_loss[top], 2).tolist())
print("channels holding half of the total PSNR loss:", channels.channels_for_share(abl.psnr_loss, 0.5), "of", len(abl.channels))
together = channels.ablate_set(model, x, top)
print(f"removing those 5 together: {together['psnr']:.2f} dB ({together['psnr_loss']:.2f} dB lost); "
      f"the sum of their single losses is {abl.psnr_loss[top].sum():.2f} dB")"""),
(MD, r"""AG-VAE (Fig. 2 right) then *scales* the most damaging channel by a factor instead of removing it: quality falls smoothly as the factor shrinks, which is what makes a per-channel gain a rate–distortion knob."""),
(CODE, r"""factors = np.round(np.linspace(0, 1.5, 16), 2)
sweep = channels.scale_sweep(model, x, int(top[0]), factors)
fig, ax = plt.subplots(figsize=(6, 3.2))
ax.plot(factors, sweep, marker="o"); ax.axvline(1.0, color="grey", ls=":")
ax.set_xlabel(f"scale factor of channel {int(top[0])}"); ax.set_ylabel("PSNR (dB)"); ax.grid(alpha=.3)
plt.show()
print("PSNR at factor 0, 0.5, 1.0:", [round(float(sweep[list(factors).index(f)]), 2) for f in (0.0, 0.5, 1.0)])"""),
(MD, r"""## 3. Bits vs importance

The entropy model says how many bits each channel costs (`channels.channel_bits`: the sum of $-\log_2 q(\hat y)$ over the channel). Do the expensive channels matter most?"""),
(CODE, r"""bits = channels.channel_bits(model, x)
rho = channels.spearman(bits, abl.psnr_loss)
fig, ax = plt.subplots(figsize=(6, 4))
ax.scatter(bits, abl.psnr_loss, s=14)
for c in top[:3]:
    ax.annotate(str(int(c)), (bits[c], abl.psnr_loss[c]), fontsize=8)
ax.set_xscale("symlog", linthresh=10); ax.set_xlabel("bits spent on the channel"); ax.set_ylabel("PSNR loss when removed (dB)")
ax.grid(alpha=.3); plt.show()
share = bits[top].sum() / bits.sum()
print(f"Spearman rank correlation, bits vs PSNR loss: {rho:.2f}")
print(f"the 5 most important channels cost {100 * share:.1f}% of the bits of y")"""),
(MD, r"""## 4. Is the ranking stable across images?

CVQN says the phenomenon "appears on all images". We measure it: the ablation on every image of a set, then the mean pairwise Spearman correlation of the per-channel losses and the overlap of the top-10 sets. With the data root configured this runs on 256×256 centre crops of every second Kodak image (12 images; crops keep it well under a minute on a CPU — `python scripts/benchmark.py` runs all 24 at full size); otherwise on the embedded photos. Its output depends on which data this machine has, so nbval does not compare it."""),
(CODE, r"""# NBVAL_IGNORE_OUTPUT
# (the numbers depend on whether Kodak is configured on this machine)
name, paths = data.evaluation_paths()
images = [data.centre_crop(data.read_image(p), 256) for p in (paths[::2] if name == "kodak" else paths)]
stab = channels.importance_stability(model, images, k=10)
print(f"{name}: {len(images)} images; mean pairwise Spearman {stab.mean_spearman:.2f} (min {stab.min_spearman:.2f}); "
      f"top-10 overlap {100 * stab.top_overlap:.0f}%")
mean_rank = stab.mean_ranking()[:10]
print("most important channels on average:", mean_rank.tolist())
fig, ax = plt.subplots(figsize=(12, 3))
im = ax.imshow(stab.losses[:, stab.mean_ranking()], aspect="auto", cmap="viridis")
ax.set_xlabel("channel (sorted by mean importance)"); ax.set_ylabel("image"); fig.colorbar(im, ax=ax, label="PSNR loss (dB)")
plt.show()"""),
(MD, r"""## 5. Explore

Pick a channel and a scale factor: the left panel is the channel, the middle the image decoded with that channel scaled (0 removes it), the right what changed. The static figure below is the most important channel removed."""),
(CODE, r"""from lic_lab.teaching.widgets import render_channel, channel_explorer
fig, v = render_channel(model, x, int(top[0]), 0.0)
plt.show()"""),
(CODE, r"""# NBVAL_IGNORE_OUTPUT
# (a live widget: its output is interactive)
channel_explorer(model, x, int(top[0]))"""),
(MD, r"""## 6. What this motivates

- **Uneven importance → uneven quantization (CVQN, notebook 02).** If a handful of channels hold most of the loss, a codec can give them finer quantization and the rest coarser. CVQN sorts channels by importance and quantizes the least important 25% with 3 levels, the middle 50% with 5 and the top 25% with 7.
- **Smooth response to scaling → gain units (AG-VAE, notebook 05).** If quality rises smoothly as a channel is scaled up towards its trained size, then a learned per-channel gain before rounding is a rate–distortion knob; AG-VAE learns one gain vector per rate and interpolates between them for a continuous rate.
- **Bits vs importance.** A high rank correlation in section 3 means the entropy model already spends its bits where they matter; what it cannot change is that every channel is rounded with the *same* step — which is exactly what both papers change.

The numbers from this notebook behind each pointer:"""),
(CODE, r"""n = len(abl.channels)
print(f"share of the total PSNR loss held by the top 10% of channels: "
      f"{100 * np.sort(abl.psnr_loss)[::-1][: n // 10].sum() / abl.psnr_loss.clip(0).sum():.0f}%")
print("channels holding half the loss:", channels.channels_for_share(abl.psnr_loss, 0.5), "of", n)
print("PSNR rises monotonically as the top channel is scaled from 0 to 1:",
      bool(np.all(np.diff(sweep[factors <= 1]) >= 0)))
print(f"bits vs importance, Spearman: {rho:.2f}")"""),
(MD, r"""## Exercises

1. How many channels hold half of the total PSNR loss on the photo? (use `abl`)
2. Which channel is the most important on the photo? (an int)
3. In section 2's scale sweep, what is the smallest scale factor at which PSNR comes within 1 dB of the full decode? (a float from `factors`)

Solutions: `notebooks/solutions/03_channel_ablation.md`."""),
(CODE, r"""answer_1 = None
answer_2 = None
answer_3 = None"""),
(CODE, r"""check(1, answer_1, abl, book="03")
check(2, answer_2, abl, book="03")
check(3, answer_3, factors, sweep, abl.base_psnr, book="03")"""),
]


from notebook_cells.benchmark import CELLS_07  # noqa: E402
from notebook_cells.branches import CELLS_06  # noqa: E402
from notebook_cells.cvqn import CELLS_02  # noqa: E402
from notebook_cells.cwic import CELLS_04  # noqa: E402
from notebook_cells.gain_units import CELLS_05  # noqa: E402

NOTEBOOKS = {"01_foundations.ipynb": CELLS, "02_gmm_quantizer_cvqn.ipynb": CELLS_02, "03_channel_ablation.ipynb": CELLS_03,
             "04_importance_map_trimmed_conv.ipynb": CELLS_04,
             "05_gain_units.ipynb": CELLS_05, "06_branches_and_bam.ipynb": CELLS_06, "07_benchmark_coarse_to_fine.ipynb": CELLS_07}


def build(cells) -> nbf.NotebookNode:
    nb = nbf.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbf.v4.new_markdown_cell(src) if kind == MD else nbf.v4.new_code_cell(src) for kind, src in cells]
    return nb


if __name__ == "__main__":
    import sys

    for name, cells in NOTEBOOKS.items():
        if len(sys.argv) > 1 and name not in sys.argv[1:]:
            continue
        out = Path(__file__).resolve().parents[1] / "notebooks" / name
        nbf.write(build(cells), out)
        print(out)
