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
# # 01 · Foundations of learned image compression
#
# **What you will learn**
# - the rate–distortion objective that every learned codec minimises (eq. 5 of Hu et al., *Learning End-to-End Lossy Image Compression: A Benchmark*, TPAMI, [arXiv:2002.03711](https://arxiv.org/abs/2002.03711));
# - why training cannot simply round, and what additive uniform noise and the straight-through estimator do instead;
# - how a factorized prior and a hyperprior turn latents into probabilities, and how a real entropy coder turns probabilities into bytes;
# - how to read rate–distortion curves and BD-rate, with our CPU-trained models beside JPEG, JPEG 2000, WebP and AVIF.
#
# **Assumes** Python, a little PyTorch, and the idea of a probability distribution. No prior compression knowledge.
#
# **Time** 60–90 minutes to study; the first code cell prints how long the notebook took to run top to bottom when it was last executed.
#
# Everything below is computed by `lic_lab` from real bitstreams: each model was trained by `python -m lic_lab train` (see `scripts/train_zoo.sh` and the model cards in `lic_lab/zoo/checkpoints/`). The per-image demos use an embedded photo so this notebook runs anywhere; the Kodak numbers come from result files that `scripts/build_zoo.py` and `python -m lic_lab evaluate` wrote (a test re-derives them from the shipped checkpoints).

# %%
# NBVAL_IGNORE_OUTPUT
# (this cell prints the device and the last run time, which differ between machines)
# %matplotlib inline
import torch, numpy as np, matplotlib.pyplot as plt
from IPython.display import Markdown, display

import lic_lab
from lic_lab import data, zoo
from lic_lab.evaluation import metrics, evaluate, references
from lic_lab.teaching import viz, analysis, timings, ablation
from lic_lab.teaching.exercises import check

FULL_TRAINING = False   # <- switch: True re-runs the first chain of each foundation family, q1 to q6 (many CPU-hours: each model card gives its wall time; the ends q0 / q7 and the later long segments are further recipes, named in the model cards). In a checkout as shipped every stage is finished and skipped: move data/training/ aside first. Without a data root it first downloads the public training set
lic_lab.seed_everything(0)
torch.set_num_threads(2)
print("device:", lic_lab.device())
print(timings.run_time_line("01_foundations"))

# %% [markdown]
# ## 1. Transform coding and the rate–distortion objective
#
# A learned codec is a transform code (benchmark paper, eqs. 1–2): an analysis transform $g_a$ maps the image $\mathbf{x}$ to a latent $\mathbf{y}=g_a(\mathbf{x})$, which is quantized to $\hat{\mathbf{y}}=Q(\mathbf{y})$ and entropy-coded; a synthesis transform reconstructs $\hat{\mathbf{x}}=g_s(\hat{\mathbf{y}})$.
#
# The **rate** is the cross-entropy between the true distribution of $\hat{\mathbf{y}}$ and the model $q$ the coder uses (eq. 4, where the paper's $\mathbf y$ is already the quantized latent):
# $$R = \mathbb{E}_{\hat{\mathbf{y}}\sim p_{\hat{\mathbf y}}}\left[-\log_2 q(\hat{\mathbf{y}})\right],$$
# and training minimises (eq. 5) $\;R + \lambda D\;$ with $D$ the distortion. In `lic_lab.training.losses.rd_loss`, $D = 255^2\cdot\mathrm{MSE}$ and the rate is in bits per pixel, so $\lambda$ matches the values CompressAI quotes, and our families use CompressAI's λ (section 6 prints each model's). The benchmark paper lists its own λ (0.0012 to 0.03, sec. 6.5) without saying how it scales the distortion, so the two ranges need not compare. Each $\lambda$ gives one model and one point on the RD curve.
#
# The loss, in code:

# %%
from lic_lab.teaching.source import show_source
from lic_lab.training.losses import rd_loss
show_source(rd_loss)

# %% [markdown]
# Our photo, and the latent $\mathbf{y}$ of the shipped scale hyperprior `hyperprior-q3` (its $\lambda$ is printed):

# %%
name, paths = "embedded", data.embedded_paths()
x = data.read_image(paths[0])            # 256 x 384 photo shipped with lic_lab (not one of the zoo models' training photos)
hp = zoo.load_model("hyperprior-q3")
fp = zoo.load_model("factorized-q3")
out = analysis.latents(hp, x)
y = out["y"]
print(f"hyperprior-q3: lambda = {zoo.registry()['hyperprior-q3']['lmbda']}")
print(f"image {tuple(x.shape)} -> latent y {tuple(y.shape)}: {y.numel() / x.numel():.3f} values per input value")
spread = y.var(dim=(0, 2, 3))   # variance over positions: how much a channel changes across the image (not its offset)
top = spread.argsort(descending=True)[:16].tolist()
fig = viz.channel_grid(y, top, cols=8); fig.suptitle("the 16 channels of y that vary most across the image", y=1.02); plt.show()

