"""The R1CS type: the one narrow interface between the circuit frontend and the Groth16 backend.

Variables are numbered: 0 is the constant one, then ``1..n_public`` the public inputs, then the
private variables up to ``n_vars - 1``. Each constraint is a triple ``(A, B, C)`` of sparse maps
variable index -> coefficient (reduced mod r, no zero coefficients), meaning
``<A, w> * <B, w> == <C, w>`` over the scalar field. A witness is the full assignment
``w`` (a list of ``n_vars`` ints in ``[0, r)`` with ``w[0] == 1``).
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field

from zkclaims.field import R

#: A sparse linear combination: variable index -> coefficient in [1, r).
Row = dict[int, int]


@dataclass(frozen=True)
class R1CS:
    """A rank-1 constraint system over the BLS12-381 scalar field.

    ``constraints[i] = (A_i, B_i, C_i)``; ``names[i]`` is the gadget scope path of constraint
    ``i`` (e.g. ``lens.right.class/less_than[3]``), used to report unsatisfied constraints.
    """

    n_public: int
    n_vars: int
    constraints: tuple[tuple[Row, Row, Row], ...]
    names: tuple[str, ...] = field(default=())
    name: str = "circuit"

    @property
    def n_constraints(self) -> int:
        """Number of constraints."""
        return len(self.constraints)

    @property
    def n_private(self) -> int:
        """Number of private variables (all but the constant one and the public inputs)."""
        return self.n_vars - 1 - self.n_public

    def canonical_bytes(self) -> bytes:
        """Return the canonical serialisation: header, then each constraint's rows by variable."""
        out = bytearray(b"zkclaims-r1cs-v1\x00")
        out += R.to_bytes(32, "big")
        out += struct.pack(">QQQ", self.n_public, self.n_vars, len(self.constraints))
        for a, b, c in self.constraints:
            for row in (a, b, c):
                out += struct.pack(">Q", len(row))
                for var in sorted(row):
                    out += struct.pack(">Q", var) + (row[var] % R).to_bytes(32, "big")
        return bytes(out)

    def digest(self) -> str:
        """SHA-256 (hex) of :meth:`canonical_bytes`: the circuit id."""
        return hashlib.sha256(self.canonical_bytes()).hexdigest()

    def unsatisfied(self, witness: Sequence[int]) -> list[int]:
        """Return the indices of the constraints that ``witness`` does not satisfy."""
        if len(witness) != self.n_vars or witness[0] % R != 1:
            raise ValueError(
                f"witness: expected {self.n_vars} values starting with 1, got {len(witness)}"
            )
        bad = []
        for i, (a, b, c) in enumerate(self.constraints):
            va = sum(k * witness[v] for v, k in a.items()) % R
            vb = sum(k * witness[v] for v, k in b.items()) % R
            vc = sum(k * witness[v] for v, k in c.items()) % R
            if va * vb % R != vc:
                bad.append(i)
        return bad

    def is_satisfied(self, witness: Sequence[int]) -> bool:
        """Return True when every constraint holds for ``witness``."""
        return not self.unsatisfied(witness)
