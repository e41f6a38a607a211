"""The HTTP API's documents: typed pydantic models of every request and response.

They are the API's contract, published as OpenAPI at ``/openapi.json`` and committed as
``schemas/openapi.json`` (``zkclaims serve --print-openapi``; a test keeps the two in sync).
"""

from __future__ import annotations

import datetime as _dt
import json
from typing import Literal

from pydantic import Field

from zkclaims.domain.base import Model
from zkclaims.domain.models import Decision
from zkclaims.registry.records import Outcome

__all__ = [
    "Problem",
    "ClaimOutcome",
    "BatchItem",
    "BatchResult",
    "History",
    "Health",
    "CircuitVersion",
    "Version",
    "outcome_document",
]


class Problem(Model):
    """A request the service could not take: what, and which field (when one is to blame)."""

    code: str = Field(description="machine-readable code, e.g. malformed, body_too_large,"
                      " unauthenticated, invalid_api_key, forbidden, not_found, busy")
    field: str | None = Field(default=None, description="the offending field (dotted path),"
                              " or the header or the body as a whole")
    message: str = Field(description="what is wrong and what would be accepted")


class ClaimOutcome(Model):
    """The ledger's decision on a claim.

    ``status`` is ``accepted`` (with the reimbursement ``decision``) or ``rejected`` (with its
    ``reason`` code and a ``message``). ``replayed``: this is the decision recorded when the
    same claim was first submitted (the same bundle, up to the malleable proof bytes);
    ``recorded``: this request recorded it. A ``claim_id_conflict`` (HTTP 409) is neither.
    """

    insurer: str
    claim_id: str
    optician: str
    member_id: str
    status: Literal["accepted", "rejected"]
    reason: str | None = Field(description="rejection reason code (docs/service.md)")
    message: str | None
    decision: Decision | None
    replayed: bool
    recorded: bool
    audit_seq: int = Field(description="the audit-trail row of this decision")
    decided_at: str = Field(description="when it was decided (UTC, ISO 8601)")
    bundle_sha256: str = Field(description="SHA-256 of the recorded bundle's canonical JSON")


def outcome_document(outcome: Outcome) -> ClaimOutcome:
    """Return the API document of a ledger outcome."""
    decision = None if outcome.decision is None else Decision.model_validate_json(
        outcome.decision)
    return ClaimOutcome(
        insurer=outcome.insurer, claim_id=outcome.claim_id, optician=outcome.optician,
        member_id=outcome.member_id, status=outcome.status, reason=outcome.reason,
        message=outcome.message, decision=decision, replayed=outcome.replayed,
        recorded=outcome.recorded, audit_seq=outcome.audit_seq, decided_at=outcome.decided_at,
        bundle_sha256=outcome.bundle_sha256,
    )


class BatchItem(Model):
    """One bundle of a batch: its outcome, or why it could not be read (``malformed``)."""

    index: int = Field(description="position of the bundle in the request")
    status: Literal["accepted", "rejected", "malformed"]
    outcome: ClaimOutcome | None = None
    problem: Problem | None = None


class BatchResult(Model):
    """The outcome of every bundle of a batch, in the request's order, and the counts."""

    results: list[BatchItem]
    accepted: int
    rejected: int
    malformed: int


class History(Model):
    """A beneficiary's paid equipment as the ledger knows it (spec §5 renewal)."""

    member_id: str
    last_delivery: _dt.date | None = Field(description="delivery day of the last paid"
                                           " equipment")
    previous_commitment: str | None = Field(description="the prescription commitment of that"
                                            " equipment (an early-renewal proof starts from it)")
    paid_claims: int


class Health(Model):
    """Whether the service can reach its ledger."""

    status: Literal["ok", "unavailable"]
    engine: Literal["sqlite", "postgresql"]


class CircuitVersion(Model):
    """A statement this service verifies, and its setup."""

    name: str
    circuit_id: str
    setup: str | None = Field(description="how its keys were made (circuit.json)")
    setup_digest: str | None = Field(description="ceremony transcript SHA-256, else the"
                                     " verifying key's")


class Version(Model):
    """What this service runs: package, rules, ledger schema, statements."""

    package: str
    rules_version: str
    schema_revision: str
    insurer: str
    circuits: list[CircuitVersion]


def problem_json(code: str, message: str, field: str | None = None) -> bytes:
    """Return a :class:`Problem` as JSON bytes (for responses built by hand)."""
    return json.dumps({"code": code, "field": field, "message": message},
                      ensure_ascii=False).encode()
