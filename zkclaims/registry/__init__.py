"""The insurer's claim ledger (issue 12): what was paid, to whom, and why.

One small interface, :class:`Registry`, over two engines — SQLite (the embedded default: one
file, WAL, one transaction per claim) and PostgreSQL (several service instances behind a load
balancer) — with SQLAlchemy Core and Alembic migrations shipped in the package
(:mod:`.migrate`). ``docs/service.md`` describes the model; in short:

* ``open_registry(url, migrate=True)`` opens (and creates or migrates) a ledger;
* ``import_beneficiaries(insurer, records)`` loads the insurer's member records
  (:class:`~zkclaims.domain.patient.Beneficiary`; files: :mod:`.beneficiaries`);
* ``ingest(facts, judge, rules_version=...)`` / ``ingest_many(...)`` decide and record claims
  atomically: idempotent by (insurer, claim id) — the same bundle again gets the same answer,
  another bundle under a used claim id is ``claim_id_conflict`` —, duplicates by statement
  (``duplicate_equipment``), the history handed to the verifier read and re-checked in the
  transaction that records the decision;
* ``claim(insurer, claim_id)``, ``history(insurer, member_id)``;
* ``audit()`` checks the hash-chained audit trail (:mod:`.audit`).

:mod:`.ingest` wires the library's :class:`~zkclaims.verifier.Verifier` in as the judge.
"""

from zkclaims.registry.audit import AuditReport
from zkclaims.registry.backends import PostgresRegistry, SqliteRegistry, open_registry
from zkclaims.registry.engines import dialect_of, normalise_url
from zkclaims.registry.errors import (
    RegistryBusyError,
    RegistryConfigError,
    RegistryError,
    SchemaVersionError,
)
from zkclaims.registry.migrate import head_revision
from zkclaims.registry.records import (
    REGISTRY_REASONS,
    BatchJudge,
    ClaimFacts,
    ImportReport,
    Judge,
    LedgerHistory,
    Outcome,
    Verdict,
)
from zkclaims.registry.store import Registry

__all__ = [
    "REGISTRY_REASONS",
    "AuditReport",
    "BatchJudge",
    "ClaimFacts",
    "ImportReport",
    "Judge",
    "LedgerHistory",
    "Outcome",
    "PostgresRegistry",
    "Registry",
    "RegistryBusyError",
    "RegistryConfigError",
    "RegistryError",
    "SchemaVersionError",
    "SqliteRegistry",
    "Verdict",
    "dialect_of",
    "head_revision",
    "normalise_url",
    "open_registry",
]
