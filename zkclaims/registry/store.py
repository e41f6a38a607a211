"""The claim ledger: one interface (:class:`Registry`), two engines (SQLite, PostgreSQL).

Ingestion is *verify, then record, atomically*. For one claim:

1. read, in one short read transaction, the claim's key (insurer, claim id), the insurer's
   record of the beneficiary and the beneficiary's paid equipment (the history);
2. if the key is taken: the same claim (the same bundle, up to the malleable proof bytes) gets
   the recorded answer back (``replayed``), another bundle is a ``claim_id_conflict``
   (recorded in the audit trail only);
3. otherwise the judge (the verifier) decides from the record and the history — outside any
   lock, so verifications run in parallel;
4. one write transaction takes the beneficiary's lock and the claim key's lock (PostgreSQL:
   transaction-scoped advisory locks; SQLite: ``BEGIN IMMEDIATE``, one writer at a time),
   reads the three again and, only if nothing moved, applies the ledger's duplicate rule
   (:mod:`.ledger`), appends the audit row (locking its head) and writes the claim and, when
   accepted, the payment; then commits, and answers once the commit is on disk. If something
   moved (a concurrent claim of the same beneficiary was recorded, the same claim arrived
   twice, the record was re-imported), the transaction is abandoned and the claim goes round
   again from step 1.

So the verdict that is recorded is always the one the recorded state gives, 100 concurrent
submissions of one claim give one acceptance and 99 replays, and nothing is acknowledged
before it is committed. The primary key of ``claims`` backs this up: a second row for a key
cannot exist.
"""

from __future__ import annotations

import datetime as _dt
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Literal

from sqlalchemy import Connection, Engine, select, text

from zkclaims.domain.patient import Beneficiary
from zkclaims.registry import audit as _audit
from zkclaims.registry.errors import RegistryBusyError
from zkclaims.registry.hotpath import HotSql
from zkclaims.registry.ledger import MemberState, apply_ledger_rules
from zkclaims.registry.reads import (
    CHUNK,
    Snapshot,
    beneficiary_of,
    claim_outcome,
    paid_of,
    snapshots,
)
from zkclaims.registry.records import (
    BatchJudge,
    ClaimFacts,
    ImportReport,
    Judge,
    LedgerHistory,
    Outcome,
    Verdict,
)
from zkclaims.registry.schema import beneficiaries

__all__ = ["Registry", "package_version", "utc_now"]

