"""Exercises in which the student writes the code of an equation, checked against lic_lab.

Each notebook ends with functions to write (the proxy or equation it just taught). A check cell
calls :func:`check_code` with the student's function: it runs the function on fresh random inputs
and compares it with lic_lab's own implementation (or, where the exercise is a variant of what the
notebook shows, with the variant's formula). A right answer prints ``correct``; a wrong one
raises ``AssertionError`` with a hint (the cell fails); an untouched template (``raise
NotImplementedError``) prints "not attempted yet". Worked solutions: ``notebooks/solutions/``.
"""

from __future__ import annotations

import dis
import functools
import importlib
import inspect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch


@dataclass(frozen=True)
class CodeExercise:
    """What to write (``task``), what helps (``hint``) and how it is checked (``check`` raises)."""

    task: str
    hint: str
    check: Callable[[Callable], None]


def _same(got: object, want: torch.Tensor, what: str, atol: float = 1e-5) -> None:
    got_t = torch.as_tensor(got)
    assert got_t.shape == want.shape, f"{what}: shape {tuple(got_t.shape)}, expected {tuple(want.shape)}"
    assert torch.allclose(got_t.double(), want.double(), atol=atol, rtol=1e-5), (
        f"{what}: largest difference {float((got_t.double() - want.double()).abs().max()):.3g}"
    )


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


_GLOBAL_LOADS = {"LOAD_GLOBAL", "LOAD_NAME"}
_CLOSURE_LOADS = {"LOAD_DEREF", "LOAD_CLASSDEREF"}
_ATTRIBUTE_LOADS = {"LOAD_ATTR", "LOAD_METHOD", "IMPORT_NAME", "IMPORT_FROM"}


def _unwrapped(obj: object) -> object:
    """``obj`` without its decorators' wrappers (itself when the chain of ``__wrapped__`` loops)."""
    try:
        return inspect.unwrap(obj)  # type: ignore[arg-type]
    except ValueError:
        return obj


def _callables_in(obj: object) -> list[object]:
    """What calling ``obj`` may run: the object, its undecorated function, a partial's or a method's function,
    a callable instance's ``__call__``, and callables given as default arguments."""
    if isinstance(obj, functools.partial):
        return [obj, *_callables_in(obj.func)]
    if inspect.ismethod(obj):
        return [obj, *_callables_in(obj.__func__)]
    if inspect.isfunction(obj):
        fn = _unwrapped(obj)
        out = [obj, fn]
        if inspect.isfunction(fn):
            for value in [*(fn.__defaults__ or ()), *(fn.__kwdefaults__ or {}).values()]:
                out += _callables_in(value) if callable(value) else []
        return out
    call = inspect.getattr_static(type(obj), "__call__", None)
    return [obj, call] if inspect.isfunction(call) and not isinstance(obj, type) else [obj]


