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
# # 03 · Channel ablation: which latent channels matter?
#
# **What you will learn**
# - to look at a learned latent as a stack of channel images;
# - the experiment behind two papers: zero one channel of the quantized latent, decode, and measure the loss (CVQN: Zhong, Akutsu, Aizawa, *Channel-Level Variable Quantization Network for Deep Image Compression*, IJCAI 2020, sec. 2 and Fig. 1; AG-VAE: Cui et al., *Asymmetric Gained Deep Image Compression with Continuous Rate Adaptation*, CVPR 2021, [arXiv:2003.02012](https://arxiv.org/abs/2003.02012), sec. 3.1 and Fig. 2);
# - whether the channels that cost the most bits are the ones that matter most, and whether the ranking holds across images;
# - what this motivates: more quantization levels for important channels (CVQN, notebook 02) and per-channel gains (AG-VAE, notebook 05).
#
# **Assumes** notebook 01 (latents, quantization, the hyperprior).
#
# **Time** 45 minutes to study; the first code cell prints how long the notebook took to run top to bottom when it was last executed.
#
# The functions are in `lic_lab.teaching.channels` and work on any model of the workbook that has a latent $\mathbf y$; every ablation of an image is decoded in batches of `channels.default_batch` variants (16 on a GPU, 1 on a CPU, where one at a time is fastest).

# %%
# NBVAL_IGNORE_OUTPUT
# (this cell prints the device and the last run time, which differ between machines)
# %matplotlib inline
import numpy as np, torch, matplotlib.pyplot as plt
from IPython.display import Markdown, display
import lic_lab
from lic_lab import data, zoo
from lic_lab.teaching import viz, channels, timings
from lic_lab.teaching.exercises import check
lic_lab.seed_everything(0)
torch.set_num_threads(2)
print("device:", lic_lab.device())
print(timings.run_time_line("03_channel_ablation"))

# %% [markdown]
# ## 1. The latent channels as images
#
# The shipped scale hyperprior `hyperprior-q3` (M = 96 channels) on the embedded photo. Some channels look like a blurred copy of the image (low frequencies), others like edges or noise, and some are almost empty after rounding (the cell counts those with fewer than 5% non-zero symbols). A channel with no non-zero symbol at all on this photo is switched off here: removing it changes nothing (section 2), and section 3's table shows what its zeros cost in bits (little, when the entropy model predicts them). Other photos may use it.

# %%
model = zoo.load_model("hyperprior-q3")
x = data.read_image(data.embedded_paths()[0])
from lic_lab.models import latents
out = latents(model, x)
y_hat = out["y_hat"]
nonzero = (y_hat[0] != 0).float().mean(dim=(1, 2))
print(f"y_hat: {tuple(y_hat.shape)}; channels with any non-zero symbol: {(nonzero > 0).sum().item()} of {y_hat.shape[1]}; "
      f"with fewer than 5% non-zero symbols: {(nonzero < 0.05).sum().item()}")
off = torch.nonzero(nonzero == 0).flatten().tolist()
print("switched off (every symbol 0):", off)
fig = viz.channel_grid(y_hat, cols=12); plt.show()

# %% [markdown]
# ## 2. Ablation: remove one channel at a time
#
# CVQN (Fig. 1) sets one channel of the quantized feature map to zero, decodes, and plots the PSNR loss and the MS-SSIM loss in dB, $-10\log_{10}(1-\text{MS-SSIM})$: for channel $c$, $\Delta\text{PSNR}_c = \text{PSNR}(\mathbf x, g_s(\hat{\mathbf y})) - \text{PSNR}(\mathbf x, g_s(\hat{\mathbf y}_{c \to 0}))$, where $\hat{\mathbf y}_{c \to 0}$ is $\hat{\mathbf y}$ with channel $c$ set to 0. The paper's model is a small toy (the cell prints its setting from `references.CVQN_FIG1`: channels, levels, its Kodak MS-SSIM and rate, and which channels carry most and least of the reconstruction on its example image), and it reports that "this phenomenon appears on all images". AG-VAE repeats the experiment on the first channels of its own model (`references.AGVAE_FIG2`). Here is the same experiment on our model, every channel. It is not the papers' setting: ours is the MSE-trained scale hyperprior `hyperprior-q3` (its card gives its rate and quality), with integer rounding and 96 channels, on an embedded photo; CVQN's toy and AG-VAE's model are printed beside it.
#
# *Before you run it, guess:* how many of the 96 channels hold half of the damage, and for how many does removal cost almost nothing (less than 0.1 dB)?

