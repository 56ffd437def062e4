"""A seeded mutation fuzzer for the decoder: hostile bitstreams must give one clean error, never a crash.

Each valid stream is mutated in ways a damaged or crafted file can be: random byte flips (CRC left
wrong, then with the CRC recomputed), truncations, every header field (size, setting, model name,
section count and lengths), swapped, emptied or duplicated sections. Each case is decoded the way
``python -m lic_lab decompress`` does (:func:`lic_lab.zoo.decompress_bytes`) under a time budget.
An outcome is one of

* ``error``: a :class:`~lic_lab.errors.LicLabError` (the CLI prints one line): what we want;
* ``same``: decoded to the original image (a mutation that changed nothing that matters);
* ``garbage``: decoded without error to another image: undetectable once the CRC is recomputed
  and the damaged bits still decode (counted, and kept rare by the end-of-section checks);
* ``crash``: any other exception (a traceback: a bug), or ``hang``: over the time budget.

``scripts/fuzz_decode.py`` runs a long campaign; the test suite runs a short one per family.
"""

from __future__ import annotations

import math
import random
import signal
import struct
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lic_lab.bitstream import FINGERPRINT_BYTES, MAGIC, VERSION, Bitstream
from lic_lab.errors import LicLabError


def _section_lengths_at(data: bytes) -> int:
    """Offset of the first section length in a valid stream (after magic, version, name, weights
    fingerprint, setting, size, count)."""
    return 6 + data[5] + FINGERPRINT_BYTES + 9


def with_crc(body: bytes) -> bytes:
    """``body`` (a stream without its CRC) followed by a correct CRC-32."""
    return body + struct.pack(">I", zlib.crc32(body))


def _repack(stream: Bitstream, **changes: Any) -> bytes:
    """Re-serialise a parsed stream with fields changed, bypassing the writer's own checks."""
    model = changes.get("model", stream.model).encode("utf-8", "replace")[:255]
    setting = changes.get("setting", stream.setting)
    height, width = changes.get("height", stream.height), changes.get("width", stream.width)
    sections = changes.get("sections", stream.sections)
    lengths = changes.get("lengths", [len(s) for s in sections])
    weights = changes.get("weights", stream.weights)
    head = MAGIC + struct.pack(">BB", VERSION, len(model)) + model + weights
    head += struct.pack(">fHHB", setting, height & 0xFFFF, width & 0xFFFF, len(lengths) & 0xFF)
    head += b"".join(struct.pack(">I", n & 0xFFFFFFFF) for n in lengths)
    return with_crc(head + b"".join(sections))


def mutations(data: bytes, rng: random.Random, others: list[str], per_kind: int = 3) -> Iterator[tuple[str, bytes]]:
    """(kind, mutated stream) pairs for one valid stream; ``others`` are other model names."""
    stream = Bitstream.from_bytes(data)
    body = data[:-4]
    sections_at = _section_lengths_at(data)
    payload_at = sections_at + 4 * len(stream.sections)
    for _ in range(per_kind):
        i = rng.randrange(len(data))
        yield "flip", data[:i] + bytes([data[i] ^ (1 << rng.randrange(8))]) + data[i + 1 :]
        if payload_at < len(body):
            j = rng.randrange(payload_at, len(body))
            yield (
                "payload_flip_crc_fixed",
                with_crc(body[:j] + bytes([body[j] ^ (1 << rng.randrange(8))]) + body[j + 1 :]),
            )
            k = rng.randrange(payload_at, len(body))
            yield "payload_byte_crc_fixed", with_crc(body[:k] + bytes([rng.randrange(256)]) + body[k + 1 :])
        yield "truncate", data[: rng.randrange(len(data))]
        yield "truncate_crc_fixed", with_crc(body[: rng.randrange(payload_at, len(body) + 1)])
    for h, w in (
        (0, stream.width),
        (stream.height, 0),
        (65535, 65535),
        (1, 65535),
        (4096, 4096),
        (1, 1),
        (stream.height + 64, stream.width),
    ):
        yield "size", _repack(stream, height=h, width=w)
    for setting in (math.nan, math.inf, -math.inf, -1.0, 0.0, 0.5, 2.5, 1e30, stream.setting + 1):
        yield "setting", _repack(stream, setting=setting)
    for name in [*rng.sample(others, min(len(others), per_kind)), "", "Bad Name", "x" * 200]:
        yield "model_name", _repack(stream, model=name)
    for _ in range(per_kind):  # a file of other weights of this model: refused, never decoded
        other = bytes(rng.randrange(256) for _ in range(FINGERPRINT_BYTES))
        yield "weights", _repack(stream, weights=other if other != stream.weights else bytes(FINGERPRINT_BYTES))
    n = len(stream.sections)
    if n > 1:
        yield "swap_sections", _repack(stream, sections=stream.sections[::-1])
    yield "empty_section", _repack(stream, sections=[b""] + stream.sections[1:])
    yield "drop_section", _repack(stream, sections=stream.sections[:-1] or [b""])
    yield "extra_section", _repack(stream, sections=stream.sections + stream.sections[-1:])
    yield "extra_words", _repack(stream, sections=stream.sections[:-1] + [stream.sections[-1] + bytes(8)])
    yield "section_count", _repack(stream, lengths=[len(s) for s in stream.sections] + [0])
    if n:
        lengths = [len(s) for s in stream.sections]
        lengths[0] += 4
        yield "section_length", _repack(stream, lengths=lengths)
    yield (
        "random_payload",
        _repack(stream, sections=[bytes(rng.randrange(256) for _ in range(len(s))) for s in stream.sections]),
    )


