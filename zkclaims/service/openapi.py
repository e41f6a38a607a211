"""The OpenAPI document: request bodies declared from the models, the committed copy.

The claim endpoints read their bodies themselves (to enforce the size limit before parsing
and to report each bad bundle of a batch on its own), so their request schemas are declared
here from :class:`~zkclaims.domain.claim.ClaimBundle` and added to the components.
``schemas/openapi.json`` is :func:`openapi_document` of a service with the default limits;
``zkclaims serve --print-openapi`` prints it and a test keeps the committed copy in sync.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import models_json_schema

from zkclaims.domain.claim import ClaimBundle

__all__ = ["bundle_body", "batch_body", "add_request_schemas", "openapi_document"]

_REF = "#/components/schemas/{model}"


class ClaimBatch(BaseModel):
    """Many claim bundles in one request (at most ``max_batch_items``, 256 by default)."""

    model_config = ConfigDict(extra="forbid")
    bundles: list[ClaimBundle] = Field(min_length=1)


def bundle_body() -> dict[str, Any]:
    """Return the ``requestBody`` of ``POST /v1/claims``."""
    return {"requestBody": {"required": True, "content": {"application/json": {
        "schema": {"$ref": _REF.format(model="ClaimBundle")}}}}}


def batch_body() -> dict[str, Any]:
    """Return the ``requestBody`` of ``POST /v1/claims:batch``."""
    return {"requestBody": {"required": True, "content": {"application/json": {
        "schema": {"$ref": _REF.format(model="ClaimBatch")}}}}}


def add_request_schemas(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the request models' schemas to ``components`` (refusing a clashing name)."""
    _, top = models_json_schema([(ClaimBundle, "validation"), (ClaimBatch, "validation")],
                                ref_template=_REF)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, sub in top.get("$defs", {}).items():
        if name in components and components[name] != sub:
            raise RuntimeError(f"OpenAPI: two different schemas named {name!r}")
        components[name] = sub
    return schema


def openapi_document() -> dict[str, Any]:
    """Return the OpenAPI document of the service (what ``schemas/openapi.json`` holds).

    Built from the routes alone: no database is opened and no verifier is loaded.
    """
    from zkclaims.service.app import create_app
    from zkclaims.service.state import ServiceState

    state = ServiceState.__new__(ServiceState)  # routes only: nothing is opened
    state.config = _DEFAULTS
    return create_app(state=state).openapi()


def openapi_text() -> str:
    """:func:`openapi_document` as the committed JSON text."""
    return json.dumps(openapi_document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _defaults() -> Any:
    from zkclaims.service.config import ServiceConfig

    return ServiceConfig.model_construct(
        **{k: f.default for k, f in ServiceConfig.model_fields.items() if not f.is_required()},
        insurer="AMC-00000000", database_url="sqlite:///ledger.db",
        trusted_prescribers="prescribers.json",
    )


_DEFAULTS = _defaults()