# %% [markdown]
# ## 2. Quantization and its training-time proxies
#
# Rounding has zero gradient almost everywhere, so training replaces it (benchmark paper sec. 3; `lic_lab.quantization.proxies`):
#
# | proxy | forward | backward | used for |
# |---|---|---|---|
# | additive uniform noise | $\tilde y = y + u,\ u\sim\mathcal{U}(-\tfrac12,\tfrac12)$ | identity | the rate term: the density of $y+u$ is the model's density smoothed by the unit-wide uniform, which *at an integer* equals the probability mass of that bin; evaluated at $y+u$ it is a smooth stand-in for the mass of $\mathrm{round}(y)$ (Ballé et al. 2017), not equal to it |
# | straight-through (STE) | $\mathrm{round}(y)$ | identity | the decoder input: it trains on exactly what it will see |
# | rounding | $\mathrm{round}(y)$ | 0 | the real codec |
#
# Our models train with noise for the rate and STE for the decoder (`quant_mode="mixed"`). That is not what the rebuilt papers did: Ballé et al. (2017, 2018) and Minnen et al. (2018) feed the decoder $y + u$ during training too; the mixed scheme comes later (Minnen and Singh 2020). CompressAI's reference hyperprior, the dashed curve of section 8, comes from its own training code, whose models feed the decoder the same noisy $y + u$ that their `GaussianConditional` rates in training mode: the original way. STE and rounding give the same forward values: they differ only in the gradient, so in the table below they decode to the same PSNR. The *train/test mismatch* is the difference between what training saw and what the codec does:

# %%
qm = analysis.quantization_mismatch(hp, x)
v = qm["versions"]; centre = out["y"]
fig, axes = plt.subplots(1, 3, figsize=(13, 3))
axes[0].hist(centre.flatten().numpy(), bins=np.arange(-6, 6.05, 0.05), color="#444")
axes[0].set_title("y (continuous)")
axes[1].hist(v["noise"].flatten().numpy(), bins=np.arange(-6, 6.05, 0.05), alpha=.6, label="y + u (training)")
axes[1].hist(v["round"].flatten().numpy(), bins=np.arange(-6, 6.05, 0.05), alpha=.6, label="round(y) (codec)")
axes[1].set_yscale("log"); axes[1].legend(fontsize=8); axes[1].set_title("what the rate term sees")
axes[2].hist((v["noise"] - v["round"]).flatten().numpy(), bins=60, color="#d62728")
axes[2].set_title("mismatch (y + u) - round(y)")
for ax, xlabel in zip(axes, ("latent value", "latent value", "difference")):
    ax.set_xlabel(xlabel); ax.set_ylabel("count (log scale)" if ax is axes[1] else "count")
plt.tight_layout(); plt.show()
display(Markdown(viz.table([{"y quantized by": "y + u (noise)" if k == "noise" else "round(y) (STE or the codec)",
                             "decoded PSNR (dB)": round(qm["psnr"][k], 2), "estimated bpp of y": round(qm["bpp"][k], 3)}
                            for k in ("noise", "round")])))
rate_gap = 100 * (qm['bpp']['noise'] / qm['bpp']['round'] - 1)
print(f"the rate term on y + u vs on round(y): {rate_gap:+.1f}% bits")

# %% [markdown]
# **The code behind the proxies** (the additive uniform noise of Ballé et al. 2017, which the benchmark paper's sec. 3 describes, the straight-through estimator and rounding), read from `lic_lab`:

# %%
from lic_lab.teaching.source import show_source
from lic_lab.quantization import proxies
show_source(proxies.ste_round, proxies.quantize)

# %% [markdown]
# Three things to notice. The rounded latent is mostly zeros (the spike in the histogram; the cell below prints the share), which is where the bits are saved. The rate term on $y+u$ is only an estimate of what the codec pays: noise spreads a value over its whole bin, so it rarely sits on the bin's peak. And the decoded PSNRs show how much the decoder cares whether it gets $y+u$ or $\mathrm{round}(y)$; ours was trained on rounded values (STE), so rounded is what it knows.

# %%
display(Markdown(f"**Reading it.** {100 * (v['round'] == 0).float().mean().item():.0f}% of the rounded latent is zero. On this photo, training's rate term on $y+u$ is {abs(rate_gap):.1f}% {'above' if rate_gap > 0 else 'below'} "
                 f"the same term on $\\mathrm{{round}}(y)$; fed $y+u$ instead of the rounded values it was trained on, the decoder "
                 f"{'loses' if qm['psnr']['round'] >= qm['psnr']['noise'] else 'gains'} {abs(qm['psnr']['round'] - qm['psnr']['noise']):.2f} dB."))