# %%
from lic_lab.evaluation import references
print("CVQN Fig. 1:", references.CVQN_FIG1)
print("AG-VAE Fig. 2:", references.AGVAE_FIG2)
card = zoo.registry()["hyperprior-q3"]
print(f"ours: hyperprior-q3, {card['arch']}, M = {model.M} channels, trained for {card['metric'].upper()} (lambda {card['lmbda']}), "
      f"Kodak {card['kodak']['bpp']:.3f} bpp, {card['kodak']['psnr']:.2f} dB, MS-SSIM {card['kodak']['ms_ssim']:.4f}")
abl = channels.ablate_channels(model, x)
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
print("fewest channels whose single losses sum to half of all single losses:", channels.channels_for_share(abl.psnr_loss, 0.5), "of", len(abl.channels))
print(f"channels whose removal costs less than {channels.NEGLIGIBLE_DB} dB:", int((abl.psnr_loss < channels.NEGLIGIBLE_DB).sum()))
together = channels.ablate_set(model, x, top)
print(f"removing those 5 together: {together['psnr']:.2f} dB ({together['psnr_loss']:.2f} dB lost); "
      f"the sum of their single losses is {abl.psnr_loss[top].sum():.2f} dB "
      f"({'more' if abl.psnr_loss[top].sum() > together['psnr_loss'] else 'less'} than together)")
kept_mean = channels.mean_ablation(model, x, top)   # each channel replaced by its own rounded mean instead of 0
print("the same 5, each replaced by its own mean rounded to the integer grid instead of 0, dB lost (zeroed -> mean kept; a mean that rounds to 0 is zeroing again):",
      ", ".join(f"channel {int(c)}: {z:.2f} -> {m:.2f}" for c, z, m in zip(top, abl.psnr_loss[top], kept_mean)))

# %% [markdown]
# **Zero is not neutral.** A channel whose symbols are mostly positive (or negative) carries an offset: zeroing it shifts brightness or colour across the whole image, on top of removing its detail. The cell's last line replaces each of the top channels by its own mean, rounded to the integer grid like every symbol, instead (`channels.mean_ablation`), which keeps the offset and removes only the detail; the difference, channel by channel, is what of its "importance" by zeroing was its mean level. CVQN and AG-VAE zero, as we do above.
#
# **The next-to-last line, and why dB losses do not add.** PSNR is a logarithm of the MSE, so the loss of removing several channels together is not the sum of their single losses (the cell above prints both). The "share of the loss" numbers of this notebook are therefore a *ranking* heuristic, not an accounting: with the losses clipped at 0, $L^+_c = \max(\Delta\text{PSNR}_c, 0)$, and sorted from the largest, $L^+_{(1)} \ge L^+_{(2)} \ge \dots$, the channels for a share $s$ are $\min\{k : \sum_{i \le k} L^+_{(i)} \ge s \sum_c L^+_c\}$ (`channels.channels_for_share`).
#
# AG-VAE (Fig. 2 right) then *scales* the channel that did the most damage among the first 32 it ablated (`scaled_channel` above) by a factor instead of removing it, and reports that quality falls as the factor shrinks. The paper says it scales the "latent representation" and does not say whether before or after rounding; we scale the quantized latent the decoder receives, so this sweep measures distortion only; the rate side of a gain (a channel shrunk *before* rounding takes fewer symbols) is what notebook 05 measures. The sweep also goes above 1: the cell prints whether PSNR rises monotonically up to the amplitude the encoder produced, what half the amplitude costs, and what 1.5 times it costs.

# %%
factors = np.round(np.linspace(0, 1.5, 16), 2)
sweep = channels.scale_sweep(model, x, int(top[0]), factors)
fig, ax = plt.subplots(figsize=(6, 3.2))
ax.plot(factors, sweep, marker="o"); ax.axvline(1.0, color="grey", ls=":")
ax.set_xlabel(f"scale factor of channel {int(top[0])}"); ax.set_ylabel("PSNR (dB)"); ax.grid(alpha=.3)
plt.show()
read = channels.sweep_reading(factors, sweep)
print("PSNR at factor 0, 0.5, 1.0:", [round(v, 2) for v in read["at"].values()])
print("PSNR rises monotonically from factor 0 to 1:", read["monotone"],
      f"| half the amplitude costs {read['half_cost']:.2f} dB, removing the channel {read['removal_cost']:.2f} dB, "
      f"{read['largest']:g} times the amplitude {read['largest_cost']:.2f} dB")
