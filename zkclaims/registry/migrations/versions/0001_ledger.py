"""The ledger: beneficiaries, claims, payments, the audit trail and its head.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

#: The audit trail is append-only: the database refuses UPDATE and DELETE on it.
_SQLITE_TRIGGERS = [
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END",
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END",
]
_PG_TRIGGERS = [
    "CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS"
    " $$ BEGIN RAISE EXCEPTION 'audit is append-only'; END $$",
    "CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit"
    " FOR EACH ROW EXECUTE FUNCTION audit_append_only()",
    "CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit"
    " FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()",
]


def upgrade() -> None:
    """Create the ledger's tables, the audit head row and the append-only triggers."""
    op.create_table(
        "beneficiaries",
        sa.Column("insurer", sa.String(128), nullable=False),
        sa.Column("member_id", sa.String(64), nullable=False),
        sa.Column("ins", sa.String(15), nullable=False),
        sa.Column("birth_date", sa.Date, nullable=False),
        sa.Column("amo_regime", sa.String(16), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("insurer", "member_id", name="pk_beneficiaries"),
        sa.CheckConstraint(
            "amo_regime IN ('general', 'alsace_moselle')", name="ck_beneficiaries_amo_regime"
        ),
    )
    op.create_table(
        "claims",
        sa.Column("insurer", sa.String(128), nullable=False),
        sa.Column("claim_id", sa.String(128), nullable=False),
        sa.Column("bundle_sha256", sa.String(64), nullable=False),
        sa.Column("claim_sha256", sa.String(64), nullable=False),
        sa.Column("optician", sa.String(128), nullable=False),
        sa.Column("member_id", sa.String(64), nullable=False),
        sa.Column("delivered_on", sa.Date, nullable=False),
        sa.Column("commitment", sa.String(80), nullable=False),
        sa.Column("circuit_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(40), nullable=True),
        sa.Column("message", sa.Text, nullable=True),
        sa.Column("decision", sa.Text, nullable=True),
        sa.Column("decided_at", sa.String(32), nullable=False),
        sa.Column("audit_seq", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("insurer", "claim_id", name="pk_claims"),
        sa.CheckConstraint("status IN ('accepted', 'rejected')", name="ck_claims_status"),
        sa.CheckConstraint(
            "(status = 'accepted' AND reason IS NULL AND decision IS NOT NULL)"
            " OR (status = 'rejected' AND reason IS NOT NULL AND decision IS NULL)",
            name="ck_claims_outcome",
        ),
    )
    op.create_table(
        "payments",
        sa.Column("insurer", sa.String(128), nullable=False),
        sa.Column("claim_id", sa.String(128), nullable=False),
        sa.Column("member_id", sa.String(64), nullable=False),
        sa.Column("commitment", sa.String(80), nullable=False),
        sa.Column("delivered_on", sa.Date, nullable=False),
        sa.PrimaryKeyConstraint("insurer", "claim_id", name="pk_payments"),
        sa.ForeignKeyConstraint(
            ["insurer", "claim_id"], ["claims.insurer", "claims.claim_id"],
            name="fk_payments_claims",
        ),
    )
    op.create_index(
        "ix_payments_insurer_member_id_delivered_on",
        "payments",
        ["insurer", "member_id", "delivered_on"],
    )
    op.create_table(
        "audit",
        sa.Column("seq", sa.BigInteger, nullable=False, autoincrement=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("insurer", sa.String(128), nullable=False),
        sa.Column("claim_id", sa.String(128), nullable=False),
        sa.Column("bundle_sha256", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(40), nullable=True),
        sa.Column("package_version", sa.String(40), nullable=False),
        sa.Column("rules_version", sa.String(40), nullable=False),
        sa.Column("circuit_id", sa.String(64), nullable=False),
        sa.Column("setup_digest", sa.String(64), nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("row_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit"),
    )
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("row_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_head"),
        sa.CheckConstraint("id = 1", name="ck_audit_head_single_row"),
    )
    op.execute(
        "INSERT INTO audit_head (id, seq, row_hash)"
        " VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000')"
    )
    dialect = op.get_bind().dialect.name
    for statement in _PG_TRIGGERS if dialect == "postgresql" else _SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    """Drop everything :func:`upgrade` created."""
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER audit_no_truncate ON audit")
        op.execute("DROP TRIGGER audit_no_change ON audit")
        op.execute("DROP FUNCTION audit_append_only()")
    else:
        op.execute("DROP TRIGGER audit_no_delete")
        op.execute("DROP TRIGGER audit_no_update")
    for table in ("audit_head", "audit", "payments", "claims", "beneficiaries"):
        op.drop_table(table)