# %% [markdown]
#
# ## 3. Entropy models: factorized prior vs hyperprior
#
# - **Factorized prior** (Ballé et al. 2017): one learned density per channel, the same at every position (`lic_lab.entropy.FactorizedDensity`, Ballé 2018 appendix 6.1): a monotone cumulative $c(y) = f_K \circ \dots \circ f_1(y)$ built from small layers $f_k(x) = g_k(H_k x + b_k)$ for $k < K$, $g_k(x) = x + a_k \tanh(x)$ with $H_k > 0$ and $|a_k| < 1$, and a last layer $f_K(x) = \mathrm{sigmoid}(H_K x + b_K)$ without the $\tanh$ term, and a symbol's probability $q(\hat y) = c(\hat y + \tfrac12) - c(\hat y - \tfrac12)$ (the code is shown below). It cannot know that a sky region is flat and a tree is busy.
# - **Scale hyperprior** (Ballé et al. 2018): a second autoencoder computes side information $\mathbf{z}=h_a(|\mathbf{y}|)$, codes it with a factorized density, and predicts a scale $\sigma$ for every element of $\mathbf{y}$: $q(\hat y_i\mid\hat{\mathbf z}) = \Phi\big(\tfrac{\hat y_i+1/2}{\sigma_i}\big)-\Phi\big(\tfrac{\hat y_i-1/2}{\sigma_i}\big)$ (`lic_lab.entropy.GaussianConditional`).
# - **Mean-scale hyperprior** (Minnen, Ballé, Toderici 2018, without their context model): the same side information predicts a mean $\mu_i$ as well as the scale, $q(\hat y_i\mid\hat{\mathbf z}) = \Phi\big(\tfrac{\hat y_i-\mu_i+1/2}{\sigma_i}\big)-\Phi\big(\tfrac{\hat y_i-\mu_i-1/2}{\sigma_i}\big)$ (`lic_lab.models.MeanScaleHyperprior`). Minnen et al. code $\mathrm{round}(y)$; we code $\mathrm{round}(y-\mu)$ and decode $\mathrm{round}(y-\mu)+\mu$ (as Minnen and Singh 2020 and CompressAI do), so the symbols sit near zero. It is the `meanscale` family, and the base of notebooks 05 and 07's models; exercise 3 measures whether the mean pays. The two families' budgets are not equal (the mean-scale models start from the hyperprior's and train on; section 8 prints both), so read exercise 3's answer as "what the mean-scale family gives here", not as a controlled comparison.
#
# Do the hyperprior's predicted scales follow the image structure? Compare them with $|\mathbf{y}|$ for the channel that varies most across the image; the cell prints their correlation over positions:

# %%
c = top[0]
fig = viz.show_images([out["y"][0, c].abs(), out["scales"][0, c]], [f"|y| channel {c}", f"predicted scale sigma, channel {c}"],
                      cmap="viridis", width=4.5)
plt.show()
r_sigma = np.corrcoef(out["y"][0, c].abs().flatten().numpy(), out["scales"][0, c].flatten().numpy())[0, 1]
print(f"correlation of sigma with |y| over the positions of channel {c}: {r_sigma:.2f}")
reports = {m.name: analysis.coding_report(m, x) for m in (fp, hp)}
rows = []
for r in reports.values():
    parts = ", ".join(f"{k}: {v:.3f}" for k, v in r["bpp_est_parts"].items())
    rows.append({"model": r["model"], "estimated bpp": round(r["bpp_est"], 4), "(per latent)": parts,
                 "real bpp": round(r["bpp"], 4), "PSNR (dB)": round(r["psnr"], 2), "bit-exact": r["bit_exact"]})
display(Markdown(viz.table(rows)))

# %% [markdown]
# **The whole model, in code.** The analysis and synthesis transforms (with GDN, generalized divisive normalization, $z_i = x_i / \sqrt{\beta_i + \sum_j \gamma_{ij} x_j^2}$: each channel divided by a learned mix of all channels' energies at that position; the synthesis uses inverse GDN, $z_i = x_i \sqrt{\beta_i + \sum_j \gamma_{ij} x_j^2}$, an approximate inverse: it undoes GDN only where the energies it reads match), the hyper analysis (fed $|\mathbf y|$) / synthesis that predict the scales, the factorized density's cumulative and bin probability, and the Gaussian's bin probability (the likelihoods the rate term is the -log2 of):

# %%
from lic_lab.layers import GDN
from lic_lab.models import balle
from lic_lab.entropy import GaussianConditional
from lic_lab.entropy import FactorizedDensity
show_source(balle.analysis_transform, balle.synthesis_transform, GDN.forward,
            balle.ScaleHyperprior.hyper_input, balle.ScaleHyperprior.build_hyper_analysis,
            balle.ScaleHyperprior.build_hyper_synthesis, FactorizedDensity.logits_cdf, FactorizedDensity.likelihood,
            GaussianConditional.likelihood)

