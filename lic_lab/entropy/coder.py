"""Real entropy coding of integer symbols with constriction's ANS coder.

Every entropy model of the workbook reduces coding to the same problem: integer symbols, each
assigned to one of a few discrete distributions (a *table*: a channel of the factorized density,
or one entry of the Gaussian scale table). Symbols that share a table are coded together as
i.i.d. draws of that table, which keeps the coder fast (no per-symbol model in Python).

A table covers the symbols ``lo .. hi`` plus two *escape* slots for values below ``lo`` and above
``hi`` (with the model's tail mass). An escaped value's distance past the range is coded with an
Elias-gamma code over uniform models, so any integer round-trips exactly: bit-exact decoding is
the contract, not an approximation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import constriction
import numpy as np

from lic_lab.errors import BitstreamError

_MODEL = constriction.stream.model
MAX_ESCAPE_BITS = 24
# constriction's categorical models quantize probabilities to 24 bits and leave no symbol at 0: about the
# smallest probability a symbol of a table is coded with (what an outlier costs, in the real bitstream)
PROBABILITY_FLOOR = 2.0**-24
# Every section ends with this 16-bit word (coded first, so decoded last). A decoder that lost sync
# (damaged data) or ran past the end of its data (a size or model that does not match) reads
# something else with probability 1 - 2^-16; an ANS decoder would otherwise go on decoding zeros.
SENTINEL, _SENTINEL_MODEL = 0x4C49, _MODEL.Uniform(1 << 16)


@dataclass(frozen=True)
class PmfTable:
    """A discrete distribution over ``lo .. lo + len(pmf) - 3`` with two escape slots.

    ``pmf = [P(v < lo), P(lo), ..., P(hi), P(v > hi)]`` (float64, need not sum to one exactly).
    """

    lo: int
    pmf: np.ndarray

    @property
    def hi(self) -> int:
        return self.lo + len(self.pmf) - 3

    def bits(self, values: np.ndarray) -> float:
        """Ideal code length in bits of ``values`` (escape payloads not counted)."""
        idx = np.clip(values - self.lo + 1, 0, len(self.pmf) - 1)
        p = self.pmf / self.pmf.sum()
        return float(-np.log2(np.maximum(p[idx], 1e-30)).sum())


def quantize_pmf(pmf: np.ndarray) -> np.ndarray:
    """Round a float64 pmf to a fixed grid so encoder and decoder see identical numbers."""
    return np.round(np.asarray(pmf, dtype=np.float64) * 2.0**40) / 2.0**40


def _escape_parts(overflow: int) -> list[tuple[int, int]]:
    """(value, alphabet size) pairs of the Elias-gamma code of ``overflow >= 0``."""
    n = overflow + 1
    k = n.bit_length() - 1
    if k >= MAX_ESCAPE_BITS:
        raise ValueError(f"latent value {overflow} past the table is too large to code")
    parts = [(k, MAX_ESCAPE_BITS)]
    if k > 0:
        parts.append((n - (1 << k), 1 << k))
    return parts


class LazyTables(Sequence):
    """``count`` pmf tables built on first use by ``build(index)`` and cached.

    Lets a model offer many tables (e.g. every pair of left and right scales) while a bitstream
    only pays for the ones its symbols use.
    """

    def __init__(self, count: int, build: Callable[[int], PmfTable]):
        # not ``self.count``: that would shadow ``Sequence.count``
        self.size, self.build = count, build
        self.cache: dict[int, PmfTable] = {}

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index: int) -> PmfTable:  # type: ignore[override]
        index = int(index)
        if not 0 <= index < self.size:
            raise IndexError(index)
        if index not in self.cache:
            self.cache[index] = self.build(index)
        return self.cache[index]


def encode_symbols(symbols: np.ndarray, groups: np.ndarray, tables: Sequence[PmfTable]) -> bytes:
    """Encode integer ``symbols`` where ``groups[i]`` names the table of symbol ``i``."""
    symbols = np.asarray(symbols, dtype=np.int64).ravel()
    groups = np.asarray(groups, dtype=np.int64).ravel()
    if symbols.shape != groups.shape:
        raise ValueError("symbols and groups differ in size")
    order = np.argsort(groups, kind="stable")
    sorted_groups = groups[order]
    sorted_symbols = symbols[order]
    bounds = np.searchsorted(sorted_groups, np.arange(len(tables) + 1))
    chunks: list[tuple[np.ndarray, PmfTable]] = []  # (indices into table, table) in decoding order
    overflows: list[int] = []
    for g in np.flatnonzero(np.diff(bounds)):
        table = tables[int(g)]
        values = sorted_symbols[bounds[g] : bounds[g + 1]]
        idx = values - table.lo + 1
        low, high = values < table.lo, values > table.hi
        idx[low] = 0
        idx[high] = len(table.pmf) - 1
        esc = np.flatnonzero(low | high)
        overflows.extend(np.where(low[esc], table.lo - 1 - values[esc], values[esc] - table.hi - 1).tolist())
        chunks.append((idx.astype(np.int32), table))
    coder = constriction.stream.stack.AnsCoder()
    coder.encode_reverse(np.array([SENTINEL], dtype=np.int32), _SENTINEL_MODEL)
    parts = [p for o in overflows for p in _escape_parts(int(o))]
    for value, size in reversed(parts):
        coder.encode_reverse(np.array([value], dtype=np.int32), _MODEL.Uniform(size))
    for idx, table in reversed(chunks):
        coder.encode_reverse(idx, _MODEL.Categorical(table.pmf, perfect=False))
    return coder.get_compressed().tobytes()


def decode_symbols(data: bytes, groups: np.ndarray, tables: Sequence[PmfTable]) -> np.ndarray:
    """Inverse of :func:`encode_symbols`: the symbols, in the order ``groups`` describes.

    Raises :class:`BitstreamError` when the section is malformed or not used up exactly.
    """
    groups = np.asarray(groups, dtype=np.int64).ravel()
    if groups.size and (groups.min() < 0 or groups.max() >= len(tables)):
        raise BitstreamError("symbol group outside the model's tables")
    order = np.argsort(groups, kind="stable")
    bounds = np.searchsorted(groups[order], np.arange(len(tables) + 1))
    coder = open_coder(data)
    sorted_symbols = np.empty(groups.size, dtype=np.int64)
    escapes = []
    try:
        for g in np.flatnonzero(np.diff(bounds)):
            table = tables[int(g)]
            count = int(bounds[g + 1] - bounds[g])
            idx = coder.decode(_MODEL.Categorical(table.pmf, perfect=False), count).astype(np.int64)
            sorted_symbols[bounds[g] : bounds[g + 1]] = idx + table.lo - 1
            for j in np.flatnonzero((idx == 0) | (idx == len(table.pmf) - 1)):
                escapes.append((bounds[g] + j, table, idx[j] == 0))
        for pos, table, is_low in escapes:
            k = int(coder.decode(_MODEL.Uniform(MAX_ESCAPE_BITS), 1)[0])
            n = 1 << k
            if k > 0:
                n += int(coder.decode(_MODEL.Uniform(1 << k), 1)[0])
            overflow = n - 1
            sorted_symbols[pos] = table.lo - 1 - overflow if is_low else table.hi + 1 + overflow
    except (ValueError, RuntimeError, OverflowError) as err:
        raise BitstreamError(f"entropy decoding failed: {err}") from None
    check_consumed(coder)
    symbols = np.empty_like(sorted_symbols)
    symbols[order] = sorted_symbols
    return symbols


_PER_SYMBOL = _MODEL.Categorical(perfect=False)  # probabilities given with each symbol


def open_coder(data: bytes) -> constriction.stream.stack.AnsCoder:
    """An ANS decoder over a section's words; constriction's own errors become :class:`BitstreamError`.

    Every section holds at least the end marker, so an empty one is refused (an ANS decoder would
    happily decode zeros from it).
    """
    if len(data) % 4:
        raise BitstreamError("entropy-coded section is not a whole number of 32-bit words")
    if not data:
        raise BitstreamError("empty entropy-coded section")
    try:
        return constriction.stream.stack.AnsCoder(np.frombuffer(data, dtype=np.uint32).copy())
    except (ValueError, RuntimeError, OverflowError) as err:
        raise BitstreamError(f"malformed entropy-coded section ({err})") from None


def check_consumed(coder: constriction.stream.stack.AnsCoder) -> None:
    """After the last symbol comes the sentinel, and then the decoder must be back in the encoder's
    initial state: every word used, none missing."""
    try:
        end = int(coder.decode(_SENTINEL_MODEL, 1)[0])
    except (ValueError, RuntimeError, OverflowError) as err:
        raise BitstreamError(f"entropy decoding failed: {err}") from None
    if end != SENTINEL:
        raise BitstreamError(
            "entropy-coded section does not end where it should "
            "(corrupt, or made by another model, setting or image size)"
        )
    if not coder.is_empty():
        raise BitstreamError(
            "entropy-coded section has data left over after the last symbol "
            "(corrupt, or made by another model or setting)"
        )


class StepEncoder:
    """Symbols coded step by step, each with its own categorical distribution (context models).

    :meth:`add` one decoding step's symbols and probabilities, in decoding order; :meth:`finish`
    codes them all in one ANS pass (in reverse, so the decoder reads them forward).
    """

    def __init__(self) -> None:
        self.symbols: list[np.ndarray] = []
        self.probs: list[np.ndarray] = []

    def add(self, symbols: np.ndarray, probs: np.ndarray) -> None:
        self.symbols.append(np.asarray(symbols, dtype=np.int32))
        self.probs.append(probs)

    def finish(self) -> tuple[bytes, float]:
        """The coded bytes and the ideal code length in bits."""
        coder = constriction.stream.stack.AnsCoder()
        coder.encode_reverse(np.array([SENTINEL], dtype=np.int32), _SENTINEL_MODEL)
        if not self.symbols:
            return coder.get_compressed().tobytes(), 0.0
        symbols, probs = np.concatenate(self.symbols), np.concatenate(self.probs)
        coder.encode_reverse(symbols, _PER_SYMBOL, probs)
        bits = float(-np.log2(probs[np.arange(len(symbols)), symbols]).sum())
        return coder.get_compressed().tobytes(), bits


class StepDecoder:
    """Inverse of :class:`StepEncoder`: :meth:`decode` one step's symbols from its probabilities."""

    def __init__(self, data: bytes):
        self.coder = open_coder(data)

    def decode(self, probs: np.ndarray) -> np.ndarray:
        try:
            return self.coder.decode(_PER_SYMBOL, probs).astype(np.int64)
        except (ValueError, RuntimeError, OverflowError) as err:
            raise BitstreamError(f"entropy decoding failed: {err}") from None

    def finish(self) -> None:
        """Raise :class:`BitstreamError` unless every word of the section was used."""
        check_consumed(self.coder)
