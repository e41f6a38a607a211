"""iden3 "binfile" containers (``.ptau``, ``.zkey``): strict reading, plain writing.

Layout: 4-byte magic, ``u32`` version, ``u32`` number of sections, then each section as
``u32 id``, ``u64 byte length``, content. Integers are little-endian. Reading trusts nothing:
a length that runs past the end of the file, a duplicated section, a missing or unexpected
one, trailing bytes, or a section whose content is shorter or longer than its parser expects
raise :class:`~zkclaims.errors.MalformedInputError` naming the file and the section.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from zkclaims.errors import MalformedInputError

__all__ = ["BinFile", "Cursor", "read_binfile", "write_binfile", "section_bytes"]


@dataclass(frozen=True)
class BinFile:
    """A parsed container: its kind (magic), version and sections by id."""

    what: str
    magic: bytes
    version: int
    sections: dict[int, memoryview]

    def section(self, sid: int, name: str) -> memoryview:
        """Return the content of section ``sid`` (``name`` is for messages); it must be present."""
        data = self.sections.get(sid)
        if data is None:
            raise MalformedInputError(f"{self.what}: section {sid} ({name}) is missing")
        return data

    def cursor(self, sid: int, name: str) -> Cursor:
        """Return a :class:`Cursor` over section ``sid``."""
        return Cursor(self.section(sid, name), f"{self.what}: section {sid} ({name})")


class Cursor:
    """Sequential reads inside one section; reading past its end is an error."""

    def __init__(self, data: bytes | memoryview, what: str) -> None:
        self.data = memoryview(data)
        self.pos = 0
        self.what = what

    def take(self, n: int) -> memoryview:
        """Return the next ``n`` bytes."""
        if n < 0 or self.pos + n > len(self.data):
            raise MalformedInputError(
                f"{self.what}: truncated (needs {n} bytes at offset {self.pos}, "
                f"{len(self.data) - self.pos} left)"
            )
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def u8(self) -> int:
        """Return an unsigned byte."""
        return self.take(1)[0]

    def u32(self) -> int:
        """Return an unsigned 32-bit little-endian integer."""
        return struct.unpack("<I", self.take(4))[0]

    def u64(self) -> int:
        """Return an unsigned 64-bit little-endian integer."""
        return struct.unpack("<Q", self.take(8))[0]

    def remaining(self) -> int:
        """Bytes left."""
        return len(self.data) - self.pos

    def done(self) -> None:
        """Raise unless every byte was read."""
        if self.pos != len(self.data):
            raise MalformedInputError(
                f"{self.what}: {len(self.data) - self.pos} unexpected bytes after the content "
                f"(the section length says {len(self.data)} bytes)"
            )


def read_binfile(
    data: bytes | memoryview,
    magic: bytes,
    what: str,
    *,
    versions: Iterable[int] = (1,),
    allowed: Iterable[int] | None = None,
) -> BinFile:
    """Parse a container whose magic must be ``magic`` and version one of ``versions``.

    ``allowed`` lists the section ids the format defines (others are refused).
    """
    data = memoryview(bytes(data)) if not isinstance(data, memoryview) else data
    rd = Cursor(data, what)
    if len(data) < 12:
        raise MalformedInputError(f"{what}: {len(data)} bytes is too short for a {magic!r} file")
    got = bytes(rd.take(4))
    if got != magic:
        raise MalformedInputError(f"{what}: not a {magic.decode()} file (magic {got!r})")
    version = rd.u32()
    versions = tuple(versions)
    if version not in versions:
        raise MalformedInputError(
            f"{what}: version {version} is not supported (expected {', '.join(map(str, versions))})"
        )
    n = rd.u32()
    sections: dict[int, memoryview] = {}
    allowed_set = set(allowed) if allowed is not None else None
    for k in range(n):
        if rd.remaining() < 12:
            raise MalformedInputError(
                f"{what}: truncated: the header announces {n} sections, found {k}"
            )
        sid = rd.u32()
        size = rd.u64()
        if size > rd.remaining():
            raise MalformedInputError(
                f"{what}: section {sid} claims {size} bytes but only {rd.remaining()} remain "
                "(truncated file or lying length)"
            )
        if allowed_set is not None and sid not in allowed_set:
            raise MalformedInputError(f"{what}: unexpected section id {sid}")
        if sid in sections:
            raise MalformedInputError(f"{what}: section {sid} appears twice")
        sections[sid] = rd.take(size)
    if rd.remaining():
        raise MalformedInputError(
            f"{what}: {rd.remaining()} bytes after the last of the {n} announced sections"
        )
    return BinFile(what, magic, version, sections)


def section_bytes(sid: int, content: bytes) -> bytes:
    """One section: id, length, content."""
    return struct.pack("<IQ", sid, len(content)) + content


def write_binfile(
    magic: bytes, version: int, sections: Iterable[tuple[int, bytes]]
) -> bytes:
    """Return the bytes of a container holding ``sections`` (in the given order)."""
    secs = list(sections)
    body = b"".join(section_bytes(sid, content) for sid, content in secs)
    return magic + struct.pack("<II", version, len(secs)) + body


def read_file(path: str | Path, what: str | None = None) -> bytes:
    """Read a whole file; a missing or unreadable file raises an ``InputFileError``."""
    from zkclaims.errors import InputFileError

    p = Path(path)
    try:
        return p.read_bytes()
    except OSError as exc:
        raise InputFileError(what or p.name, str(p), f"cannot read: {exc.strerror}") from None