# %% [markdown]
# ## 4. Real entropy coding: from probabilities to bytes
#
# An entropy coder turns a sequence of symbols and their model probabilities into about $\sum -\log_2 q$ bits. `lic_lab.entropy.coder` uses the ANS coder (asymmetric numeral systems: an entropy coder of its own family, not an arithmetic coder; it keeps its state in one integer and decodes last in, first out, is fast, and lands within a fraction of a percent of the ideal size) of [constriction](https://bamler-lab.github.io/constriction/): symbols that share a distribution (one channel of the factorized density, or one entry of the hyperprior's scale table) are coded together; values outside a table's range take an escape code, so *every* integer round-trips exactly.
#
# The file is self-describing (`lic_lab.bitstream`): magic, format version, model name, setting, image size, section lengths, the sections ($\mathbf z$ then $\mathbf y$), and a CRC-32. Here are the bytes of our photo:

# %%
from lic_lab.bitstream import Bitstream
blob = reports["hyperprior-q3"]["data"]
print(" ".join(f"{b:02x}" for b in blob[:40]), "...")
s = Bitstream.from_bytes(blob)
print(f"magic LICL, model {s.model!r}, setting {s.setting:g}, size {s.width}x{s.height}, "
      f"sections (z, y) = {[len(p) for p in s.sections]} bytes, total {len(blob)} bytes")
x_hat = hp.decompress(blob)
coded = analysis.latents(hp, x, coding=True)  # the forward pass as the codec runs it (lic_lab.entropy.fixed_point)
print("decoded equals the model's own forward pass:", torch.equal(x_hat, coded["x_hat"].float()))
print(f"header + CRC: {len(blob) - sum(len(p) for p in s.sections)} bytes")

# %% [markdown]
# The header and CRC (their size is printed above) are why a tiny image's real size sits a little above its estimate; on a 768×512 Kodak image the overhead is far smaller (section 7). The codec computes the hyperprior's scales on an exact fixed-point grid (`lic_lab/entropy/fixed_point.py`), so a file decodes to the same image whatever the thread count or device; the forward pass it matches is the one run the same way.
#
# ## 5. Training, live
#
# A short, seeded run of a tiny scale hyperprior (N = 16, M = 24) on the embedded photos (including the one above: a demo, not a zoo model), with the same trainer the zoo used (`lic_lab.training.train.train`). It takes a few seconds; the loss falls, but a real model needs thousands of steps (section 8 prints what each shipped family cost, from the model cards). Set `FULL_TRAINING = True` at the top to re-run the families' first chains with the shipped recipes (with `data/training/` moved aside; as shipped, every finished stage is skipped).

# %%
# NBVAL_IGNORE_OUTPUT
# (trains on lic_lab.device(): on a GPU the sums, and so the last digits, differ from the CPU's)
from lic_lab.training.train import TrainConfig, train
cfg = TrainConfig(arch="scale_hyperprior", N=16, M=24, lmbda=0.0067, steps=150, batch=4, patch=64, lr=2e-3,
                  name="live-demo", log_every=10, save_every=0, val_every=10**9)
tiny, record = train(cfg, progress=False, images=data.embedded_paths(), resume=False)   # the photo x is one of them here
curve = record["train_curve"]
viz.training_curves(curve, {"loss": "loss = bpp + lambda 255^2 MSE", "bpp": "estimated bpp (training batch)"})
plt.show()
assert curve[-1]["loss"] < curve[0]["loss"]
live = analysis.coding_report(tiny, x)
print(f"after {cfg.steps} steps: {live['bpp']:.3f} bpp, {live['psnr']:.2f} dB on the photo (real bitstream), "
      f"against {reports['hyperprior-q3']['psnr']:.2f} dB for the shipped hyperprior-q3 - a falling loss is not yet a codec")
if FULL_TRAINING:  # the foundation families' first chains, q1 to q6 (CPU-hours: see the model cards' wall times)
    from lic_lab.teaching.full_training import run_recipes
    for family in ("factorized", "hyperprior", "meanscale"):
        run_recipes([f"foundation-{family}"], env={"STEP": "all"})

