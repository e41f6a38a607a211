"""Pairing equations checked together: one multi-pairing with random weights.

Each equation is a *same-ratio* statement ``e(a, b) == e(c, d)`` (``a, c`` in G1, ``b, d`` in
G2). :meth:`PairingBatch.check` tests ``prod_k e(rho_k a_k, b_k) e(-rho_k c_k, d_k) == 1``
with fresh 128-bit ``rho_k`` from :mod:`secrets`; terms sharing a G2 point are summed in G1
first (one Miller loop per distinct G2 point). Every point is in its prime-order group
(decoders check it), so a batch holding a false equation passes with probability at most
about 2^-128. When the batch fails, :meth:`PairingBatch.first_failure` checks the equations
one by one, in the order they were added, to name the first false one.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import py_arkworks_bls12381 as _ark

from zkclaims.ceremony.keys import scalar

__all__ = ["PairingBatch", "COEFFICIENT_BITS", "BULK_COEFFICIENT_BITS", "random_coefficients",
           "msm_g1", "msm_g2", "first_bad"]

COEFFICIENT_BITS = 128  #: bits of the weights of a pairing batch (error ~2^-128 per check)
#: Bits of the weights of the linear combinations that compare thousands of points at once
#: (accumulator structure, Lagrange sections, key queries): drawn after the file is fixed, so
#: a false file passes one verification with probability at most 2^-64 (snarkjs uses 32).
BULK_COEFFICIENT_BITS = 64


def random_coefficients(n: int, bits: int = BULK_COEFFICIENT_BITS) -> list[int]:
    """``n`` independent non-zero weights of ``bits`` bits from :mod:`secrets`."""
    return [secrets.randbits(bits) | 1 for _ in range(n)]


def msm_g1(points: Sequence[Any], scalars: Sequence[int]) -> Any:
    """``sum(k_i P_i)`` in G1 (native MSM; lengths must match)."""
    if len(points) != len(scalars):
        raise ValueError("msm_g1: lengths differ")
    if not points:
        return _ark.G1Point.identity()
    return _ark.G1Point.multiexp_unchecked(list(points), [scalar(k) for k in scalars])


def msm_g2(points: Sequence[Any], scalars: Sequence[int]) -> Any:
    """``sum(k_i Q_i)`` in G2 (native MSM; lengths must match)."""
    if len(points) != len(scalars):
        raise ValueError("msm_g2: lengths differ")
    if not points:
        return _ark.G2Point.identity()
    return _ark.G2Point.multiexp_unchecked(list(points), [scalar(k) for k in scalars])


@dataclass(frozen=True)
class _Equation:
    a: Any
    b: Any
    c: Any
    d: Any
    label: Any


class PairingBatch:
    """Collects same-ratio equations; checks them all with one multi-pairing."""

    def __init__(self) -> None:
        self._eqs: list[_Equation] = []

    def __len__(self) -> int:
        return len(self._eqs)

    def same_ratio(self, g1_s: Any, g1_sx: Any, g2_s: Any, g2_sx: Any, label: Any) -> None:
        """Add ``e(g1_s, g2_sx) == e(g1_sx, g2_s)``: the G1 pair and the G2 pair share a ratio."""
        self._eqs.append(_Equation(g1_s, g2_sx, g1_sx, g2_s, label))

    def check(self) -> bool:
        """Whether every equation holds (up to the ~2^-128 error of the random weights)."""
        if not self._eqs:
            return True
        if len(self._eqs) == 1:
            return self._one(self._eqs[0])
        rho = random_coefficients(len(self._eqs), COEFFICIENT_BITS)
        groups: dict[bytes, tuple[Any, list[Any], list[int]]] = {}
        for r, eq in zip(rho, self._eqs, strict=True):
            for g1, g2, k in ((eq.a, eq.b, r), (eq.c, eq.d, -r)):
                key = bytes(g2.to_compressed_bytes())
                entry = groups.setdefault(key, (g2, [], []))
                entry[1].append(g1)
                entry[2].append(k)
        g1s, g2s = [], []
        for g2, pts, ks in groups.values():
            if len(pts) == 1:
                g1s.append(pts[0] * scalar(ks[0]))
            else:
                g1s.append(msm_g1(pts, ks))
            g2s.append(g2)
        return bool(_ark.GT.pairing_check(g1s, g2s))

    @staticmethod
    def _one(eq: _Equation) -> bool:
        return bool(_ark.GT.pairing_check([eq.a, -eq.c], [eq.b, eq.d]))

    def first_failure(self) -> Any:
        """Return the label of the first false equation (checked one by one), or None."""
        for eq in self._eqs:
            if not self._one(eq):
                return eq.label
        return None


def first_bad(batch: PairingBatch, pending: Any, name_of: Any, phase: int) -> None:
    """Raise the earliest failure, by contribution index.

    The candidates are the batch's equations (labelled ``(index, check, message)``) and
    ``pending`` (a ``ContributionError`` of a direct check); at equal index the direct check
    wins (it ran first).
    """
    from zkclaims.ceremony.errors import ContributionError

    if batch.check():
        if pending is not None:
            raise pending
        return
    label = batch.first_failure()
    if label is None:  # pragma: no cover - the weights hit a ~2^-128 event
        raise ContributionError(None, None, "batch", "the batched pairing check failed but "
                                "no single equation does: run the verification again", phase)
    index, check, msg = label

    def order(i: int | None) -> float:
        return float("inf") if i is None else i

    if pending is not None and order(pending.index) <= order(index):
        raise pending
    raise ContributionError(index, name_of(index) if index else None, check, msg, phase)
