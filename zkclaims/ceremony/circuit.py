"""The circuit side of phase 2: an R1CS as snarkjs's ``zkey new`` reads it.

The R1CS comes as an iden3 ``.r1cs`` file (``zkclaims.circuit.iden3`` writes ours; circom
writes others) and is read entry by entry in file order, zero coefficients included, because
the ``.zkey`` coefficient section repeats them in that order. The QAP has one row per
constraint, then one row per public variable (the constant one included) with ``A = 1`` — the
rows :class:`zkclaims.groth16.qap.QAP` also appends — over the smallest power-of-two domain
holding them all.

Each key point is a sparse combination of the phase-1 Lagrange points of that domain:
``A_v = sum_i a_iv L_i`` (G1), ``B_v`` likewise (G1 and G2), and for the public variables
(IC) and the private ones (L, before the delta division)
``beta A_v + alpha B_v + C_v = sum_i (a_iv beta L_i + b_iv alpha L_i + c_iv L_i)``.
:func:`compose` computes such combinations exactly (for ``zkey new``); verification only
needs :func:`fold`, which turns one random combination of the outputs into one combination
of the Lagrange points.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from zkclaims.ceremony.batch import msm_g1, msm_g2
from zkclaims.ceremony.keys import scalar
from zkclaims.circuit.iden3 import (
    _read_fe,
    _read_prime,
    _Reader,
    _sections,
    r1cs_from_bytes,
    r1cs_to_bytes,
)
from zkclaims.circuit.r1cs import R1CS
from zkclaims.errors import MalformedInputError
from zkclaims.field import R

__all__ = ["CircuitShape", "load_circuit", "compose", "fold", "Term"]

#: One term of a combination: (index of a Lagrange point, coefficient).
Term = tuple[int, int]

_A, _B = 0, 1


@dataclass(frozen=True)
class CircuitShape:
    """What ``zkey new`` reads from an R1CS (entries in file order, zeros kept)."""

    n_vars: int
    n_public: int
    n_constraints: int
    constraints: tuple[tuple[tuple[Term, ...], tuple[Term, ...], tuple[Term, ...]], ...]
    circuit_id: str

    @property
    def power(self) -> int:
        """``log2`` of the domain size (snarkjs's ``cirPower``)."""
        return max(1, (self.n_constraints + self.n_public).bit_length())

    @property
    def domain_size(self) -> int:
        """The QAP domain size: smallest power of two > constraints + publics."""
        return 1 << self.power

    def coefficients(self) -> list[tuple[int, int, int, int]]:
        """Section 4's entries ``(matrix 0=A 1=B, row, variable, value)`` in snarkjs's order."""
        out = []
        for c, (a, b, _) in enumerate(self.constraints):
            out += [(_A, c, v, k) for v, k in a]
            out += [(_B, c, v, k) for v, k in b]
        m = self.n_constraints
        out += [(_A, m + s, s, 1) for s in range(self.n_public + 1)]
        return out

    @cached_property
    def columns(self) -> dict[str, list[list[Term]]]:
        """Per variable: the (row, coefficient) terms of A, B and C (public rows included)."""
        cols: dict[str, list[list[Term]]] = {x: [[] for _ in range(self.n_vars)] for x in "abc"}
        for c, rows in enumerate(self.constraints):
            for name, row in zip("abc", rows, strict=True):
                for v, k in row:
                    cols[name][v].append((c, k))
        for s in range(self.n_public + 1):
            cols["a"][s].append((self.n_constraints + s, 1))
        return cols


def load_circuit(r1cs: bytes | R1CS, what: str = "r1cs") -> CircuitShape:
    """Read an R1CS (``.r1cs`` bytes, or ours, exported first) for phase 2.

    Raises :class:`MalformedInputError` for a file that is not a BLS12-381 ``.r1cs``.
    """
    if isinstance(r1cs, R1CS):
        data = r1cs_to_bytes(r1cs)
    elif isinstance(r1cs, bytes | bytearray | memoryview):
        data = bytes(r1cs)
    else:
        raise MalformedInputError(f"{what}: expected .r1cs bytes or an R1CS, got "
                                  f"{type(r1cs).__name__}")
    parsed, hdr = r1cs_from_bytes(data)  # header, prime and wire checks
    _, secs = _sections(data, b"r1cs", what)
    rd = _Reader(secs[1], f"{what}.header")
    _read_prime(rd)
    rd = _Reader(secs[2], f"{what}.constraints")
    constraints = []
    for i in range(hdr.n_constraints):
        rows = []
        for m in "ABC":
            row = []
            for _ in range(rd.u32()):
                wire = rd.u32()
                row.append((wire, _read_fe(rd, f"{what}.constraints[{i}].{m}[{wire}]")))
            rows.append(tuple(row))
        constraints.append(tuple(rows))
    return CircuitShape(hdr.n_wires, hdr.n_pub_out + hdr.n_pub_in, hdr.n_constraints,
                        tuple(constraints), parsed.digest())


def _combine_g1(terms: Sequence[tuple[Any, int]]) -> Any:
    import py_arkworks_bls12381 as ark

    return _combine(terms, ark.G1Point.identity(), msm_g1)


def _combine_g2(terms: Sequence[tuple[Any, int]]) -> Any:
    import py_arkworks_bls12381 as ark

    return _combine(terms, ark.G2Point.identity(), msm_g2)


def _combine(terms: Sequence[tuple[Any, int]], zero: Any, msm: Any) -> Any:
    acc = zero
    rest = []
    for p, k in terms:
        k %= R
        if k == 1:
            acc = acc + p
        elif k == R - 1:
            acc = acc + (-p)
        elif k:
            rest.append((p, k))
    if len(rest) == 1:
        acc = acc + rest[0][0] * scalar(rest[0][1])
    elif rest:
        acc = acc + msm([p for p, _ in rest], [k for _, k in rest])
    return acc


def compose(columns: Sequence[Sequence[tuple[Sequence[Any], int, int]]], g2: bool = False,
            ) -> list[Any]:
    """Exact points: ``out[v] = sum(k * bases[i])`` over the (bases, i, k) terms of column v."""
    comb = _combine_g2 if g2 else _combine_g1
    return [comb([(bases[i], k) for bases, i, k in col]) for col in columns]


def fold(columns: Sequence[Sequence[Term]], weights: Sequence[int], size: int) -> list[int]:
    """Return ``f[i] = sum_v weights[v] * coef(v, i)``.

    These are the Lagrange-side coefficients of ``sum_v weights[v] * out[v]`` (one random
    combination of many outputs).
    """
    f = [0] * size
    for w, col in zip(weights, columns, strict=True):
        if w:
            for i, k in col:
                f[i] += w * k
    return [x % R for x in f]


def u32be(n: int) -> bytes:
    """Return a big-endian u32 (the counts the circuit hash covers)."""
    return struct.pack(">I", n)
