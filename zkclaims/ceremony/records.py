"""Contribution records, shared by ``.ptau`` and ``.zkey``: kind, name, beacon parameters.

After its points, a record holds a ``u32`` type (0 a contribution, 1 a beacon) and a
parameter block (``u32`` length, then sorted ``(type u8, ...)`` entries): 1 the contributor's
name (length ``u8``, UTF-8; snarkjs keeps its first 64 characters), 2 the beacon's iteration
exponent (``u8``), 3 the beacon value (length ``u8``, bytes). Also the progress callback every
long operation takes.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from zkclaims.ceremony.binfile import Cursor
from zkclaims.errors import MalformedInputError

__all__ = ["KIND_CONTRIBUTION", "KIND_BEACON", "NAME_MAX_CHARS", "Progress", "no_progress",
           "read_params", "check_kind", "check_name", "params_bytes"]

KIND_CONTRIBUTION = 0
KIND_BEACON = 1
NAME_MAX_CHARS = 64

#: A progress callback: ``progress(step_name, done, total)``.
Progress = Callable[[str, int, int], None]


def no_progress(step: str, done: int, total: int) -> None:
    """Report nothing (the default progress callback)."""
    return None


def read_params(rd: Cursor, where: str) -> tuple[str | None, int | None, bytes | None]:
    """Read a parameter block; return (name, beacon iteration exponent, beacon value)."""
    length = rd.u32()
    sub = Cursor(rd.take(length), f"{where}.parameters")
    name = exp = beacon = None
    last = 0
    while sub.remaining():
        kind = sub.u8()
        if kind <= last:
            raise MalformedInputError(f"{where}.parameters: not sorted or repeated ({kind})")
        last = kind
        if kind == 1:
            raw = bytes(sub.take(sub.u8()))
            try:
                name = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise MalformedInputError(f"{where}.name: not UTF-8 ({raw!r:.80})") from None
        elif kind == 2:
            exp = sub.u8()
        elif kind == 3:
            beacon = bytes(sub.take(sub.u8()))
        else:
            raise MalformedInputError(f"{where}.parameters: unknown parameter type {kind}")
    return name, exp, beacon


def check_kind(kind: int, exp: int | None, beacon: bytes | None, where: str) -> None:
    """Refuse an unknown type, a beacon without its parameters, parameters without a beacon."""
    if kind not in (KIND_CONTRIBUTION, KIND_BEACON):
        raise MalformedInputError(f"{where}.type: {kind} is neither 0 (contribution) nor 1 "
                                  "(beacon)")
    if kind == KIND_BEACON and (exp is None or not beacon):
        raise MalformedInputError(f"{where}: a beacon without its value or iteration count")
    if kind == KIND_CONTRIBUTION and (exp is not None or beacon is not None):
        raise MalformedInputError(f"{where}: beacon parameters on a non-beacon contribution")


def params_bytes(name: str | None, kind: int, exp: int | None, beacon: bytes | None) -> bytes:
    """Return the parameter block of a contribution record (ptau and zkey share it)."""
    out = bytearray()
    if name:
        raw = name[:NAME_MAX_CHARS].encode("utf-8")
        out += bytes([1, len(raw)]) + raw
    if kind == KIND_BEACON:
        assert exp is not None and beacon is not None
        out += bytes([2, exp, 3, len(beacon)]) + beacon
    return struct.pack("<I", len(out)) + bytes(out)


def check_name(name: str) -> None:
    """Refuse a contributor name that is empty or longer than 64 characters."""
    if not isinstance(name, str) or not 1 <= len(name) <= NAME_MAX_CHARS:
        raise MalformedInputError(
            f"name: expected 1 to {NAME_MAX_CHARS} characters, got {name!r:.80}"
        )
