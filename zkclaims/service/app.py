"""``zkclaims serve``: the insurer's claim service over HTTP (FastAPI).

Endpoints (``docs/service.md``; the OpenAPI document is ``/openapi.json``):

* ``POST /v1/claims`` — one claim bundle -> the ledger's decision: 201 decided now (accepted or
  rejected with its reason), 200 the same claim again (the recorded decision), 409
  ``claim_id_conflict``;
* ``POST /v1/claims:batch`` — ``{"bundles": [...]}`` -> one result per bundle, the proofs
  batch-verified together;
* ``GET /v1/claims/{claim_id}`` — a recorded decision (the caller's opticians' claims only);
* ``GET /v1/beneficiaries/{member_id}/history`` — the member's paid equipment (scope
  ``history``);
* ``GET /v1/health``, ``GET /v1/version`` — no key needed.

Callers present ``Authorization: Bearer <API key>``: a key stands for the opticians it lists,
and a claim whose optician is not one of them is refused (403). Bodies are read within their
size limit before any parsing (413); a body that does not parse is a 422 naming the field.
Every request is logged as one JSON line (:mod:`.logs`).
"""

import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from zkclaims.registry import RegistryBusyError
from zkclaims.registry.store import package_version
from zkclaims.service.api import (
    BatchItem,
    BatchResult,
    ClaimOutcome,
    Health,
    History,
    Problem,
    Version,
    outcome_document,
    problem_json,
)
from zkclaims.service.bodies import BodyError, parse_batch, parse_bundle, read_body
from zkclaims.service.config import ApiKey, ServiceConfig
from zkclaims.service.logs import log_event
from zkclaims.service.openapi import add_request_schemas, batch_body, bundle_body
from zkclaims.service.state import ServiceState

__all__ = ["create_app"]

_JSON = "application/json"


