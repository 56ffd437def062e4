"""The code-writing exercises: the worked solution passes, a wrong answer fails the check cell,
an untouched template only says "not attempted yet"."""

from __future__ import annotations

import functools
import importlib.util

import numpy as np
import pytest
import scipy.stats
import torch

from lic_lab import REPO_DIR
from lic_lab.teaching.code_exercises import CODE_EXERCISES, check_code

_spec = importlib.util.spec_from_file_location("code_solutions", REPO_DIR / "notebooks" / "solutions" / "code_solutions.py")
solutions = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(solutions)

# one plausible mistake per exercise (an off-by-one, a sign, a missing term, the wrong formula)
WRONG = {
    "01.noise": lambda y, step: y + torch.rand_like(y) - 0.5,  # ignores the step
    "01.ste": lambda y, step: y + (torch.round(y) - y).detach(),  # rounds to the unit grid
    "01.bin_mass": lambda v, b: torch.exp(-(v.abs()) / b) / (2 * b),  # the density, not the mass
    "02.responsibilities": lambda z, w, m, s: torch.softmax(-((z.unsqueeze(-1) - m) ** 2), -1),  # ignores weights, stds
    "02.gmm_nll": lambda z, w, m, s: -torch.logsumexp(torch.log(w) - 0.5 * ((z.unsqueeze(-1) - m) / s) ** 2 - torch.log(s),
                                                      dim=-1).sum(),  # the constant 0.5 log 2 pi left out
    "02.context_offsets": lambda order, first: [(dc, dh, dw) for dc in (-1, 0, 1) for dh in (-1, 0, 1) for dw in (-1, 0, 1)
                                                if order[0] * dc + order[1] * dh + dw < 0],  # the centre-plane rule of later layers left out
    "03.channel_bits": lambda lik: (-torch.log(lik.double())).sum(dim=(0, 2, 3)),  # nats
    "03.spearman": lambda a, b: float(np.corrcoef(a, b)[0, 1]),  # Pearson on values
    "03.channels_for_share": lambda losses, share: int(np.searchsorted(np.cumsum(np.sort(losses)[::-1]) / np.sum(losses), share) + 1),  # negatives kept
    "03.psnr_without": lambda model, y_hat, x, c: float(10 * torch.log10(1 / torch.mean((model.synthesize(y_hat)[..., : x.shape[-2], : x.shape[-1]].clamp(0, 1) - x) ** 2))),  # no channel removed
    "04.rate_loss": lambda mask, r: (mask.sum(dim=(1, 2, 3)) - r * mask[0].numel()).mean(),  # no hinge
    "04.importance_from_mask": lambda mask, L: mask.sum(dim=1).long(),  # the count, not the level
    "04.inclined_mask": lambda n, kh, kw, first: torch.ones(n, n, kh, kw).tril().flip(-1)[..., :kh, :kw]
    if kh == kw else torch.zeros(n, n, kh, kw),  # a triangle drawn by hand, the channels left out
    "05.interpolation_weight": lambda low, high, m: float(((m - low) / (high - low)).mean()),  # linear inverse
    "05.gains_at": lambda M, R: torch.stack([(1 - (r - r.floor().clamp(max=M.shape[0] - 1))) * M[int(r.floor().clamp(max=M.shape[0] - 1)) - 1]
                                             + (r - r.floor().clamp(max=M.shape[0] - 1)) * M[int(r.floor().clamp(max=M.shape[0] - 1))]
                                             for r in R]),  # linear, not eq. 8
    "06.bal": lambda y, b: y * torch.sigmoid(b),
    "06.ibal": lambda y, b: y * (1 + b),
    "07.bd_psnr": lambda ra, qa, rt, qt, integral: float(np.mean(qt) - np.mean(qa)),  # mean PSNRs, not at equal rate
    "07.rate_overlap": lambda ra, rt: min(max(ra), max(rt)) - max(min(ra), min(rt)),  # in bpp, not ln(bpp)
}


def test_every_exercise_has_a_solution_and_a_wrong_answer():
    assert set(CODE_EXERCISES) == set(solutions.SOLUTIONS) == set(WRONG)
    books = {key.split(".")[0] for key in CODE_EXERCISES}
    assert books == {"01", "02", "03", "04", "05", "06", "07"}
    assert all(sum(k.startswith(b) for k in CODE_EXERCISES) >= 2 for b in books)