# %% [markdown]
# ## 6. The shipped models
#
# Every model below was trained on the training photos of the data root (a few held out for validation; each card lists them), never on Kodak, by the command in its model card. For the factorized prior and the scale hyperprior, one rate (q3) was trained from scratch with the same number of steps, so section 8 compares them at equal budget, and each other rate was fine-tuned from its neighbour (CPU time is the scarce resource). The mean-scale family's q1–q6 were warm-started rate by rate from the scale hyperprior of the same λ, as Minnen et al. built on Ballé et al.; q1 and q4–q6, which no paper model starts from, then got a second segment from their first one (`…-seg1` in the `init` column; `steps from scratch` adds up the chain). The two ends of both hyperprior families, q0 and q7 (λ = 0.0018 and 0.18), were fine-tuned from their own q1 and q6; the mean-scale q2, q4, q5, q6 and q7 then trained one long segment more each (recipe `meanscale-long`; the run each continued is in the `init` column, and `meanscale-q2` trained on after `meanscale-msssim-q3` had started from it). The weights are stored with int8 convolution weights (`weights` column); each card gives what that costs on Kodak next to the fp16 weights. Quality is PSNR and MS-SSIM in dB, $-10\log_{10}(1-\text{MS-SSIM})$, which spreads out values close to 1.

# %%
rows = []
FOUNDATION = ("factorized", "hyperprior", "meanscale")   # the later notebooks' models are shown there
for n, e in sorted(zoo.registry().items(), key=lambda kv: (kv[1]["family"], kv[1]["quality"])):
    if e["family"] not in FOUNDATION:
        continue
    k = e["kodak"]
    rows.append({"model": n, "lambda": e["lmbda"], "params": f"{e['params']:,}", "steps": e["training"]["steps"],
                 "steps from scratch": zoo.chain_steps(zoo.training_record(n)),
                 "init": (e["training"]["init"] or "scratch").split("/")[-1],
                 "Kodak bpp (real)": round(k["bpp"], 4), "estimate": round(k["bpp_est"], 4),
                 "PSNR": round(k["psnr"], 2), "MS-SSIM (dB)": round(k["ms_ssim_db"], 2),
                 "weights": f"{e['size_bytes'] / 1e6:.2f} MB, {e.get('precision', 'fp16')}"})
display(Markdown(viz.table(rows)))

# %% [markdown]
# ## 7. Real bytes vs the entropy estimate, on Kodak
#
# Over all 24 Kodak images, how far are the real bytes from the model's cross-entropy? Two answers: the entropy-coded sections alone (what the coder adds: 32-bit word alignment of the ANS stream, a 16-bit end marker per section that catches damaged or mismatched data, the snapping of predicted scales to a 256-entry table, probabilities quantized to 24 bits), and the whole file (adding the header and CRC that make it self-describing; section 4 printed their size). CompressAI's figure for its models is printed under the table, then the range over single images and how many images decoded back to exactly the model's own forward pass.
#
# A coded section can come out *under* its estimate (a negative overhead in the table below; the line under it prints the lowest single image). Nothing beats the entropy of the model the coder uses, so the coder's model must differ from the estimate's there, and it does at the extremes. The estimate (like the training loss) floors every likelihood at $10^{-9}$, so a symbol far outside its predicted distribution costs it about 29.9 bits; the ANS coder gives every symbol of its table at least its smallest representable probability, about $2^{-24}$ (about 24 bits, plus a few for an escape past the table); both floors are printed under the table, beside the models whose coded sections come out under their estimates. The second cell below counts them on the image where the overhead is lowest and recomputes the estimate with the coder's floor (`analysis.likelihood_floors`).

# %%
import math
from lic_lab.entropy import coder, gaussian
results = {n: evaluate.load_results(zoo.ZOO_DIR / "results" / f"{n}.json")[0]["images"]
           for n, e in sorted(zoo.registry().items()) if e["family"] in FOUNDATION}
rows, overhead, per_image = evaluate.overhead_table(results)
display(Markdown(viz.table(rows)))
print("CompressAI's coded size over its entropy estimate: %.2f-%.2f %%" % references.COMPRESSAI_OVERHEAD_PERCENT)
lowest = min(per_image, key=per_image.get)
print(f"coding overhead of single images: {min(per_image.values()):+.2f}% ({lowest[0]}, {lowest[1]}) to {max(per_image.values()):+.2f}%")
print(f"decoded back exactly (the forward pass's own image): {sum(r['bit-exact images'] for r in rows)} of {len(per_image)} model-image pairs")
print(f"floors: the estimate's {gaussian.LIKELIHOOD_BOUND:g} ({-math.log2(gaussian.LIKELIHOOD_BOUND):.1f} bits), "
      f"the coder's 2^{math.log2(coder.PROBABILITY_FLOOR):.0f}; coded sections under their estimate: "
      f"{[n for n, o in overhead.items() if o < 0] or 'none'}")

