"""The pure-Python reference backend: ``py_ecc.optimized_bls12_381``.

Slow (a 4-pair pairing check takes about a second) but dependency-free and independent of the
native library, so the same test suite run on both backends cross-checks them. Use it for tests
and tiny circuits.

Points are py_ecc's homogeneous projective triples ``(X, Y, Z)`` (identity: ``Z == 0``), so
one point has many representations: compare with :meth:`PyEccBackend.g1_eq` (cross-multiplied),
never with ``==``. The pairing check normalises each pair to ``Z = 1``, skips pairs with an
identity (py_ecc's ``miller_loop`` only recognises ``None`` as infinity), multiplies the Miller
loops (``miller_loop(Q, P, final_exponentiate=False)``: note the G2 argument comes first) and
runs one ``final_exponentiate``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from operator import index
from typing import Any

from zkclaims.errors import MalformedInputError
from zkclaims.field import R
from zkclaims.groups.base import G1, G2, GroupBackend, PreparedScalars, Scalars, check_msm_lengths
from zkclaims.groups.encoding import (
    G1_COMPRESSED_SIZE,
    G2_COMPRESSED_SIZE,
    P,
    encode_g1,
    encode_g2,
    g1_sign,
    g2_sign,
    parse_compressed,
)

# Importing py_ecc raises the interpreter's recursion limit to 100,000 for its recursive
# scalar multiplication; with that limit a deeply nested input can overflow the C stack and
# kill the embedding process. Leave the limit as the process had it: py_ecc's recursive
# ``multiply`` is replaced below by an iterative one, and nothing else of py_ecc we call
# recurses deeper than a few frames (tests/test_robustness.py runs this backend at a low limit).
_RECURSION_LIMIT = sys.getrecursionlimit()
try:
    from py_ecc.bls.point_compression import modular_squareroot_in_FQ2
    from py_ecc.fields import optimized_bls12_381_FQ as FQ
    from py_ecc.fields import optimized_bls12_381_FQ2 as FQ2
    from py_ecc.fields import optimized_bls12_381_FQ12 as FQ12
    from py_ecc.optimized_bls12_381 import G1 as _G1_GEN
    from py_ecc.optimized_bls12_381 import G2 as _G2_GEN
    from py_ecc.optimized_bls12_381 import (
        Z1,
        Z2,
        add,
        b2,
        double,
        eq,
        final_exponentiate,
        is_inf,
        neg,
    )
    from py_ecc.optimized_bls12_381.optimized_pairing import miller_loop
finally:
    sys.setrecursionlimit(_RECURSION_LIMIT)

Point = tuple[Any, Any, Any]


def multiply(p: Point, k: int) -> Point:
    """Return k * p by double-and-add, most significant bit first (no recursion, k >= 0)."""
    if k == 0 or is_inf(p):
        return (p[0].one(), p[0].one(), p[0].zero())
    acc = p
    for bit in bin(k)[3:]:
        acc = double(acc)
        if bit == "1":
            acc = add(acc, p)
    return acc


def _decompress_g1(x: int, sign: bool) -> Point | None:
    """Return the point (x, y) with y's sign as flagged, or None if x^3 + 4 is not a square.

    Not py_ecc's ``decompress_G1``: that one takes x = 0 for the identity and so rejects the
    genuine curve point (0, 2) (of order 3) with a misleading reason.
    """
    rhs = (x * x * x + 4) % P
    y = pow(rhs, (P + 1) // 4, P)  # p = 3 mod 4
    if y * y % P != rhs:
        return None
    if g1_sign(y) != sign:
        y = P - y
    return (FQ(x), FQ(y), FQ.one())


def _decompress_g2(x_c0: int, x_c1: int, sign: bool) -> Point | None:
    """Return the twist point with x = x_c0 + x_c1 u and y's sign as flagged, or None."""
    x = FQ2([x_c0, x_c1])
    y = modular_squareroot_in_FQ2(x**3 + b2)
    if y is None:
        return None
    if g2_sign((int(y.coeffs[0]), int(y.coeffs[1]))) != sign:
        y = -y
    return (x, y, FQ2.one())