def png_claiming(width: int, height: int) -> bytes:
    """A valid ~70-byte PNG whose header claims ``width x height`` RGB pixels (a decompression bomb)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b"")


class _Timeout(Exception):
    pass


def _alarm(seconds: float) -> Callable[[], None]:
    """Raise :class:`_Timeout` after ``seconds`` (main thread, POSIX); returns the canceller."""
    if not hasattr(signal, "setitimer"):
        return lambda: None

    def handler(signum, frame):
        raise _Timeout()

    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)

    def cancel() -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)

    return cancel


@dataclass
class FuzzReport:
    """Counts of outcomes, per kind of mutation, and the first examples of each bad outcome."""

    cases: int = 0
    outcomes: Counter = field(default_factory=Counter)
    by_kind: dict[str, Counter] = field(default_factory=dict)
    crashes: list[str] = field(default_factory=list)
    slowest_s: float = 0.0

    def add(self, kind: str, outcome: str, detail: str = "") -> None:
        self.cases += 1
        self.outcomes[outcome] += 1
        self.by_kind.setdefault(kind, Counter())[outcome] += 1
        if outcome in ("crash", "hang") and len(self.crashes) < 20:
            self.crashes.append(f"{kind}: {detail}")

    def as_dict(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "outcomes": dict(self.outcomes),
            "slowest_s": round(self.slowest_s, 3),
            "by_kind": {k: dict(v) for k, v in sorted(self.by_kind.items())},
            "crashes": self.crashes,
        }


def fuzz_stream(
    data: bytes,
    reference: np.ndarray,
    others: list[str],
    seed: int = 0,
    per_kind: int = 3,
    budget_s: float = 30.0,
    report: FuzzReport | None = None,
    cache: dict[str, Any] | None = None,
) -> FuzzReport:
    """Decode every mutation of one valid stream and classify the outcome (see the module docstring)."""
    from lic_lab.data import to_uint8
    from lic_lab.zoo import decompress_bytes

    report = report or FuzzReport()
    cache = {} if cache is None else cache
    rng = random.Random(seed)
    for kind, mutated in mutations(data, rng, others, per_kind):
        start = time.perf_counter()
        cancel = _alarm(budget_s)
        try:
            img = to_uint8(decompress_bytes(mutated, cache=cache).image)
            outcome = "same" if img.shape == reference.shape and np.array_equal(img, reference) else "garbage"
            detail = ""
        except LicLabError:
            outcome, detail = "error", ""
        except _Timeout:
            outcome, detail = "hang", f"over {budget_s} s"
        except Exception as err:  # noqa: BLE001 - the point is to count them
            outcome, detail = "crash", f"{err.__class__.__name__}: {err}"
        finally:
            cancel()
        report.slowest_s = max(report.slowest_s, time.perf_counter() - start)
        report.add(kind, outcome, detail)
    return report