# %%
# NBVAL_IGNORE_OUTPUT
# (Kodak is read only where the data root is configured; otherwise the embedded photo, which has few outliers)
floor_image = data.kodak_dir() / lowest[1] if data.have_kodak() else paths[0]
f = analysis.likelihood_floors(zoo.load_model(lowest[0]), data.read_image(floor_image))
print(f"{lowest[0]} on {floor_image.name}: {f['at_floor']} of {f['symbols']:,} symbols of y at the estimate's floor; "
      f"estimate {f['estimate_bits']:,.0f} bits, with the coder's floor {f['estimate_coder_floor_bits']:,.0f}, "
      f"coded y section {f['coded_bits']:,} bits ({100 * (f['coded_bits'] / f['estimate_coder_floor_bits'] - 1):+.2f}% over the second)")

# %% [markdown]
# ## 8. Rate–distortion curves and BD-rate against classical codecs
#
# Classical codecs through Pillow on the same 24 Kodak images (`lic_lab.evaluation.codecs`): JPEG 4:4:4, JPEG 2000 with the irreversible 9/7 wavelet, WebP (method 6) and AVIF 4:4:4 (speed 4), all dashed. The black dashed line is the GPU-trained reference hyperprior of CompressAI (Ballé 2018 at CompressAI's widths, N = 128 / M = 192 at low rates and 192 / 320 at high rates); our widths and what our models cost are printed at the end of this section. The right-hand panel measures quality as MS-SSIM in dB (section 6). The benchmark paper compares every codec with BPG (the HEVC-based image format), so its numbers against JPEG below are chained through that common anchor.

# %%
curves = evaluate.kodak_curves("psnr", families=FOUNDATION)
curves["reference hyperprior (CompressAI, GPU)"] = references.COMPRESSAI_HYPERPRIOR
fig, axes = plt.subplots(1, 2, figsize=(13, 4.4))
viz.rd_plot(curves, "PSNR (dB)", ax=axes[0], title="Kodak, PSNR")
ms = evaluate.kodak_curves("ms_ssim_db", families=FOUNDATION)
viz.rd_plot(ms, "MS-SSIM (dB)", ax=axes[1], title="Kodak, MS-SSIM")
for a in axes: a.set_xlim(0, 2.0)
axes[0].set_ylim(22, 40)
viz.save_figure(fig, "rd_kodak.png"); plt.show()

# %%
learned = [f for f in ("factorized", "hyperprior", "meanscale") if f in curves]
rows = evaluate.bd_table(curves, learned, ["jpeg", "jpeg2000", "webp", "avif"])
display(Markdown(viz.table([{k: (round(v, 2) if isinstance(v, float) else v) for k, v in r.items()} for r in rows])))
paper = {m: round(references.paper_saving_vs_jpeg(m), 1) for m in ("ICLR18-Factorized", "ICLR18-HyperPrior")}
print("paper (Table 7, Kodak, median range) BD-rate vs JPEG, through the BPG anchor:", paper)
from lic_lab.evaluation.benchmark import bd_ranges
lo, hi = bd_ranges("kodak")["median"]["psnr"]
print(f"ours are over each pair's own PSNR overlap (above). The paper's median range is not given (Table 6 lists only "
      f"the full range and says the others lie 'within' it); our assumption for it, the middle third: {lo:.1f}-{hi:.1f} dB")

# %% [markdown]
# ### How a BD-rate is computed
#
# Bjøntegaard's delta rate asks: *at equal quality, how many more (or fewer) bits does the test codec spend, on average?* Turn both curves sideways (log rate as a function of quality $D$), interpolate each through its points (PCHIP: piecewise cubic curves that never overshoot their points, as the JCT-VC sheet does; Bjøntegaard's original VCEG-M33, which the benchmark paper cites, fits one least-squares cubic instead, and the cell prints both), and average the gap over the quality range $[D_L, D_H]$ that **both** curves cover:
#
# $$\Delta = \frac{1}{D_H - D_L}\int_{D_L}^{D_H} \big(\ln R_\text{test}(D) - \ln R_\text{anchor}(D)\big)\,dD, \qquad \text{BD-rate} = e^{\Delta} - 1 .$$
#
# The figure draws this for our hyperprior family against WebP; the shaded area divided by the width of the dotted interval is $\Delta$. Outside the common range nothing is compared, which is why a BD-rate from a thin overlap means little (`evaluate.bd_table` reports it only when the overlap spans at least `evaluate.MIN_OVERLAP_DB` dB).

# %%
show_source(metrics.bd_rate, metrics._mean_gap)  # bd_rate hands the integral above to _mean_gap

# %%
fig, bd = viz.bd_rate_explainer(curves["webp"], curves["hyperprior"], ("webp", "hyperprior"))
plt.show()
print(f"evaluate.MIN_OVERLAP_DB = {evaluate.MIN_OVERLAP_DB} dB")
print(f"overlap {bd['lo']:.2f}-{bd['hi']:.2f} dB, mean log-rate gap {bd['gap']:+.3f}, "
      f"BD-rate {bd['bd_rate']:+.1f}% (metrics.bd_rate: the same integral, computed exactly)")