def _msm(points: Sequence[Point], scalars: Sequence[int], zero: Point) -> Point:
    """Pippenger's bucket method: sum(k_i * P_i) with scalars already reduced mod r."""
    pairs = [(p, k) for p, k in zip(points, scalars, strict=True) if k and not is_inf(p)]
    if not pairs:
        return zero
    n = len(pairs)
    if n < 4:
        acc = zero
        for p, k in pairs:
            acc = add(acc, multiply(p, k))
        return acc
    c = max(2, n.bit_length() - 1) if n < 32 else max(3, (n.bit_length() * 69) // 100 + 2)
    nbits = max(k for _, k in pairs).bit_length()
    mask = (1 << c) - 1
    result = zero
    for shift in range(((nbits + c - 1) // c - 1) * c, -1, -c):
        for _ in range(c):
            if not is_inf(result):
                result = double(result)
        buckets: list[Point | None] = [None] * (mask + 1)
        for p, k in pairs:
            d = (k >> shift) & mask
            if d:
                b = buckets[d]
                buckets[d] = p if b is None else add(b, p)
        running = zero
        window = zero
        for d in range(mask, 0, -1):
            b = buckets[d]
            if b is not None:
                running = add(running, b)
            window = add(window, running)
        result = add(result, window)
    return result


class _FixedBaseTable:
    """Comb table ``T[j][d] = d * 2^(w*j) * P`` for fast many-scalars-times-one-point."""

    W = 4

    def __init__(self, p: Point, zero: Point) -> None:
        self.zero = zero
        rows = []
        base = p
        for _ in range((R.bit_length() + self.W - 1) // self.W):
            row = [zero, base]
            for _d in range(2, 1 << self.W):
                row.append(add(row[-1], base))
            rows.append(row)
            base = add(row[-1], base)  # (2^w) * base
        self.rows = rows

    def mul(self, k: int) -> Point:
        acc = self.zero
        mask = (1 << self.W) - 1
        j = 0
        while k:
            d = k & mask
            if d:
                acc = add(acc, self.rows[j][d])
            k >>= self.W
            j += 1
        return acc


class PyEccBackend(GroupBackend):
    """BLS12-381 on py_ecc's optimized (projective) pure-Python arithmetic."""

    name = "py_ecc"

    # --- scalars --------------------------------------------------------------------------
    def prepare_scalars(self, scalars: Sequence[int]) -> PreparedScalars:
        """Reduce the scalars mod r (the native form here is a plain int)."""
        return PreparedScalars(self.name, [index(k) % R for k in scalars])

    def _ints(self, scalars: Scalars) -> Sequence[int]:
        if isinstance(scalars, PreparedScalars):
            if scalars.backend != self.name:
                raise TypeError(
                    f"scalars were prepared by backend {scalars.backend!r}, not {self.name!r}"
                )
            return scalars.items
        return [index(k) % R for k in scalars]

    def _batch_mul(self, p: Point, scalars: Sequence[int], zero: Point) -> list[Point]:
        ks = [index(k) % R for k in scalars]
        if len(ks) < 8:
            return [multiply(p, k) for k in ks]
        table = _FixedBaseTable(p, zero)
        return [table.mul(k) for k in ks]

    # --- G1 -------------------------------------------------------------------------------
    def g1_generator(self) -> G1:
        """Return the standard generator of G1."""
        return _G1_GEN

    def g1_identity(self) -> G1:
        """Return the identity of G1."""
        return Z1

    def g1_add(self, p: G1, q: G1) -> G1:
        """Return p + q."""
        return add(p, q)

    def g1_neg(self, p: G1) -> G1:
        """Return -p."""
        return neg(p)

    def g1_mul(self, p: G1, k: int) -> G1:
        """Return k * p (k reduced mod r)."""
        return multiply(p, index(k) % R)

    def g1_msm(self, points: Sequence[G1], scalars: Scalars) -> G1:
        """Return sum(k_i * P_i) by a pure-Python Pippenger; lengths must match."""
        check_msm_lengths(points, scalars, "g1_msm")
        return _msm(points, self._ints(scalars), Z1)

    def g1_batch_mul(self, p: G1, scalars: Sequence[int]) -> list[G1]:
        """Return [k * p for k in scalars] (fixed-base comb table beyond 8 scalars)."""
        return self._batch_mul(p, scalars, Z1)

    def g1_eq(self, p: G1, q: G1) -> bool:
        """Return whether p == q (projective comparison)."""
        return bool(eq(p, q))

    def g1_is_identity(self, p: G1) -> bool:
        """Return whether p is the identity."""
        return bool(is_inf(p))

    def g1_to_bytes(self, p: G1) -> bytes:
        """Return the 48-byte ZCash compressed encoding of p."""
        if is_inf(p):
            return encode_g1(0, 0, infinity=True)
        x, y, z = p
        zinv = FQ.one() / z
        return encode_g1((x * zinv).n, (y * zinv).n)

    def g1_from_bytes(self, data: bytes, field: str = "g1") -> G1:
        """Decode 48 compressed bytes, checking length, flags, x < p, on-curve and subgroup."""
        parsed = parse_compressed(data, G1_COMPRESSED_SIZE, field)
        if parsed.infinity:
            return Z1
        point = _decompress_g1(parsed.x[0], parsed.sign)
        if point is None:
            raise MalformedInputError(
                f"{field}: x = 0x{parsed.x[0]:x} is not the x coordinate of a point on the "
                "G1 curve y^2 = x^3 + 4"
            )
        if not is_inf(multiply(point, R)):
            raise MalformedInputError(
                f"{field}: point {bytes(data).hex()} is on the curve but not in the "
                "order-r subgroup G1"
            )
        return point

    # --- G2 -------------------------------------------------------------------------------
    def g2_generator(self) -> G2:
        """Return the standard generator of G2."""
        return _G2_GEN

    def g2_identity(self) -> G2:
        """Return the identity of G2."""
        return Z2

    def g2_add(self, p: G2, q: G2) -> G2:
        """Return p + q."""
        return add(p, q)

    def g2_neg(self, p: G2) -> G2:
        """Return -p."""
        return neg(p)

    def g2_mul(self, p: G2, k: int) -> G2:
        """Return k * p (k reduced mod r)."""
        return multiply(p, index(k) % R)

    def g2_msm(self, points: Sequence[G2], scalars: Scalars) -> G2:
        """Return sum(k_i * Q_i) by a pure-Python Pippenger; lengths must match."""
        check_msm_lengths(points, scalars, "g2_msm")
        return _msm(points, self._ints(scalars), Z2)

    def g2_batch_mul(self, p: G2, scalars: Sequence[int]) -> list[G2]:
        """Return [k * p for k in scalars] (fixed-base comb table beyond 8 scalars)."""
        return self._batch_mul(p, scalars, Z2)

    def g2_eq(self, p: G2, q: G2) -> bool:
        """Return whether p == q (projective comparison)."""
        return bool(eq(p, q))

    def g2_is_identity(self, p: G2) -> bool:
        """Return whether p is the identity."""
        return bool(is_inf(p))

    def g2_to_bytes(self, p: G2) -> bytes:
        """Return the 96-byte ZCash compressed encoding of p."""
        if is_inf(p):
            return encode_g2((0, 0), (0, 0), infinity=True)
        x, y, z = p
        zinv = FQ2.one() / z
        ax, ay = x * zinv, y * zinv
        return encode_g2(
            (int(ax.coeffs[0]), int(ax.coeffs[1])), (int(ay.coeffs[0]), int(ay.coeffs[1]))
        )

    def g2_from_bytes(self, data: bytes, field: str = "g2") -> G2:
        """Decode 96 compressed bytes, checking length, flags, x < p, on-curve and subgroup."""
        parsed = parse_compressed(data, G2_COMPRESSED_SIZE, field)
        if parsed.infinity:
            return Z2
        point = _decompress_g2(parsed.x[0], parsed.x[1], parsed.sign)
        if point is None:
            raise MalformedInputError(
                f"{field}: x = (0x{parsed.x[0]:x}, 0x{parsed.x[1]:x}) is not the x coordinate "
                "of a point on the G2 twist y^2 = x^3 + 4(1 + u)"
            )
        if not is_inf(multiply(point, R)):
            raise MalformedInputError(
                f"{field}: point {bytes(data).hex()} is on the twist but not in the "
                "order-r subgroup G2"
            )
        return point

    # --- pairing --------------------------------------------------------------------------
    def pairing_check(self, pairs: Sequence[tuple[G1, G2]]) -> bool:
        """Return whether prod e(P_i, Q_i) == 1: one Miller loop per pair, one final exp."""
        return bool(self.pairing_product(pairs) == FQ12.one())

    def pairing_product(self, pairs: Sequence[tuple[G1, G2]]) -> FQ12:
        """Return prod e(P_i, Q_i): one Miller loop per pair, one final exponentiation."""
        f = FQ12.one()
        for p, q in pairs:
            if is_inf(p) or is_inf(q):
                continue  # e(0, Q) = e(P, 0) = 1
            f = f * miller_loop(_affine(q), _affine(p), final_exponentiate=False)
        return final_exponentiate(f)

    def gt_eq(self, x: FQ12, y: FQ12) -> bool:
        """Return whether two elements of GT are equal."""
        return bool(x == y)

    def pairing_fp12(self, p: G1, q: G2) -> tuple[int, ...]:
        """Return e(p, q) as its 12 coefficients over Fp (py_ecc's FQ12 basis)."""
        if is_inf(p) or is_inf(q):
            return (1,) + (0,) * 11
        f = final_exponentiate(miller_loop(_affine(q), _affine(p), final_exponentiate=False))
        return tuple(int(c) for c in f.coeffs)


def _affine(p: Point) -> Point:
    """Return the representation of p with Z = 1 (p must not be the identity)."""
    x, y, z = p
    zinv = z.one() / z
    return (x * zinv, y * zinv, z.one())