display(Markdown(f"**Reading it.** PSNR peaks at factor {read['peak']:g}" + (
    ", the amplitude the encoder produced for this photo, and falls on both sides: a channel's amplitude is not a free "
    "quality knob, the decoder expects what the encoder gives it. That is why AG-VAE pairs a gain *before* rounding with an "
    "inverse gain *after* it (notebook 05): the rate changes, and the decoder still receives the amplitude it expects. "
    + (f"Half and 1.5 times the amplitude are the same distance from 1: a decoder that were linear in this channel would lose "
       f"the same on both sides (its error grows with $(f-1)^2$); ours loses {read['half_cost']:.2f} and {read['mirror_cost']:.2f} dB: "
       f"{channels.symmetry_reading(read)} (rule: `channels.symmetry_reading`)."
       if read["mirror_cost"] is not None else "") if read["peak"] == 1.0 else ".")))

# %% [markdown]
# **The code of the ablation**: every channel removed in turn, decoded in batches:

# %%
from lic_lab.teaching.source import show_source
from lic_lab.teaching import channels as _channels
show_source(_channels.ablate_channels, _channels.decode_variants)

# %% [markdown]
# ## 3. Bits vs importance
#
# The entropy model says how many bits each channel costs (`channels.channel_bits`: the sum of $-\log_2 q(\hat y)$ over the channel). Do the expensive channels matter most? Two measures can answer differently: whether the *ranks* agree (Spearman's $\rho$: the Pearson correlation of the two rank vectors, tied values sharing their average rank), and how *concentrated* each is (the share of the bits and of the single-channel losses that the most important channels hold). Beware a built-in link: a channel with more and larger non-zero symbols both costs more bits and removes more signal when zeroed, so some rank agreement comes for free (notebook 02 meets the same confound).

# %%
bits = channels.channel_bits(model, x)
rho = channels.spearman(bits, abl.psnr_loss)
fig, ax = plt.subplots(figsize=(6, 4))
ax.scatter(bits, abl.psnr_loss, s=14)
for c in top[:3]:
    ax.annotate(str(int(c)), (bits[c], abl.psnr_loss[c]), fontsize=8)
ax.set_xscale("symlog", linthresh=10); ax.set_xlabel("bits spent on the channel"); ax.set_ylabel("PSNR loss when removed (dB)")
ax.grid(alpha=.3); plt.show()
idle = np.flatnonzero(abl.psnr_loss < channels.NEGLIGIBLE_DB)
print(f"Spearman rank correlation, bits vs PSNR loss: {rho:.2f}")
display(Markdown(viz.table([
    {"channels": "the 5 most important", "count": len(top), "share of the bits of y": f"{100 * channels.share_of(bits, top):.1f}%",
     "share of the summed single losses": f"{100 * channels.share_of(abl.psnr_loss, top):.1f}%"},
    {"channels": f"removal costs < {channels.NEGLIGIBLE_DB} dB", "count": len(idle), "share of the bits of y": f"{100 * channels.share_of(bits, idle):.1f}%",
     "share of the summed single losses": f"{100 * channels.share_of(abl.psnr_loss, idle):.1f}%"},
    {"channels": "switched off on this photo (section 1)", "count": len(off), "share of the bits of y": f"{100 * channels.share_of(bits, off):.1f}%",
     "share of the summed single losses": f"{100 * channels.share_of(abl.psnr_loss, off):.1f}%"}])))
top_bits, top_loss = channels.share_of(bits, top), channels.share_of(abl.psnr_loss, top)
idle_bits, idle_loss = channels.share_of(bits, idle), channels.share_of(abl.psnr_loss, idle)
more_even = channels.bits_spread_more_evenly(bits, abl.psnr_loss, top, idle)   # its rule is printed below when it fails
display(Markdown(f"**Reading it.** The ranks {channels.rank_agreement(rho)} (rule: Spearman above {channels.RANKS_AGREE} agrees, above 0 weakly)"
                 + (f", but the bits are spread more evenly than the damage: the {len(top)} most important channels hold "
                    f"{100 * top_loss:.0f}% of the summed single losses for {100 * top_bits:.0f}% of the bits, and the {len(idle)} "
                    f"negligible ones take {100 * idle_bits:.0f}% of the bits for {100 * idle_loss:.0f}% of the losses. An even spread "
                    "is not waste by itself: in rate-distortion theory (reverse water-filling, at high rates) a channel's bits grow "
                    "only with the log of its variance, while the damage of dropping it grows with the variance itself. "
                    "Whether channels should be quantized differently is CVQN's question (notebook 02)." if more_even
                    else ", and the bits are not spread more evenly than the damage (rule: the top channels' share of the bits "
                    "below their share of the losses, the negligible channels' above theirs).")))