# the benchmark paper cites Bjontegaard's VCEG-M33, whose fit is a least-squares cubic; ours is PCHIP (the JCT-VC sheet's)
cubic = metrics.bd_rate(*curves["webp"], *curves["hyperprior"], method="cubic")
print(f"the same pair with VCEG-M33's cubic fit instead of PCHIP: {cubic:+.1f}%")

# %%
# NeurIPS18 in Table 7 is Minnen et al.'s released code without its context model (footnote 2): our mean-scale
# hyperprior is that model (no context model), so the step hyperprior -> meanscale is the paper's ICLR18-HyperPrior -> NeurIPS18
steps = [("hyperprior", "factorized", "ICLR18-HyperPrior", "ICLR18-Factorized"),
         ("meanscale", "hyperprior", "NeurIPS18", "ICLR18-HyperPrior")]
for test, anchor, paper_test, paper_anchor in steps:
    row = evaluate.bd_table(curves, [test], [anchor])[0]  # the overlap rule of the tables above
    ours, paper = row["BD-rate (%)"], references.paper_bd_between(paper_test, paper_anchor, "full")
    said = "not compared (" + row["note"] + ")" if ours is None else f"ours {ours:+.1f}%"
    print(f"{test} vs {anchor}, BD-rate on Kodak: {said}, paper ({paper_test} vs {paper_anchor}, Table 7, full range, via BPG) {paper:+.1f}%")
    if ours is not None:  # the paper's direction, ours read with ablation.direction (its rule is printed)
        claimed = "fewer" if paper < 0 else "more"
        found = ablation.direction(ours if paper < 0 else -ours)
        print(f"   the paper's direction ({test} needs {claimed} bits; rule: ours {claimed} by at least "
              f"{evaluate.ONE_MODEL_RESOLUTION}%, one model per rate):", ablation.verdict(found))

# %% [markdown]
# **Reading the tables.** Negative BD-rate = fewer bits for the same PSNR. BD-rate uses PCHIP interpolation over the PSNR range both curves cover (`lic_lab.evaluation.metrics.bd_rate`, tested against published values).
#
# **Where lab scale differs, honestly.** The paper's Table 7 numbers are printed under the BD table (against JPEG, median range) and under the BD-rate figure (each entropy-model step, full range). Our models are narrower (the widths are printed below): the benchmark paper's coarse-to-fine models use $c = 192$ channels in the main transforms and double the width for $\lambda \geq 8\times10^{-3}$ (sec. 6.5), and the CompressAI reference is Ballé 2018's N = 128, M = 192 at low rates and 192/320 at high rates. Ours were trained on CPU threads (the budget lines below give steps, photos and CPU-thread time); the benchmark paper trains its coarse-to-fine model on DIV2K's 800 photos (down-sampled by 2, 256×256 crops) for about 660,000 iterations in all (200,000 + 2 × 20,000 + 20,000 + 400,000, sec. 6.5). So every verdict against a codec covers only the PSNRs our curves reach (the overlap column). The cell below reads what each family cost from its model cards and states where it stands against each codec, at equal PSNR and at equal MS-SSIM, by a stated rule (`evaluate.standing`: a BD-rate within ±`evaluate.ONE_MODEL_RESOLUTION` % is "about the bits of" the codec, beyond it fewer or more). The two metrics can disagree: against a classical codec, a learned model trained for MSE can come out better in MS-SSIM than in PSNR. (The benchmark paper's sec. 7.4 discusses a related gap: models trained for one metric are "over-optimized" on it; among PSNR-trained models it finds that higher PSNR usually means higher MS-SSIM too. Notebook 07 takes this up.) The black dashed CompressAI curve shows where a wider model of the same design goes with full training. Training longer moves our curves towards it (`python -m lic_lab train --init ...`, as recipe `meanscale-long` did: notebook 07 section 1.1 prints what each long segment bought); `FULL_TRAINING` only re-runs the shipped recipes.

# %%
verdicts = evaluate.standing(rows)
verdicts_ms = evaluate.standing(evaluate.bd_table(ms, learned, ["jpeg", "jpeg2000", "webp", "avif"], "MS-SSIM (dB)"))
for family in learned:
    cfg_ = zoo.training_record(zoo.family_members(family)[0])["config"]
    print(f"{family}: N = {cfg_['N']}, M = {cfg_['M']}")
    print(zoo.budget_line(family))
    print("   at equal PSNR, " + verdicts[family])
    print("   at equal MS-SSIM, " + verdicts_ms[family])

# %% [markdown]
# ## 9. Explore: a slider over the shipped rates
#
# Drag the rate index: when the cell runs, the image is compressed and decompressed *for real* by every shipped rate (on the GPU if there is one) and each result is drawn once, so moving the slider only swaps pictures. The static picture below is the same function at the middle rate, so the page shows something on GitHub too.

