"""The two engines of :class:`~zkclaims.registry.store.Registry`, and :func:`open_registry`.

They differ only in how writers are kept apart:

* :class:`SqliteRegistry` — one writer at a time: the threads of a process queue on a lock,
  processes on SQLite's own (``BEGIN IMMEDIATE`` with a busy timeout). Readers never wait
  (WAL).
* :class:`PostgresRegistry` — writers of different beneficiaries run side by side: a write
  transaction takes transaction-scoped advisory locks on its beneficiary and on its claim key
  (in that order), then the audit head row ``FOR UPDATE`` last, so no two transactions wait on
  each other in a cycle. Unique-key, serialisation and deadlock errors send the claim round
  again (nothing was recorded).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from zkclaims.registry.engines import SqliteSync, dialect_of, make_engine
from zkclaims.registry.migrate import check_revision, upgrade
from zkclaims.registry.records import ClaimFacts
from zkclaims.registry.schema import audit_head
from zkclaims.registry.store import Registry

__all__ = ["SqliteRegistry", "PostgresRegistry", "open_registry"]


class SqliteRegistry(Registry):
    """The embedded engine: one SQLite file in WAL mode, one transaction per claim."""

    dialect = "sqlite"

    @contextmanager
    def _writer(self) -> Iterator[Connection]:
        with self._write_lock, self.engine.connect() as conn:
            conn.execution_options(zkclaims_write=True)  # BEGIN IMMEDIATE
            with conn.begin():
                yield conn


#: SQLSTATEs after which a claim is simply tried again: serialization failure, deadlock.
_PG_RETRY_STATES = {"40001", "40P01"}


class PostgresRegistry(Registry):
    """The engine for several service instances sharing one PostgreSQL database."""

    dialect = "postgresql"

    def _lock_keys(self, conn: Connection, facts: ClaimFacts) -> None:
        conn.execute(
            text("SELECT pg_advisory_xact_lock(1, hashtext(:m)),"
                 " pg_advisory_xact_lock(2, hashtext(:c))"),
            {"m": f"{facts.insurer}\x1f{facts.member_id}",
             "c": f"{facts.insurer}\x1f{facts.claim_id}"},
        )

    def _head(self, conn: Connection) -> tuple[int, str]:
        row = conn.execute(
            select(audit_head.c.seq, audit_head.c.row_hash).with_for_update()
        ).one()
        return row[0], row[1]

    def _is_retryable(self, exc: DBAPIError) -> bool:
        if isinstance(exc, IntegrityError):
            return True
        return getattr(exc.orig, "sqlstate", None) in _PG_RETRY_STATES


def open_registry(
    url: str,
    *,
    migrate: bool = False,
    sqlite_synchronous: SqliteSync = "full",
    busy_timeout_ms: int = 30_000,
    pool_size: int = 8,
) -> Registry:
    """Open the ledger at ``url`` (``sqlite:///FILE``, a bare path, or ``postgresql://...``).

    With ``migrate`` the schema is brought to this package's revision first (creating it in
    an empty database); without, a database at another revision raises
    :class:`~zkclaims.registry.errors.SchemaVersionError` saying what to run.
    """
    engine = make_engine(url, sqlite_synchronous=sqlite_synchronous,
                         busy_timeout_ms=busy_timeout_ms, pool_size=pool_size)
    try:
        if migrate:
            upgrade(engine)
        else:
            check_revision(engine)
    except BaseException:
        engine.dispose()
        raise
    cls = PostgresRegistry if dialect_of(url) == "postgresql" else SqliteRegistry
    return cls(engine)
