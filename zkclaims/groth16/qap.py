"""R1CS -> QAP on a power-of-two evaluation domain, and the quotient polynomial H.

Row ``i < m`` of the QAP is constraint ``i``; then, as snarkjs does, one extra row per public
variable (the constant one included): row ``m + j`` has ``A = w_j``, ``B = 0``, ``C = 0``.
These rows make the polynomials ``A_j`` of the public variables linearly independent, which the
Groth16 soundness proof needs (otherwise a public input could be shifted without changing the
proof). The domain is the smallest power of two holding ``m + n_public + 1`` rows.

Polynomials are in Lagrange form over the domain: ``A_j(X) = sum_i A[i][j] L_i(X)``.

The H query follows snarkjs (so a key is the same object in both tools): the prover evaluates
``A B - C`` at the odd points ``omega_2n^(2j+1)`` of the doubled domain
(:meth:`QAP.quotient_evaluations`; ``A, B, C`` interpolated by inverse NTT, then evaluated on
that coset), and the proving key holds ``L^(2n)_(2j+1)(tau) / delta``: since ``A B - C``
has degree < 2n and vanishes on the even points, ``sum_j (A B - C)(omega_2n^(2j+1))
L^(2n)_(2j+1)(tau) = (A B - C)(tau) = H(tau) Z(tau)``. :meth:`QAP.h_coefficients` still gives
``H = (A B - C) / Z`` itself (computed on the coset shifted by the field's generator).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from zkclaims.circuit.r1cs import R1CS
from zkclaims.errors import MalformedInputError, ProofError
from zkclaims.field import EvaluationDomain, R, domain


@dataclass(frozen=True, eq=False)
class QAP:
    """The QAP of an R1CS: its rows (constraints + public-input rows) and domain.

    ``rows_a[i]`` etc. are tuples of ``(variable, coefficient)`` for row ``i``.
    """

    circuit_id: str
    n_public: int
    n_vars: int
    n_constraints: int
    domain: EvaluationDomain
    rows_a: tuple[tuple[tuple[int, int], ...], ...]
    rows_b: tuple[tuple[tuple[int, int], ...], ...]
    rows_c: tuple[tuple[tuple[int, int], ...], ...]
    r1cs: R1CS

    @classmethod
    def from_r1cs(cls, r1cs: R1CS) -> QAP:
        """Build the QAP of ``r1cs`` (its circuit id is ``r1cs.digest()``)."""
        if not isinstance(r1cs, R1CS):
            raise MalformedInputError(f"r1cs: expected an R1CS, got {type(r1cs).__name__}")
        m = r1cs.n_constraints
        n_rows = m + r1cs.n_public + 1
        rows_a, rows_b, rows_c = [], [], []
        for a, b, c in r1cs.constraints:
            rows_a.append(tuple((v, k % R) for v, k in a.items() if k % R))
            rows_b.append(tuple((v, k % R) for v, k in b.items() if k % R))
            rows_c.append(tuple((v, k % R) for v, k in c.items() if k % R))
        for j in range(r1cs.n_public + 1):
            rows_a.append(((j, 1),))
            rows_b.append(())
            rows_c.append(())
        return cls(r1cs.digest(), r1cs.n_public, r1cs.n_vars, m, domain(n_rows),
                   tuple(rows_a), tuple(rows_b), tuple(rows_c), r1cs)

    @property
    def n_rows(self) -> int:
        """Number of used rows (constraints plus public-input rows)."""
        return len(self.rows_a)

    def variables_in_b(self) -> set[int]:
        """Return the variables whose ``B_j`` polynomial is not zero."""
        return {v for row in self.rows_b for v, _ in row}

    def polynomials_at(self, lagrange: Sequence[int]) -> tuple[list[int], list[int], list[int]]:
        """``[A_j(tau)], [B_j(tau)], [C_j(tau)]`` for each variable, given ``[L_i(tau)]``."""
        out = []
        for rows in (self.rows_a, self.rows_b, self.rows_c):
            acc = [0] * self.n_vars
            for i, row in enumerate(rows):
                li = lagrange[i]
                for v, k in row:
                    acc[v] += k * li
            out.append([x % R for x in acc])
        return out[0], out[1], out[2]

    def check_witness(self, witness: Sequence[int]) -> list[int]:
        """Check the witness's shape and values and that it satisfies every constraint.

        Raises :class:`MalformedInputError` for a wrong length or a value outside ``[0, r)``,
        :class:`ProofError` naming the first unsatisfied constraint. Returns it as a list.
        """
        return self.check_and_evaluate(witness)[0]

    def check_and_evaluate(
        self, witness: Sequence[int]
    ) -> tuple[list[int], tuple[list[int], list[int], list[int]]]:
        """:meth:`check_witness`, also returning the evaluations of A, B, C on the domain.

        Satisfaction is read off the evaluations the prover needs anyway (constraint ``i`` holds
        iff ``A(w^i) B(w^i) = C(w^i)``), so checking costs no second pass over the R1CS.
        """
        if len(witness) != self.n_vars:
            raise MalformedInputError(
                f"witness: expected {self.n_vars} values, got {len(witness)}"
            )
        w = list(witness)
        for i, x in enumerate(w):
            if not isinstance(x, int) or isinstance(x, bool) or not 0 <= x < R:
                raise MalformedInputError(f"witness[{i}]: expected an int in [0, r), got {x!r:.80}")
        if w[0] != 1:
            raise MalformedInputError(f"witness[0]: the constant variable must be 1, got {w[0]}")
        evals = (
            self._evals(self.rows_a, w),
            self._evals(self.rows_b, w),
            self._evals(self.rows_c, w),
        )
        ea, eb, ec = evals
        bad = [
            i for i in range(self.r1cs.n_constraints) if ea[i] * eb[i] % R != ec[i]
        ]
        if bad:
            i = bad[0]
            name = self.r1cs.names[i] if i < len(self.r1cs.names) else "?"
            raise ProofError(
                f"witness: constraint {i} ({name}) is not satisfied "
                f"({len(bad)} unsatisfied constraint(s) in all)"
            )
        return w, evals

    def _evals(self, rows: Sequence[Sequence[tuple[int, int]]], w: Sequence[int]) -> list[int]:
        out = [0] * self.domain.size
        for i, row in enumerate(rows):
            if row:
                out[i] = sum(k * w[v] for v, k in row) % R
        return out

    def quotient_evaluations(
        self,
        witness: Sequence[int],
        evals: tuple[list[int], list[int], list[int]] | None = None,
    ) -> list[int]:
        """Return ``(A B - C)(omega_2n^(2j+1))`` for ``j < n``: the scalars of the H query.

        The witness is assumed checked (:meth:`check_witness`); ``evals`` are the evaluations
        returned by :meth:`check_and_evaluate` (computed here when not given).
        """
        d = self.domain
        if evals is None:
            evals = tuple(self._evals(rows, witness) for rows in (self.rows_a, self.rows_b,
                                                                  self.rows_c))
        odd = [np.array(d.odd_coset_ntt(d.intt(values)), dtype=object) for values in evals]
        return ((odd[0] * odd[1] - odd[2]) % R).tolist()

    def h_coefficients(
        self,
        witness: Sequence[int],
        evals: tuple[list[int], list[int], list[int]] | None = None,
    ) -> list[int]:
        """Coefficients ``h_0 .. h_{n-2}`` of ``H = (A B - C) / Z`` for a satisfying witness.

        The witness is assumed checked (:meth:`check_witness`); ``evals`` are the evaluations
        returned by :meth:`check_and_evaluate` (computed here when not given). A non-zero top
        coefficient (meaning ``Z`` does not divide ``A B - C``) raises :class:`ProofError`.
        """
        d = self.domain
        if evals is None:
            evals = tuple(self._evals(rows, witness) for rows in (self.rows_a, self.rows_b,
                                                                  self.rows_c))
        coset = []
        for values in evals:
            coeffs = d.intt(values)
            coset.append(np.array(d.coset_ntt(coeffs), dtype=object))
        z_inv = pow(d.vanishing_on_coset(), -1, R)
        h_coset = (coset[0] * coset[1] - coset[2]) % R * z_inv % R
        h = d.coset_intt(h_coset.tolist())
        if h[-1] != 0:
            raise ProofError("witness: A*B - C is not divisible by Z (unsatisfied constraints)")
        return h[:-1]
