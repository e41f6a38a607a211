"""The BLS12-381 base field Fq and Fq2 = Fq[u]/(u^2 + 1), as much as snarkjs's formats need.

Square roots and "signs" (ffjavascript's ``isNegative``: an element of Fq is negative when it
exceeds ``(q - 1) / 2``; an element of Fq2 takes the sign of its ``u`` coefficient, or of its
constant one when that is 0), Montgomery constants (snarkjs stores coordinates as
``x * 2^384 mod q``), and the bridge to the native backend: affine coordinates in and out of
py-arkworks-bls12381 points, and multiplication by integers larger than r (cofactors).
"""

from __future__ import annotations

from typing import Any

import py_arkworks_bls12381 as _ark

__all__ = [
    "Q", "FQ_BITS", "FQ_BYTES", "MONT_FQ", "MONT_FQ_INV", "G1_COFACTOR", "G2_COFACTOR",
    "fq_sqrt", "fq2_sqrt", "fq2_neg", "fq_is_negative", "fq2_is_negative",
    "g1_from_affine", "g2_from_affine", "g1_mul_int", "g2_mul_int",
]

Q = int(
    "1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab",
    16,
)
FQ_BITS = Q.bit_length()  #: 381
FQ_BYTES = 48
MONT_FQ = (1 << 384) % Q  #: Montgomery factor R = 2^384 mod q
MONT_FQ_INV = pow(1 << 384, -1, Q)
_HALF = (Q - 1) // 2
#: The cofactors ffjavascript multiplies random curve points by (G1: h1; G2: the full h2).
G1_COFACTOR = 0x396C8C005555E1568C00AAAB0000AAAB
G2_COFACTOR = int(
    "5d543a95414e7f1091d50792876a202cd91de4547085abaa68a205b2e5a7ddfa628f1cb4d9e82ef21537e293"
    "a6691ae1616ec6e786f0c70cf1c38e31c7238e5", 16)
_SQRT_EXP = (Q + 1) // 4  # q = 3 mod 4
_INV2 = pow(2, -1, Q)


def fq_sqrt(a: int) -> int | None:
    """Return a square root of ``a`` in Fq, or None when ``a`` is not a square."""
    y = pow(a, _SQRT_EXP, Q)
    return y if y * y % Q == a % Q else None


def fq2_sqrt(a: tuple[int, int]) -> tuple[int, int] | None:
    """Return a square root of ``a0 + a1 u`` in Fq2, or None (the "complex method", q = 3 mod 4)."""
    a0, a1 = a[0] % Q, a[1] % Q
    if a1 == 0:
        r = fq_sqrt(a0)
        if r is not None:
            return r, 0
        r = fq_sqrt(-a0 % Q)  # sqrt(a0) = sqrt(-a0) u
        return (0, r) if r is not None else None
    n = fq_sqrt((a0 * a0 + a1 * a1) % Q)
    if n is None:
        return None
    x0 = fq_sqrt((a0 + n) * _INV2 % Q)
    if x0 is None:
        x0 = fq_sqrt((a0 - n) * _INV2 % Q)
        if x0 is None:  # pragma: no cover - impossible when the norm is a square
            return None
    x1 = a1 * pow(2 * x0, -1, Q) % Q
    return x0, x1


def fq2_neg(a: tuple[int, int]) -> tuple[int, int]:
    """Return ``-a``."""
    return (-a[0]) % Q, (-a[1]) % Q


def fq_is_negative(a: int) -> bool:
    """Ffjavascript's sign of an Fq element: ``a > (q - 1) / 2``."""
    return a % Q > _HALF


def fq2_is_negative(a: tuple[int, int]) -> bool:
    """Ffjavascript's sign of an Fq2 element: that of ``a1``, or of ``a0`` when ``a1 = 0``."""
    return fq_is_negative(a[1]) if a[1] % Q else fq_is_negative(a[0])


def _le(x: int) -> bytes:
    return x.to_bytes(FQ_BYTES, "little")


def g1_from_affine(x: int, y: int) -> Any:
    """Return an arkworks G1 point from affine coordinates (on-curve checked, not subgroup)."""
    return _ark.G1Point.from_xy_bytes_unchecked_le(_le(x) + _le(y))


def g2_from_affine(x: tuple[int, int], y: tuple[int, int]) -> Any:
    """Return an arkworks G2 point from affine coordinates (on-curve checked, not subgroup)."""
    return _ark.G2Point.from_xy_bytes_unchecked_le(_le(x[0]) + _le(x[1]) + _le(y[0]) + _le(y[1]))


def _mul_int(p: Any, k: int, zero: Any) -> Any:
    acc = zero
    for bit in bin(k)[2:]:
        acc = acc + acc
        if bit == "1":
            acc = acc + p
    return acc


def g1_mul_int(p: Any, k: int) -> Any:
    """``k * p`` for any non-negative integer ``k`` (also for points outside the subgroup)."""
    return _mul_int(p, k, _ark.G1Point.identity())


def g2_mul_int(p: Any, k: int) -> Any:
    """``k * p`` for any non-negative integer ``k`` (also for points outside the subgroup)."""
    return _mul_int(p, k, _ark.G2Point.identity())
