"""The native backend: py-arkworks-bls12381 (Rust arkworks), the default.

Traps of the native library and what this adapter does about them:

* ``multiexp_unchecked`` silently truncates mismatched lists: lengths are checked here first.
* ``from_compressed_bytes_unchecked`` does no subgroup check, and the library's own flag and
  range handling is not documented: :func:`~zkclaims.groups.encoding.parse_compressed` checks
  length, flags, canonical identity and x < p first; decompression (solving for y) is the
  on-curve check; then ``is_in_subgroup`` (arkworks' endomorphism-based test, Scott 2021,
  proven for BLS12-381 G1 and G2) is the subgroup check. The test suite cross-checks it
  against multiplication by r on points outside the subgroup.
* ``GT.__add__`` is *not* the group law of GT (which is written multiplicatively: ``*``).
  This adapter never adds GT elements: it calls ``GT.pairing_check`` or ``GT.multi_pairing``
  (arkworks' multi-Miller loop followed by a single final exponentiation) and compares GT
  elements with ``==`` only.
* ``Scalar(int)`` is ~10x slower than ``Scalar.from_le_bytes`` on a 32-byte string, so
  scalars are converted through bytes (after reduction mod r, which also handles negatives).
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import index
from typing import Any

from zkclaims.errors import BackendUnavailableError, MalformedInputError
from zkclaims.field import R
from zkclaims.groups.base import G1, G2, GroupBackend, PreparedScalars, Scalars, check_msm_lengths
from zkclaims.groups.encoding import (
    G1_COMPRESSED_SIZE,
    G2_COMPRESSED_SIZE,
    parse_compressed,
)

try:  # the native wheel may be missing or fail to load on this platform
    import py_arkworks_bls12381 as _ark
except Exception as exc:  # pragma: no cover - exercised by monkeypatching in the tests
    _ark = None
    _IMPORT_ERROR: BaseException | None = exc
else:
    _IMPORT_ERROR = None


def _load() -> Any:
    """Return the native module, or raise BackendUnavailableError saying why it cannot load."""
    if _ark is None:
        raise BackendUnavailableError(
            f"backend 'arkworks': the native module py_arkworks_bls12381 cannot be imported "
            f"({_IMPORT_ERROR!r}); install py-arkworks-bls12381 or use ZKCLAIMS_BACKEND=py_ecc"
        )
    return _ark


#: Below this many scalars, ``*_batch_mul`` multiplies one by one (no comb table).
_COMB_MIN = 64


def _comb_batch_mul(p: Any, ks: list[bytes], zero: Any) -> list[Any]:
    """Fixed-base comb with 8-bit windows: 32 additions per scalar instead of a full ladder.

    ``rows[j][d] = d * 256^j * p``; ``ks`` are 32-byte little-endian scalars (already < r).
    The table costs 32 * 255 additions, so it pays off from a few dozen scalars.
    """
    rows = []
    base = p
    for _ in range(32):
        row = [zero, base]
        for _d in range(2, 256):
            row.append(row[-1] + base)
        rows.append(row)
        base = row[-1] + base  # 256 * base
    out = []
    for kb in ks:
        acc = zero
        for row, d in zip(rows, kb, strict=True):
            if d:
                acc = acc + row[d]
        out.append(acc)
    return out


class ArkworksBackend(GroupBackend):
    """BLS12-381 on py-arkworks-bls12381: native arithmetic, MSM and multi-pairing."""

    name = "arkworks"
    msm_releases_gil = True  # its MSM runs outside the GIL (see benchmarks/renewal.py)

    def __init__(self) -> None:
        ark = _load()
        self._G1 = ark.G1Point
        self._G2 = ark.G2Point
        self._GT = ark.GT
        self._Scalar = ark.Scalar
        self._from_le = ark.Scalar.from_le_bytes
        self._g1_gen = ark.G1Point()
        self._g2_gen = ark.G2Point()
        self._g1_zero = ark.G1Point.identity()
        self._g2_zero = ark.G2Point.identity()

    # --- scalars --------------------------------------------------------------------------
    def _scalar(self, k: int) -> Any:
        return self._from_le((index(k) % R).to_bytes(32, "little"))

    def prepare_scalars(self, scalars: Sequence[int]) -> PreparedScalars:
        """Reduce mod r and convert to native ``Scalar`` objects (via bytes: the fast path)."""
        from_le = self._from_le
        return PreparedScalars(
            self.name, [from_le((index(k) % R).to_bytes(32, "little")) for k in scalars]
        )

    def _native_scalars(self, scalars: Scalars) -> list[Any]:
        if isinstance(scalars, PreparedScalars):
            if scalars.backend != self.name:
                raise TypeError(
                    f"scalars were prepared by backend {scalars.backend!r}, not {self.name!r}"
                )
            return list(scalars.items)
        return list(self.prepare_scalars(scalars).items)

    # --- G1 -------------------------------------------------------------------------------
    def g1_generator(self) -> G1:
        """Return the standard generator of G1."""
        return self._g1_gen

    def g1_identity(self) -> G1:
        """Return the identity of G1."""
        return self._g1_zero

    def g1_add(self, p: G1, q: G1) -> G1:
        """Return p + q."""
        return p + q

    def g1_neg(self, p: G1) -> G1:
        """Return -p."""
        return -p

    def g1_mul(self, p: G1, k: int) -> G1:
        """Return k * p (k reduced mod r)."""
        return p * self._scalar(k)

    def g1_msm(self, points: Sequence[G1], scalars: Scalars) -> G1:
        """Return sum(k_i * P_i) by the native Pippenger MSM; lengths must match."""
        check_msm_lengths(points, scalars, "g1_msm")
        if not points:
            return self._g1_zero
        return self._G1.multiexp_unchecked(list(points), self._native_scalars(scalars))

    def g1_batch_mul(self, p: G1, scalars: Sequence[int]) -> list[G1]:
        """Return [k * p for k in scalars] (8-bit fixed-base comb from 64 scalars on)."""
        return self._batch_mul(p, scalars, self._g1_zero)

    def _batch_mul(self, p: Any, scalars: Sequence[int], zero: Any) -> list[Any]:
        ks = [(index(k) % R).to_bytes(32, "little") for k in scalars]
        if len(ks) < _COMB_MIN:
            from_le = self._from_le
            return [p * from_le(kb) for kb in ks]
        return _comb_batch_mul(p, ks, zero)

    def g1_eq(self, p: G1, q: G1) -> bool:
        """Return whether p == q."""
        return bool(p == q)

    def g1_is_identity(self, p: G1) -> bool:
        """Return whether p is the identity."""
        return bool(p == self._g1_zero)

    def g1_to_bytes(self, p: G1) -> bytes:
        """Return the 48-byte ZCash compressed encoding of p."""
        return bytes(p.to_compressed_bytes())

    def g1_from_bytes(self, data: bytes, field: str = "g1") -> G1:
        """Decode 48 compressed bytes, checking length, flags, x < p, on-curve and subgroup."""
        parsed = parse_compressed(data, G1_COMPRESSED_SIZE, field)
        if parsed.infinity:
            return self._g1_zero
        try:
            point = self._G1.from_compressed_bytes_unchecked(bytes(data))
        except Exception as exc:
            raise MalformedInputError(
                f"{field}: x = 0x{parsed.x[0]:x} is not the x coordinate of a point on the "
                f"G1 curve y^2 = x^3 + 4 ({exc})"
            ) from None
        if not point.is_in_subgroup():
            raise MalformedInputError(
                f"{field}: point {bytes(data).hex()} is on the curve but not in the "
                "order-r subgroup G1"
            )
        return point

    # --- G2 -------------------------------------------------------------------------------
    def g2_generator(self) -> G2:
        """Return the standard generator of G2."""
        return self._g2_gen

    def g2_identity(self) -> G2:
        """Return the identity of G2."""
        return self._g2_zero

    def g2_add(self, p: G2, q: G2) -> G2:
        """Return p + q."""
        return p + q

    def g2_neg(self, p: G2) -> G2:
        """Return -p."""
        return -p

    def g2_mul(self, p: G2, k: int) -> G2:
        """Return k * p (k reduced mod r)."""
        return p * self._scalar(k)

    def g2_msm(self, points: Sequence[G2], scalars: Scalars) -> G2:
        """Return sum(k_i * Q_i) by the native MSM; lengths must match."""
        check_msm_lengths(points, scalars, "g2_msm")
        if not points:
            return self._g2_zero
        return self._G2.multiexp_unchecked(list(points), self._native_scalars(scalars))

    def g2_batch_mul(self, p: G2, scalars: Sequence[int]) -> list[G2]:
        """Return [k * p for k in scalars] (8-bit fixed-base comb from 64 scalars on)."""
        return self._batch_mul(p, scalars, self._g2_zero)

    def g2_eq(self, p: G2, q: G2) -> bool:
        """Return whether p == q."""
        return bool(p == q)

    def g2_is_identity(self, p: G2) -> bool:
        """Return whether p is the identity."""
        return bool(p == self._g2_zero)

    def g2_to_bytes(self, p: G2) -> bytes:
        """Return the 96-byte ZCash compressed encoding of p."""
        return bytes(p.to_compressed_bytes())

    def g2_from_bytes(self, data: bytes, field: str = "g2") -> G2:
        """Decode 96 compressed bytes, checking length, flags, x < p, on-curve and subgroup."""
        parsed = parse_compressed(data, G2_COMPRESSED_SIZE, field)
        if parsed.infinity:
            return self._g2_zero
        try:
            point = self._G2.from_compressed_bytes_unchecked(bytes(data))
        except Exception as exc:
            raise MalformedInputError(
                f"{field}: x = (0x{parsed.x[0]:x}, 0x{parsed.x[1]:x}) is not the x coordinate "
                f"of a point on the G2 twist y^2 = x^3 + 4(1 + u) ({exc})"
            ) from None
        if not point.is_in_subgroup():
            raise MalformedInputError(
                f"{field}: point {bytes(data).hex()} is on the twist but not in the "
                "order-r subgroup G2"
            )
        return point

    # --- pairing --------------------------------------------------------------------------
    def pairing_check(self, pairs: Sequence[tuple[G1, G2]]) -> bool:
        """Return whether prod e(P_i, Q_i) == 1: native multi-Miller loop, one final exp."""
        if not pairs:
            return True
        g1s = [p for p, _ in pairs]
        g2s = [q for _, q in pairs]
        return bool(self._GT.pairing_check(g1s, g2s))

    def pairing_product(self, pairs: Sequence[tuple[G1, G2]]) -> Any:
        """Return prod e(P_i, Q_i): native multi-Miller loop, one final exponentiation.

        GT elements compare with ``==`` and multiply with ``*``; the library's GT ``+`` is not
        the group operation and is never used here.
        """
        if not pairs:
            return self._GT.one()
        return self._GT.multi_pairing([p for p, _ in pairs], [q for _, q in pairs])

    def gt_eq(self, x: Any, y: Any) -> bool:
        """Return whether two elements of GT are equal."""
        return bool(x == y)
