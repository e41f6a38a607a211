"""The ledger's tables, as SQLAlchemy Core metadata (the models the migrations must match).

Five tables (``docs/service.md``, "The ledger model"):

* ``beneficiaries`` — the insurer's own member records, imported by the insurer: member id ->
  INS, birth date, AMO regime. Never taken from a claim.
* ``claims`` — one row per decided claim, keyed by (insurer, claim id): the bundle's SHA-256
  (and the same without the proof bytes, which says whether a later bundle is this claim), the
  facts the ledger acts on (optician, member id, delivery day, the commitment of the
  proven statement), the outcome and, for an accepted claim, the decision as JSON. A replay of
  the same bundle returns this row; another bundle under the same key is a conflict.
* ``payments`` — the paid equipment: one row per accepted claim (the commitment, the member
  and the delivery day). The renewal history and the duplicate check read it.
* ``audit`` — the append-only trail: every decision, hash-chained (:mod:`.audit`).
* ``audit_head`` — one row: the last sequence number and hash of the trail. Appending locks it
  (the one serialisation point between service instances); a truncated tail shows against it.

The migrations in ``migrations/versions`` create exactly these tables (a test compares them);
change both together, with a new revision.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

__all__ = [
    "metadata",
    "beneficiaries",
    "claims",
    "payments",
    "audit",
    "audit_head",
    "ID_LENGTH",
    "MEMBER_LENGTH",
]

#: Longest insurer, claim or optician identifier (the claim model's bound).
ID_LENGTH = 128
#: Longest member number (:class:`~zkclaims.domain.patient.Beneficiary`'s bound).
MEMBER_LENGTH = 64
#: A field element in decimal (< 2^255: at most 77 digits).
_FE_LENGTH = 80

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

beneficiaries = Table(
    "beneficiaries",
    metadata,
    Column("insurer", String(ID_LENGTH), nullable=False),
    Column("member_id", String(MEMBER_LENGTH), nullable=False),
    Column("ins", String(15), nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("amo_regime", String(16), nullable=False),
    Column("updated_at", String(32), nullable=False),
    PrimaryKeyConstraint("insurer", "member_id"),
    CheckConstraint("amo_regime IN ('general', 'alsace_moselle')", name="amo_regime"),
)

claims = Table(
    "claims",
    metadata,
    Column("insurer", String(ID_LENGTH), nullable=False),
    Column("claim_id", String(ID_LENGTH), nullable=False),
    Column("bundle_sha256", String(64), nullable=False),
    Column("claim_sha256", String(64), nullable=False),
    Column("optician", String(ID_LENGTH), nullable=False),
    Column("member_id", String(MEMBER_LENGTH), nullable=False),
    Column("delivered_on", Date, nullable=False),
    Column("commitment", String(_FE_LENGTH), nullable=False),
    Column("circuit_id", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("reason", String(40), nullable=True),
    Column("message", Text, nullable=True),
    Column("decision", Text, nullable=True),
    Column("decided_at", String(32), nullable=False),
    Column("audit_seq", BigInteger, nullable=False),
    PrimaryKeyConstraint("insurer", "claim_id"),
    CheckConstraint("status IN ('accepted', 'rejected')", name="status"),
    CheckConstraint(
        "(status = 'accepted' AND reason IS NULL AND decision IS NOT NULL)"
        " OR (status = 'rejected' AND reason IS NOT NULL AND decision IS NULL)",
        name="outcome",
    ),
)

payments = Table(
    "payments",
    metadata,
    Column("insurer", String(ID_LENGTH), nullable=False),
    Column("claim_id", String(ID_LENGTH), nullable=False),
    Column("member_id", String(MEMBER_LENGTH), nullable=False),
    Column("commitment", String(_FE_LENGTH), nullable=False),
    Column("delivered_on", Date, nullable=False),
    PrimaryKeyConstraint("insurer", "claim_id"),
    ForeignKeyConstraint(
        ["insurer", "claim_id"], ["claims.insurer", "claims.claim_id"]
    ),
    Index(None, "insurer", "member_id", "delivered_on"),
)

audit = Table(
    "audit",
    metadata,
    Column("seq", BigInteger, nullable=False, autoincrement=False),
    Column("at", String(32), nullable=False),
    Column("insurer", String(ID_LENGTH), nullable=False),
    Column("claim_id", String(ID_LENGTH), nullable=False),
    Column("bundle_sha256", String(64), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("reason", String(40), nullable=True),
    Column("package_version", String(40), nullable=False),
    Column("rules_version", String(40), nullable=False),
    Column("circuit_id", String(64), nullable=False),
    Column("setup_digest", String(64), nullable=True),
    Column("prev_hash", String(64), nullable=False),
    Column("row_hash", String(64), nullable=False),
    PrimaryKeyConstraint("seq"),
)

audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, nullable=False, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("row_hash", String(64), nullable=False),
    PrimaryKeyConstraint("id"),
    CheckConstraint("id = 1", name="single_row"),
)