def _refuse(fn: Callable, names: set[str], objects: Sequence[object], what: str) -> None:
    """Fail when ``fn`` calls a ready-made answer: a function of ``names`` (by any module path) or one of
    ``objects`` (decorated or not) under any alias, in its body, nested functions, closure or default
    arguments, or in a helper of the student's own that it calls (a function defined where ``fn`` was, e.g.
    ``def rk(v): return rankdata(v)``). A helper of the student's own, or a local variable, is judged by what
    it does, never by its name."""
    refused = {id(o) for o in objects} | {id(_unwrapped(o)) for o in objects}
    first = _callables_in(fn)
    home = next((getattr(_unwrapped(c), "__globals__", None) for c in first if inspect.isfunction(c)), None)

    def own_helper(obj: object) -> bool:
        return inspect.isfunction(obj) and home is not None and getattr(_unwrapped(obj), "__globals__", None) is home

    todo, visited, found = list(first), set(), []

    def judge(name: str, obj: object) -> None:
        if own_helper(obj):
            todo.extend(_callables_in(obj))  # judged by what it calls, not by its name
        elif name in names or id(obj) in refused:
            found.append(name)
        elif callable(obj):
            todo.extend(c for c in _callables_in(obj) if own_helper(c) or id(c) in refused)

    while todo:
        f = todo.pop()
        if id(f) in visited:
            continue
        visited.add(id(f))
        if id(f) in refused:
            found.append(getattr(f, "__name__", repr(f)))
            continue
        if not own_helper(f):  # library code given as a default or wrapped: only its identity counts
            continue
        try:
            captured = inspect.getclosurevars(f).nonlocals  # type: ignore[arg-type]
        except ValueError:  # an empty closure cell
            captured = {}
        outside = set(f.__code__.co_freevars)  # type: ignore[attr-defined]
        codes = [f.__code__]  # type: ignore[attr-defined]
        while codes:
            code = codes.pop()
            codes.extend(c for c in code.co_consts if inspect.iscode(c))
            for ins in dis.get_instructions(code):
                name = ins.argval
                if not isinstance(name, str):
                    continue
                if ins.opname in _GLOBAL_LOADS:
                    judge(name, f.__globals__.get(name))  # type: ignore[attr-defined]
                elif ins.opname in _CLOSURE_LOADS and name in outside:  # else a local of f: its code is scanned
                    judge(name, captured.get(name))
                elif ins.opname in _ATTRIBUTE_LOADS and name in names:
                    found.append(name)
    assert not found, f"write {what} yourself: your function calls {found[0]}"


# --- 01 foundations -------------------------------------------------------------------------------
# Each exercise asks for a variant of what the notebook shows (a quantizer of step Delta, a Laplace
# density), so the shown source is a guide, not an answer to copy.
def _check_noise(fn: Callable) -> None:
    y = torch.randn(200_000, generator=_gen(1)) * 4
    for step in (0.5, 2.0):
        out = fn(y.clone(), step)
        assert isinstance(out, torch.Tensor) and out.shape == y.shape, "return a tensor shaped like y"
        diff = (out - y).double()
        assert bool((diff.abs() <= step / 2 + 1e-6).all()), f"with step {step} the noise must lie in [-step/2, step/2]"
        assert abs(float(diff.mean())) < 0.01 * step, f"the noise must have mean 0 (got {float(diff.mean()):.3f})"
        assert abs(float(diff.std()) - step / math.sqrt(12)) < 0.01 * step, (
            f"with step {step} the noise's std must be step / sqrt(12) = {step / math.sqrt(12):.3f}; "
            f"yours {float(diff.std()):.3f}"
        )
        assert not torch.equal(fn(y.clone(), step), out), "the noise must be drawn afresh on every call"
    y = y[:64].clone().requires_grad_()  # the noise is added, not computed from y: d out / d y = 1
    w = torch.randn(64, generator=_gen(4))
    out = fn(y * 1, 1.0)  # not the leaf itself: an in-place add stays allowed
    assert out.requires_grad, "the output must stay connected to y (no .detach())"
    (out * w).sum().backward()
    assert y.grad is not None
    _same(y.grad, w, "gradient (the noise is a constant added to y: d out / d y = 1)")


def _check_ste(fn: Callable) -> None:
    y0 = torch.randn(64, generator=_gen(2)) * 3
    w = torch.randn(64, generator=_gen(3))
    for step in (0.5, 2.0):
        y = y0.clone().requires_grad_()
        out = fn(y, step)
        _same(out.detach(), torch.round(y0 / step) * step, f"forward pass with step {step} (the quantized value)")
        assert out.requires_grad, "the output must stay connected to y (no .detach() on all of it)"
        (out * w).sum().backward()
        assert y.grad is not None
        _same(y.grad, w, "gradient (must pass through unchanged: d out / d y = 1)")


