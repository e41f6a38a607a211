"""Curve points in snarkjs's three encodings, decoded only through checked paths.

* **LEM** (what ``.ptau`` and ``.zkey`` store): affine ``x || y``, each coordinate in
  Montgomery form (``x * 2^384 mod q``) little-endian, 48 bytes per Fq element; an Fq2
  element is ``c0 || c1``. G1: 96 bytes, G2: 192 bytes. The identity is all zeros.
* **U** (uncompressed, what the hashes cover): ``x || y`` big-endian in standard form; an Fq2
  element is ``c1 || c0``. The identity is all zeros.
* **C** (compressed, what the phase-1 *response* hash covers): ``x`` big-endian with the top
  bit set when ``y`` is "negative" (ffjavascript's sign) and ``0x40`` alone for the identity.
  This is ffjavascript's own form, not the ZCash one.

Decoding refuses a coordinate ``>= q`` (so every point has exactly one encoding), a point
off the curve, and — unless the caller batches it — a point outside the order-r subgroup.
Points live as py-arkworks-bls12381 objects (the ``arkworks`` backend of
:mod:`zkclaims.groups`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import py_arkworks_bls12381 as _ark

from zkclaims.ceremony.fq import FQ_BYTES, MONT_FQ, MONT_FQ_INV, Q, fq2_is_negative, fq_is_negative
from zkclaims.ceremony.subgroup import first_outside
from zkclaims.errors import MalformedInputError

__all__ = [
    "G1_SIZE", "G2_SIZE", "G1", "G2", "Group", "decode_points", "encode_points",
    "check_subgroup", "to_u", "to_c", "g1_generator", "g2_generator", "std_blob", "u_from_std",
    "c_from_std",
]

G1_SIZE = 2 * FQ_BYTES  #: bytes of a G1 point in LEM / U form
G2_SIZE = 4 * FQ_BYTES  #: bytes of a G2 point in LEM / U form


class Group:
    """One of G1, G2: sizes, native class and conversions."""

    def __init__(self, name: str, degree: int, cls: Any) -> None:
        self.name = name
        self.degree = degree  # Fq elements per coordinate
        self.size = 2 * degree * FQ_BYTES
        self.cls = cls
        self.zero_lem = bytes(self.size)

    def identity(self) -> Any:
        """Return the identity point."""
        return self.cls.identity()

    def generator(self) -> Any:
        """Return the standard generator."""
        return self.cls()

    def decode(self, data: bytes | memoryview, field: str, *, subgroup: bool = True) -> Any:
        """Decode one LEM point (``len(data) == size``); see :func:`decode_points`."""
        return decode_points(self, data, 1, field, subgroup=subgroup)[0]

    def encode(self, point: Any) -> bytes:
        """Return the LEM encoding of one point."""
        return encode_points(self, [point])

    def __repr__(self) -> str:
        return self.name


G1 = Group("G1", 1, _ark.G1Point)
G2 = Group("G2", 2, _ark.G2Point)


def g1_generator() -> Any:
    """Return the standard generator of G1."""
    return _ark.G1Point()


def g2_generator() -> Any:
    """Return the standard generator of G2."""
    return _ark.G2Point()


def _lem_to_std_le(group: Group, data: bytes, field: str) -> bytes | None:
    """Return the standard-form ``x || y`` (arkworks' xy form) of one LEM point.

    None for the identity; non-canonical coordinates are refused.
    """
    out = []
    for k in range(2 * group.degree):
        m = int.from_bytes(data[k * FQ_BYTES : (k + 1) * FQ_BYTES], "little")
        if m >= Q:
            raise MalformedInputError(
                f"{field}: coordinate {k} is not reduced modulo q (not a point encoding)"
            )
        out.append((m * MONT_FQ_INV % Q).to_bytes(FQ_BYTES, "little"))
    std = b"".join(out)
    if std == group.zero_lem:
        return None
    return std


def decode_points(
    group: Group,
    data: bytes | memoryview,
    count: int,
    field: str,
    *,
    subgroup: bool = True,
    allow_identity: bool = True,
    std_out: list[bytes] | None = None,
) -> list[Any]:
    """Decode ``count`` LEM points from ``data`` (exactly ``count * size`` bytes).

    Every point is checked canonical and on the curve; in the order-r subgroup too unless
    ``subgroup=False`` (the caller then runs :func:`check_subgroup` on the result). Errors
    raise :class:`MalformedInputError` naming ``field[i]``. ``std_out``, when given, receives
    the points' :func:`std_blob` (saves re-encoding them for hashing).
    """
    size = group.size
    if len(data) != count * size:
        raise MalformedInputError(
            f"{field}: expected {count} {group.name} points ({count * size} bytes), "
            f"got {len(data)} bytes"
        )
    data = bytes(data)
    from_xy = group.cls.from_xy_bytes_unchecked_le
    zero = group.cls.identity()
    out = []
    stds: list[bytes | None] = []
    for i in range(count):
        where = f"{field}[{i}]" if count > 1 else field
        std = _lem_to_std_le(group, data[i * size : (i + 1) * size], where)
        stds.append(std)
        if std is None:
            if not allow_identity:
                raise MalformedInputError(f"{where}: the identity is not allowed here")
            out.append(zero)
            continue
        try:
            out.append(from_xy(std))
        except Exception:  # noqa: BLE001 - the native decoder says only "not on the curve"
            raise MalformedInputError(
                f"{where}: not a point of the {group.name} curve"
                f"{' y^2 = x^3 + 4' if group is G1 else ' twist y^2 = x^3 + 4(1 + u)'}"
            ) from None
    if std_out is not None:
        zero_std = group.zero_lem
        std_out.append(b"".join(x if x is not None else zero_std for x in stds))
    if subgroup:
        bad = first_outside(group.name, out, stds)
        if bad is not None:
            where = f"{field}[{bad}]" if count > 1 else field
            raise MalformedInputError(
                f"{where}: a point of the {group.name} curve outside the order-r subgroup"
            )
    return out


def check_subgroup(group: Group, points: Sequence[Any], field: str) -> None:
    """Raise :class:`MalformedInputError` naming the first point outside the order-r subgroup.

    Each point is tested on its own (arkworks' endomorphism test): no batch test of
    subgroup membership is sound here, since BLS12-381's cofactors have a small prime
    factor (3), which a random linear combination misses with probability 1/3.
    """
    n = len(points)
    for i, p in enumerate(points):
        if not p.is_in_subgroup():
            where = f"{field}[{i}]" if n > 1 else field
            raise MalformedInputError(
                f"{where}: a point of the {group.name} curve outside the order-r subgroup"
            )


def encode_points(group: Group, points: Iterable[Any]) -> bytes:
    """Return the LEM encoding of ``points``, concatenated."""
    parts = []
    fb = FQ_BYTES
    for p in points:
        std = p.to_xy_bytes_le()
        for k in range(2 * group.degree):
            v = int.from_bytes(std[k * fb : (k + 1) * fb], "little")
            parts.append((v * MONT_FQ % Q).to_bytes(fb, "little"))
    return b"".join(parts)


def std_blob(group: Group, points: Iterable[Any]) -> bytes:
    """Return the affine coordinates of ``points`` as arkworks writes them, concatenated.

    Standard form, little-endian, all zeros for the identity: the input of :func:`u_from_std`
    and :func:`c_from_std`.
    """
    return b"".join(bytes(p.to_xy_bytes_le()) for p in points)


def u_from_std(group: Group, blob: bytes) -> bytes:
    """Return the U encoding of the points whose :func:`std_blob` is ``blob``."""
    half = group.size // 2
    mv = memoryview(blob)
    return b"".join(bytes(mv[k : k + half])[::-1] for k in range(0, len(blob), half))


def c_from_std(group: Group, blob: bytes) -> bytes:
    """Return ffjavascript's compressed encoding of the points whose std blob is ``blob``."""
    half, size, fb = group.size // 2, group.size, FQ_BYTES
    parts = []
    for k in range(0, len(blob), size):
        std = blob[k : k + size]
        if std == group.zero_lem:
            parts.append(b"\x40" + bytes(half - 1))
            continue
        x = bytearray(std[:half][::-1])
        if group is G1:
            neg = fq_is_negative(int.from_bytes(std[fb:], "little"))
        else:
            y = (int.from_bytes(std[2 * fb : 3 * fb], "little"),
                 int.from_bytes(std[3 * fb :], "little"))
            neg = fq2_is_negative(y)
        if neg:
            x[0] |= 0x80
        parts.append(bytes(x))
    return b"".join(parts)


def to_u(group: Group, points: Iterable[Any]) -> bytes:
    """Return the U (uncompressed, big-endian) encoding of ``points``, concatenated."""
    return u_from_std(group, std_blob(group, points))


def to_c(group: Group, points: Iterable[Any]) -> bytes:
    """Return ffjavascript's compressed encoding of ``points``, concatenated."""
    return c_from_std(group, std_blob(group, points))
