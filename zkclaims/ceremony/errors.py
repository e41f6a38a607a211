"""Errors of the ceremony, in the :class:`~zkclaims.errors.ZkClaimsError` tree.

A malformed file (truncated, a length that lies, a point off the curve or outside the
subgroup, another curve) raises :class:`~zkclaims.errors.MalformedInputError`. A well-formed
transcript that does not verify raises :class:`ContributionError` naming the first bad
contribution (1-based index as snarkjs prints it, the contributor's name) and the check that
failed; checks that concern no single contribution (the phase-2 preparation, the final keys
against the circuit) carry ``index = None``.
"""

from __future__ import annotations

from zkclaims.errors import CryptoError

__all__ = ["CeremonyError", "ContributionError", "CHECKS"]

#: Every check name, with what it proves (``docs/ceremony.md`` explains them).
CHECKS: dict[str, str] = {
    "no_contributions": "the transcript holds at least one contribution",
    "reused_randomness": "no two contributions share a random point g1_s (a reused seed)",
    "beacon": "a beacon contribution's keys are the ones its public value derives",
    "pok_tau": "the contributor knew the tau it applied (proof of knowledge)",
    "pok_alpha": "the contributor knew the alpha it applied (proof of knowledge)",
    "pok_beta": "the contributor knew the beta it applied (proof of knowledge)",
    "tau_g1": "tau G1 moved from the previous contribution's by the proven tau",
    "tau_g2": "tau G2 moved from the previous contribution's by the proven tau",
    "alpha_g1": "alpha G1 moved from the previous contribution's by the proven alpha",
    "beta_g1": "beta G1 moved from the previous contribution's by the proven beta",
    "beta_g2": "beta G2 moved from the previous contribution's by the proven beta",
    "accumulator": "the accumulator's first points are the last contribution's",
    "powers": "every section holds consecutive powers of the same tau",
    "response_hash": "the saved response hash covers the previous challenge and these points",
    "next_challenge": "the last next-challenge hash is the hash of these points",
    "lagrange": "the phase-2 sections are the powers of tau in the Lagrange bases",
    "transcript": "the contribution's transcript hash chains from the circuit and the "
                  "earlier contributions",
    "pok_delta": "the contributor knew the delta it applied (proof of knowledge)",
    "delta": "delta moved from the previous contribution's by the proven secret",
    "circuit": "the zkey's shape and circuit hash are those of the R1CS and phase 1",
    "keys": "alpha, beta, gamma and delta of the key are phase 1's and the last contribution's",
    "queries": "the A, B, IC and coefficient sections are what the R1CS and phase 1 imply",
    "l_query": "the L query is phase 1's divided by the final delta",
    "h_query": "the H query is phase 1's divided by the final delta",
}


class CeremonyError(CryptoError):
    """A ceremony operation or verification failed."""


class ContributionError(CeremonyError):
    """A transcript does not verify: ``index`` (1-based, or None), ``name``, ``check``."""

    def __init__(self, index: int | None, name: str | None, check: str, message: str,
                 phase: int = 1) -> None:
        self.index = index
        self.name = name
        self.check = check
        self.phase = phase
        if index is None:
            who = f"phase {phase}"
        else:
            who = f"phase {phase} contribution #{index}" + (f" ({name})" if name else "")
        super().__init__(f"{who}: check {check!r} failed: {message}")