def _check_bin_mass(fn: Callable) -> None:
    values = torch.round(torch.randn(500, generator=_gen(4)) * 4)
    scales = torch.rand(500, generator=_gen(5)) * 5 + 0.2
    _refuse(
        fn,
        {"Laplace", "laplace"},
        [torch.distributions.Laplace, *_library("scipy.stats", "laplace")],
        "the Laplace CDF",
    )
    laplace = torch.distributions.Laplace(torch.zeros(500), scales)
    want = laplace.cdf(values + 0.5) - laplace.cdf(values - 0.5)
    _same(fn(values, scales), want, "P(bin) under Laplace(0, b)", atol=1e-5)


# --- 02 GMM quantizer ------------------------------------------------------------------------------
def _random_gmm():
    from lic_lab.quantization.gmm import GMMQuantizer

    q = GMMQuantizer(5)
    g = _gen(6)
    with torch.no_grad():
        q.means.copy_(torch.sort(torch.randn(5, generator=g) * 2).values)
        q.log_scales.copy_(torch.randn(5, generator=g) * 0.3 - 0.5)
        q.logits.copy_(torch.randn(5, generator=g))
    return q.eval(), torch.softmax(q.logits, 0).detach(), q.means.detach(), q.log_scales.exp().detach()


def _check_responsibilities(fn: Callable) -> None:
    q, weights, means, stds = _random_gmm()
    _refuse(fn, {"responsibilities", "GMMQuantizer"}, [type(q)], "the posterior")
    z = torch.randn(300, generator=_gen(7)) * 3
    _same(fn(z, weights, means, stds), q.responsibilities(z).detach(), "responsibilities (eq. 3's fraction)")


def _check_gmm_nll(fn: Callable) -> None:
    q, weights, means, stds = _random_gmm()
    _refuse(fn, {"nll", "GMMQuantizer", "MixtureSameFamily"}, [type(q), torch.distributions.MixtureSameFamily], "eq. 5")
    z = torch.randn(300, generator=_gen(8)) * 3
    _same(fn(z, weights, means, stds), q.nll(z).detach(), "eq. 5 (nats, summed over the samples)", atol=1e-3)


def _check_context_offsets(fn: Callable) -> None:
    from lic_lab.entropy import context3d

    _refuse(fn, {"kernel_offsets", "MaskedConv3d"}, [context3d.kernel_offsets, context3d.MaskedConv3d], "the mask")
    for order in ((4, 2), (1, 1), (9, 3), (2, 5)):
        for first in (True, False):
            got = sorted(tuple(int(v) for v in o) for o in fn(order, first))
            want = sorted(context3d.kernel_offsets(order, first))
            layer = "first layer" if first else "later layer"
            assert got == want, (
                f"order {order}, {layer}: you keep {len(got)} offsets, the mask keeps {len(want)}"
                + (f"; e.g. {sorted(set(want) - set(got))[0]} is missing" if set(want) - set(got) else "")
                + (f"; e.g. {sorted(set(got) - set(want))[0]} should not be kept" if set(got) - set(want) else "")
            )


# --- 03 channels -----------------------------------------------------------------------------------
def _check_channel_bits(fn: Callable) -> None:
    lik = torch.rand(2, 6, 5, 7, generator=_gen(9)).clamp_min(1e-4)
    want = (-torch.log2(lik.double())).sum(dim=(0, 2, 3))
    _same(fn(lik), want, "bits per channel", atol=1e-4)


def _library(module: str, *names: str) -> list[object]:
    """The named functions of an optional library (none when it is not installed)."""
    try:
        mod = importlib.import_module(module)
    except ImportError:
        return []
    return [getattr(mod, n) for n in names if hasattr(mod, n)]


def _check_spearman(fn: Callable) -> None:
    from lic_lab.teaching import channels

    _refuse(
        fn,
        {"spearmanr", "rankdata", "spearman"},
        [channels.spearman, *_library("scipy.stats", "spearmanr", "rankdata")],
        "the ranks and the correlation",
    )
    g = np.random.default_rng(10)
    for _ in range(5):
        a = g.integers(0, 6, 20).astype(float)  # ties on purpose
        b = a + g.normal(0, 2, 20)
        got, want = float(fn(a, b)), channels.spearman(a, b)
        assert math.isclose(got, want, abs_tol=1e-6), f"got {got:.4f}, expected {want:.4f} (ties get average ranks)"