class ApiError(Exception):
    """An HTTP error answered with a :class:`Problem`."""

    def __init__(self, status: int, code: str, field: str | None, message: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.field, self.message = status, code, field, message
        self.headers = headers or {}


def _problem(status: int, code: str, field: str | None, message: str,
             headers: dict[str, str] | None = None) -> Response:
    return Response(problem_json(code, message, field), status_code=status, media_type=_JSON,
                    headers=headers)


def _responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    text = {400: "Bad request header", 401: "No API key, or not a known one",
            403: "The key does not speak for this optician (or lacks the scope)",
            404: "Not found", 408: "Body not received whole in time",
            413: "Body (or batch) over the size limit",
            422: "Malformed body or parameter (the field is named)",
            503: "Ledger busy or unreachable: nothing was recorded, retry"}
    return {s: {"model": Problem, "description": text[s]} for s in statuses}


class _RequestLog:
    """Pure ASGI middleware: a request id header and one JSON log line per request."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = secrets.token_hex(8)
        scope.setdefault("state", {})["request_id"] = rid
        started = time.perf_counter()
        status = {"code": 500}

        async def send_with_id(message: Any) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", rid.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            log_event("http.request", request_id=rid, method=scope["method"],
                      path=scope["path"][:200], status=status["code"],
                      duration_ms=round((time.perf_counter() - started) * 1000, 3),
                      caller=scope["state"].get("caller"))


def create_app(config: ServiceConfig | None = None, *, state: ServiceState | None = None
               ) -> FastAPI:
    """Build the service for ``config`` (or an already built ``state``)."""
    if state is None:
        if config is None:
            raise ValueError("create_app: give a ServiceConfig or a ServiceState")
        state = ServiceState(config)
    cfg = state.config
    svc = state

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        log_event("service.started", insurer=cfg.insurer, engine=svc.registry.dialect,
                  version=package_version())
        yield
        svc.close()

    app = FastAPI(
        title="zkclaims insurer service",
        version=package_version(),
        description="Verify and pay optical claims proved in zero knowledge; the insurer's"
        " ledger of decisions, with its audit trail. See docs/service.md.",
        lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url="/openapi.json",
    )
    app.state.service = svc
    app.add_middleware(_RequestLog)
    bearer = HTTPBearer(auto_error=False, description="API key: `Authorization: Bearer <key>`")

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> Response:
        return _problem(exc.status, exc.code, exc.field, exc.message, exc.headers)

    @app.exception_handler(BodyError)
    async def _body_error(_request: Request, exc: BodyError) -> Response:
        log_event("http.refused", status=exc.status, error=exc.code, field=exc.field)
        return _problem(exc.status, exc.code, exc.field, exc.message)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> Response:
        err = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        field = ".".join(str(p) for p in err["loc"][1:]) or "request"
        return _problem(422, "malformed", field, f"{field}: {err['msg']}")

    @app.exception_handler(RegistryBusyError)
    async def _busy(_request: Request, exc: RegistryBusyError) -> Response:
        log_event("ledger.busy", status=503, error="busy")
        return _problem(503, "busy", None, str(exc), {"Retry-After": "1"})

    @app.exception_handler(Exception)
    async def _internal(_request: Request, exc: Exception) -> Response:
        return _problem(500, "internal", None, "internal error: the request was not"
                        " completed; the ledger records a claim whole or not at all")

    def caller(
        request: Request,
        creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> ApiKey:
        challenge = {"WWW-Authenticate": "Bearer"}
        if creds is None:
            raise ApiError(401, "unauthenticated", "Authorization",
                           "Authorization: send `Authorization: Bearer <API key>`", challenge)
        key = svc.keys.caller(creds.credentials)
        if key is None:
            raise ApiError(401, "invalid_api_key", "Authorization",
                           "Authorization: not a key of this service", challenge)
        request.state.caller = key.name
        return key

    Caller = Annotated[ApiKey, Depends(caller)]  # noqa: N806 - a type alias

    def scope(key: ApiKey, needed: str) -> None:
        if needed not in key.scopes:
            raise ApiError(403, "forbidden", None,
                           f"the key {key.name!r} lacks the {needed!r} scope")

    def speaks_for(key: ApiKey, optician: str, field: str) -> None:
        if optician not in key.opticians:
            raise ApiError(403, "forbidden", field, f"{field}: the key {key.name!r} does not"
                           f" speak for optician {optician!r}")

    def _log_outcome(doc: ClaimOutcome) -> None:
        log_event("claim.decided", claim_id=doc.claim_id, member_id=doc.member_id,
                  optician=doc.optician, outcome=doc.status, reason=doc.reason,
                  replayed=doc.replayed, recorded=doc.recorded, audit_seq=doc.audit_seq)

    @app.post(
        "/v1/claims", response_model=ClaimOutcome, status_code=201,
        summary="Submit one claim bundle: verify it and record the decision",
        responses={200: {"model": ClaimOutcome, "description": "The same claim again: its"
                         " recorded decision"},
                   201: {"description": "Decided now and recorded (accepted or rejected)"},
                   409: {"model": ClaimOutcome, "description": "claim_id_conflict: another"
                         " bundle was recorded under this claim id"},
                   **_responses(400, 401, 403, 408, 413, 422, 503)},
        openapi_extra=bundle_body(),
    )
    async def submit_claim(request: Request, key: Caller) -> Response:
        scope(key, "claims")
        bundle = parse_bundle(await read_body(request, cfg.max_body_bytes, cfg.body_timeout_s))
        speaks_for(key, bundle.claim.optician, "claim.optician")
        doc = outcome_document(await run_in_threadpool(svc.ingestor.ingest, bundle))
        _log_outcome(doc)
        status = 409 if doc.reason == "claim_id_conflict" else 200 if doc.replayed else 201
        return Response(doc.model_dump_json(), status_code=status, media_type=_JSON,
                        headers={"Location": f"/v1/claims/{quote(doc.claim_id, safe='')}"})

    @app.post(
        "/v1/claims:batch", response_model=BatchResult,
        summary="Submit many claim bundles; their proofs are batch-verified",
        responses=_responses(400, 401, 403, 408, 413, 422, 503), openapi_extra=batch_body(),
    )
    async def submit_batch(request: Request, key: Caller) -> Response:
        scope(key, "claims")
        parsed = parse_batch(await read_body(request, cfg.max_batch_bytes, cfg.body_timeout_s),
                             cfg.max_batch_items)
        for i, b in enumerate(parsed.bundles):
            if b is not None:
                speaks_for(key, b.claim.optician, f"bundles[{i}].claim.optician")
        good = [(i, b) for i, b in enumerate(parsed.bundles) if b is not None]
        outcomes = (await run_in_threadpool(svc.ingestor.ingest_many, [b for _, b in good])
                    if good else [])
        items: list[BatchItem | None] = [None] * len(parsed.bundles)
        for (i, _b), outcome in zip(good, outcomes, strict=True):
            doc = outcome_document(outcome)
            _log_outcome(doc)
            items[i] = BatchItem(index=i, status=doc.status, outcome=doc)
        for i, p in parsed.problems.items():
            items[i] = BatchItem(index=i, status="malformed",
                                 problem=Problem(code=p.code, field=p.field, message=p.message))
        results = [it for it in items if it is not None]
        counts = {s: sum(1 for it in results if it.status == s)
                  for s in ("accepted", "rejected", "malformed")}
        log_event("batch.decided", items=len(results), **counts)
        return Response(BatchResult(results=results, **counts).model_dump_json(),
                        media_type=_JSON)

    @app.get("/v1/claims/{claim_id:path}", response_model=ClaimOutcome,
             summary="A recorded decision", responses=_responses(401, 403, 404, 422))
    async def get_claim(
        claim_id: Annotated[str, Path(min_length=1, max_length=128)], key: Caller
    ) -> Response:
        scope(key, "claims")
        outcome = await run_in_threadpool(svc.registry.claim, cfg.insurer, claim_id)
        if outcome is None or outcome.optician not in key.opticians:
            raise ApiError(404, "not_found", "claim_id",
                           f"claim_id: no claim {claim_id!r} of your opticians")
        return Response(outcome_document(outcome).model_dump_json(), media_type=_JSON)

    @app.get("/v1/beneficiaries/{member_id:path}/history", response_model=History,
             summary="A beneficiary's paid equipment (renewal history)",
             responses=_responses(401, 403, 404, 422))
    async def get_history(
        member_id: Annotated[str, Path(min_length=1, max_length=64)], key: Caller
    ) -> Response:
        scope(key, "history")

        def read() -> History | None:
            if svc.registry.beneficiary(cfg.insurer, member_id) is None:
                return None
            h = svc.registry.history(cfg.insurer, member_id)
            return History(member_id=member_id, last_delivery=h.last_delivery,
                           previous_commitment=h.previous_commitment,
                           paid_claims=h.paid_claims)

        doc = await run_in_threadpool(read)
        if doc is None:
            raise ApiError(404, "not_found", "member_id",
                           f"member_id: {member_id!r} is not a member in the records")
        return Response(doc.model_dump_json(), media_type=_JSON)

    @app.get("/v1/health", response_model=Health, summary="Can the service reach its ledger",
             responses={503: {"model": Health, "description": "The ledger is unreachable"}})
    async def health() -> Response:
        try:
            await run_in_threadpool(svc.registry.ping)
            doc, status = Health(status="ok", engine=svc.registry.dialect), 200
        except Exception:  # noqa: BLE001 - any failure to reach the database
            doc, status = Health(status="unavailable", engine=svc.registry.dialect), 503
        return Response(doc.model_dump_json(), status_code=status, media_type=_JSON)

    @app.get("/v1/version", response_model=Version, summary="What this service runs")
    async def version() -> Response:
        return Response((await run_in_threadpool(svc.version)).model_dump_json(),
                        media_type=_JSON)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version,
                                 description=app.description, routes=app.routes)
            app.openapi_schema = add_request_schemas(schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
