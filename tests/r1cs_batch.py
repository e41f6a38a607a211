"""Evaluate R1CS rows on batch witnesses (test helper, not a test module)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from zkclaims.field import R

_HALF = R // 2
_SMALL = 1 << 30


def unsatisfied_rows(r1cs, witness: list, n: int, rows: Iterable[int] | None = None) -> np.ndarray:
    """Per batch element: True when one of the constraints ``rows`` (default: all) fails.

    Values are taken in signed form (``x - r`` above ``r / 2``); rows whose terms are all small
    are evaluated in int64, the others with Python ints modulo r.
    """
    cols: dict[int, np.ndarray] = {}

    def col(v: int) -> np.ndarray:
        if v not in cols:
            x = witness[v]
            if isinstance(x, np.ndarray) and x.dtype == np.int64 and x.size and (
                x.min() >= 0 and x.max() < _SMALL
            ):
                cols[v] = x  # canonical and small already: the fast common case
                return x
            if isinstance(x, np.ndarray):
                x = x.astype(object) % R
            else:
                x = np.full(n, int(x) % R, dtype=object)
            x = np.where(x > _HALF, x - R, x)
            if (np.abs(x) < _SMALL).all():
                x = x.astype(np.int64)
            cols[v] = x
        return cols[v]

    def ev(row: dict) -> np.ndarray:
        terms = [(col(v), c - R if c > _HALF else c) for v, c in row.items()]
        if all(x.dtype == np.int64 and abs(c) < _SMALL for x, c in terms) and len(terms) < 64:
            acc = np.zeros(n, dtype=np.int64)
            for x, c in terms:
                acc += x * c  # |x * c| < 2**60 / 64 per term: no overflow
            return acc
        acc = np.zeros(n, dtype=object)
        for x, c in terms:
            acc = acc + x.astype(object) * c
        return acc % R

    bad = np.zeros(n, dtype=bool)
    for i in range(r1cs.n_constraints) if rows is None else rows:
        a, b, c = r1cs.constraints[i]
        va, vb, vc = ev(a), ev(b), ev(c)
        if va.dtype == vb.dtype == vc.dtype == np.int64 and all(
            np.abs(v).max(initial=0) < _SMALL for v in (va, vb, vc)
        ):
            bad |= va * vb != vc  # exact: |va * vb| < 2**60, |vc| < 2**30
        else:
            bad |= (va.astype(object) * vb.astype(object) - vc.astype(object)) % R != 0
    return bad