def _check_channels_for_share(fn: Callable) -> None:
    from lic_lab.teaching.channels import channels_for_share

    _refuse(fn, {"channels_for_share"}, [channels_for_share], "the sorting and accumulating")

    g = np.random.default_rng(11)
    cases = [np.array([3.0, -0.5, 1.0, 1.0, 0.0, 5.0]), np.array([0.2, 0.2, 0.2, 0.2, -1.0])]
    cases += [g.normal(0.5, 1.0, 30) for _ in range(3)]  # negatives: a removal that helps counts as 0
    for losses in cases:
        for share in (0.5, 0.75, 0.9):
            got, want = fn(losses, share), channels_for_share(losses, share)
            assert got == want, f"{got} channels for {share:.0%} of {np.round(losses, 2).tolist()}, expected {want}"


def _check_psnr_without(fn: Callable) -> None:
    from lic_lab.models import build_model
    from lic_lab.teaching import channels as ready
    from lic_lab.teaching.channels import decode_variants

    done = {"decode_variants", "ablate_channels", "ablate_set", "scale_sweep", "render_channel"}
    _refuse(fn, done, [getattr(ready, n) for n in done if hasattr(ready, n)], "the ablation")

    torch.manual_seed(12)
    model = build_model({"arch": "scale_hyperprior", "N": 8, "M": 12}).eval()
    y_hat = torch.randint(-6, 7, (1, 12, 3, 4), generator=_gen(13)).float()  # symbols of a 48 x 64 padded image
    y_hat[0, 7] = 0  # an empty channel: removing it changes nothing
    with torch.no_grad():  # the photo: the full decode plus a little noise, cropped to 40 x 56 (not a multiple of 16)
        x = (model.synthesize(y_hat)[..., :40, :56] + 0.003 * torch.randn(1, 3, 40, 56, generator=_gen(12))).clamp(0, 1)
    channels = [0, 5, 7, 11]
    kept = y_hat.clone()
    want, _ = decode_variants(model, x, y_hat, [(c, 0.0) for c in channels], batch=1, with_ms_ssim=False)
    for c, w in zip(channels, want):
        with torch.no_grad():  # a decode needs no gradients (and float() of one that has them warns)
            got = float(fn(model, y_hat, x, c))
        assert math.isclose(got, float(w), abs_tol=1e-3), f"channel {c}: got {got:.3f} dB, expected {float(w):.3f}"
    assert torch.equal(y_hat, kept), "your function changed y_hat itself: edit a copy"


# --- 04 importance map -----------------------------------------------------------------------------
def _check_rate_loss(fn: Callable) -> None:
    from lic_lab.quantization.importance_map import rate_loss

    _refuse(fn, {"rate_loss"}, [rate_loss], "the rate loss")
    mask = (torch.rand(4, 32, 6, 7, generator=_gen(11)) < torch.tensor([0.2, 0.45, 0.6, 0.9]).view(4, 1, 1, 1)).float()
    _same(fn(mask, 0.5), rate_loss(mask, 0.5), "the rate loss (eqs. 7-8)")


def _check_importance_from_mask(fn: Callable) -> None:
    from lic_lab.quantization.importance_map import importance_mask

    for n, levels in ((32, 16), (24, 8)):
        qi = torch.randint(0, levels, (2, 5, 7), generator=_gen(12))
        got = torch.as_tensor(fn(importance_mask(qi, n, levels), levels))
        assert not got.is_floating_point(), "return the levels as integers (a long tensor)"
        _same(got, qi, f"the levels QI(p) that eq. 4 turned into this mask (n = {n}, L = {levels})", atol=0)