# %%
from lic_lab.teaching.widgets import render_rate, rate_slider
family = [zoo.load_model(n) for n in zoo.family_members("hyperprior")]
picture, values = render_rate(family, x, len(family) // 2)
picture

# %% [markdown]
# *Run the notebook's cells, then this one, to get the live slider (a saved page, e.g. on GitHub, shows no widget).*

# %%
# NBVAL_IGNORE_OUTPUT
# (a live widget: its output is interactive)
rate_slider(family, x)

# %% [markdown]
# ## 10. Exercises
#
# Compute each answer with code and set `answer_N`. The check cell prints *correct* or *not attempted yet*, and fails with a hint on a wrong answer; answers computed from data are checked to 1 part in 10⁵, so a rounded number copied from a printed table does not pass. Worked solutions: `notebooks/solutions/01_foundations.md`.
#
# 1. A bitstream of 12,288 bytes codes a 768×512 image. How many bits per pixel is that?
# 2. The hyperprior predicts $\sigma = 0.5$ and mean 0 for an element. What probability does the model give the symbol 0? (compute it in Python, e.g. with `math.erf`: a value read from a normal table is too rounded for the check)
# 3. Section 8 printed the BD-rate of our `meanscale` family against our `hyperprior` family at equal PSNR. Using `ms` from section 8 (quality as MS-SSIM in dB), compute it at equal MS-SSIM (%; the hyperprior is the anchor). No cell prints it.
# 4. Section 4 coded the photo: `s.sections[1]` is the real $\hat{\mathbf y}$ section, and `coded["likelihoods"]["y"]` holds the model's probability of every symbol in it. By how many percent is the real section larger than its ideal size, the symbols' summed information content? (a float; negative if smaller)

# %%
answer_1 = None
answer_2 = None
answer_3 = None
answer_4 = None

# %%
check(1, answer_1, 12288, 512, 768)
check(2, answer_2, 0.5)
check(3, answer_3, ms["hyperprior"], ms["meanscale"])
check(4, answer_4, coded["likelihoods"], s.sections[1])

# %% [markdown]
# ## Write the code
#
# Each function below is a variant of an equation of this notebook (a quantizer with another step, another density), so the source shown above guides you but is not the answer. Replace `raise NotImplementedError` with your code and run the cell: the check calls your function on fresh random inputs and compares it with the right answer (`lic_lab`'s own code, or the variant's formula). A right answer prints *correct*; a wrong one fails the cell with a hint. Worked solutions: `notebooks/solutions/code_solutions.py` (try first).

# %%
from lic_lab.teaching.code_exercises import check_code

def add_noise(y, step):
    """Section 2's noise proxy, for a quantizer of step Delta = `step`, round(y / step) * step (a coarser or
    finer grid: what notebook 05's gain units do to the latent): y plus noise as wide as one of its bins."""
    raise NotImplementedError  # your code here


check_code("01.noise", add_noise)

# %%
def ste_round(y, step):
    """Straight-through estimator for the same quantizer: round(y / step) * step in the forward pass,
    gradient 1 in the backward pass."""
    raise NotImplementedError  # your code here


check_code("01.ste", ste_round)

# %%
def bin_mass(v, b):
    """P(round(Y) = v) for Y ~ Laplace(0, b), density exp(-|y| / b) / (2 b): the bin mass of section 3 for the
    Laplace density that some models use instead of the Gaussian (CBANet's released code, notebook 06).
    v and b are tensors; torch.exp and torch.sign help."""
    raise NotImplementedError  # your code here


check_code("01.bin_mass", bin_mass)

# %% [markdown]
# **Open experiment.** Train a new rate yourself: fine-tune `hyperprior-q4` (λ = 0.025) for 2,000 steps at λ = 0.04 (`python -m lic_lab train --arch scale_hyperprior --init lic_lab/zoo/checkpoints/hyperprior-q4.pt --lmbda 0.04 --steps 2000 --batch 4 --patch 192 --lr 5e-4 --name my-hyperprior`, the family's fine-tuning recipe; the model cards give the wall time of a 3,000-step fine-tune), evaluate it on Kodak with `evaluate.evaluate(model, data.list_images(data.kodak_dir()))` (the plot's curves are Kodak means; `paths` above is only the embedded photo) and place the point on the RD plot of section 8. Is it on the family's curve?

# %% [markdown]
# ## What's next
# - `02` — the GMM quantizer and channel-level variable quantization (CVQN): more levels for the channels that matter.
# - `03` — channel ablation: which latent channels matter, measured.
# - `04` — importance maps and trimmed convolutions (CWIC), `05` — gain units (AG-VAE), `06` — branches and BAM (CBANet).
#
# See the README for the map of the workbook.