@pytest.mark.parametrize("key", sorted(CODE_EXERCISES))
def test_the_solution_passes_and_a_wrong_answer_fails(key, capsys):
    check_code(key, solutions.SOLUTIONS[key])
    assert capsys.readouterr().out.strip() == f"{key}: correct"
    with pytest.raises(AssertionError, match="not yet"):
        check_code(key, WRONG[key])


def _ranks(v):  # a helper of the student's own, beside the exercise, that hides the ready-made call
    from scipy.stats import rankdata

    return rankdata(v)


def rankdata(v):  # the student's own average ranks, under the library's name: allowed
    v = np.asarray(v, float)
    order = np.argsort(v, kind="mergesort")
    ranks = np.empty(len(v))
    ranks[order] = np.arange(1, len(v) + 1)
    return np.array([ranks[v == x].mean() for x in v])


def _own_ranks(v):  # a second level of the student's own helpers
    return rankdata(v)


def test_helpers_of_the_students_own_pass():
    def spearman(a, b):
        return float(np.corrcoef(_own_ranks(a), _own_ranks(b))[0, 1])

    check_code("03.spearman", spearman)

    def spearman_local(a, b):  # a local helper under the library's name, used from a generator (a closure cell)
        def rankdata(v):
            return _own_ranks(v)

        ra, rb = (rankdata(v) for v in (a, b))
        return float(np.corrcoef(ra, rb)[0, 1])

    check_code("03.spearman", spearman_local)

    def gains_at(matrix, rates):  # a local `vector`, named like GainUnit.vector, used in a comprehension
        def vector(r):
            s = min(max(int(r), 1), matrix.shape[0] - 1)
            return matrix[s - 1] ** (1 - (r - s)) * matrix[s] ** (r - s)

        return torch.stack([vector(float(r)) for r in rates])

    check_code("05.gains_at", gains_at)