def _check_inclined_mask(fn: Callable) -> None:
    from lic_lab.layers import trimmed_conv

    _refuse(fn, {"trimmed_mask", "TrimmedConv2d"}, [trimmed_conv.trimmed_mask, trimmed_conv.TrimmedConv2d], "the mask")
    for channels, kh, kw in ((3, 5, 5), (4, 3, 5), (2, 7, 3), (3, 1, 5)):
        r, rh, rw = max(kh, kw) // 2, kh // 2, kw // 2
        for first in (True, False):
            got = torch.as_tensor(fn(channels, kh, kw, first)).float()
            # a rectangular kernel's offsets are the centre rows and columns of the square one's
            square = trimmed_conv.trimmed_mask(channels, max(kh, kw), first, inclined=True)
            want = square[..., r - rh : r + rh + 1, r - rw : r + rw + 1]
            layer = "input layer (eq. 26)" if first else "hidden layer (eq. 27)"
            _same(got, want, f"the inclined mask m[t, k, i, j] of {channels} channels, {kh}x{kw}, {layer}", atol=0)


# --- 05 gain units ---------------------------------------------------------------------------------
def _check_interpolation_weight(fn: Callable) -> None:
    from lic_lab.quantization.gain_units import interpolate

    low = torch.rand(16, generator=_gen(13)) + 0.1
    high = low * (torch.rand(16, generator=_gen(14)) * 3 + 1.2)  # every channel's high differs from its low
    for l_ in (0.0, 0.3, 0.5, 0.85, 1.0):
        got = float(fn(low, high, interpolate(low, high, l_)))
        assert math.isclose(got, l_, abs_tol=1e-5), f"the vector eq. 8 gives at l = {l_}: you found l = {got:.4f}"


def _check_gains_at(fn: Callable) -> None:
    from lic_lab.quantization.gain_units import GainUnit, interpolate, split_rate

    _refuse(
        fn,
        {"interpolate", "split_rate", "GainUnit", "vector"},
        [interpolate, split_rate, GainUnit],
        "eq. 8 and the level split",
    )
    matrix = torch.rand(5, 8, generator=_gen(15)) * 3 + 0.1
    rates = torch.tensor([1.0, 1.25, 2.0, 2.5, 3.999, 4.0, 4.6, 5.0])
    want = torch.stack([interpolate(matrix[s - 1], matrix[s], l) for s, l in (split_rate(float(r), 5) for r in rates)])
    _same(fn(matrix, rates), want, "gain vectors, one row per rate (eq. 8)")


# --- 06 branches and BAM ---------------------------------------------------------------------------
def _check_bal(fn: Callable, inverse: bool) -> None:
    from lic_lab.layers import BitrateAdaptiveLayer

    torch.manual_seed(15)
    layer = BitrateAdaptiveLayer(6, 4, inverse=inverse).eval()
    with torch.no_grad():
        for p in layer.parameters():
            p.normal_(0, 0.5)
        y = torch.randn(1, 6, 5, 5, generator=_gen(16))
        b = layer.net(y)
        _same(fn(y, b), layer(y), "IBAL (eq. 9)" if inverse else "BAL (eq. 8)")


# --- 07 benchmark ----------------------------------------------------------------------------------
def _random_curves(g: np.random.Generator) -> tuple[np.ndarray, ...]:
    r1 = np.sort(g.uniform(0.1, 1.5, 4))
    q1 = np.sort(g.uniform(26, 36, 4))
    r2 = r1 * g.uniform(0.6, 1.2)
    q2 = np.sort(q1 + g.normal(0, 0.3, 4))
    return r1, q1, r2, q2


