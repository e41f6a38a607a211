"""The ledger on both engines: migrations, members, keys, replays, conflicts, duplicates, audit.

Every test runs on SQLite and on PostgreSQL (``registry_url``, see conftest). The verifier is
replaced by a recording judge here (``ledger_helpers``): these are the ledger's own rules.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select, text

from zkclaims.registry import (
    LedgerHistory,
    RegistryConfigError,
    SchemaVersionError,
    Verdict,
    head_revision,
    open_registry,
)
from zkclaims.registry.engines import make_engine, normalise_url
from zkclaims.registry.migrate import current_revision, schema_differences, upgrade
from zkclaims.registry.schema import audit, claims, payments

from .ledger_helpers import DECISION, INSURER, RecordingJudge, facts, member

RULES = "2020"


@pytest.fixture
def reg(registry_url):
    r = open_registry(registry_url, migrate=True)
    r.import_beneficiaries(INSURER, [member(1), member(2), member(3, dt.date(2015, 1, 1))])
    yield r
    r.close()


def rows(reg, table):
    with reg.engine.connect() as conn:
        return conn.execute(select(table)).mappings().all()


# -- schema -------------------------------------------------------------------------------------

def test_migrations_from_empty_match_the_models(registry_url):
    engine = make_engine(registry_url)
    try:
        assert current_revision(engine) is None
        with pytest.raises(SchemaVersionError, match="zkclaims registry migrate"):
            open_registry(registry_url)
        assert upgrade(engine) == head_revision()
        assert current_revision(engine) == head_revision()
        assert schema_differences(engine) == []
        assert upgrade(engine) == head_revision()  # idempotent
        # the comparison sees a drifted schema
        with engine.begin() as conn:
            conn.execute(text("DROP INDEX ix_payments_insurer_member_id_delivered_on"))
        diffs = schema_differences(engine)
        assert diffs and "ix_payments_insurer_member_id_delivered_on" in repr(diffs)
    finally:
        engine.dispose()


def test_a_newer_schema_is_refused_not_touched(registry_url):
    open_registry(registry_url, migrate=True).close()
    engine = make_engine(registry_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    for migrate in (False, True):
        with pytest.raises(SchemaVersionError, match="newer than this zkclaims knows"):
            open_registry(registry_url, migrate=migrate)


def test_database_urls():
    assert normalise_url("ledger.db") == "sqlite:///ledger.db"
    assert normalise_url("postgresql://u@/db?host=/tmp").startswith("postgresql+psycopg://")
    for bad in ("", "mysql://x/y", "sqlite://", "sqlite:///:memory:"):
        with pytest.raises(RegistryConfigError, match="database_url"):
            normalise_url(bad)


# -- beneficiaries --------------------------------------------------------------------------------

def test_import_inserts_updates_and_keeps(reg):
    assert reg.beneficiary(INSURER, "M0001") == member(1)
    assert reg.beneficiary("AMC-other", "M0001") is None
    older = member(1, dt.date(1970, 1, 1))
    report = reg.import_beneficiaries(INSURER, [older, member(2), member(4)])
    assert (report.inserted, report.updated, report.unchanged) == (1, 1, 1)
    assert reg.beneficiary(INSURER, "M0001").birth_date == dt.date(1970, 1, 1)


# -- ingestion -------------------------------------------------------------------------------------

def test_accept_then_replay_then_conflict(reg):
    judge = RecordingJudge()
    first = reg.ingest(facts("C-1"), judge, rules_version=RULES)
    assert (first.status, first.recorded, first.replayed) == ("accepted", True, False)
    assert first.decision == DECISION and first.audit_seq == 1
    assert judge.calls == [(member(1), LedgerHistory())]

    again = reg.ingest(facts("C-1"), judge, rules_version=RULES)
    assert (again.status, again.recorded, again.replayed) == ("accepted", False, True)
    assert (again.decision, again.audit_seq, again.decided_at) == (
        first.decision, first.audit_seq, first.decided_at)
    assert len(judge.calls) == 1  # a replay is not judged again

    # a malleated proof of the same claim is the same claim: the recorded answer
    malleated = reg.ingest(facts("C-1", proof="-A,-B"), judge, rules_version=RULES)
    assert (malleated.status, malleated.replayed, malleated.audit_seq) == ("accepted", True, 1)
    assert malleated.bundle_sha256 == first.bundle_sha256  # the recorded bundle's digest

    other = reg.ingest(facts("C-1", bundle="another bundle"), judge, rules_version=RULES)
    assert (other.status, other.reason, other.recorded) == ("rejected", "claim_id_conflict", False)
    assert "claim.claim_id" in other.message and other.audit_seq == 2
    assert reg.claim(INSURER, "C-1").bundle_sha256 == first.bundle_sha256
    assert [r["reason"] for r in rows(reg, audit)] == [None, "claim_id_conflict"]
    assert len(rows(reg, payments)) == 1
    assert reg.audit().ok


def test_a_rejection_is_recorded_and_replayed(reg):
    out = reg.ingest(facts("C-2"), RecordingJudge("invalid_proof"), rules_version=RULES)
    assert (out.status, out.reason, out.decision) == ("rejected", "invalid_proof", None)
    again = reg.ingest(facts("C-2"), RecordingJudge(), rules_version=RULES)
    assert (again.status, again.reason, again.replayed) == ("rejected", "invalid_proof", True)
    assert rows(reg, payments) == []


def test_unknown_member_reaches_the_judge_as_none(reg):
    judge = RecordingJudge()
    out = reg.ingest(facts("C-3", member_id="M9999"), judge, rules_version=RULES)
    assert judge.calls == [(None, LedgerHistory())]
    assert out.reason == "wrong_beneficiary"


def test_history_is_the_latest_paid_equipment(reg):
    judge = RecordingJudge()
    reg.ingest(facts("C-a", commitment="10", delivered=dt.date(2021, 1, 5)), judge,
               rules_version=RULES)
    reg.ingest(facts("C-b", commitment="20", delivered=dt.date(2023, 2, 1)), judge,
               rules_version=RULES)
    reg.ingest(facts("C-c", commitment="30", delivered=dt.date(2024, 3, 1)),
               RecordingJudge("renewal_too_early"), rules_version=RULES)  # not paid
    reg.ingest(facts("C-d", commitment="40", delivered=dt.date(2025, 4, 2)), judge,
               rules_version=RULES)
    assert judge.calls[1][1] == LedgerHistory(dt.date(2021, 1, 5), "10", 1)
    assert judge.calls[2][1] == LedgerHistory(dt.date(2023, 2, 1), "20", 2)
    assert reg.history(INSURER, "M0001") == LedgerHistory(dt.date(2025, 4, 2), "40", 3)
    assert reg.history(INSURER, "M0002") == LedgerHistory()


def test_duplicate_equipment_by_commitment_inside_the_renewal_period(reg):
    judge = RecordingJudge()
    assert reg.ingest(facts("C-1", commitment="777", delivered=dt.date(2024, 5, 1)), judge,
                      rules_version=RULES).accepted
    # another claim id, another proof (another bundle digest), same statement: refused
    dup = reg.ingest(facts("C-2", commitment="777", delivered=dt.date(2025, 5, 1)), judge,
                     rules_version=RULES)
    assert dup.reason == "duplicate_equipment" and "C-1" in dup.message
    assert "2026-05-01" in dup.message  # when the same prescription is covered again
    # the verifier's renewal_too_early on a reused commitment becomes the specific reason
    early = reg.ingest(facts("C-3", commitment="777", delivered=dt.date(2024, 6, 1)),
                       RecordingJudge("renewal_too_early"), rules_version=RULES)
    assert early.reason == "duplicate_equipment"
    # any other rejection stands
    bad = reg.ingest(facts("C-4", commitment="777", delivered=dt.date(2024, 7, 1)),
                     RecordingJudge("invalid_proof"), rules_version=RULES)
    assert bad.reason == "invalid_proof"
    # once the period is over the same prescription may serve again (2 years from 16)
    assert reg.ingest(facts("C-5", commitment="777", delivered=dt.date(2026, 5, 1)), judge,
                      rules_version=RULES).accepted
    # another beneficiary's paid commitment is not this one's duplicate
    assert reg.ingest(facts("C-6", member_id="M0002", commitment="777"), judge,
                      rules_version=RULES).accepted
    assert len(rows(reg, payments)) == 3


def test_duplicate_period_follows_the_age(reg):
    judge = RecordingJudge()  # M0003 was born in 2015: under 16, one year
    assert reg.ingest(facts("K-1", member_id="M0003", commitment="5",
                            delivered=dt.date(2024, 1, 10)), judge, rules_version=RULES).accepted
    assert reg.ingest(facts("K-2", member_id="M0003", commitment="5",
                            delivered=dt.date(2025, 1, 9)), judge,
                      rules_version=RULES).reason == "duplicate_equipment"
    assert reg.ingest(facts("K-3", member_id="M0003", commitment="5",
                            delivered=dt.date(2025, 1, 10)), judge, rules_version=RULES).accepted


def test_ingest_many_judges_once_and_answers_in_order(reg):
    judge = RecordingJudge()
    reg.ingest(facts("B-0"), judge, rules_version=RULES)
    items = [
        facts("B-1", member_id="M0002", commitment="1"),
        facts("B-0"),                                        # replay of a recorded claim
        facts("B-2", member_id="M0001", commitment="2"),
        facts("B-1", member_id="M0002", commitment="1"),     # repeated in the batch: replay
        facts("B-1", member_id="M0002", bundle="other"),     # same key, other bundle
        facts("B-3", member_id="M0002", commitment="1", delivered=dt.date(2025, 4, 3)),
    ]
    judge = RecordingJudge()
    out = reg.ingest_many(items, judge.many, rules_version=RULES)
    assert [o.claim_id for o in out] == ["B-1", "B-0", "B-2", "B-1", "B-1", "B-3"]
    assert [(o.status, o.reason, o.replayed) for o in out] == [
        ("accepted", None, False),
        ("accepted", None, True),
        ("accepted", None, False),
        ("accepted", None, True),
        ("rejected", "claim_id_conflict", False),
        ("rejected", "duplicate_equipment", False),
    ]
    # one batch of the three new claims; B-3's member moved (B-1 paid), so it was judged
    # again alone with the new history
    assert judge.batches == [3, 1]
    assert judge.calls[-1][1].previous_commitment == "1"
    assert reg.audit().ok


def test_recorded_claim_row(reg):
    out = reg.ingest(facts("C-9", commitment="99"), RecordingJudge(), rules_version=RULES)
    row = rows(reg, claims)[0]
    assert row["commitment"] == "99" and row["status"] == "accepted"
    assert json.loads(row["decision"]) == json.loads(DECISION)
    assert reg.claim(INSURER, "C-9") == out.__class__(**{**out.__dict__, "recorded": False})
    assert reg.claim(INSURER, "nope") is None


# -- audit trail -----------------------------------------------------------------------------------

def _fill(reg, n=5):
    judge = RecordingJudge()
    for i in range(n):
        reg.ingest(facts(f"A-{i}", commitment=str(i), member_id=f"M000{1 + i % 2}",
                         delivered=dt.date(2020 + i, 1, 1)), judge, rules_version=RULES)


def _drop_guards(reg):
    with reg.engine.begin() as conn:
        if reg.dialect == "postgresql":
            conn.execute(text("DROP TRIGGER audit_no_change ON audit"))
            conn.execute(text("DROP TRIGGER audit_no_truncate ON audit"))
        else:
            conn.execute(text("DROP TRIGGER audit_no_update"))
            conn.execute(text("DROP TRIGGER audit_no_delete"))


def test_audit_rows_carry_the_provenance(reg):
    _fill(reg, 2)
    r = rows(reg, audit)[0]
    assert (r["seq"], r["claim_id"], r["outcome"], r["rules_version"]) == (1, "A-0", "accepted",
                                                                          RULES)
    assert r["circuit_id"] == "ab" * 32 and r["setup_digest"] == "cd" * 32
    assert r["package_version"] and r["at"].endswith("Z") and r["prev_hash"] == "0" * 64
    assert rows(reg, audit)[1]["prev_hash"] == r["row_hash"]


def test_the_database_refuses_to_change_the_trail(reg):
    _fill(reg, 2)
    for statement in ("UPDATE audit SET reason = 'x' WHERE seq = 1", "DELETE FROM audit"):
        with pytest.raises(Exception, match="append-only"), reg.engine.begin() as conn:
            conn.execute(text(statement))
    assert reg.audit().ok and reg.audit().rows == 2


@pytest.mark.parametrize("tamper, broken, problem", [
    ("UPDATE audit SET reason = 'x' WHERE seq = 3", 3, "row_hash does not match"),
    ("DELETE FROM audit WHERE seq = 2", 2, "row 2 is missing"),
    ("UPDATE audit SET prev_hash = row_hash WHERE seq = 4", 4, "prev_hash is not the hash"),
    ("DELETE FROM audit WHERE seq = 5", None, "rows were removed from the end"),
])
def test_audit_names_the_first_broken_row(reg, tamper, broken, problem):
    _fill(reg)
    assert reg.audit().ok and reg.audit().rows == 5
    _drop_guards(reg)
    with reg.engine.begin() as conn:
        conn.execute(text(tamper))
    report = reg.audit()
    assert not report.ok and report.broken_seq == broken and problem in report.problem
    assert (f"row {broken}" if broken else "head") in report.line()


def test_a_rehashed_row_still_breaks_the_link(reg):
    from zkclaims.registry.audit import row_hash

    _fill(reg)
    _drop_guards(reg)
    r = dict(rows(reg, audit)[1])  # seq 2: change it and recompute its own hash
    r["reason"] = "forged"
    r["row_hash"] = row_hash(r)
    with reg.engine.begin() as conn:
        conn.execute(audit.update().where(audit.c.seq == 2).values(
            reason="forged", row_hash=r["row_hash"]))
    report = reg.audit()
    assert not report.ok and report.broken_seq == 3
    assert "prev_hash is not the hash of the row before it" in report.problem


def test_verdict_constructors():
    assert Verdict.accept("{}").accepted and not Verdict.reject("x", "y").accepted