def package_version() -> str:
    """Return the installed zkclaims version (recorded in every audit row)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("zkclaims")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def utc_now() -> str:
    """Return the current time: UTC, ISO 8601, microseconds (``2025-04-02T10:11:12.000001Z``)."""
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class _MovedError(Exception):
    """The state a verdict was based on changed before it could be recorded."""


class Registry:
    """The insurer's claim ledger over one database (see the module docstring).

    Open one with :func:`zkclaims.registry.open_registry`. Thread-safe: one instance serves
    every thread of a process; several processes or service instances may share a database.
    """

    dialect: Literal["sqlite", "postgresql"]

    def __init__(self, engine: Engine, *, max_attempts: int = 50) -> None:
        self.engine = engine
        self.max_attempts = max_attempts
        self.package_version = package_version()
        self.sql = HotSql(self.dialect)
        self._dbapi = engine.dialect.dbapi
        self._write_lock = threading.Lock()

    # -- engine-specific hooks ----------------------------------------------------------------
    @contextmanager
    def _writer(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    def _lock_keys(self, cur: Any, facts: ClaimFacts) -> None:
        """Serialise writers of the same beneficiary and of the same claim key."""

    def _is_retryable(self, exc: Exception) -> bool:
        """Tell whether a driver error means "something moved: go round again"."""
        return isinstance(exc, self._dbapi.IntegrityError)

    def _is_busy(self, exc: Exception) -> bool:
        """Tell whether a driver error means "the lock was not given in time"."""
        return False

    def _relax(self, cur: Any) -> None:
        """Let this transaction commit without waiting for the disk (:meth:`_durable` will)."""

    def _durable(self, *, force: bool = False) -> None:
        """Return once every commit made so far by this registry is on disk.

        ``force``: also the commits of other processes (a replay answers one of them).
        """

    # -- housekeeping ---------------------------------------------------------------------------
    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def ping(self) -> None:
        """Run a trivial query (raises when the database cannot be reached)."""
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    # -- beneficiaries ----------------------------------------------------------------------------
    def import_beneficiaries(self, insurer: str, records: Iterable[Beneficiary]) -> ImportReport:
        """Insert or update the insurer's member records, all in one transaction.

        A member id given twice keeps the last record. Returns what was inserted, updated and
        left unchanged.
        """
        latest: dict[str, Beneficiary] = {}
        for rec in records:
            latest[rec.member_id] = rec
        inserted = updated = unchanged = 0
        now = utc_now()
        ids = list(latest)
        with self._writer() as conn:
            for start in range(0, len(ids), CHUNK):
                chunk = ids[start:start + CHUNK]
                existing = {
                    r.member_id: r
                    for r in conn.execute(select(beneficiaries).where(
                        beneficiaries.c.insurer == insurer, beneficiaries.c.member_id.in_(chunk)
                    )).mappings().all()
                }
                new_rows = []
                for member_id in chunk:
                    rec = latest[member_id]
                    values = {"ins": rec.ins, "birth_date": rec.birth_date,
                              "amo_regime": rec.amo_regime}
                    old = existing.get(member_id)
                    if old is None:
                        new_rows.append({"insurer": insurer, "member_id": member_id,
                                         "updated_at": now, **values})
                        inserted += 1
                    elif all(old[k] == v for k, v in values.items()):
                        unchanged += 1
                    else:
                        conn.execute(beneficiaries.update().where(
                            beneficiaries.c.insurer == insurer,
                            beneficiaries.c.member_id == member_id,
                        ).values(updated_at=now, **values))
                        updated += 1
                if new_rows:
                    conn.execute(beneficiaries.insert(), new_rows)
        self._durable()
        return ImportReport(inserted, updated, unchanged)

    def beneficiary(self, insurer: str, member_id: str) -> Beneficiary | None:
        """Return the insurer's record of ``member_id``, or None."""
        with self.engine.connect() as conn:
            return beneficiary_of(conn, insurer, member_id)

    def history(self, insurer: str, member_id: str) -> LedgerHistory:
        """Return the member's paid equipment as handed to the verifier (empty when none)."""
        with self.engine.connect() as conn:
            return MemberState(None, paid_of(conn, insurer, member_id)).history

    # -- claims ------------------------------------------------------------------------------------
    def claim(self, insurer: str, claim_id: str) -> Outcome | None:
        """Return the recorded decision on (insurer, claim id), or None."""
        with self._reader() as cur:
            row = self.sql.claim(cur, insurer, claim_id)
        return None if row is None else claim_outcome(row)

    @contextmanager
    def _reader(self) -> Iterator[Any]:
        """Yield a driver cursor for reads (each statement sees the latest commits)."""
        with self.engine.connect() as conn:
            cur = conn.connection.cursor()
            try:
                yield cur
            finally:
                cur.close()

    def _snapshot(self, facts: ClaimFacts) -> Snapshot:
        with self._reader() as cur:
            row = self.sql.claim(cur, facts.insurer, facts.claim_id)
            member = (MemberState(None, ()) if row is not None
                      else self.sql.member(cur, facts.insurer, facts.member_id))
        return Snapshot(row, member)

    def ingest(self, facts: ClaimFacts, judge: Judge, *, rules_version: str) -> Outcome:
        """Decide and record one claim (module docstring); return the ledger's answer.

        ``judge(beneficiary, history)`` is called with the insurer's record (None when the
        member is unknown) and the history; ``rules_version`` goes into the audit trail.
        Raises :class:`RegistryBusyError` when the claim could not be recorded in time.
        """
        for _attempt in range(self.max_attempts):
            snap = self._snapshot(facts)
            if snap.claim is not None:
                return self._answer_existing(facts, snap.claim, rules_version)
            verdict = judge(snap.member.beneficiary, snap.member.history)
            outcome = self._record(facts, verdict, snap, rules_version)
            if outcome is not None:
                return outcome
        raise RegistryBusyError(
            f"claim {facts.claim_id!r}: could not be recorded after {self.max_attempts}"
            " attempts (the beneficiary's history kept changing); nothing was recorded"
        )

    def ingest_many(
        self, items: Sequence[ClaimFacts], judge_many: BatchJudge, *, rules_version: str
    ) -> list[Outcome]:
        """Decide and record many claims; the judge sees them together (batch verification).

        Each claim is still recorded in its own transaction, under the same rules as
        :meth:`ingest`: one whose state moved (another claim of the same beneficiary in the
        batch, a concurrent writer) is judged again alone. A claim key given twice in the batch
        is decided once; its other copies get the replay or conflict answer.
        """
        results: list[Outcome | None] = [None] * len(items)
        first: dict[tuple[str, str], int] = {}
        later: list[int] = []
        for i, facts in enumerate(items):
            key = (facts.insurer, facts.claim_id)
            if key in first:
                later.append(i)
            else:
                first[key] = i
        fresh = list(first.values())
        with self.engine.connect() as conn:
            snaps = snapshots(conn, [items[i] for i in fresh])
        to_judge: list[int] = []
        for i, snap in zip(fresh, snaps, strict=True):
            if snap.claim is not None:
                results[i] = self._answer_existing(items[i], snap.claim, rules_version)
            else:
                to_judge.append(i)
        by_index = dict(zip(fresh, snaps, strict=True))
        verdicts = judge_many([
            (i, by_index[i].member.beneficiary, by_index[i].member.history) for i in to_judge
        ]) if to_judge else []
        for k, i in enumerate(to_judge):
            outcome = self._record(items[i], verdicts[k], by_index[i], rules_version,
                                   durable=False)
            if outcome is None:  # something moved: judge this one again, alone

                def judge_one(ben: Beneficiary | None, hist: LedgerHistory, i: int = i) -> Verdict:
                    return judge_many([(i, ben, hist)])[0]

                outcome = self.ingest(items[i], judge_one, rules_version=rules_version)
            results[i] = outcome
        self._durable(force=True)  # one sync for the batch's commits, before any answer
        for i in later:
            results[i] = self.ingest(
                items[i], _never_judged, rules_version=rules_version
            )
        return [r for r in results if r is not None]

    # -- the write side ----------------------------------------------------------------------------
    def _answer_existing(self, facts: ClaimFacts, row: Any, rules_version: str) -> Outcome:
        if row["claim_sha256"] == facts.claim_sha256:
            # the decision may be a batch's, committed but not yet synced: sync before saying it
            self._durable(force=True)
            return claim_outcome(row, replayed=True)
        message = (
            f"claim.claim_id: {facts.claim_id!r} was already used by another bundle (decided"
            f" {row['decided_at']}, {row['status']}); a new claim needs a new claim id"
        )
        at = utc_now()
        with self._writer_retrying() as cur:
            seq = self.sql.append_audit(cur, self.sql.head(cur), self._audit_fields(
                facts, at, "rejected", "claim_id_conflict", rules_version))
        self._durable()
        return Outcome(facts.insurer, facts.claim_id, facts.optician, facts.member_id,
                       facts.bundle_sha256, "rejected", "claim_id_conflict", message, None, at,
                       seq)

    def _record(
        self, facts: ClaimFacts, verdict: Verdict, snap: Snapshot, rules_version: str,
        *, durable: bool = True,
    ) -> Outcome | None:
        """Record the verdict if the state is still ``snap`` (else None: judge again).

        ``durable``: return only once the claim is on disk; otherwise the caller makes it so
        (:meth:`_durable`) before it answers.
        """
        try:
            with self._writer_retrying() as cur:
                if not durable:
                    self._relax(cur)
                self._lock_keys(cur, facts)
                member = self.sql.member(cur, facts.insurer, facts.member_id)
                if member != snap.member:
                    raise _MovedError
                verdict = apply_ledger_rules(facts, verdict, member)
                status = "accepted" if verdict.accepted else "rejected"
                at = utc_now()
                head = self.sql.head(cur)
                seq = head[0] + 1
                # a claim recorded meanwhile under this key: the primary key refuses this one
                self.sql.insert_claim(cur, {
                    "insurer": facts.insurer, "claim_id": facts.claim_id,
                    "bundle_sha256": facts.bundle_sha256, "claim_sha256": facts.claim_sha256,
                    "optician": facts.optician, "member_id": facts.member_id,
                    "delivered_on": facts.delivered_on, "commitment": facts.commitment,
                    "circuit_id": facts.circuit_id, "status": status, "reason": verdict.reason,
                    "message": verdict.message, "decision": verdict.decision,
                    "decided_at": at, "audit_seq": seq,
                })
                if verdict.accepted:
                    self.sql.insert_payment(cur, {
                        "insurer": facts.insurer, "claim_id": facts.claim_id,
                        "member_id": facts.member_id, "commitment": facts.commitment,
                        "delivered_on": facts.delivered_on,
                    })
                self.sql.append_audit(cur, head, self._audit_fields(
                    facts, at, status, verdict.reason, rules_version))
        except _MovedError:
            return None
        except self._dbapi.Error as exc:
            if self._is_retryable(exc):
                return None
            raise
        if durable:
            self._durable()
        return Outcome(facts.insurer, facts.claim_id, facts.optician, facts.member_id,
                       facts.bundle_sha256, status, verdict.reason, verdict.message,
                       verdict.decision, at, seq, replayed=False, recorded=True)

    @contextmanager
    def _writer_retrying(self) -> Iterator[Any]:
        """Yield a driver cursor in a write transaction (a lock not given in time: busy)."""
        try:
            with self._writer() as conn:
                cur = conn.connection.cursor()
                try:
                    yield cur
                finally:
                    cur.close()
        except Exception as exc:  # noqa: BLE001 - the driver's or SQLAlchemy's wrapper
            orig = getattr(exc, "orig", exc)
            if self._is_busy(orig):
                raise RegistryBusyError(
                    "database: the ledger is locked by another writer; nothing was recorded,"
                    " retry later"
                ) from None
            raise

    def _audit_fields(
        self, facts: ClaimFacts, at: str, outcome: str, reason: str | None, rules_version: str
    ) -> dict[str, Any]:
        return {
            "at": at, "insurer": facts.insurer, "claim_id": facts.claim_id,
            "bundle_sha256": facts.bundle_sha256, "outcome": outcome, "reason": reason,
            "package_version": self.package_version, "rules_version": rules_version,
            "circuit_id": facts.circuit_id, "setup_digest": facts.setup_digest,
        }

    # -- audit -------------------------------------------------------------------------------------
    def audit(self) -> _audit.AuditReport:
        """Check the whole audit chain (:func:`zkclaims.registry.audit.check_chain`)."""
        with self.engine.connect() as conn:
            return _audit.check_chain(conn)


def _never_judged(_ben: Beneficiary | None, _hist: LedgerHistory) -> Verdict:
    raise AssertionError("a claim key repeated in a batch is answered from the ledger")
