"""The self-describing container every lic_lab bitstream uses.

Layout (big-endian, format version 3)::

    b"LICL" | version u8 | name length u8 | model name (utf-8) | weights fingerprint 4 bytes
    | setting f32 | height u16 | width u16
    | section count u8 | section lengths u32 * count | sections ... | CRC-32 of all the above u32

``decompress`` needs nothing else: the model name says which checkpoint to load, the fingerprint
which weights of it (the first 4 bytes of a SHA-256 over its parameters,
:meth:`lic_lab.models.base.CompressionModel.weights_fingerprint`: a model retrained under the same
name refuses a file its predecessor wrote instead of decoding it into a wrong image), the setting
says which rate (quality index, or a continuous rate for variable-rate models), the size says how
to crop. The CRC turns a corrupt or truncated file into a clear error instead of a wrong image.

Nothing in a header is trusted: :meth:`Bitstream.from_bytes` checks the CRC, the size (against
:mod:`lic_lab.limits` before anything is allocated), the setting (finite), the model name (a
zoo-style name) and that the section lengths add up; the model then checks the setting against
its rates and the section count, and each entropy decoder checks that its section is used up
exactly. Version 2 was the first with deterministic entropy parameters (:mod:`lic_lab.entropy.fixed_point`),
version 3 the first naming the weights. Files of versions 1 and 2 are refused with a one-line reason:
version 1 may decode wrongly on another machine, version 2 does not say which weights made it.
"""

from __future__ import annotations

import math
import re
import struct
import zlib
from dataclasses import dataclass, field

from lic_lab.errors import BitstreamError
from lic_lab.limits import size_problem

MAGIC = b"LICL"
VERSION = 3
FINGERPRINT_BYTES = 4
MAX_SECTIONS = 16
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}")


@dataclass
class Bitstream:
    """The parsed header and the payload sections of one compressed image."""

    model: str
    height: int
    width: int
    sections: list[bytes] = field(default_factory=list)
    setting: float = 0.0
    weights: bytes = bytes(FINGERPRINT_BYTES)  # the fingerprint of the weights that wrote it

    def to_bytes(self) -> bytes:
        name = self.model.encode("utf-8")
        if len(name) > 255 or len(self.sections) > 255:
            raise ValueError("model name or section count too long for the container")
        if not (0 < self.height < 65536 and 0 < self.width < 65536):
            raise ValueError(f"image size {self.height}x{self.width} does not fit the container")
        if len(self.weights) != FINGERPRINT_BYTES:
            raise ValueError(f"the weights fingerprint has {FINGERPRINT_BYTES} bytes, not {len(self.weights)}")
        head = MAGIC + struct.pack(">BB", VERSION, len(name)) + name + self.weights
        head += struct.pack(">fHHB", self.setting, self.height, self.width, len(self.sections))
        head += b"".join(struct.pack(">I", len(s)) for s in self.sections)
        body = head + b"".join(self.sections)
        return body + struct.pack(">I", zlib.crc32(body))

    @classmethod
    def from_bytes(cls, data: bytes) -> Bitstream:
        if len(data) < 4 or data[:4] != MAGIC:
            raise BitstreamError("not a lic_lab bitstream (bad magic)")
        if len(data) < 4 + 2 + FINGERPRINT_BYTES + 9 + 4:
            raise BitstreamError("truncated bitstream (header incomplete)")
        body, crc = data[:-4], struct.unpack(">I", data[-4:])[0]
        version, name_len = struct.unpack(">BB", body[4:6])
        if version == 1:
            raise BitstreamError(
                "bitstream format 1 was written by an older lic_lab whose decoding depended on the "
                "machine; compress the image again"
            )
        if version == 2:
            raise BitstreamError(
                "bitstream format 2 does not say which weights of its model wrote it, and models have been "
                "retrained since; compress the image again"
            )
        if version != VERSION:
            raise BitstreamError(f"unsupported bitstream version {version} (this lic_lab reads {VERSION})")
        if zlib.crc32(body) != crc:
            raise BitstreamError("corrupt or truncated bitstream (CRC mismatch)")
        pos = 6 + name_len
        try:
            model = body[6:pos].decode("utf-8")
            weights = body[pos : pos + FINGERPRINT_BYTES]
            pos += FINGERPRINT_BYTES
            setting, height, width, count = struct.unpack(">fHHB", body[pos : pos + 9])
            pos += 9
            lengths = struct.unpack(f">{count}I", body[pos : pos + 4 * count])
        except (struct.error, UnicodeDecodeError) as err:
            raise BitstreamError(f"malformed bitstream header ({err})") from None
        pos += 4 * count
        if not NAME_PATTERN.fullmatch(model):
            raise BitstreamError("malformed bitstream header (model name)")
        if not math.isfinite(setting):
            raise BitstreamError(f"malformed bitstream header (rate setting {setting})")
        if not 1 <= count <= MAX_SECTIONS:
            raise BitstreamError(f"malformed bitstream header ({count} sections)")
        problem = size_problem(width, height)
        if problem:
            raise BitstreamError(f"bitstream header claims an {problem}")
        if pos + sum(lengths) != len(body):
            raise BitstreamError("malformed bitstream (section lengths do not add up)")
        sections = []
        for n in lengths:
            sections.append(body[pos : pos + n])
            pos += n
        return cls(model=model, height=height, width=width, sections=sections, setting=setting, weights=weights)
