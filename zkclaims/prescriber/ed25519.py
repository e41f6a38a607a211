"""Strict Ed25519: the point checks OpenSSL leaves out, done before its verification.

OpenSSL (behind ``cryptography``) verifies ``[S]B == R + [k]A`` without the cofactor and
without looking at ``A``: under a small-order public key (the identity, or any of the 8 points
of order dividing 8, in any of their encodings) the signature ``R = identity, S = 0`` verifies
for *every* message. zkclaims therefore refuses, before any verification:

* a public key ``A`` whose encoding is not canonical (``y >= p``, or ``x = 0`` with the sign
  bit set), which is not on the curve, which is of small order (``[8]A`` is the identity) or
  which is not in the prime-order subgroup (``[L]A`` is not the identity);
* a signature whose ``S`` is not below the group order ``L``, or whose ``R`` is not a
  canonical encoding of a point of the curve outside the small-order ones.

The arithmetic is the textbook twisted Edwards one (RFC 8032 §5.1) in extended coordinates;
it checks inputs and is never used to sign, so it need not run in constant time. The
equation itself is OpenSSL's (:meth:`Ed25519PublicKey.verify`).
"""

from __future__ import annotations

from functools import lru_cache

from zkclaims.errors import InvalidInputError

__all__ = [
    "P",
    "L",
    "SMALL_ORDER_ENCODINGS",
    "decode_point",
    "check_public_key",
    "check_signature_encoding",
]

#: The field prime 2^255 - 19.
P = 2**255 - 19
#: The prime order of the base point.
L = 2**252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, P - 2, P) % P
_SQRT_M1 = pow(2, (P - 1) // 4, P)
_IDENTITY = (0, 1, 1, 0)

Point = tuple[int, int, int, int]  # extended coordinates (X, Y, Z, T), x = X/Z, y = Y/Z


def _recover_x(y: int, sign: int) -> int | None:
    """Return the x of the point with this y and sign bit (RFC 8032 §5.1.3), or None."""
    # x^2 = u / v; one exponentiation for the square root and the division (RFC 8032 §5.1.3)
    u, v = (y * y - 1) % P, (_D * y * y + 1) % P
    if u == 0:
        return None if sign else 0  # x = 0 with the sign bit set is not canonical
    v3 = v * v * v % P
    x = u * v3 * pow(u * v3 * v3 * v % P, (P - 5) // 8, P) % P
    vx2 = v * x * x % P
    if vx2 != u:
        if vx2 != P - u:
            return None  # not a square: no point with this y
        x = x * _SQRT_M1 % P
    if x & 1 != sign:
        x = P - x
    return x


def decode_point(data: bytes, field: str = "point") -> Point:
    """Decode a canonical 32-byte encoding; raise :class:`InvalidInputError` otherwise."""
    if not isinstance(data, bytes | bytearray) or len(data) != 32:
        raise InvalidInputError(field, data, "an Ed25519 point is 32 bytes")
    n = int.from_bytes(data, "little")
    y, sign = n & ((1 << 255) - 1), n >> 255
    if y >= P:
        raise InvalidInputError(field, bytes(data).hex(), "non-canonical encoding (y >= p)")
    x = _recover_x(y, sign)
    if x is None:
        why = "non-canonical encoding (x = 0 with the sign bit set)" if sign and (
            (y * y - 1) % P == 0) else "not a point of the curve"
        raise InvalidInputError(field, bytes(data).hex(), why)
    return (x, y, 1, x * y % P)


def _add(p1: Point, p2: Point) -> Point:
    x1, y1, z1, t1 = p1
    x2, y2, z2, t2 = p2
    a = (y1 - x1) * (y2 - x2) % P
    b = (y1 + x1) * (y2 + x2) % P
    c = 2 * t1 * t2 * _D % P
    d = 2 * z1 * z2 % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _mul(k: int, point: Point) -> Point:
    acc = _IDENTITY
    for bit in bin(k)[2:]:
        acc = _add(acc, acc)
        if bit == "1":
            acc = _add(acc, point)
    return acc


def _is_identity(point: Point) -> bool:
    x, y, z, _ = point
    return x % P == 0 and (y - z) % P == 0


def _small_order(point: Point) -> bool:
    return _is_identity(_mul(8, point))


@lru_cache(maxsize=4096)
def check_public_key(raw: bytes, field: str = "public_key") -> None:
    """Refuse a weak or malformed Ed25519 public key (see the module docstring)."""
    point = decode_point(raw, field)
    if _small_order(point):
        raise InvalidInputError(
            field, raw.hex(), "weak Ed25519 key: a point of small order (a signature of zeros"
            " would verify for every message)"
        )
    if not _is_identity(_mul(L, point)):
        raise InvalidInputError(
            field, raw.hex(), "Ed25519 key outside the prime-order subgroup (mixed order)"
        )


def check_signature_encoding(signature: bytes, field: str = "signature") -> None:
    """Refuse a signature whose ``S >= L`` or whose ``R`` is non-canonical or of small order."""
    if len(signature) != 64:
        raise InvalidInputError(field, signature.hex(), "an Ed25519 signature is 64 bytes")
    if int.from_bytes(signature[32:], "little") >= L:
        raise InvalidInputError(field, signature.hex(), "non-canonical Ed25519 signature (S >= L)")
    r_point = decode_point(signature[:32], f"{field}.R")
    if _small_order(r_point):
        raise InvalidInputError(field, signature.hex(), "Ed25519 signature with R of small order")


def _affine(point: Point) -> tuple[int, int]:
    x, y, z, _ = point
    inv = pow(z, P - 2, P)
    return x * inv % P, y * inv % P


def small_order_points() -> tuple[tuple[int, int], ...]:
    """Return the 8 points of order dividing 8 (affine ``(x, y)``), computed.

    The group is ``Z/8 x Z/L``: ``[L]Q`` of a point ``Q`` is in the torsion part; the first
    ``Q`` (smallest ``y``) for which it has order 8 generates all 8 by its multiples.
    """
    y = 2
    while True:
        x = _recover_x(y, 0)
        if x is not None:
            torsion = _mul(L, (x, y, 1, x * y % P))
            if not _is_identity(_mul(4, torsion)):
                return tuple(sorted({_affine(_mul(i, torsion)) for i in range(8)}))
        y += 1


def small_order_encodings() -> tuple[bytes, ...]:
    """Every 32-byte string that decodes (canonically or not) to a point of small order.

    For each of the 8 points: both sign bits (the set one is non-canonical when ``x = 0``)
    and, where ``y + p`` fits in 255 bits, the non-canonical ``y + p``.
    """
    out: set[bytes] = set()
    for x, y in small_order_points():
        for y_enc in (y, y + P):
            if y_enc >= 1 << 255:
                continue
            for sign in {x & 1, 1} if x == 0 else {x & 1}:
                out.add((y_enc | (sign << 255)).to_bytes(32, "little"))
            if x == 0:
                out.add(y_enc.to_bytes(32, "little"))
    return tuple(sorted(out))


SMALL_ORDER_ENCODINGS = small_order_encodings()