def _check_bd_psnr(fn: Callable) -> None:
    from lic_lab.evaluation import evaluate, metrics
    from lic_lab.evaluation.metrics import _pchip_integral, bd_psnr

    ready = {"bd_psnr", "bd_rate", "_mean_gap", "bd_table"}
    found = [getattr(m, n) for m in (metrics, evaluate) for n in ready if hasattr(m, n)]
    _refuse(fn, ready, found, "BD-PSNR")
    g = np.random.default_rng(17)
    for _ in range(10):
        r1, q1, r2, q2 = _random_curves(g)
        got, want = float(fn(r1, q1, r2, q2, _pchip_integral)), bd_psnr(r1, q1, r2, q2)
        assert math.isclose(got, want, rel_tol=1e-6, abs_tol=1e-6), f"got {got:.4f} dB, expected {want:.4f} dB"


def _check_rate_overlap(fn: Callable) -> None:
    from lic_lab.evaluation.evaluate import overlap_db

    _refuse(fn, {"overlap_db"}, [overlap_db], "the overlap")
    g = np.random.default_rng(18)
    for _ in range(10):
        r1, _, r2, _ = _random_curves(g)
        r2 = r2 * g.uniform(0.2, 5)
        want = overlap_db(list(np.log(r1)), list(np.log(r2)))  # the same overlap, on the ln-rate axis
        got = float(fn(r1, r2))
        assert math.isclose(got, want, abs_tol=1e-9), f"got {got:.4f}, expected {want:.4f}"