# %% [markdown]
# ## 4. Is the ranking stable across images?
#
# CVQN says the phenomenon "appears on all images". We measure it: the ablation on every image of a set, then, over every pair of images, the Spearman correlation of their per-channel losses and the overlap of their top-10 sets ($|A\cap B|/10$ for the two images' ten most important channels $A$ and $B$), averaged over the pairs. With the data root configured this runs on 256×256 centre crops of every second Kodak image (12 images; crops keep it short on a CPU — `python scripts/benchmark.py` runs all 24 at full size); otherwise on the embedded photos. Its output depends on which data this machine has, so nbval does not compare it. CVQN's sentence can be read two ways, and the cell judges both: importance is uneven on every image, or the same channels matter on every image. The second is what a fixed channel order needs: CVQN's reconstruction-error importance (eq. 6) is one weight vector averaged over $N$ training images.

# %%
# NBVAL_IGNORE_OUTPUT
# (the numbers depend on whether Kodak is configured on this machine)
name, paths = data.evaluation_paths()
chosen = paths[::2] if name == "kodak" else paths
images = [data.centre_crop(data.read_image(p), 256) for p in chosen]
stab = channels.importance_stability(model, images, k=10)
print(f"{name}: {len(images)} images; mean pairwise Spearman {stab.mean_spearman:.2f} (min {stab.min_spearman:.2f}); "
      f"top-10 overlap {100 * stab.top_overlap:.0f}%")
mean_rank = stab.mean_ranking()[:10]
print("most important channels on average:", mean_rank.tolist())
common, on = stab.top_channel()
print(f"the most important channel of each image is channel {common} on {on} of {len(images)} images; "
      f"channels holding half of the single losses per image: {stab.halves()}")
print(f"'appears on all images', read two ways on these {len(images)} images (256 px centre crops): importance is uneven on every image (rule: half of the losses in at most "
      f"{stab.losses.shape[1] // 4} channels): {'yes' if stab.uneven_everywhere() else 'no'}; the same channels matter on "
      f"every image (rule: Spearman above {channels.RANKS_AGREE} for every pair of images): {'yes' if stab.same_everywhere() else 'no'}")
fig, ax = plt.subplots(figsize=(12, 3.4))
im = ax.imshow(stab.losses[:, stab.mean_ranking()], aspect="auto", cmap="viridis")
ax.set_yticks(range(len(images))); ax.set_yticklabels([p.stem for p in chosen], fontsize=7)
ax.set_xlabel("channel (sorted by mean importance)"); fig.colorbar(im, ax=ax, label="PSNR loss (dB)")
plt.show()

# %% [markdown]
# ## 5. Explore
#
# Pick a channel and a scale factor: the left panel is the channel, the middle the image decoded with that channel scaled (0 removes it), the right what changed (its colour scale follows the change, printed in its title). The static figure below is the most important channel removed; look at it beside section 1's grid to see what kind of channel it is, and at the right panel to see whether the change is spread over the whole picture (an offset) or sits on edges and texture (detail). Section 2's last line splits the two in numbers: what of its loss remains when its mean is kept.

# %%
from lic_lab.teaching.widgets import render_channel, channel_explorer
picture, v = render_channel(model, x, int(top[0]), 0.0)
picture

# %% [markdown]
# *Run the notebook's cells, then this one, to get the live slider (a saved page, e.g. on GitHub, shows no widget).*

# %%
# NBVAL_IGNORE_OUTPUT
# (a live widget: its output is interactive)
channel_explorer(model, x, int(top[0]))

