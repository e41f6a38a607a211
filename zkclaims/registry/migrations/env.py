"""Alembic environment of the ledger (run through :mod:`zkclaims.registry.migrate` only).

The caller hands the connection over in ``config.attributes["connection"]``; there is no
``alembic.ini`` and no URL here, so migrations never open a database of their own.
"""

from __future__ import annotations

from alembic import context

from zkclaims.registry.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reachable by running alembic by hand
    raise RuntimeError("run the ledger's migrations with `zkclaims registry migrate`")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
