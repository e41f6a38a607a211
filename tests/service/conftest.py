"""Fixtures of the ledger and service tests: one throwaway PostgreSQL cluster per session.

``registry_url`` is parametrised over both engines: a SQLite file in the test's folder, and a
fresh database in the session's PostgreSQL cluster (started here with ``initdb``/``postgres``
on a Unix socket only, as an unprivileged user when the tests run as root, and always stopped:
see :mod:`zkclaims.registry.pgtemp`). Where the PostgreSQL binaries are genuinely absent the
PostgreSQL half skips, naming what is missing.
"""

from __future__ import annotations

import pytest

from zkclaims.registry.pgtemp import ThrowawayPostgres, unavailable_reason

from .ledger_helpers import ENGINES


@pytest.fixture(scope="session")
def pg():
    reason = unavailable_reason()
    if reason is not None:
        pytest.skip(f"PostgreSQL half skipped: {reason}")
    cluster = ThrowawayPostgres().start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(params=ENGINES)
def engine_name(request):
    return request.param


@pytest.fixture
def registry_url(engine_name, request, tmp_path):
    if engine_name == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.db'}"
    return request.getfixturevalue("pg").create_database()


@pytest.fixture(scope="session")
def sample():
    """Real bundles, proved once per session: 24 claims of 24 members (see service_fixtures)."""
    from benchmarks.service_fixtures import make_claims

    return make_claims(24, workers=2, claim_prefix="T")