# %% [markdown]
# ## 6. What this motivates
#
# - **Uneven importance → uneven quantization (CVQN, notebook 02).** If a handful of channels hold most of the damage, a codec can give them finer quantization and the rest coarser. CVQN orders its channels by an importance and quantizes the least important 25% with 3 levels, the middle 50% with 5 and the top 25% with 7. Two differences from this notebook: its Table 1 compares three importances and ranks first (it "distinctly outperforms" the others, says the paper; notebook 02 prints the margins) a *predefined* one (channel $c$ gets weight $c$, so training learns to put important content in the high channels) ahead of two computed from data (eq. 6's reconstruction error, and squeeze-excitation weights); and its measured ("reconstruction error") importance averages the MS-SSIM loss over $N$ training images, where we rank by PSNR on one photo.
# - **Amplitude → gain *and* inverse gain (AG-VAE, notebook 05).** Section 2's sweep measures what a channel's amplitude does to the decode (its reading is computed there). A decoder wants the amplitude it was trained on; AG-VAE therefore scales each channel by a learned gain *before* rounding (fewer or more symbols: a rate knob) and undoes it with an inverse gain before the decoder; it learns one gain vector per rate and interpolates between them for a continuous rate.
# - **Bits vs importance.** Section 3 compares how the bits and the damage are spread over the channels (its reading is computed there). Here every channel is rounded to the same integer grid (only the encoder's amplitude differs between channels); CVQN gives channels of different importance quantizers with different numbers of levels (its $q = [3, 5, 7]$), and AG-VAE scales each channel by a learned gain per rate before rounding.
#
# The numbers from this notebook behind each pointer:

# %%
n, tenth = len(abl.channels), len(abl.channels) // 10
print(f"share of the summed single-channel PSNR losses held by the top {tenth} of {n} channels ({100 * tenth / n:.1f}%): "
      f"{100 * channels.share_of(abl.psnr_loss, abl.ranking()[:tenth]):.0f}% (a ranking heuristic: dB losses do not add)")
print("channels whose single losses sum to half of all:", channels.channels_for_share(abl.psnr_loss, 0.5), "of", n)
print("PSNR rises monotonically as the top channel is scaled from 0 to 1:", read["monotone"])
print(f"bits vs importance, Spearman: {rho:.2f}")

# %% [markdown]
# ## Exercises
#
# Compute each answer with code and set `answer_N`. The check cell prints *correct* or *not attempted yet*, and fails with a hint on a wrong answer; answers computed from data are checked to 1 part in 10⁵, so a rounded number copied from a printed table does not pass.
#
# 1. Which channel is the most *expensive per dB*: the most bits of $\mathbf y$ (`bits`, section 3) for each dB of PSNR its removal costs (`abl.psnr_loss`), among the channels worth at least `channels.NEGLIGIBLE_DB`? (an int)
# 2. Among the channels that carry at least one non-zero symbol in `y_hat`, which one is the *least* important by PSNR loss, i.e. has the smallest `abl.psnr_loss` (which can be negative: removing a channel can raise PSNR)? (an int)
# 3. In section 2's scale sweep, at what scale factor does PSNR first come within 1 dB of the full decode? Interpolate linearly between the two sweep points around that crossing. (a float)
#
# Solutions: `notebooks/solutions/03_channel_ablation.md`.

# %%
answer_1 = None
answer_2 = None
answer_3 = None

# %%
check(1, answer_1, abl, bits, book="03")
check(2, answer_2, abl, y_hat, book="03")
check(3, answer_3, factors, sweep, abl.base_psnr, book="03")

# %% [markdown]
# ## Write the code
#
# Each function below is a step of this notebook: the bits of a channel, the rank correlation, the share heuristic and the ablation itself (the source printed in section 2 decodes many channels at once; yours decodes one). Replace `raise NotImplementedError` with your code and run the cell: the check calls your function on fresh random inputs and compares it with the right answer (`lic_lab`'s own code, or the variant's formula). A right answer prints *correct*; a wrong one fails the cell with a hint. Worked solutions: `notebooks/solutions/code_solutions.py` (try first).

# %%
from lic_lab.teaching.code_exercises import check_code

def channel_bits(likelihoods):
    """Bits each channel of y costs: likelihoods is (N, C, H, W); return C numbers."""
    raise NotImplementedError  # your code here


check_code("03.channel_bits", channel_bits)

# %%
def spearman(a, b):
    """Spearman rank correlation of two 1-D arrays (ties take their average rank), without a library's Spearman."""
    raise NotImplementedError  # your code here


check_code("03.spearman", spearman)

# %%
def channels_for_share(losses, share):
    """The fewest channels, most important first, whose losses reach `share` (e.g. 0.5) of their total;
    a removal that helps (a negative loss) counts as 0. Returns an int."""
    raise NotImplementedError  # your code here


check_code("03.channels_for_share", channels_for_share)

# %%
def psnr_without(model, y_hat, x, c):
    """The ablation of section 2 for one channel: PSNR (dB) of x decoded from y_hat with channel c set to zero."""
    raise NotImplementedError  # your code here


check_code("03.psnr_without", psnr_without)

# %% [markdown]
# **Open experiment.** Repeat the ablation on another embedded photo and on a model of another rate: how stable is the channel ranking (`channels.importance_stability`)? Which channels stay in the top ten?
