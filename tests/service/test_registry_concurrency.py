"""Concurrent writers on both engines: threads and processes racing on one ledger."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import threading
import time
from collections import Counter

import pytest
from sqlalchemy import func, select, text

from zkclaims.registry import RegistryBusyError, Verdict, open_registry
from zkclaims.registry.schema import audit, claims, payments

from .ledger_helpers import INSURER, RecordingJudge, facts, ingest_same_claim, member

RULES = "2020"


@pytest.fixture
def reg(registry_url):
    r = open_registry(registry_url, migrate=True)
    r.import_beneficiaries(INSURER, [member(i) for i in range(1, 31)])
    yield r
    r.close()


class SlowJudge(RecordingJudge):
    """Takes a little time, as a verification does, so that every racer reads before any writes."""

    def __call__(self, ben, hist) -> Verdict:
        time.sleep(0.005)
        return super().__call__(ben, hist)


def race(n, fn):
    barrier = threading.Barrier(n)
    out, errors = [], []
    lock = threading.Lock()

    def run(i):
        barrier.wait()
        try:
            o = fn(i)
        except Exception as exc:  # noqa: BLE001 - reported below
            with lock:
                errors.append(exc)
            return
        with lock:
            out.append(o)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    return out


def count(reg, table, *where):
    with reg.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def test_100_threads_same_claim_one_acceptance(reg):
    judge = SlowJudge()
    out = race(100, lambda i: reg.ingest(facts("C-race"), judge, rules_version=RULES))
    assert Counter((o.status, o.recorded, o.replayed) for o in out) == {
        ("accepted", True, False): 1, ("accepted", False, True): 99}
    assert count(reg, claims) == count(reg, payments) == count(reg, audit) == 1
    assert len(judge.calls) >= 2  # they did race: several verified before one recorded
    assert reg.audit().ok


def test_processes_same_claim_one_acceptance(reg, registry_url):
    ctx = multiprocessing.get_context("spawn")
    start, results = ctx.Barrier(2, timeout=120), ctx.Queue()
    procs = [ctx.Process(target=ingest_same_claim, args=(registry_url, 50, start, results))
             for _ in range(2)]
    for p in procs:
        p.start()
    try:
        out = [o for _ in procs for o in results.get(timeout=180)]
    finally:
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
    assert len(out) == 100
    assert Counter(out) == {("accepted", False, True): 99, ("accepted", True, False): 1}
    assert count(reg, claims) == count(reg, payments) == count(reg, audit) == 1
    assert reg.audit().ok


def test_same_prescription_under_many_claim_ids_is_paid_once(reg):
    out = race(20, lambda i: reg.ingest(facts(f"D-{i}", commitment="42"), SlowJudge(),
                                        rules_version=RULES))
    assert Counter(o.reason for o in out) == {None: 1, "duplicate_equipment": 19}
    assert count(reg, payments) == 1 and count(reg, audit) == 20
    assert reg.audit().ok


def test_same_claim_id_from_many_bundles_one_is_recorded(reg):
    out = race(20, lambda i: reg.ingest(facts("K-1", member_id=f"M{1 + i:04d}", commitment=str(i)),
                                        SlowJudge(), rules_version=RULES))
    assert Counter(o.reason for o in out) == {None: 1, "claim_id_conflict": 19}
    assert count(reg, claims) == 1 and count(reg, audit) == 20
    assert reg.audit().ok


def test_many_members_in_parallel_keep_one_chain(reg):
    out = race(30, lambda i: reg.ingest(
        facts(f"P-{i}", member_id=f"M{1 + i:04d}", commitment=str(i)), SlowJudge(),
        rules_version=RULES))
    assert all(o.accepted and o.recorded for o in out)
    assert sorted(o.audit_seq for o in out) == list(range(1, 31))
    assert reg.audit().ok and reg.audit().rows == 30


def test_batches_racing_on_the_same_member(reg):
    def batch(i):
        items = [facts(f"Q-{i}-{k}", member_id="M0001", commitment="9",
                       delivered=dt.date(2025, 4, 2)) for k in range(3)]
        return reg.ingest_many(items, SlowJudge().many, rules_version=RULES)

    out = [o for part in race(6, batch) for o in part]
    assert Counter(o.reason for o in out) == {None: 1, "duplicate_equipment": 17}
    assert count(reg, payments) == 1 and reg.audit().ok


def test_sqlite_locked_too_long_is_busy_not_lost(tmp_path):
    url = f"sqlite:///{tmp_path / 'busy.db'}"
    open_registry(url, migrate=True).close()
    reg = open_registry(url, busy_timeout_ms=200)
    reg.import_beneficiaries(INSURER, [member(1)])
    blocker = reg.engine.raw_connection()
    try:
        blocker.driver_connection.execute("BEGIN IMMEDIATE")
        with pytest.raises(RegistryBusyError, match="nothing was recorded"):
            reg.ingest(facts("C-busy"), RecordingJudge(), rules_version=RULES)
        blocker.driver_connection.execute("ROLLBACK")
    finally:
        blocker.close()
    assert reg.claim(INSURER, "C-busy") is None
    assert reg.ingest(facts("C-busy"), RecordingJudge(), rules_version=RULES).recorded
    reg.close()


def test_postgres_writers_of_different_members_overlap(pg):
    """Two members' claims hold their locks at once (SQLite would serialise them)."""
    url = pg.create_database()
    reg = open_registry(url, migrate=True)
    reg.import_beneficiaries(INSURER, [member(1), member(2)])
    inside = threading.Barrier(2, timeout=10)

    class Meeting(RecordingJudge):
        pass

    original = reg._lock_keys

    def lock_then_meet(conn, f):
        original(conn, f)
        inside.wait()  # both transactions hold their member locks here, or this times out

    reg._lock_keys = lock_then_meet
    out = race(2, lambda i: reg.ingest(facts(f"O-{i}", member_id=f"M000{i + 1}"), Meeting(),
                                       rules_version=RULES))
    assert all(o.recorded for o in out) and reg.audit().ok
    with reg.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")
                            ).scalar_one() == 0
    reg.close()
