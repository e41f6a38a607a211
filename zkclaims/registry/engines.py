"""Database URLs and SQLAlchemy engines of the two ledger engines (SQLite, PostgreSQL).

* SQLite — ``sqlite:///ledger.db`` (relative path) or ``sqlite:////var/lib/zkclaims/ledger.db``
  (absolute), or a bare file path. WAL journal, foreign keys on, a busy timeout, commits with
  ``synchronous=NORMAL``: with the setting ``full`` (the default) the registry syncs the log
  before it answers, one sync shared by the answers of the moment
  (:mod:`zkclaims.registry.durability`), so an acknowledged claim survives a power cut;
  ``normal`` does not sync (an acknowledged claim survives a crash of the process only).
  Write transactions begin with ``BEGIN IMMEDIATE``, so two writers never both read and then
  both write.
* PostgreSQL — ``postgresql://user@host/db`` or, on a local socket,
  ``postgresql://user@/db?host=/run/postgresql``; driven by psycopg 3 (``postgresql+psycopg``).
"""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from zkclaims.registry.errors import RegistryConfigError

__all__ = ["normalise_url", "dialect_of", "make_engine", "SqliteSync"]

SqliteSync = Literal["full", "normal"]


def normalise_url(url: str) -> str:
    """Return the SQLAlchemy URL for ``url`` (a bare path means a SQLite file).

    ``postgresql://`` and ``postgres://`` get the psycopg 3 driver. Any other scheme is refused
    with a message naming the two engines.
    """
    if not isinstance(url, str) or not url.strip():
        raise RegistryConfigError("database_url", url, "must be a non-empty URL or file path")
    text = url.strip()
    if "://" not in text:
        return f"sqlite:///{text}"
    scheme, rest = text.split("://", 1)
    if scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        return f"postgresql+psycopg://{rest}"
    if scheme in ("sqlite", "sqlite+pysqlite"):
        if rest in ("", "/") or rest.startswith("/:memory:"):
            raise RegistryConfigError(
                "database_url", url, "an in-memory SQLite database is not a ledger: name a file"
            )
        return f"sqlite://{rest}"
    raise RegistryConfigError(
        "database_url", url, "expected sqlite:///FILE or postgresql://... (SQLite or PostgreSQL)"
    )


def dialect_of(url: str) -> Literal["sqlite", "postgresql"]:
    """Return ``"sqlite"`` or ``"postgresql"`` for a URL accepted by :func:`normalise_url`."""
    return "postgresql" if normalise_url(url).startswith("postgresql") else "sqlite"


def _sqlite_engine(url: str, synchronous: SqliteSync, busy_timeout_ms: int) -> Engine:
    if synchronous not in ("full", "normal"):
        raise RegistryConfigError("sqlite_synchronous", synchronous, "must be full or normal")
    engine = create_engine(
        url,
        connect_args={"timeout": busy_timeout_ms / 1000, "check_same_thread": False},
        pool_size=8,
        max_overflow=24,
        pool_timeout=60,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see _on_begin)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")  # "full": the registry syncs before answering
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        write = conn.get_execution_options().get("zkclaims_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def make_engine(
    url: str,
    *,
    sqlite_synchronous: SqliteSync = "full",
    busy_timeout_ms: int = 30_000,
    pool_size: int = 8,
) -> Engine:
    """Create the engine for ``url`` (see the module docstring for the settings of each)."""
    full = normalise_url(url)
    try:
        parsed = make_url(full)
    except ArgumentError as exc:
        raise RegistryConfigError("database_url", url, f"not a database URL ({exc})") from None
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(full, sqlite_synchronous, busy_timeout_ms)
    return create_engine(
        parsed,
        pool_size=pool_size,
        max_overflow=pool_size * 3,
        pool_timeout=60,
        pool_pre_ping=True,
        connect_args={"connect_timeout": max(1, busy_timeout_ms // 1000)},
    )
