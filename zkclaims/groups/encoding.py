"""ZCash compressed encoding of BLS12-381 points: the byte-level checks shared by all backends.

Format (as in ZCash, IETF pairing-friendly curves draft, arkworks, blst, py_ecc):

* G1: 48 bytes, big-endian x. G2: 96 bytes, big-endian ``x.c1`` (imaginary part) then ``x.c0``.
* The three most significant bits of the first byte are flags:
  bit 7 (``0x80``) compression, always set here; bit 6 (``0x40``) infinity;
  bit 5 (``0x20``) sign: set when y is the lexicographically largest of ``{y, -y}``
  (for G2: compare ``y.c1`` first, then ``y.c0`` when ``y.c1 == 0``).
* The identity is exactly ``0xc0`` followed by zero bytes (canonical: no sign bit, x = 0).

:func:`parse_compressed` does every check that needs no curve arithmetic (length, flags,
canonical infinity, coordinates < p); the backends then solve for y (the on-curve check)
and check subgroup membership. Every failure raises :class:`MalformedInputError` naming the
caller's ``field``.
"""

from __future__ import annotations

from dataclasses import dataclass

from zkclaims.errors import MalformedInputError

#: The BLS12-381 base field modulus p (381 bits).
P = int(
    "1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab",
    16,
)

G1_COMPRESSED_SIZE = 48  #: bytes in a compressed G1 point
G2_COMPRESSED_SIZE = 96  #: bytes in a compressed G2 point

COMPRESSION_FLAG = 0x80  #: first-byte flag: compressed form
INFINITY_FLAG = 0x40  #: first-byte flag: point at infinity
SIGN_FLAG = 0x20  #: first-byte flag: y is the lexicographically largest root
_FLAG_MASK = 0xE0

#: Canonical compressed encodings of the identities.
G1_IDENTITY_BYTES = bytes([COMPRESSION_FLAG | INFINITY_FLAG]) + bytes(G1_COMPRESSED_SIZE - 1)
G2_IDENTITY_BYTES = bytes([COMPRESSION_FLAG | INFINITY_FLAG]) + bytes(G2_COMPRESSED_SIZE - 1)


@dataclass(frozen=True, slots=True)
class Compressed:
    """The parsed content of a well-formed compressed encoding.

    ``infinity`` is True for the identity (then ``x`` is all zeros and ``sign`` False).
    ``x`` holds the coordinates as integers < p: ``(x,)`` for G1, ``(x_c0, x_c1)`` for G2.
    """

    infinity: bool
    sign: bool
    x: tuple[int, ...]


def _as_bytes(data: object, size: int, field: str) -> bytes:
    if not isinstance(data, bytes | bytearray | memoryview):
        raise MalformedInputError(
            f"{field}: expected {size} bytes, got {type(data).__name__} {data!r:.80}"
        )
    raw = bytes(data)
    if len(raw) != size:
        raise MalformedInputError(
            f"{field}: compressed point must be {size} bytes, got {len(raw)} bytes "
            f"({raw[:8].hex()}...)"
        )
    return raw


def parse_compressed(data: bytes, size: int, field: str) -> Compressed:
    """Check length, flags, canonical infinity and coordinate range of a compressed point.

    ``size`` is :data:`G1_COMPRESSED_SIZE` or :data:`G2_COMPRESSED_SIZE`. Does not check that
    the point is on the curve or in the subgroup (the backend does). Raises
    :class:`MalformedInputError` naming ``field`` on any defect.
    """
    if size not in (G1_COMPRESSED_SIZE, G2_COMPRESSED_SIZE):
        raise ValueError(f"size must be 48 or 96, got {size}")
    raw = _as_bytes(data, size, field)
    flags = raw[0] & _FLAG_MASK
    if not flags & COMPRESSION_FLAG:
        raise MalformedInputError(
            f"{field}: compression flag (0x80) not set in first byte 0x{raw[0]:02x}; "
            "only the compressed form is accepted"
        )
    infinity = bool(flags & INFINITY_FLAG)
    sign = bool(flags & SIGN_FLAG)
    body = bytes([raw[0] & ~_FLAG_MASK & 0xFF]) + raw[1:]
    if infinity:
        if sign or any(body):
            raise MalformedInputError(
                f"{field}: non-canonical identity encoding {raw.hex()} "
                "(the identity is 0xc0 followed by zero bytes)"
            )
        return Compressed(True, False, (0,) if size == G1_COMPRESSED_SIZE else (0, 0))
    if size == G1_COMPRESSED_SIZE:
        x = int.from_bytes(body, "big")
        if x >= P:
            raise MalformedInputError(f"{field}: x coordinate 0x{x:x} is not < p")
        return Compressed(False, sign, (x,))
    x_c1 = int.from_bytes(body[:48], "big")
    x_c0 = int.from_bytes(body[48:], "big")
    if x_c1 >= P:
        raise MalformedInputError(f"{field}: x.c1 coordinate 0x{x_c1:x} is not < p")
    if x_c0 >= P:
        raise MalformedInputError(f"{field}: x.c0 coordinate 0x{x_c0:x} is not < p")
    return Compressed(False, sign, (x_c0, x_c1))


_HALF_P = (P - 1) // 2


def g1_sign(y: int) -> bool:
    """Return the sign flag of a G1 point with y coordinate ``y``: whether y > (p - 1) / 2."""
    return y > _HALF_P


def g2_sign(y: tuple[int, int]) -> bool:
    """Return the sign flag of a G2 point with ``y = (c0, c1)``: compare c1, or c0 if c1 = 0."""
    return y[1] > _HALF_P if y[1] != 0 else y[0] > _HALF_P


def encode_g1(x: int, y: int, infinity: bool = False) -> bytes:
    """Compressed encoding of the affine G1 point (x, y), or of the identity.

    Used by the pure-Python backend; it does no curve check (the caller's point is trusted).
    """
    if infinity:
        return G1_IDENTITY_BYTES
    flags = COMPRESSION_FLAG | (SIGN_FLAG if g1_sign(y) else 0)
    out = bytearray(x.to_bytes(G1_COMPRESSED_SIZE, "big"))
    out[0] |= flags
    return bytes(out)


def encode_g2(x: tuple[int, int], y: tuple[int, int], infinity: bool = False) -> bytes:
    """Compressed encoding of the affine G2 point; coordinates given as ``(c0, c1)`` pairs."""
    if infinity:
        return G2_IDENTITY_BYTES
    flags = COMPRESSION_FLAG | (SIGN_FLAG if g2_sign(y) else 0)
    out = bytearray(x[1].to_bytes(48, "big") + x[0].to_bytes(48, "big"))
    out[0] |= flags
    return bytes(out)