CODE_EXERCISES: dict[str, CodeExercise] = {
    "01.noise": CodeExercise(
        "add_noise(y, step): the noise proxy of a quantizer of step Delta, round(y / Delta) Delta",
        "the noise spans one bin of this quantizer: centred on 0, as wide as the step",
        _check_noise,
    ),
    "01.ste": CodeExercise(
        "ste_round(y, step): round(y / Delta) Delta forward, identity gradient backward",
        "the forward value is the quantized one; add to y a correction that carries no gradient",
        _check_ste,
    ),
    "01.bin_mass": CodeExercise(
        "bin_mass(v, b): P(round(Y) = v) for Y ~ Laplace(0, b)",
        "a bin's mass is the CDF's rise across it; integrate the density once for x < 0 and once for x > 0 "
        "to get the CDF",
        _check_bin_mass,
    ),
    "02.responsibilities": CodeExercise(
        "responsibilities(z, weights, means, stds): (..., K) posterior of each component",
        "pi_q N(z | mu_q, sigma_q^2), normalised over q (a softmax of the log densities)",
        _check_responsibilities,
    ),
    "02.context_offsets": CodeExercise(
        "context_offsets(order, first): the offsets (dc, dh, dw) in {-1, 0, 1}^3 a 3x3x3 masked kernel keeps",
        "with order (a, b), a symbol's wavefront is t = a c + b h + w; keep an offset when it lowers t "
        "(a dc + b dh + dw < 0), and in a later layer (first False) also when it leaves t unchanged",
        _check_context_offsets,
    ),
    "02.gmm_nll": CodeExercise(
        "gmm_nll(z, weights, means, stds): eq. 5, -sum_i log sum_q pi_q N(z_i | mu_q, sigma_q^2), in nats",
        "work in logs and combine the components with a log-sum-exp; the Gaussian's normalising constant "
        "cancels in the responsibilities but not here",
        _check_gmm_nll,
    ),
    "03.channel_bits": CodeExercise(
        "channel_bits(likelihoods): bits of each channel of an (N, C, H, W) likelihood tensor",
        "-log2 of every likelihood, summed over every axis but the channel one",
        _check_channel_bits,
    ),
    "03.spearman": CodeExercise(
        "spearman(a, b): rank correlation, ties taking their average rank",
        "rank both (average ranks for ties), then the Pearson correlation of the ranks",
        _check_spearman,
    ),
    "03.channels_for_share": CodeExercise(
        "channels_for_share(losses, share): the fewest channels, most important first, whose losses reach "
        "`share` of the total",
        "a removal that helps (a negative loss) counts as nothing; sort, accumulate, and stop at the first "
        "count whose running total reaches the share",
        _check_channels_for_share,
    ),
    "03.psnr_without": CodeExercise(
        "psnr_without(model, y_hat, x, c): PSNR (dB) of x decoded from y_hat with channel c set to zero",
        "edit a copy, never y_hat itself; model.synthesize decodes a padded image, so crop it to x's size "
        "and keep it in [0, 1] before measuring",
        _check_psnr_without,
    ),
    "04.rate_loss": CodeExercise(
        "rate_loss(mask, r): eqs. 7-8, the batch mean of each image's kept codes above its budget r n h w",
        "a hinge per image: count the kept codes, subtract the budget, keep only what is above 0",
        _check_rate_loss,
    ),
    "04.importance_from_mask": CodeExercise(
        "importance_from_mask(mask, L): undo eq. 4, the (N, h, w) levels QI(p) of an (N, n, h, w) mask",
        "count the kept channels at each position: eq. 4 keeps n QI(p) / L of them",
        _check_importance_from_mask,
    ),
    "04.inclined_mask": CodeExercise(
        "inclined_mask(channels, kh, kw, first): the (n, n, kh, kw) mask m[t, k, i, j] of eqs. 26-27",
        "offsets i run from -(kh // 2) to kh // 2 and j from -(kw // 2) to kw // 2 around the centre; keep a tap when "
        "(k - t) + i + j < 0 in the input layer (first), <= 0 in a hidden one",
        _check_inclined_mask,
    ),
    "05.interpolation_weight": CodeExercise(
        "interpolation_weight(low, high, m): eq. 8 backwards, the l at which the two levels give m",
        "eq. 8 is a straight line in log(gain): where does log m sit between log low and log high?",
        _check_interpolation_weight,
    ),
    "05.gains_at": CodeExercise(
        "gains_at(matrix, rates): split_rate and eq. 8 for many rates at once, a (len(rates), C) tensor",
        "each rate picks two neighbouring rows of the matrix (the top rate included) and a weight between them",
        _check_gains_at,
    ),
    "06.bal": CodeExercise(
        "bal(y, b): eq. 8, the BAL that shrinks the base-rate latent",
        "the BAL multiplies y by a factor in (0, 1) made from b",
        lambda fn: _check_bal(fn, inverse=False),
    ),
    "06.ibal": CodeExercise(
        "ibal(y, b): eq. 9, the inverse BAL that expands the decoded latent",
        "the IBAL multiplies by a factor of at least 1 made from b",
        lambda fn: _check_bal(fn, inverse=True),
    ),
    "07.bd_psnr": CodeExercise(
        "my_bd_psnr(rate_a, psnr_a, rate_t, psnr_t, integral): mean PSNR change (dB) at equal rate",
        "BD-rate's recipe with the axes swapped: PSNR as a function of ln(rate), on the rate range both cover",
        _check_bd_psnr,
    ),
    "07.rate_overlap": CodeExercise(
        "rate_overlap(rate_a, rate_t): the width, in ln(bpp), of the bitrate range both curves cover; 0 if none",
        "the common range runs from the larger of the two lowest rates to the smaller of the two highest",
        _check_rate_overlap,
    ),
}


def check_code(key: str, fn: Callable) -> None:
    """The check cell: ``correct``, "not attempted yet", or an ``AssertionError`` with a hint."""
    exercise = CODE_EXERCISES[key]
    try:
        exercise.check(fn)
    except NotImplementedError:
        print(f"{key}: not attempted yet - write {exercise.task.split(':')[0]} above, then run this cell again")
        return
    except AssertionError as err:
        raise AssertionError(f"{key}: not yet - {err}. Hint: {exercise.hint}") from None
    except Exception as err:  # noqa: BLE001 - a student function that fails on the inputs (an index, a shape, a type)
        raise AssertionError(
            f"{key}: not yet - your function raised {type(err).__name__}: {err}. Hint: {exercise.hint}"
        ) from None
    print(f"{key}: correct")


__all__ = ["CODE_EXERCISES", "CodeExercise", "check_code"]