def test_exercises_refuse_a_ready_made_answer():
    from scipy.stats import rankdata as scipy_rankdata
    from scipy.stats import spearmanr

    from lic_lab.teaching import channels
    from lic_lab.teaching.channels import spearman as alias

    def scipy_by_name(a, b):
        return float(spearmanr(a, b)[0])

    def ranks_from_scipy(a, b):
        return float(np.corrcoef(scipy_rankdata(a), scipy_rankdata(b))[0, 1])

    def nested(a, b):
        def inner():
            return alias(a, b)

        return inner()

    def via_helper(a, b):
        return float(np.corrcoef(_ranks(a), _ranks(b))[0, 1])

    def by_default(a, b, rk=scipy_rankdata):
        return float(np.corrcoef(rk(a), rk(b))[0, 1])

    @torch.no_grad()
    def decorated(a, b):
        return float(spearmanr(a, b)[0])

    partial = functools.partial(scipy_rankdata)

    def via_partial(a, b):
        return float(np.corrcoef(partial(a), partial(b))[0, 1])

    evasions = (lambda a, b: channels.spearman(a, b), scipy_by_name, ranks_from_scipy, nested, via_helper, by_default,
                decorated, via_partial)
    for fn in evasions:
        with pytest.raises(AssertionError, match="yourself"):
            check_code("03.spearman", fn)
    with pytest.raises(AssertionError, match="yourself"):
        check_code("03.channels_for_share", lambda losses, share: channels.channels_for_share(losses, share))
    from lic_lab.entropy import context3d
    from lic_lab.evaluation import evaluate, metrics
    from lic_lab.layers import trimmed_conv
    from lic_lab.quantization import gain_units, importance_map
    from lic_lab.quantization.gmm import GMMQuantizer

    ready_made = {
        "01.bin_mass": lambda v, b: torch.distributions.Laplace(0.0, b).cdf(v + 0.5)
        - torch.distributions.Laplace(0.0, b).cdf(v - 0.5),
        "01.bin_mass ": lambda v, b: torch.as_tensor(scipy.stats.laplace.cdf(v + 0.5, scale=b) - scipy.stats.laplace.cdf(v - 0.5, scale=b)),
        "04.rate_loss": lambda mask, r: importance_map.rate_loss(mask, r),
        "04.inclined_mask": lambda n, kh, kw, first: trimmed_conv.trimmed_mask(n, kh, first, inclined=True),
        "02.context_offsets": lambda order, first: context3d.kernel_offsets(order, first),
        "02.responsibilities": lambda z, w, m, s: GMMQuantizer(len(m)).responsibilities(z),
        "02.gmm_nll": lambda z, w, m, s: GMMQuantizer(len(m)).nll(z),
        "05.gains_at": lambda M, R: torch.stack([gain_units.interpolate(M[0], M[1], float(r) % 1) for r in R]),
        "05.gains_at ": lambda M, R: torch.stack([gain_units.GainUnit(*M.shape).vector(float(r)) for r in R]),
        "02.gmm_nll ": lambda z, w, m, s: -torch.distributions.MixtureSameFamily(
            torch.distributions.Categorical(w), torch.distributions.Normal(m, s)).log_prob(z).sum(),
        "07.bd_psnr ": lambda ra, qa, rt, qt, integral: evaluate.bd_table({"a": (ra, qa), "t": (rt, qt)}, ["t"], ["a"])[0]["BD-PSNR (dB)"],
        "07.bd_psnr": lambda ra, qa, rt, qt, integral: metrics.bd_psnr(ra, qa, rt, qt),
        "07.rate_overlap": lambda ra, rt: evaluate.overlap_db(list(np.log(ra)), list(np.log(rt))),
    }
    for key, fn in ready_made.items():  # a trailing space: a second evasion of the same exercise
        with pytest.raises(AssertionError, match="yourself"):
            check_code(key.strip(), fn)
    with pytest.raises(AssertionError, match="yourself"):
        check_code("03.psnr_without", lambda model, y_hat, x, c: float(channels.decode_variants(model, x, y_hat, [(c, 0.0)])[0][0]))
    decode = functools.partial(channels.decode_variants, batch=1, with_ms_ssim=False)  # a decorated function, aliased

    def by_partial(model, y_hat, x, c):
        return float(decode(model, x, y_hat, [(c, 0.0)])[0][0])

    def by_decorated_default(model, y_hat, x, c, dv=channels.decode_variants):
        return float(dv(model, x, y_hat, [(c, 0.0)], batch=1, with_ms_ssim=False)[0][0])

    for fn in (by_partial, by_decorated_default):
        with pytest.raises(AssertionError, match="yourself"):
            check_code("03.psnr_without", fn)


def test_a_function_that_raises_fails_with_the_hint():
    def no_clamp(matrix, rates):  # R = levels indexes past the last row: IndexError inside the student's code
        s = rates.floor().long()
        l = (rates - s).unsqueeze(1)
        return matrix[s - 1] ** (1 - l) * matrix[s] ** l

    with pytest.raises(AssertionError, match="not yet - your function raised IndexError.*Hint"):
        check_code("05.gains_at", no_clamp)
    with pytest.raises(AssertionError, match="not yet"):  # a hard-coded n / L
        check_code("04.importance_from_mask", lambda mask, L: mask.sum(dim=1).long() // 2)
    with pytest.raises(AssertionError, match="integers"):
        check_code("04.importance_from_mask", lambda mask, L: mask.sum(dim=1) * L / mask.shape[1])


def test_an_untouched_template_is_not_attempted_yet(capsys):
    def template(*args):
        raise NotImplementedError

    check_code("01.ste", template)
    assert "not attempted yet" in capsys.readouterr().out


def test_show_source_reads_the_running_code():
    from lic_lab.quantization import proxies
    from lic_lab.teaching.source import source_markdown

    text = source_markdown(proxies.ste_round)
    assert "def ste_round" in text and "lic_lab/quantization/proxies.py" in text and text.count("```") == 2
    from lic_lab.teaching import channels

    decorated = source_markdown(channels.ablate_channels)  # @torch.no_grad(): its own file, not torch's wrapper
    assert "lic_lab/teaching/channels.py" in decorated and "_contextlib" not in decorated


def test_the_noise_exercise_checks_the_backward_pass():
    def detached(y, step):  # the right noise, but cut off from y's gradient
        return (y + (torch.rand_like(y) - 0.5) * step).detach()

    with pytest.raises(AssertionError, match="not yet"):
        check_code("01.noise", detached)
