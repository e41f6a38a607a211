"""Schema migrations of the ledger (Alembic), shipped inside the package.

The revisions live in ``zkclaims/registry/migrations/versions`` and are run through this
module only (no ``alembic.ini``): :func:`upgrade` brings a database, empty or older, to the
head revision; :func:`current_revision` and :func:`head_revision` say where it is;
:func:`schema_differences` compares the live schema with :mod:`.schema` (a test runs the
migrations from empty on both engines and expects no difference).

On PostgreSQL, :func:`upgrade` holds an advisory lock, so several service instances starting
together migrate once.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from zkclaims.registry.errors import SchemaVersionError
from zkclaims.registry.schema import metadata

__all__ = [
    "MIGRATIONS_DIR",
    "alembic_config",
    "head_revision",
    "current_revision",
    "upgrade",
    "check_revision",
    "schema_differences",
]

#: The Alembic script folder (package data).
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
#: Key of the PostgreSQL advisory lock held while migrating ("zkcl" in ASCII).
_PG_LOCK_KEY = 0x7A6B636C


def alembic_config(connection: Connection | None = None) -> Config:
    """Return an Alembic config for the shipped migrations, bound to ``connection``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@lru_cache(maxsize=1)
def head_revision() -> str:
    """Return the newest revision shipped in this package."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """Return the revision the database is at (None: no ledger schema yet)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> str:
    """Migrate the database to :func:`head_revision` (creating every table if it is empty).

    Returns the revision reached. A database at a revision this package does not know (made
    by a newer zkclaims) raises :class:`SchemaVersionError` and is left alone.
    """
    with engine.connect() as conn:
        pg = conn.dialect.name == "postgresql"
        if pg:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK_KEY})
            conn.commit()
        try:
            _check_known(MigrationContext.configure(conn).get_current_revision())
            conn.rollback()
            conn.execution_options(zkclaims_write=True)  # SQLite: BEGIN IMMEDIATE
            with conn.begin():
                command.upgrade(alembic_config(conn), "head")
        finally:
            if pg:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK_KEY})
                conn.commit()
    return head_revision()


def _check_known(revision: str | None) -> None:
    if revision is None:
        return
    script = ScriptDirectory.from_config(alembic_config())
    known = {rev.revision for rev in script.walk_revisions()}
    if revision not in known:
        raise SchemaVersionError(
            f"database: schema revision {revision!r} is newer than this zkclaims knows"
            f" (its newest is {head_revision()!r}): upgrade zkclaims"
        )


def check_revision(engine: Engine) -> None:
    """Raise :class:`SchemaVersionError` unless the database is at :func:`head_revision`."""
    current = current_revision(engine)
    if current == head_revision():
        return
    _check_known(current)
    where = "has no ledger schema" if current is None else f"is at revision {current!r}"
    raise SchemaVersionError(
        f"database: {where}, this zkclaims needs {head_revision()!r}: run"
        " `zkclaims registry migrate` (or `zkclaims registry init` for a new ledger)"
    )


def schema_differences(engine: Engine) -> list[Any]:
    """Differences between the live schema and :data:`~zkclaims.registry.schema.metadata`.

    Alembic's comparison (tables, columns and types, nullability, indexes, unique and foreign
    keys); an empty list means the database matches the models.
    """
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return [d for d in compare_metadata(ctx, metadata) if not _ignored(d)]


def _ignored(diff: Any) -> bool:
    # alembic_version is Alembic's own table, not a model
    return (isinstance(diff, tuple) and diff[0] == "remove_table"
            and diff[1].name == "alembic_version")
