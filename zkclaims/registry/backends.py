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

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, text

from zkclaims.registry.durability import WalSync
from zkclaims.registry.engines import SqliteSync, dialect_of, make_engine
from zkclaims.registry.migrate import check_revision, upgrade
from zkclaims.registry.records import ClaimFacts
from zkclaims.registry.store import Registry

__all__ = ["SqliteRegistry", "PostgresRegistry", "open_registry"]


class SqliteRegistry(Registry):
    """The embedded engine: one SQLite file in WAL mode, one transaction per claim.

    Commits are ``synchronous=NORMAL``; with ``durable`` (the default) an answer waits for a
    sync of the log shared with the other answers of the moment (:mod:`.durability`).
    """

    dialect = "sqlite"

    def __init__(self, engine: Engine, *, durable: bool = True, **kwargs: Any) -> None:
        super().__init__(engine, **kwargs)
        path = engine.url.database
        self._wal = WalSync(os.path.abspath(path)) if durable and path else None

    def _durable(self, *, force: bool = False) -> None:
        if self._wal is not None:  # the log is one file: its sync covers every process
            self._wal.sync()

    def _is_busy(self, exc: Exception) -> bool:
        text = str(exc)
        return isinstance(exc, self._dbapi.OperationalError) and (
            "locked" in text or "busy" in text)

    @contextmanager
    def _writer(self) -> Iterator[Connection]:
        with self._write_lock, self.engine.connect() as conn:
            conn.execution_options(zkclaims_write=True)  # BEGIN IMMEDIATE
            with conn.begin():
                yield conn


_ASYNC_COMMIT = "SET LOCAL synchronous_commit TO OFF"
_XACT_ID = text("SELECT pg_current_xact_id()")
_LOCK_KEYS = ("SELECT pg_advisory_xact_lock(1, hashtext(%(m)s)),"
              " pg_advisory_xact_lock(2, hashtext(%(c)s))")

#: SQLSTATEs after which a claim is simply tried again: serialization failure, deadlock.
_PG_RETRY_STATES = {"40001", "40P01"}


class PostgresRegistry(Registry):
    """The engine for several service instances sharing one PostgreSQL database."""

    dialect = "postgresql"

    def _lock_keys(self, cur: Any, facts: ClaimFacts) -> None:
        cur.execute(_LOCK_KEYS, {"m": f"{facts.insurer}\x1f{facts.member_id}",
                                 "c": f"{facts.insurer}\x1f{facts.claim_id}"})

    def _is_retryable(self, exc: Exception) -> bool:
        if isinstance(exc, self._dbapi.IntegrityError):
            return True
        return getattr(exc, "sqlstate", None) in _PG_RETRY_STATES

    def _is_busy(self, exc: Exception) -> bool:
        return getattr(exc, "sqlstate", None) == "55P03"  # lock_not_available

    def _relax(self, cur: Any) -> None:
        cur.execute(_ASYNC_COMMIT)

    def _durable(self, *, force: bool = False) -> None:
        # Other commits are synchronous. Forced (after a batch's asynchronous commits, before
        # a replay): a synchronous commit waits for the log up to its own record, hence for
        # every asynchronous commit before it, of any session — one flush for a batch.
        if force:
            with self.engine.begin() as conn:
                conn.execute(_XACT_ID)


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
    if dialect_of(url) == "postgresql":
        return PostgresRegistry(engine)
    return SqliteRegistry(engine, durable=sqlite_synchronous == "full")
