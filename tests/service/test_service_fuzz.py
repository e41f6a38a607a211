"""Schemathesis against the published OpenAPI document, in-process (ASGI), bounded.

Every operation gets generated requests — valid by the schema and not — with a caller's key;
no response may be a 5xx, and every response must be a status, content type, header set and
body that the OpenAPI document declares for that operation. Bounded by ``max_examples`` so
it stays fast; derandomised, so a failure reproduces.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from zkclaims.registry import open_registry
from zkclaims.service import create_app, load_config
from zkclaims.service.openapi import openapi_document

from .ledger_helpers import INSURER, member
from .service_helpers import auth, write_config

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite:///{folder / 'ledger.db'}"
    app = create_app(load_config(write_config(folder, url), env={}))
    reg = open_registry(url)
    reg.import_beneficiaries(INSURER, [member(1)])
    reg.close()
    yield app
    app.state.service.close()


# The committed document is the served one (test_service_api checks it): load it without an app.
schema = schemathesis.openapi.from_dict(openapi_document())


@schema.parametrize()
@settings(max_examples=20, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_5xx_and_only_documented_answers(case, fuzz_app):
    case.call_and_validate(app=fuzz_app, headers=auth("operator"), checks=CHECKS)
