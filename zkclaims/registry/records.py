"""What goes in and out of the ledger: claim facts, verdicts, outcomes, histories.

Plain frozen dataclasses: the ledger neither parses bundles nor verifies proofs. The facts of
a claim come from a parsed bundle (:func:`zkclaims.registry.ingest.facts_of`); a *judge* —
the verifier, wired in :mod:`zkclaims.registry.ingest` — turns the insurer's beneficiary
record and the ledger's history into a :class:`Verdict`; the ledger records it and answers
with an :class:`Outcome`.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from zkclaims.domain.patient import Beneficiary

__all__ = [
    "REGISTRY_REASONS",
    "ClaimFacts",
    "LedgerHistory",
    "Verdict",
    "Outcome",
    "Judge",
    "BatchJudge",
    "ImportReport",
]

#: Reasons the ledger itself gives (the verifier gives the others).
REGISTRY_REASONS = ("claim_id_conflict", "duplicate_equipment")

Status = Literal["accepted", "rejected"]


@dataclass(frozen=True)
class ClaimFacts:
    """The facts of one claim the ledger acts on (all public in the bundle).

    ``commitment`` is the prescription commitment the equipment proof is about (the
    statement): duplicates are found by it, never by proof bytes. ``bundle_sha256`` is the
    SHA-256 of the bundle's canonical JSON (recorded); ``claim_sha256`` the same without the
    proof bytes: a bundle with the same ``claim_sha256`` is the same claim again (a replay,
    even with a malleated proof), another one under the same (insurer, claim id) a conflict.
    ``setup_digest`` (the ceremony transcript's
    or the verifying key's digest of the claim's circuit; None for an unknown circuit) goes
    into the audit trail.
    """

    insurer: str
    claim_id: str
    optician: str
    member_id: str
    delivered_on: _dt.date
    commitment: str
    circuit_id: str
    bundle_sha256: str
    claim_sha256: str
    setup_digest: str | None = None


@dataclass(frozen=True)
class LedgerHistory:
    """The beneficiary's paid equipment as the verifier needs it (spec §5 renewal).

    ``last_delivery`` and ``previous_commitment`` are those of the paid claim with the latest
    delivery day (None when nothing was paid); ``paid_claims`` counts the paid claims.
    """

    last_delivery: _dt.date | None = None
    previous_commitment: str | None = None
    paid_claims: int = 0


@dataclass(frozen=True)
class Verdict:
    """A judge's answer on one claim.

    ``decision`` is the reimbursement decision as JSON text when accepted; ``reason`` and
    ``message`` say why when rejected.
    """

    accepted: bool
    reason: str | None = None
    message: str | None = None
    decision: str | None = None

    @classmethod
    def accept(cls, decision_json: str) -> Verdict:
        """Return an acceptance with its decision (JSON text)."""
        return cls(True, None, None, decision_json)

    @classmethod
    def reject(cls, reason: str, message: str) -> Verdict:
        """Return a rejection with its reason code and message."""
        return cls(False, reason, message, None)


@dataclass(frozen=True)
class Outcome:
    """The ledger's answer on one claim.

    ``status`` is the recorded outcome; ``replayed`` when the same bundle was decided before
    (this is that decision, unchanged); ``recorded`` when this call wrote the claim. A
    ``claim_id_conflict`` is answered without touching the recorded claim (``recorded`` and
    ``replayed`` both False). ``audit_seq`` is the audit row of the decision.
    """

    insurer: str
    claim_id: str
    optician: str
    member_id: str
    bundle_sha256: str
    status: Status
    reason: str | None
    message: str | None
    decision: str | None
    decided_at: str
    audit_seq: int
    replayed: bool = False
    recorded: bool = False

    @property
    def accepted(self) -> bool:
        """True when the claim is (or was) accepted."""
        return self.status == "accepted"


#: ``judge(beneficiary or None, history) -> Verdict`` for one claim.
Judge = Callable[[Beneficiary | None, LedgerHistory], Verdict]
#: ``judge_many([(index, beneficiary or None, history), ...]) -> [Verdict, ...]``, same order;
#: ``index`` is the claim's position in the list given to ``Registry.ingest_many``.
BatchJudge = Callable[
    [Sequence[tuple[int, Beneficiary | None, LedgerHistory]]], list[Verdict]
]


@dataclass(frozen=True)
class ImportReport:
    """What an import of beneficiary records did."""

    inserted: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        """Records read."""
        return self.inserted + self.updated + self.unchanged
